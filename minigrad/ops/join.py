"""Joining and splitting: cat, stack, hstack, vstack, split, chunk, unbind.

cat/stack copy their inputs into a new tensor (dtypes promote); their backward hands each input
its slice of the gradient. split/chunk/unbind return *views* of the input, one per piece; they
are multi-output nodes, and their backward rebuilds the full gradient from the pieces' gradients
(zeros for pieces that received none).
"""
import itertools
import operator

import numpy as np

from .. import _buffers
from .._args import check_int
from .._dtype import promote_values
from .._layout import row_major
from .._tensor import Tensor, wrap_dim
from ..autograd import formulas
from ..autograd.function import Function
from ..autograd.views import mark_multi_output
from ._util import register_methods
from .shape import _as_view, reshape, unsqueeze

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "split", "chunk",
           "unbind"]


# ---- cat / stack -------------------------------------------------------------------------------
def _tensor_list(tensors, fname):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return list(tensors)


def _result_dtype(arrays):
    dt = arrays[0].dtype
    return dt if all(a.dtype == dt for a in arrays) else promote_values(*arrays)


class CatBackward0(Function):
    """out = inputs joined along dim        grad_input_i = its slice of grad along dim"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.sizes = [None if _skipped(x) else x.shape[dim] for x in xs]
        kept = [x for x in xs if not _skipped(x)] or [xs[0]]
        shape = list(kept[0].shape)
        shape[dim] = sum(x.shape[dim] for x in kept)
        # torch's cat is row-major whatever its inputs' layout: a row-major (kept) array
        return np.concatenate(kept, axis=dim,
                              out=_buffers.empty(shape, _result_dtype(xs)))

    @staticmethod
    def backward(ctx, grad):
        grads, start = [None], 0
        for n in ctx.sizes:
            if n is None:
                grads.append(formulas.zeros((0,), grad))
                continue
            grads.append(formulas.slice_dim(grad, ctx.dim, start, start + n))
            start += n
        return tuple(grads)


def _skipped(x):
    """torch's legacy rule: a 1-D empty tensor is left out of cat."""
    return x.ndim == 1 and x.shape[0] == 0


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    kept = [(i, t._data.shape) for i, t in enumerate(tensors) if not _skipped(t._data)]
    ref = kept[0][1] if kept else (0,)
    d = wrap_dim(dim, len(ref))
    for i, shape in kept[1:]:
        if len(shape) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} "
                               f"and {len(shape)}")
        for j, (a, b) in enumerate(zip(ref, shape)):
            if j != d and a != b:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {a} but "
                    f"got size {b} for tensor number {i} in the list.")
    return CatBackward0.apply(d, *tensors)


concat = cat


def concatenate(tensors, axis=0, out=None):
    return cat(tensors, axis)


class StackBackward0(Function):
    """out = inputs stacked along a new dim        grad_input_i = grad.select(dim, i)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return row_major(np.stack(xs, axis=dim, dtype=_result_dtype(xs)))

    @staticmethod
    def backward(ctx, grad):
        n = grad.shape[ctx.dim]
        return (None,) + tuple(formulas.select(grad, ctx.dim, i) for i in range(n))


def stack(tensors, dim=0, *, out=None):
    """Join equally shaped tensors along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._data.shape
    d = wrap_dim(dim, len(ref) + 1)
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} "
                               f"at entry 0 and {list(t._data.shape)} at entry {i}")
    return StackBackward0.apply(d, *tensors)


def hstack(tensors):
    """cat along dim 1 (dim 0 for 1-D tensors); 0-D tensors count as 1-D."""
    tensors = [t if t._data.ndim else reshape(t, (1,)) for t in _tensor_list(tensors, "hstack")]
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    """cat along dim 0 of the tensors made at least 2-D (a 1-D (n,) becomes (1, n))."""
    return cat([_atleast_2d(t) for t in _tensor_list(tensors, "vstack")], 0)


def _atleast_2d(t):
    nd = t._data.ndim
    return reshape(t, (1, 1)) if nd == 0 else unsqueeze(t, 0) if nd == 1 else t


