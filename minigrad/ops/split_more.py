"""Splitting and stacking besides split/chunk/cat/stack: ``tensor_split``, ``hsplit``,
``vsplit``, ``dsplit``, ``column_stack``, ``row_stack``, ``dstack``, ``atleast_1d/2d/3d`` and
``broadcast_tensors``.

All are compositions of existing views and joins, as in torch, so their graphs read like
torch's: each ``tensor_split`` piece is a slice (``SliceBackward0``), the stacks are one ``cat``
(``CatBackward0``) of inputs first reshaped (``ViewBackward0``) or unsqueezed
(``UnsqueezeBackward0``), ``broadcast_tensors`` expands (``ExpandBackward0``) the inputs whose
shape is not already the common one and returns the others themselves.
"""
import operator

import numpy as np

from .._dtype import from_numpy_dtype
from .._tensor import Tensor, wrap_dim
from .join import _tensor_list, cat, vstack
from .pointwise_more import _common_shape
from .registry import arr, case, cases, declare, register
from .shape import narrow, reshape, unsqueeze

__all__ = ["tensor_split", "hsplit", "vsplit", "dsplit", "column_stack", "row_stack", "dstack",
           "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_tensors"]


# ---- tensor_split and the h/v/d splits -----------------------------------------------------
def _split_points(fname, spec):
    """A tensor_split argument as ("sections", n) or ("indices", [i, ...])."""
    if isinstance(spec, Tensor):
        a = spec._data
        if a.dtype != np.int64:
            raise RuntimeError(f"{fname} expected tensor_indices_or_sections to have dtype of "
                               f"long, but got {from_numpy_dtype(a.dtype).short_name}")
        if a.ndim > 1:
            raise RuntimeError(f"{fname} expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {a.ndim} dims")
        return ("sections", int(a)) if a.ndim == 0 else ("indices", [int(i) for i in a])
    if isinstance(spec, (list, tuple)):
        return "indices", [operator.index(i) for i in spec]
    return "sections", operator.index(spec)


def _pieces(input, kind, value, dim):
    size = input._data.shape[dim]
    if kind == "sections":
        if value <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {value}")
        small, extra = divmod(size, value)
        lengths = [small + 1] * extra + [small] * (value - extra)
        starts = np.cumsum([0] + lengths[:-1])
        return tuple(narrow(input, dim, int(s), n) for s, n in zip(starts, lengths))
    bounds = [0] + [i + size if i < 0 else i for i in value] + [size]
    bounds = [min(max(b, 0), size) for b in bounds]
    return tuple(narrow(input, dim, start, max(stop - start, 0))
                 for start, stop in zip(bounds[:-1], bounds[1:]))


@register(nodes=("SliceBackward0",), args=("input", "indices_or_sections", "dim"),
          family="shape",
          sample=cases(case(arr(3, 4), 3, 1), case(arr(5), [1, 3]), case(arr(2, 5), (1, -1), 1),
                       case(arr(4, 2), 3), case(arr(3, 4), [1, 5, 2], -1)))
def tensor_split(input, indices_or_sections=None, dim=0, **named):
    """Split into ``n`` nearly equal pieces (the first ``size % n`` one longer) or at the given
    indices along ``dim``; each piece a view. torch's keyword names for the split are taken too:
    ``sections=``, ``indices=``, ``tensor_indices_or_sections=``."""
    for key in named:
        if key not in ("sections", "indices", "tensor_indices_or_sections"):
            raise TypeError(f"tensor_split() got an unexpected keyword argument '{key}'")
    spec = next((s for s in (indices_or_sections, *named.values()) if s is not None), None)
    if input._data.ndim == 0:
        raise RuntimeError(f"tensor_split expected at least a 1-dimensional tensor, but got a "
                           f"tensor with {input._data.ndim} dims")
    dim = wrap_dim(dim, input._data.ndim)
    kind, value = _split_points("tensor_split", spec)
    return _pieces(input, kind, value, dim)


def _directional_split(fname, dim, min_dims, input, indices_or_sections):
    nd = input._data.ndim
    if nd < min_dims:
        needs = "at least 1 dimension" if min_dims == 1 else f"at least {min_dims} dimension"
        raise RuntimeError(f"torch.{fname} requires a tensor with {needs}, but got a tensor "
                           f"with {nd} dimensions!")
    if isinstance(indices_or_sections, (list, tuple)):
        return tensor_split(input, indices_or_sections, dim)
    n = operator.index(indices_or_sections)
    size = input._data.shape[dim]
    if n == 0 or size % n:
        raise RuntimeError(f"torch.{fname} attempted to split along dimension {dim}, but the "
                           f"size of the dimension {size} is not divisible by the split_size "
                           f"{n}!")
    return tensor_split(input, n, dim)


@register(nodes=("SliceBackward0",), args=("input", "indices_or_sections"), family="shape",
          sample=cases(case(arr(3, 4), 2), case(arr(6), 3), case(arr(3, 4), [1, 2])))
