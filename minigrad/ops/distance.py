"""Distances between vectors: ``cosine_similarity``, ``pairwise_distance``, ``pdist``, ``cdist``.

``cosine_similarity`` and ``pairwise_distance`` are compositions, as in torch:
``sum((x1 / max(‖x1‖, eps)) * (x2 / max(‖x2‖, eps)), dim)`` (each norm clamped on its own, the
clamp outside the graph) and ``‖x1 - x2 + eps‖_p`` over the last dim. ``pdist`` and ``cdist``
have their own nodes; for p = 2 on inputs with more than 25 rows (or always, with
``compute_mode='use_mm_for_euclid_dist'``) ``cdist`` takes torch's matrix-product form
``‖a‖² - 2 a·b + ‖b‖²`` (``EuclideanDistBackward0``), faster and less exact for near points.

The derivative of a p-distance d = ‖u‖_p with respect to u (u = x1_i - x2_j):
    p = 1: sign(u);  p = 2: u / d;  p = inf: sign(u) where |u| == d;
    otherwise: sign(u) |u|^(p-1) / d^(p-1)   (0 where d == 0; no gradient for p = 0)
"""
import numpy as np

from .. import _dtype
from .._tensor import _make
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from .arithmetic import AddBackward0, SubBackward0
from .elementwise import _broadcast_error
from .registry import arr, case, cases, register
from .statistics import LinalgVectorNormBackward0, _np_norm

__all__ = ["cosine_similarity", "pairwise_distance", "pdist", "cdist"]


# ---- the Scalar overloads and torch.norm's node (what the compositions record) ------------------
class AddBackward1(AddBackward0):
    """out = a + alpha * s   (s a number, C++'s Scalar overload)        grad_a = grad"""

    edge_args = None        # the number is no edge (torch's add.Scalar)


class SubBackward1(SubBackward0):
    """out = a - alpha * s   (s a number, C++'s Scalar overload)        grad_a = grad"""

    edge_args = None


class NormBackward1(LinalgVectorNormBackward0):
    """out = ‖x‖_p over dim (torch.norm's node)     grad_x = grad sign(x) |x|^(p-1) / out^(p-1)"""


def add_scalar(tensor, number):
    """``tensor + number`` recorded as torch's C++ code records it (AddBackward1)."""
    return AddBackward1.apply(tensor, number)


def sub_scalar(tensor, number):
    """``tensor - number`` recorded as torch's C++ code records it (SubBackward1)."""
    return SubBackward1.apply(tensor, number)


# ---- cosine similarity and the distance of paired rows ------------------------------------------
def _broadcast_pair(x1, x2, expand_both=False):
    """x1 and x2 expanded to their common shape: those whose shape differs from it
    (``broadcast_tensors``), or both when the shapes differ (``expand_outplace``)."""
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise _broadcast_error(x1._data, x2._data) from None
    if expand_both and tuple(x1.shape) != tuple(x2.shape):
        return [x.expand(*shape) for x in (x1, x2)]
    return [x if tuple(x.shape) == shape else x.expand(*shape) for x in (x1, x2)]


def _wrap_dim(dim, ndim):
    low, high = -max(ndim, 1), max(ndim, 1) - 1
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], "
                         f"but got {dim})")
    return dim % max(ndim, 1)


