"""Elementwise ops: forward (NumPy) and backward (minigrad ops) side by side.

Each class is named like torch's grad_fn. Its docstring gives the derivative as one line, in the
style of torch's ``derivatives.yaml`` (``grad`` is the gradient flowing in from the output).
Broadcasting is undone by the engine (it sums a gradient down to its input's shape), so the
formulas below are written as if shapes were equal.

Type promotion is torch's (``_dtype.promote_values``): forward casts to the result dtype.
"""
import math

import numpy as np

from .. import _dtype
from .._fma import fma
from .._layout import in_torch_layout
from .._dtype import promote_values
from .._tensor import Tensor, _make
from ..autograd import formulas
from ..autograd.function import Function
from ._util import register_methods, inplace_variant, silent_fp

__all__ = [
    "add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide",
    "floor_divide", "remainder", "fmod", "pow", "neg", "negative", "abs", "absolute", "exp", "exp2",
    "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin",
    "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "sigmoid", "relu", "sign", "floor", "ceil", "round", "trunc", "frac", "clamp", "clip",
    "maximum", "minimum", "fmax", "fmin", "where", "eq", "ne", "lt", "le", "gt", "ge", "greater",
    "less", "greater_equal", "less_equal", "not_equal", "equal", "isnan", "isinf", "isfinite",
    "logical_not", "logical_and", "logical_or", "logical_xor", "bitwise_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "atan2", "lerp", "allclose", "isclose", "nan_to_num",
    "sum_to_size", "broadcast_to", "erf",
]


# ---- dtype helpers ----------------------------------------------------------------------------
def _binary_dtype(a, b):
    """Result dtype of a binary op on arrays/scalars; fast path for the common cases."""
    if type(a) is np.ndarray:
        da = a.dtype
        if type(b) is np.ndarray:
            if b.dtype == da:
                return da
        elif type(b) is float and da.kind == "f" or type(b) is int and da.kind in "iuf":
            return da
    return promote_values(a, b)


_zeros = formulas.zeros_like  # the gradient of a piecewise-constant op


def _cast(x, dt):
    """x as dtype dt (arrays are cast, Python scalars left for NumPy to combine)."""
    if type(x) is np.ndarray:
        return x if x.dtype == dt else x.astype(dt)
    if isinstance(x, np.generic):
        # torch treats a NumPy scalar like a Python number: it must not widen the result
        # (NumPy would make float32 * np.float64(2) a float64); a NumPy bool reads as a float.
        return float(x) if isinstance(x, np.bool_) else x.item()
    return x


def _float_dtype(x):
    """Unary float functions: integers and bools compute in the default dtype."""
    return x.dtype if x.dtype.kind == "f" else _dtype.get_default_dtype().np


def _as_float(x):
    return x if x.dtype.kind == "f" else x.astype(_dtype.get_default_dtype().np)


def _value(x):
    """Python scalar or ndarray of a Tensor/scalar argument."""
    return x._data if isinstance(x, Tensor) else x


# ---- broadcasting, forwards and backwards of each other ------------------------------------
class ExpandBackward0(Function):
    """y = broadcast_to(x, shape)        grad_x = grad.sum_to_size(x.shape)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return formulas.sum_to_size(grad, ctx.shape), None


def broadcast_to(x, shape):
    shape = tuple(shape)
    if x._data.shape == shape:
        return x
    return ExpandBackward0.apply(x, shape)


def sum_to_size(x, *size):
    shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    if x._data.shape == shape:
        return x
    lead = x._data.ndim - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, x._data.shape[lead:])):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size "
                           f"{{{list(x._data.shape)}}}.")
    # as torch's sum_to: a keepdim sum (SumBackward1), then a view dropping the leading dims
    dims = sum_to_dims(x._data.shape, shape)
    out = x.sum(dims, keepdim=True) if dims else x
    return out.view(shape) if lead else out


def sum_to_dims(shape, target):
    """The dims a sum from ``shape`` down to ``target`` (a shape it broadcasts from) runs over:
    the leading ones, and those where target has 1."""
    lead = len(shape) - len(target)
    return tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(target) if n == 1 and shape[i + lead] != 1)


def _broadcast_error(a, b):
    sa = a.shape if isinstance(a, np.ndarray) else ()
    sb = b.shape if isinstance(b, np.ndarray) else ()
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + tuple(sa)
    pb = (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor b "
                                f"({pb[i]}) at non-singleton dimension {i}")
    return RuntimeError("shapes cannot be broadcast")


def _binary(ufunc, a, b, dt):
    """ufunc(a, b) computed in dtype dt, laid out as torch lays it out (``_layout``), with
    torch's broadcasting error."""
    if type(b) is int or type(a) is int:   # a Python int must fit 64 bits, as torch's Scalar
        _check_python_ints(a, b)
    try:
        # fast path: a already in dt, b a Python number or in dt (getattr: numbers have no dtype)
        if type(a) is np.ndarray and a.dtype == dt and getattr(b, "dtype", dt) == dt:
            out = ufunc(a, b)
        else:
            out = ufunc(_cast(a, dt), _cast(b, dt))
        if (type(a) is np.ndarray and not a.flags.c_contiguous
                or type(b) is np.ndarray and not b.flags.c_contiguous):
            out = in_torch_layout(out, a, b)   # operands of mixed layouts
        return out
    except ValueError as e:
        if "broadcast" in str(e):
            raise _broadcast_error(a, b) from None
        raise
    except OverflowError:
        # A Python int out of the integer dtype's range: torch casts it like C (wrap-around).
        return ufunc(_cast(_wrap_int(a, dt), dt), _cast(_wrap_int(b, dt), dt))


def _keeping_first(ufunc):
    """``ufunc`` (np.maximum, np.fmin, ...) returning its first operand where the two are equal,
    as torch's ``a < b ? b : a`` does: maximum(-0.0, 0.0) and clamp(-0.0, min=0) keep the
    -0.0."""
    def fn(a, b, dtype=None):
        out = ufunc(a, b) if dtype is None else ufunc(a, b, dtype=dtype)
        if out.dtype.kind != "f":
            return out
        return np.where(a == b, a, out).astype(out.dtype, copy=False)
    return fn


