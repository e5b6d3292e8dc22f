"""Reductions: sum, mean, ... over all dims or over ``dim`` (int or tuple), with ``keepdim``.

Forward reduces the ndarray with NumPy; backward brings the gradient back to the input's shape
(``_unreduce``: re-insert the reduced dims, then expand) and applies the op's local derivative.
Class names are torch's grad_fn names: the ``...Backward0`` / ``...Backward1`` split follows
torch's overloads (``x.sum()`` is SumBackward0, ``x.sum(dim)`` is SumBackward1).
"""
import numpy as np

from .._dtype import from_numpy_dtype
from .._tensor import Tensor, wrap_dim
from ..autograd.function import Function
from ._util import register_methods
from .elementwise import broadcast_to

__all__ = ["sum", "mean"]

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
    return broadcast_to(grad, shape)


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
    acc = np.float32 if out_dtype == np.float16 else out_dtype
    return np.sum(x, axis=dims, keepdims=keepdim, dtype=acc).astype(out_dtype, copy=False)


class SumBackward0(Function):
    """out = x.sum()                  grad_x = grad.expand(x.shape)"""

    @staticmethod
    def forward(ctx, x, dtype=None):
        ctx.shape = x.shape
        return _np_sum(x, None, False, _sum_dtype(x, dtype))

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad, ctx.shape), None


class SumBackward1(Function):
    """out = x.sum(dim, keepdim)      grad_x = grad (unsqueezed at dim).expand(x.shape)"""

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

    @staticmethod
    def forward(ctx, x, dtype=None):
        ctx.shape, ctx.n = x.shape, x.size
        return _np_mean(x, None, False, _mean_dtype(x, dtype))

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad, ctx.shape) / ctx.n, None


class MeanBackward1(Function):
    """out = x.mean(dim, keepdim)     grad_x = grad (unsqueezed at dim).expand(x.shape) / N"""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.n = _reduce_numel(x.shape, dims)
        return _np_mean(x, dims, keepdim, _mean_dtype(x, dtype))

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(grad, ctx.dims, ctx.keepdim, ctx.shape) / ctx.n, None, None, None


def sum(input, dim=_ALL, keepdim=False, *, dtype=None):
    """Sum of all elements, or over ``dim`` (int or tuple). Integers and bools sum to int64."""
    if dim is _ALL:
        return SumBackward0.apply(input, dtype)
    return SumBackward1.apply(input, reduce_dims(dim, input.ndim), keepdim, dtype)


def mean(input, dim=_ALL, keepdim=False, *, dtype=None):
    """Mean of all elements, or over ``dim``. Needs a floating dtype (or ``dtype=``)."""
    if dim is _ALL:
        return MeanBackward0.apply(input, dtype)
    return MeanBackward1.apply(input, reduce_dims(dim, input.ndim), keepdim, dtype)


register_methods(Tensor, {"sum": sum, "mean": mean})
