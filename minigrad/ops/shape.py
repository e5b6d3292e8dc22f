"""Shape ops: view, reshape, transpose, permute, squeeze, unsqueeze, expand, flip, repeat, ...

Most of them are *views*: the result is a NumPy view of the same buffer, so an in-place write
through it changes its base, exactly as in torch. ``_as_view`` records the relation on the result:

* ``_base``    the tensor that owns the memory (a view of a view points at the first base);
* ``_vc``      the base's version counter, shared by all its views;
* ``_view_fn`` ``f(base) -> view``: the same chain of view ops, replayable on another tensor of
               the base's shape (in-place ops on views use it to rebuild the graph).

Each op's backward undoes its forward: a transpose transposes the gradient back, a squeeze
unsqueezes it, a view reshapes it to the input's shape."""
import functools
import math
import operator
import warnings

import numpy as np

from .._args import check_int, no_matching_overload
from .._tensor import Tensor, wrap_dim, _make
from .. import _seam as seam
from ..autograd import formulas, forward_ad
from ..autograd.function import Function
from ..autograd.views import creation_version, mark_multi_output
from ._util import register_methods
from .elementwise import ExpandBackward0
from .._dtype import dtype as _dtype_cls

__all__ = [
    "reshape", "transpose", "swapaxes", "swapdims", "t", "permute", "squeeze", "unsqueeze",
    "flatten", "unflatten", "flip", "narrow", "movedim", "moveaxis",
]
_ALL_DIMS = object()  # squeeze without a dim (None is an error, as in torch)


# ---- the view relation --------------------------------------------------------------------------
def _as_view(out, src, rebuild):
    """Mark ``out`` (computed from ``src`` by a view op) as a view of ``src``'s base.

    ``rebuild(t)`` applies the same op to a tensor t shaped like ``src``.
    """
    out._vc = src._vc
    out._view_version = creation_version(src)
    base = src._base
    if base is None or src._view_fn is None:  # src owns its memory, or is a detach() of a tensor
        out._base = src
        out._view_fn = rebuild
    else:
        out._base = base
        prev = src._view_fn
        out._view_fn = rebuild if prev is None else (lambda b: rebuild(prev(b)))
        mark_multi_output(out, src)
    return out


def _view_op(cls, x, *args, rebuild):
    """Apply a view Function and record the view relation."""
    return _as_view(cls.apply(x, *args), x, rebuild)


# ---- argument helpers ---------------------------------------------------------------------------
def _int_list(args, fname, argname="size"):
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(torch.Size(...))`` -> tuple of ints."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    out = []
    for pos, a in enumerate(args):
        try:
            out.append(operator.index(a))
        except TypeError:
            if len(args) == 1:
                raise TypeError(f"{fname}(): argument '{argname}' (position 1) must be tuple of "
                                f"ints, not {type(a).__name__}") from None
            raise TypeError(f"{fname}(): argument '{argname}' failed to unpack the object at pos "
                            f"{pos + 1} with error \"type must be tuple of ints,but got "
                            f"{type(a).__name__}\"") from None
    return tuple(out)


def _dims_list(args, ndim, fname):
    """Wrapped dims from varargs or one sequence; torch's error for duplicates."""
    dims = [wrap_dim(d, ndim) for d in _int_list(args, fname, "dims")]
    seen = set()
    for d in dims:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return dims


