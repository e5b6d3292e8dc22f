"""The Scalar overloads of mul and div, ``MulBackward1`` and ``DivBackward1``.

From Python, ``x * 2.0`` wraps the number into a tensor and records ``MulBackward0``. torch's
own composite ops, written in C++, multiply and divide by a Scalar instead, which records
``MulBackward1`` / ``DivBackward1``. The composites written here as torch writes them
(``gradient``, ``trapezoid``, ...) call these, so that their graphs name torch's nodes. The
values are those of ``x * s`` and ``x / s``: the number takes part as a wrapped scalar.
"""
from ..autograd.function import Function
from .arithmetic import DivBackward0, MulBackward0

__all__ = ["scalar_mul", "scalar_div"]


class _ScalarOverload(Function):
    """x (op) s for a number s, computed by the Tensor overload's node ``tensor_node``."""

    numpy_backward = True
    tensor_node = None

    @classmethod
    def forward(cls, ctx, x, s):
        ctx.s = s
        return cls.tensor_node.forward(ctx, x, s)


class MulBackward1(_ScalarOverload):
    """out = x * s  (s a number)        grad_x = grad * s"""

    tensor_node = MulBackward0

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.s, None


class DivBackward1(_ScalarOverload):
    """out = x / s  (s a number)        grad_x = grad / s"""

    tensor_node = DivBackward0

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.s, None


def scalar_mul(x, s):
    """``x * s`` for a Tensor x and a number s, recorded as torch's Scalar overload."""
    return MulBackward1.apply(x, s)


def scalar_div(x, s):
    """``x / s`` for a Tensor x and a number s, recorded as torch's Scalar overload."""
    return DivBackward1.apply(x, s)
