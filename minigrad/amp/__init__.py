"""``torch.autocast`` / ``torch.amp.autocast``: mixed precision regions, as far as they apply here.

minigrad computes on the CPU, in the dtypes the program asks for. An autocast region for a device
minigrad has no tensors on (cuda, mps, xpu, ...) changes nothing, as in torch: for CUDA torch warns
that it is unavailable and disables the region. A CPU region whose dtype CPU autocast does not
support (float32, say) is disabled with torch's warning. A CPU region that would really run ops in
bfloat16/float16 is refused with NotImplementedError rather than computed in float32 (which would
give different numbers from torch).
"""
import functools
import warnings

from .. import _dtype
from .._device import _parse

from .grad_scaler import GradScaler  # noqa: E402,F401

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype", "GradScaler"]

# the dtype a region runs in when none is given (torch's defaults per device type)
_DEFAULT_DTYPE = {"cpu": _dtype.bfloat16, "hpu": _dtype.bfloat16}
_SUPPORTED = (_dtype.bfloat16, _dtype.float16)
_enabled = {}    # device type -> whether an autocast region for it is active


def _device_type(device_type):
    if not isinstance(device_type, str):
        raise TypeError("is_autocast_enabled(): argument 'device_type' (position 1) must be str, "
                        f"not {type(device_type).__name__}")
    kind = _parse(device_type)[0]
    if kind == "meta":
        raise RuntimeError("unsupported scalarType")
    return kind


def get_autocast_dtype(device_type):
    return _DEFAULT_DTYPE.get(_device_type(device_type), _dtype.float16)


def is_autocast_enabled(device_type=None):
    """Whether a region is active for ``device_type`` (no argument: for CUDA, as in torch)."""
    return _enabled.get("cuda" if device_type is None else _device_type(device_type), False)


class autocast:
    """``with torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None):``, also
    usable as a decorator."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        self._kind = _parse(device_type)[0]
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                          stacklevel=2)
            enabled = False
        elif enabled and self.fast_dtype not in _SUPPORTED:
            name = device_type.upper()
            warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling "
                          f"autocast.\n{name} Autocast only supports dtypes of torch.bfloat16, "
                          "torch.float16 currently.", stacklevel=2)
            enabled = False
        self._enabled = bool(enabled)

    def __enter__(self):
        if self._enabled and self.device == "cpu":
            raise NotImplementedError(
                f"minigrad has no CPU autocast: ops would run in {self.fast_dtype} inside this "
                "region in torch; cast the model and inputs explicitly, or pass enabled=False")
        self._previous = _enabled.get(self._kind, False)
        _enabled[self._kind] = self._enabled
        return self

    def __exit__(self, *exc):
        _enabled[self._kind] = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def run_under_autocast(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return run_under_autocast