def _infer_size(shape, numel):
    """Replace one -1 in ``shape`` so that it holds ``numel`` elements (torch's infer_size)."""
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s >= 0:
            known *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    if numel == known or (infer is not None and known > 0 and numel % known == 0):
        if infer is None:
            return shape
        if known == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous")
        return shape[:infer] + (numel // known,) + shape[infer + 1:]
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _compute_stride(oldshape, oldstride, newshape):
    """Strides (in elements) viewing ``oldshape``/``oldstride`` as ``newshape``, or None.

    torch's ``computeStride``: walk the old dims from the right, grouping them into chunks
    that are contiguous with each other; each chunk must be split exactly by new dims."""
    if not oldshape:
        return (1,) * len(newshape)
    numel = math.prod(oldshape)
    if numel == 0:
        if tuple(oldshape) == tuple(newshape):
            return tuple(oldstride)
        strides = [1] * len(newshape)
        for d in range(len(newshape) - 2, -1, -1):
            strides[d] = max(newshape[d + 1], 1) * strides[d + 1]
        return tuple(strides)
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (oldshape[tensor_d - 1] != 1 and
                             oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


def _strided_view(x, shape):
    """x viewed as ``shape`` without copying (torch's strides), or None if impossible. NumPy's
    reshape makes the view if there is one (else a copy: another base), with torch's strides
    when no new dim has size 1 or both are row-major; else torch's are computed and set."""
    isz, row_major = x.itemsize, _row_major_strides
    out = x.reshape(shape) if x.size else None
    if out is not None and out.base is not (x if x.base is None else x.base):
        out = None
    if out is not None and (1 not in shape or x.strides == row_major(x.shape, isz)
                            and out.strides == row_major(out.shape, isz)):
        return out
    strides = _compute_stride(x.shape, [s // isz for s in x.strides], shape)
    if strides is None:
        return None
    strides = tuple(s * isz for s in strides)
    if out is not None and out.strides == strides:
        return out
    return np.lib.stride_tricks.as_strided(x, shape, strides)


@functools.lru_cache(maxsize=256)
def _row_major_strides(shape, itemsize):
    """Byte strides of a row-major array of ``shape`` (each dim's, size-1 dims included)."""
    strides, step = [], itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


_VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


# ---- view / reshape -----------------------------------------------------------------------------
class ViewBackward0(Function):
    """out = x viewed with another shape (same memory)        grad_x = grad.reshape(x.shape)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        out = _strided_view(x, shape)
        if out is None:
            raise RuntimeError(_VIEW_ERROR)
        return out

    @staticmethod
    def backward(ctx, grad):
        return formulas.reshape(grad, ctx.shape), None


class ReshapeAliasBackward0(ViewBackward0):
    """out = reshape of a non-contiguous x that strides allow as a view    grad_x = grad.reshape"""


class UnsafeViewBackward0(ViewBackward0):
    """out = reshape of a (fresh, contiguous) copy of x        grad_x = grad.reshape(x.shape)"""


def view(self, *shape):
    """A tensor sharing self's memory with another shape; fails when strides do not allow it."""
    if len(shape) == 1 and isinstance(shape[0], _dtype_cls):
        return _view_dtype(self, shape[0])
    if not shape:
        raise TypeError("view() received an invalid combination of arguments - got (), but "
                        "expected one of:\n * (torch.dtype dtype)\n * (tuple of ints size)\n")
    size = _infer_size(_int_list(shape, "view"), self._data.size)
    return _view_op(ViewBackward0, self, size, rebuild=lambda b: view(b, size))


def _view_dtype(self, dtype):
    """Reinterpret the bits as another dtype (no gradient flows through)."""
    x = self._data
    if dtype.np.itemsize != x.itemsize and x.ndim and x.strides[-1] != x.itemsize:
        raise RuntimeError(
            f"self.stride(-1) must be 1 to view {self.dtype.short_name} as {dtype.short_name} "
            f"(different element sizes), but got {x.strides[-1] // x.itemsize}")
    out = _make(x.view(dtype.np))
    out._vc = self._vc
    return out


def _reshape_method(self, *shape):
    """``t.reshape(2, 3)`` or ``t.reshape((2, 3))``."""
    if not shape:
        raise TypeError('reshape() missing 1 required positional arguments: "shape"')
    return reshape(self, _int_list(shape, "reshape", "shape"))


def reshape(input, shape):
    """Same elements in row-major order with a new shape: a view when strides allow, else a copy.

    torch's names: ViewBackward0 (contiguous input), ReshapeAliasBackward0 (non-contiguous but
    viewable), CloneBackward0 + UnsafeViewBackward0 (a copy).
    """
    if not isinstance(shape, (tuple, list)):
        raise TypeError("reshape(): argument 'shape' (position 2) must be tuple of ints, not "
                        f"{type(shape).__name__}")
    size = _infer_size(_int_list((shape,), "reshape", "shape"), input._data.size)
    x = input._data
    if x.flags.c_contiguous:
        return _view_op(ViewBackward0, input, size, rebuild=lambda b: reshape(b, size))
    if _strided_view(x, size) is not None:
        return _view_op(ReshapeAliasBackward0, input, size, rebuild=lambda b: reshape(b, size))
    from .conversion import CloneBackward0
    return UnsafeViewBackward0.apply(CloneBackward0.apply(input, True), size)  # row-major copy


def view_as(self, other):
    return view(self, other.shape)


def reshape_as(self, other):
    return reshape(self, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a reshape); a 0-d tensor becomes shape (1,)."""
    shape = input._data.shape
    if not shape:
        wrap_dim(start_dim, 0), wrap_dim(end_dim, 0)   # torch checks them against a 0-d tensor
        return reshape(input, (1,))
    start, end = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    merged = int(np.prod(shape[start:end + 1]))
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


def unflatten(input, dim, sizes):
    """Split dim into ``sizes`` (one -1 allowed): a view."""
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    sizes = _int_list((sizes,), "unflatten", "sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        inferred = _infer_size(sizes, shape[d])
    except RuntimeError as e:
        if "invalid for input" in str(e):
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to "
                               f"the size of dim {d} ({shape[d]}) in the input tensor") from None
        raise
    return view(input, shape[:d] + inferred + shape[d + 1:])


# ---- transposes and permutations ----------------------------------------------------------------
class TransposeBackward0(Function):
    """out = x with dims d0 and d1 swapped        grad_x = grad.transpose(d0, d1)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.dims = (d0, d1)
        return x.swapaxes(d0, d1) if x.ndim else x[...]

    @staticmethod
    def backward(ctx, grad):
        return formulas.transpose(grad, *ctx.dims), None, None


class TBackward0(Function):
    """out = x.t() (a <= 2-D transpose)        grad_x = grad.t()"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        return x.T

    @staticmethod
    def backward(ctx, grad):
        return formulas.t(grad)


class PermuteBackward0(Function):
    """out = x with its dims reordered as ``dims``      grad_x = grad.permute(inverse of dims)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims).tolist())
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return formulas.permute(grad, ctx.inverse), None


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    return _view_op(TransposeBackward0, input, d0, d1, rebuild=lambda b: transpose(b, d0, d1))


swapaxes = swapdims = transpose


def t(input):
    """Transpose a 2-D tensor; 0-D and 1-D tensors are returned as (views of) themselves."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _view_op(TBackward0, input, rebuild=t)


def _permute(input, dims):
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view_op(PermuteBackward0, input, dims, rebuild=lambda b: _permute(b, dims))


def permute(input, dims):
    """``torch.permute(input, dims)``: dims is one sequence."""
    return _permute(input, _int_list((dims,), "permute", "dims"))


def _permute_method(self, *dims):
    """``t.permute(1, 0)`` or ``t.permute((1, 0))``."""
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    return _permute(self, _int_list(dims, "permute", "dims"))


def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination``; the others keep their order."""
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    src = [wrap_dim(d, nd) for d in src]
    dst = [wrap_dim(d, nd) for d in dst]
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({ds})")
    if nd == 0:
        from .indexing import _alias
        return _alias(input)
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(nd) if d not in src)
    return _permute(input, [o if o is not None else next(rest) for o in order])


moveaxis = movedim


_T_WARNED = [False, False]


def _T(self):
    """``x.T``: all dims reversed (PermuteBackward0); torch warns for other than 2-D."""
    nd = self._data.ndim
    if nd != 2 and not _T_WARNED[nd == 0]:
        _T_WARNED[nd == 0] = True
        msg = ("Tensor.T is deprecated on 0-D tensors. This function is the identity in these "
               "cases." if nd == 0 else
               "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
               "deprecated and it will throw an error in a future release. Consider `x.mT` to "
               "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
               "to reverse the dimensions of a tensor.")
        warnings.warn(msg, UserWarning, stacklevel=2)
    return _permute(self, tuple(range(nd - 1, -1, -1)))


def _mT(self):
    """``x.mT``: the last two dims swapped."""
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self._data.ndim}-D tensor.")
    return transpose(self, -2, -1)


