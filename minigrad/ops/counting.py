"""Counting and locating: ``bincount``, ``histc``, ``histogram``, ``unique``,
``unique_consecutive``, ``searchsorted``, ``bucketize``. None of them has a gradient.

Histograms bin as torch's kernel does, in the input's dtype: bin edges are ``linspace(lo, hi,
bins + 1)``; an element ``e`` in [lo, hi] goes to bin ``int((e - lo) * bins / (hi - lo))``
(``histogram`` with a bin count then moves it by at most one bin so that it agrees with the
edges; with edges given it is found by binary search), the last edge being inclusive; elements
outside, and NaN, are not counted.
"""
import numpy as np

from .. import return_types
from .._dtype import from_numpy_dtype
from .._tensor import Tensor, _make, wrap_dim
from ..creation import linspace
from .registry import register
from ._util import silent_fp

__all__ = ["bincount", "histc", "histogram", "unique", "unique_consecutive", "searchsorted",
           "bucketize"]


def _num(x):
    """A double as C++ streams print it (6 significant digits): 3.0 -> 3, 0.5 -> 0.5."""
    x = float(x)
    if x != x:
        return "-nan" if np.signbit(x) else "nan"
    return f"{x:g}"


def _not_implemented(kernel, array):
    return NotImplementedError(f'"{kernel}" not implemented for '
                               f"'{from_numpy_dtype(array.dtype).short_name}'")


# ---- bincount --------------------------------------------------------------------------------
def _bincount_sample(rng, dtype):
    yield [rng.integers(0, 6, 10)], {}
    yield [rng.integers(0, 4, 7), rng.standard_normal(7).astype(dtype), 6], {}


@register(args=("input",), family="counting", differentiable=False, sample=_bincount_sample)
def bincount(input, weights=None, minlength=0):
    """How often each value 0..max(input) occurs in a 1-D non-negative integer tensor (summing
    ``weights`` instead of ones when given); at least ``minlength`` bins."""
    x = input._data
    if x.dtype.kind == "f" or x.dtype == np.bool_:
        raise _not_implemented("bincount_cpu", x)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    length = max(int(x.max()) + 1 if x.size else 0, int(minlength))
    if weights is None or x.size == 0:         # torch: an empty input counts in int64
        return _make(np.bincount(x, minlength=length).astype(np.int64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dtype = w.dtype if w.dtype.kind == "f" else np.float64
    out = np.zeros(length, out_dtype)
    np.add.at(out, x, w.astype(out_dtype))
    return _make(out)


# ---- histograms ------------------------------------------------------------------------------
@silent_fp
def _bin_counts(x, edges, weight, by_interpolation, local_search):
    """hist over ``edges`` (torch's histogramdd kernel for one dim)."""
    dt = x.dtype.type
    nbins = edges.size - 1
    hist = np.zeros(nbins, x.dtype)
    flat = x.reshape(-1)
    lo, hi = edges[0], edges[-1]
    inside = (flat >= lo) & (flat <= hi)
    elt = flat[inside]
    if by_interpolation:
        pos = ((elt - lo) * dt(nbins) / (hi - lo)).astype(np.int64)
        if local_search:        # upper_bound among edges[pos - 1 : pos + 2]
            pos_min = np.maximum(pos - 1, 0)
            pos_max = np.minimum(pos + 2, edges.size)
            found = pos_min.copy()
            for k in range(3):
                j = pos_min + k
                found = np.where((j < pos_max) & (edges[np.minimum(j, nbins)] <= elt), j + 1,
                                 found)
            pos = found - 1
    else:
        pos = np.searchsorted(edges, elt, side="right") - 1
    pos = np.where(pos == nbins, nbins - 1, pos)      # the last edge is inclusive
    np.add.at(hist, pos, 1 if weight is None else weight.reshape(-1)[inside])
    return hist


def _check_bins(bins, fname):
    if bins <= 0:
        raise RuntimeError(f"{fname}: bins must be > 0, but got {bins} for dimension 0")


def _histc_sample(rng, dtype):
    x = rng.standard_normal(20).astype(dtype)
    yield [x], {"bins": 7}
    yield [x], {"bins": 5, "min": -1.0, "max": 1.0}


@register(args=("input",), family="counting", differentiable=False, sample=_histc_sample)
def histc(input, bins=100, min=0, max=0):  # noqa: A002 - torch's names
    """Counts of ``input`` in ``bins`` equal bins over [min, max] (the data's range when
    min == max; widened by 1 each side if that is empty too)."""
    x = input._data
    if x.dtype.kind != "f":
        raise _not_implemented("histogram_cpu", x)
    _check_bins(bins, "torch.histogram()")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(np.min(x)), float(np.max(x))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_num(lo)}, {_num(hi)}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    edges = linspace(lo, hi, bins + 1, dtype=input.dtype)._data
    return _make(_bin_counts(x, edges, None, True, False))


def _histogram_sample(rng, dtype):
    x = rng.standard_normal(20).astype(dtype)
    yield [x, 6], {}
    yield [x, np.array([-1.0, 0.0, 0.5, 2.0], dtype)], {"density": True}
    yield [x, 4], {"range": (-1.0, 1.0)}


@register(args=("input", "bins"), family="counting", differentiable=False,
          sample=_histogram_sample)
def histogram(input, bins, *, range=None, weight=None, density=False, out=None):  # noqa: A002
    """(hist, bin_edges): ``bins`` equal bins over ``range`` (the data's range by default), or
    the given edges; ``weight`` sums weights, ``density`` divides by total and bin width."""
    x = input._data
    if x.dtype.kind != "f":
        raise _not_implemented("histogramdd", x)
    w = None if weight is None else weight._data
    if isinstance(bins, Tensor):
        edges = bins._data.astype(x.dtype)
        hist = _bin_counts(x, edges, w, False, False)
    else:
        _check_bins(int(bins), "torch.histogram()")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif x.size:
            lo, hi = float(np.min(x)), float(np.max(x))
        else:
            lo, hi = 0.0, 1.0          # an empty input: [0, 1], as NumPy
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_num(lo)}, "
                               f"{_num(hi)}] is not finite")
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                               f"{_num(lo)} max {_num(hi)} for dimension 0")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = linspace(lo, hi, int(bins) + 1, dtype=input.dtype)._data
        hist = _bin_counts(x, edges, w, True, True)
    if density:
        with np.errstate(all="ignore"):
            hist = (hist / hist.sum()).astype(x.dtype) / np.diff(edges)
    return return_types.histogram((_make(hist.astype(x.dtype)), _make(edges.copy())))


