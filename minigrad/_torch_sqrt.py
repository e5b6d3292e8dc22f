"""torch's square root of float32 and float64 tensors on the CPU, bit for bit.

torch does not take ``sqrt`` (``torch.sqrt``, ``Tensor.sqrt``/``sqrt_``, ``pow(x, 0.5)``, and so
every optimizer's ``exp_avg_sq.sqrt()``) from the processor's square-root instruction: it calls
MKL's vector math library in its high-accuracy mode (``vmsSqrt``/``vmdSqrt``), contiguous or not
(a strided tensor goes through a buffer). MKL picks its kernel by processor. On AMD processors
it runs its SSE kernel (as torch 2.13's MKL 2024.2 does; other versions may choose otherwise),
which starts from ``rsqrtps`` -- the processor's 12-bit estimate of
``1 / sqrt(x)`` -- and refines it with a few multiplications and additions. The result is within
0.75 ulp, not correctly rounded: on random inputs about one float32 result in six and one float64
result in eighty is one ulp away from NumPy's (correctly rounded) ``np.sqrt``. This module
computes exactly what that kernel computes, element by element (MKL's loop treats every element
alike: the last elements, fewer than a vector, and unaligned arrays run the same steps).

The optimizers use it, so that Adam and the others step bit for bit with torch. The ``sqrt`` op
itself does not: this costs about twenty NumPy calls per array where ``np.sqrt`` costs one, which
on the small tensors of an eager step would cost more than the eager core's speed floor allows
(W2's ten-op chain went from 13.0 to 18.1 µs per op); ``Tensor.sqrt`` stays correctly rounded,
within one ulp of torch's.

``rsqrtps`` is a table lookup: its result has 12 significant bits and depends only on the
exponent's parity and the top 12 bits of the mantissa (``x = m 4**k`` gives ``rsqrtps(m) 2**-k``).
Its 8192 values are not given by a formula (the error of the estimate wanders between -1.4 and
+1.4 units of its last place); ``_ESTIMATES`` holds them as they were read from an AMD EPYC
(Zen 4, family 25 model 17) processor, for inputs in [1, 4), and are taken to hold for every AMD
processor (unmeasured on others). On Intel processors MKL runs other kernels, which this module
does not reproduce: there, and on processors other than x86-64, ``ESTIMATE_KERNEL`` is None and
``sqrt`` is NumPy's, which is then not torch's to the bit either. (Measured by making MKL take its
Intel path on this AMD processor, which has AVX-512: torch's float32 roots are then within 0.55
ulp, one in 160 of them an ulp from the correctly rounded one; float64, one in 140. Nor are they
the textbook ``vrsqrt14ps`` + fused Newton step, which is correctly rounded on those inputs.) The
tests compare with the installed torch, so on such a processor they give the optimizers torch's
own square root for their byte-for-byte checks (tests/optim_pairs.py) and ask for an ulp of
minigrad's. The processor is read from ``/proc/cpuinfo`` (its ``vendor_id``), as MKL reads it
from cpuid; torch's own dispatch level (AVX2, AVX-512) plays no part, since the element loop is
MKL's.

float32, for a positive normal x below 0x1.ffep127 (every step rounded to float32; no FMA):

    y = rsqrtps(x)        s = x y         h = y / 2           (s ~ sqrt(x), h ~ 1 / (2 sqrt(x)))
    r = 1/2 - s h         s = s + s r     h = h + h r         (one Newton step for both)
    d = x - s s           sqrt(x) = s + d h

float64, for a positive normal x below 2**1022 (every step rounded to float64):

    y  = rsqrtps(f) 2**-k  where x = m 4**k, m in [1, 4), f = m rounded down to float32
    xh = x with its last 27 mantissa bits cleared (so that xh y is exact), xl = x - xh
    e  = (1 - xh y²) - xl y²                                  (1 - x y², about 2**-11)
    p  = (((c4 e + c3) e + c2) e + c1) e                      (1 / sqrt(1 - e) - 1, c ~ 1/2,
    sqrt(x) = xh y + (xl y + p y x)                           3/8, 5/16, 35/128)

Every other input -- zero, subnormals, the top of the range, infinities, NaN -- takes MKL's
scalar path, which is correctly rounded there (NumPy's ``np.sqrt``), except that a negative input
gives a positive quiet NaN where NumPy's is negative.
"""
import base64
import platform

