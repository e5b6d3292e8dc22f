"""Indexing: ``t[...]``, ``t[...] = v`` and the gather/scatter family.

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

from .._tensor import Tensor, _make, wrap_dim
from ..autograd import grad_mode
from ..autograd.function import Function
from ._util import assign_inplace, register_methods
from .shape import _view_op, expand, reshape, unsqueeze

__all__ = ["select"]


# ---- the view ops basic indexing is made of ------------------------------------------------------
class SelectBackwardBackward0(Function):
    """out = zeros(shape) with g written at ``key``        grad_g = grad[key]"""

    @staticmethod
    def forward(ctx, g, shape, key):
        ctx.key = key
        out = np.zeros(shape, dtype=g.dtype)
        out[key] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return getitem(grad, ctx.key), None, None


class SliceBackwardBackward0(SelectBackwardBackward0):
    """out = zeros(shape) with g written at the slice ``key``        grad_g = grad[key]"""


class SelectBackward0(Function):
    """out = x[key] for a basic key (here one int along one dim)
    grad_x = zeros(x.shape) with grad written at key"""

    embed = SelectBackwardBackward0

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, grad):
        return type(ctx).embed.apply(grad, ctx.shape, ctx.key), None


class SliceBackward0(SelectBackward0):
    """out = x[start:stop:step] along one dim (a view)
    grad_x = zeros(x.shape) with grad written at the slice"""

    embed = SliceBackwardBackward0


class AliasBackward0(Function):
    """out = x (a new view of the same memory)        grad_x = grad"""

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
    if type(index) is tuple:
        return index
    if isinstance(index, list) and len(index) < 32 and any(
            isinstance(i, (Tensor, list, tuple, slice)) or i is None or i is Ellipsis
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
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    shape = list(shape)
    ops, advanced = [], []
    dim = 0
    seen_ellipsis = False
    for item in items:
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
            if ndim == 0:
                raise IndexError(
                    "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                    "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
            size = shape[dim]
            if item < -size or item >= size:
                raise IndexError(
                    f"index {item} is out of bounds for dimension {dim} with size {size}")
            ops.append(("select", dim, item + size if item < 0 else item))
            del shape[dim]
        elif isinstance(item, slice):
            if item.step is not None and operator.index(item.step) < 0:
                raise ValueError("step must be greater than zero")
            start, stop, step = item.indices(shape[dim])
            stop = max(stop, start)
            if not (skip_full and start == 0 and stop == shape[dim] and step == 1):
                ops.append(("slice", dim, start, stop, step))
                shape[dim] = len(range(start, stop, step))
            dim += 1
        else:
            advanced.append((dim, item))
            dim += _consumed(item)
    if advanced:
        _check_advanced(shape, advanced)
    return ops, advanced, tuple(shape)


def _check_advanced(shape, advanced):
    """torch's errors for masks of the wrong shape, unbroadcastable or out-of-range indices."""
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
    bad = [(a < -n) | (a >= n) for a, n in zip(bcast, sizes)]
    if any(b.any() for b in bad):
        first = np.logical_or.reduce([b.ravel() for b in bad]).argmax()
        i = next(i for i, b in enumerate(bad) if b.ravel()[first])
        raise IndexError(f"index {bcast[i].ravel()[first]} is out of bounds for dimension {i} "
                         f"with size {sizes[i]}")


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

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, grad):
        zeros = _make(np.zeros(ctx.shape, dtype=grad._data.dtype))
        return IndexPutBackward0.apply(zeros, ctx.key, grad, True), None


def getitem(self, index):
    """``self[index]``: basic items give views, advanced items a copy (see module docstring)."""
    if isinstance(index, slice):   # a lone slice is always a SliceBackward0, even ``x[:]``
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

    @staticmethod
    def forward(ctx, x, key, values, accumulate):
        ctx.key, ctx.accumulate = key, accumulate
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
            gx = grad if ctx.accumulate else type(ctx).apply(grad, key, 0, False)
        if ctx.needs_input_grad[2]:
            gv = getitem(grad, key)   # the engine sums it down to the value's shape
        return gx, None, gv, None


class CopySlices(IndexPutBackward0):
    """out = x with value written at a key involving basic items (a copy into a view of x)
    grad_x = grad with zeros at key        grad_value = grad[key]"""


class FillBackward3(IndexPutBackward0):
    """out = x filled with a number (``x[...] = 3``)        grad_x = 0"""


class CopyBackwards(IndexPutBackward0):
    """out = x overwritten with value (``x[...] = v``)        grad_x = 0, grad_value = grad"""


def _numpy_key(items):
    """The index as a NumPy key (NumPy and torch share the semantics)."""
    return tuple(Ellipsis if i is Ellipsis else i for i in items) + (
        () if any(i is Ellipsis for i in items) else (Ellipsis,))


def setitem(self, index, value):
    """``self[index] = value``: value (a number or tensor) is broadcast and cast to self."""
    items = tuple(_convert(i) for i in _as_tuple(index))
    ops, advanced, target = _walk(self._data.shape, items)
    value = _setitem_value(self, value, target, bool(advanced))
    key = _numpy_key(items)
    value_grad = isinstance(value, Tensor) and value._requires_grad
    if not (grad_mode._state.enabled and (self._requires_grad or value_grad)):
        self._data[key] = value._data if isinstance(value, Tensor) else value
        self._bump_version()
        return
    if ops:
        cls = CopySlices
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
    elif advanced:
        cls = IndexPutBackward0
    else:
        cls = CopyBackwards if isinstance(value, Tensor) else FillBackward3
    self._check_inplace()
    assign_inplace(self, cls.apply(self, key, value, False))


def _setitem_value(self, value, target, advanced):
    """value as a number or a tensor broadcastable to the indexed region (torch's checks)."""
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return value
    if not isinstance(value, Tensor):
        raise TypeError(f"can't assign a {type(value).__name__} to a "
                        f"torch.{self.dtype.legacy_name}")
    shape = value._data.shape
    lead = 0
    while lead < len(shape) and shape[lead] == 1:
        lead += 1
    if lead:
        value = reshape(value, shape[lead:])
    if advanced:
        try:
            np.broadcast_shapes(value._data.shape, target)
            if value._data.ndim > len(target):
                raise ValueError
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(shape)} cannot be "
                               f"broadcast to indexing result of shape {list(target)}") from None
    else:
        expand(value.detach(), target)   # raises torch's expand errors
    return value


register_methods(Tensor, {"__getitem__": getitem, "__setitem__": setitem, "select": select})
