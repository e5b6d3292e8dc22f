"""More binary ops: ``copysign``, ``logaddexp2``, ``hypot`` and the bit shifts ``<<`` / ``>>``.

Each differentiable op is a Function named like torch's grad_fn with its derivative in the
docstring; the engine undoes broadcasting. Types promote as torch's (``_dtype.promote_values``);
ops defined only on floats compute integer inputs in the default dtype (copysign) or refuse
them with torch's message (logaddexp2, hypot), the shifts refuse floats.
"""
import numpy as np

from .. import _dtype
from .._dtype import from_numpy_dtype, promote_values
from .._layout import in_torch_layout
from .._tensor import Tensor
from ..autograd.function import Function
from .registry import register
from ._util import silent_fp

__all__ = ["copysign", "logaddexp2", "hypot", "bitwise_left_shift", "bitwise_right_shift"]


def _value(x):
    return x._data if isinstance(x, Tensor) else x


@silent_fp
def _apply(ufunc, a, b, dt):
    """``ufunc(a, b)`` in dtype ``dt``, laid out as torch lays out a binary result."""
    cast = [x.astype(dt, copy=False) if isinstance(x, np.ndarray) else x for x in (a, b)]
    try:
        out = np.asarray(ufunc(*cast)).astype(dt, copy=False)
    except ValueError as e:
        if "broadcast" in str(e):
            raise RuntimeError(f"The size of tensor a must match the size of tensor b: shapes "
                               f"{np.shape(a)} and {np.shape(b)} cannot be broadcast") from None
        raise
    return in_torch_layout(out, *[x for x in (a, b) if isinstance(x, np.ndarray)])


def _float_result(a, b):
    dt = promote_values(a, b)
    return dt if dt.kind == "f" else _dtype.get_default_dtype().np


def _floating_only(kernel, a, b):
    dt = promote_values(a, b)
    if dt.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{from_numpy_dtype(dt).short_name}'")
    return dt


def _require_tensor(fname, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"{fname}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")


# ---- copysign ------------------------------------------------------------------------------------
def _copysign_grad(grad, a, out):
    # d/da copysign(a, b) = sign(a) * sign(b) = out / a, taken as 0 where a == 0
    ratio = (out / a).masked_fill(a == 0, 0.0)
    return grad * ratio


class CopysignBackward0(Function):
    """out = copysign(a, b)        grad_a = grad * out / a (0 where a == 0)        grad_b = 0"""

    @staticmethod
    def forward(ctx, a, b):
        out = _apply(np.copysign, a, b, _float_result(a, b))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return _copysign_grad(grad, a, out), grad.new_zeros(grad.shape)   # zeros, no graph


class CopysignBackward1(CopysignBackward0):
    """out = copysign(a, number)        grad_a = grad * out / a (0 where a == 0)"""

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return _copysign_grad(grad, a, out), None


@register(nodes=("CopysignBackward0", "CopysignBackward1"), args=("input", "other"),
          forms=("function", "method", "inplace"), domain="nonzero", family="binary")
def copysign(input, other):
    """The magnitude of ``input`` with the sign of ``other`` (floats; -0.0 counts as negative)."""
    if isinstance(other, Tensor):
        return CopysignBackward0.apply(input, other)
    return CopysignBackward1.apply(input, other)


