"""``F.scaled_dot_product_attention``: softmax(Q Kᵀ · scale + mask) V.

torch picks one of two CPU routes, and the graph shows which:

* the fused kernel (``ScaledDotProductFlashAttentionForCpuBackward0``): 4-D query, key and value
  of equal batch size and head size, no dropout. Here it is one node (below);
* the math route otherwise (3-D or 2-D inputs, dropout, broadcast batches, a value head size of
  its own, a float mask that requires grad): the same formula composed of ordinary ops
  (``matmul``, ``softmax``, the dropout mask drawn from the global generator as ``F.dropout``
  draws it), so its grad_fn is matmul's.

A query row whose every key is masked out gets zeros, not NaN, on both routes (torch's
``_safe_softmax``). ``enable_gqa``: key and value with fewer heads are repeated (each head
``Hq / Hk`` times in a row, as ``repeat_interleave``) to match the query's heads.
"""
import math

import numpy as np

from .. import _buffers, _generator
from .. import _seam as seam
from .._layout import dense_in_stride_order, non_overlapping_and_dense
from .._tensor import _make
from ..autograd import formulas
from ..autograd.function import _NO_CTX, Function
from . import elementwise as ew
from .linalg import _product
from .registry import register
from .softmax import SoftmaxBackward0, softmax_grad

__all__ = ["scaled_dot_product_attention"]


def _last_two_swapped(x):
    return formulas.transpose(x, x.ndim - 2, x.ndim - 1)


def _repeat_heads(x, groups):
    """(B, Hk, S, E) -> (B, Hk * groups, S, E), each head repeated ``groups`` times in a row."""
    if groups == 1:
        return x
    if isinstance(x, np.ndarray):
        return np.repeat(x, groups, axis=-3)
    b, h, s, e = x.shape
    return x.unsqueeze(2).expand(b, h, groups, s, e).reshape(b, h * groups, s, e)


def _sum_head_groups(grad, groups):
    """The gradient of _repeat_heads: each group of ``groups`` heads summed back into one."""
    if groups == 1:
        return grad
    b, h, s, e = grad.shape
    split = formulas.reshape(grad, (b, h // groups, groups, s, e))
    return formulas.sum(split, (2,))


def _probabilities(q, k, bias, dead, scale, groups):
    """P = softmax(q kᵀ · scale + bias) over the keys, 0 on rows with every key masked
    (a formula: arrays in a plain backward, Tensors under create_graph)."""
    scores = (q @ _last_two_swapped(_repeat_heads(k, groups))) * scale
    if bias is not None:
        scores = scores + formulas.constant(bias)
    p = formulas.call(SoftmaxBackward0, scores, scores.ndim - 1)
    return p if dead is None else formulas.where(dead, 0.0, p)


class ScaledDotProductFlashAttentionForCpuBackward0(Function):
    """out = P V,   P = softmax(Q Kᵀ · scale + bias)  (bias: the additive mask, -inf where masked)
    grad_V = Pᵀ grad      dP = grad Vᵀ      dS = P (dP - Σ_keys dP P)
    grad_Q = dS K · scale        grad_K = dSᵀ Q · scale
    (under create_graph, backward recomputes P from Q and K, so that second derivatives see it
    depend on them; otherwise it reuses the forward's P, the same bits)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, q, k, v, bias, dead, scale, groups):
        ctx.save_for_backward(q, k, v)
        ctx.bias, ctx.dead, ctx.scale, ctx.groups = bias, dead, scale, groups
        scores = _scaled(_matmul(q, _repeat_heads(k, groups).swapaxes(-1, -2)), scale)
        if bias is not None:
            fits = np.broadcast_shapes(scores.shape, bias.shape) == scores.shape
            scores = np.add(scores, bias, out=scores if fits else None)
        with np.errstate(invalid="ignore"):
            p = SoftmaxBackward0.forward(_NO_CTX, scores, scores.ndim - 1)
        if dead is not None:
            p = np.where(dead, p.dtype.type(0), p)
        ctx.p = p   # what backward would recompute on arrays, bit for bit
        v_full, out = _repeat_heads(v, groups), _empty_like_query(q)
        if out.dtype == np.float16:    # (the product accumulates in float32)
            np.copyto(out, _matmul(p, v_full))
        else:
            np.matmul(p, v_full, out=out)
        return out

    @staticmethod
    def backward(ctx, grad):
        q, k, v = ctx.saved_tensors
        scale, groups = ctx.scale, ctx.groups
        k_full, v_full = _repeat_heads(k, groups), _repeat_heads(v, groups)
        if isinstance(q, np.ndarray):     # no graph of this backward: the forward's P
            p = ctx.p
        else:
            with np.errstate(invalid="ignore"):
                p = _probabilities(q, k, ctx.bias, ctx.dead, scale, groups)
        d_p = _matmul(grad, _last_two_swapped(v_full))
        d_s = softmax_grad(p, d_p, p.ndim - 1)
        grad_q = _scaled(_matmul(d_s, k_full), scale)
        grad_k = _sum_head_groups(_scaled(_matmul(_last_two_swapped(d_s), q), scale), groups)
        grad_v = _sum_head_groups(_matmul(_last_two_swapped(p), grad), groups)
        return grad_q, grad_k, grad_v, None, None, None, None


def _empty_like_query(q):
    """An empty array for the fused kernel's output, laid out as torch lays it out: with q's
    strides when q is non-overlapping and dense, else dense in q's order of strides (a query
    that is a transposed view of a (B, L, H, E) projection gives an output whose
    ``transpose(1, 2)`` is contiguous, so that ``.contiguous()`` after it copies nothing)."""
    row_major = _buffers.empty(q.shape, q.dtype)
    if row_major.strides == q.strides:
        return row_major
    if non_overlapping_and_dense(q):   # (size-1 dims' strides included, as torch copies them)
        return np.ndarray(q.shape, q.dtype, buffer=row_major.reshape(-1), strides=q.strides)
    return dense_in_stride_order(q, memory=row_major.reshape(-1))


def _matmul(a, b):
    """a @ b (a formula: recorded on Tensors); on arrays into a kept array when large (the
    product ops/linalg.py's matmul computes, the same bits)."""
    return _product(np.matmul, a, b) if isinstance(a, np.ndarray) else a @ b


def _scaled(x, scale):
    """x * scale, on arrays written over x (a product this op has just made)."""
    if isinstance(x, np.ndarray):
        x *= scale
        return x
    return x * scale


@seam.replayed  # (minigrad.compile recomputes the mask from the live mask tensor)
def _additive_mask(attn_mask, is_causal, q, k, dt):
    """(bias, dead rows) as arrays: 0 where a key is visible and -inf where masked (a float mask
    is added as it is); dead marks query rows that see no key at all. (None, None): no mask."""
    L, S = q.shape[-2], k.shape[-2]
    bias = None
    if attn_mask is not None:
        m = attn_mask._data
        if m.dtype == np.bool_:
            bias = np.where(m, dt.type(0), dt.type(-np.inf))
        elif m.dtype == dt:
            bias = m
        else:
            name = attn_mask.dtype.short_name.lower()
            if name == "long":
                name = "long int"
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query "
                               f"dtype, but got attn_mask.dtype: {name} and  query.dtype: "
                               f"{q.dtype.short_name.lower()} instead.")
    if is_causal:
        causal = np.where(np.tri(L, S, dtype=bool), dt.type(0), dt.type(-np.inf))
        bias = causal if bias is None else bias + causal
    if bias is None:
        return None, None
    # (ufuncs only, so that a mask batched by vmap is reduced per example)
    dead = np.logical_and.reduce(np.isinf(bias) & np.signbit(bias), axis=-1, keepdims=True)
    if not dead.any():
        return bias, None
    # a dead row's scores are left finite (its weights become 0 after the softmax), so that
    # neither the softmax nor its gradient meets -inf - -inf
    return np.where(dead, dt.type(0), bias), dead


def _check(query, key, value, dropout_p, enable_gqa):
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{query.dtype.short_name.lower()} key.dtype: {key.dtype.short_name.lower()} and "
            f"value.dtype: {value.dtype.short_name.lower()} instead.")
    if not query.is_floating_point():
        raise RuntimeError("Expected query, key and value to be floating point tensors")
    if query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if enable_gqa and (hq % hk or value.shape[-3] != hk):
            raise RuntimeError("Number of heads in key and value must divide the number of heads "
                               "in query")
        if enable_gqa:
            return hq // hk
    return 1