# ---- adding and removing size-1 dims ------------------------------------------------------------
class UnsqueezeBackward0(Function):
    """out = x with a new size-1 dim at ``dim``        grad_x = grad.squeeze(dim)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = np.expand_dims(x, dim)
        # torch's stride for the new dim: that of the dim it lands before (1 at the end)
        new = x.strides[dim] * x.shape[dim] if dim < x.ndim else x.itemsize
        strides = x.strides[:dim] + (new,) + x.strides[dim:]
        if out.strides != strides:
            out = np.lib.stride_tricks.as_strided(x, out.shape, strides)
        return out

    @staticmethod
    def backward(ctx, grad):
        return formulas.squeeze(grad, ctx.dim), None


class SqueezeBackward0(Function):
    """out = x without its size-1 dims        grad_x = grad.reshape(x.shape)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.squeeze()

    @staticmethod
    def backward(ctx, grad):
        return formulas.reshape(grad, ctx.shape)


class SqueezeBackward1(Function):
    """out = x without dim ``dim`` if it has size 1    grad_x = grad.unsqueeze(dim) if removed"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        squeezed = x.ndim > 0 and x.shape[dim] == 1
        ctx.dim = dim if squeezed else None
        return x.squeeze(dim) if squeezed else x

    @staticmethod
    def backward(ctx, grad):
        return (grad if ctx.dim is None else formulas.unsqueeze(grad, ctx.dim)), None


class SqueezeBackward2(Function):
    """out = x without those of ``dims`` that have size 1    grad_x = grad.reshape(x.shape)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.shape = x.shape
        return x.squeeze(tuple(d for d in dims if x.ndim and x.shape[d] == 1))

    @staticmethod
    def backward(ctx, grad):
        return formulas.reshape(grad, ctx.shape), None


