"""torch's in-place tensor updates on NumPy arrays, rounded as torch's CPU kernels round them.

Scalars are cast to the array's dtype first (as torch casts a Python number), then:

    add_(x, alpha=a)          fma(x, a, self)            one rounding (vec::fmadd)
    addcmul_(t1, t2, value=v) fma(v * t1, t2, self)      v * t1 rounded, then fused
    addcdiv_(t1, t2, value=v) self + (v * t1) / t2       three roundings
    lerp_(end, w)             fma(w, end - self, self) for |w| < 0.5,
                              else fma(w - 1, end - self, end)

Each returns ``out`` (``self`` when updating in place).
"""
import numpy as np

from .._fma import fma, fma_exact
from .._torch_sqrt import sqrt as torch_sqrt

# torch's sqrt of a float tensor goes through MKL's vector math library, which is not correctly
# rounded (about one float32 result in six, one float64 result in eighty, is an ulp away from
# NumPy's np.sqrt); ``_torch_sqrt`` computes it as torch does on this processor. Every optimizer
# takes its square roots from here (``square_root``: on a processor whose kernel minigrad does not
# reproduce, the tests replace it by torch's own to check the rest of the arithmetic).
square_root = torch_sqrt


def sqrt(x, work=None):
    """torch's square root of x (with ``work``, a float32 array of shape (4, x.size): computed
    there, as ``_torch_sqrt.sqrt`` does)."""
    if work is None or square_root is not torch_sqrt:
        return square_root(x)
    return torch_sqrt(x, work)


def scalar(x, array):
    """A Python number as the array's dtype (torch casts scalars to the tensor's dtype)."""
    return array.dtype.type(x)


def add_(self, other, alpha, out=None):
    return fma(other, scalar(alpha, self), self, out=self if out is None else out)


def addcmul_(self, t1, t2, value=1.0, out=None):
    return fma(scalar(value, self) * t1, t2, self, out=self if out is None else out)


def addcmul(self, t1, t2, value=1.0):
    return fma(scalar(value, self) * t1, t2, self)


def addcdiv_(self, t1, t2, value=1.0):
    update = scalar(value, self) * t1
    update /= t2
    self += update
    return self


def lerp_(self, end, weight):
    return lerp(self, end, scalar(weight, self), out=self)


def lerp(start, end, weight, out=None):
    """torch's lerp: start + w (end - start) for |w| < 0.5, else end - (1 - w) (end - start).

    The second form is ``fma(w - 1, diff, end)`` in torch's vectorized loop but
    ``fma(-diff, 1 - w, end)`` in its scalar loop (the last elements, fewer than one vector):
    the same value, except the sign of a zero result (end = -0.0, diff = -0.0, w = 1 gives -0.0
    in the first, +0.0 in the second).
    """
    diff = end - start
    if abs(weight) < 0.5:   # (the step is often as large as start: the exact route)
        return fma_exact(diff, weight, start, out=out)
    result = fma(weight - 1, diff, end, out=out)
    tail = result.size % (_VECTOR_BYTES // result.itemsize)
    if tail and result.flags.c_contiguous:
        flat = result.reshape(-1)[-tail:]
        rest = [np.broadcast_to(x, result.shape).reshape(-1)[-tail:] for x in (diff, end)]
        fma(-rest[0], weight.dtype.type(1) - weight, rest[1], out=flat)
    return result


def _vector_bytes():
    """The width of torch's CPU vectors: 64 bytes where the CPU has AVX-512 (torch's default
    kernels there), else 32 (AVX2)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split() for line in f if line.startswith("flags")), [])
    except OSError:
        return 32
    return 64 if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= set(flags) else 32


_VECTOR_BYTES = _vector_bytes()


def decayed_grad(param, grad, maximize, weight_decay):
    """The gradient the update follows: -grad if maximize, plus weight_decay * param (L2)."""
    if maximize:
        grad = -grad
    if weight_decay != 0:
        grad = fma(param, scalar(weight_decay, param), grad)
    return grad
