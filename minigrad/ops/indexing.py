"""Indexing: ``t[...]``, ``t[...] = v``, masks and ``take`` (the gather/scatter family by an
index tensor is ``gather.py``).

``t[index]`` follows torch (and NumPy, whose rules torch shares):

* *basic* items (ints, slices, ``None``, ``...``) are applied one by one as view ops, giving
  torch's chain of grad_fns (``x[0, 1:3]`` is a SliceBackward0 on top of a SelectBackward0);
  the result shares memory with t;
* *advanced* items (lists, integer tensors, bool masks, Python bools) then pick elements in one
  IndexBackward0 (a copy). Index arrays broadcast together; when they are separated by a slice
  their dims go first. Its backward scatters the gradient back with ``np.add.at`` so that
  repeated indices accumulate.

``t[index] = v`` writes in place. With autograd it becomes CopySlices (basic items involved) or
IndexPutBackward0 (advanced only): the written region's gradient goes to v, the rest to t.
"""
import operator
import warnings

import numpy as np

from .._args import check_bool
from .._tensor import Tensor, _make, wrap_dim
from ..autograd import formulas, forward_ad, grad_mode
from ..autograd.function import Function
from ..autograd.views import has_repeats, raise_multi_output
from .index_forms import normalize_index, torch_layout_key
from ._util import assign_inplace, check_overlap, inplace_variant, register_methods
from .shape import _view_op, expand, reshape, unsqueeze, view
from .reduction import SumBackward0
from .elementwise import _broadcast_error
from .join import unbind

__all__ = ["select", "masked_fill", "masked_select", "take", "nonzero", "argwhere", "index_put"]


# ---- the view ops basic indexing is made of ------------------------------------------------------
class SelectBackwardBackward0(Function):
    """out = zeros(shape) with g written at ``key``        grad_g = grad[key]"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, g, shape, key):
        ctx.key = key
        out = np.zeros(shape, dtype=g.dtype)
        out[key] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return formulas.getitem(grad, ctx.key), None, None


class SliceBackwardBackward0(SelectBackwardBackward0):
    """out = zeros(shape) with g written at the slice ``key``        grad_g = grad[key]"""


class SelectBackward0(Function):
    """out = x[key] for a basic key (here one int along one dim)
    grad_x = zeros(x.shape) with grad written at key"""

    numpy_backward = True
    embed = SelectBackwardBackward0

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(type(ctx).embed, grad, ctx.shape, ctx.key), None


class SliceBackward0(SelectBackward0):
    """out = x[start:stop:step] along one dim (a view)
    grad_x = zeros(x.shape) with grad written at the slice"""

    embed = SliceBackwardBackward0


class AliasBackward0(Function):
    """out = x (a new view of the same memory)        grad_x = grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        return x[...]

    @staticmethod
    def backward(ctx, grad):
        return grad


def _dim_key(dim, item):
    """A NumPy key applying ``item`` along ``dim`` (the trailing ... keeps 0-d results arrays)."""
    return (slice(None),) * dim + (item, Ellipsis)


def select(input, dim, index):
    """input[..., index, ...] along dim: a view without that dim."""
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    i = operator.index(index)
    if i < -size or i >= size:
        raise IndexError(f"index {i} is out of bounds for dimension {d} with size {size}")
    i = i + size if i < 0 else i
    return _view_op(SelectBackward0, input, _dim_key(d, i), rebuild=lambda b: select(b, d, i))


def slice_dim(input, dim, start, stop, step):
    """input[start:stop:step] along dim (already clamped): a view."""
    key = _dim_key(dim, slice(start, stop, step))
    return _view_op(SliceBackward0, input, key,
                    rebuild=lambda b: slice_dim(b, dim, start, stop, step))


def _alias(input):
    return _view_op(AliasBackward0, input, rebuild=_alias)


# ---- parsing an index ----------------------------------------------------------------------------
_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
              "are valid indices (got {})")
_SEQUENCE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
    "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted "
    "as tensor index, x[torch.tensor(seq)], which will result either in an error or a different "
    "result")


