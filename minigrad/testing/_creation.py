"""``torch.testing.make_tensor``: a random tensor for a test, drawn as torch draws it.

Values are uniform in ``[low, high)``; when not given, the range depends on the dtype:

    bool [0, 2)    unsigned integers [0, 10)    signed integers [-9, 10)    floats [-9, 9)

``low``/``high`` outside the dtype's finite range are clamped to it; integer bounds are rounded
up. Integers come from ``randint`` and floats from ``uniform_`` (halved and doubled when the
interval is wider than the dtype's largest value), so under the same ``manual_seed`` the numbers
are torch's (float16, which minigrad cannot sample directly, is drawn in float32 and rounded).
``noncontiguous=True`` returns every other column of a twice-as-wide tensor;
``exclude_zero=True`` replaces zeros by 1 (bool, integers) or the dtype's smallest normal number.
"""
import functools
import math
import operator
import warnings

import numpy as np

from .. import _dtype
from .. import random as _random
from ..creation import empty

__all__ = ["make_tensor"]

_INTEGRAL = ("uint8", "int8", "int16", "int32", "int64")
_FLOATING = ("float16", "float32", "float64")


def _bounds(dtype, low, high, lowest, highest_exclusive, default_low, default_high):
    """The interval ``[low, high)`` to draw from, validated and clamped to the dtype's range."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype.name in _FLOATING:
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex "
                      "types is deprecated since 2.1 and will be removed in 2.3. Use "
                      "`torch.full(...)` instead.", FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest_exclusive:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest}, {highest_exclusive})")
    low = min(max(low, lowest), highest_exclusive)
    high = min(max(high, lowest), highest_exclusive)
    if dtype.name in _INTEGRAL or dtype.name == "bool":
        return math.ceil(low), math.ceil(high)
    return low, high


def _uniform(shape, device, dtype, low, high, largest):
    """U[low, high) in ``dtype``. minigrad samples float32 and float64 only: float16 is drawn in
    float32 and rounded, a value that rounds up to ``high`` moved just below it."""
    drawn_dtype = _dtype.float32 if dtype is _dtype.float16 else dtype
    result = empty(shape, device=device, dtype=drawn_dtype)
    if high - low >= largest:   # the width itself would overflow: draw half as wide
        result.uniform_(low / 2, high / 2).mul_(2)
    else:
        result.uniform_(low, high)
    if drawn_dtype is dtype:
        return result
    result = result.to(dtype)
    result[result >= high] = float(np.nextafter(np.float16(high), np.float16(-np.inf)))
    return result


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` filled with values drawn uniformly from ``[low, high)``."""
    if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError("The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got noncontiguous={noncontiguous} and "
                         f"memory_format={memory_format}")
    if memory_format is not None:
        raise ValueError(f"memory_format={memory_format}: minigrad lays tensors out only "
                         "row-major; pass memory_format=None")
    if requires_grad and (dtype.name in _INTEGRAL or dtype.name == "bool"):
        raise ValueError("`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dtype}")
    noncontiguous = noncontiguous and functools.reduce(operator.mul, shape, 1) > 1
    if noncontiguous:
        shape = (*shape[:-1], 2 * shape[-1])

    if dtype is _dtype.bool:
        low, high = _bounds(dtype, low, high, 0, 2, 0, 2)
        result = _random.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype.name in _INTEGRAL:
        info = np.iinfo(dtype.np)
        # int64's upper bound stays exclusive at its largest value (randint cannot go past it)
        highest = int(info.max) + (0 if dtype.name == "int64" else 1)
        low, high = _bounds(dtype, low, high, int(info.min), highest, -9, 10)
        result = _random.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype.name in _FLOATING:
        info = np.finfo(dtype.np)
        low, high = _bounds(dtype, low, high, float(info.min), float(info.max), -9, 9)
        result = _uniform(shape, device, dtype, low, high, float(info.max))
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        "torch.testing.make_tensor().")

    if noncontiguous:
        result = result[..., 1::2]
    if exclude_zero:
        tiny = 1 if dtype.name in _INTEGRAL or dtype is _dtype.bool else float(
            np.finfo(dtype.np).tiny)
        result[result == 0] = tiny
    if dtype.name in _FLOATING:
        result.requires_grad = requires_grad
    return result
