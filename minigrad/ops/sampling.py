"""``torch.multinomial``: indices drawn from rows of (unnormalised) probabilities, bit for bit with
torch's CPU stream.

torch has two kernels, and which one runs decides how many numbers are drawn:

* without replacement, or with replacement and one sample (makemore's case): the exponential
  race. ``q = empty_like(p).exponential_(1)`` (one U53 per element, in p's memory order), then
  ``s = p / q`` in p's dtype, and the sample is ``argmax(s)`` (first of equal maxima), or the
  ``k`` largest of ``s`` in descending order.  Argmax of ``p / Exp(1)`` picks index i with
  probability ``p_i / sum(p)``; taking the k largest is sampling without replacement.
* with replacement and several samples: inverse CDF.  Per row, ``cdf = cumsum(p) / sum(p)``
  accumulated in p's dtype, its last entry set to 1, and for each sample one U53 ``u`` (row by
  row, sample by sample); the sample is the first index with ``cdf >= u``.

Not reproduced: without replacement, when more samples are asked for than a row has nonzero
probabilities, torch orders the zero-probability indices (all ties at 0) by its partial sort;
minigrad gives them in index order.
"""
import numpy as np

from .. import _generator as _engine
from .._tensor import Tensor
from ..random import _gen, _memory_order
from ._util import register_methods

__all__ = ["multinomial"]

_MAX_CATEGORIES = 1 << 24


def _check_arguments(probs, n_sample, replacement):
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if probs.dtype.kind != "f":
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool"}[probs.dtype.name]
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, "
                           f"got: {name}")
    if n_sample <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and n_sample > probs.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if probs.shape[-1] > _MAX_CATEGORIES:
        raise RuntimeError("number of categories cannot exceed 2^24")


def _exponential_race(probs, n_sample, gen):
    """argmax / top-k of ``p / Exp(1)`` along the last dim (torch's fast path)."""
    with np.errstate(invalid="ignore"):
        valid = probs.max() < np.inf and probs.min() >= 0
    if not valid:
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (probs.sum(axis=-1) == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    # q = empty_like(p): same memory layout as p, filled in memory order
    view, order = _memory_order(probs)
    q_view = _engine.exponential(view.shape, 1.0, probs.dtype, generator=gen)
    q = q_view.transpose(np.argsort(order))
    with np.errstate(divide="ignore"):
        race = probs / q
    if n_sample == 1:
        return np.argmax(race, axis=-1)[..., None]
    # descending by value, ties by index (a stable sort of the negated values)
    ranked = np.argsort(-race, axis=-1, kind="stable")
    return ranked[..., :n_sample]


def _check_row(row):
    """torch checks each entry in turn: ``p >= 0`` (false for NaN too), then finiteness."""
    bad = ~(row >= 0) | ~np.isfinite(row)
    if bad.any():
        first = row[np.argmax(bad)]
        what = "< 0" if not first >= 0 else "= infinity or NaN"
        raise RuntimeError(f"invalid multinomial distribution (encountering probability entry "
                           f"{what})")


def _inverse_cdf(probs, n_sample, gen):
    """Per row: ``n_sample`` draws of U53 located in the normalised cumulative sums."""
    rows = probs.reshape(-1, probs.shape[-1])
    out = np.empty((rows.shape[0], n_sample), dtype=np.int64)
    acc = np.float32 if rows.dtype == np.float16 else rows.dtype
    for i, row in enumerate(rows):
        _check_row(row)
        cdf = np.cumsum(row, dtype=acc)           # sequential, in the row's dtype
        total = cdf[-1]
        if not total > 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        cdf = cdf / total
        cdf[-1] = 1
        u = (gen.random64_array(n_sample) & np.uint64(_engine._MASK53)) * 2.0 ** -53
        out[i] = np.searchsorted(cdf.astype(np.float64), u, side="left")
    return out.reshape(probs.shape[:-1] + (n_sample,))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """``num_samples`` indices per row of ``input`` (1-D or 2-D, non-negative weights), drawn
    with or without replacement; int64, shape ``(num_samples,)`` or ``(rows, num_samples)``."""
    gen = _gen(generator)
    probs = input._data
    n_sample = int(num_samples)
    _check_arguments(probs, n_sample, replacement)
    shape = probs.shape[:-1] + (n_sample,)
    if 0 in shape:
        return Tensor._from_array(np.empty(shape, dtype=np.int64))
    if probs.shape[-1] == 0:          # rows without categories (sampling with replacement)
        if n_sample == 1:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement or n_sample == 1:
        samples = _exponential_race(probs, n_sample, gen)
    else:
        samples = _inverse_cdf(probs, n_sample, gen)
    return Tensor._from_array(np.ascontiguousarray(samples, dtype=np.int64))


register_methods(Tensor, {"multinomial": multinomial})