def _as_tuple(index):
    """torch (after NumPy) reads a short list holding slices, lists, tensors, None or ... as a
    tuple of indices; any other single index is a one-element tuple."""
    index = normalize_index(index)   # range, float sequences, numpy forms (index_forms.py)
    if type(index) is tuple:
        return index
    if isinstance(index, (list, str)) and len(index) < 32 and any(  # a str is a sequence too
            isinstance(i, (Tensor, list, tuple, slice, str)) or i is None or i is Ellipsis
            for i in index):
        warnings.warn(_SEQUENCE_WARNING, UserWarning, stacklevel=3)
        return tuple(index)
    return (index,)


def _convert(item):
    """One index item as an int, slice, None, Ellipsis, ``np.bool_`` or index ndarray."""
    if item is None or item is Ellipsis or isinstance(item, slice):
        return item
    if isinstance(item, (bool, np.bool_)):
        return np.bool_(item)
    if isinstance(item, int):
        return item
    if isinstance(item, Tensor):
        a = item._data
    elif isinstance(item, (list, tuple, np.ndarray)):
        a = np.asarray([np.asarray(i._data) if isinstance(i, Tensor) else i for i in item]
                       if isinstance(item, (list, tuple)) else item)
        if a.size == 0:
            a = a.astype(np.int64)
    elif isinstance(item, str):
        raise TypeError("new(): invalid data type 'str'")
    elif hasattr(item, "__index__"):
        return operator.index(item)
    else:
        raise IndexError(_BAD_INDEX.format(type(item).__name__))
    if a.dtype == np.uint8:
        a = a.astype(bool)
    if a.dtype.kind == "b":
        return np.bool_(a) if a.ndim == 0 else a
    if a.dtype.kind not in "iu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return int(a) if a.ndim == 0 else a.astype(np.int64, copy=False)


def _consumed(item):
    """How many dims of the tensor an item indexes."""
    if item is None or item is Ellipsis or isinstance(item, np.bool_):
        return 0
    if isinstance(item, np.ndarray) and item.dtype.kind == "b":
        return item.ndim
    return 1


def _walk(shape, items, skip_full=True):
    """Plan an index on a tensor of ``shape``: torch's validation, no data touched.

    Returns ``(ops, advanced, shape)``: the basic view ops in order (``("select", dim, i)``,
    ``("slice", dim, start, stop, step)``, ``("unsqueeze", dim)``), the advanced indices as
    ``(dim, array)`` pairs on the result of those ops, and that result's shape.
    """
    ndim = len(shape)
    used = sum(_consumed(i) for i in items)
    if used > ndim:
        if ndim == 0 and len(items) == 1 and isinstance(items[0], int):
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    shape = list(shape)
    ops, advanced = [], []
    dim = 0
    seen_ellipsis = False
    for position, item in enumerate(items):
        if item is Ellipsis:
            if not seen_ellipsis:
                dim += ndim - used
                seen_ellipsis = True
        elif item is None:
            ops.append(("unsqueeze", dim))
            shape.insert(dim, 1)
            dim += 1
        elif isinstance(item, np.bool_):
            ops.append(("unsqueeze", dim))
            shape.insert(dim, 1)
            advanced.append((dim, np.array([bool(item)])))
            dim += 1
        elif isinstance(item, int):
            size = shape[dim]
            if item < -size or item >= size:   # torch names the item's position in the index
                raise IndexError(
                    f"index {item} is out of bounds for dimension {position} with size {size}")
            ops.append(("select", dim, item + size if item < 0 else item))
            del shape[dim]
        elif isinstance(item, slice):
            if item.step is not None and operator.index(item.step) < 0:
                raise ValueError("step must be greater than zero")
            start, stop, step = item.indices(shape[dim])
            stop = max(stop, start)
            # torch skips a slice that keeps the whole dim, judged on the start as written
            whole = (item.start is None or operator.index(item.start) == 0) and step == 1 and \
                stop == shape[dim]
            if not (skip_full and whole):
                ops.append(("slice", dim, start, stop, step))
                shape[dim] = len(range(start, stop, step))
            dim += 1
        else:
            advanced.append((dim, item))
            dim += _consumed(item)
    if advanced:
        advanced = _check_advanced(shape, advanced)
    return ops, advanced, tuple(shape)