# ---- logaddexp2 ----------------------------------------------------------------------------------
class Logaddexp2Backward0(Function):
    """out = log2(2^a + 2^b)        grad_a = grad / (1 + 2^(b - a))
                                    grad_b = grad / (1 + 2^(a - b))"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _apply(np.logaddexp2, a, b, _floating_only("logaddexp2_cpu", a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad / (1 + 2 ** (b - a)), grad / (1 + 2 ** (a - b))


@register(nodes=("Logaddexp2Backward0",), args=("input", "other"), family="binary")
def logaddexp2(input, other):
    """``log2(2**input + 2**other)`` without overflow."""
    _require_tensor("logaddexp2", other)
    return Logaddexp2Backward0.apply(input, other)


# ---- hypot ---------------------------------------------------------------------------------------
class HypotBackward0(Function):
    """out = sqrt(a² + b²)        grad_a = grad * a / out        grad_b = grad * b / out"""

    @staticmethod
    def forward(ctx, a, b):
        out = _apply(np.hypot, a, b, _floating_only("hypot_cpu", a, b))
        # each input is kept only for its own gradient, as torch keeps it: changing in place
        # an input that needs none is then no error
        needs = ctx.needs_input_grad
        ctx.save_for_backward(a if needs[0] else None, b if needs[1] else None, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        return (None if a is None else grad * a / out), (None if b is None else grad * b / out)


@register(nodes=("HypotBackward0",), args=("input", "other"),
          forms=("function", "method", "inplace"), family="binary")
def hypot(input, other):
    """``sqrt(input**2 + other**2)`` without overflow."""
    _require_tensor("hypot", other)
    return HypotBackward0.apply(input, other)


# ---- bit shifts --------------------------------------------------------------------------------
def _shift_operands(kernel, input, other):
    a, b = _value(input), _value(other)
    if isinstance(a, bool):
        a = int(a)
    dt = promote_values(a, b)
    if dt == np.bool_:
        dt = np.dtype(np.int64) if not isinstance(b, np.ndarray) else dt
    if dt.kind not in "iub":
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{from_numpy_dtype(dt).short_name}'")
    bits = np.dtype(dt).itemsize * 8
    # the count is cast to the result dtype (wrapping), then read as a signed number
    signed = np.dtype(f"i{dt.itemsize}") if dt.kind != "b" else np.dtype(np.int8)
    b_arr = np.asarray(b).astype(dt).astype(signed).astype(np.int64)
    a_arr = np.asarray(a).astype(dt)
    return a_arr, b_arr, dt, bits, (b_arr < 0) | (b_arr >= bits)


@silent_fp
def _left_shift(input, other):
    a, b, dt, bits, out_of_range = _shift_operands("lshift_cpu", input, other)
    unsigned = a.astype(np.dtype(f"u{dt.itemsize}") if dt.kind != "b" else np.uint8)
    shifted = np.left_shift(unsigned, np.where(out_of_range, 0, b).astype(unsigned.dtype))
    out = np.where(out_of_range, 0, shifted).astype(dt)
    return Tensor._from_array(np.asarray(out, order="C"))


@silent_fp
def _right_shift(input, other):
    a, b, dt, bits, out_of_range = _shift_operands("rshift_cpu", input, other)
    # a count out of [0, bits) shifts by bits - 1: the sign fills a signed result, 0 an
    # unsigned one
    count = np.where(out_of_range, bits - 1, b).astype(a.dtype)
    out = np.right_shift(a, count)
    if dt.kind == "u":
        out = np.where(out_of_range, 0, out)
    return Tensor._from_array(np.asarray(out, dtype=dt, order="C"))


@register(args=("input", "other"), forms=("function", "method", "inplace"),
          operators=("__lshift__",), family="binary", differentiable=False, dtypes=("int64",),
          sample=lambda rng, dtype: _shift_samples(rng))
def bitwise_left_shift(input, other):
    """``input << other`` on integers (counts outside [0, bits) give 0)."""
    return _left_shift(input, other)


@register(args=("input", "other"), forms=("function", "method", "inplace"),
          operators=("__rshift__",), family="binary", differentiable=False, dtypes=("int64",),
          sample=lambda rng, dtype: _shift_samples(rng))
def bitwise_right_shift(input, other):
    """``input >> other`` on integers, arithmetic (counts outside [0, bits) fill with the
    sign)."""
    return _right_shift(input, other)


def _shift_samples(rng):
    for shape in [(), (4,), (2, 3)]:
        a = rng.integers(-1000, 1000, shape)
        yield [a, rng.integers(-2, 70, shape)], {}
        yield [a, 3], {}


def _reflected(fn):
    def method(self, other):
        return fn(other, self)
    return method


def _augmented(fn):
    def method(self, other):
        return self.copy_(fn(self, other)) if isinstance(self, Tensor) else fn(self, other)
    return method


Tensor.__rlshift__ = _reflected(bitwise_left_shift)
Tensor.__rrshift__ = _reflected(bitwise_right_shift)
Tensor.__ilshift__ = _augmented(bitwise_left_shift)
Tensor.__irshift__ = _augmented(bitwise_right_shift)
