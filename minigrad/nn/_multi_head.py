"""``F.multi_head_attention_forward``: what ``nn.MultiheadAttention`` computes, composed of
linear, matmul, softmax and dropout in torch's order (so values, dropout draws and grad_fn names
agree). Sequences are (L, N, E) here; the module handles ``batch_first`` and unbatched input.

    q, k, v = the input projections (one packed weight (3E, E), or three)
    per head h (E/H columns each):  A_h = softmax(q_h k_hᵀ / √(E/H) + mask)   out_h = A_h v_h
    out = concat_h(out_h) W_oᵀ + b_o        weights: A (averaged over heads unless told)
"""
import math
import warnings

from .. import creation
from ..ops import join
from . import functional as F

__all__ = ["multi_head_attention_forward"]


def canonical_mask(mask, name, other_name, other, target_dtype):
    """A bool mask as a float one (-inf where True), a float mask unchanged (torch's
    ``_canonical_mask``); errors for other dtypes."""
    if mask is None:
        return None
    if mask.dtype != creation.tensor(True).dtype and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if other is not None and mask.dtype != other.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same "
                      "type for both instead.", stacklevel=4)
    if not mask.is_floating_point():
        return creation.zeros_like(mask, dtype=target_dtype).masked_fill(mask, float("-inf"))
    return mask


def _in_projection(query, key, value, w, b, separate):
    """q, k, v projections: the packed (3E, E) weight sliced in three, or three weights."""
    e = query.shape[-1]
    if separate is not None:
        w_q, w_k, w_v = separate
        b_q = b_k = b_v = None
        if b is not None:
            b_q, b_k, b_v = b[:e], b[e:2 * e], b[2 * e:]
        return F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)
    if key is value and query is key:                   # self-attention: one matmul
        proj = F.linear(query, w, b)
        proj = proj.reshape(*proj.shape[:-1], 3, e).unsqueeze(0).transpose(0, -2).squeeze(-2)
        proj = proj.contiguous()
        return proj[0], proj[1], proj[2]
    w_q, w_kv = w[:e], w[e:]
    b_q = b_kv = None
    if b is not None:
        b_q, b_kv = b[:e], b[e:]
    if key is value:
        kv = F.linear(key, w_kv, b_kv)
        kv = kv.reshape(*kv.shape[:-1], 2, e).unsqueeze(0).transpose(0, -2).squeeze(-2)
        kv = kv.contiguous()
        return F.linear(query, w_q, b_q), kv[0], kv[1]
    w_k, w_v = w_kv[:e], w_kv[e:]
    b_k = b_v = None
    if b_kv is not None:
        b_k, b_v = b_kv[:e], b_kv[e:]
    return F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)


def _pad_last(mask):
    """One more column of zeros (the key added by bias_k or add_zero_attn)."""
    if mask is None:
        return None
    return join.cat([mask, creation.zeros(*mask.shape[:-1], 1, dtype=mask.dtype)], -1)


def _heads(x, length, bsz, num_heads, head_dim):
    """(length, bsz, E) -> (bsz * num_heads, length, head_dim)."""
    return x.view(length, bsz * num_heads, head_dim).transpose(0, 1)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                                 out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention over (L, N, E) query and (S, N, E) key/value, or unbatched
    (L, E) / (S, E); returns (output, weights or None)."""
    batched = query.ndim == 3
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask", "attn_mask",
                                      attn_mask, query.dtype)
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None                      # the causal hint alone tells sdpa
    else:
        attn_mask = canonical_mask(attn_mask, "attn_mask", "key_padding_mask", None,
                                   query.dtype)
        is_causal = is_causal and key_padding_mask is None and attn_mask is None

    separate = ((q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight
                else None)
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate)
    if attn_mask is not None and attn_mask.ndim == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but "
                               f"should be {(tgt_len, src_len)}.")
        attn_mask = attn_mask.unsqueeze(0)
    if bias_k is not None and bias_v is not None:
        k = join.cat([k, bias_k.repeat(1, bsz, 1)])
        v = join.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    q = _heads(q, tgt_len, bsz, num_heads, head_dim)
    k = _heads(k, k.shape[0], bsz, num_heads, head_dim) if static_k is None else static_k
    v = _heads(v, v.shape[0], bsz, num_heads, head_dim) if static_v is None else static_v
    if add_zero_attn:
        zeros = creation.zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype)
        k, v = join.cat([k, zeros], 1), join.cat([v, zeros], 1)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        kpm = key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0

    if need_weights:
        scores = (q * math.sqrt(1.0 / head_dim)).bmm(k.transpose(-2, -1))
        if attn_mask is not None:
            scores = attn_mask + scores
        weights = F.softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, p=dropout_p)
        out = weights.bmm(v).transpose(0, 1).contiguous().view(tgt_len * bsz, embed_dim)
        out = F.linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).contiguous().view(bsz * tgt_len, embed_dim)
    out = F.linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
    return (out if batched else out.squeeze(1)), None
