"""Reductions: sum, mean, ... over all dims or over ``dim`` (int or tuple), with ``keepdim``.

Forward reduces the ndarray with NumPy; backward brings the gradient back to the input's shape
(``_unreduce``: re-insert the reduced dims, then expand) and applies the op's local derivative.
Class names are torch's grad_fn names: the ``...Backward0`` / ``...Backward1`` split follows
torch's overloads (``x.sum()`` is SumBackward0, ``x.sum(dim)`` is SumBackward1).
"""
import builtins
import functools
import math
import warnings

import numpy as np

from .. import return_types
from .._args import check_bool
from .._dtype import from_numpy_dtype, get_default_dtype
from .._layout import row_major
from .._tensor import Tensor, _make, wrap_dim
from ..autograd import formulas
from ..autograd.function import Function
from ._util import register_methods
from .elementwise import (AbsBackward0, DivBackward0, ExpBackward0, SignBackward0, maximum,
                          minimum)

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std",
           "logsumexp", "norm", "cumsum", "cumprod", "all", "any",
           "count_nonzero"]

_ALL = object()  # "no dim argument given": torch picks a different overload (and grad_fn name)


# ---- dims and shapes ----------------------------------------------------------------------------
def reduce_dims(dim, ndim):
    """torch's reduction dims as a sorted tuple: None, () or [] mean every dim."""
    if dim is None or dim is _ALL:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return tuple(range(ndim))
        dims = [wrap_dim(d, ndim) for d in dim]
    else:
        dims = [wrap_dim(dim, ndim)]
    seen = set()
    for d in dims:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return tuple(sorted(seen)) if ndim > 0 else ()


def _kept_shape(shape, dims):
    """The input shape with each reduced dim set to 1 (the shape keepdim=True gives)."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _unreduce(grad, dims, keepdim, shape):
    """A gradient of a reduction over ``dims`` brought back to the input's ``shape``.

    Without keepdim the reduced dims are re-inserted as size 1 first; then the gradient is
    expanded (broadcast) over them. Leading dims need no re-insertion: broadcasting adds them.
    """
    if not keepdim and dims != tuple(range(len(dims))):
        grad = grad.reshape(_kept_shape(shape, dims))
    return formulas.expand(grad, shape)


def _reduce_numel(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


# ---- sum and mean -------------------------------------------------------------------------------
def _sum_dtype(x, dtype):
    """sum's result dtype: ``dtype=`` if given; integers and bools become int64."""
    if dtype is not None:
        return dtype.np
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.int64)


def _np_sum(x, dims, keepdim, out_dtype):
    """Sum in out_dtype (float16 accumulates in float32, as torch does)."""
    x = x.astype(out_dtype, copy=False)
    # np.add.reduce is what np.sum calls on an ndarray, minus ~1 µs of wrapper per call
    if out_dtype == _FLOAT16:
        out = np.add.reduce(x, axis=dims, keepdims=keepdim, dtype=np.float32).astype(out_dtype)
    else:
        out = np.add.reduce(x, axis=dims, keepdims=keepdim, dtype=out_dtype)
    return row_major(out)


_FLOAT16 = np.dtype(np.float16)


class SumBackward0(Function):
    """out = x.sum()                  grad_x = grad.expand(x.shape)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dtype=None):
        ctx.shape = x.shape
        return _np_sum(x, None, False, _sum_dtype(x, dtype))

    @staticmethod
    def backward(ctx, grad):
        return formulas.expand(grad, ctx.shape), None


class SumBackward1(Function):
    """out = x.sum(dim, keepdim)      grad_x = grad (unsqueezed at dim).expand(x.shape)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return _np_sum(x, dims, keepdim, _sum_dtype(x, dtype))

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(grad, ctx.dims, ctx.keepdim, ctx.shape), None, None, None


def _mean_dtype(x, dtype):
    """mean needs a floating result dtype: the input's, or ``dtype=``."""
    if dtype is not None:
        if dtype.np.kind != "f":
            raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be "
                               f"either a floating point or complex dtype. Got: {dtype.short_name}")
        return dtype.np
    if x.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. "
                           f"Got: {from_numpy_dtype(x.dtype).short_name}")
    return x.dtype


