"""torch-compatibility rules shared by the elementwise ops, kept apart from their math.

An elementwise op's formula is one NumPy call; what makes it agree with torch bit for bit lives
here: the result dtype (``_binary_dtype``, ``_cast``: torch's promotion, NumPy scalars weak), the
result layout of mixed-layout operands (``_binary`` via ``_layout.in_torch_layout``), the single
rounding of ``a + alpha * b`` (``_plus_scaled`` via ``_fma.fma``), C-style wrap-around of
out-of-range Python ints (``_wrap_int``), torch's pow kernel rounding (``_power``,
``_float_power``), ties that keep the first operand (``_maximum``...), and torch's error texts
(broadcasting, bool subtraction, integer division by zero, kernels missing for a dtype). The
public-API conversions (``_tensor_or_scalar``, ``_write_out`` for ``out=``) end the module.
"""

import numpy as np

from .. import _buffers, _dtype
from .._dtype import promote_values
from .._fma import fma
from .._layout import in_torch_layout
from .._tensor import Tensor
from ..autograd import formulas
from ..creation import check_python_int, tensor


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


# ufuncs whose result has the dtype of their floating operands: their large results may go into
# kept arrays (_buffers.py)
_KEPT_RESULTS = {np.add, np.subtract, np.multiply, np.true_divide}


def _binary(ufunc, a, b, dt):
    """ufunc(a, b) computed in dtype dt, laid out as torch lays it out (``_layout``), with
    torch's broadcasting error."""
    if type(b) is int or type(a) is int:   # a Python int must fit 64 bits, as torch's Scalar
        _check_python_ints(a, b)
    try:
        # fast path: a already in dt, b a Python number or in dt (getattr: numbers have no dtype)
        if type(a) is np.ndarray and a.dtype == dt and getattr(b, "dtype", dt) == dt:
            if a.nbytes >= _buffers.MIN_BYTES and ufunc in _KEPT_RESULTS and dt.kind == "f":
                out = ufunc(a, b, out=_buffers.for_result(a, b))
            else:
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
    if (cond.shape != x.shape or not x.ndim or not x.flags.c_contiguous
            or not cond.flags.c_contiguous):
        keep = np.subtract(cond, 1, dtype=ints)  # 0 where cond, else all bits set
        return np.bitwise_and(x.view(ints), keep).view(x.dtype)
    keep = _buffers.empty(x.shape, ints)   # (row-major operands) the same mask, in one buffer
    np.copyto(keep, cond)
    keep -= 1
    return np.bitwise_and(x.view(ints), keep, out=keep).view(x.dtype)


def _check_python_ints(a, b):
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


def _check_not_bool(dt, kernel):
    if dt == np.bool_:
        raise _not_implemented_for(kernel, dt)


def _check_int_zero_division(b, dt):
    if dt.kind in "iub" and np.any(_cast(b, dt) == 0):
        raise RuntimeError("ZeroDivisionError")


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


def _not_implemented_for(kernel, np_dtype):
    """torch's error for a kernel that has no version for this dtype."""
    return NotImplementedError(
        f"\"{kernel}\" not implemented for '{_dtype.from_numpy_dtype(np_dtype).short_name}'")


# ---- conversions between the public API and the Functions --------------------------------------
def _tensor_or_scalar(x, name="other"):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        return x
    if isinstance(x, (list, tuple)):
        return tensor(x)
    raise TypeError(f"unsupported operand type for {name}: '{type(x).__name__}'")


def _as_tensor_like(x, other):
    """A Python number on the left of an op whose right side is a tensor: make it 0-dim."""
    return tensor(x)


def _write_out(result, out):
    if out is None:
        return result
    out.resize_(result.shape) if hasattr(out, "resize_") and out.shape != result.shape else None
    np.copyto(out._data, result._data, casting="unsafe")
    out._bump_version()
    return out
