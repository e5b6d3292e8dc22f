"""Copies and overwrites: dtype conversion (``to``), ``clone``, ``contiguous``, ``copy_``,
``fill_`` and ``zero_``."""
import numpy as np

from .. import _buffers
from .. import _seam as seam

from .._layout import copy_in_layout_of
from .._tensor import Tensor
from ..autograd import formulas, forward_ad, grad_mode
from ..autograd.function import Function
from ._util import check_overlap, register_methods, silent_fp, assign_inplace
from .elementwise import _broadcast_error
from .indexing import CopyBackwards, FillBackward3
from ..creation import check_fill_value

__all__ = ["clone"]


class ToCopyBackward0(Function):
    """out = x converted to another dtype        grad_x = grad converted back to x's dtype"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x, dtype):
        return copy_in_layout_of(x, dtype.np)  # torch's preserve_format

    @staticmethod
    def backward(ctx, grad):
        return grad, None  # the engine casts it back to the input's dtype


class CloneBackward0(Function):
    """out = a copy of x (laid out like x if dense, else or if ``row_major`` row-major)
    grad_x = grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, row_major=False):
        return _buffers.row_major_copy(x) if row_major else copy_in_layout_of(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def to_dtype(x, dtype):
    if dtype.name == "bfloat16":
        raise TypeError("bfloat16 is not supported by minigrad (NumPy has no bfloat16)")
    return ToCopyBackward0.apply(x, dtype)


def clone(input, *, memory_format=None):
    """A copy that stays in the graph (CloneBackward0), laid out as torch's preserve_format."""
    return CloneBackward0.apply(input)


def contiguous(self, memory_format=None):
    """self if already row-major, else a row-major copy (CloneBackward0)."""
    if self._data.flags.c_contiguous:
        return self
    return CloneBackward0.apply(self, True)


def copy_(self, src, non_blocking=False):
    """Write src (broadcast to self's shape, cast to its dtype) into self: CopyBackwards,
    whose gradient goes to src only (self's old values are overwritten)."""
    self._check_inplace()
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    check_overlap(self._data, [src._data])
    shape = self._data.shape
    if src._data.shape != shape:
        try:
            broadcast = np.broadcast_shapes(shape, src._data.shape)
        except ValueError:
            raise _broadcast_error(self._data, src._data) from None
        if broadcast != shape:
            raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast "
                               f"shape {list(broadcast)}")
    if (grad_mode._state.enabled and (self._requires_grad or src._requires_grad)
            or forward_ad.has_tangent(self, src)):
        assign_inplace(self, CopyBackwards.apply(self, (Ellipsis,), src, False))
    else:
        np.copyto(self._data, src._data, casting="unsafe")
        self._bump_version()
    return self


class FillBackward2(Function):
    """out = x with every element set to a number        grad_x = 0"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x, value):
        return np.full_like(x, value)

    @staticmethod
    def backward(ctx, grad):
        return formulas.zeros_kept_layout(grad), None


class ZeroBackward0(Function):
    """out = zeros like x        grad_x = 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        return np.zeros_like(x)

    @staticmethod
    def backward(ctx, grad):
        return formulas.zeros_kept_layout(grad)


def _overwrite(self, node_cls, *args):
    """Write a constant into self: recorded as node_cls when autograd is involved."""
    self._check_inplace()
    values = [a for a in args if isinstance(a, Tensor)]
    tracked = grad_mode._state.enabled and (
        self._requires_grad or (self._base is not None and self._base._requires_grad)
        or any(a._requires_grad for a in values)) or forward_ad.has_tangent(self, *values)
    if tracked:
        assign_inplace(self, node_cls.apply(self, *args))
    else:  # nothing to record: write straight into the array
        value = values[0]._data if values else (args[0] if args else 0)
        if seam.recorder is not None:  # minigrad.compile records the write
            seam.recorder.fill(self, value)
        with np.errstate(invalid="ignore", over="ignore"):
            self._data[...] = value
        self._bump_version()
    return self


def fill_(self, value):
    """Set every element to value (a number or a 0-dim tensor), in place."""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        return _overwrite(self, FillBackward3, (Ellipsis,), value, False)
    check_fill_value(value, self.dtype)
    if type(value) is int and value < 0 and self._data.dtype.kind == "u":
        value %= 1 << (8 * self._data.dtype.itemsize)   # -1 into uint8 wraps to 255, as in C
    return _overwrite(self, FillBackward2, value)


def zero_(self):
    """Set every element to zero, in place (``x.grad.zero_()``)."""
    return _overwrite(self, ZeroBackward0)


register_methods(Tensor, {"clone": clone, "contiguous": contiguous, "copy_": copy_,
                          "fill_": fill_, "zero_": zero_})