def _np_mean(x, dims, keepdim, out_dtype):
    """sum / count; the mean of nothing is nan (0/0), without NumPy's warning."""
    n = x.size if dims is None else _reduce_numel(x.shape, dims)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = _np_sum(x, dims, keepdim, out_dtype)
        return (total / out_dtype.type(n) if n else total * np.nan).astype(out_dtype, copy=False)


class MeanBackward0(Function):
    """out = x.mean()                 grad_x = grad.expand(x.shape) / x.numel()"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dtype=None):
        ctx.shape, ctx.n = x.shape, x.size
        return _np_mean(x, None, False, _mean_dtype(x, dtype))

    @staticmethod
    def backward(ctx, grad):
        return formulas.expand(grad, ctx.shape) / ctx.n, None


class MeanBackward1(Function):
    """out = x.mean(dim, keepdim)     grad_x = grad (unsqueezed at dim).expand(x.shape) / N"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.n = _reduce_numel(x.shape, dims)
        return _np_mean(x, dims, keepdim, _mean_dtype(x, dtype))

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(grad, ctx.dims, ctx.keepdim, ctx.shape) / ctx.n, None, None, None


# ---- prod ---------------------------------------------------------------------------------------
def _np_prod(x, dims, keepdim, out_dtype):
    x = x.astype(out_dtype, copy=False)
    acc = np.float32 if out_dtype == np.float16 else out_dtype
    return row_major(np.prod(x, axis=dims, keepdims=keepdim, dtype=acc).astype(out_dtype,
                                                                              copy=False))


def _prod_grad(grad, x, out, dim, keepdim):
    """torch's prod_backward: grad * out / x when x holds no zero; otherwise grad times the
    product of the other elements of each slice along ``dim`` (the flattened x for the full
    product), built from running products from both ends, so it is exact at zeros and can be
    differentiated again."""
    if x.ndim == 0:
        return grad
    if x.dtype != grad.dtype:  # prod(dtype=...): on Tensors only (see on_tensors_if_mixed)
        x = x.to(grad.dtype)
    if dim is not None and not keepdim:
        grad, out = formulas.unsqueeze(grad, dim), formulas.unsqueeze(out, dim)
    if not (formulas.data(x) == 0).any():
        return grad * (out / x)
    if dim is None:
        flat = formulas.reshape(x, (math.prod(x.shape),))
        return formulas.reshape(_prod_others(grad, flat, 0), x.shape)
    return _prod_others(grad, x, dim)


def _prod_others(grad, x, dim):
    """grad * (product of the elements before k) * (product of the elements after k)."""
    from .join import CatBackward0
    from .shape import FlipBackward0
    call = formulas.call
    n = x.shape[dim]
    if math.prod(x.shape) == 0:
        return formulas.expand(grad, x.shape)
    if n == 1:
        return grad
    ones_shape = list(x.shape)
    ones_shape[dim] = 1
    ones = formulas.constant(np.ones(ones_shape, dtype=formulas.data(grad).dtype))
    before = call(CumprodBackward0, call(CatBackward0, dim, ones,
                                         formulas.slice_dim(x, dim, 0, n - 1)), dim)
    after = call(FlipBackward0, formulas.slice_dim(x, dim, 1, n), (dim,))
    after = call(CumprodBackward0, call(CatBackward0, dim, ones, after), dim)
    return grad * (before * call(FlipBackward0, after, (dim,)))


class ProdBackward0(Function):
    """out = x.prod()               grad_x = grad * (product of the other elements)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dtype=None):
        out = _np_prod(x, None, False, _sum_dtype(x, dtype))
        ctx.save_for_backward(x, out)
        formulas.on_tensors_if_mixed(ctx, out.dtype, x)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return _prod_grad(grad, x, out, None, False), None


class ProdBackward1(Function):
    """out = x.prod(dim, keepdim)   grad_x = grad * (product of the other elements of the slice)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim, keepdim, dtype=None):
        out = _np_prod(x, dim, keepdim, _sum_dtype(x, dtype))
        ctx.save_for_backward(x, out)
        formulas.on_tensors_if_mixed(ctx, out.dtype, x)
        ctx.dim, ctx.keepdim = dim, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return _prod_grad(grad, x, out, ctx.dim, ctx.keepdim), None, None, None


