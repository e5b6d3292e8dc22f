"""Running sums and products along a dim: cumsum, cumprod.

The gradient of a running sum is the running sum of the gradient taken from the other end
(``_reverse_cumsum``); cumprod's divides by the input where it can and handles zeros apart.
"""
import numpy as np

from .._tensor import Tensor, wrap_dim
from ..autograd import formulas
from ..autograd.function import Function
from ._util import register_methods
from .registry import declare
from .reduction import _numpy_names, _sum_dtype

__all__ = ["cumsum", "cumprod"]


# ---- cumulative sum and product ------------------------------------------------------------------
def _scan_dtype(x, dtype):
    """cumsum/cumprod result dtype: ``dtype=`` if given; integers and bools become int64."""
    return _sum_dtype(x, dtype)


def _cumsum(x, dim, dtype):
    """Running sums as torch adds them, from a 0 accumulator: -0.0 never comes out."""
    out = _scan(np.cumsum, x, dim, dtype)
    return out + 0 if out.dtype.kind == "f" else out


def _scan(np_scan, x, dim, dtype):
    """np.cumsum / np.cumprod as torch's CPU kernel runs them: accumulated in a wider type (double
    for float32, float for float16), then cast; the result is always contiguous."""
    dtype = np.dtype(dtype)
    acc = {np.dtype(np.float32): np.float64, np.dtype(np.float16): np.float32}.get(dtype, dtype)
    out = np_scan(x, axis=dim, dtype=acc)
    return np.ascontiguousarray(out.astype(dtype, copy=False))


class CumsumBackward0(Function):
    """out = x.cumsum(dim)      grad_x = reversed cumsum of grad along dim"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim, dtype=None):
        ctx.dim = dim
        if x.ndim == 0:
            return x.astype(_scan_dtype(x, dtype))
        return _cumsum(x, dim, _scan_dtype(x, dtype))

    @staticmethod
    def backward(ctx, grad):
        return _reverse_cumsum(grad, ctx.dim), None, None


class _ReverseCumsum(Function):
    """out[i] = sum_{j >= i} x[j] along dim      grad_x = cumsum of grad along dim"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            return x.copy()
        return np.ascontiguousarray(np.flip(_cumsum(np.flip(x, dim), dim, x.dtype), dim))

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(CumsumBackward0, grad, ctx.dim), None


def _reverse_cumsum(t, dim):
    return formulas.call(_ReverseCumsum, t, dim)


class CumprodBackward0(Function):
    """out = x.cumprod(dim)     grad_x[k] = sum_{j >= k} grad[j] * prod_{i <= j, i != k} x[i]

    Before the first zero of a slice this is reversed_cumsum(grad * out) / x; at the first zero
    it is reversed_cumsum(grad * cumprod(x with that zero set to 1)); after it, 0.
    """

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim, dtype=None):
        ctx.dim = dim
        out = x.astype(_scan_dtype(x, dtype)) if x.ndim == 0 else \
            _scan(np.cumprod, x, dim, _scan_dtype(x, dtype))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        if x.ndim == 0:
            return grad, None, None
        zero = formulas.data(x) == 0
        zeros_so_far = np.cumsum(zero, axis=dim)
        before = formulas.constant(zeros_so_far == 0)
        gx = _reverse_cumsum(grad * out, dim) / formulas.where(before, x, 1.0) * before
        first_zero = zero & (zeros_so_far == 1)
        if first_zero.any():
            first_zero = formulas.constant(first_zero)
            skip_zero = formulas.call(CumprodBackward0, formulas.where(first_zero, 1.0, x), dim)
            gx = gx + _reverse_cumsum(grad * skip_zero, dim) * first_zero
        return gx, None, None


# ---- the public functions --------------------------------------------------------------------
@_numpy_names
def cumsum(input, dim, *, dtype=None):
    """Running sum along ``dim``. Integers and bools give int64."""
    return CumsumBackward0.apply(input, wrap_dim(dim, input.ndim), dtype)


@_numpy_names
def cumprod(input, dim, *, dtype=None):
    """Running product along ``dim``. Integers and bools give int64."""
    return CumprodBackward0.apply(input, wrap_dim(dim, input.ndim), dtype)


register_methods(Tensor, {"cumsum": cumsum, "cumprod": cumprod})


# ---- what each op is to the tests, the fuzzer and the docs (ops/registry.py) --------------------
def _along_dims(rng, dtype):
    for shape, dim in (((3,), 0), ((2, 3), 1), ((2, 3), -2)):
        yield [np.asarray(rng.standard_normal(shape), dtype)], {"dim": dim}


declare("cumsum", cumsum, nodes=("CumsumBackward0",), args=("input", "dim"), family="reduction",
        sample=_along_dims)
declare("cumprod", cumprod, nodes=("CumprodBackward0",), args=("input", "dim"),
        family="reduction", sample=_along_dims)