def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 of a 1-D tensor); a number of sections must divide it."""
    return _directional_split("hsplit", 1 if input._data.ndim > 1 else 0, 1, input,
                              indices_or_sections)


@register(nodes=("SliceBackward0",), args=("input", "indices_or_sections"), family="shape",
          sample=cases(case(arr(4, 3), 2), case(arr(3, 2), [1])))
def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of an at least 2-D tensor; sections must divide it."""
    return _directional_split("vsplit", 0, 2, input, indices_or_sections)


@register(nodes=("SliceBackward0",), args=("input", "indices_or_sections"), family="shape",
          sample=cases(case(arr(2, 2, 4), 2), case(arr(1, 2, 3), [2])))
def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of an at least 3-D tensor; sections must divide it."""
    return _directional_split("dsplit", 2, 3, input, indices_or_sections)


# ---- atleast_nd ----------------------------------------------------------------------------------
def _at_least(fname, make, tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(make(t) for t in _tensor_list(tensors[0], fname))
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                            f"({type(t).__name__}), but expected one of: (Tensor input) or "
                            f"(tuple of Tensors tensors)")
    if len(tensors) == 1:
        return make(tensors[0])
    return tuple(make(t) for t in tensors)


def _one_d(t):
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def _two_d(t):
    nd = t._data.ndim
    return reshape(t, (1, 1)) if nd == 0 else unsqueeze(t, 0) if nd == 1 else t


def _three_d(t):
    nd = t._data.ndim
    if nd == 0:
        return reshape(t, (1, 1, 1))
    if nd == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if nd == 2 else t


_ATLEAST = dict(forms=("function",), family="shape", args=("tensors",),
                nodes=("ViewBackward0", "UnsqueezeBackward0"))


@register(**_ATLEAST, sample=cases(case(arr()), case(arr(3)), case(arr(), arr(2, 3)),
                                   case([arr(), arr(2)])))
def atleast_1d(*tensors):
    """Each tensor with at least one dim (a 0-dim one becomes shape (1,))."""
    return _at_least("atleast_1d", _one_d, tensors)


@register(**_ATLEAST, sample=cases(case(arr()), case(arr(3)), case(arr(3), arr(2, 3, 1))))
def atleast_2d(*tensors):
    """Each tensor with at least two dims: () -> (1, 1), (n,) -> (1, n)."""
    return _at_least("atleast_2d", _two_d, tensors)


@register(**_ATLEAST, sample=cases(case(arr()), case(arr(3)), case(arr(2, 3)),
                                   case([arr(2), arr(1, 2, 3, 1)])))
def atleast_3d(*tensors):
    """Each tensor with at least three dims: () -> (1, 1, 1), (n,) -> (1, n, 1),
    (m, n) -> (m, n, 1)."""
    return _at_least("atleast_3d", _three_d, tensors)


# ---- the stacks ------------------------------------------------------------------------------
def _nonempty(fname, tensors):
    tensors = _tensor_list(tensors, fname)
    if not tensors:
        raise RuntimeError(f"{fname} expects a non-empty TensorList")
    return tensors


@register(nodes=("CatBackward0",), forms=("function",), args=("tensors",), family="shape",
          sample=cases(case([arr(3), arr(3)]), case([arr(2, 2), arr(2), arr(2, 1)]),
                       case([arr(), arr()])))
def column_stack(tensors):
    """The tensors side by side as columns: 0-d and 1-d ones become one column each, then
    ``hstack``."""
    columns = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t
               for t in _nonempty("column_stack", tensors)]
    return cat(columns, 1)


row_stack = vstack   # torch's alias
declare("row_stack", vstack, nodes=("CatBackward0",), forms=("function",), args=("tensors",),
        family="shape", sample=cases(case([arr(3), arr(3)]), case([arr(2, 3), arr(1, 3)])))


@register(nodes=("CatBackward0",), forms=("function",), args=("tensors",), family="shape",
          sample=cases(case([arr(3), arr(3)]), case([arr(2, 2), arr(2, 2, 3)]),
                       case([arr(), arr()])))
def dstack(tensors):
    """The tensors stacked depthwise: each made at least 3-D, then joined along dim 2."""
    return cat([_three_d(t) for t in _nonempty("dstack", tensors)], 2)


# ---- broadcast_tensors ---------------------------------------------------------------------
@register(nodes=("ExpandBackward0",), forms=("function",), args=("tensors",), family="shape",
          sample=cases(case(arr(3, 1), arr(4)), case(arr(2, 3), arr()),
                       case(arr(2, 1, 3), arr(4, 1), arr(3))))
def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views); one already of that shape
    is returned as it is."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if not tensors:
        return ()
    shape = _common_shape(*(t._data for t in tensors))
    return tuple(t if t._data.shape == shape else t.expand(shape) for t in tensors)