# ---- max / min ----------------------------------------------------------------------------------
def _no_dim_error(name):
    return RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                        "Specify the reduction dim with the 'dim' argument.")


def _check_reducible(name, shape, dims):
    """max/min/amax/... have no identity: reducing over an empty dim is an error."""
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _ties(x, value):
    """Where x equals the (broadcast) reduced value; a nan value matches the nans of x."""
    return (x == value) | (formulas.isnan(x) & formulas.isnan(value))


class _FullExtremum(Function):
    """Shared by MaxBackward1 / MinBackward1: ``reduce`` is np.max or np.min."""

    numpy_backward = True
    name_ = reduce = None

    @classmethod
    def forward(cls, ctx, x):
        if x.size == 0:
            raise _no_dim_error(cls.name_)
        out = np.asarray(cls.reduce(x))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        from .indexing import MaskedFillBackward1
        x, out = ctx.saved_tensors
        mask = formulas.data(_ties(x, out))
        # torch: zeros.masked_fill(mask, grad / count), so a nan grad stays off the other elements
        zeros = formulas.zeros_kept_layout(x)
        return formulas.call(MaskedFillBackward1, zeros, mask, grad / int(mask.sum()))


class MaxBackward1(_FullExtremum):
    """out = x.max()     grad_x = grad / (number of maxima), at each maximum (ties share evenly)"""

    name_, reduce = "max", staticmethod(np.max)


class MinBackward1(_FullExtremum):
    """out = x.min()     grad_x = grad / (number of minima), at each minimum (ties share evenly)"""

    name_, reduce = "min", staticmethod(np.min)


class _DimExtremum(Function):
    """Shared by MaxBackward0 / MinBackward0: (values, indices) along one dim."""

    numpy_backward = True
    n_outputs = 2
    name_ = arg = None

    @classmethod
    def differentiable_outputs(cls):
        return (True, False)

    @classmethod
    def forward(cls, ctx, x, dim, keepdim):
        ctx.shape = x.shape
        if x.ndim == 0:
            return x.copy(), np.zeros((), np.int64)
        _check_reducible(cls.name_, x.shape, (dim,))
        if x.size == 0:  # nothing to pick from: empty results of the reduced shape
            idx = np.zeros(_kept_shape(x.shape, (dim,)), np.int64)
        else:
            idx = cls.arg(x, axis=dim, keepdims=True)
        values = np.take_along_axis(x, idx, axis=dim)
        ctx.dim, ctx.keepdim, ctx.indices = dim, keepdim, idx
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        return row_major(values), row_major(idx.astype(np.int64, copy=False))

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        if not ctx.shape:
            return grad, None, None
        return _select_back(grad, ctx.indices, ctx.dim, ctx.keepdim, ctx.shape), None, None


def _select_back(grad, indices, dim, keepdim, shape):
    """zeros(shape) with each gradient scattered to ``indices`` (keepdim form) along ``dim``
    (torch's value_selecting_reduction_backward)."""
    from .indexing import ScatterBackward0
    if not keepdim:
        grad = formulas.unsqueeze(grad, dim)
    zeros = formulas.zeros(shape, grad)
    return formulas.call(ScatterBackward0, zeros, dim, indices, grad)


class MaxBackward0(_DimExtremum):
    """values, indices = x.max(dim)     grad_x = grad placed at indices along dim, 0 elsewhere"""

    name_, arg = "max", staticmethod(np.argmax)


class MinBackward0(_DimExtremum):
    """values, indices = x.min(dim)     grad_x = grad placed at indices along dim, 0 elsewhere"""

    name_, arg = "min", staticmethod(np.argmin)


