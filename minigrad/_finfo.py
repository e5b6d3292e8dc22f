"""``torch.finfo`` and ``torch.iinfo``: the limits of a floating point or integer dtype.

``torch.finfo(x.dtype).eps`` is the usual guard against dividing by zero or taking ``log(0)``;
``iinfo(torch.int64).max`` the usual sentinel. The numbers are NumPy's (``np.finfo``/``np.iinfo``)
for the dtype's storage, except bfloat16, which NumPy lacks: its limits are written from its
format (8 exponent bits like float32, 7 stored mantissa bits). Printed as torch prints them, each
number in ``%g`` form.
"""
import numpy as np

from . import _dtype

__all__ = ["finfo", "iinfo"]

# bfloat16: float32's exponent range, 8 significant bits (eps = 2**-7), 2 decimal digits
_BFLOAT16 = {"bits": 16, "eps": 2.0 ** -7, "max": float.fromhex("0x1.fe00000000000p+127"),
             "tiny": 2.0 ** -126, "resolution": 0.01}


def _check_dtype(fname, value):
    if not isinstance(value, _dtype.dtype):
        raise TypeError(f"{fname}(): argument 'type' (position 1) must be torch.dtype, not "
                        f"{type(value).__name__}")


class finfo:
    """The limits of a floating point dtype (the default dtype when none is given):
    ``bits``, ``eps`` (1.0's distance to the next number up), ``max``, ``min`` (= -max),
    ``tiny`` = ``smallest_normal`` (the smallest positive normal number) and ``resolution``
    (10 ** -decimal digits)."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):
        type = _dtype.get_default_dtype() if type is None else type
        _check_dtype("finfo", type)
        if not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        if type.name == "bfloat16":
            limits = _BFLOAT16
        else:
            info = np.finfo(type.np)
            limits = {"bits": info.bits, "eps": float(info.eps), "max": float(info.max),
                      "tiny": float(info.smallest_normal), "resolution": 10.0 ** -info.precision}
        self.bits, self.eps, self.max = limits["bits"], limits["eps"], limits["max"]
        self.min = -self.max
        self.tiny = self.smallest_normal = limits["tiny"]
        self.resolution = limits["resolution"]
        self.dtype = type.name

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    __hash__ = None     # torch's finfo is unhashable too

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype: ``bits``, ``min``, ``max`` (Python ints)."""

    __slots__ = ("bits", "min", "max", "dtype")

    def __init__(self, type):
        _check_dtype("iinfo", type)
        if type.name == "bool":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo "
                            "to handle 'torch.iinfo'")
        info = np.iinfo(type.np)
        self.bits, self.min, self.max = info.bits, int(info.min), int(info.max)
        self.dtype = type.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    __hash__ = None

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
