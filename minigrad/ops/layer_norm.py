"""Normalisation over the trailing dims: ``F.layer_norm`` (NativeLayerNormBackward0),
``F.rms_norm`` and ``F.normalize`` (compositions, as torch composes them).

layer_norm, over the last k dims (k = len(normalized_shape)), n elements per row:
    mean = Σx / n,   var = Σ(x - mean)² / n,   r = 1 / √(var + eps),   x̂ = (x - mean) r
    out = x̂ w + b
    grad_x = r (g - mean(g) - x̂ mean(g x̂)),  g = grad w        (means over the k dims)
    grad_w = Σ_rows grad x̂        grad_b = Σ_rows grad
Its backward is one node (NativeLayerNormBackwardBackward0, as in torch) whose own backward is
torch's closed form from the saved statistics (ops/_norm_double_backward.py).
"""
import math

import numpy as np

from .. import _buffers
from ..autograd import formulas
from ..autograd.function import Function
from . import elementwise as ew
from ._moments import fma_into, layer_norm_grad_input, row_moments, transposed
from ._norm_double_backward import layer_norm_double_backward
from ._util import silent_fp
from .registry import register

__all__ = ["layer_norm", "rms_norm", "normalize"]


class NativeLayerNormBackward0(Function):
    """out = (x - mean) / √(var + eps) · w + b over the trailing dims (module docstring)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, weight, bias, k, eps):
        dims = tuple(range(x.ndim - k, x.ndim))
        ctx.save_for_backward(x, weight, bias)
        ctx.dims, ctx.eps = dims, eps
        if x.dtype == np.float32 and 0 < x.size <= _EXACT_MOMENTS_SIZE:
            return _forward_as_torch(ctx, x, weight, bias, k, eps)
        wide = x.astype(np.float32) if x.dtype == np.float16 else x
        mean = wide.mean(axis=dims, keepdims=True)
        centred = wide - mean
        var = np.mean(centred * centred, axis=dims, keepdims=True)
        out = centred * (1 / np.sqrt(var + eps)).astype(wide.dtype)
        if weight is not None:
            out = out * weight
        if bias is not None:
            out = out + bias
        ctx.stats = _saved_stats(wide, mean, var, eps)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, weight, bias = ctx.saved_tensors
        needs = ctx.needs_input_grad
        mask = (needs[0], weight is not None and needs[1], bias is not None and needs[2])
        grads = formulas.call(NativeLayerNormBackwardBackward0, grad, x, *ctx.stats, weight,
                              bias, ctx.dims, ctx.eps, mask, getattr(ctx, "x_t", None))
        return tuple(g if m else None for g, m in zip(grads, mask)) + (None, None)


def _forward_as_torch(ctx, x, weight, bias, k, eps):
    """Small float32 inputs as torch's kernel computes them: its row statistics (mean, rstd,
    rounded as ops/_moments.py rounds them, saved for backward, with x transposed, which the
    input gradient's row sums reuse), then (x - mean) rstd, and fma(that, w, b) with both
    affine parameters (bias alone: a plain add)."""
    rows = math.prod(x.shape[:x.ndim - k])
    flat = np.ascontiguousarray(x).reshape(rows, -1)
    x_t = transposed(flat)
    mean, var = row_moments(flat, x_t)
    rstd = np.float32(1) / np.sqrt(var + np.float32(eps))
    ctx.stats = mean, rstd
    if ctx.needs_input_grad[0]:
        ctx.x_t = x_t
    out = np.subtract(flat, mean[:, None], out=_buffers.empty(flat.shape, flat.dtype))
    out *= rstd[:, None]
    if weight is not None and bias is not None:
        out = fma_into(out, weight.reshape(-1), bias.reshape(-1), out)
    elif weight is not None:
        out *= weight.reshape(-1)
    elif bias is not None:
        out += bias.reshape(-1)
    return out.reshape(x.shape)


def _saved_stats(x, mean, var, eps):
    """(mean, rstd) per row as torch's kernel saves them: for small float32 inputs rounded as
    torch rounds them (ops/_moments.py), else from the forward's own statistics."""
    if x.dtype == np.float32 and 0 < x.size <= _EXACT_MOMENTS_SIZE:
        n = mean.size
        mean, var = row_moments(np.ascontiguousarray(x).reshape(n, -1))
        mean, var = mean.reshape(-1), var.reshape(-1)
    else:
        mean, var = mean.reshape(-1), var.reshape(-1)
    one = x.dtype.type(1)
    return mean, one / np.sqrt(var + x.dtype.type(eps))


# Up to this many elements layer norm's statistics are rounded as torch rounds them (a loop over
# the rows' vectors: too slow for large inputs, where the difference is one rounding).
_EXACT_MOMENTS_SIZE = 1 << 15


