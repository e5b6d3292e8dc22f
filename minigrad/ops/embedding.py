"""Embedding lookups: ``F.embedding`` (rows of a weight matrix picked by index) and
``F.embedding_bag`` (those rows summed, averaged or max-ed per bag), with torch's nodes.

``max_norm`` rescales, in place and outside the graph, every looked-up row whose p-norm exceeds
it (torch's ``embedding_renorm_``) before the lookup.
"""
import numpy as np

from .. import _dtype
from ..autograd import formulas
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from .registry import register

__all__ = ["embedding", "embedding_bag"]


def _check_indices(indices, op):
    if indices.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           "scalar types: Long, Int; but got "
                           f"torch.{indices.dtype.legacy_name} instead (while checking arguments "
                           f"for {op})")


def _check_in_range(idx, num):
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")


def scatter_rows(rows, values, num_rows):
    """A (num_rows, D) array with each row of ``values`` added into row ``rows[i]``, in order
    (out[r] = ((0 + v_first) + v_second) + ..., as ``np.add.at`` adds them).

    ``np.add.at`` pays a per-element dispatch; the same sums are made in layers instead: layer
    k adds the k-th occurrence of every row at once (no row twice in a layer, so a plain
    indexed add), which keeps each row's order of addition. Many repeats of one row (more
    layers than ``_MAX_LAYERS``) go back to ``np.add.at``."""
    out = np.zeros((num_rows,) + values.shape[1:], values.dtype)
    if rows.size == 0:
        return out
    order = np.argsort(rows, kind="stable")           # positions grouped by row, in order
    ordered = rows[order]
    first = np.empty(rows.size, bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    position = np.arange(rows.size)
    occurrence = position - np.maximum.accumulate(np.where(first, position, 0))
    layers = np.bincount(occurrence)
    if layers.size > _MAX_LAYERS:
        np.add.at(out, rows, values)
        return out
    by_layer = order[np.argsort(occurrence, kind="stable")]
    end = 0
    for size in layers:
        picked = by_layer[end:end + size]
        end += size
        out[rows[picked]] += values[picked]
    return out


_MAX_LAYERS = 64


class EmbeddingBackward0(Function):
    """out[..., :] = weight[idx[...], :]
    grad_weight[r] = sum of grad[i] over the positions i with idx[i] == r (none for padding_idx),
    each divided by how often its index occurs when scale_grad_by_freq"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale_grad_by_freq):
        ctx.idx, ctx.num_weights = idx, weight.shape[0]
        ctx.padding_idx, ctx.scale = padding_idx, scale_grad_by_freq
        return weight[idx]

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(EmbeddingDenseBackward0, grad, ctx.idx, ctx.num_weights,
                             ctx.padding_idx, ctx.scale), None, None, None


def _row_coefficients(idx, padding_idx, scale_grad_by_freq, dtype):
    """Per lookup: 0 at padding_idx, 1 / (count of its index) when scaling by frequency, else 1;
    None when every coefficient is 1."""
    if padding_idx is None and not scale_grad_by_freq:
        return None
    coef = np.ones(idx.shape, dtype)
    if scale_grad_by_freq:
        _, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
        coef = coef / counts[inverse.reshape(idx.shape)].astype(dtype)
    if padding_idx is not None:
        coef = np.where(idx == padding_idx, dtype.type(0), coef)
    return np.asarray(coef)


class EmbeddingDenseBackward0(Function):
    """out = the rows of grad added up per index (EmbeddingBackward0's gradient)
    grad_grad[i] = gg[idx[i]], 0 at padding_idx (torch leaves out the 1/count of
    scale_grad_by_freq here, and so does this formula)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, grad, idx, num_weights, padding_idx, scale_grad_by_freq):
        coef = _row_coefficients(idx, padding_idx, scale_grad_by_freq, grad.dtype)
        ctx.idx = idx
        ctx.coef = _row_coefficients(idx, padding_idx, False, grad.dtype)
        rows = grad.reshape(-1, grad.shape[-1])
        if coef is not None:
            rows = rows * coef.reshape(-1, 1)
        return scatter_rows(idx.reshape(-1), rows, num_weights)

    @staticmethod
    def backward(ctx, gg):
        picked = formulas.call(EmbeddingBackward0, gg, ctx.idx, None, False)
        if ctx.coef is not None:
            picked = picked * formulas.constant(ctx.coef[..., None])
        return picked, None, None, None, None


def renorm_rows(weight, idx, max_norm, norm_type):
    """weight[r] *= max_norm / (norm + 1e-7) for each looked-up row r whose norm exceeds
    max_norm: in place, outside the graph (torch's embedding_renorm_)."""
    w = weight._data
    rows = np.unique(idx)
    norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        with no_grad():
            w[rows[big]] *= scale[:, None]
            weight._bump_version()


def _padding(padding_idx, num_weights):
    if padding_idx is None:
        return None
    if not -num_weights <= padding_idx < num_weights:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx + num_weights if padding_idx < 0 else padding_idx


def _embedding_sample(rng, dtype):
    weight = rng.standard_normal((6, 3)).astype(dtype)
    for shape in [(4,), (2, 3), ()]:
        yield [rng.integers(0, 6, shape).astype(np.int64), weight], {}
    yield [np.array([1, 2, 2, 0]), weight], {"padding_idx": 2, "scale_grad_by_freq": True}


@register(nodes=("EmbeddingBackward0",), forms=("functional",), family="embedding",
          args=("input", "weight"), sample=_embedding_sample)
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """weight[input]: one row of ``weight`` per index, shape ``input.shape + (D,)``."""
    _check_indices(input, "embedding")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise NotImplementedError("minigrad has no sparse tensors: embedding(sparse=True) is not "
                                  "supported; use sparse=False for a dense gradient")
    padding_idx = _padding(padding_idx, weight.shape[0])
    idx = input._data.astype(np.int64, copy=False)
    _check_in_range(idx, weight.shape[0])
    if max_norm is not None:
        renorm_rows(weight, idx, max_norm, norm_type)
    return EmbeddingBackward0.apply(weight, idx, padding_idx, scale_grad_by_freq)


# ---- bags ---------------------------------------------------------------------------------------
class EmbeddingBagBackward0(Function):
    """out[b] = reduce over the lookups i of bag b of  w_i weight[idx[i]]   (w_i: per-sample
    weights, 1 without; reduce: sum, mean (sum / bag size) or max (elementwise, argmax kept))
    grad_weight[idx[i]] += grad[bag(i)] w_i (/ bag size for mean; max: only at the argmax)
    grad_w_i = <grad[bag(i)], weight[idx[i]]>"""

    @staticmethod
    def forward(ctx, weight, idx, bag_of, num_bags, mode, per_sample, padding_idx):
        keep = np.ones(idx.shape, bool) if padding_idx is None else idx != padding_idx
        rows = weight[idx]
        if per_sample is not None:
            rows = rows * per_sample[:, None]
        sizes = np.bincount(bag_of[keep], minlength=num_bags)
        ctx.save_for_backward(weight, per_sample)
        ctx.idx, ctx.bag_of, ctx.keep, ctx.mode, ctx.sizes = idx, bag_of, keep, mode, sizes
        if mode == "max":
            return _bag_max(ctx, rows, keep, bag_of, num_bags)
        out = np.zeros((num_bags, weight.shape[1]), weight.dtype)
        np.add.at(out, bag_of[keep], rows[keep])
        if mode == "mean":
            out /= np.maximum(sizes, 1)[:, None].astype(weight.dtype)
        return out

    @staticmethod
    def backward(ctx, grad):
        weight, per_sample = ctx.saved_tensors
        num_weights = weight.shape[0]
        if ctx.mode == "max":
            return _bag_max_grad(ctx, grad, num_weights), None, None, None, None, None, None
        coef = ctx.keep.astype(formulas.data(grad).dtype)
        if ctx.mode == "mean":
            coef = coef / np.maximum(ctx.sizes[ctx.bag_of], 1).astype(coef.dtype)
        per_lookup = formulas.call(EmbeddingBackward0, grad, ctx.bag_of, None, False)  # grad[bag]
        grad_weight = grad_ps = None
        if ctx.needs_input_grad[0]:
            scaled = per_lookup * formulas.constant(coef[:, None])
            if per_sample is not None:
                scaled = scaled * formulas.unsqueeze(per_sample, 1)
            grad_weight = formulas.call(EmbeddingDenseBackward0, scaled, ctx.idx, num_weights,
                                        None, False)
        if per_sample is not None and ctx.needs_input_grad[5]:
            looked_up = formulas.call(EmbeddingBackward0, weight, ctx.idx, None, False)
            grad_ps = formulas.sum(per_lookup * looked_up, 1) * formulas.constant(coef)
        return grad_weight, None, None, None, None, grad_ps, None


def _bag_max(ctx, rows, keep, bag_of, num_bags):
    """Elementwise max over each bag (0 for an empty bag), remembering which lookup gave it
    (the first of equal maxima, as torch)."""
    shape = (num_bags, rows.shape[1])
    kept_rows, kept_bags = rows[keep], bag_of[keep]
    out = np.full(shape, -np.inf, rows.dtype)
    np.maximum.at(out, kept_bags, kept_rows)
    lookup = np.flatnonzero(keep)[:, None]
    first = np.where(kept_rows == out[kept_bags], lookup, np.iinfo(np.int64).max)
    winner = np.full(shape, np.iinfo(np.int64).max)
    np.minimum.at(winner, kept_bags, first)
    empty = winner == np.iinfo(np.int64).max
    ctx.winner = np.where(empty, -1, winner)
    out[empty] = 0
    return out


def _bag_max_grad(ctx, grad, num_weights):
    winner = ctx.winner
    grad = formulas.data(grad)
    out = np.zeros((num_weights, grad.shape[1]), grad.dtype)
    bags, cols = np.nonzero(winner >= 0)
    np.add.at(out, (ctx.idx[winner[bags, cols]], cols), grad[bags, cols])
    return formulas.constant(out)


def _bags(input, offsets, include_last_offset):
    """(flat indices, the bag of each, number of bags) from 2-D input or 1-D input + offsets."""
    idx = input._data.astype(np.int64, copy=False)
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is "
                             "a mini-batch of fixed length sequences. However, found offsets of "
                             f"type {type(offsets)}")
        n, length = idx.shape
        return idx.reshape(-1), np.repeat(np.arange(n), length), n
    if input.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    starts = offsets._data.astype(np.int64)
    if starts.size and starts[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {starts[0]}\n"
                           "[ torch.LongTensor{} ]")
    if starts.size and starts[-1] > idx.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {idx.size} but "
                           f"got offsets[-1] of {starts[-1]}")
    if np.any(np.diff(starts) < 0):
        raise RuntimeError("offsets must be non-decreasing")
    num_bags = starts.size - 1 if include_last_offset else starts.size
    ends = np.append(starts[1:], idx.size)[:num_bags] if num_bags else starts[:0]
    bag_of = np.repeat(np.arange(num_bags), ends - starts[:num_bags])
    return idx[:bag_of.size], bag_of, num_bags