@register(nodes=("SumBackward1", "MulBackward0", "DivBackward0", "CloneBackward0",
                 "LinalgVectorNormBackward0"), forms=("function", "functional"),
          args=("x1", "x2"), family="distance",
          sample=cases(case(arr(3, 4), arr(3, 4)), case(arr(2, 3), arr(3), dim=0),
                       case(arr(4), arr(4), dim=0), case(arr(2, 1, 3), arr(4, 3), dim=-1)))
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x1·x2 / (max(‖x1‖, eps) max(‖x2‖, eps)) along ``dim`` (inputs broadcast together)."""
    if not x1.is_floating_point() and not x2.is_floating_point():
        x1, x2 = (x.to(_dtype.get_default_dtype()) for x in (x1, x2))
    x1, x2 = _broadcast_pair(x1, x2, expand_both=True)
    dim = _wrap_dim(dim, x1.ndim)
    unit = []
    for x in (x1, x2):
        length = x.norm(2, dim, keepdim=True).clone()
        with no_grad():                  # the clamp is outside the graph, as in torch
            length.clamp_min_(eps)
        unit.append(x / length)
    return (unit[0] * unit[1]).sum(dim)


@register(nodes=("NormBackward1", "AddBackward1", "SubBackward0"),
          forms=("function", "functional"), args=("x1", "x2"), family="distance",
          sample=cases(case(arr(3, 4), arr(3, 4)), case(arr(3, 4), arr(4), p=1.0),
                       case(arr(5), arr(5), p=3.0, keepdim=True), case(arr(2, 3), arr(2, 3),
                                                                       p=float("inf"))))
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """‖x1 - x2 + eps‖_p over the last dim (inputs broadcast together)."""
    diff = add_scalar(x1 - x2, eps)
    dims = (diff.ndim - 1,) if diff.ndim else ()
    return NormBackward1.apply(diff, float(p), dims, keepdim)


# ---- distances of every pair: pdist (rows of one matrix), cdist (rows of two) ------------------
def _np_distances(diff, p):
    """The p-norm of diff over its last dim, as a float array."""
    return np.asarray(_np_norm(diff, p, (-1,), False)) if diff.size else \
        np.zeros(diff.shape[:-1], diff.dtype)


def _distance_slope(diff, dist, p):
    """d dist / d diff (Tensor ops, so that it can be differentiated again); see the module
    docstring. ``dist`` has a trailing dim of size 1."""
    sign = diff.sign()
    if p == 1:
        return sign
    zero = dist == 0
    if p == 2:
        return (diff / dist).masked_fill(zero, 0.0)
    if np.isinf(p):
        return sign * (diff.abs() == dist)
    return (sign * diff.abs().pow(p - 1) / dist.pow(p - 1)).masked_fill(zero, 0.0)


def _chunked_rows(count, width):
    """Row ranges of about 2**22 / width rows: the pairwise differences never fill memory."""
    step = max(1, (1 << 22) // max(width, 1))
    return [(start, min(start + step, count)) for start in range(0, count, step)]


class PdistBackward0(Function):
    """out_k = ‖x_i - x_j‖_p for each pair i < j (row-major order)

    grad_x_i = sum_k grad_k d(out_k)/du (u = x_i - x_j),  grad_x_j = -that (see the module doc)
    """

    @staticmethod
    def forward(ctx, x, p):
        first, second = np.triu_indices(x.shape[0], 1)
        out = np.empty(first.shape, x.dtype)
        for lo, hi in _chunked_rows(first.size, x.shape[1]):
            out[lo:hi] = _np_distances(x[first[lo:hi]] - x[second[lo:hi]], p)
        ctx.pairs, ctx.p = (first, second), p
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if ctx.p == 0 or out.numel() == 0:
            return x * 0, None
        first, second = (_make(i) for i in ctx.pairs)
        diff = x.index_select(0, first) - x.index_select(0, second)
        part = grad.unsqueeze(-1) * _distance_slope(diff, out.unsqueeze(-1), ctx.p)
        return (x * 0).index_add(0, first, part).index_add(0, second, -part), None


@register(nodes=("PdistBackward0",), forms=("function", "functional"), family="distance",
          sample=cases(case(arr(4, 3)), case(arr(3, 2), p=1.0), case(arr(5, 2), p=3.0),
                       case(arr(3, 4), p=float("inf"))))
def pdist(input, p=2):
    """The p-distances between every two rows of a 2-D input (pairs i < j, row-major)."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not input.is_floating_point():
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return PdistBackward0.apply(input, float(p))