class NativeLayerNormBackwardBackward0(Function):
    """torch's native_layer_norm_backward as one node, inputs (g, x, mean, rstd, w, b) as
    torch's: every output requires grad when g, x, w or b does. Computed as torch's kernel
    computes it, per row of N values with a = rstd, γ = w (or 1):
        ds = Σ g x γ,  db = Σ g γ,  b' = (db mean - ds) a³ / N,  c = -b' mean - db a / N
        grad_x = a g γ + b' x + c        grad_w = Σ_rows g (a x - a mean)     grad_b = Σ_rows g
    Double backward: torch's (ops/_norm_double_backward.py), from the saved statistics."""

    n_outputs = 3
    edge_args = (0, 1, 2, 3, 4, 5)   # grad_out, input, mean, rstd, weight, bias: torch's edges

    @staticmethod
    @silent_fp
    def forward(ctx, g, x, mean, rstd, w, b, dims, eps, mask, x_t=None):
        ctx.save_for_backward(g, x, w)
        ctx.dims, ctx.eps, ctx.stats = dims, eps, (mean, rstd)
        rows = mean.size
        x2, g2 = x.reshape(rows, -1), g.reshape(rows, -1)
        a, mean = rstd[:, None], mean[:, None]
        unwanted = np.empty(0, x.dtype)
        grad_x = grad_w = grad_b = unwanted
        if mask[0]:
            grad_x = formulas.fresh(layer_norm_grad_input(
                g2, x2, mean, a, None if w is None else w.reshape(-1), x_t, x.shape))
        if mask[1]:
            grad_w = _weight_grad(g2, x2, a, mean).reshape(w.shape)
        if mask[2]:
            grad_b = g2.sum(0).reshape(b.shape)
        return grad_x, grad_w, grad_b

    @staticmethod
    def backward(ctx, ggx, ggw, ggb):
        g, x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        mean, rstd = ctx.stats
        gg, gx, gw = layer_norm_double_backward(g, x, w, (ggx, ggw, ggb), mean.size, mean, rstd,
                                                (needs[0], needs[1], needs[4]))
        return gg, gx, None, None, gw, None, None, None, None, None


def _weight_grad(g, x, a, mean):
    """grad_w = Σ_rows g (a x - a mean), each step in one kept work array (the same roundings
    as the expression: g times the bracket commutes exactly)."""
    if not g.dtype == x.dtype == a.dtype == mean.dtype:
        return (g * (a * x + -a * mean)).sum(0)
    work = np.multiply(a, x, out=_buffers.empty(np.broadcast_shapes(a.shape, x.shape),
                                                 np.result_type(a, x)))
    np.add(work, -a * mean, out=work)
    np.multiply(work, g, out=work)
    return work.sum(0)


def _check_shapes(input, normalized_shape, weight, bias, name):
    if isinstance(normalized_shape, int) and name == "layer_norm":
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of "
                        "ints, not int")
    shape = [normalized_shape] if isinstance(normalized_shape, int) else list(normalized_shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and list(t.shape) != shape:
            raise RuntimeError(f"Expected {what} to be of same shape as normalized_shape, but got "
                               f"{what} of shape {list(t.shape)} and normalized_shape = {shape}")
    k = len(shape)
    if input.ndim < k or list(input.shape[input.ndim - k:]) != shape:
        star = "*, " if name == "layer_norm" else "*"
        raise RuntimeError(f"Given normalized_shape={shape}, expected input with shape "
                           f"[{star}{', '.join(map(str, shape))}], but got input of size"
                           f"{list(input.shape)}")
    return k


def _layer_norm_sample(rng, dtype):
    for shape, k, affine in [((4,), 1, True), ((2, 3), 1, True), ((2, 3, 4), 2, True),
                             ((3, 5), 1, False)]:
        x = rng.standard_normal(shape).astype(dtype)
        w = rng.standard_normal(shape[-k:]).astype(dtype) if affine else None
        b = rng.standard_normal(shape[-k:]).astype(dtype) if affine else None
        yield [x, shape[-k:], w, b], {}


@register(nodes=("NativeLayerNormBackward0",), forms=("functional",), family="normalization",
          args=("input", "normalized_shape", "weight", "bias"), sample=_layer_norm_sample)
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """(x - mean) / √(var + eps) over the trailing ``normalized_shape`` dims, then · w + b."""
    k = _check_shapes(input, normalized_shape, weight, bias, "layer_norm")
    if not input.is_floating_point():
        raise NotImplementedError("\"LayerNormKernelImpl\" not implemented for "
                                  f"'{input.dtype.short_name}'")
    return NativeLayerNormBackward0.apply(input, weight, bias, k, eps)


def _rms_norm_sample(rng, dtype):
    for shape, k, affine in [((4,), 1, True), ((2, 3), 1, False), ((2, 3, 4), 2, True)]:
        x = rng.standard_normal(shape).astype(dtype)
        w = rng.standard_normal(shape[-k:]).astype(dtype) if affine else None
        yield [x, shape[-k:], w], {}


@register(nodes=("MulBackward0",), forms=("functional",), family="normalization",
          args=("input", "normalized_shape", "weight"), sample=_rms_norm_sample)
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / √(mean(x²) + eps) over the trailing dims, then · w (eps: the dtype's machine eps)."""
    k = _check_shapes(input, normalized_shape, weight, None, "rms_norm")
    if not input.is_floating_point():
        raise NotImplementedError(f"\"rms_norm\" not implemented for '{input.dtype.short_name}'")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    out = input * (input.pow(2).mean(dims, keepdim=True) + eps).rsqrt()
    out = out if weight is None else out * weight
    return out.contiguous()   # torch's result is contiguous (CloneBackward0 for a transposed x)


def _normalize_sample(rng, dtype):
    for shape, p, dim in [((3, 4), 2.0, 1), ((2, 3, 2), 1.0, -1), ((5,), 3.0, 0)]:
        yield [rng.standard_normal(shape).astype(dtype)], {"p": p, "dim": dim}


@register(nodes=("DivBackward0",), forms=("functional",), family="normalization",
          sample=_normalize_sample)
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(‖x‖_p, eps) along dim."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return ew.div(input, denom, out=out)

