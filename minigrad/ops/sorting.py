"""Sorting and order statistics: sort, argsort, topk, kthvalue, median, and the two-output
moments std_mean / var_mean.

Every op here picks elements by position in a stable sort (NaN counts as the largest value, as
in torch); where values tie, topk, kthvalue and sort (unless asked to be stable) report the
elements torch's algorithms report (``_tie_order.py``). The backward of a value-selecting op
puts each gradient back where its value came from (``_select_back``: a scatter into zeros);
``median()`` over all elements shares the gradient evenly between the tied medians, like
``max()``.
"""
import numpy as np

from .. import return_types
from .._args import check_int
from .._tensor import Tensor, _make, wrap_dim
from ..autograd.function import Function
from ._tie_order import kthvalue_indices, sort_indices, topk_indices
from ._util import register_methods
from .clamp import where
from .reduction import (_ALL, _FullExtremum, _check_reducible, _kept_shape, _reduce_numel,
                        _select_back, _unreduce)
from .statistics import _np_var, _var_args, _var_grad

__all__ = ["sort", "argsort", "topk", "kthvalue", "median", "std_mean", "var_mean"]


def _stable_argsort(x, dim, descending):
    """Indices sorting x along dim; ties keep their order, NaN is the largest value."""
    if not descending:
        return np.argsort(x, axis=dim, kind="stable")
    # descending and stable: sort the reversed slice ascending, then read it backwards
    n = x.shape[dim]
    flipped = np.argsort(np.flip(x, dim), axis=dim, kind="stable")
    return n - 1 - np.flip(flipped, dim)


class _Selecting(Function):
    """(values, indices) of elements picked along ``dim``; the indices get no gradient.

    ``select(x, dim)`` gives the picked indices (keepdim form). A 0-dim x is treated as 1-D.
    """

    n_outputs = 2

    @classmethod
    def differentiable_outputs(cls):
        return (True, False)

    @staticmethod
    def pick(ctx, x, dim, keepdim, select):
        ctx.scalar = x.ndim == 0
        if x.ndim == 0:
            return x.copy(), np.zeros((), np.int64)
        idx = select(x, dim)
        ctx.shape, ctx.dim, ctx.keepdim, ctx.indices = x.shape, dim, keepdim, idx
        values = np.take_along_axis(x, idx, axis=dim)
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        return values, idx.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        gx = grad if ctx.scalar else _select_back(grad, ctx.indices, ctx.dim, ctx.keepdim,
                                                  ctx.shape)
        return (gx,) + (None,) * (len(ctx.needs_input_grad) - 1)


def _argsort(x, dim, descending, stable):
    order = _stable_argsort(x, dim, descending)
    return order if stable or x.ndim == 0 else sort_indices(x, dim, descending, order)


class SortBackward0(_Selecting):
    """values, indices = x.sort(dim)     grad_x = grad scattered back to indices along dim"""

    @staticmethod
    def forward(ctx, x, dim, descending, stable=False):
        return _Selecting.pick(ctx, x, dim, True,
                               lambda a, d: _argsort(a, d, descending, stable))


class SortBackward1(SortBackward0):
    """values, indices = x.sort(dim, stable=...)     grad_x = grad scattered back to indices"""


def _check_k(x, k, dim, lo, message):
    if not lo <= k <= (x.shape[dim] if x.ndim else 1):
        raise RuntimeError(message)


class TopkBackward0(_Selecting):
    """values, indices = x.topk(k, dim)     grad_x = grad scattered back to indices along dim"""

    @staticmethod
    def forward(ctx, x, k, dim, largest, sorted_):
        _check_k(x, k, dim, 0, "selected index k out of range")
        return _Selecting.pick(ctx, x, dim, True, lambda a, d: topk_indices(
            a, k, d, largest, sorted_, _stable_argsort(a, d, largest)))


def _order_statistic(x, dim, position):
    """Indices (keepdim form) of the element at ``position`` of each sorted slice (NaN sorts
    last); a slice holding NaN gives its first NaN, as torch's median does."""
    order = np.argsort(x, axis=dim, kind="stable")
    n = x.shape[dim]
    valid = np.sum(~np.isnan(x), axis=dim, keepdims=True) if x.dtype.kind == "f" else n
    pos = np.where(valid < n, valid, position) * np.ones(_kept_shape(x.shape, (dim,)), np.intp)
    return np.take_along_axis(order, pos, axis=dim)


class KthvalueBackward0(_Selecting):
    """values, indices = x.kthvalue(k, dim)     grad_x = grad placed at indices along dim"""

    @staticmethod
    def forward(ctx, x, k, dim, keepdim):
        _check_k(x, k, dim, 1, f"kthvalue(): selected number k out of range for dimension {dim}")
        return _Selecting.pick(ctx, x, dim, keepdim, lambda a, d: kthvalue_indices(
            a, k, d, np.argsort(a, axis=d, kind="stable")))


