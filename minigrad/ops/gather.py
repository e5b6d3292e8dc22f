"""Picking by an index tensor: index_select / index_add / index_fill (whole slices along a dim,
by a 1-D index) and gather / scatter / scatter_add (one element per index entry).

Each backward is the op's mirror image: what gather reads, its backward scatters back (adding,
so repeated indices accumulate), and the other way round.
"""
import numpy as np

from .._tensor import Tensor, wrap_dim
from ..autograd import formulas
from ..autograd.function import Function
from ._util import inplace_variant, register_methods
from .indexing import SliceBackwardBackward0, _dim_key

__all__ = ["index_select", "gather", "scatter", "scatter_add", "index_add", "index_fill"]


# ---- index_select / index_add / index_fill: whole slices picked by a 1-D index ---------------
def _index_vector(index, fname, dtypes="int32 or int64"):
    """A 1-D int64 array from an index tensor (0-d counts as one index)."""
    a = index._data
    if a.ndim > 1:
        raise IndexError(f"{fname}(): Index is supposed to be a vector")
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"{fname}(): Expected dtype {dtypes} for index")
    return a.reshape(-1).astype(np.int64, copy=False)


def _check_bounds(idx, size, dim, error=RuntimeError):
    bad = (idx < -size) | (idx >= size)
    if bad.any():
        raise error(f"index {idx[bad.argmax()]} is out of bounds for dimension {dim} with "
                    f"size {size}")


class IndexSelectBackward0(Function):
    """out = x with slices ``index`` taken along dim
    grad_x = zeros(x.shape).index_add(dim, index, grad)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        return np.take(x, index, axis=dim) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad):
        zeros = formulas.zeros(ctx.shape, grad)
        return formulas.call(IndexAddBackward0, zeros, ctx.dim, ctx.index, grad, 1), None, None


def index_select(input, dim, index):
    d = wrap_dim(dim, input._data.ndim)
    idx = _index_vector(index, "index_select")
    size = input._data.shape[d] if input._data.ndim else 1
    if ((idx < 0) | (idx >= size)).any():
        raise IndexError("index out of range in self")
    return IndexSelectBackward0.apply(input, d, idx)


class IndexAddBackward0(Function):
    """out = x with alpha * source added at slices ``index`` along dim
    grad_x = grad        grad_source = alpha * grad.index_select(dim, index)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim, index, source, alpha):
        ctx.dim, ctx.index, ctx.alpha = dim, index, alpha
        formulas.on_tensors_if_mixed(ctx, x.dtype, alpha)
        out = x.copy()
        np.add.at(out, _dim_key(dim, index)[:-1], source * alpha if alpha != 1 else source)
        return out

    @staticmethod
    def backward(ctx, grad):
        gs = None
        if ctx.needs_input_grad[3]:
            gs = formulas.call(IndexSelectBackward0, grad, ctx.dim, ctx.index)
            gs = gs if ctx.alpha == 1 else gs * ctx.alpha
        return grad, None, None, gs, None


def index_add(input, dim, index, source, *, alpha=1):
    d = wrap_dim(dim, input._data.ndim)
    idx = _index_vector(index, "index_add_")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype.short_name}) and source "
                           f"({source.dtype.short_name}) must have the same scalar type")
    n = source._data.shape[d] if source._data.ndim else 1
    if len(idx) != n:
        raise RuntimeError(f"index_add_(): Number of indices ({len(idx)}) should be equal to "
                           f"source.size(dim): ({n}), for dim: {d}")
    _check_bounds(idx, input._data.shape[d], d)
    return IndexAddBackward0.apply(input, d, idx, source, alpha)


class IndexFillBackward0(Function):
    """out = x with slices ``index`` along dim set to value    grad_x = grad with those zeroed"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim, index, value):
        ctx.dim, ctx.index = dim, index
        out = x.copy()
        out[_dim_key(dim, index)] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(IndexFillBackward0, grad, ctx.dim, ctx.index, 0), None, None, None


def index_fill(input, dim, index, value):
    d = wrap_dim(dim, input._data.ndim)
    idx = _index_vector(index, "index_fill_")
    _check_bounds(idx, input._data.shape[d], d)
    return IndexFillBackward0.apply(input, d, idx, value)


# ---- gather / scatter: one element per index entry ----------------------------------------------
def _along(index, dim):
    """The NumPy key addressing x[..., index[i, j, ...], ...] (index along dim, i, j elsewhere)."""
    grids = np.ogrid[tuple(slice(n) for n in index.shape)]
    return tuple(index if d == dim else g for d, g in enumerate(grids))


def _check_along(fname, input, dim, index, src=None):
    """torch's checks for gather/scatter: same ndim, index no larger, indices in range."""
    shape, ishape = input._data.shape, index._data.shape
    if index._data.dtype.kind not in "iu":
        raise RuntimeError(f"{fname}(): Expected dtype int32/int64 for index" if
                           fname == "gather" else f"{fname}(): Expected dtype int64 for index")
    if len(ishape) != len(shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d, (n, m) in enumerate(zip(ishape, shape)):
        too_big = d != dim and n > m
        if src is not None and (too_big or n > src._data.shape[d]):
            raise RuntimeError(
                f"Expected index {list(ishape)} to be no larger than self {list(shape)} apart "
                f"from dimension {dim} and to be no larger size than src "
                f"{list(src._data.shape)}")
        if src is None and too_big:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(ishape)} to be no "
                f"larger than self {list(shape)} apart from dimension {dim}")
    idx = index._data.astype(np.int64, copy=False)
    _check_bounds(idx.reshape(-1), shape[dim], dim)
    return idx