# ---- unique ----------------------------------------------------------------------------------
def _unique_result(values, inverse, counts, return_inverse, return_counts):
    out = [_make(values)]
    if return_inverse:
        out.append(_make(inverse.astype(np.int64)))
    if return_counts:
        out.append(_make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def _unique_sample(rng, dtype):
    x = rng.integers(-2, 3, (3, 4)).astype(dtype)
    yield [x], {"return_inverse": True, "return_counts": True}
    yield [x], {"dim": 1, "return_counts": True}


@register(args=("input",), family="counting", differentiable=False, sample=_unique_sample)
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values (or slices along ``dim``), sorted; optionally where each element
    went (inverse) and how often each occurs (counts). NaNs are each distinct."""
    x = input._data
    if dim is None:
        values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        inverse = inverse.reshape(x.shape)
    else:
        d = wrap_dim(dim, max(x.ndim, 1))
        values, inverse, counts = np.unique(x, axis=d, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(-1)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


@register(args=("input",), family="counting", differentiable=False, sample=_unique_sample)
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Each run of equal neighbours (elements, or slices along ``dim``) kept once."""
    x = input._data
    if dim is None:
        flat = x.reshape(-1)
        starts = np.ones(flat.size, bool)
        starts[1:] = flat[1:] != flat[:-1]
        values = flat[starts]
        run_of = np.cumsum(starts) - 1
        inverse = run_of.reshape(x.shape)
    else:
        d = wrap_dim(dim, max(x.ndim, 1))
        moved = np.moveaxis(x, d, 0).reshape(x.shape[d], -1)
        starts = np.ones(moved.shape[0], bool)
        starts[1:] = (moved[1:] != moved[:-1]).any(axis=1)
        values = np.compress(starts, x, axis=d)
        inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(np.flatnonzero(starts), starts.size))
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


# ---- searchsorted / bucketize ----------------------------------------------------------------
def _search(boundaries, values, right):
    side = "right" if right else "left"
    if boundaries.ndim == 1:
        return np.searchsorted(boundaries, values, side=side)
    rows = int(np.prod(values.shape[:-1]))
    rows_b = boundaries.reshape(rows, boundaries.shape[-1])
    rows_v = values.reshape(rows, values.shape[-1])
    out = np.stack([np.searchsorted(b, v, side=side) for b, v in zip(rows_b, rows_v)])
    return out.reshape(values.shape)


def _searchsorted_sample(rng, dtype):
    b = np.sort(rng.standard_normal(6)).astype(dtype)
    yield [b, rng.standard_normal((2, 3)).astype(dtype)], {}
    yield [np.sort(rng.standard_normal((2, 5)), -1).astype(dtype),
           rng.standard_normal((2, 3)).astype(dtype)], {"right": True}


@register(args=("sorted_sequence", "input"), forms=("function",), family="counting",
          differentiable=False, sample=_searchsorted_sample)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Where each value of ``input`` would be inserted into ``sorted_sequence`` (its last dim)
    to keep it sorted: the first such place, or the last with ``right`` / ``side="right"``."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    boundaries = sorted_sequence._data
    if sorter is not None:
        boundaries = np.take_along_axis(boundaries, sorter._data, axis=-1)
    scalar = not isinstance(input, Tensor)
    values = np.asarray(input, boundaries.dtype) if scalar else input._data
    if scalar and boundaries.ndim != 1:
        raise RuntimeError(
            "torch.searchsorted(): input value can be a scalar only when boundaries tensor "
            f"dimension is 1, but we got boundaries tensor dim({boundaries.ndim}) and input "
            "value's dim(0) numel(1)")
    if boundaries.ndim > 1 and (values.ndim != boundaries.ndim
                                or values.shape[:-1] != boundaries.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(boundaries.shape)} and input value tensor "
            f"{list(values.shape)}")
    out_dtype = np.int32 if out_int32 else np.int64
    return _make(np.asarray(_search(boundaries, values, right), dtype=out_dtype))


def _bucketize_sample(rng, dtype):
    yield [rng.standard_normal((2, 3)).astype(dtype),
           np.sort(rng.standard_normal(5)).astype(dtype)], {}


@register(args=("input", "boundaries"), forms=("function",), family="counting",
          differentiable=False, sample=_bucketize_sample)
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each element given sorted 1-D ``boundaries``: searchsorted(boundaries,
    input)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