def _bag_sample(rng, dtype):
    weight = rng.standard_normal((6, 3)).astype(dtype)
    yield [rng.integers(0, 6, (2, 3)).astype(np.int64), weight], {}
    for mode in ("sum", "mean", "max"):
        yield [np.array([1, 2, 2, 0, 5]), weight, np.array([0, 2, 2])], {"mode": mode}


@register(nodes=("EmbeddingBagBackward0",), forms=("functional",), family="embedding",
          args=("input", "weight", "offsets"), sample=_bag_sample)
def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums, means or maxima of the embedding rows of each bag, without materialising the
    per-lookup rows as a tensor of their own."""
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    if per_sample_weights is not None and input.shape != per_sample_weights.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse are not "
                                  "supported in minigrad")
    _check_indices(input, "embedding_bag")
    padding_idx = _padding(padding_idx, weight.shape[0])
    idx, bag_of, num_bags = _bags(input, offsets, include_last_offset)
    _check_in_range(idx, weight.shape[0])
    if max_norm is not None:
        renorm_rows(weight, idx, max_norm, norm_type)
    per_sample = None
    if per_sample_weights is not None:
        per_sample = per_sample_weights.reshape(-1)
    return EmbeddingBagBackward0.apply(weight, idx, bag_of, num_bags, mode, per_sample,
                                       padding_idx)

