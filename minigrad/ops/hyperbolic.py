"""Inverse hyperbolic functions: ``acosh``, ``asinh``, ``atanh`` (aliases ``arccosh``, ...).

Integer and bool inputs compute in the default dtype, as torch's unary float ops do.
"""
import numpy as np

from .. import _dtype
from ..autograd.function import Function
from .registry import register
from ._util import silent_fp

__all__ = ["acosh", "asinh", "atanh", "arccosh", "arcsinh", "arctanh"]


def _as_float(x):
    return x if x.dtype.kind == "f" else x.astype(_dtype.get_default_dtype().np)


class AcoshBackward0(Function):
    """out = acosh(x)        grad_x = grad * rsqrt(x² - 1)"""

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccosh(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (x * x - 1).rsqrt()


class AsinhBackward0(Function):
    """out = asinh(x)        grad_x = grad * rsqrt(x² + 1)"""

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsinh(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (x * x + 1).rsqrt()


class AtanhBackward0(Function):
    """out = atanh(x)        grad_x = grad / (1 - x²)"""

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctanh(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 - x * x)


_UNARY = dict(forms=("function", "method", "inplace"), family="unary")


@register(nodes=("AcoshBackward0",), aliases=("arccosh",), domain="above_one", **_UNARY)
def acosh(input):
    """Inverse hyperbolic cosine (NaN below 1)."""
    return AcoshBackward0.apply(input)


@register(nodes=("AsinhBackward0",), aliases=("arcsinh",), **_UNARY)
def asinh(input):
    """Inverse hyperbolic sine."""
    return AsinhBackward0.apply(input)


@register(nodes=("AtanhBackward0",), aliases=("arctanh",), domain="unit", **_UNARY)
def atanh(input):
    """Inverse hyperbolic tangent (±inf at ±1, NaN outside)."""
    return AtanhBackward0.apply(input)


arccosh, arcsinh, arctanh = acosh, asinh, atanh