def unsqueeze(input, dim):
    d = wrap_dim(dim, input._data.ndim + 1)
    return _view_op(UnsqueezeBackward0, input, d, rebuild=lambda b: unsqueeze(b, d))


def squeeze(input, dim=_ALL_DIMS):
    """Remove size-1 dims: all of them, only ``dim``, or those among a tuple of dims."""
    nd = input._data.ndim
    if dim is _ALL_DIMS:
        return _view_op(SqueezeBackward0, input, rebuild=squeeze)
    if dim is None:  # torch has no overload taking None
        raise _squeeze_none("squeeze", ("Tensor", "NoneType"))
    if isinstance(dim, (tuple, list)):
        dims = tuple(_dims_list((dim,), nd, "squeeze"))
        return _view_op(SqueezeBackward2, input, dims, rebuild=lambda b: squeeze(b, dims))
    d = wrap_dim(dim, nd)
    return _view_op(SqueezeBackward1, input, d, rebuild=lambda b: squeeze(b, d))


def _squeeze_none(fn, got):
    overloads = ("()", "(int dim)", "(tuple of ints dim)")
    if got[0] == "Tensor":
        overloads = ("(Tensor input)",) + tuple(f"(Tensor input, {o[1:]}" for o in overloads[1:])
        return no_matching_overload(fn, got, overloads)
    first_hint = ("some of the keywords were incorrect: dim" if got[0].startswith("dim=") else
                  f"some of the arguments have invalid types: (!{got[0]}!)")
    return no_matching_overload(fn, got, overloads, first_hint)


def _squeeze_method(self, *dim, **kwargs):
    if "dim" in kwargs:
        if kwargs["dim"] is None:
            raise _squeeze_none("squeeze", ("dim=NoneType",))
        return squeeze(self, kwargs["dim"])
    if len(dim) > 1:
        return squeeze(self, dim)
    if dim and dim[0] is None:
        raise _squeeze_none("squeeze", ("NoneType",))
    return squeeze(self, dim[0] if dim else _ALL_DIMS)