def _src_part(src, shape):
    """The leading ``shape`` block of src (scatter uses only as many elements as index has)."""
    return src[tuple(slice(n) for n in shape)]


class GatherBackward0(Function):
    """out[i][j] = x[index[i][j]][j] (dim 0)        grad_x = zeros.scatter_add(dim, index, grad)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        return x[_along(index, dim)]

    @staticmethod
    def backward(ctx, grad):
        zeros = formulas.zeros(ctx.shape, grad)
        return formulas.call(ScatterAddBackward0, zeros, ctx.dim, ctx.index, grad), None, None


def gather(input, dim, index, *, sparse_grad=False):
    d = wrap_dim(dim, input._data.ndim)
    return GatherBackward0.apply(input, d, _check_along("gather", input, d, index))


def _gather_into(grad, dim, index, src_shape):
    """grad.gather(dim, index), zero-padded to src's shape when src is larger than index."""
    g = formulas.call(GatherBackward0, grad, dim, index)
    if tuple(g.shape) != tuple(src_shape):
        g = formulas.call(SliceBackwardBackward0, g, src_shape,
                          tuple(slice(n) for n in index.shape))
    return g


class ScatterBackward0(Function):
    """out = x with out[index[i][j]][j] = src[i][j] (dim 0)
    grad_x = grad.scatter(dim, index, 0)        grad_src = grad.gather(dim, index)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim, index, src):
        is_tensor = isinstance(src, np.ndarray)
        ctx.dim, ctx.index = dim, index
        ctx.src_shape = src.shape if is_tensor else None
        out = x.copy()
        out[_along(index, dim)] = _src_part(src, index.shape) if is_tensor else src
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = formulas.call(ScatterBackward1, grad, ctx.dim, ctx.index, 0)
        gs = None
        if ctx.needs_input_grad[3]:
            gs = _gather_into(grad, ctx.dim, ctx.index, ctx.src_shape)
        return gx, None, None, gs


class ScatterBackward1(ScatterBackward0):
    """out = x with out[index[i][j]][j] = value (dim 0)      grad_x = grad.scatter(dim, index, 0)"""


class ScatterAddBackward0(Function):
    """out = x with src[i][j] added at out[index[i][j]][j] (dim 0)
    grad_x = grad        grad_src = grad.gather(dim, index)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        out = x.copy()
        np.add.at(out, _along(index, dim), _src_part(src, index.shape))
        return out

    @staticmethod
    def backward(ctx, grad):
        gs = None
        if ctx.needs_input_grad[3]:
            gs = _gather_into(grad, ctx.dim, ctx.index, ctx.src_shape)
        return grad, None, None, gs


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    d = wrap_dim(dim, input._data.ndim)
    if src is None:
        src = value
    if reduce is not None:
        from .scatter_reduce import scatter_with_reduce
        return scatter_with_reduce(input, d, index, src, reduce)
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        return ScatterBackward0.apply(input, d, _check_along("scatter", input, d, index, src), src)
    return ScatterBackward1.apply(input, d, _check_along("scatter", input, d, index), src)


def scatter_add(input, dim, index, src):
    if not isinstance(src, Tensor):
        raise TypeError("scatter_add(): argument 'src' (position 3) must be Tensor, not "
                        f"{type(src).__name__}")
    d = wrap_dim(dim, input._data.ndim)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    idx = _check_along("scatter", input, d, index, src)
    return ScatterAddBackward0.apply(input, d, idx, src)


_OPS = {"index_select": index_select, "index_add": index_add, "index_fill": index_fill,
        "gather": gather, "scatter": scatter, "scatter_add": scatter_add}
register_methods(Tensor, _OPS)
register_methods(Tensor, {name + "_": inplace_variant(fn) for name, fn in _OPS.items()
                          if name != "gather"})
