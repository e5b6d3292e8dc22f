"""``torch.accelerator``: the device-generic queries; on the CPU-only minigrad there is none.

So ``device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available()
else "cpu"`` picks ``"cpu"``, and calls that need an accelerator raise torch's RuntimeError.
"""
from ._device import NO_ACCELERATOR

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize"]


def is_available():
    return False


def current_accelerator(check_available=False):
    """The accelerator's device type (a ``torch.device``), or None when there is none."""
    return None


def device_count():
    return 0


def _no_accelerator(*args, **kwargs):
    raise RuntimeError(NO_ACCELERATOR)


current_device_index = set_device_index = synchronize = _no_accelerator