import numpy as np

from . import _buffers

__all__ = ["sqrt", "ESTIMATE_KERNEL"]

# rsqrtps for x in [1, 4): 12-bit results in (1/2, 1), falling as x grows. Stored as the two
# halves' steps from one entry to the next (x in [1, 2), then [2, 4); 4096 entries each, one per
# top 12 mantissa bits): each step 0, 1 or 2 units of 2**-13, four steps a byte, base64.
_STEPS = (
    "VVRVVlVUVVZVVFVVVVRVVlVUVVZVVFVVVVRVVVVUVVZVVFVVVVRVVVVUVVVVVFVVVVRVVVVUVVVVVFVUVVRVVVRVVFZU"
    "VVRVVFVUVlRVVFVUVVRVVFVUVVRVVFVUVVRVVFVUVVRVVFVUVVRVVFVUVVRVVFRUVVRVVFVUVFRVVFVRVFVFUVRVRlFU"
    "VUVRVFVFUVRVRVFUVUVRVFVFUVRVRVFUVUVRVFVEUVRVRVFUVUVRVFVEUVRVRVFUVURRVFVFUUVFRVFFRUZRRUVFUUVF"
    "RVFFRUVRRUVFUUVFRVFFRUVRRUVFUUVFRFFFRUVRRUVFUUVFRFFFRUVRRUVEUUVFRhRUUUUUVFFFFFRRRhRUUUUUVFFF"
    "FFRRRRRUUUUUVFFFFFRRRRRUUUUUVFFFFFRRRRRUUUUUVFFEFFRRRRRUUUVFFEUURRRFFUUURRRFFEUVRRRFFEUURRVF"
    "FEUURRRFFEUURRRFFEUVRRRFFEUURRRFFEUURRRFFEUURRRFFEUUFERRRRREUUUURFFFFERRRRREUUQURFFFFERRRRRE"
    "UUQURFFFFERRRBREUUUURFFEFERRRRREUUQURFFEFERRRREURFERFERRERREUhEURFERFERRERREUREURFERFERRERRE"
    "UREURFERFERRERREUREURFARFERRERREUREURFBERERFRERERURERERERERFREREREREREVERERERERERURERERERERF"
    "RERERERERERERERFRERERERERERERERFERERERERERERERERERERERERERERERERERERERERERERERERERERERERERER"
    "EREREREREBEREREREREREREREREQREUREEREERBERREQREUREEREERBERREQREQREERFERBERBEQREUREEREERBERREQ"
    "REQREEREERBERREQREREEREERBERBEQREQREEREFRBERBEQREQREEREERBERBEQREQREEREERBERBEQREQREEREERBER"
    "BEQREQREEREFEEQRERBEEREQRBEQEEQRERBEEREQRBEREEQRERBEERAQRBEREEQRERBEERAQRBEREEQRERBEERAQRBER"
    "EEQREBEEQQURBEEEEQRBBREEQQQRBEEFEQRBBBEEQQURBEEEEQRBBBEEQQURBEEEEQRBBBEEQQURBEEEEQRBBBEEQQUQ"
    "RBEEEEQRBBBEEQQQRBEEEEQRBBBEEQQQRBEFEEQRBBBEEQQQRBEEEEQRBBBEEQQQRBEEEEQRBBBEEQQQRBEEBBEEEQQR"
    "BBEEEQQRBBEEEQQRBBAEEQQRBBEEEQQRBBEEEQQRBBEEEAQRBBEEEQQRBBEEEQQRBBAEEQQRBBEEERRRRRUUUUUVFFFF"
    "GRRRRRUUUUURFFFFFRRRRRUUUUUVFFFFFRRRRREUUUUVFFFFFRRRRREUUUUVFFFFERRRRRRRFFFEURRRRFEUUUhRFFFE"
    "URRRRFEUUURRFFFEURRRRFEUUUBRFFFEURRRRFEUUURRFFFAURRRRFEUUUBRFFFEURFESFERRERREUREURFESFERRERR"
    "EUREURFERFERRERREUREURFERFERRERREUREURFERFERRERREUREURFERFERERBREREUURERFFERERBREREUUREREFER"
    "ERRREREQUREREFERERRREREQUREREFERERRREREQUREREFERERBERERERERERERERERERERERERERERERERERERERERE"
    "RERERERERERARERERERERERERERAREREREREREBERERFBEREEQRERBUEREQRBEREFQRERBEEREQRBEREFQRERBEEREQR"
    "BEREEQRERBUEREQRBEREEQRERBEEREQRBEREEEQREEREERBERBEQREQREEREERBERBEQREQREEREERBARBEQREQREERE"
    "ERBERBEQQEQREEREERBERBEQQEQREEREEQRARBEEREQRBEBEEQRERBEEQEQRBEREEQRARBEEQEQRBEREEQRARBEEQEQR"
    "BEREEQRARBEEQEQRBEBEEQREEQQRBBEEEQQRBBEEEQQRBBEEEQQRBBEEEQQRBBEEEQQRBBEEEQQRBBEEEQQRBBEEEQQR"
    "BBEEEQQRBBEAEQQRBEEEEERBBBBEQQQQQEEEEERBBBBEQQQQREEEEEBBBBBEQQQQQEEEEERBBBBEQQQQQEEEEERBBBBA"
    "QQQQREEEEEBBBBBAQQQQREEEEEBBBBBEQQQQQEEEEEBBBBBEQQQQQEEEEEBBBBBEQQQQQEEEEEBBBBBAQQQQQEEEEERB"
    "BBBBBBBAQQQQQEEEEEBBBBBAQQQQQEEEEEBBBBBAQQQQQEEEEEBBBBBAQQQQQEEEEEBBBBBAQQQQQEEEEEBBBBBARBBA"
    "QQAQQEEEEEBBBBBAQQQQQEEEEEBBBBBAQQAQQEEEEEBBBBBAQQQQQEEAEEBBBBBAQQQQQEEAEEBBBBBAQQQQQEEAEEBB"
    "BBBAQQAQQEEEEEBBBBBAQQAQQEEEEEBBABBAQQQQQEEAEEBBBBBAQQAQQEEEEEBBABBAQQAQQEEEQEBAQEBAQERAQEBA"
    "QEBAQEBAQERAQEBAQEBAQEBAQERAQEBAQEBAQEBAQEBAQEBEQEBAQEBAQEBAQEBAQEBAREBAQEBAQEBAQEBAQEBAQEBA"
    "QEBAQEBAQEBAQERAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEA="
)
_FIRST = (0xfff, 0x6a0)   # each half's first result, in units of 2**-13 above 1/2


