"""``torch.cpu``: the one device minigrad computes on."""
__all__ = ["is_available", "device_count", "synchronize", "current_device"]


def is_available():
    return True


def device_count():
    return 1


def synchronize(device=None):
    """Nothing to wait for: every op has finished when it returns."""


def current_device():
    return "cpu"
