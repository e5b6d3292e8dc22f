"""Building new tensors out of the pieces of others: ``block_diag``, ``cartesian_prod``,
``combinations``, ``vander``, ``take_along_dim``, and the index helpers ``unravel_index``,
``tril_indices`` and ``triu_indices``.

``block_diag`` is one node (``BlockDiagBackward0``: each input's gradient is its block of the
output's). The others are compositions whose graphs read like torch's: ``cartesian_prod`` is
``meshgrid`` + ``stack`` of the flattened grids, ``combinations`` a ``masked_select`` of each
grid, ``vander`` a ``cumprod`` written into a slice of ones (then flipped), ``take_along_dim``
a ``gather`` on the inputs expanded to a common shape.
"""
import operator

import numpy as np

from .. import _dtype
from .._dtype import from_numpy_dtype, promote_values
from .._tensor import Tensor, _make, wrap_dim
from ..autograd import formulas
from ..autograd.function import Function
from .gather import gather
from .indexing import masked_select
from .join import _tensor_list, stack
from .pointwise_more import _common_shape
from .rearrange import meshgrid
from .registry import arr, case, cases, idx, register
from .cumulative import cumprod
from .shape import flip, reshape

__all__ = ["block_diag", "cartesian_prod", "combinations", "vander", "take_along_dim",
           "unravel_index", "tril_indices", "triu_indices"]


# ---- block_diag --------------------------------------------------------------------------
def _as_matrix_shape(shape):
    return (1, 1) if len(shape) == 0 else (1, shape[0]) if len(shape) == 1 else shape


class BlockDiagBackward0(Function):
    """out = the inputs (0-d and 1-d ones as one row) placed corner to corner on the diagonal
    of a zero matrix        grad_input_i = its block of grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, *xs):
        dt = promote_values(*xs) if xs else _dtype.get_default_dtype().np
        blocks = [_as_matrix_shape(x.shape) for x in xs]
        ctx.shapes, ctx.blocks = [x.shape for x in xs], blocks
        out = np.zeros((sum(r for r, _ in blocks) if xs else 1, sum(c for _, c in blocks)), dt)
        row = col = 0
        for x, (r, c) in zip(xs, blocks):
            out[row:row + r, col:col + c] = x.reshape(r, c)
            row, col = row + r, col + c
        return out

    @staticmethod
    def backward(ctx, grad):
        grads, row, col = [], 0, 0
        for shape, (r, c) in zip(ctx.shapes, ctx.blocks):
            block = formulas.slice_dim(formulas.slice_dim(grad, 0, row, row + r), 1, col, col + c)
            grads.append(formulas.reshape(block, shape))
            row, col = row + r, col + c
        return tuple(grads)


@register(nodes=("BlockDiagBackward0",), forms=("function",), args=("tensors",),
          family="shape",
          sample=cases(case(arr(2, 2), arr(3)), case(arr(), arr(2, 3), arr(1, 2)),
                       case(arr(2, 3))))
def block_diag(*tensors):
    """A block diagonal matrix of the tensors (each at most 2-D; dtypes promote)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t._data.ndim} dimensions")
    return BlockDiagBackward0.apply(*tensors)


# ---- cartesian_prod / combinations ----------------------------------------------------------
def _vectors(tensors):
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")


@register(nodes=("StackBackward0",), forms=("function",), args=("tensors",), family="shape",
          sample=cases(case(arr(3), arr(2)), case(arr(2), arr(1), arr(3)), case(arr(4))))
def cartesian_prod(*tensors):
    """Every tuple taking one element from each 1-D tensor, in row-major order: an
    ``(n1 * n2 * ..., k)`` tensor (one input: the input itself)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    tensors = _tensor_list(list(tensors), "cartesian_prod")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    _vectors(tensors)
    if len(tensors) == 1:
        return tensors[0]
    if len({t._data.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.flatten() for g in grids], 1)


@register(nodes=("StackBackward0",), args=("input", "r", "with_replacement"),
          forms=("function",), family="shape",
          sample=cases(case(arr(4)), case(arr(4), 3), case(arr(3), with_replacement=True),
                       case(arr(3), 1), case(arr(2), 3)))
def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of a 1-D tensor's elements (as ``itertools.combinations``,
    or ``combinations_with_replacement``): an ``(count, r)`` tensor."""
    _vectors([input])
    r = operator.index(r)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _make(np.empty((0,), input._data.dtype))
    n = input._data.shape[0]
    positions = np.meshgrid(*[np.arange(n)] * r, indexing="ij")
    keep = np.ones((n,) * r, bool)
    for a, b in zip(positions[:-1], positions[1:]):
        keep &= (a <= b) if with_replacement else (a < b)
    mask = _make(keep)
    grids = meshgrid(*[input] * r, indexing="ij")
    return stack([masked_select(g, mask) for g in grids], 1)


