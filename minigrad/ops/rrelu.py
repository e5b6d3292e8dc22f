"""``rrelu``: the randomized leaky ReLU, with torch's node and torch's random draws.

Training: each element x <= 0 (in row-major order) is multiplied by its own slope
r ~ U(lower, upper), one 53-bit double draw per such element from the generator, exactly
torch's CPU kernel (``r = u·(upper - lower) + lower`` in double, cast to the input's dtype);
the other elements pass unchanged. Evaluation: leaky ReLU with slope (lower + upper) / 2.
"""
import numpy as np

from .. import _generator
from .. import _seam as seam
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


@seam.replayed  # (minigrad.compile draws again on replay)
def _noise(values, lower, upper, generator=None):
    """1 where x > 0, a slope from U(lower, upper) for each other x, drawn in row-major order."""
    values = np.asarray(values, order="C")       # (a 0-dim array stays one)
    negative = values <= 0                       # (NaN is not: it passes through)
    noise = np.ones_like(values)
    noise[negative] = _draw_slopes(int(negative.sum()), lower, upper, values.dtype, generator)
    return noise


class RreluWithNoiseBackward0(Function):
    """out = x where x > 0, x·r elsewhere (r drawn per element in training, (l + u)/2 otherwise)

    grad_x = grad · noise (training with u - l > 1e-6; noise = r or 1), else grad where x > 0
    and grad · (l + u)/2 elsewhere
    """

    @staticmethod
    def forward(ctx, x, noise, lower, upper, training):
        slope = x.dtype.type((lower + upper) / 2)
        ctx.save_for_backward(x)
        ctx.slope = slope
        ctx.noise = noise if training and upper - lower > 1e-6 else None
        if not training:
            return np.where(x > 0, x, x * slope)
        return x * noise

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
    return _apply(RreluWithNoiseBackward0, input, lower, upper, training)


def _apply(node, input, lower, upper, training):
    float_input(input._data, "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu")
    noise = _noise(input._data, lower, upper) if training else None
    return node.apply(input, noise, float(lower), float(upper), bool(training))


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    """rrelu_ (in place): the same formula and gradient as RreluWithNoiseBackward0"""


def _rrelu_for_inplace(input, lower, upper, training):
    return _apply(RreluWithNoiseBackward1, input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place ``rrelu``."""
    _check_bounds(lower, upper)
    return inplace_variant(_rrelu_for_inplace)(input, lower, upper, training)
