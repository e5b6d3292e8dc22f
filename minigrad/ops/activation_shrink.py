"""Shrinkage: ``F.softshrink`` (x moved toward 0 by λ) and ``F.hardshrink`` (x kept where
|x| > λ), with torch's nodes; the conventions are those of ``ops/activation.py``."""
import numpy as np

from .. import _dtype
from ..autograd import formulas
from ..autograd.function import Function
from ._kernel_paths import shrink_grad_mask, vector_part
from .activation import HardshrinkBackwardBackward0, SoftshrinkBackwardBackward0, float_input
from .registry import register

__all__ = ["softshrink", "hardshrink"]


# ---- shrinkage --------------------------------------------------------------------------------
def _check_lambda(x, lambd):
    if lambd < 0:
        name = _dtype.from_numpy_dtype(x.dtype).short_name
        limit = "3.40282e+38" if x.dtype == np.float32 else "1.79769e+308"
        raise RuntimeError(f"lambda must be in range [0, {limit}] for input dtype {name}, but "
                           f"found {lambd:g}")


class SoftshrinkBackward0(Function):
    """out = x - λ (x > λ),  x + λ (x < -λ),  0 otherwise      grad_x = grad where |x| > λ"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, lambd):
        float_input(x, "softshrink_check")
        _check_lambda(x, lambd)
        outside, vector = ~((x >= -lambd) & (x <= lambd)), vector_part(x)  # NaN outside
        ctx.outside = shrink_grad_mask(x, outside, vector)
        ctx.save_for_backward(x)
        shrunk = np.where(x > lambd, x - lambd, x + lambd)
        inside = np.multiply(x, 0, out=np.empty_like(x))  # torch's scalar code: x * 0 (signed)
        inside[vector] = 0                                 # its vector code: +0
        return np.where(outside, shrunk, inside)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formulas.call(SoftshrinkBackwardBackward0, grad, x, ctx.outside, 1.0, 0.0), None


@register(nodes=("SoftshrinkBackward0",), forms=("functional",), family="activation",
          domain="nonzero")
def softshrink(input, lambd=0.5):
    """x moved toward 0 by lambd, 0 inside [-lambd, lambd]."""
    return SoftshrinkBackward0.apply(input, lambd)


class HardshrinkBackward0(Function):
    """out = x where |x| > λ, else 0        grad_x = grad where |x| > λ, else 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, lambd):
        float_input(x, "hardshrink_cpu")
        outside = ~((x >= -lambd) & (x <= lambd))   # NaN too: the output is NaN, as in torch
        ctx.outside = shrink_grad_mask(x, outside, vector_part(x))
        ctx.save_for_backward(x)
        return np.where(outside, x, x.dtype.type(0))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formulas.call(HardshrinkBackwardBackward0, grad, x, ctx.outside, 1.0, 0.0), None


@register(nodes=("HardshrinkBackward0",), forms=("function", "method", "functional"),
          family="activation", domain="nonzero")
def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0."""
    return HardshrinkBackward0.apply(input, lambd)
