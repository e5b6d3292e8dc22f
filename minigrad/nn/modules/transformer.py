"""Transformer layers as torch builds them: ``TransformerEncoderLayer``,
``TransformerDecoderLayer`` (self-attention, [cross-attention,] feed-forward, each with a
residual connection and a LayerNorm after it, or before it with ``norm_first``), and the stacks
``TransformerEncoder`` / ``TransformerDecoder`` of deep copies of one layer."""
import copy
import warnings

from ... import creation
from ...autograd.grad_mode import is_grad_enabled
from .. import functional as F
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .layer_norm import LayerNorm
from .linear import Linear
from .module import Module
from ..._device import EMPTY, check_device

__all__ = ["TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerDecoder", "generate_square_subsequent_mask"]


def generate_square_subsequent_mask(sz, device=None, dtype=None):
    """(sz, sz) float mask: 0 on and below the diagonal, -inf above (no looking ahead)."""
    ones = creation.full((sz, sz), float("-inf"), dtype=dtype, device=device)
    return ones.triu(diagonal=1)


def _activation(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if isinstance(activation, str):
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return activation


def _attention(d_model, nhead, dropout, bias, batch_first, dtype):
    return MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                              batch_first=batch_first, dtype=dtype)


class _Block(Module):
    """The feed-forward block and the norms/dropouts both layer kinds share."""

    def _feed_forward(self, d_model, dim_feedforward, dropout, activation, layer_norm_eps,
                      norm_first, bias, dtype):
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)

    def _set_activation(self, activation):
        self.activation_relu_or_gelu = (2 if activation in ("gelu", F.gelu) else
                                        1 if activation in ("relu", F.relu) else 0)
        self.activation = _activation(activation)

    def _ff_block(self, x, out_dropout):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return out_dropout(x)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)


class TransformerEncoderLayer(_Block):
    """x + SelfAttn(x) -> LayerNorm -> x + FeedForward(x) -> LayerNorm (norm_first: the
    norms go before each block)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__()
        self.self_attn = _attention(d_model, nhead, dropout, bias, batch_first, dtype)
        self._feed_forward(d_model, dim_feedforward, dropout, activation, layer_norm_eps,
                           norm_first, bias, dtype)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self._set_activation(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_Block):
    """Self-attention, cross-attention over ``memory``, feed-forward; each with a residual
    connection and a LayerNorm (after, or before with norm_first)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__()
        self.self_attn = _attention(d_model, nhead, dropout, bias, batch_first, dtype)
        self.multihead_attn = _attention(d_model, nhead, dropout, bias, batch_first, dtype)
        self._feed_forward(d_model, dim_feedforward, dropout, activation, layer_norm_eps,
                           norm_first, bias, dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))
        return self.norm3(x + self._ff_block(x, self.dropout3))


def _why_not_nested(layer):
    """torch's reason for not using nested tensors with this layer ('' when it would)."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    attn = layer.self_attn
    reasons = [
        (layer.norm_first, f"{name}.norm_first was True"),
        (not attn.batch_first, f"{name}.self_attn.batch_first was not True(use batch_first for "
                               "better inference performance)"),
        (not attn._qkv_same_embed_dim, f"{name}.self_attn._qkv_same_embed_dim was not True"),
        (attn.in_proj_bias is None, f"{name}.self_attn was passed bias=False"),
        (not layer.activation_relu_or_gelu, f"{name}.activation_relu_or_gelu was not True"),
        (layer.norm1.eps != layer.norm2.eps, f"{name}.norm1.eps was not equal to "
                                             f"{name}.norm2.eps"),
        (attn.num_heads % 2 == 1, f"{name}.self_attn.num_heads is odd"),
    ]
    return next((reason for failed, reason in reasons if failed), "")


def _is_causal_mask(mask, is_causal, size):
    """torch's _detect_is_causal_mask: the hint if given, else whether mask is the causal one."""
    if is_causal is not None or mask is None:
        return is_causal is True
    causal = generate_square_subsequent_mask(size if size is not None else mask.shape[-2],
                                             dtype=mask.dtype)
    return tuple(mask.shape) == tuple(causal.shape) and bool((mask == causal).all())


def _stack_causal(layers, x, mask, is_causal):
    """(batch_first of the first layer, whether mask is causal for x's sequence length)."""
    batch_first = len(layers) > 0 and layers[0].self_attn.batch_first
    seq_len = x.shape[1 if batch_first and x.ndim == 3 else 0]
    return batch_first, _is_causal_mask(mask, is_causal, seq_len)


class TransformerEncoder(Module):
    """``num_layers`` copies of encoder_layer applied in turn, then ``norm`` if given."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor = self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why}", stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        batch_first, is_causal = _stack_causal(self.layers, src, mask, is_causal)
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal,
                           src_key_padding_mask=src_key_padding_mask)
        if self._as_nested(src, mask, src_key_padding_mask):
            # torch runs this case on nested tensors and pads the result back with zeros
            padded = (src_key_padding_mask != 0).unsqueeze(-1)
            output = output.masked_fill(padded if batch_first else padded.transpose(0, 1), 0.0)
        return output if self.norm is None else self.norm(output)

    def _as_nested(self, src, mask, key_padding_mask):
        """Whether torch would take its nested-tensor path (inference with a left-aligned
        padding mask and no grad to record)."""
        first = self.layers[0] if len(self.layers) else None
        if (first is None or not self.use_nested_tensor or first.training or src.ndim != 3
                or key_padding_mask is None or mask is not None):
            return False
        kept = (key_padding_mask == 0).numpy()
        if self.mask_check and (kept[:, 1:] & ~kept[:, :-1]).any():
            return False
        attn = first.self_attn
        tensors = [src, attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight,
                   attn.out_proj.bias] + [p for m in (first.norm1, first.norm2, first.linear1,
                                                      first.linear2) for p in (m.weight, m.bias)]
        return not (is_grad_enabled() and any(t is not None and t.requires_grad
                                              for t in tensors))


class TransformerDecoder(Module):
    """``num_layers`` copies of decoder_layer applied in turn over memory, then ``norm``."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        _, tgt_is_causal = _stack_causal(self.layers, tgt, tgt_mask, tgt_is_causal)
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)