class _Amax(Function):
    """Shared by AmaxBackward0 / AminBackward0: extreme value over dims, no indices."""

    numpy_backward = True
    name_ = reduce = None

    @classmethod
    def forward(cls, ctx, x, dims, keepdim):
        _check_reducible(cls.name_, x.shape, dims)
        if x.size == 0:
            out = np.empty(_reduced_shape(x.shape, dims, keepdim), x.dtype)
        else:
            out = row_major(np.asarray(cls.reduce(x, axis=dims, keepdims=keepdim)))
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dims, keepdim = ctx.dims, ctx.keepdim
        if not keepdim and dims:
            out = formulas.reshape(out, _kept_shape(x.shape, dims))
        mask = x == out
        count = formulas.sum(mask, dims, keepdim=True)
        grad = _unreduce(grad, dims, keepdim, x.shape)
        return _divide(grad, count) * mask, None, None


def _divide(grad, count):
    """grad / count inside a formula; an int64 count does not widen grad (DivBackward0)."""
    return formulas.call(DivBackward0, grad, count)


class AmaxBackward0(_Amax):
    """out = x.amax(dim)     grad_x = grad / (number of maxima in the slice), at each maximum"""

    name_, reduce = "amax", staticmethod(np.max)


class AminBackward0(_Amax):
    """out = x.amin(dim)     grad_x = grad / (number of minima in the slice), at each minimum"""

    name_, reduce = "amin", staticmethod(np.min)


def _reduced_shape(shape, dims, keepdim):
    if keepdim:
        return _kept_shape(shape, dims)
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _arg_extremum(name, np_arg, input, dim, keepdim):
    """argmax / argmin: int64 indices of the first extreme value (nan counts as extreme)."""
    x = input._data
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        i = np.asarray(np_arg(x), np.int64)
        return _make(i.reshape((1,) * x.ndim) if keepdim else i)
    dim = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return _make(np.zeros((), np.int64))
    _check_reducible(name, x.shape, (dim,))
    if x.size == 0:
        return _make(np.empty(_reduced_shape(x.shape, (dim,), keepdim), np.int64))
    return _make(row_major(np_arg(x, axis=dim, keepdims=keepdim).astype(np.int64, copy=False)))


# ---- variance and standard deviation -------------------------------------------------------------
def _var_correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _np_var(x, dims, correction, keepdim):
    """sum((x - mean)^2) / max(0, N - correction): nan or inf when N <= correction, as torch."""
    if x.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    n = _reduce_numel(x.shape, dims)
    if n - correction <= 0:
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less than "
                      "the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=4)
    # As torch on the CPU: squared deviations summed in double. A single output (everything
    # reduced) takes the mean in x's own dtype first; otherwise torch runs Welford's algorithm in
    # double, where a slice of equal values has a variance of exactly 0 (here: a float64 mean
    # refined by the mean of the residuals).
    xd = x.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if n == x.size and x.dtype != np.float16:
            mean = np.float64(np.mean(x, axis=dims, keepdims=True))
        else:
            mean = np.mean(xd, axis=dims, keepdims=True)
            mean = mean + np.mean(xd - mean, axis=dims, keepdims=True)
        centered = xd - mean
        total = np.sum(centered * centered, axis=dims, keepdims=keepdim)
        return row_major((total / builtins.max(0, n - correction)).astype(x.dtype, copy=False))


def _var_grad(grad, x, dims, correction, keepdim, full):
    """d var / dx = 2 (x - mean) / (N - correction).

    A reduction over everything (no ``dim`` given) with N - correction <= 0 has an infinite
    variance: torch then gives inf everywhere (nan where x equals the mean), not the formula.
    """
    n = _reduce_numel(x.shape, dims)
    dof = n - correction
    if dof <= 0 and full:
        return grad * formulas.where(x == formulas.call(MeanBackward0, x), math.nan, math.inf)
    centered = x - formulas.call(MeanBackward1, x, dims, True)
    return _unreduce(grad, dims, keepdim, x.shape) * centered * (2.0 / dof if dof else math.inf)