def _estimate_table():
    packed = np.frombuffer(base64.b64decode("".join(_STEPS)), np.uint8)
    steps = ((packed[:, None] >> np.array([6, 4, 2, 0], np.uint8)) & 3).reshape(-1)
    halves = []
    for first, half_steps in zip(_FIRST, (steps[:4095], steps[4095:8190])):
        units = first - np.concatenate([[0], np.cumsum(half_steps, dtype=np.int32)])
        halves.append(units.astype(np.int32) << 11 | np.int32(126 << 23))   # float32 bits
    return np.concatenate(halves)


def _processor_vendor():
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":")[1].strip() for line in f
                         if line.startswith("vendor_id")), "")
    except OSError:
        return ""


# which kernel torch's sqrt runs here: "mkl-sse" (reproduced below) or None (np.sqrt)
ESTIMATE_KERNEL = ("mkl-sse" if platform.machine() in ("x86_64", "AMD64")
                   and _processor_vendor() == "AuthenticAMD" else None)
_ESTIMATES = _estimate_table() if ESTIMATE_KERNEL else None
# the same, in the order of bits 11 to 23 of x (an odd exponent: m in [1, 2), the table's first
# half; an even one: [2, 4))
_ESTIMATES_BY_BITS = _ESTIMATES[np.arange(8192) ^ 0x1000] if ESTIMATE_KERNEL else None

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_U32, _U64 = np.uint32, np.uint64
# float64 polynomial: 1 / sqrt(1 - e) - 1 = c1 e + c2 e² + c3 e³ + c4 e⁴ (MKL's coefficients)
_C1, _C2, _C3, _C4 = (np.array(bits, _U64).view(np.float64) for bits in (
    0x3fdffffffffffe71, 0x3fd80000000000f6, 0x3fd40000b13001d9, 0x3fd1800032338cbb))


