"""Helpers shared by the distributions: broadcasting parameters, probabilities <-> logits,
cached parameter properties, and the standard-normal draws of reparameterised samples."""
import functools
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Size, Tensor
from ..autograd.grad_mode import enable_grad
from ..creation import empty, tensor
from ..nn import functional as F

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits",
           "lazy_property", "euler_constant"]

euler_constant = 0.57721566490153286060


def finfo(dtype):
    """NumPy's machine limits for a minigrad floating dtype (``torch.finfo``'s numbers)."""
    return np.finfo(dtype.np)


def broadcast_all(*values):
    """The values (tensors or numbers) broadcast to one shape. Numbers become tensors of the
    first tensor's dtype, or of the default dtype when there is no tensor."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or "
                         "objects implementing __torch_function__.")
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), _dtype.get_default_dtype())
    tensors = [v if isinstance(v, Tensor) else tensor(v, dtype=dtype) for v in values]
    return broadcast_tensors(*tensors)


def broadcast_params(*values):
    """``broadcast_all(*values)`` and the batch shape they give: () when every value is a
    number, else the broadcast shape."""
    tensors = broadcast_all(*values)
    scalar = all(isinstance(v, numbers.Number) for v in values)
    return tensors, Size() if scalar else tensors[0].size()


def broadcast_tensors(*tensors):
    """Each tensor expanded to the common shape (a tensor already of that shape is returned
    as it is, as torch does)."""
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in tensors)


def broadcast_shapes(*shapes):
    """The shape all ``shapes`` broadcast to (torch's RuntimeError when they do not)."""
    result = []
    for index, shape in enumerate(shapes):
        for k, size in enumerate(reversed(tuple(shape)), start=1):
            if k > len(result):
                result.insert(0, size)
            elif result[-k] == 1:
                result[-k] = size
            elif size not in (1, result[-k]):
                raise RuntimeError(f"Attempting to broadcast a dimension of length {size} at "
                                   f"{-k}! Mismatching argument at index {index} had {shape!r}; "
                                   f"but expected shape should be broadcastable to {result}")
    return tuple(result)


def standard_normal(shape, dtype):
    """``empty(shape).normal_()``: N(0, 1) draws from the global stream, in torch's order."""
    return empty(tuple(shape), dtype=dtype).normal_()


def sum_rightmost(value, dim):
    """``value`` summed over its rightmost ``dim`` dims."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """sigmoid(logits) for a binary variable, else softmax over the last dim."""
    if is_binary:
        return logits.sigmoid()
    return F.softmax(logits, dim=-1)


def clamp_probs(probs):
    """probs clamped to [eps, 1 - eps] (eps of probs' dtype), so that their logs are finite."""
    eps = float(finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """log(p) - log1p(-p) for a binary variable, else log(p) (p clamped away from 0 and 1)."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


class lazy_property:  # noqa: N801 - torch's name
    """A parameter computed from another on first use (with grad enabled, so that it stays
    differentiable) and then stored on the instance."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