def _check_advanced(shape, advanced):
    """torch's errors for masks of the wrong shape, unbroadcastable or out-of-range indices;
    returns the advanced indices to use.

    As in torch, indices are not range-checked when the result has no elements (another dim
    is empty, ``x[..., :0, [0, 1]]``): they are then replaced by zeros, which NumPy accepts."""
    arrays, sizes = [], []
    for dim, a in advanced:
        if a.dtype.kind == "b":
            for j, n in enumerate(a.shape):
                if n != shape[dim + j]:
                    raise IndexError(
                        f"The shape of the mask {list(a.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(shape)} at index {dim + j}")
            nz = np.nonzero(a)
            arrays.extend(nz)
            sizes.extend(shape[dim:dim + a.ndim])
        else:
            arrays.append(a)
            sizes.append(shape[dim])
    try:
        bcast = np.broadcast_arrays(*arrays)
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         f"shapes {', '.join(str(list(a.shape)) for a in arrays)}") from None
    indexed = {dim + j for dim, a in advanced for j in range(_consumed(a))}
    others = [n for d, n in enumerate(shape) if d not in indexed]
    if 0 in others and not all(a.dtype.kind == "b" for _, a in advanced):
        return [(dim, a if a.dtype.kind == "b" else np.zeros_like(a)) for dim, a in advanced]
    bad = [(a < -n) | (a >= n) for a, n in zip(bcast, sizes)]
    if any(b.any() for b in bad):
        first = np.logical_or.reduce([b.ravel() for b in bad]).argmax()
        i = next(i for i, b in enumerate(bad) if b.ravel()[first])
        raise IndexError(f"index {bcast[i].ravel()[first]} is out of bounds for dimension {i} "
                         f"with size {sizes[i]}")
    return advanced


def _advanced_key(advanced):
    """The NumPy key applying the advanced indices (slices elsewhere)."""
    key, at = [], 0
    for dim, a in advanced:
        key.extend([slice(None)] * (dim - at))
        key.append(a)
        at = dim + _consumed(a)
    return tuple(key)


