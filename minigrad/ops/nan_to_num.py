"""nan_to_num: NaN, +inf and -inf replaced by finite numbers.

    out = x where finite, else nan / posinf / neginf      grad_x = grad * isfinite(x)

posinf and neginf default to the dtype's largest and lowest finite values. A replaced element
no longer depends on x, so its gradient is 0.
"""
import numpy as np

from ..autograd import formulas
from ..autograd.function import Function
from .registry import declare

__all__ = ["nan_to_num"]


class NanToNumBackward0(Function):
    """out = x with NaN/inf replaced        grad_x = grad * isfinite(x)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formulas.where(formulas.isfinite(x), grad, 0.0), None, None, None


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    return NanToNumBackward0.apply(input, nan, posinf, neginf)


def _sample(rng, dtype):
    x = rng.standard_normal((3, 4)).astype(dtype)
    x.ravel()[[1, 5, 7, 10]] = [np.nan, np.inf, -np.inf, np.nan]
    yield [x], {}
    yield [x], {"nan": 2.0, "posinf": 1e3, "neginf": -7.5}
    yield [np.array(np.inf, dtype)], {"posinf": 3.0}


declare("nan_to_num", nan_to_num, nodes=("NanToNumBackward0",),
        forms={"function", "method", "inplace"}, args=("input", "nan", "posinf", "neginf"),
        family="unary", sample=_sample)