_maximum, _minimum = _keeping_first(np.maximum), _keeping_first(np.minimum)
_fmax, _fmin = _keeping_first(np.fmax), _keeping_first(np.fmin)

_SAME_SIZE_INT = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def _zero_where(cond, x):
    """``np.where(cond, 0, x)`` bit for bit (-0.0 and NaN in x kept), computed as a bitwise
    and: +0 has no bit set, so ``x & (cond - 1)`` keeps x where cond is False and clears it
    elsewhere. About twice as fast as np.where, which has no vectorized loop."""
    ints = _SAME_SIZE_INT.get(x.dtype.itemsize)
    if x.dtype.kind not in "fiu" or ints is None:
        return np.where(cond, x.dtype.type(0), x)
    keep = np.subtract(cond, 1, dtype=ints)  # 0 where cond, else all bits set
    return np.bitwise_and(x.view(ints), keep).view(x.dtype)


def _check_python_ints(a, b):
    from ..creation import check_python_int
    for x in (a, b):
        if type(x) is int:
            check_python_int(x)


def _wrap_int(x, dt):
    """A Python int as integer dtype dt, wrapped around modulo 2**bits like a C cast."""
    if dt.kind not in "iu" or not isinstance(x, int) or isinstance(x, bool):
        return x
    bits = dt.itemsize * 8
    v = x % (1 << bits)
    if dt.kind == "i" and v >= 1 << (bits - 1):
        v -= 1 << bits
    return dt.type(v)


# ---- arithmetic -------------------------------------------------------------------------------
class AddBackward0(Function):
    """out = a + alpha * b        grad_a = grad        grad_b = alpha * grad"""

    numpy_backward = True

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        dt = _binary_dtype(a, b)
        _save_alpha(ctx, alpha, dt)
        return _plus_scaled(np.add, a, b, alpha, dt)

    @staticmethod
    def backward(ctx, grad):
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha), None


class SubBackward0(Function):
    """out = a - alpha * b        grad_a = grad        grad_b = -alpha * grad"""

    numpy_backward = True

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        dt = _binary_dtype(a, b)
        _check_sub_bool(a, b)
        _save_alpha(ctx, alpha, dt)
        return _plus_scaled(np.subtract, a, b, alpha, dt)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.alpha == 1 else grad * -ctx.alpha), None


class RsubBackward1(Function):
    """out = b - alpha * a   (``2 - x``)        grad_a = -alpha * grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        dt = _binary_dtype(a, b)
        _check_sub_bool(a, b)
        _save_alpha(ctx, alpha, dt)
        return _plus_scaled(np.subtract, b, a, alpha, dt)

    @staticmethod
    def backward(ctx, grad):
        return (-grad if ctx.alpha == 1 else grad * -ctx.alpha), None, None


class RsubBackward0(RsubBackward1):
    """out = b - alpha * a with b a tensor        grad_a = -alpha * grad   grad_b = grad"""

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    def backward(ctx, grad):
        return (-grad if ctx.alpha == 1 else grad * -ctx.alpha), grad, None


def _save_alpha(ctx, alpha, dt):
    """Keep alpha for backward (a NumPy-scalar alpha of another dtype keeps it on Tensors)."""
    ctx.alpha = alpha
    if alpha != 1:
        formulas.on_tensors_if_mixed(ctx, dt, alpha)


def _plus_scaled(ufunc, a, b, alpha, dt):
    """a + alpha * b (ufunc np.add) or a - alpha * b (np.subtract) in dtype dt.

    In float32 and float64 torch's kernel rounds once (a fused multiply-add, ``vec::fmadd``),
    and so does ``_fma.fma``; other dtypes multiply, then add."""
    if isinstance(alpha, bool) and dt.kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float) and dt.kind != "f":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if alpha == 1:
        return _binary(ufunc, a, b, dt)
    if dt == np.float32 or dt == np.float64:
        scale = dt.type(alpha if ufunc is np.add else -alpha)
        return in_torch_layout(fma(np.asarray(b, dt), scale, np.asarray(a, dt)), a, b)
    scaled = _binary(np.multiply, b, alpha, dt) if isinstance(b, np.ndarray) else b * alpha
    return _binary(ufunc, a, scaled, dt)


def _is_bool(x):
    return isinstance(x, (bool, np.bool_)) or getattr(x, "dtype", None) == np.bool_


def _check_sub_bool(a, b):
    """torch refuses ``-`` with a bool operand (a Python bool counts)."""
    if _is_bool(a) and _is_bool(b):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead.")
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


class MulBackward0(Function):
    """out = a * b        grad_a = grad * b        grad_b = grad * a"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        dt = _binary_dtype(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.multiply, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b if b is not None else None), (grad * a if a is not None else None)