# ---- t[index] ------------------------------------------------------------------------------------
class IndexBackward0(Function):
    """out = x[key] with index arrays (a copy)
    grad_x = zeros(x.shape) with grad added at key (repeated indices accumulate)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return np.ascontiguousarray(x[key])

    @staticmethod
    def backward(ctx, grad):
        zeros = formulas.zeros(ctx.shape, grad)
        return formulas.call(IndexPutBackward0, zeros, ctx.key, grad, True), None


def getitem(self, index):
    """``self[index]``: basic items give views, advanced items a copy (see module docstring)."""
    if isinstance(index, slice):   # a lone slice is always a SliceBackward0, even ``x[:]``
        if self._data.ndim == 0:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        ops, _, _ = _walk(self._data.shape, (index,), skip_full=False)
        return slice_dim(self, *ops[0][1:])
    items = tuple(_convert(i) for i in _as_tuple(index))
    ops, advanced, _ = _walk(self._data.shape, items)
    result = self
    for op in ops:
        if op[0] == "select":
            result = select(result, op[1], op[2])
        elif op[0] == "slice":
            result = slice_dim(result, *op[1:])
        else:
            result = unsqueeze(result, op[1])
    if advanced:
        return IndexBackward0.apply(result, _advanced_key(advanced))
    if result is self:
        return _alias(self)
    return result


# ---- t[index] = value ----------------------------------------------------------------------------
class IndexPutBackward0(Function):
    """out = x with values written (or added, ``accumulate``) at key
    grad_x = grad with zeros at key (just grad when accumulating)    grad_values = grad[key]"""

    numpy_backward = True
    edge_args = (0, 2)   # torch's next_functions: (self, values), a number counting as None
    overwrites_all = False   # every element of x is overwritten (x.copy_(v), x.fill_(t))

    @staticmethod
    def forward(ctx, x, key, values, accumulate):
        ctx.key, ctx.accumulate = key, accumulate
        # x may be an expanded view: does the region written repeat elements? (torch writes into
        # x[basic part of key], index_put_ting the advanced part)
        ctx.region_repeats = has_repeats(
            x[tuple(slice(None) if isinstance(k, np.ndarray) else k for k in key)])
        out = x.copy()
        if accumulate:
            np.add.at(out, key, values)
        else:
            out[key] = values
        return out

    @staticmethod
    def backward(ctx, grad):
        key = ctx.key
        gx = gv = None
        if ctx.needs_input_grad[0]:
            if ctx.accumulate:
                gx = grad
            elif ctx.overwrites_all:   # torch's zeros_like(grad): a constant, even for create_graph
                gx = formulas.zeros_kept_layout(grad)
            else:
                gx = formulas.call(type(ctx), grad, key, 0, False)
        if ctx.needs_input_grad[2]:   # the engine sums it down to the value's shape
            gv = grad if ctx.overwrites_all else formulas.getitem(grad, key)
        return gx, None, gv, None


class CopySlices(IndexPutBackward0):
    """out = x with value written at a key involving basic items (a copy into a view of x)
    grad_x = grad with zeros at key        grad_value = grad[key]"""

    def name(self):
        return "torch::autograd::CopySlices"


class FillBackward3(IndexPutBackward0):
    """out = x filled with a number (``x[...] = 3``)        grad_x = 0"""

    overwrites_all = True


class CopyBackwards(IndexPutBackward0):
    """out = x overwritten with value (``x[...] = v``)        grad_x = 0, grad_value = grad"""

    overwrites_all = True

    def name(self):
        return "torch::autograd::CopyBackwards"


def _numpy_key(items):
    """The index as a NumPy key (NumPy and torch share the semantics)."""
    return tuple(Ellipsis if i is Ellipsis else i for i in items) + (
        () if any(i is Ellipsis for i in items) else (Ellipsis,))


def setitem(self, index, value):
    """``self[index] = value``: value (a number or tensor) is broadcast and cast to self."""
    items = tuple(_convert(i) for i in _as_tuple(index))
    ops, advanced, _ = _walk(self._data.shape, items)
    key = torch_layout_key(self._data.shape, ops, _advanced_key(advanced), _numpy_key(items))
    value = _setitem_value(self, value, _indexed_shape(self._data.shape, key), bool(advanced))
    value_grad = isinstance(value, Tensor) and value._requires_grad
    tracked = grad_mode._state.enabled and (self._requires_grad or value_grad)
    tracked = tracked or forward_ad.has_tangent(self, value)  # a dual: forward AD records it
    if tracked:  # autograd's errors come first, as torch checks them before running the kernel
        cls = _setitem_node(self, ops, advanced, value)
    if isinstance(value, Tensor):  # torch copies into self[basic part], then index_put_s
        check_overlap(self._data if advanced else self._data[key], [value._data])
    elif not advanced:  # a number: torch fills self[key], which must not repeat an element
        check_overlap(self._data[key], [])
    if not tracked:
        self._data[key] = value._data if isinstance(value, Tensor) else value
        self._bump_version()
        return
    assign_inplace(self, cls.apply(self, key, value, False), region=key)


def _setitem_node(self, ops, advanced, value):
    """The node class recording ``self[index] = value``, after torch's autograd errors for it."""
    if ops:
        cls = CopySlices
        if self.__dict__.get("_multi_output"):  # the write goes through a view of self
            raise_multi_output(self, via=ops[-1][0].capitalize())
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
    elif advanced:
        cls = IndexPutBackward0
    else:
        cls = CopyBackwards if isinstance(value, Tensor) else FillBackward3
    self._check_inplace()
    return cls


def _setitem_value(self, value, target, advanced):
    """value as a number or a tensor shaped for the indexed region, as torch prepares it:
    leading size-1 dims dropped by a view, then expanded (copy path) or broadcast (index_put).
    ``target`` is the shape of the indexed region."""
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return value
    if not isinstance(value, Tensor):
        raise TypeError(f"can't assign a {type(value).__name__} to a "
                        f"torch.{self.dtype.legacy_name}")
    shape = value._data.shape
    stripped = shape
    while stripped and stripped[0] == 1:
        stripped = stripped[1:]
    if advanced:
        try:
            if len(stripped) > len(target):
                raise ValueError
            np.broadcast_shapes(stripped, target)
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(shape)} cannot be "
                               f"broadcast to indexing result of shape {list(target)}") from None
        return view(value, stripped) if stripped != shape else value
    if shape == target or not shape:
        return value
    return expand(view(value, stripped), target)


def _indexed_shape(shape, key):
    """The shape of ``array_of(shape)[key]``, found on a zero-size stand-in."""
    stand_in = np.lib.stride_tricks.as_strided(np.zeros(1), shape, (0,) * len(shape))
    return stand_in[key].shape