def rsqrtps(bits):
    """The processor's estimate of 1 / sqrt(x) for positive normal float32 x, given as uint32 bits
    (x = m 4**k with m in [1, 4) gives rsqrtps(m) 2**-k). The table is looked up by bits 11 to 23
    of x (its exponent's lowest bit, its top 12 mantissa bits) as they are."""
    estimate = _ESTIMATES_BY_BITS.take((bits >> _U32(11)) & _U32(0x1fff))
    estimate -= ((bits.view(np.int32) >> 23) - 127) >> 1 << 23
    return estimate.view(np.float32)


def _estimates_by_exponent():
    """rsqrtps of every positive float32 at once, as float32 bits, looked up by the float's bits
    11 to 30 (its exponent and top 12 mantissa bits): one lookup in place of rsqrtps' index
    arithmetic and exponent correction (a 4 MiB table, made on first use; measured faster in a
    training step than a 32 KiB table with the exponent corrected after)."""
    global _ESTIMATES_BY_EXPONENT
    if _ESTIMATES_BY_EXPONENT is None:
        table = np.empty(1 << 20, _U32)
        for start in range(0, table.size, 1 << 16):   # (in parts: little memory meanwhile)
            high = np.arange(start, start + (1 << 16), dtype=_U32) << _U32(11)
            table[start:start + (1 << 16)] = rsqrtps(high).view(_U32)
        _ESTIMATES_BY_EXPONENT = table
    return _ESTIMATES_BY_EXPONENT


_ESTIMATES_BY_EXPONENT = None


def _sqrt32(x, work=None):
    """The refinement of rsqrtps (module docstring), each step rounded to float32 as MKL's, in
    ``work`` (a float32 array of shape (4, x.size), whose last row receives the result) or in
    new arrays."""
    y, s, r, t = np.empty((4, x.size), _F32) if work is None else work
    half = np.float32(0.5)
    bits, index = x.view(_U32), t.view(_U32)
    np.right_shift(bits, _U32(11), out=index)
    _estimates_by_exponent().take(index, out=y.view(_U32), mode="wrap")   # (x is positive)
    np.multiply(x, y, out=s)
    h = np.multiply(y, half, out=y)
    np.multiply(s, h, out=r)
    np.subtract(half, r, out=r)             # r = 1/2 - s h
    np.multiply(s, r, out=t)
    s += t                                  # s = s + s r
    np.multiply(h, r, out=t)
    h += t                                  # h = h + h r
    np.multiply(s, s, out=t)
    np.subtract(x, t, out=t)                # d = x - s s
    t *= h
    t += s                                  # sqrt(x) = s + d h
    return t


def _sqrt64(x):
    bits = x.view(_U64)
    even = ~bits & _U64(1 << 52)                 # 2**52 where the biased exponent is even
    reduced = (bits & _U64(0x001fffffe0000000) | even + _U64(0x07f0000000000000)) >> _U64(29)
    y = rsqrtps(reduced.astype(_U32)).astype(np.float64)
    # times 2**-k: a power of two built from the exponent, (0xbfd + even - exponent) / 2
    y *= ((even - (bits & _U64(0x7ff0000000000000)) + _U64(0xbfd0000000000000)) >> _U64(1)).view(
        np.float64)
    y2 = y * y
    high = (bits & _U64(0xfffffffff8000000)).view(np.float64)
    low = x - high
    e = 1.0 - high * y2
    e -= low * y2
    p = _C4 * e
    for c in (_C3, _C2, _C1):
        p += c
        p *= e
    p *= y
    p *= x
    p += low * y
    return high * y + p