# ---- split / chunk / unbind: several views of one input ---------------------------------------
class _MultiView(Function):
    """Base of the ops returning one view per piece along ``dim``.

    ``forward`` returns the pieces; the number of outputs is set per call, and every output is
    differentiable. ``backward`` gets one gradient per piece (None where nothing flowed) and
    joins them back, with zeros for the missing ones.
    """

    numpy_backward = True
    n_outputs = -1   # set per node in forward

    @classmethod
    def differentiable_outputs(cls):
        return itertools.repeat(True)

    @staticmethod
    def _pieces(ctx, x, keys):
        ctx.n_outputs = len(keys)
        ctx.shapes = []
        ctx.dtype = x.dtype
        outs = tuple(x[k] for k in keys)
        ctx.shapes = [o.shape for o in outs]
        return outs

    @staticmethod
    def _filled(ctx, grads):
        return [g if g is not None else formulas.constant(np.zeros(s, ctx.dtype))
                for g, s in zip(grads, ctx.shapes)]


class SplitWithSizesBackward0(_MultiView):
    """outs = x split along dim into pieces of the given sizes    grad_x = cat(grads, dim)"""

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        bounds = list(itertools.accumulate(sizes, initial=0))
        keys = [(slice(None),) * dim + (slice(a, b), Ellipsis)
                for a, b in zip(bounds[:-1], bounds[1:])]
        return _MultiView._pieces(ctx, x, keys)

    @staticmethod
    def backward(ctx, *grads):
        return formulas.call(CatBackward0, ctx.dim, *_MultiView._filled(ctx, grads)), None, None


class SplitBackward0(SplitWithSizesBackward0):
    """outs = x split along dim into pieces of split_size (last may be smaller)
    grad_x = cat(grads, dim)"""


class UnbindBackward0(_MultiView):
    """outs = x[i] along dim, for every i        grad_x = stack(grads, dim)"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        keys = [(slice(None),) * dim + (i, Ellipsis) for i in range(x.shape[dim])]
        return _MultiView._pieces(ctx, x, keys)

    @staticmethod
    def backward(ctx, *grads):
        return formulas.call(StackBackward0, ctx.dim, *_MultiView._filled(ctx, grads)), None


def _as_views(outs, x, rebuild):
    """Record each piece as a view of x (rebuild(b) gives all pieces of b)."""
    for i, o in enumerate(outs):
        _as_view(o, x, lambda b, i=i: rebuild(b)[i])
        mark_multi_output(o, None)
    return outs


def unbind(input, dim=0):
    """The slices along dim, without that dim: a tuple of views."""
    d = wrap_dim(dim, input._data.ndim)
    return _as_views(UnbindBackward0.apply(input, d), input, lambda b: unbind(b, d))


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along dim (the last may be smaller), or of the listed sizes."""
    dim = check_int("split", dim, "dim")
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, tensor._data.ndim)
    size = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = tuple(operator.index(s) for s in split_size_or_sections)
        if any(s < 0 for s in sizes):
            raise RuntimeError("split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={list(sizes)}")
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                f"size at dimension {d}), but got split_sizes={list(sizes)}")
        cls = SplitWithSizesBackward0
    else:
        n = operator.index(split_size_or_sections)
        if n < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={n}")
        if n == 0 and size != 0:
            raise RuntimeError("split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}")
        sizes = _even_sizes(size, n)
        cls = SplitBackward0
    return _as_views(cls.apply(tensor, sizes, d), tensor,
                     lambda b: split(b, split_size_or_sections, d))


def _even_sizes(size, n):
    """Pieces of n along a dim of ``size`` (one empty piece when size is 0)."""
    if size == 0:
        return (0,)
    return tuple(min(n, size - start) for start in range(0, size, n))


def chunk(input, chunks, dim=0):
    """At most ``chunks`` pieces of equal size ceil(size / chunks) along dim."""
    dim = check_int("chunk", dim, "dim")
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if size == 0:
        sizes = (0,) * chunks
        return _as_views(SplitWithSizesBackward0.apply(input, sizes, d), input,
                         lambda b: chunk(b, chunks, d))
    return split(input, -(-size // chunks), d)


def _split_method(self, split_size, dim=0):
    return split(self, split_size, dim)


register_methods(Tensor, {"split": _split_method, "chunk": chunk, "unbind": unbind})