# ---- masks --------------------------------------------------------------------------------------
class MaskedFillBackward0(Function):
    """out = where(mask, value, x) (value a number)        grad_x = grad.masked_fill(mask, 0)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask = mask
        return np.where(mask, np.asarray(value).astype(x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        gx = formulas.call(MaskedFillBackward0, grad, ctx.mask, 0)
        return gx, None, None


class MaskedFillBackward1(MaskedFillBackward0):
    """out = where(mask, value, x) (value a 0-d tensor)
    grad_x = grad.masked_fill(mask, 0)        grad_value = grad.masked_fill(~mask, 0).sum()"""

    @staticmethod
    def backward(ctx, grad):
        gx = formulas.call(MaskedFillBackward0, grad, ctx.mask, 0)
        gv = None
        if ctx.needs_input_grad[2]:
            gv = formulas.call(SumBackward0, formulas.call(MaskedFillBackward0, grad, ~ctx.mask, 0))
        return gx, None, gv


def masked_fill(input, mask, value):
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.short_name.lower()}")
    try:
        np.broadcast_shapes(mask._data.shape, input._data.shape)
    except ValueError:
        raise _broadcast_error(mask._data, input._data) from None
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        return MaskedFillBackward1.apply(input, mask._data, value)
    return MaskedFillBackward0.apply(input, mask._data, value)


class MaskedSelectBackward0(Function):
    """out = the elements of x where mask is True (both broadcast), as 1-D
    grad_x = zeros with grad written where mask is True"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        mask = np.broadcast_to(mask, shape)
        ctx.shape, ctx.mask = shape, mask
        return np.broadcast_to(x, shape)[mask]

    @staticmethod
    def backward(ctx, grad):
        zeros = formulas.zeros(ctx.shape, grad)
        return formulas.call(IndexPutBackward0, zeros, (ctx.mask,), grad, False), None


def masked_select(input, mask):
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    try:
        np.broadcast_shapes(input._data.shape, mask._data.shape)
    except ValueError:
        raise _broadcast_error(mask._data, input._data) from None
    return MaskedSelectBackward0.apply(input, mask._data)


class TakeBackward0(Function):
    """out = x.flatten()[index]        grad_x = zeros with grad added at the flat indices"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return x.reshape(-1)[index]

    @staticmethod
    def backward(ctx, grad):
        zeros = formulas.zeros(int(np.prod(ctx.shape)), grad)
        flat = formulas.call(IndexPutBackward0, zeros, (ctx.index,), grad, True)
        return formulas.reshape(flat, ctx.shape), None


def take(input, index):
    if index._data.dtype != np.int64:
        raise RuntimeError("take(): Expected a long tensor for index, but got "
                           f"{index.dtype.short_name}")
    n = input._data.size
    idx = index._data
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"out of range: tried to access index {idx[bad][0]} on a tensor of {n} "
                         "elements.")
    return TakeBackward0.apply(input, idx)


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    # as_tuple: torch gives the columns of nonzero() (of a 0-d input seen as 1-D), as views
    if check_bool("nonzero", as_tuple, "as_tuple"):
        return unbind(nonzero(reshape(input, (1,)) if input._data.ndim == 0 else input), 1)
    return _make(np.argwhere(input._data).astype(np.int64))


def argwhere(input):
    return nonzero(input)


def index_put(input, indices, values, accumulate=False):
    """input with values written (or added) at the advanced index ``indices`` (a tuple)."""
    items = tuple(_convert(i) for i in indices)
    _walk(input._data.shape, items)
    if not isinstance(values, Tensor):
        values = _make(np.asarray(values, dtype=input._data.dtype))
    return IndexPutBackward0.apply(input, items, values, bool(accumulate))


_OPS = {"masked_fill": masked_fill, "index_put": index_put}
register_methods(Tensor, _OPS)
register_methods(Tensor, {name + "_": inplace_variant(fn) for name, fn in _OPS.items()
                          if name != "gather"})
register_methods(Tensor, {"masked_select": masked_select, "take": take, "nonzero": nonzero,
                          "argwhere": argwhere})
register_methods(Tensor, {"__getitem__": getitem, "__setitem__": setitem, "select": select})
