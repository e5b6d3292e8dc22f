"""Sliding windows over the trailing (spatial) dims of an array, and their adjoint.

``windows(x, kernel, stride, dilation)`` is a read-only strided view of shape
``(*lead, *out, *kernel)``: element ``[..., o, k]`` is ``x[..., o * stride + k * dilation]``
(per spatial dim). Nothing is copied; convolution copies it once into a matrix and multiplies,
pooling reduces over the kernel dims.

``scatter_windows(values, size, stride, dilation)`` is its adjoint: every window value is added
back onto the position it was read from (a Python loop over the kernel offsets only — each
offset adds one strided slice at once, never one output pixel at a time).
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["out_size", "windows", "scatter_windows", "check_buffer", "expand", "prod"]

# The largest unfolded buffer one piece of work may build (bytes): convolution splits its batch
# into pieces that stay below it, and refuses when one sample alone would need more than HARD.
# Small enough to stay in the cache, and for its memory to be reused by the next piece (and the
# next op) instead of being returned to the system and faulted in again at every step.
CHUNK_BYTES = 512 << 10
HARD_BYTES = 4 << 30


def out_size(size, kernel, stride, dilation):
    """Windows along one dim of ``size`` (already padded)."""
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def windows(x, kernel, stride, dilation):
    """Read-only view ``(*lead, *out, *kernel)`` of the windows over x's trailing dims."""
    n = len(kernel)
    lead, spatial = x.shape[:-n], x.shape[-n:]
    out = tuple(max(out_size(s, k, st, d), 0)
                for s, k, st, d in zip(spatial, kernel, stride, dilation))
    sp_strides = x.strides[-n:]
    strides = (x.strides[:-n] + tuple(s * st for s, st in zip(sp_strides, stride))
               + tuple(s * d for s, d in zip(sp_strides, dilation)))
    return as_strided(x, lead + out + tuple(kernel), strides, writeable=False)


def scatter_windows(values, size, stride, dilation):
    """Adjoint of ``windows``: ``values`` ``(*lead, *out, *kernel)`` summed into an array of
    shape ``(*lead, *size)`` (positions no window reads stay 0)."""
    n = len(size)
    kernel = values.shape[-n:]
    out = values.shape[-2 * n:-n]
    lead = values.shape[:-2 * n]
    result = np.zeros(lead + tuple(size), values.dtype)
    head = (slice(None),) * len(lead)
    for offset in itertools.product(*(range(k) for k in kernel)):
        target = tuple(slice(k * d, k * d + (o - 1) * st + 1, st)
                       for k, d, o, st in zip(offset, dilation, out, stride))
        result[head + target] += values[(Ellipsis,) + offset]
    return result


def check_buffer(per_sample, batch, itemsize, what):
    """How many samples to unfold at once so the buffer stays under CHUNK_BYTES; a clear
    RuntimeError when a single sample's ``per_sample`` elements exceed HARD_BYTES."""
    one = per_sample * itemsize
    if one > HARD_BYTES:
        raise RuntimeError(
            f"{what}: unfolding one sample would need {one / 2**30:.1f} GiB "
            f"({per_sample} elements), more than the {HARD_BYTES / 2**30:.0f} GiB allowed")
    return max(1, min(batch, CHUNK_BYTES // max(one, 1))) if batch else 1


def expand(value, nd):
    """An int or a 1-element sequence repeated to ``nd`` entries; other sequences as a tuple
    (the caller checks their length and words its own error)."""
    if isinstance(value, int):
        return (value,) * nd
    value = tuple(value)
    return value * nd if len(value) == 1 else value


def prod(values):
    return math.prod(values)
