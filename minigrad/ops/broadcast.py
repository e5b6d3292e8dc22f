"""Broadcasting and its undoing: ``broadcast_to`` (ExpandBackward0) and ``sum_to_size``.

The two are each other's backward: expanding x to a larger shape copies it along the new dims,
so the gradient sums back over them. The engine calls the same sum (``formulas.sum_to_size``)
to undo the implicit broadcasting of binary ops, which is why their formulas are written as if
shapes were equal.
"""

import numpy as np

from ..autograd import formulas
from ..autograd.function import Function

__all__ = ["broadcast_to", "sum_to_size"]


class ExpandBackward0(Function):
    """y = broadcast_to(x, shape)        grad_x = grad.sum_to_size(x.shape)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return formulas.sum_to_size(grad, ctx.shape), None


def broadcast_to(x, shape):
    shape = tuple(shape)
    if x._data.shape == shape:
        return x
    return ExpandBackward0.apply(x, shape)


def sum_to_size(x, *size):
    shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    if x._data.shape == shape:
        return x
    lead = x._data.ndim - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, x._data.shape[lead:])):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size "
                           f"{{{list(x._data.shape)}}}.")
    # as torch's sum_to: a keepdim sum (SumBackward1), then a view dropping the leading dims
    dims = sum_to_dims(x._data.shape, shape)
    out = x.sum(dims, keepdim=True) if dims else x
    return out.view(shape) if lead else out


def sum_to_dims(shape, target):
    """The dims a sum from ``shape`` down to ``target`` (a shape it broadcasts from) runs over:
    the leading ones, and those where target has 1."""
    lead = len(shape) - len(target)
    return tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(target) if n == 1 and shape[i + lead] != 1)
