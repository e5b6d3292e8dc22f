"""More of ``nn.init``: ``trunc_normal_``, ``orthogonal_``, ``dirac_``, ``sparse_``.

Each draws from the global generator (or ``generator=``) in torch's order and with torch's
arithmetic, so after the same seed the results are torch's: trunc_normal_ is the same rejection
sampler (normal draws redrawn where out of [a, b] when the interval holds more than 30% of the
mass, otherwise uniform proposals accepted by ``log(U) > log density - log peak``), sparse_ zeroes
rows chosen by ``randperm`` from the global generator, as torch does. orthogonal_ takes the Q of
a QR factorisation of a normal draw (LAPACK's Householder QR, signs fixed by diag(R)), equal to
torch's within rounding.
"""
import math
import warnings

import numpy as np

from .. import random as _random
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad

__all__ = ["trunc_normal_", "orthogonal_", "dirac_", "sparse_"]


def _norm_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std²) restricted to [a, b] (by rejection, as torch draws it)."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    with no_grad():
        if _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std) > 0.3:
            return _redraw_outside(tensor, mean, std, a, b, generator)
        return _accept_uniform(tensor, mean, std, a, b, generator)


def _redraw_outside(tensor, mean, std, a, b, generator):
    """normal_ draws; every element outside [a, b] takes the same element of a fresh draw."""
    dtype = tensor._data.dtype.type
    lo, hi = float(dtype(a)), float(dtype(b))
    values = tensor.normal_(mean, std, generator=generator)._data.copy()
    while True:
        outside = (values < lo) | (values > hi)
        if not outside.any():
            break
        fresh = Tensor._from_array(np.empty_like(tensor._data)).normal_(mean, std,
                                                                        generator=generator)
        values = np.where(outside, fresh._data, values)
    np.copyto(tensor._data, values)
    tensor._bump_version()
    return tensor


def _accept_uniform(tensor, mean, std, a, b, generator):
    """Uniform proposals on [a, b], each accepted when log(U) > log pdf - log pdf(mode)."""
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2
    dt = tensor._data.dtype.type

    def log_density(x):      # torch's in-place chain, rounded in the tensor's dtype at each step
        return (((x - dt(mean)) / dt(std)) ** 2 * dt(-0.5) - dt(log_peak)).astype(x.dtype)

    def rejected(x):
        u = Tensor._from_array(np.empty_like(tensor._data)).uniform_(generator=generator)._data
        with np.errstate(divide="ignore"):
            return np.log(u) > log_density(x)

    tensor.uniform_(a, b, generator=generator)
    result = tensor._data.copy()
    pending = rejected(result)
    while pending.any():
        candidates = Tensor._from_array(np.empty_like(tensor._data)).uniform_(
            a, b, generator=generator)._data
        result = np.where(pending, candidates, result)
        pending = np.where(pending, rejected(candidates), pending)
    np.copyto(tensor._data, result)
    tensor._bump_version()
    return tensor


def orthogonal_(tensor, gain=1, generator=None):
    """Fill with a (semi-)orthogonal matrix (rows x everything else), times ``gain``."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flattened = Tensor._from_array(np.empty((rows, cols), tensor._data.dtype))
    flat = flattened.normal_(0, 1, generator=generator)._data
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = (q * np.sign(np.diag(r))).astype(tensor._data.dtype)
    if rows < cols:
        q = q.T
    with no_grad():
        np.copyto(tensor._data, q.reshape(tensor._data.shape))
        tensor._bump_version()
        tensor.mul_(gain)
    return tensor


def dirac_(tensor, groups=1):
    """Zeros with a 1 at the centre of each (output, same input) channel pair, per group: a
    convolution that passes its input through."""
    dimensions = tensor.ndim
    if dimensions not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    centre = tuple(n // 2 for n in sizes[2:])
    with no_grad():
        tensor.zero_()
        for g in range(groups):
            for d in range(min(out_chans_per_grp, sizes[1])):
                tensor[(g * out_chans_per_grp + d, d) + centre] = 1
    return tensor


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """N(0, std²) with ``ceil(sparsity * rows)`` zeros per column, rows picked by randperm (from
    the global generator, as torch picks them)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        for col_idx in range(cols):
            row_indices = _random.randperm(rows)
            tensor[row_indices[:num_zeros], col_idx] = 0
    return tensor