def _fused_route(query, key, value, attn_mask, dropout_p):
    mask_needs_grad = attn_mask is not None and attn_mask.requires_grad
    return (query.ndim == key.ndim == value.ndim == 4 and dropout_p == 0 and not mask_needs_grad
            and query.shape[-1] == key.shape[-1] == value.shape[-1]
            and query.shape[0] == key.shape[0] == value.shape[0])


def _sdpa_sample(rng, dtype):
    q = rng.standard_normal((2, 3, 4, 5)).astype(dtype)
    k = rng.standard_normal((2, 3, 6, 5)).astype(dtype)
    v = rng.standard_normal((2, 3, 6, 5)).astype(dtype)
    yield [q, k, v], {}
    yield [q, k[..., :4, :], v[..., :4, :]], {"is_causal": True}
    yield [q[0], k[0], v[0]], {"scale": 0.3}
    yield [q, k, v, rng.standard_normal((4, 6)).astype(dtype)], {}


@register(nodes=("ScaledDotProductFlashAttentionForCpuBackward0", "UnsafeViewBackward0",
                 "MmBackward0"), forms=("functional",), family="attention",
          args=("query", "key", "value", "attn_mask"), sample=_sdpa_sample)
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(Q Kᵀ · scale + mask) V, scale = 1/√E by default; optional causal mask, dropout
    on the attention weights, grouped-query heads."""
    groups = _check(query, key, value, dropout_p, enable_gqa)
    dt = query._data.dtype
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    bias, dead = _additive_mask(attn_mask, is_causal, query, key, dt)
    if _fused_route(query, key, value, attn_mask, dropout_p):
        return ScaledDotProductFlashAttentionForCpuBackward0.apply(query, key, value, bias, dead,
                                                                   scale, groups)
    # the math route, composed as torch composes it: √scale on each side of the product
    root = math.sqrt(scale)
    if groups > 1:
        key, value = _repeat_heads(key, groups), _repeat_heads(value, groups)
    scores = (query * root) @ (key.transpose(-2, -1) * root)
    if attn_mask is not None and attn_mask.is_floating_point():
        if dead is not None:                          # (see _additive_mask)
            attn_mask = attn_mask.masked_fill(_make(dead), 0.0)
        scores = scores + attn_mask                   # a float mask may itself need a gradient
        bias, _ = _additive_mask(None, is_causal, query, key, dt)
    if bias is not None:
        scores = scores + _make(bias)
    weights = scores.softmax(-1)
    if dead is not None:
        weights = ew.where(_make(dead), 0.0, weights)
    if dropout_p > 0:
        weights = weights * _make(_generator.dropout_mask(tuple(weights.shape), dropout_p, dt))
    return weights @ value