class DivBackward0(Function):
    """out = a / b        grad_a = grad / b        grad_b = -grad * a / b²"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    @silent_fp
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        if dt.kind != "f":
            dt = _dtype.get_default_dtype().np
        need_a, need_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if need_b else None, b if (need_a or need_b) else None)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.true_divide, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad / b if ctx.needs_input_grad[0] else None
        gb = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


def _rounded_div(a, b, mode):
    """a / b rounded down ('floor') or toward zero ('trunc'), in the promoted dtype."""
    dt = _binary_dtype(a, b)
    if dt.kind in "iu":
        a, b = _wrap_int(a, dt), _wrap_int(b, dt)
    _check_not_bool(dt, f"div_{mode}_cpu")
    _check_int_zero_division(b, dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "floor":
            return _binary(np.floor_divide, a, b, dt)
        if dt.kind == "f":
            return np.trunc(_binary(np.true_divide, a, b, dt))
        q = _binary(np.floor_divide, a, b, dt)
        if dt.kind == "u":
            return q
        # floor -> trunc: one up where the division is inexact and the signs differ
        inexact = _binary(np.remainder, a, b, dt) != 0
        return q + (inexact & ((_cast(a, dt) < 0) != (_cast(b, dt) < 0))).astype(dt)


def _check_not_bool(dt, kernel):
    if dt == np.bool_:
        raise _not_implemented_for(kernel, dt)


def _check_int_zero_division(b, dt):
    if dt.kind in "iub" and np.any(_cast(b, dt) == 0):
        raise RuntimeError("ZeroDivisionError")


class DivBackward2(Function):
    """out = a / b rounded by rounding_mode ('floor', 'trunc')    grad_a = 0    grad_b = 0
    (rounding_mode=None: true division, with DivBackward0's gradients)"""

    numpy_backward = True

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.mode = mode
        if mode is None:
            return DivBackward0.forward(ctx, a, b)
        return _rounded_div(a, b, mode)

    @staticmethod
    def backward(ctx, grad):
        if ctx.mode is None:
            return DivBackward0.backward(ctx, grad) + (None,)
        return _zeros(grad), _zeros(grad), None


def _not_implemented(op_name, forward):
    """torch records ops without a derivative as a node named ``NotImplemented`` that raises."""
    def backward(ctx, grad):
        raise RuntimeError(f"derivative for aten::{op_name} is not implemented")
    return type("NotImplemented", (Function,), {
        "__doc__": f"out = {op_name}(a, b)        no derivative",
        "forward": staticmethod(forward), "backward": staticmethod(backward)})


FloorDivide = _not_implemented("floor_divide", lambda ctx, a, b: _rounded_div(a, b, "floor"))


class RemainderBackward0(Function):
    """out = a - floor(a / b) * b  (sign of b)      grad_a = grad    grad_b = -grad * floor(a/b)"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        _check_not_bool(dt, "remainder_cpu")
        _check_int_zero_division(b, dt)
        ctx.save_for_backward(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.remainder, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * formulas.call(FloorBackward0, a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


class RemainderBackward1(RemainderBackward0):
    """out = a - floor(a / b) * b (b a tensor)      grad_a = grad    grad_b = -grad * floor(a/b)"""


# ``2 % x`` (a number divided by a tensor) has no derivative in torch.
RemainderScalarTensor = _not_implemented("remainder", RemainderBackward0.forward)


class FmodBackward0(Function):
    """out = a - trunc(a / b) * b  (sign of a)      grad_a = grad    grad_b = -grad * trunc(a/b)"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        _check_not_bool(dt, "fmod_cpu")
        _check_int_zero_division(b, dt)
        ctx.save_for_backward(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.fmod, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * formulas.call(TruncBackward0, a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


class FmodBackward1(FmodBackward0):
    """out = a - trunc(a / b) * b (b a tensor)      grad_a = grad    grad_b = -grad * trunc(a/b)"""


def _power(a, b):
    """np.power, except an integer base to a negative integer power, where NumPy raises and
    torch gives 1 ** -n = 1, (-1) ** -n = +-1 and 0 for any other base."""
    dt = np.result_type(a, b)
    negative = np.less(b, 0)
    if dt.kind not in "iu" or not np.any(negative):
        return np.power(a, b)
    out = np.power(a, np.where(negative, 0, b).astype(dt))
    odd = np.bitwise_and(b, 1).astype(bool)
    inverse = np.where(np.equal(a, 1), 1, np.where(np.equal(a, -1), np.where(odd, -1, 1), 0))
    return np.where(negative, inverse, out).astype(dt)


class PowBackward0(Function):
    """out = x ** p (p a number)        grad_x = grad * p * x ** (p - 1)   (0 where p == 0)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x, p):
        dt = _binary_dtype(x, p)
        if dt == np.bool_:  # bool ** True / False: torch's special cases for 1 and 0
            return x.copy() if p else np.ones_like(x)
        if dt.kind in "iu" and isinstance(p, (int, np.integer)) and p < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        ctx.save_for_backward(x)
        ctx.p = p
        formulas.on_tensors_if_mixed(ctx, dt, x, p)
        if p == 2:
            x = _cast(x, dt)
            return x * x
        if dt == np.float32 or dt == np.float64:
            return _float_power(_cast(x, dt), p)
        return _binary(np.power, x, p, dt)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return _zeros(grad), None
        if p == 2:
            return grad * (x * 2), None
        # torch: grad * (p * x.pow(p - 1)), that pow with its kernel's special cases too
        return grad * (p * formulas.pow(x, p - 1)), None


def _float_power(x, p):
    """x ** p for a float32/float64 array and a number p, rounded as torch's CPU kernel rounds
    it: sqrt, 1 / sqrt and 1 / x for 0.5, -0.5 and -1; products for 3 and -2 (x * x * x,
    1 / (x * x): two roundings, where NumPy's power rounds once); np.power otherwise."""
    if p == 0.5:
        return np.sqrt(x)
    if p == -0.5:
        return 1 / np.sqrt(x)
    if p == -1:
        return 1 / x
    if p == 3:
        return x * x * x
    if p == -2:
        return 1 / (x * x)
    return np.power(x, p)


class PowBackward1(Function):
    """out = a ** b (tensors)    grad_a = grad * b * a**(b-1)    grad_b = grad * out * log(a)"""

    unpack_order = (1, 0, 2)  # torch unpacks exponent, self, result

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        _check_not_bool(dt, "pow")
        out = _binary(_power, a, b, dt)
        ctx.save_for_backward(a, b, out)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = formulas.where(b == 0, 0.0, grad * b * a ** (b - 1))
        if ctx.needs_input_grad[1]:
            gb = formulas.where((a == 0) & (b >= 0), 0.0,
                                grad * out * formulas.call(LogBackward0, a))
        return ga, gb


class PowBackward2(Function):
    """out = s ** x (s a number)        grad_x = grad * out * log(s)
    (s == 0: 0 where x >= 0; s < 0: nan, the real log being undefined)"""

    unpack_order = (1, 0)  # torch unpacks exponent, result

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, s, x):
        dt = _binary_dtype(s, x)
        _check_not_bool(dt, "pow")
        out = _binary(_power, s, x, dt)
        ctx.s = s
        ctx.save_for_backward(out, x if s == 0 else None)
        formulas.on_tensors_if_mixed(ctx, dt, x)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, x = ctx.saved_tensors
        s = ctx.s
        log_s = math.log(s) if s > 0 else -math.inf if s == 0 else math.nan
        g = grad * (out * log_s)
        return None, formulas.where(x >= 0, 0.0, g) if s == 0 else g


class NegBackward0(Function):
    """out = -x        grad_x = -grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                "to invert a mask, use the `~` or `logical_not()` operator instead.")
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class ReciprocalBackward0(Function):
    """out = 1 / x        grad_x = -grad * out²"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        out = np.reciprocal(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return -grad * (out * out)


# ---- unary math -------------------------------------------------------------------------------
class ExpBackward0(Function):
    """out = exp(x)        grad_x = grad * out"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        out = np.exp(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out


class Exp2Backward0(Function):
    """out = 2 ** x        grad_x = grad * out * ln 2"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        out = np.exp2(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out * math.log(2.0)


class Expm1Backward0(Function):
    """out = exp(x) - 1        grad_x = grad * (out + 1)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        out = np.expm1(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out + 1)


class LogBackward0(Function):
    """out = ln(x)        grad_x = grad / x"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / x


class Log2Backward0(Function):
    """out = log2(x)        grad_x = grad / (x * ln 2)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * math.log(2.0))


class Log10Backward0(Function):
    """out = log10(x)        grad_x = grad / (x * ln 10)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * math.log(10.0))


class Log1PBackward0(Function):
    """out = ln(1 + x)        grad_x = grad / (1 + x)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x + 1)


class SqrtBackward0(Function):
    """out = sqrt(x)        grad_x = grad / (2 * out)      (inf at x = 0, as in torch)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        out = np.sqrt(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad / (out * 2)


class RsqrtBackward0(Function):
    """out = 1 / sqrt(x)        grad_x = -grad * out³ / 2"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        out = 1 / np.sqrt(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return -0.5 * grad * formulas.pow(out, 3)


class AbsBackward0(Function):
    """out = |x|        grad_x = grad * sign(x)      (0 at x = 0)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise _not_implemented_for("abs_cpu", x.dtype)
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * formulas.call(SignBackward0, x)


class SignBackward0(Function):
    """out = sign(x)        grad_x = 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            return x.copy()
        # torch's (0 < x) - (x < 0): sign(nan) = 0 and sign(-0.0) = +0.0 (np.sign differs)
        return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad)


def _not_implemented_for(kernel, np_dtype):
    """torch's error for a kernel that has no version for this dtype."""
    return NotImplementedError(
        f"\"{kernel}\" not implemented for '{_dtype.from_numpy_dtype(np_dtype).short_name}'")


def _zero_grad_unary(name, np_fn, doc):
    """Piecewise-constant ops (floor, ceil, round, trunc): the gradient is zero."""
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise _not_implemented_for(f"{np_fn.__name__}_vml_cpu", x.dtype)
        return np_fn(x) if x.dtype.kind == "f" else x.copy()

    def backward(ctx, grad):
        return _zeros(grad)
    return type(name, (Function,), {"__doc__": doc, "numpy_backward": True,
                                    "forward": staticmethod(forward),
                                    "backward": staticmethod(backward)})


FloorBackward0 = _zero_grad_unary("FloorBackward0", np.floor, "out = floor(x)   grad_x = 0")
CeilBackward0 = _zero_grad_unary("CeilBackward0", np.ceil, "out = ceil(x)   grad_x = 0")
RoundBackward0 = _zero_grad_unary("RoundBackward0", np.round, "out = round(x)   grad_x = 0")
TruncBackward0 = _zero_grad_unary("TruncBackward0", np.trunc, "out = trunc(x)   grad_x = 0")
RoundBackward0.forward.__func__ if False else None  # noqa: B018


class RoundBackward1(Function):
    """out = round(x, decimals)        grad_x = 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, decimals):
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad), None


class FracBackward0(Function):
    """out = x - trunc(x)        grad_x = grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind != "f":
            raise _not_implemented_for("frac_cpu", x.dtype)
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class SinBackward0(Function):
    """out = sin(x)        grad_x = grad * cos(x)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * formulas.call(CosBackward0, x)


class CosBackward0(Function):
    """out = cos(x)        grad_x = -grad * sin(x)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * -formulas.call(SinBackward0, x)


class TanBackward0(Function):
    """out = tan(x)        grad_x = grad * (1 + out²)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.tan(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out * out + 1)


class AsinBackward0(Function):
    """out = asin(x)        grad_x = grad / sqrt(1 - x²)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsin(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * formulas.call(RsqrtBackward0, -(x * x) + 1)


class AcosBackward0(Function):
    """out = acos(x)        grad_x = -grad / sqrt(1 - x²)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccos(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad * formulas.call(RsqrtBackward0, -(x * x) + 1)


class AtanBackward0(Function):
    """out = atan(x)        grad_x = grad / (1 + x²)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * x + 1)


class Atan2Backward0(Function):
    """out = atan2(a, b)     grad_a = grad * b / (a² + b²)     grad_b = -grad * a / (a² + b²)
    (1 / (a² + b²) taken as 0 where a = b = 0)"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        if dt.kind != "f":
            dt = _dtype.get_default_dtype().np
        ctx.save_for_backward(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.arctan2, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        denom = a * a + b * b
        # torch: 0 (signed) at a = b = 0
        recip = formulas.where(denom == 0, 0.0, formulas.call(ReciprocalBackward0, denom))
        return grad * b * recip, grad * -a * recip


class SinhBackward0(Function):
    """out = sinh(x)        grad_x = grad * cosh(x)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinh(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * formulas.call(CoshBackward0, x)


class CoshBackward0(Function):
    """out = cosh(x)        grad_x = grad * sinh(x)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cosh(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * formulas.call(SinhBackward0, x)


class TanhBackward0(Function):
    """out = tanh(x)        grad_x = grad * (1 - out²)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (1 - out * out)


class SigmoidBackward0(Function):
    """out = 1 / (1 + exp(-x))        grad_x = grad * out * (1 - out)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        x = _as_float(x)
        # torch's formula; for x < -88 (float32) exp(-x) overflows to inf and out is 0, as it
        # should be. float16 computes in float32 and rounds once, as torch does.
        wide = x.astype(np.float32) if x.dtype == np.float16 else x
        out = (1 / (1 + np.exp(-wide))).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out * (1 - out))


class ReluBackward0(Function):
    """out = max(x, 0)        grad_x = grad where out > 0, else 0      (0 at x = 0)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
        out = _zero_where(x < 0, x)  # torch's x < 0 ? 0 : x keeps -0.0 and NaN as they are
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return formulas.call(ThresholdBackwardBackward0, grad, out)


class ThresholdBackwardBackward0(Function):
    """out = 0 where y <= 0, else grad (relu's backward)     grad_grad = gg likewise    grad_y = 0
    (a node of its own, as torch's threshold_backward: a second derivative stays connected)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(y)
        return _zero_where(y <= 0, grad)  # torch's y <= 0 ? 0 : grad (a NaN y passes grad)

    @staticmethod
    def backward(ctx, gg):
        y, = ctx.saved_tensors
        return formulas.call(ThresholdBackwardBackward0, gg, y), _zeros(gg)


class ErfBackward0(Function):
    """out = erf(x)        grad_x = grad * 2/sqrt(pi) * exp(-x²)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        x = _as_float(x)
        return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * formulas.call(ExpBackward0, -(x * x))


# ---- clamp / max / min / where ---------------------------------------------------------------
class ClampBackward1(Function):
    """out = min(max(x, lo), hi)        grad_x = grad where lo <= x <= hi, else 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        dt = promote_values(x, *[v for v in (lo, hi) if v is not None])
        formulas.on_tensors_if_mixed(ctx, dt, x, lo, hi)
        out = _cast(x, dt)
        if lo is not None:
            out = _maximum(out, lo, dtype=dt)
        if hi is not None:
            out = _minimum(out, hi, dtype=dt)
        return out if out is not x else x.copy()

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        mask = None
        if ctx.lo is not None:
            mask = x >= ctx.lo
        if ctx.hi is not None:
            m = x <= ctx.hi
            mask = m if mask is None else mask & m
        return formulas.where(mask, grad, 0.0), None, None


class ClampBackward0(Function):
    """out = min(max(x, lo), hi) with tensor bounds   grad_x = grad where lo <= x <= hi
    grad_lo = grad where x < lo < hi        grad_hi = grad where x > hi or lo > hi
    (where lo > hi the output is hi, so hi takes the gradient; where lo == hi > x, nobody)"""

    unpack_order = (2, 1, 0)  # torch unpacks max, min, self

    numpy_backward = True

    edge_args = (0, 1, 2)  # a missing bound is (None, 0)

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        dt = promote_values(x, *[v for v in (lo, hi) if v is not None])
        formulas.on_tensors_if_mixed(ctx, dt, x, lo, hi)
        out = _cast(x, dt)
        if lo is not None:
            out = _maximum(out, _cast(lo, dt))
        if hi is not None:
            out = _minimum(out, _cast(hi, dt))
        return out

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.saved_tensors
        below = x < lo if lo is not None else None
        above = x > hi if hi is not None else None
        keep = x >= lo if lo is not None else None
        if hi is not None:
            keep = x <= hi if keep is None else keep & (x <= hi)
        if lo is not None and hi is not None:  # torch: lo gets nothing unless lo < hi
            below = below & (lo < hi)
            above = above | (lo > hi)
        where = formulas.where
        return (where(keep, grad, 0.0), where(below, grad, 0.0) if below is not None else None,
                where(above, grad, 0.0) if above is not None else None)


class ClampMinBackward0(ClampBackward1):
    """out = max(x, lo) (lo a number)        grad_x = grad where x >= lo"""


class ClampMaxBackward0(ClampBackward1):
    """out = min(x, hi) (hi a number)        grad_x = grad where x <= hi"""


class ClampMinBackward1(ClampBackward0):
    """out = max(x, lo) (lo a tensor)   grad_x = grad where x >= lo   grad_lo = grad where x < lo"""

    edge_args = None


class ClampMaxBackward1(ClampBackward0):
    """out = min(x, hi) (hi a tensor)   grad_x = grad where x <= hi   grad_hi = grad where x > hi"""

    edge_args = None


class MaximumBackward0(Function):
    """out = max(a, b)     grad_a = grad where a > b, grad/2 where a == b   (b likewise)
    (a nan propagates, and both sides then take the whole grad, as in torch)"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        dt = _binary_dtype(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(_maximum, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        shared = formulas.where(a == b, grad / 2, grad)
        return formulas.where(a < b, 0.0, shared), formulas.where(a > b, 0.0, shared)


class MinimumBackward0(Function):
    """out = min(a, b)     grad_a = grad where a < b, grad/2 where a == b   (b likewise)"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        dt = _binary_dtype(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(_minimum, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        shared = formulas.where(a == b, grad / 2, grad)
        return formulas.where(a > b, 0.0, shared), formulas.where(a < b, 0.0, shared)


class FmaxBackward0(Function):
    """out = fmax(a, b) (nan loses)    grad_a = grad where a >= b or b is nan    grad_b = rest"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        dt = _binary_dtype(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(_fmax, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a_wins = (a >= b) | formulas.isnan(b)
        return formulas.where(a_wins, grad, 0.0), formulas.where(a_wins, 0.0, grad)


class FminBackward0(Function):
    """out = fmin(a, b) (nan loses)    grad_a = grad where a <= b or b is nan    grad_b = rest"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        dt = _binary_dtype(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(_fmin, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a_wins = (a <= b) | formulas.isnan(b)
        return formulas.where(a_wins, grad, 0.0), formulas.where(a_wins, 0.0, grad)


class WhereBackward0(Function):
    """out = cond ? a : b        grad_a = grad where cond        grad_b = grad where not cond"""

    numpy_backward = True

    edge_args = (1, 2)  # the condition gets no edge; a number does

    @staticmethod
    def forward(ctx, cond, a, b):
        if cond.dtype != np.bool_:
            if cond.dtype == np.uint8:
                cond = cond.astype(bool)
            else:
                name = _dtype.from_numpy_dtype(cond.dtype).short_name
                raise RuntimeError("where expected condition to be a boolean tensor, but got a "
                                   f"tensor with dtype {name}")
        ctx.save_for_backward(cond)
        dt = promote_values(a, b)
        _check_not_bool(dt, "lerp_kernel_scalar")
        try:
            out = np.where(cond, _cast(a, dt), _cast(b, dt)).astype(dt, copy=False)
            return in_torch_layout(out, cond, a, b)
        except ValueError:
            raise _broadcast_error(cond, np.broadcast_to(a, np.shape(b)) if False else a) from None

    @staticmethod
    def backward(ctx, grad):
        cond, = ctx.saved_tensors
        return None, formulas.where(cond, grad, 0.0), formulas.where(cond, 0.0, grad)


def _lerp(a, b, w):
    dt = promote_values(a, b)
    out = (_cast(a, dt) + _cast(w, dt) * (_cast(b, dt) - _cast(a, dt))).astype(dt)
    return in_torch_layout(out, a, b, w)


class LerpBackward0(Function):
    """out = a + w * (b - a)      grad_a = grad * (1 - w)   grad_b = grad * w"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.weight = w  # a number: a and b are not saved
        out = _lerp(a, b, w)
        formulas.on_tensors_if_mixed(ctx, out.dtype, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * (1 - ctx.weight), grad * ctx.weight, None


class LerpBackward1(Function):
    """out = a + w * (b - a), w a tensor    grad_a = grad * (1 - w)   grad_b = grad * w
    grad_w = grad * (b - a)"""

    unpack_order = (1, 0, 2)  # torch unpacks end, self, weight

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b, w):
        need_ab, need_w = any(ctx.needs_input_grad[:2]), ctx.needs_input_grad[2]
        ctx.save_for_backward(a if need_w else None, b if need_w else None,
                              w if need_ab else None)
        out = _lerp(a, b, w)
        formulas.on_tensors_if_mixed(ctx, out.dtype, a, b, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, w = ctx.saved_tensors
        return ((grad * (1 - w), grad * w) if w is not None else (None, None)) + (
            grad * (b - a) if a is not None else None,)


# ---- conversions between the public API and the Functions --------------------------------------
def _tensor_or_scalar(x, name="other"):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        return x
    if isinstance(x, (list, tuple)):
        from ..creation import tensor
        return tensor(x)
    raise TypeError(f"unsupported operand type for {name}: '{type(x).__name__}'")


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other"""
    if not isinstance(input, Tensor):
        return AddBackward0.apply(_tensor_or_scalar(other), input, alpha) if alpha == 1 else \
            add(_as_tensor_like(input, other), other, alpha=alpha)
    return _write_out(AddBackward0.apply(input, _tensor_or_scalar(other), alpha), out)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other"""
    if not isinstance(input, Tensor):
        return RsubBackward1.apply(_tensor_or_scalar(other), input, alpha)
    return _write_out(SubBackward0.apply(input, _tensor_or_scalar(other), alpha), out)


subtract = sub


def rsub(input, other, alpha=1):
    """other - alpha * input"""
    if isinstance(other, Tensor):
        return RsubBackward0.apply(input, other, alpha)
    return RsubBackward1.apply(input, other, alpha)


def mul(input, other, *, out=None):
    """input * other (elementwise, broadcasting)"""
    if not isinstance(input, Tensor):
        input, other = other, input
    other = _tensor_or_scalar(other)
    return _write_out(MulBackward0.apply(input, other), out)


multiply = mul


_NOT_GIVEN = object()


def div(input, other, *, rounding_mode=_NOT_GIVEN, out=None):
    """input / other: true division (float result), or 'trunc' / 'floor' rounding.

    Passing ``rounding_mode`` at all (even None) selects torch's other overload: DivBackward2.
    """
    if not isinstance(input, Tensor):
        input = _as_tensor_like(input, other)
    other = _tensor_or_scalar(other)
    if rounding_mode is _NOT_GIVEN:
        return _write_out(DivBackward0.apply(input, other), out)
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         f"found '{rounding_mode}'")
    return _write_out(DivBackward2.apply(input, other, rounding_mode), out)


divide = div
true_divide = div


def floor_divide(input, other):
    """floor(input / other); torch has no derivative for it (grad_fn NotImplemented)"""
    return FloorDivide.apply(input, _tensor_or_scalar(other))


def remainder(input, other):
    """input - floor(input / other) * other (Python's %, sign of the divisor)"""
    if not isinstance(input, Tensor):
        return RemainderScalarTensor.apply(input, other)
    cls = RemainderBackward1 if isinstance(other, Tensor) else RemainderBackward0
    return cls.apply(input, _tensor_or_scalar(other))


def fmod(input, other):
    """C's fmod (sign of the dividend)"""
    cls = FmodBackward1 if isinstance(other, Tensor) else FmodBackward0
    return cls.apply(input, _tensor_or_scalar(other))


def pow(input, exponent, *, out=None):
    """input ** exponent: PowBackward0 (tensor ** number), 1 (tensor ** tensor),
    2 (number ** tensor)"""
    if not isinstance(input, Tensor):
        return PowBackward2.apply(input, exponent)
    if isinstance(exponent, Tensor):
        return _write_out(PowBackward1.apply(input, exponent), out)
    return _write_out(PowBackward0.apply(input, _tensor_or_scalar(exponent, "pow")), out)


def _as_tensor_like(x, other):
    """A Python number on the left of an op whose right side is a tensor: make it 0-dim."""
    from ..creation import tensor
    return tensor(x)


def _write_out(result, out):
    if out is None:
        return result
    out.resize_(result.shape) if hasattr(out, "resize_") and out.shape != result.shape else None
    np.copyto(out._data, result._data, casting="unsafe")
    out._bump_version()
    return out


def neg(input):
    return NegBackward0.apply(input)


negative = neg


def _unary(cls):
    def fn(input, *, out=None):
        return _write_out(cls.apply(input), out)
    # named like torch's, so a wrong call reads "sqrt() takes 1 positional argument but 2 ..."
    fn.__name__ = fn.__qualname__ = cls.__name__.split("Backward")[0].lower()
    fn.__doc__ = cls.__doc__
    fn.node = cls
    return fn


def _method_without_arguments(name, fn):
    """``t.sqrt()`` & co: as in torch, the method takes no arguments (not even ``out=``)."""
    cls = fn.node

    def method(self, *args, **kwargs):
        if kwargs:
            raise TypeError(f"TensorBase.{name}() takes no keyword arguments")
        if args:
            raise TypeError(f"TensorBase.{name}() takes no arguments ({len(args)} given)")
        return cls.apply(self)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    return method


abs = absolute = _unary(AbsBackward0)
exp = _unary(ExpBackward0)
exp2 = _unary(Exp2Backward0)
expm1 = _unary(Expm1Backward0)
log = _unary(LogBackward0)
log2 = _unary(Log2Backward0)
log10 = _unary(Log10Backward0)
log1p = _unary(Log1PBackward0)
sqrt = _unary(SqrtBackward0)
rsqrt = _unary(RsqrtBackward0)
reciprocal = _unary(ReciprocalBackward0)
sin = _unary(SinBackward0)
cos = _unary(CosBackward0)
tan = _unary(TanBackward0)
asin = arcsin = _unary(AsinBackward0)
acos = arccos = _unary(AcosBackward0)
atan = arctan = _unary(AtanBackward0)
sinh = _unary(SinhBackward0)
cosh = _unary(CoshBackward0)
tanh = _unary(TanhBackward0)
sigmoid = _unary(SigmoidBackward0)
relu = _unary(ReluBackward0)
sign = _unary(SignBackward0)
floor = _unary(FloorBackward0)
ceil = _unary(CeilBackward0)
trunc = _unary(TruncBackward0)
frac = _unary(FracBackward0)
erf = _unary(ErfBackward0)


def round(input, *, decimals=0):
    """round half to even (as torch)"""
    if decimals:
        return RoundBackward1.apply(input, decimals)
    return RoundBackward0.apply(input)


def square(input):
    """input * input (PowBackward0)"""
    return PowBackward0.apply(input, 2)


def atan2(input, other):
    return Atan2Backward0.apply(input, other)


arctan2 = atan2


def clamp(input, min=None, max=None):
    """min(max(input, min), max); ClampBackward1 for number bounds, ClampBackward0 for tensors"""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return ClampBackward0.apply(input, min, max)
    return ClampBackward1.apply(input, min, max)


clip = clamp


def clamp_min(input, min):
    """max(input, min)"""
    return (ClampMinBackward1 if isinstance(min, Tensor) else ClampMinBackward0).apply(
        input, min, None)


def clamp_max(input, max):
    """min(input, max)"""
    return (ClampMaxBackward1 if isinstance(max, Tensor) else ClampMaxBackward0).apply(
        input, None, max)


def maximum(input, other):
    return MaximumBackward0.apply(input, other)


def minimum(input, other):
    return MinimumBackward0.apply(input, other)


def fmax(input, other):
    return FmaxBackward0.apply(input, other)


def fmin(input, other):
    return FminBackward0.apply(input, other)


def where(condition, input=None, other=None):
    """condition ? input : other (numbers allowed for input/other)"""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    return WhereBackward0.apply(condition, _tensor_or_scalar(input), _tensor_or_scalar(other))


def lerp(input, end, weight):
    """input + weight * (end - input)"""
    cls = LerpBackward1 if isinstance(weight, Tensor) else LerpBackward0
    return cls.apply(input, end, weight)


# ---- comparisons and logic: bool results, no gradient ------------------------------------------
def _compare(ufunc):
    def fn(input, other):
        a = _value(input)
        b = _value(_tensor_or_scalar(other))
        dt = _binary_dtype(a, b) if isinstance(a, np.ndarray) else promote_values(a, b)
        if dt.kind in "iu":  # torch casts an out-of-range int to the dtype first (300 -> 44)
            a, b = _wrap_int(a, dt), _wrap_int(b, dt)
        with np.errstate(invalid="ignore"):
            return _make(_binary(ufunc, a, b, dt))
    return fn


eq = _compare(np.equal)
ne = not_equal = _compare(np.not_equal)
lt = less = _compare(np.less)
le = less_equal = _compare(np.less_equal)
gt = greater = _compare(np.greater)
ge = greater_equal = _compare(np.greater_equal)


def equal(input, other):
    """True if same shape and same values."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def isnan(input):
    return _make(np.isnan(input._data))


def isinf(input):
    return _make(np.isinf(input._data))


def isfinite(input):
    return _make(np.isfinite(input._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _make(np.isclose(input._data, _value(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(input._data, _value(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    return _make(np.nan_to_num(input._data, nan=nan, posinf=posinf, neginf=neginf))


def logical_not(input):
    return _make(np.logical_not(input._data))


def _logical(ufunc):
    def fn(input, other):
        return _make(ufunc(_value(input), _value(other)))
    return fn


logical_and = _logical(np.logical_and)
logical_or = _logical(np.logical_or)
logical_xor = _logical(np.logical_xor)


def _bitwise(ufunc, name):
    def fn(input, other):
        a, b = _value(input), _value(_tensor_or_scalar(other))
        dt = promote_values(a, b)
        if dt.kind == "f":
            raise _not_implemented_for(f"{name}_cpu", dt)
        return _make(_binary(ufunc, a, b, dt))
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise _not_implemented_for("bitwise_not_cpu", input._data.dtype)
    return _make(np.invert(input._data))


# ---- operators ---------------------------------------------------------------------------------
_SCALAR_TYPES = (bool, int, float, np.number, np.bool_)
_FAST_OPERANDS = frozenset((Tensor, int, float))  # exact types: bool is not an int here


def _binary_operator(fn, reflected=False, node=None):
    """``self <op> other`` as ``fn(self, other)``. ``node``: the Function ``fn`` calls for a Tensor
    or Python number operand (``x * 1.5``, ``a + b``), used directly to save the dispatch."""
    def op(self, other):
        if node is not None and type(other) in _FAST_OPERANDS:
            return node.apply(self, other)  # fast path: what fn would do, without the checks
        if isinstance(other, np.ndarray):
            return NotImplemented  # numpy takes over (torch does the same)
        if not isinstance(other, (Tensor,) + _SCALAR_TYPES):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)
    return op


def _rtruediv(self, other):
    if isinstance(other, np.ndarray) or not isinstance(other, _SCALAR_TYPES):
        return NotImplemented
    return reciprocal(self) * other  # torch: MulBackward0 after ReciprocalBackward0


def _rpow(self, other):
    if isinstance(other, np.ndarray) or not isinstance(other, _SCALAR_TYPES):
        return NotImplemented
    return PowBackward2.apply(other, self)


def _rsub(self, other):
    if isinstance(other, np.ndarray) or not isinstance(other, _SCALAR_TYPES):
        return NotImplemented
    return RsubBackward1.apply(self, other, 1)


def _radd(self, other):
    if isinstance(other, np.ndarray) or not isinstance(other, _SCALAR_TYPES):
        return NotImplemented
    return AddBackward0.apply(self, other, 1)


def _rmul(self, other):
    if isinstance(other, np.ndarray) or not isinstance(other, _SCALAR_TYPES):
        return NotImplemented
    return MulBackward0.apply(self, other)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


def _invert(self):
    if self._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    if self._data.dtype == np.bool_:
        return logical_not(self)
    return bitwise_not(self)


register_methods(Tensor, {
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
    "divide": div, "true_divide": div, "floor_divide": floor_divide, "remainder": remainder,
    "fmod": fmod, "pow": pow, "neg": neg, "negative": neg, "abs": abs, "absolute": abs,
    "exp": exp, "exp2": exp2, "expm1": expm1, "log": log, "log2": log2, "log10": log10,
    "log1p": log1p, "sqrt": sqrt, "rsqrt": rsqrt, "square": square, "reciprocal": reciprocal,
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
    "arcsin": asin, "arccos": acos, "arctan": atan, "atan2": atan2, "arctan2": atan2,
    "sinh": sinh, "cosh": cosh, "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "sign": sign,
    "floor": floor, "ceil": ceil, "round": round, "trunc": trunc, "frac": frac, "erf": erf,
    "clamp": clamp, "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max,
    "maximum": maximum, "minimum": minimum, "fmax": fmax, "fmin": fmin,
    "where": lambda self, condition, other: where(condition, self, other), "lerp": lerp,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "greater": gt, "less": lt,
    "greater_equal": ge, "less_equal": le, "not_equal": ne, "equal": equal,
    "isnan": isnan, "isinf": isinf, "isfinite": isfinite, "isclose": isclose,
    "allclose": allclose, "nan_to_num": nan_to_num, "logical_not": logical_not,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
    "bitwise_not": bitwise_not, "bitwise_and": bitwise_and, "bitwise_or": bitwise_or,
    "bitwise_xor": bitwise_xor, "sum_to_size": sum_to_size, "expand_as":
    lambda self, other: self.expand(other.shape),
    "rsub": rsub,
    # operators
    "__add__": _binary_operator(add, node=AddBackward0), "__radd__": _radd,
    "__sub__": _binary_operator(sub, node=SubBackward0), "__rsub__": _rsub,
    "__mul__": _binary_operator(mul, node=MulBackward0), "__rmul__": _rmul,
    "__truediv__": _binary_operator(div, node=DivBackward0), "__rtruediv__": _rtruediv,
    "__floordiv__": _binary_operator(floor_divide), "__rfloordiv__": _rfloordiv,
    "__mod__": _binary_operator(remainder), "__rmod__": _rmod,
    "__pow__": _binary_operator(pow), "__rpow__": _rpow,
    "__neg__": neg, "__pos__": lambda self: self, "__abs__": abs, "__invert__": _invert,
    "__eq__": _binary_operator(eq), "__ne__": _binary_operator(ne),
    "__lt__": _binary_operator(lt), "__le__": _binary_operator(le),
    "__gt__": _binary_operator(gt), "__ge__": _binary_operator(ge),
    "__and__": _binary_operator(bitwise_and), "__or__": _binary_operator(bitwise_or),
    "__xor__": _binary_operator(bitwise_xor),
    "__rand__": _binary_operator(bitwise_and, True), "__ror__": _binary_operator(bitwise_or, True),
    "__rxor__": _binary_operator(bitwise_xor, True),
})
# the methods made from _unary functions (t.sqrt(), t.abs(), ...) take no arguments
register_methods(Tensor, {name: _method_without_arguments(name, getattr(Tensor, name))
                          for name, fn in list(vars(Tensor).items())
                          if getattr(fn, "node", None) is not None})
Tensor.__hash__ = lambda self: id(self)

# In-place forms: compute out of place, then write into self (see _util.inplace_variant).
register_methods(Tensor, {name + "_": inplace_variant(fn) for name, fn in {
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
    "divide": div, "true_divide": div, "floor_divide": floor_divide, "remainder": remainder,
    "fmod": fmod, "pow": pow, "neg": neg, "negative": neg, "abs": abs, "absolute": abs,
    "exp": exp, "exp2": exp2, "expm1": expm1, "log": log, "log2": log2, "log10": log10,
    "log1p": log1p, "sqrt": sqrt, "rsqrt": rsqrt, "square": square, "reciprocal": reciprocal,
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
    "atan2": atan2, "sinh": sinh, "cosh": cosh, "tanh": tanh, "sigmoid": sigmoid, "relu": relu,
    "sign": sign, "floor": floor, "ceil": ceil, "round": round, "trunc": trunc, "frac": frac,
    "clamp": clamp, "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max,
    "lerp": lerp, "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "logical_not": logical_not, "logical_and": logical_and, "logical_or": logical_or,
    "logical_xor": logical_xor, "bitwise_not": bitwise_not, "bitwise_and": bitwise_and,
    "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor, "nan_to_num": nan_to_num,
    "erf": erf,
}.items()})
register_methods(Tensor, {
    "__iadd__": Tensor.add_, "__isub__": Tensor.sub_, "__imul__": Tensor.mul_,
    "__itruediv__": Tensor.div_, "__ifloordiv__": Tensor.floor_divide_,
    "__imod__": Tensor.remainder_, "__ipow__": Tensor.pow_, "__iand__": Tensor.bitwise_and_,
    "__ior__": Tensor.bitwise_or_, "__ixor__": Tensor.bitwise_xor_,
})
