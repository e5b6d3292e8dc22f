"""Order statistics: ``quantile`` / ``nanquantile`` (five interpolation modes) and ``mode``.

quantile, as torch computes it: sort the reduced dim; the rank of q is ``q * (n - 1)`` (for
nanquantile ``q * (non-NaN count - 1)``, at least 0; for quantile a slice holding NaN gets rank
``n - 1``, where the sorted NaN sits). ``lower`` / ``higher`` / ``nearest`` round the rank down /
up / half to even; ``linear`` and ``midpoint`` interpolate ``lerp(below, above, w)`` with
``w = rank - floor(rank)`` or ``w = 1/2``. Built from differentiable ops (sort, gather, lerp),
so gradients flow to the picked elements as in torch; the result's node is the final in-place
squeeze (SqueezeBackward4), as torch's.

mode: the most frequent value along a dim (the smallest of equally frequent ones; NaN never
equals itself, so it counts once), with the index torch's kernel reports: the last element of
the value's run after libstdc++'s ``std::sort`` (replayed by ``_std_sort`` where ties or NaN
make its order matter).
"""
import numpy as np

from .. import return_types
from .._tensor import Tensor, _make, wrap_dim
from ..creation import full_like
from .reduction import _check_reducible
from .registry import register
from ._std_sort import std_sort
from .sorting import _Selecting
from ..autograd.grad_mode import no_grad

__all__ = ["quantile", "nanquantile", "mode"]

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _check(input, q, interpolation):
    """torch's checks, in its order (every message says quantile(), nanquantile's too)."""
    if not isinstance(q, Tensor) and not 0 <= float(q) <= 1:
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {float(q)}")
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if input._data.dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        if not ((q._data >= 0) & (q._data <= 1)).all():
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    return q if isinstance(q, Tensor) else _make(np.asarray(float(q), input._data.dtype))


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    q = _check(input, q, interpolation)
    # x: the reduced dim last, after the result's shape (with keepdim's 1s)
    if dim is None:
        x = input.reshape((1,) * input.ndim + (-1,) if keepdim else (-1,))
    elif input.ndim == 0:
        wrap_dim(dim, 1)
        x = input.reshape(1)
    else:
        d = wrap_dim(dim, input.ndim)
        x = input.unsqueeze(-1).transpose(d, -1) if keepdim else input.movedim(d, -1)
    sorted_ = x.sort(-1)[0]
    n = sorted_.shape[-1]
    with _no_grad():
        nan = sorted_.isnan()
    qs = q.reshape(-1)
    if ignore_nan:
        ranks = qs * ((~nan).sum(-1, keepdim=True) - 1)
        ranks = ranks.masked_fill(ranks < 0, 0)
    else:
        ranks = (qs * (n - 1)).expand(tuple(sorted_.shape[:-1]) + (qs.shape[0],))
        ranks = ranks.masked_fill(nan.any(-1, keepdim=True), n - 1)
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()
    below = ranks.long()
    values = sorted_.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks - below if interpolation == "linear" else full_like(ranks, 0.5)
        # in place, as torch (the result's version counter shows it)
        values = values.lerp_(sorted_.gather(-1, ranks.ceil().long()), weights)
    if q.ndim == 0:
        return values.squeeze_(-1)
    return values.unsqueeze_(0).transpose_(0, -1).squeeze_(-1)


def _no_grad():
    return no_grad()


def _quantile_sample(rng, dtype):
    x = rng.standard_normal((3, 5)).astype(dtype)
    yield [x, 0.3], {}
    yield [x, np.array([0.0, 0.25, 1.0], dtype)], {"dim": 1}
    for mode in _INTERPOLATIONS:
        yield [x, 0.4], {"dim": 0, "keepdim": True, "interpolation": mode}


@register(nodes=("SqueezeBackward4",), args=("input", "q"), family="statistics",
          sample=_quantile_sample)
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The q-th quantiles of ``input`` over ``dim`` (all elements by default); a 1-D q puts the
    quantiles in a new first dim. NaN in a slice gives NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


@register(nodes=("SqueezeBackward4",), args=("input", "q"), family="statistics",
          sample=_quantile_sample)
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """``quantile`` ignoring NaN (a slice of NaN only gives NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


def _mode_indices(a, dim):
    """Keepdim indices of each slice's mode, as torch's kernel finds it: the slice is ordered by
    ``std::sort`` (``x < y``), then the first longest run of equal neighbours wins and its last
    element is taken."""
    moved = np.moveaxis(a, dim, -1)
    n = moved.shape[-1]
    order = np.argsort(moved, axis=-1, kind="stable")
    rows, orders = moved.reshape(-1, n), order.reshape(-1, n)
    for r, row in enumerate(rows):
        # std::sort keeps ties in order (as a stable sort) only when it needs no partitioning
        # and NaN is absent; otherwise it is replayed
        has_nan = row.dtype.kind == "f" and np.isnan(row).any()
        if has_nan or (n > 16 and np.unique(row).size < n):
            orders[r] = std_sort(row.tolist())
    s = np.take_along_axis(moved, order, axis=-1)
    starts = np.concatenate([np.ones(s.shape[:-1] + (1,), bool), s[..., 1:] != s[..., :-1]],
                            axis=-1)
    position = np.arange(n)
    run_start = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    count = position - run_start + 1
    best = np.argmax(count, axis=-1)[..., None]
    return np.moveaxis(np.take_along_axis(order, best, axis=-1), -1, dim)


class ModeBackward0(_Selecting):
    """values, indices = x.mode(dim)     grad_x = grad placed at indices along dim"""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        if x.ndim:
            _check_reducible("mode", x.shape, (dim,))
        return _Selecting.pick(ctx, x, dim, keepdim, _mode_indices)


def _mode_sample(rng, dtype):
    for shape, dim in [((), 0), ((7,), 0), ((3, 6), 1), ((4, 3), 0)]:
        yield [np.asarray(rng.integers(-2, 3, shape)).astype(dtype)], {"dim": dim}


@register(nodes=("ModeBackward0",), args=("input",), family="statistics", sample=_mode_sample)
def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along ``dim`` and where it last occurs."""
    values, indices = ModeBackward0.apply(input, wrap_dim(dim, max(input._data.ndim, 1)),
                                          bool(keepdim))
    return return_types.mode((values, _make(indices._data)))
