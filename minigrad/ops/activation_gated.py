"""Activations with a second input: ``F.prelu`` (a learned slope per channel) and ``F.glu``
(one half of the input gates the other), with torch's nodes; the conventions are those of
``ops/activation.py``."""
import numpy as np

from ..autograd import formulas
from ..autograd.function import Function, on_arrays
from ._util import silent_fp
from .activation import _sigmoid, _where, float_input
from .registry import register
from .join import cat

__all__ = ["prelu", "glu"]


class PreluKernelBackward0(Function):
    """out = x (x > 0), w x otherwise (w broadcast along the channel dim)
    grad_x = grad (x > 0), w grad otherwise        grad_w = x grad where x <= 0, else 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return np.where(x > 0, x, x * w)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_x, grad_w = formulas.call(PreluKernelBackwardBackward0, grad, x, w, needs[:2])
        return grad_x if needs[0] else None, grad_w if needs[1] else None


class PreluKernelBackwardBackward0(Function):
    """prelu's backward as one node (grad_output, x, w) -> (grad_x, grad_w), grad_w in x's
    shape (the engine sums it to w's); the formulas are PreluKernelBackward0's. For upstream
    (G_x, G_w), with torch's mask x >= 0 (the forward's is x > 0):
    grad_grad = G_x (x >= 0),  G_x w + G_w x otherwise
    grad_x = 0 (x >= 0),  grad G_w otherwise      grad_w = 0 (x >= 0),  grad G_x otherwise
    (zeros, not None, for grad_x and grad_w when their upstream is missing, as in torch)."""

    numpy_backward = True
    n_outputs = 2

    @staticmethod
    def forward(ctx, grad, x, w, mask):
        ctx.save_for_backward(grad, x, w)
        positive, unwanted = x > 0, np.empty(0, grad.dtype)
        grad_x = np.where(positive, grad, grad * w) if mask[0] else unwanted
        grad_w = np.where(positive, 0, grad * x).astype(grad.dtype) if mask[1] else unwanted
        return grad_x, grad_w

    @staticmethod
    def backward(ctx, ggx, ggw):
        grad, x, w = ctx.saved_tensors
        nonnegative = formulas.data(x) >= 0
        grad_grad = grad_x = grad_w = None
        if ggx is not None or ggw is not None:
            if ggx is None:
                negative = ggw * x
            else:
                negative = ggx * w if ggw is None else ggx * w + ggw * x
            grad_grad = _where(nonnegative, 0.0 if ggx is None else ggx, negative)
        zeros = formulas.zeros_like(x)
        grad_x = zeros if ggw is None else _where(nonnegative, 0.0, grad * ggw)
        grad_w = zeros if ggx is None else _where(nonnegative, 0.0, grad * ggx)
        return grad_grad, grad_x, grad_w, None


def _prelu_sample(rng, dtype):
    for shape, n in [((3,), 1), ((2, 3), 3), ((2, 3, 4), 3), ((2, 3), 1)]:
        yield [rng.standard_normal(shape).astype(dtype), rng.uniform(0.1, 0.5, n).astype(dtype)], {}


@register(nodes=("PreluKernelBackward0",), forms=("function", "method", "functional"),
          family="activation", args=("input", "weight"), sample=_prelu_sample)
def prelu(input, weight):
    """max(0, x) + weight min(0, x), one learned weight per channel (dim 1) or one for all."""
    float_input(input._data, "prelu_cpu")
    if weight.dtype != input.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got "
                           f"{input.dtype.short_name} and {weight.dtype.short_name}")
    if weight.ndim > 1:
        raise RuntimeError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    n = weight.numel()
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if n != channels:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {n} and channel size = {channels}.")
    if input.ndim >= 2:        # (C,) seen as (C, 1, ...) against (N, C, ...)
        weight = weight.reshape((n,) + (1,) * (input.ndim - 2))
    return PreluKernelBackward0.apply(input, weight)


def _cat(parts, dim):
    if on_arrays.active:
        return np.concatenate(parts, axis=dim)
    return cat(parts, dim)


class GluBackward0(Function):
    """a, b = the two halves of x along dim;  out = a sigmoid(b)
    grad_a = grad sigmoid(b)        grad_b = grad a sigmoid(b) (1 - sigmoid(b))"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x, dim):
        float_input(x, "glu_cpu")
        half = x.shape[dim] // 2
        ctx.dim, ctx.half = dim, half
        ctx.save_for_backward(x)
        a, b = np.split(x, 2, axis=dim)
        return a / (1 + np.exp(-b))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        dim, half = ctx.dim, ctx.half
        a = formulas.slice_dim(x, dim, 0, half)
        s = _sigmoid(formulas.slice_dim(x, dim, half, 2 * half))
        return _cat([grad * s, grad * a * s * (1 - s)], dim), None


def _glu_sample(rng, dtype):
    for shape, dim in [((4,), -1), ((2, 6), 1), ((4, 3, 2), 0)]:
        yield [rng.standard_normal(shape).astype(dtype)], {"dim": dim}


@register(nodes=("GluBackward0",), forms=("functional",), family="activation",
          sample=_glu_sample)
def glu(input, dim=-1):
    """Gated linear unit: a sigmoid(b), a and b the halves of the input along dim."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = input._wrap_dim(dim)
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size "
                           f"{input.shape[dim]}")
    return GluBackward0.apply(input, dim)
