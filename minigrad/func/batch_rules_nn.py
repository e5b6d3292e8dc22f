"""Batching rules of the nn op families (see ``batch_rules.py`` for the conventions).

Three shapes of rule serve them:

* activations are elementwise: ``pointwise`` (operands aligned for broadcasting);
* ops on the trailing dims with any leading dims (padding, upsampling, pixel shuffle, layer
  norm, roll, glu, an embedding's lookup) take the physical tensor as it is, batch dims in
  front: ``direct`` -- or ``along`` where they name a dim, shifted past the batch dims;
* ops whose leading dim is a batch of independent examples (convolution's and group norm's
  N, pooling's planes, attention's N, im2col's N): the vmap batch dims are *folded* into that
  dim, the op runs once on ``(B * N, ...)``, and the outputs unfold to ``(B, N, ...)``:
  ``folded``. Batch norm folds them into the channels instead (each example keeps its own
  statistics).

Where the shared arguments (weights, running statistics) are themselves batched, each rule
hands the op to the per-example loop (``loop_fallback``): correct, just not one call.
"""
import math

import numpy as np

from .. import _tensor
from .batch_rules import RULES, along, pointwise
from .batching import align, batch_sizes, is_batched, loop_fallback


def _others_batched(args, positions):
    return any(is_batched(a) for i, a in enumerate(args) if i not in positions)


def direct(cls, args, levels):
    """An op on the trailing dims of argument 0 (any leading dims): the physical tensor as it is.
    Shared tensor arguments stay as they are; batched ones go to the loop."""
    if _others_batched(args, (0,)):
        return loop_fallback(cls, args, levels)
    return cls.apply(align(args[0], levels), *args[1:])


def _guarded_along(*positions):
    plain = along(*positions)

    def rule(cls, args, levels):
        if _others_batched(args, (0,)):
            return loop_fallback(cls, args, levels)
        return plain(cls, args, levels)
    return rule


def _fold(a, levels, sizes):
    """a (batched or not; a Tensor or an index array) at the full batch sizes, its batch dims
    folded into its leading dim: (B1, ..., N, *rest) -> (B1 * ... * N, *rest)."""
    n = math.prod(sizes)
    if isinstance(a, _tensor.Tensor):
        phys = align(a, levels)
        phys = phys.expand(*sizes, *phys.shape[len(levels):])
        return phys.reshape((n * phys.shape[len(levels)],) + tuple(phys.shape[len(levels) + 1:]))
    arr = align(a, levels)._data if is_batched(a) else np.asarray(a)[(None,) * len(levels)]
    arr = np.broadcast_to(arr, tuple(sizes) + arr.shape[len(levels):])
    return np.ascontiguousarray(arr).reshape((n * arr.shape[len(levels)],) + arr.shape[
        len(levels) + 1:])