class VarBackward0(Function):
    """out = x.var(dim, correction)     grad_x = grad * 2 (x - mean) / (N - correction)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, full):
        ctx.save_for_backward(x)
        ctx.args = dims, correction, keepdim, full
        return _np_var(x, dims, correction, keepdim)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return _var_grad(grad, x, *ctx.args), None, None, None, None


class StdBackward0(Function):
    """out = x.std(dim, correction)     grad_x = grad / (2 out) * d var / dx   (0 where out == 0)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, full):
        out = np.sqrt(_np_var(x, dims, correction, keepdim))
        ctx.save_for_backward(x, out)
        ctx.args = dims, correction, keepdim, full
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        grad_var = formulas.where(out == 0, 0.0, grad / (out * 2))
        return _var_grad(grad_var, x, *ctx.args), None, None, None, None


# ---- logsumexp ----------------------------------------------------------------------------------
class LogsumexpBackward0(Function):
    """out = log(sum(exp(x), dim))     grad_x = grad * exp(x - out)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xf = x if x.dtype.kind == "f" else x.astype(get_default_dtype().np)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if x.size == 0:
                shift = np.zeros(_kept_shape(x.shape, dims), xf.dtype)
            else:  # subtract the max for stability (0 where it is infinite)
                shift = np.max(xf, axis=dims, keepdims=True)
                shift = np.where(np.isinf(shift), 0, shift).astype(xf.dtype, copy=False)
            out = np.log(np.sum(np.exp(xf - shift), axis=dims, keepdims=True)) + shift
        out = row_major(out if keepdim else out.reshape(_reduced_shape(x.shape, dims, False)))
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if not ctx.keepdim and ctx.dims:
            out = formulas.reshape(out, _kept_shape(x.shape, ctx.dims))
        grad = _unreduce(grad, ctx.dims, ctx.keepdim, x.shape)
        return grad * formulas.call(ExpBackward0, x - out), None, None


# ---- vector norm --------------------------------------------------------------------------------
def _np_norm(x, p, dims, keepdim):
    """The vector p-norm of x over dims (p may be 0, +-inf or any real)."""
    a = np.abs(x)
    if np.isinf(p):
        if x.size == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty "
                               "tensor because the operation does not have an identity")
        return (np.max if p > 0 else np.min)(a, axis=dims, keepdims=keepdim)
    if p == 0:
        return np.sum(a != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
    if p == 1:
        return np.sum(a, axis=dims, keepdims=keepdim)
    if p == 2:
        return np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim))
    with np.errstate(divide="ignore"):
        return np.sum(a ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)


class LinalgVectorNormBackward0(Function):
    """out = ||x||_p over dim     grad_x = grad * sign(x) |x|^(p-1) / out^(p-1)  (0 where out == 0)

    p = 2: grad * x / out;  p = 1: grad * sign(x);  p = inf: grad shared evenly among the
    largest |x| (with their sign);  p = 0: no gradient (None).
    """

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, p, dims, keepdim, dtype=None):
        if x.dtype.kind != "f":
            raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor "
                               f"as input. Got {from_numpy_dtype(x.dtype).short_name}")
        src = x if dtype is None else x.astype(dtype.np)
        acc = np.float32 if src.dtype == np.float16 else src.dtype
        out = np.asarray(_np_norm(src.astype(acc, copy=False), p, dims, keepdim))
        out = row_major(out.astype(src.dtype, copy=False))
        ctx.save_for_backward(x, out)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        formulas.on_tensors_if_mixed(ctx, out.dtype, x)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        p, dims = ctx.p, ctx.dims
        if not ctx.keepdim and dims:
            out = formulas.reshape(out, _kept_shape(x.shape, dims))
        grad = _unreduce(grad, dims, ctx.keepdim, x.shape)
        call, where = formulas.call, formulas.where
        if p == 0:  # piecewise constant: torch gives no gradient at all
            return None, None, None, None, None
        if p == 1:
            gx = call(SignBackward0, x) * grad
        elif p == 2:
            gx = grad * where(out == 0, 0.0, x / out)
        elif np.isinf(p):
            mask = (call(AbsBackward0, x) == out) | formulas.isnan(x)
            count = formulas.sum(mask, dims, keepdim=True)
            gx = call(SignBackward0, x) * (_divide(grad, count) * mask)
        elif p < 1:
            scaled = call(SignBackward0, x) * where(x == 0, 0.0,
                                                     formulas.pow(call(AbsBackward0, x), p - 1))
            gx = scaled * grad * formulas.pow(out, 1 - p)
        else:
            scaled = call(SignBackward0, x) * formulas.pow(call(AbsBackward0, x), p - 1)
            gx = scaled * where(out == 0, 0.0, grad / formulas.pow(out, p - 1))
        return gx, None, None, None, None


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


# ---- public functions ---------------------------------------------------------------------------
def _numpy_names(fn):
    """torch also accepts NumPy spellings: ``axis=`` (dim) and ``keepdims=`` (keepdim). And
    ``keepdim`` must be a bool, as torch's argument parser insists (``keepdim='yes'`` is a
    TypeError, not True)."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs or "keepdims" in kwargs:
                if "axis" in kwargs:
                    kwargs["dim"] = kwargs.pop("axis")
                if "keepdims" in kwargs:
                    kwargs["keepdim"] = kwargs.pop("keepdims")
            if type(kwargs.get("keepdim", False)) is not bool:
                check_bool(name, kwargs["keepdim"], "keepdim")
        if len(args) > 2 and type(args[2]) is not bool:
            check_bool(name, args[2], "keepdim")
        return fn(*args, **kwargs)
    return wrapper