class CdistBackward0(Function):
    """out[..., i, j] = ‖x1[..., i, :] - x2[..., j, :]‖_p     (batch dims broadcast)

    grad_x1_i = sum_j grad_ij d(out_ij)/du,  grad_x2_j = -sum_i grad_ij d(out_ij)/du
    (u = x1_i - x2_j; see the module docstring)
    """

    @staticmethod
    def forward(ctx, x1, x2, p):
        batch = np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
        a = np.broadcast_to(x1, batch + x1.shape[-2:])
        b = np.broadcast_to(x2, batch + x2.shape[-2:])
        out = np.empty(batch + (a.shape[-2], b.shape[-2]), np.result_type(x1, x2))
        for lo, hi in _chunked_rows(a.shape[-2], b.shape[-2] * a.shape[-1]):
            out[..., lo:hi, :] = _np_distances(a[..., lo:hi, None, :] - b[..., None, :, :], p)
        ctx.p = p
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x1, x2, out = ctx.saved_tensors
        if ctx.p == 0 or out.numel() == 0:
            return x1 * 0, x2 * 0, None
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        part = grad.unsqueeze(-1) * _distance_slope(diff, out.unsqueeze(-1), ctx.p)
        return (part.sum(-2).sum_to_size(x1.shape), (-part.sum(-3)).sum_to_size(x2.shape),
                None)


class EuclideanDistBackward0(Function):
    """out_ij = sqrt(max(‖a_i‖² - 2 a_i·b_j + ‖b_j‖², 0))  (one matrix product; batched)

    grad_a = a rowsum(r) - r b,  grad_b = b colsum(r) - rᵀ a   (r = grad / out, 0 where out = 0)
    """

    @staticmethod
    def forward(ctx, a, b):
        a_sq = np.sum(a * a, axis=-1, keepdims=True)
        b_sq = np.sum(b * b, axis=-1, keepdims=True)
        left = np.concatenate([a * -2, a_sq, np.ones_like(a_sq)], axis=-1)
        right = np.concatenate([b, np.ones_like(b_sq), b_sq], axis=-1)
        out = np.sqrt(np.maximum(left @ np.swapaxes(right, -1, -2), 0))
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        ratio = (grad / out).masked_fill(out == 0, 0.0)
        grad_a = a * ratio.sum(-1, keepdim=True) - ratio.matmul(b)
        grad_b = b * ratio.sum(-2).unsqueeze(-1) - ratio.transpose(-1, -2).matmul(a)
        return grad_a, grad_b


_COMPUTE_MODES = {None: 0, "use_mm_for_euclid_dist_if_necessary": 0,
                  "use_mm_for_euclid_dist": 1, "donot_use_mm_for_euclid_dist": 2}


def _check_cdist(x1, x2, p, compute_mode):
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    for name, x in (("X1", x1), ("X2", x2)):
        if not x.is_floating_point():
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{x.dtype.short_name.capitalize()}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")


def _as_batch(x, batch):
    """x expanded to the batch dims and viewed as (B, rows, cols), recorded as torch does."""
    if not batch:
        return x
    shape = tuple(batch) + tuple(x.shape[-2:])
    x = x.expand(*shape)
    if not x.is_contiguous():
        x = x.clone()
    return x.view(-1, *shape[-2:])


@register(nodes=("CdistBackward0", "EuclideanDistBackward0", "ViewBackward0"),
          forms=("function",), args=("x1", "x2"), family="distance",
          sample=cases(case(arr(3, 4), arr(2, 4)), case(arr(2, 3, 2), arr(4, 2), p=1.0),
                       case(arr(3, 2), arr(3, 2), p=3.0), case(arr(2, 3), arr(4, 3),
                                                                p=float("inf")),
                       case(arr(4, 3), arr(2, 3), compute_mode="use_mm_for_euclid_dist"),
                       case(arr(2, 3, 2), arr(2, 4, 2), compute_mode="use_mm_for_euclid_dist")))
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-distance of every row of x1 (..., P, M) to every row of x2 (..., R, M)."""
    _check_cdist(x1, x2, p, compute_mode)
    mode, rows1, rows2 = _COMPUTE_MODES[compute_mode], x1.shape[-2], x2.shape[-2]
    if p == 2 and (mode == 1 or (mode == 0 and (rows1 > 25 or rows2 > 25))):
        batch = np.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
        out = EuclideanDistBackward0.apply(_as_batch(x1, batch), _as_batch(x2, batch))
        return out.view(*batch, rows1, rows2)  # (a view of itself for 2-D inputs, as torch)
    return CdistBackward0.apply(x1, x2, float(p))