# per dtype: the refinement, the float's bits as unsigned, and the range of bits that takes it
_KERNELS = {_F32: (_sqrt32, _U32, 0x00800000, 0x7f7ff001),
            _F64: (_sqrt64, _U64, 0x0010000000000000, 0x7fd0000000000000)}


_BLOCK = 1 << 16   # elements per slice of a large array: the temporaries stay small


def sqrt(x, work=None):
    """torch's sqrt of an ndarray (a new array; float32 and float64 as torch's CPU kernel rounds
    them on this processor, other dtypes and other processors with ``np.sqrt``).

    ``work``: for a contiguous float32 x, a float32 array of shape (4, x.size) to compute in
    (the result is then its last row, reshaped), so that a caller allocates nothing."""
    x = np.asarray(x)
    kernel = _KERNELS.get(x.dtype) if ESTIMATE_KERNEL else None
    if kernel is None:
        return np.sqrt(x)
    if work is not None and kernel[0] is _sqrt32 and x.flags.c_contiguous and x.size:
        flat, work = x.reshape(-1), work.reshape(4, x.size)
        if _regular(flat.view(_U32), *kernel[2:]):
            return _sqrt32(flat, work).reshape(x.shape)
        return _sqrt32_with_scalar_path(flat, work, *kernel[2:]).reshape(x.shape)
    if not x.flags.c_contiguous:                 # the result keeps x's layout, as np.sqrt's
        out = np.empty_like(x)
        out[...] = sqrt(np.ascontiguousarray(x))
        return out
    flat = x.reshape(-1)
    if flat.size <= _BLOCK:
        return _sqrt_flat(flat, *kernel).reshape(x.shape)
    out = np.empty_like(flat)
    for start in range(0, flat.size, _BLOCK):
        out[start:start + _BLOCK] = _sqrt_flat(flat[start:start + _BLOCK], *kernel)
    return out.reshape(x.shape)


def _sqrt32_with_scalar_path(flat, work, low, high):
    """``_sqrt32`` in ``work`` for a float32 x of which some elements take MKL's scalar path
    (zeros, subnormals: an optimizer's ``exp_avg_sq`` has them): those are refined as 1 (in a
    kept copy of x: elementwise, the others' roots are unchanged) and then get the scalar
    path's roots. Allocates only arrays for the scalar-path elements (x's size in bools)."""
    bits = flat.view(_U32)
    scalar = _buffers.empty(flat.shape, np.bool_)
    np.greater_equal(bits - _U32(low), _U32(high - low), out=scalar)
    safe = _buffers.empty(flat.shape, _F32)
    np.copyto(safe, flat)
    np.copyto(safe, np.float32(1), where=scalar)
    out = _sqrt32(safe, work)
    out[scalar] = _scalar_path(flat[scalar])
    return out


def _scalar_path(values):
    """MKL's scalar path: correctly rounded roots, with a positive NaN for negative input."""
    with np.errstate(invalid="ignore"):
        roots = np.sqrt(values)
    roots[values < 0] = np.nan
    return roots


def _regular(bits, low, high):
    """Do all (of at least one) take MKL's vector path?"""
    return bits.size and bits.min() >= low and bits.max() < high


def _sqrt_flat(flat, refine, unsigned, low, high):
    """The roots of a 1-d array: the refinement where MKL's vector path runs, else its scalar
    path's."""
    bits = flat.view(unsigned)
    if _regular(bits, low, high):
        return refine(flat)
    regular = bits - unsigned(low) < unsigned(high - low)
    out = _scalar_path(flat)
    if regular.any():
        out[regular] = refine(flat[regular])
    return out