# ---- vander -----------------------------------------------------------------------------------
@register(nodes=("FlipBackward0", "CopySlices"), args=("x", "N", "increasing"),
          forms=("function",), family="shape", differentiable=False,
          notes="backward through it raises, in torch too: the second copy_ overwrites the "
                "slice cumprod saved",
          sample=cases(case(arr(4)), case(arr(3), 5), case(arr(4), increasing=True),
                       case(arr(3), 2, True)))
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix: column j holds ``x ** (N - 1 - j)`` (``x ** j`` if increasing);
    integer and bool inputs give int64. Built as torch builds it (x copied into a slice of
    ones, then that slice's cumprod copied over it), so its graph is torch's, and so is its
    backward's error: cumprod's saved input has been overwritten."""
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else operator.index(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dt = _dtype._promote_np(x._data.dtype, np.dtype(np.int64))    # torch's promotion
    result = _make(np.empty((x._data.shape[0], n), dt))
    result.fill_(1)         # (a write, as in torch: the version counts agree)
    if n > 1:
        powers = result[:, 1:]
        powers.copy_(x.unsqueeze(1))
        powers.copy_(cumprod(powers, 1))
    return result if increasing else flip(result, (1,))


# ---- take_along_dim -----------------------------------------------------------------------------
@register(nodes=("GatherBackward0",), args=("input", "indices", "dim"), family="indexing",
          sample=cases(case(arr(3, 4), idx(4, 3, 2), 1), case(arr(3, 4), idx(12, 5)),
                       case(arr(3, 4), idx(3, 1, 4), 0), case(arr(2, 1, 3), idx(3, 1, 4, 2), -1)))
def take_along_dim(input, indices, dim=None):
    """The elements of ``input`` at ``indices`` along ``dim``, the two broadcast against each
    other in the other dims (no dim: of the flattened input). Along a dim, indices count
    modulo its size, as torch's do."""
    a = indices._data
    if a.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{from_numpy_dtype(a.dtype).short_name}")
    if dim is None:
        size = input._data.size
        flat = a.reshape(-1)
        bad = (flat < 0) | (flat >= size)
        if bad.any():
            raise RuntimeError(f"index {flat[bad.argmax()]} is out of bounds for dimension 0 "
                               f"with size {size}")
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    nd = input._data.ndim
    if nd != a.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {nd} dimensions for input, and "
                           f"{a.ndim} dimensions for indices")
    d = wrap_dim(dim, nd)
    size = input._data.shape[d]
    shape = list(input._data.shape)
    shape[d] = a.shape[d]
    index_shape = _broadcast(shape, a.shape)
    shape = list(a.shape)
    shape[d] = size
    input_shape = _broadcast(shape, input._data.shape)
    wrapped = np.broadcast_to(a % size if size else a, index_shape)
    return gather(input.expand(input_shape), d, _make(np.ascontiguousarray(wrapped)))


def _broadcast(a, b):
    return _common_shape(np.empty(a, bool), np.empty(b, bool))


# ---- index helpers --------------------------------------------------------------------------
@register(forms=("function",), args=("indices", "shape"), differentiable=False,
          family="indexing",
          sample=cases(case(idx(12, 5), (3, 4)), case(idx(30, 2, 2), (2, 3, 5)),
                       case(idx(7, 3), 7)))
def unravel_index(indices, shape):
    """The coordinates of flat ``indices`` in an array of ``shape``: one int64 tensor per dim
    (indices count modulo the size, negative ones from the end)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index(): argument 'indices' must be Tensor, not "
                        f"{type(indices).__name__}")
    if indices._data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(operator.index(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    flat = indices._data.astype(np.int64)
    coords, stride = [], 1
    for size in reversed(shape):
        coords.append(_make(np.asarray((flat // stride) % size if size else flat * 0)))
        stride *= size
    return tuple(reversed(coords))


def _triangle_indices(fname, keep, row, col, offset, dtype):
    dtype = _dtype.int64 if dtype is None else dtype
    if dtype.np.kind not in "iu":
        raise NotImplementedError(f'"{fname}" not implemented for \'{dtype.short_name}\'')
    for name, n in (("row", row), ("col", col)):
        if n < 0:
            raise RuntimeError(f"{name} must be non-negative, got{n}")
    rows, cols = np.nonzero(keep(np.ones((row, col), bool), offset))
    return _make(np.stack([rows, cols]).astype(dtype.np))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, col) coordinates of a row x col matrix's lower triangle (below diagonal
    ``offset``), row by row: a ``(2, count)`` tensor."""
    return _triangle_indices("tril_indices", np.tril, row, col, offset, dtype)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, col) coordinates of a row x col matrix's upper triangle (above diagonal
    ``offset``), row by row: a ``(2, count)`` tensor."""
    return _triangle_indices("triu_indices", np.triu, row, col, offset, dtype)