def _unsqueeze_method(self, *dim, **kwargs):
    if "dim" in kwargs:
        return unsqueeze(self, kwargs["dim"])
    if not dim:
        raise TypeError('unsqueeze() missing 1 required positional arguments: "dim"')
    return unsqueeze(self, dim[0])


# ---- expand / repeat / flip / narrow ------------------------------------------------------------
def expand(self, *sizes):
    """A broadcast view: size-1 dims repeat without copying; -1 keeps a dim's size."""
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = _int_list(sizes, "expand")
    shape = self._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand(torch.{self.dtype.legacy_name}{{{list(shape)}}}, size={list(sizes)}): the "
            f"number of sizes provided ({len(sizes)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({len(shape)})")
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target.append(s)
            continue
        old = shape[i - lead]
        if s == -1:
            s = old
        elif old != s and old != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({old}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(shape)}")
        target.append(s)
    target = tuple(target)
    out = _view_op(ExpandBackward0, self, target, rebuild=lambda b: expand(b, target))
    if not getattr(out._data, "keep_as_tensor_data", False):  # (not a vmap stand-in)
        out._data = _writeable_broadcast(self._data, target)
    return out


@seam.replayed  # (minigrad.compile makes the view again on replay)
def _writeable_broadcast(x, shape):
    """x expanded to ``shape``: a writeable view with torch's strides (0 where repeated)."""
    strides = [0] * len(shape)
    lead = len(shape) - x.ndim
    for i in range(len(shape) - 1, -1, -1):
        if i >= lead:
            size, stride = x.shape[i - lead], x.strides[i - lead]
        else:
            size, stride = 1, (shape[i + 1] * strides[i + 1] if i + 1 < len(shape) else
                               x.itemsize)
        strides[i] = stride if size == shape[i] else 0
    return np.lib.stride_tricks.as_strided(x, shape, strides)


def expand_as(self, other):
    return expand(self, other.shape)


class RepeatBackward0(Function):
    """out = x tiled ``repeats`` times along each dim
    grad_x = grad reshaped to (r0, s0, r1, s1, ...) and summed over the r axes"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.shape = x.shape
        ctx.repeats = repeats
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx, grad):
        shape, repeats = ctx.shape, ctx.repeats
        padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
        split = [n for pair in zip(repeats, padded) for n in pair]
        summed = formulas.sum(formulas.reshape(grad, split), tuple(range(0, 2 * len(repeats), 2)))
        return formulas.reshape(summed, shape), None


def repeat(self, *repeats):
    if not repeats:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    repeats = _int_list(repeats, "repeat", "repeats")
    shape = self._data.shape
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    out_shape = [r * s for r, s in zip(repeats, padded)]
    for n in out_shape:
        if n < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {n}: {out_shape}")
    return RepeatBackward0.apply(self, repeats)


class FlipBackward0(Function):
    """out = x reversed along ``dims`` (a copy)        grad_x = grad.flip(dims)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(FlipBackward0, grad, ctx.dims), None


def flip(input, dims):
    """``torch.flip(input, dims)``: dims is a sequence."""
    if isinstance(dims, int):
        raise TypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")
    return _flip(input, dims)


def _flip(input, *dims):
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if any(type(d) is bool for d in dims):
        raise TypeError("flip(): argument 'dims' (position 1) must be tuple of ints, not bool")
    dims = tuple(_dims_list(dims, input._data.ndim, "flip"))
    if input._data.ndim == 0:
        dims = ()   # a 0-d tensor's one dim (0 or -1) has a single element: nothing moves
    return FlipBackward0.apply(input, dims)


def narrow(input, dim, start, length):
    """``input`` restricted to ``start <= i < start + length`` along dim: a view (slice)."""
    from .indexing import slice_dim
    nd = input._data.ndim
    dim = check_int("narrow", dim, "dim")
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    size = input._data.shape[d]
    start, length = operator.index(start), operator.index(length)
    if start < -size or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return slice_dim(input, d, start, start + length, 1)