@_numpy_names
def sum(input, dim=_ALL, keepdim=False, *, dtype=None):
    """Sum of all elements, or over ``dim`` (int or tuple). Integers and bools sum to int64."""
    if dim is _ALL:
        return SumBackward0.apply(input, dtype)
    return SumBackward1.apply(input, reduce_dims(dim, input.ndim), keepdim, dtype)


@_numpy_names
def mean(input, dim=_ALL, keepdim=False, *, dtype=None):
    """Mean of all elements, or over ``dim``. Needs a floating dtype (or ``dtype=``)."""
    if dim is _ALL:
        return MeanBackward0.apply(input, dtype)
    return MeanBackward1.apply(input, reduce_dims(dim, input.ndim), keepdim, dtype)


@_numpy_names
def prod(input, dim=_ALL, keepdim=False, *, dtype=None):
    """Product of all elements, or along one ``dim``. Integers and bools give int64."""
    if dim is _ALL:
        return ProdBackward0.apply(input, dtype)
    return ProdBackward1.apply(input, wrap_dim(dim, input.ndim), keepdim, dtype)


def _extremum(full_cls, dim_cls, elementwise, result_type):
    def fn(input, dim=_ALL, keepdim=False, *, other=None):
        if other is not None or isinstance(dim, Tensor):
            return elementwise(input, dim if other is None else other)
        if dim is _ALL:
            return full_cls.apply(input)
        values, indices = dim_cls.apply(input, wrap_dim(dim, input.ndim), keepdim)
        return result_type((values, _make(indices._data)))  # indices: no grad_fn, as torch
    return _numpy_names(fn)


max = _extremum(MaxBackward1, MaxBackward0, maximum, return_types.max)  # noqa: A001
min = _extremum(MinBackward1, MinBackward0, minimum, return_types.min)  # noqa: A001
max.__doc__ = """Largest element (0-dim), or ``(values, indices)`` along ``dim``, or the
elementwise maximum with another tensor. Ties: the first index; nan wins."""
min.__doc__ = """Smallest element (0-dim), or ``(values, indices)`` along ``dim``, or the
elementwise minimum with another tensor. Ties: the first index; nan wins."""


def _check_all_dims_nonempty(name, input, dim):
    if input.numel() == 0 and (dim == () or dim == []):
        raise _no_dim_error(name)


