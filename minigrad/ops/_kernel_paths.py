"""Which elements torch's vectorised CPU loops compute with their vector code.

torch's elementwise loop over a contiguous run takes blocks of two vectors (2 x 32 bytes:
AVX2 width, as measured for these kernels on torch 2.13's x86-64 build) with its vector code and
the rest, fewer than a block, with its scalar code. Where the two codes differ in a detail (the
sign of a zero), the result depends on an element's position. Runs are the whole tensor when it
is C-contiguous, else each row along a last dim of stride 1; other layouts use the scalar code.
"""
import numpy as np

__all__ = ["vector_part", "shrink_grad_mask"]

_BLOCK_BYTES = 64


def vector_part(x):
    """A bool array shaped like x: True where torch's vector code computes the element."""
    block = _BLOCK_BYTES // x.itemsize
    mask = np.zeros(x.shape, bool)
    if x.ndim == 0:
        return mask
    if x.flags.c_contiguous:
        mask.reshape(-1)[:x.size // block * block] = True
    elif x.strides[-1] == x.itemsize:
        mask[..., :x.shape[-1] // block * block] = True
    return mask


def shrink_grad_mask(x, outside, vector):
    """Where softshrink's and hardshrink's gradient passes: outside [-λ, λ] (``outside``); for
    a NaN only where torch's scalar code runs (its vector code gives 0 there)."""
    return outside & ~(vector & np.isnan(x))