def unbind(input, dim=0):
    """The slices along ``dim``, as a tuple of views (UnbindBackward0)."""
    from .join import unbind as _unbind
    return _unbind(input, dim)


register_methods(Tensor, {
    "view": view, "reshape": _reshape_method, "view_as": view_as, "reshape_as": reshape_as,
    "flatten": flatten, "unflatten": unflatten, "transpose": transpose, "swapaxes": transpose,
    "swapdims": transpose, "t": t, "permute": _permute_method, "movedim": movedim,
    "moveaxis": movedim, "squeeze": _squeeze_method, "unsqueeze": _unsqueeze_method,
    "expand": expand, "expand_as": expand_as, "repeat": repeat, "flip": _flip,
    "narrow": narrow, "unbind": unbind,
    "T": property(_T), "mT": property(_mT),
})


# ---- in-place shape ops: x itself takes the new shape (same memory) -----------------------------
class SqueezeBackward3(SqueezeBackward0):
    """x.squeeze_()     grad_x = grad.reshape(x's old shape)"""


class SqueezeBackward5(SqueezeBackward2):
    """x.squeeze_(dims)     grad_x = grad.reshape(x's old shape)"""


class UnsqueezeBackward1(UnsqueezeBackward0):
    """x.unsqueeze_(dim)     grad_x = grad.squeeze(dim)"""


class TBackward1(TBackward0):
    """x.t_()     grad_x = grad.t()"""


class TransposeBackward1(TransposeBackward0):
    """x.transpose_(d0, d1)     grad_x = grad.transpose(d0, d1)"""


def _reshape_inplace(self, cls, *args, rebuild):
    """Give ``self`` the view ``cls(self, *args)``'s shape and graph node, as torch's in-place
    view ops do: a leaf that requires grad refuses; a non-leaf gets the new node; a view keeps
    its base and extends its recipe; the version counter goes up by one."""
    self._check_inplace()
    out = _view_op(cls, self, *args, rebuild=rebuild)
    self._data = out._data
    forward_ad.take_tangent(self, out)  # a dual: its tangent is reshaped too
    if out._grad_fn is not None:
        self._grad_fn, self._output_nr = out._grad_fn, 0
    self._bump_version()
    if self._view_fn is not None:
        self._view_fn, self._view_version = out._view_fn, self._vc[0]
    return self


def squeeze_(self, dim=_ALL_DIMS):
    nd = self._data.ndim
    if dim is _ALL_DIMS:
        return _reshape_inplace(self, SqueezeBackward3, rebuild=squeeze)
    if dim is None:
        raise _squeeze_none("squeeze_", ("NoneType",))
    if isinstance(dim, (tuple, list)):
        dims = tuple(_dims_list((dim,), nd, "squeeze_"))
        return _reshape_inplace(self, SqueezeBackward5, dims, rebuild=lambda b: squeeze(b, dims))
    from .linalg import SqueezeBackward4  # torch's name for squeeze_(dim), also used by matmul
    d = wrap_dim(dim, nd)
    return _reshape_inplace(self, SqueezeBackward4, d, rebuild=lambda b: squeeze(b, d))


def unsqueeze_(self, dim):
    d = wrap_dim(dim, self._data.ndim + 1)
    return _reshape_inplace(self, UnsqueezeBackward1, d, rebuild=lambda b: unsqueeze(b, d))


def t_(self):
    nd = self._data.ndim
    if nd > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _reshape_inplace(self, TBackward1, rebuild=t)


def transpose_(self, dim0, dim1):
    nd = self._data.ndim
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    return _reshape_inplace(self, TransposeBackward1, d0, d1,
                            rebuild=lambda b: transpose(b, d0, d1))


register_methods(Tensor, {"squeeze_": squeeze_, "unsqueeze_": unsqueeze_, "t_": t_,
                          "transpose_": transpose_, "swapaxes_": transpose_,
                          "swapdims_": transpose_})
