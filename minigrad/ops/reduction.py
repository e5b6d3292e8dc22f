"""Reductions: sum, mean, ... over all dims or over ``dim`` (int or tuple), with ``keepdim``.

Forward reduces the ndarray with NumPy; backward brings the gradient back to the input's shape
(``_unreduce``: re-insert the reduced dims, then expand) and applies the op's local derivative.
Class names are torch's grad_fn names: the ``...Backward0`` / ``...Backward1`` split follows
torch's overloads (``x.sum()`` is SumBackward0, ``x.sum(dim)`` is SumBackward1). var, std,
logsumexp and norm live in ``statistics.py``, cumsum and cumprod in ``cumulative.py``.
"""
import functools
import math

import numpy as np

from .. import return_types
from .._args import check_bool
from .._dtype import from_numpy_dtype
from .._layout import row_major
from .._tensor import Tensor, _make, wrap_dim
from ..autograd import formulas
from ..autograd.function import Function
from ._util import register_methods
from .registry import declare
from .arithmetic import DivBackward0
from .clamp import maximum, minimum
from .join import CatBackward0
from .shape import FlipBackward0

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "all", "any",
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


# Rows of up to this many float32/float64 values, summed along the last dim, go through einsum:
# NumPy's add.reduce runs a slow loop per short row (2048 rows of 32: 45 µs, einsum 10). Each
# adds in an order of its own; torch's sums match neither bit for bit.
_SHORT_ROW = 128
_EINSUM_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _np_sum(x, dims, keepdim, out_dtype):
    """Sum in out_dtype (float16 accumulates in float32, as torch does)."""
    x = x.astype(out_dtype, copy=False)
    if (dims is not None and len(dims) == 1 and x.ndim >= 2 and dims[0] == x.ndim - 1
            and 0 < x.shape[-1] <= _SHORT_ROW and out_dtype in _EINSUM_DTYPES):
        out = np.einsum("...i->...", x)
        return out[..., None] if keepdim else out
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
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if out_dtype == _FLOAT16 and n:
            # torch divides the float32 sum before rounding to float16: the mean of a thousand
            # 100s is 100, although their sum overflows float16
            total = np.add.reduce(x.astype(out_dtype, copy=False), axis=dims, keepdims=keepdim,
                                  dtype=np.float32)
            return row_major((total / np.float32(n)).astype(out_dtype))
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
    from .cumulative import CumprodBackward0
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
    from .gather import ScatterBackward0
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
    "argmax": argmax, "argmin": argmin, "all": all, "any": any,
    "count_nonzero": count_nonzero,
})


# ---- what each op is to the tests, the fuzzer and the docs (ops/registry.py) --------------------
def dim_samples(*dims, whole=True, shapes=((), (3,), (2, 3))):
    """A registry ``sample``: the op over every element of each shape (``whole``), then along
    each of ``dims`` of a (2, 3) input, with and without keepdim."""
    def sample(rng, dtype):
        if whole:
            for shape in shapes:
                yield [np.asarray(rng.standard_normal(shape), dtype)], {}
        for dim in dims:
            for keepdim in (False, True):
                yield [np.asarray(rng.standard_normal((2, 3)), dtype)], {"dim": dim,
                                                                         "keepdim": keepdim}
    return sample


for _name, _fn, _nodes, _sample in (
        ("sum", sum, ("SumBackward0", "SumBackward1"), dim_samples(1, (0, 1))),
        ("mean", mean, ("MeanBackward0", "MeanBackward1"), dim_samples(1, (0, 1))),
        ("prod", prod, ("ProdBackward0", "ProdBackward1"), dim_samples(1)),
        ("max", max, ("MaxBackward1", "MaxBackward0"), dim_samples(1)),
        ("min", min, ("MinBackward1", "MinBackward0"), dim_samples(1)),
        ("amax", amax, ("AmaxBackward0",), dim_samples(1, (0, 1))),
        ("amin", amin, ("AminBackward0",), dim_samples(1, (0, 1)))):
    declare(_name, _fn, nodes=_nodes, args=("input", "dim", "keepdim"), family="reduction",
            sample=_sample)
for _name, _fn in (("argmax", argmax), ("argmin", argmin)):
    declare(_name, _fn, args=("input", "dim", "keepdim"), family="reduction",
            differentiable=False, sample=dim_samples(1))
for _name, _fn in (("all", all), ("any", any)):
    declare(_name, _fn, args=("input", "dim", "keepdim"), family="reduction",
            differentiable=False, dtypes=("float32", "bool"), sample=dim_samples(1))