class MedianBackward1(_Selecting):
    """values, indices = x.median(dim)     grad_x = grad placed at indices along dim"""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        if x.ndim:
            _check_reducible("median", x.shape, (dim,))
        return _Selecting.pick(ctx, x, dim, keepdim,
                               lambda a, d: _order_statistic(a, d, (a.shape[d] - 1) // 2))


class MedianBackward0(_FullExtremum):
    """out = x.median() (the lower median)     grad_x = grad / (number of ties), at each tie"""

    @staticmethod
    def forward(ctx, x):
        flat = np.sort(x.reshape(-1), kind="stable")
        if flat.size == 0:
            out = np.asarray(np.nan, x.dtype)
        else:
            out = np.asarray(flat[(flat.size - 1) // 2 if not np.isnan(flat[-1]) else -1])
        ctx.save_for_backward(x, out)
        return out


# ---- moments with two outputs -------------------------------------------------------------------
class _MomentMean(Function):
    """(std or var, mean) over ``dims``; both outputs differentiable."""

    n_outputs = 2

    @classmethod
    def forward(cls, ctx, x, dims, correction, keepdim, full):
        ctx.args = dims, correction, keepdim, full
        spread = _np_var(x, dims, correction, keepdim, cls.take_sqrt,
                         "std_mean" if cls.take_sqrt else "var_mean")
        if cls.take_sqrt:   # the square root in double, as std computes it
            spread = np.sqrt(spread).astype(x.dtype)
        ctx.save_for_backward(x, spread)
        mean = np.mean(x, axis=dims, keepdims=keepdim).astype(x.dtype, copy=False)
        return spread, np.asarray(mean)

    @classmethod
    def backward(cls, ctx, grad_spread, grad_mean):
        x = ctx.saved_tensors[0]
        dims, _, keepdim, _ = ctx.args
        gx = None
        if grad_spread is not None:
            if cls.take_sqrt:
                out = ctx.saved_tensors[1]
                grad_spread = where(out == 0, 0.0, grad_spread / (out * 2))
            gx = _var_grad(grad_spread, x, *ctx.args)
        if grad_mean is not None:
            gm = _unreduce(grad_mean, dims, keepdim, x.shape) / _reduce_numel(x.shape, dims)
            gx = gm if gx is None else gx + gm
        return gx, None, None, None, None


class VarMeanBackward0(_MomentMean):
    """var, mean = var_mean(x, dim)   grad_x = grad_var 2 (x - mean) / (N - c) + grad_mean / N"""

    take_sqrt = False


class StdMeanBackward0(_MomentMean):
    """std, mean = std_mean(x, dim)   grad_x = grad_std (x - mean) / ((N - c) std) + grad_mean/N"""

    take_sqrt = True


# ---- public functions ---------------------------------------------------------------------------
def _indices_without_graph(result_type, values, indices):
    return result_type((values, _make(indices._data)))


def _dim(input, dim):
    return wrap_dim(dim, max(input._data.ndim, 1))


def sort(input, dim=-1, descending=False, *, stable=None):
    """(values, indices) sorted along ``dim``; ``stable=True`` keeps ties in order, otherwise
    they are where torch's sort leaves them. Passing ``stable`` picks torch's other overload
    (SortBackward1)."""
    cls = SortBackward0 if stable is None else SortBackward1
    values, indices = cls.apply(input, _dim(input, dim), bool(descending), bool(stable))
    return _indices_without_graph(return_types.sort, values, indices)


def argsort(input, dim=-1, descending=False, *, stable=False):
    """The int64 indices that sort ``input`` along ``dim`` (ties as ``sort`` leaves them)."""
    x = input._data
    d = _dim(input, dim)
    if x.ndim == 0:
        return _make(np.zeros((), np.int64))
    return _make(_argsort(x, d, descending, stable).astype(np.int64, copy=False))


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - torch's name
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices, sorted."""
    k = check_int("topk", k, "k", 1)
    values, indices = TopkBackward0.apply(input, k, _dim(input, dim), bool(largest), sorted)
    return _indices_without_graph(return_types.topk, values, indices)


def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element (1-based) along ``dim`` and its index."""
    values, indices = KthvalueBackward0.apply(input, int(k), _dim(input, dim), keepdim)
    return _indices_without_graph(return_types.kthvalue, values, indices)


def median(input, dim=_ALL, keepdim=False):
    """The lower median of all elements (0-dim), or (values, indices) along ``dim``.
    NaN propagates: a slice holding NaN has median NaN. ``dim=None`` is a TypeError, as in torch
    (the all-elements form takes no dim at all)."""
    if dim is _ALL:
        return MedianBackward0.apply(input)
    check_int("median", dim, "dim", 1)
    values, indices = MedianBackward1.apply(input, _dim(input, dim), keepdim)
    return _indices_without_graph(return_types.median, values, indices)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over ``dim`` in one node; same arguments as ``var``."""
    return VarMeanBackward0.apply(*_var_args(input, dim, unbiased, keepdim, correction))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over ``dim`` in one node; same arguments as ``std``."""
    return StdMeanBackward0.apply(*_var_args(input, dim, unbiased, keepdim, correction))


register_methods(Tensor, {
    "sort": sort, "argsort": argsort, "topk": topk, "kthvalue": kthvalue, "median": median,
})
