"""Writing one tensor's elements into another: ``index_copy`` (whole slices at an index along
a dim) and ``masked_scatter`` (consecutive elements of a source where a mask is True).

Both are nodes of their own, as in torch, with the in-place forms ``index_copy_`` and
``masked_scatter_``. Each backward splits the gradient: the written places go to the source,
the rest to the input.
"""
import numpy as np

from .._dtype import from_numpy_dtype
from .._tensor import wrap_dim
from ..autograd import formulas
from ..autograd.function import Function
from .gather import IndexFillBackward0, IndexSelectBackward0
from .indexing import IndexPutBackward0, MaskedFillBackward0, MaskedSelectBackward0, _dim_key
from .registry import arr, case, cases, mask, register

__all__ = ["index_copy", "masked_scatter"]


def _name(a):
    return from_numpy_dtype(a.dtype).short_name


# ---- index_copy -------------------------------------------------------------------------------
class IndexCopyBackward0(Function):
    """out = x with its slices ``index`` along dim replaced by source's
    grad_x = grad with those slices zeroed        grad_source = grad.index_select(dim, index)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim, index, source):
        ctx.dim, ctx.index, ctx.source_shape = dim, index, source.shape
        out = x.copy()
        if x.ndim == 0:
            out[...] = source
        else:
            out[_dim_key(dim, index)] = source.reshape(
                tuple(len(index) if d == dim else s for d, s in enumerate(x.shape)))
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = formulas.call(IndexFillBackward0, grad, ctx.dim, ctx.index, 0)
        gs = None
        if ctx.needs_input_grad[3]:
            gs = formulas.reshape(formulas.call(IndexSelectBackward0, grad, ctx.dim, ctx.index),
                                  ctx.source_shape)
        return gx, None, None, gs


def _check_index_copy(x, dim, idx, source):
    if idx.dtype != np.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got "
                           f"{_name(idx)}")
    if idx.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx.ndim})")
    if x.dtype != source.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {_name(x)} and (source) {_name(source)}")
    if (x.ndim or source.ndim) and x.ndim != source.ndim:
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({source.ndim}), "
                         f"destination dimensionality ({x.ndim})")
    count = source.shape[dim] if source.ndim else 1
    if idx.size != count:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({count})")
    for d in range(x.ndim):
        if d != dim and x.shape[d] != source.shape[d]:
            at = d if d < dim else d - 1       # the dim of the slice (dim left out)
            raise RuntimeError(
                f"index_copy_(): Source/destination tensor must have same slice shapes. "
                f"Destination slice shape: {x.shape[d]} at dimension {at} and source slice "
                f"shape: {source.shape[d]} at dimension {at}.")
    size = x.shape[dim] if x.ndim else 1
    bad = (idx < 0) | (idx >= size)
    if bad.any():
        raise IndexError(f"index_copy_(): index {idx.reshape(-1)[bad.reshape(-1).argmax()]} is "
                         f"out of bounds for dimension {dim} with size {size}")


@register(nodes=("IndexCopyBackward0",), args=("input", "dim", "index", "source"),
          forms=("function", "method", "inplace"), family="indexing",
          sample=cases(case(arr(3, 4), 0, np.array([2, 0]), arr(2, 4)),
                       case(arr(3, 4), 1, np.array([3, 1, 0]), arr(3, 3)),
                       case(arr(2, 3, 2), -1, np.array(1), arr(2, 3, 1))))
def index_copy(input, dim, index, source):
    """``input`` with the slices at ``index`` along ``dim`` replaced by ``source``'s slices, in
    order (a repeated index keeps the last)."""
    x, idx, src = input._data, index._data, source._data
    dim = wrap_dim(dim, max(x.ndim, 1))
    _check_index_copy(x, dim, idx, src)
    return IndexCopyBackward0.apply(input, dim, idx.reshape(-1), source)


# ---- masked_scatter -----------------------------------------------------------------------
class MaskedScatterBackward0(Function):
    """out = x with the places where mask is True filled, in order, with source's first elements
    grad_x = grad.masked_fill(mask, 0)
    grad_source = grad[mask], then zeros, in source's shape"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, mask, source):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        mask = np.broadcast_to(mask, shape)
        count = int(mask.sum())
        if count > source.size:
            raise RuntimeError("Number of elements of source < number of ones in mask")
        ctx.mask, ctx.count, ctx.source_shape = mask, count, source.shape
        out = np.array(np.broadcast_to(x, shape))
        out[mask] = source.reshape(-1)[:count]
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = formulas.call(MaskedFillBackward0, grad, ctx.mask, 0)
        gs = None
        if ctx.needs_input_grad[2]:
            picked = formulas.call(MaskedSelectBackward0, grad, ctx.mask)
            size = int(np.prod(ctx.source_shape))
            flat = formulas.zeros((size,), grad)
            placed = formulas.call(IndexPutBackward0, flat, (np.arange(ctx.count),), picked,
                                   False)
            gs = formulas.reshape(placed, ctx.source_shape)
        return gx, None, gs


@register(nodes=("MaskedScatterBackward0",), args=("input", "mask", "source"),
          forms=("function", "method", "inplace"), family="indexing",
          sample=cases(case(arr(3, 4), mask(3, 4), arr(12)), case(arr(2, 3), mask(3), arr(3, 3)),
                       case(arr(2, 3), mask(2, 3), arr(7))))
def masked_scatter(input, mask, source):
    """``input`` where ``mask`` is False; where it is True, ``source``'s elements in order (the
    mask broadcasts; the source needs at least as many elements as the mask has Trues)."""
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {_name(m)}")
    if input._data.dtype != source._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{_name(input._data)} and {_name(source._data)}")
    return MaskedScatterBackward0.apply(input, m, source)
