"""Normalisation over the trailing dims: ``F.layer_norm`` (NativeLayerNormBackward0),
``F.rms_norm`` and ``F.normalize`` (compositions, as torch composes them).

layer_norm, over the last k dims (k = len(normalized_shape)), n elements per row:
    mean = Σx / n,   var = Σ(x - mean)² / n,   r = 1 / √(var + eps),   x̂ = (x - mean) r
    out = x̂ w + b
    grad_x = r (g - mean(g) - x̂ mean(g x̂)),  g = grad w        (means over the k dims)
    grad_w = Σ_rows grad x̂        grad_b = Σ_rows grad
Backward recomputes mean and r from x, so that on Tensors (``create_graph=True``) the second
derivative sees their dependence on x.
"""
import numpy as np

from ..autograd import formulas
from ..autograd.function import Function
from . import elementwise as ew
from .registry import register

__all__ = ["layer_norm", "rms_norm", "normalize"]


def _mean(x, dims):
    n = 1
    for d in dims:
        n *= x.shape[d]
    return formulas.sum(x, dims, keepdim=True) * (1.0 / n)


def _normalized(x, dims, eps):
    """(x̂, r) from x, as a formula (arrays or Tensors)."""
    centred = x - _mean(x, dims)
    r = formulas.call(ew.RsqrtBackward0, _mean(centred * centred, dims) + eps)
    return centred * r, r


class NativeLayerNormBackward0(Function):
    """out = (x - mean) / √(var + eps) · w + b over the trailing dims (module docstring)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, weight, bias, k, eps):
        dims = tuple(range(x.ndim - k, x.ndim))
        wide = x.astype(np.float32) if x.dtype == np.float16 else x
        mean = wide.mean(axis=dims, keepdims=True)
        centred = wide - mean
        var = np.mean(centred * centred, axis=dims, keepdims=True)
        out = centred * (1 / np.sqrt(var + eps)).astype(wide.dtype)
        if weight is not None:
            out = out * weight
        if bias is not None:
            out = out + bias
        ctx.save_for_backward(x, weight)
        ctx.dims, ctx.eps, ctx.has_bias = dims, eps, bias is not None
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        dims, batch = ctx.dims, tuple(range(x.ndim - len(ctx.dims)))
        x_hat, r = _normalized(x, dims, ctx.eps)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            g = grad if weight is None else grad * weight
            grad_x = r * (g - _mean(g, dims) - x_hat * _mean(g * x_hat, dims))
        if weight is not None and ctx.needs_input_grad[1]:
            grad_w = formulas.sum(grad * x_hat, batch) if batch else grad * x_hat
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = formulas.sum(grad, batch) if batch else grad
        return grad_x, grad_w, grad_b, None, None


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

