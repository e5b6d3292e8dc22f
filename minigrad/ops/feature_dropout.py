"""Channel-wise dropout (``F.dropout1d/2d/3d``) and self-normalizing dropout
(``F.alpha_dropout``, ``F.feature_alpha_dropout``), drawing their noise as torch does.

Feature dropout draws one Bernoulli(1 - p) value per (sample, channel), noise of shape
(N, C, 1, ...), and returns ``input * noise / (1 - p)``. Alpha dropout, with
alpha = 1.7580993408473766 and a = 1 / sqrt((alpha^2 p + 1)(1 - p)), returns
``input * (noise * a) + (noise - 1) * alpha * a + alpha * a * p``: dropped units take the
SELU's negative saturation value and the result keeps zero mean and unit variance.
"""
import math
import warnings

import numpy as np

from .. import _generator
from .._tensor import _make
from .registry import register

__all__ = []

_ALPHA = 1.7580993408473766


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise(input, p, feature, alpha):
    """(multiplier, addend or None) as ATen's _dropout_impl builds them."""
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    dtype = input._data.dtype
    noise = _generator.bernoulli(shape, 1.0 - p, dtype)
    if not alpha:
        return _make(noise / dtype.type(1.0 - p)), None
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    shift = (noise - 1) * dtype.type(_ALPHA * a) + dtype.type(_ALPHA * a * p)
    return _make(noise * dtype.type(a)), _make(shift.astype(dtype))


def _dropout_impl(input, p, training, inplace, feature, alpha):
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = _make(np.zeros((), input._data.dtype))
        return input.mul_(zero) if inplace else input.mul(zero)
    scale, shift = _noise(input, p, feature, alpha)
    out = input.mul_(scale) if inplace else input.mul(scale)
    if shift is None:
        return out
    return out.add_(shift)


def _feature(nd):
    name = f"dropout{nd}d"

    def dropout_nd(input, p=0.5, training=True, inplace=False):
        """Zero whole channels with probability p (scaling the rest by 1 / (1 - p))."""
        _check_p(p)
        batched = input.ndim == nd + 2
        if input.ndim not in (nd + 1, nd + 2):
            if nd == 2:
                warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which "
                              "is deprecated and will result in an error in a future release. "
                              "To retain the behavior and silence this warning, please use "
                              "dropout instead. Note that dropout2d exists to provide "
                              "channel-wise dropout on inputs with 2 spatial dimensions, a "
                              "channel dimension, and an optional batch dimension (i.e. 3D or "
                              "4D inputs).", stacklevel=2)
                batched = True
            else:
                raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D input, but received "
                                   f"a {input.ndim}D input. Note that {name} exists to provide "
                                   f"channel-wise dropout on inputs with {nd} spatial dimension"
                                   f"{'s' if nd > 1 else ''}, a channel dimension, and an "
                                   "optional batch dimension (i.e. "
                                   f"{nd + 1}D or {nd + 2}D inputs).")
        elif nd == 2 and input.ndim == 3:
            warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                          "channel-wise 1D dropout behavior is desired - input is interpreted "
                          "as shape (N, C, L), where C is the channel dim. This behavior will "
                          "change in a future release to interpret the input as one without a "
                          "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-"
                          "wise dropout behavior, please switch to using dropout1d instead.",
                          stacklevel=2)
            batched = True
        if not batched:
            out = _dropout_impl(input.unsqueeze(0), p, training, inplace, True, False)
            return out.squeeze(0)
        return _dropout_impl(input, p, training, inplace, True, False)
    dropout_nd.__name__ = name
    return dropout_nd


dropout1d, dropout2d, dropout3d = _feature(1), _feature(2), _feature(3)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps a SELU network's mean and variance (see the module docstring)."""
    return _dropout_impl(input, p, training, inplace, False, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels."""
    return _dropout_impl(input, p, training, inplace, True, True)


def _sample(ndim):      # the registry's check: eval mode (the draws: tests/test_layers.py)
    def sample(rng, dtype):
        yield [rng.standard_normal((2, 3, 4, 2, 2)[:ndim]).astype(dtype)], {"training": False}
    return sample


for _fn, _ndim in ((dropout1d, 3), (dropout2d, 4), (dropout3d, 5), (alpha_dropout, 4),
                   (feature_alpha_dropout, 4)):
    register(_fn.__name__, nodes=("MulBackward0", "AddBackward0"), forms=("functional",),
             family="dropout", differentiable=False, sample=_sample(_ndim))(_fn)
