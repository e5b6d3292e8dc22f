"""``rrelu``: the randomized leaky ReLU, with torch's node and torch's random draws.

Training: each element x <= 0 (in row-major order) is multiplied by its own slope
r ~ U(lower, upper), one 53-bit double draw per such element from the generator, exactly
torch's CPU kernel (``r = u·(upper - lower) + lower`` in double, cast to the input's dtype);
the other elements pass unchanged. Evaluation: leaky ReLU with slope (lower + upper) / 2.
"""
import numpy as np

from .. import _generator
from .._tensor import _make
from ..autograd.function import Function
from ._util import inplace_variant
from .activation import float_input
from .registry import arr, case, cases, register

__all__ = ["rrelu", "rrelu_"]


def _draw_slopes(count, lower, upper, np_dtype, generator=None):
    """``count`` slopes in [lower, upper): torch's uniform_real_distribution<double>."""
    if np_dtype == np.float32:      # the kernel holds the bounds as floats first
        lower, upper = float(np.float32(lower)), float(np.float32(upper))
    u = _generator._u53(_generator._gen(generator), count)
    return (u * (upper - lower) + lower).astype(np_dtype)


class RreluWithNoiseBackward0(Function):
    """out = x where x > 0, x·r elsewhere (r drawn per element in training, (l + u)/2 otherwise)

    grad_x = grad · noise (training with u - l > 1e-6; noise = r or 1), else grad where x > 0
    and grad · (l + u)/2 elsewhere
    """

    @staticmethod
    def forward(ctx, x, lower, upper, training, generator):
        float_input(x, "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu")
        slope = x.dtype.type((lower + upper) / 2)
        ctx.save_for_backward(x)
        if not training:
            ctx.noise = None
            ctx.slope = slope
            return np.where(x > 0, x, x * slope)
        values = np.ascontiguousarray(x)
        negative = values <= 0
        noise = np.ones_like(values)
        noise[negative] = _draw_slopes(int(negative.sum()), lower, upper, x.dtype, generator)
        ctx.noise = noise if upper - lower > 1e-6 else None
        ctx.slope = slope
        return values * noise

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        if ctx.noise is not None:
            return grad * _make(ctx.noise), None, None, None, None
        return grad.where(x > 0, grad * float(ctx.slope)), None, None, None, None


def _check_bounds(lower, upper):
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")


@register(nodes=("RreluWithNoiseBackward0",), forms=("function", "functional"),
          args=("input",), family="activation", random_stream=True,
          sample=cases(case(arr(3, 4)), case(arr(5), 0.1, 0.3), case(arr(2, 3), training=True),
                       case(arr(4, 2), 0.2, 0.6, training=True)))
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training
    ((lower + upper) / 2 otherwise)."""
    _check_bounds(lower, upper)
    if inplace:
        return rrelu_(input, lower, upper, training)
    return RreluWithNoiseBackward0.apply(input, float(lower), float(upper), bool(training), None)


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    """rrelu_ (in place): the same formula and gradient as RreluWithNoiseBackward0"""


def _rrelu_for_inplace(input, lower, upper, training):
    return RreluWithNoiseBackward1.apply(input, float(lower), float(upper), bool(training), None)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place ``rrelu``."""
    _check_bounds(lower, upper)
    return inplace_variant(_rrelu_for_inplace)(input, lower, upper, training)
