"""Cumulative scans along a dim: ``cummax``, ``cummin`` (running extremum and where it was last
reached) and ``logcumsumexp`` (running ``log(sum(exp))``).

The scans walk the dim in order as torch's kernels do, vectorised over the other dims:
``cummax`` takes the new element when ``x >= running`` (so ties move the index forward) and NaN
sticks once met; ``logcumsumexp`` folds ``logaddexp`` from ``-inf`` with torch's handling of
equal infinities.
"""
import numpy as np

from .. import return_types
from .._dtype import from_numpy_dtype
from .._tensor import _make, wrap_dim
from ..autograd.function import Function
from .registry import register
from ._util import silent_fp

__all__ = ["cummax", "cummin", "logcumsumexp"]


def _scan_extremum(x, dim, better):
    """(values, indices) of the running extremum along ``dim``; ``better(new, running)``."""
    values, indices = np.empty_like(x), np.empty(x.shape, np.int64)
    moved = np.moveaxis(x, dim, 0)
    out_v, out_i = np.moveaxis(values, dim, 0), np.moveaxis(indices, dim, 0)
    if moved.shape[0] == 0:
        return values, indices
    run_v, run_i = moved[0].copy(), np.zeros(moved.shape[1:], np.int64)
    out_v[0], out_i[0] = run_v, run_i
    for k in range(1, moved.shape[0]):
        new = moved[k]
        take = better(new, run_v)
        if x.dtype.kind == "f":   # a NaN is taken, and then only a NaN replaces it
            take = np.isnan(new) | (~np.isnan(run_v) & take)
        run_v = np.where(take, new, run_v)
        run_i = np.where(take, k, run_i)
        out_v[k], out_i[k] = run_v, run_i
    return values, indices


class _CumExtremum(Function):
    """values, indices = cummax/cummin(x, dim)     grad_x = zeros.scatter_add(dim, indices, grad)"""

    n_outputs = 2
    better = None

    @classmethod
    def differentiable_outputs(cls):
        return (True, False)

    @classmethod
    def forward(cls, ctx, x, dim):
        if x.ndim == 0:
            values, indices = x.copy(), np.zeros((), np.int64)
        else:
            values, indices = _scan_extremum(x, dim, cls.better)
        ctx.dim, ctx.indices = dim, indices
        ctx.save_for_backward(x)      # torch saves self (an in-place change to it is an error)
        return values, indices

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        x, = ctx.saved_tensors
        if grad.ndim == 0:
            return grad, None
        zeros = grad.new_zeros(x.shape)
        return zeros.scatter_add(ctx.dim, _make(ctx.indices), grad), None


class CummaxBackward0(_CumExtremum):
    """values, indices = cummax(x, dim)     grad_x = zeros.scatter_add(dim, indices, grad)"""

    better = staticmethod(np.greater_equal)


class CumminBackward0(_CumExtremum):
    """values, indices = cummin(x, dim)     grad_x = zeros.scatter_add(dim, indices, grad)"""

    better = staticmethod(np.less_equal)


def _cum_extremum(cls, result_type, input, dim):
    if input._data.ndim == 0 and dim not in (-1, 0):
        raise IndexError(f"{result_type.__name__}(): Expected reduction dim -1 or 0 for scalar "
                         f"but got {dim}")
    d = wrap_dim(dim, max(input._data.ndim, 1))
    values, indices = cls.apply(input, d)
    return result_type((values, _make(indices._data)))


def _scan_sample(rng, dtype):
    for shape, dim in [((), 0), ((5,), 0), ((3, 4), 1), ((3, 4), -2)]:
        x = rng.standard_normal(shape).astype(dtype)
        yield [x, dim], {}


@register(nodes=("CummaxBackward0",), args=("input", "dim"), family="scan",
          sample=_scan_sample)
def cummax(input, dim):
    """Running maximum along ``dim`` and the index where it was (last) reached."""
    return _cum_extremum(CummaxBackward0, return_types.cummax, input, dim)


@register(nodes=("CumminBackward0",), args=("input", "dim"), family="scan",
          sample=_scan_sample)
def cummin(input, dim):
    """Running minimum along ``dim`` and the index where it was (last) reached."""
    return _cum_extremum(CumminBackward0, return_types.cummin, input, dim)


@silent_fp
def _logaddexp_scan(x, dim):
    out = np.empty_like(x)
    moved, out_m = np.moveaxis(x, dim, 0), np.moveaxis(out, dim, 0)
    running = np.full(moved.shape[1:], -np.inf, dtype=x.dtype)
    for k in range(moved.shape[0]):
        new = moved[k]
        lo = np.where(np.isnan(running), running, np.minimum(new, running))
        hi = np.where(np.isnan(running), running, np.maximum(new, running))
        # equal infinities (or -inf twice) stay as they are; NaN propagates
        same_inf = (lo == hi) & ~np.isfinite(lo)
        running = np.where(same_inf, new, np.log1p(np.exp(lo - hi)) + hi).astype(x.dtype)
        out_m[k] = running
    return out


class LogcumsumexpBackward0(Function):
    """out = log(cumsum(exp(x), dim))
    grad_x[j] = sum_{i >= j} grad[i] exp(x[j] - out[i]), computed from the positive and negative
    parts of grad in log space with reversed logcumsumexp (no overflow)"""

    @staticmethod
    def forward(ctx, x, dim):
        if x.dtype.kind != "f":
            raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for '
                                      f"'{from_numpy_dtype(x.dtype).short_name}'")
        ctx.dim = dim
        out = x.copy() if x.ndim == 0 else _logaddexp_scan(x, dim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return grad, None
        dim = ctx.dim
        lowest = float(np.finfo(np.dtype(str(grad.dtype).split(".")[-1])).min)

        def reverse_logcumsumexp(t):
            return logcumsumexp(t.flip(dim), dim).flip(dim)

        log_abs = grad.abs().log()
        log_pos = log_abs.masked_fill(~(grad > 0), lowest)
        log_neg = log_abs.masked_fill(~(grad < 0), lowest)
        pos = (reverse_logcumsumexp(log_pos - out) + x).exp()
        neg = (reverse_logcumsumexp(log_neg - out) + x).exp()
        return pos - neg, None


@register(nodes=("LogcumsumexpBackward0",), args=("input", "dim"), family="scan",
          sample=_scan_sample)
def logcumsumexp(input, dim):
    """``log(cumsum(exp(input), dim))`` computed without overflow."""
    return LogcumsumexpBackward0.apply(input, wrap_dim(dim, max(input._data.ndim, 1)))