def _unfold(out, sizes):
    if isinstance(out, tuple):
        return tuple(_unfold(o, sizes) for o in out)
    n = math.prod(sizes)
    return out.reshape(tuple(sizes) + (out.shape[0] // n,) + tuple(out.shape[1:]))


def folded(*positions, shape_at=None):
    """The batch dims folded into the leading dim of the arguments at ``positions``; the op
    once; the outputs' leading dim unfolded. ``shape_at``: the position of a shape argument
    (a backward node's input shape) whose leading size grows likewise."""
    def rule(cls, args, levels):
        if _others_batched(args, positions):
            return loop_fallback(cls, args, levels)
        sizes = batch_sizes(args, levels)
        call = list(args)
        for p in positions:
            if args[p] is not None:
                call[p] = _fold(args[p], levels, sizes)
        if shape_at is not None:
            shape = tuple(args[shape_at])
            call[shape_at] = (math.prod(sizes) * shape[0],) + shape[1:]
        return _unfold(cls.apply(*call), sizes)
    return rule


def _roll(cls, args, levels):
    """roll along dims (shifted past the batch dims); without dims it rolls the flattened
    tensor, which each example must do on its own."""
    if not args[2]:
        return loop_fallback(cls, args, levels)
    return _guarded_along(2)(cls, args, levels)


def _embedding(cls, args, levels):
    """weight[indices]: batched indices look up a shared weight as they are. Batched weights
    (B, V, D) are stacked into one table (B * V, D), each example's indices offset by b * V
    (a padding_idx, one row per example then, has to loop)."""
    weight, indices, padding_idx, scale_grad_by_freq = args
    if not is_batched(weight):
        return cls.apply(weight, align(indices, levels)._data, padding_idx, scale_grad_by_freq)
    if padding_idx is not None:
        return loop_fallback(cls, args, levels)
    k = len(levels)
    sizes = batch_sizes(args, levels)
    n = math.prod(sizes)
    table = align(weight, levels).expand(*sizes, *weight.shape)
    rows = table.shape[k]
    table = table.reshape((n * rows,) + tuple(table.shape[k + 1:]))
    idx = align(indices, levels)._data if is_batched(indices) else np.asarray(indices)[
        (None,) * k]
    idx = np.broadcast_to(idx, tuple(sizes) + idx.shape[k:]).reshape((n,) + idx.shape[k:])
    offsets = (np.arange(n) * rows).reshape((n,) + (1,) * (idx.ndim - 1))
    out = cls.apply(table, idx + offsets, None, scale_grad_by_freq)
    return out.reshape(tuple(sizes) + tuple(out.shape[1:]))


def _prelu(cls, args, levels):
    """The weight broadcasts along the channel dim (1): the batch folded into N keeps it there
    (an input without N, where the channel dim is 0, loops)."""
    if args[0].ndim < 2:
        return loop_fallback(cls, args, levels)
    return folded(0)(cls, args, levels)


def _embedding_backward(cls, args, levels):
    """The gradient rows scattered into a (B * V, D) table, each example's indices offset by
    b * V (a padding_idx, one row per example then, has to loop)."""
    grad, indices, num_weights, padding_idx, scale_grad_by_freq = args
    if padding_idx is not None:
        return loop_fallback(cls, args, levels)
    sizes = batch_sizes(args, levels)
    n = math.prod(sizes)
    k = len(levels)
    g = align(grad, levels)
    g = g.expand(*sizes, *g.shape[k:]).reshape((n,) + tuple(g.shape[k:]))
    idx = align(indices, levels)._data if is_batched(indices) else np.asarray(indices)[
        (None,) * k]
    idx = np.broadcast_to(idx, tuple(sizes) + idx.shape[k:]).reshape((n,) + idx.shape[k:])
    offsets = (np.arange(n) * num_weights).reshape((n,) + (1,) * (idx.ndim - 1))
    out = cls.apply(g, idx + offsets, n * num_weights, None, scale_grad_by_freq)
    return out.reshape(tuple(sizes) + (num_weights,) + tuple(out.shape[1:]))


def _convolution(cls, args, levels):
    """Shared weights: the batch folded into N. Batched weights: the examples side by side as
    groups -- x (B, N, C, *S) as (N, B * C, *S), weight (B, O, C / g, *K) as (B * O, C / g, *K)
    (transposed: (B * C, O / g, *K)), bias (B * O), groups B * g -- one grouped convolution."""
    x, w, b, stride, padding, dilation, transposed, output_padding, groups = args
    if not (is_batched(w) or is_batched(b)):
        return folded(0)(cls, args, levels)
    k = len(levels)
    sizes = batch_sizes(args, levels)
    n_ex = math.prod(sizes)
    xs = align(x, levels)
    xs = xs.expand(*sizes, *xs.shape[k:])
    n, rest = xs.shape[k], tuple(xs.shape[k + 1:])
    xs = xs.reshape((n_ex,) + (n,) + rest).transpose(0, 1).reshape(
        (n, n_ex * rest[0]) + rest[1:])
    ws = align(w, levels)
    ws = ws.expand(*sizes, *ws.shape[k:]).reshape((n_ex * w.shape[0],) + tuple(w.shape[1:]))
    bs = None
    if b is not None:
        bs = align(b, levels).expand(*sizes, *b.shape).reshape(n_ex * b.shape[0])
    out = cls.apply(xs, ws, bs, stride, padding, dilation, transposed, output_padding,
                    groups * n_ex)
    out = out.reshape((n, n_ex, out.shape[1] // n_ex) + tuple(out.shape[2:])).transpose(0, 1)
    return out.reshape(tuple(sizes) + (n,) + tuple(out.shape[2:]))


# ---- batch norm: the examples' channels side by side ------------------------------------------
_BATCH_NORM_ERROR = (
    "Batch norm got a batched tensor as input while the running_mean or running_var, which will "
    "be updated in place, were not batched.\nIf you are using a module and do not need eval "
    "mode, please set `track_running_stats` to be False.If you are using a prebuilt module and "
    "do not need eval mode, please see the functorch website for resources on how to patch "
    "your module to work with vmap")


def _batch_norm(cls, args, levels):
    """x (B, N, C, *S) runs as (N, B * C, *S): every (example, channel) pair a channel of its
    own, normalized over N and S as one example's channel is. Running statistics that training
    would update in place cannot hold one update per example: torch's error."""
    x, w, b, running_mean, running_var, training, momentum, eps = args
    stats = (running_mean, running_var)
    if training and any(s is not None for s in stats) and not any(is_batched(s) for s in stats):
        raise RuntimeError(_BATCH_NORM_ERROR)
    if any(is_batched(a) for a in (w, b, *stats)):
        return loop_fallback(cls, args, levels)
    k = len(levels)
    sizes = batch_sizes(args, levels)
    n_ex = math.prod(sizes)
    phys = align(x, levels)
    n, c, rest = phys.shape[k], phys.shape[k + 1], tuple(phys.shape[k + 2:])
    wide = phys.reshape((n_ex, n, c) + rest).transpose(0, 1).reshape((n, n_ex * c) + rest)

    def tiled(v):
        if v is None:
            return None
        return v.repeat(n_ex) if isinstance(v, _tensor.Tensor) else np.tile(v, n_ex)
    out = cls.apply(wide, tiled(w), tiled(b), tiled(running_mean), tiled(running_var), training,
                    momentum, eps)
    out = out.reshape((n, n_ex, c) + rest).transpose(0, 1)
    return out.reshape(tuple(sizes) + (n, c) + rest)


_ACTIVATIONS = (
    "GeluBackward0 SiluBackward0 MishBackward0 EluBackward0 EluBackward1 CeluBackward0 "
    "CeluBackward1 LeakyReluBackward0 LeakyReluBackward1 HardtanhBackward0 HardswishBackward0 "
    "HardsigmoidBackward0 ThresholdBackward0 ThresholdBackward1 SoftshrinkBackward0 "
    "HardshrinkBackward0 SoftplusBackward0 LogSigmoidBackward0").split()
_ACTIVATIONS += (  # their backward nodes: grad times the derivative, elementwise
    "GeluBackwardBackward0 LeakyReluBackwardBackward0 HardtanhBackwardBackward0 "
    "HardsigmoidBackwardBackward0 SoftshrinkBackwardBackward0 HardshrinkBackwardBackward0").split()
RULES.update({name: pointwise for name in _ACTIVATIONS})

_DIRECT = ["ConstantPadNdBackward0", "PixelShuffleBackward0", "PixelUnshuffleBackward0",
           "NativeLayerNormBackward0"]
_DIRECT += [f"{kind}Pad{nd}DBackward0" for kind in ("Reflection", "Replication")
            for nd in (1, 2, 3)]
_DIRECT += [f"UpsampleNearest{e}{nd}DBackward0" for e in ("", "Exact") for nd in (1, 2, 3)]
_DIRECT += ["UpsampleLinear1DBackward0", "UpsampleBilinear2DBackward0",
            "UpsampleBicubic2DBackward0", "UpsampleTrilinear3DBackward0",
            "AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool3DBackward0"]
RULES.update({name: direct for name in _DIRECT})
RULES.update({"GluBackward0": _guarded_along(1), "Rot90Backward0": _guarded_along(2),
              "UnfoldBackward0": _guarded_along(1)})

_FOLDED = {
    "NativeGroupNormBackward0": (0,),
    "MaxPool2DWithIndicesBackward0": (0,), "MaxPool3DWithIndicesBackward0": (0,),
    "AdaptiveMaxPool2DBackward0": (0,), "AdaptiveMaxPool3DBackward0": (0,),
    "AvgPool2DBackward0": (0,), "AvgPool3DBackward0": (0,),
    "MaxUnpool2DBackward0": (0, 1), "MaxUnpool3DBackward0": (0, 1),
    "Im2ColBackward0": (0,), "Col2ImBackward0": (0,),
    "ScaledDotProductFlashAttentionForCpuBackward0": (0, 1, 2),
}
RULES.update({name: folded(*positions) for name, positions in _FOLDED.items()})
# backward nodes (grad, x, ...): the gradient and the input folded alike
_TAPS_ADJOINTS = [name[:-1] + "Backward0" for name in _DIRECT
                  if name.startswith(("Reflection", "Replication", "Upsample", "Adaptive"))]
RULES.update({name: folded(0, 1) for name in _TAPS_ADJOINTS})
RULES.update({"MaxPoolScatter": folded(0, 1, 2, shape_at=3),
              "AvgPool2DBackwardBackward0": folded(0, 1, shape_at=2),
              "AvgPool3DBackwardBackward0": folded(0, 1, shape_at=2),
              "EmbeddingDenseBackward0": _embedding_backward, "PreluKernelBackward0": _prelu})
RULES.update({"NativeBatchNormBackward0": _batch_norm, "RollBackward0": _roll,
              "EmbeddingBackward0": _embedding, "ConvolutionBackward0": _convolution})