@_numpy_names
def amax(input, dim=(), keepdim=False):
    """Largest value over ``dim`` (all dims by default); ties share the gradient evenly."""
    _check_all_dims_nonempty("amax", input, dim)
    return AmaxBackward0.apply(input, reduce_dims(dim, input.ndim), keepdim)


@_numpy_names
def amin(input, dim=(), keepdim=False):
    """Smallest value over ``dim`` (all dims by default); ties share the gradient evenly."""
    _check_all_dims_nonempty("amin", input, dim)
    return AminBackward0.apply(input, reduce_dims(dim, input.ndim), keepdim)


@_numpy_names
def argmax(input, dim=None, keepdim=False):
    """Index (int64) of the first largest value, over the flattened tensor or along ``dim``."""
    return _arg_extremum("argmax", np.argmax, input, dim, keepdim)


@_numpy_names
def argmin(input, dim=None, keepdim=False):
    """Index (int64) of the first smallest value, over the flattened tensor or along ``dim``."""
    return _arg_extremum("argmin", np.argmin, input, dim, keepdim)


def _var_args(input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # var(x, False): the ``unbiased`` overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError("var() received an invalid combination of arguments: give either "
                        "unbiased or correction, not both")
    return (input, reduce_dims(dim, input.ndim), _var_correction(unbiased, correction), keepdim,
            dim is None)


@_numpy_names
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` (all dims by default), dividing by N - correction (default 1)."""
    return VarBackward0.apply(*_var_args(input, dim, unbiased, keepdim, correction))


@_numpy_names
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: sqrt of ``var`` with the same arguments."""
    return StdBackward0.apply(*_var_args(input, dim, unbiased, keepdim, correction))


@_numpy_names
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over ``dim``, computed without overflow."""
    return LogsumexpBackward0.apply(input, reduce_dims(dim, input.ndim), keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim`` (all elements by default); 'fro' is the 2-norm."""
    if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        # torch hands this case to the matrix norm, which needs exactly two dims
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in dim))
    if p is None or p == "fro":
        p = 2.0
    elif p == "nuc":
        raise NotImplementedError("norm(p='nuc') (the nuclear norm) is not supported by minigrad")
    elif isinstance(p, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    dims = reduce_dims(dim, input.ndim)
    return LinalgVectorNormBackward0.apply(input, float(p), dims, keepdim, dtype)


@_numpy_names
def cumsum(input, dim, *, dtype=None):
    """Running sum along ``dim``. Integers and bools give int64."""
    return CumsumBackward0.apply(input, wrap_dim(dim, input.ndim), dtype)


@_numpy_names
def cumprod(input, dim, *, dtype=None):
    """Running product along ``dim``. Integers and bools give int64."""
    return CumprodBackward0.apply(input, wrap_dim(dim, input.ndim), dtype)


def _logical_reduction(np_fn):
    def fn(input, dim=None, keepdim=False):
        x = input._data
        out = row_major(np.asarray(np_fn(x, axis=reduce_dims(dim, x.ndim), keepdims=keepdim)))
        return _make(out.astype(np.uint8) if x.dtype == np.uint8 else out)
    return _numpy_names(fn)


all = _logical_reduction(np.all)  # noqa: A001
any = _logical_reduction(np.any)  # noqa: A001
all.__doc__ = "Whether every element is non-zero (over ``dim``); bool (uint8 stays uint8)."
any.__doc__ = "Whether some element is non-zero (over ``dim``); bool (uint8 stays uint8)."


@_numpy_names
def count_nonzero(input, dim=None):
    """Number of non-zero elements (int64), over all dims or ``dim`` (int or tuple)."""
    x = input._data
    return _make(np.asarray(np.count_nonzero(x, axis=reduce_dims(dim, x.ndim)), np.int64))


register_methods(Tensor, {
    "sum": sum, "mean": mean, "prod": prod, "max": max, "min": min, "amax": amax, "amin": amin,
    "argmax": argmax, "argmin": argmin, "var": var, "std": std, "logsumexp": logsumexp,
    "norm": norm, "cumsum": cumsum, "cumprod": cumprod, "all": all, "any": any,
    "count_nonzero": count_nonzero,
})
