"""``fma(a, b, c)``: a * b + c rounded once, as torch's vectorized CPU kernels compute
``add(alpha=)``, ``lerp`` and ``addcmul`` (``vec::fmadd``), bit for bit in float32 and float64.

NumPy has no fused multiply-add. For float32, computed in float64 (``_exact``: the product of two
floats is exact there, the sum rounds once, and the rare sums that land on a float32 tie are
repaired) it takes about seven passes over the data, some with slow casts: fine for small
arrays. Large float32 arrays, and float64 arrays, instead take the enclosure route in their own
dtype and fix it where it can be wrong:

* ``a * b`` is replaced by two products that enclose the exact one: for a scalar multiplier
  ``s`` the products by its two neighbouring floats (``|x| ulp(s)`` is at least half an ulp of
  ``x * s``), otherwise ``q (1 +- 2**-22)`` with ``q = fl(a * b)`` (``2**-51`` in float64);
* adding ``c`` to both gives two sums; rounding is monotonic, so where they are equal the fused
  result is that value. That is almost everywhere (98% of an SGD step's weights): they differ
  only where ``c + a * b`` lies within a few ulps of ``a * b`` of a tie;
* the elements where they differ are recomputed exactly: float32 in float64 (``_exact``),
  float64 with error-free transformations (``_fma64``).

A product that underflows into the subnormals, or overflows, breaks the enclosure; NumPy reports
it (the underflow/overflow flags, raised here as FloatingPointError) and the slice is then
computed as a whole: exactly in float64 for float32; for float64 as a plain multiply-add (two
roundings: the one case left inexact). One-element float32 arrays (a Linear(1, 1), a scalar
parameter) are computed with Python floats. A scalar multiplier of exactly 1 (``add(alpha=1)``,
SGD's momentum buffer update) makes the product exact: a plain add is then the fused result.
"""
import functools
import math

import numpy as np

from . import _buffers

__all__ = ["fma", "fma_exact"]

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_SMALL = 1 << 14   # up to this size the exact float64 route is the faster one (float32)
_BLOCK = 1 << 18   # elements per slice of a large fma: the temporaries stay small
# q * away and q * toward enclose a product that rounded to q (q normal): each moves q by 2 to 4
# of its ulps
_WIDEN = {_F32: (np.float32(1 + 2.0**-22), np.float32(1 - 2.0**-22)),
          _F64: (np.float64(1 + 2.0**-51), np.float64(1 - 2.0**-51))}
_TIES = 2.0**128 - 2.0**103        # from here on a double rounds to an infinite float32
_EXTRA_BITS = (1 << 29) - 1   # the bits a double has beyond a float32...
_TIE = 1 << 28                # ...and their value on a float32 tie


def fma(a, b, c, out=None):
    """a * b + c rounded once (``out``, which may be ``c``, receives it; else a new array).

    a, b and c are NumPy arrays or NumPy scalars that broadcast together. float32 and float64
    operands (all three of one dtype) give torch's fused result exactly; other dtypes use a
    plain multiply-add.
    """
    dt = c.dtype
    if a.dtype is not dt or b.dtype is not dt or dt not in _WIDEN:
        return _fma_other(a, b, c, out)
    if b.ndim == 0 and b == 1:   # a * 1 is exact: one rounding of a + c (add(alpha=1))
        return _add(a, c, out)
    shape = _result_shape(a, b, c)
    if dt is _F32 and a.size == 1 and b.size == 1 and c.size == 1:
        out = np.empty(shape, _F32) if out is None else out
        out.fill(_fma32_of_floats(a.item(), b.item(), c.item()))
        return out
    if not shape:   # 0-d: as one-element arrays (the exact routes index their elements)
        return _store(fma(*(np.reshape(x, 1) for x in (a, b, c))).reshape(()), out)
    if a.ndim == 0:   # keep the array first: fma is symmetric in a and b
        a, b = b, a
    if b.ndim == 0:
        b = b[()]     # a NumPy scalar (0-d arrays too), as the enclosure of a * b expects
    size = math.prod(shape)
    if size <= _BLOCK:
        return _store(_fma_slice(a, b, c, shape), out)
    # large arrays slice by slice along the first dim (views, any layout)
    out = np.empty(shape, dt) if out is None else out
    a, b, c = (np.broadcast_to(x, shape) if x.ndim else x for x in (a, b, c))
    rows = max(1, _BLOCK * shape[0] // size)
    for i in range(0, shape[0], rows):
        s = slice(i, i + rows)
        block = out[s]
        _store(_fma_slice(*(x[s] if x.ndim else x for x in (a, b, c)), block.shape), block)
    return out


def fma_exact(a, b, c, out=None, work=None):
    """``fma``, taking the exact float64 route for float32 operands of any size: a float32
    array ``a``, ``b`` a float32 scalar or an array of c's shape, ``c`` a contiguous float32
    array (other operands: ``fma``). The enclosure's two sums differ wherever the product is
    about as large as the addend (Adam's lerp and addcmul), which would send most elements to
    the exact route anyway, one by one.

    ``work``: a float64 array of 2 * c.size elements for the sum and its bits (else a kept
    one from ``_buffers``), so that a caller stepping many arrays allocates nothing."""
    if not (c.dtype is _F32 and a.dtype is _F32 and b.dtype is _F32 and a.shape == c.shape
            and (b.ndim == 0 or b.shape == c.shape) and c.flags.c_contiguous and c.size > 1):
        return fma(a, b, c, out)
    n = c.size
    work = _buffers.empty((2, n), _F64) if work is None else work.reshape(2, n)
    t, low = work[0], work[1].view(np.uint64)
    result = low.view(_F32)[:n]
    try:
        # (float64 sums of float32 products never underflow: only the cast to float32 can)
        with np.errstate(all="ignore", under="raise"):
            np.copyto(t, a.reshape(n))
            np.multiply(t, b if b.ndim == 0 else b.reshape(n), out=t)
            np.add(t, c.reshape(n), out=t)    # the product is exact, the sum rounded once
            np.bitwise_and(t.view(np.uint64), _F32_MIDPOINT_MASK, out=low)
            if np.equal(low, _F32_MIDPOINT).any():   # a sum on a float32 tie
                raise FloatingPointError
            np.copyto(result, t, casting="same_kind")
    except FloatingPointError:   # (or in the float32 subnormals)
        _repair_ties_and_tiny(a.reshape(n), b if b.ndim == 0 else b.reshape(n), c.reshape(n),
                              t, low, result)
    return _store(result.reshape(c.shape), out) if out is not None else \
        result.reshape(c.shape).copy()


@np.errstate(all="ignore")
def _repair_ties_and_tiny(a, b, c, t, low, result):
    """fma_exact's result where some float64 sums ``t`` land on a float32 tie (``low``: their
    bits beyond float32's) or below float32's normal range: all of them rounded to float32
    into ``result`` (which shares ``low``'s memory), then just those recomputed by ``_fma32``
    (its round-to-odd repair), so that the rest allocate nothing."""
    suspect = _buffers.empty(t.shape, np.bool_)
    np.equal(low, _F32_MIDPOINT, out=suspect)
    np.bitwise_and(t.view(np.uint64), _ABS_BITS, out=low)           # |t|, as bits
    suspect |= np.less(low, _TINY32_BITS, out=_buffers.empty(t.shape, np.bool_))
    np.copyto(result, t, casting="same_kind")
    where = np.flatnonzero(suspect)
    result[where] = _fma32(a[where], b if b.ndim == 0 else b[where], c[where])


@np.errstate(all="ignore")   # overflow gives inf silently, as in torch
def _add(a, c, out):
    return np.add(a, c, out=out)


def _result_shape(a, b, c):
    """The broadcast shape of a, b and c (equal shapes and scalars without asking NumPy)."""
    shape = c.shape
    if (a.shape == shape or not a.shape) and (b.shape == shape or not b.shape):
        return shape
    return np.broadcast_shapes(a.shape, b.shape, c.shape)


def _store(result, out):
    if out is None:
        return result
    np.copyto(out, result)
    return out


def _fma_other(a, b, c, out):
    """Operands not all of one float dtype: a multiply-add (an exact float32 fma if the result
    is float32)."""
    if np.result_type(a, c) != np.float32:
        return np.add(a * b, c, out=out)
    return _store(_exact(a, b, c, _result_shape(a, b, c)), out)


def _fma32_of_floats(x, y, z):
    """fma of three float32 values given as Python floats, as a float that rounds to it.

    ``x * y`` is exact in a double and ``+ z`` rounds once. Rounding that double to float32
    again is wrong only when it landed exactly on a float32 tie that the exact sum was not on;
    it is then moved one double ulp towards the exact sum (whose remainder TwoSum gives).
    """
    p = x * y
    t = p + z
    m, e = math.frexp(t)
    halves = math.ldexp(m, min(25, e + 150))   # t in half float32 ulps (subnormals included)
    if halves.is_integer() and int(halves) & 1:
        bb = t - p
        rest = (p - (t - bb)) + (z - bb)
        if rest:
            t = math.nextafter(t, math.copysign(math.inf, rest))
    if abs(t) >= _TIES:   # the float32 overflows (NumPy would warn)
        t = math.copysign(math.inf, t)
    return t


def _exact(a, b, c, shape):
    """The fused float32 result computed in float64.

    The product is exact in float64 and the sum rounds once; rounding that to float32 is a
    second rounding, wrong only for a sum that lands exactly on a float32 tie, or in the
    float32 subnormals (NumPy then reports an underflow). Arrays with one go through
    ``_fma32``, which repairs them.
    """
    try:
        with np.errstate(all="ignore", under="raise"):
            t = np.multiply(a, b, dtype=np.float64)
            t = np.add(t, c, out=t if t.shape == shape else None)
            result = t.astype(np.float32)
    except FloatingPointError:
        result = None
    if result is None or np.count_nonzero((t.view(np.uint64) & _EXTRA_BITS) == _TIE):
        with np.errstate(all="ignore"):
            return _fma32(*np.broadcast_arrays(a, b, c))
    return result


@functools.lru_cache(maxsize=64)
def _neighbours(kind, s):
    """The floats just above and just below the NumPy scalar ``s`` of type ``kind`` (passed so
    that the cache tells np.float64(x) from an equal np.float32(x))."""
    inf = kind(np.inf)
    return np.nextafter(s, inf), np.nextafter(s, -inf)


_BITS = {_F32: np.int32, _F64: np.int64}


def _fma_slice(a, b, c, shape):
    """fma of float32 or float64 operands (a an array, b an array or a scalar) of broadcast
    shape: the enclosure route, or the exact float64 one for small float32 arrays."""
    dt = c.dtype
    if dt is _F32 and math.prod(shape) <= _SMALL:
        return _exact(a, b, c, shape)
    try:
        with np.errstate(all="ignore", under="raise", over="raise"):
            r1, r2 = _enclosing_sums(a, b, c, shape)
    except FloatingPointError:   # a product fell into the subnormals or overflowed
        if dt is _F32:
            return _exact(a, b, c, shape)
        with np.errstate(all="ignore"):
            return np.add(a * b, c)   # float64: two roundings (see the module docstring)
    # comparing the bits is faster than comparing floats (where both sums are NaN, the fused
    # result is NaN too)
    differ = np.not_equal(r1.view(_BITS[dt]), r2.view(_BITS[dt]))
    if differ.any():
        flat = np.flatnonzero(differ)
        parts = [_gather(x, flat, shape) for x in (a, b, c)]
        r1.reshape(-1)[flat] = _exact(*parts, flat.shape) if dt is _F32 else _fma64(*parts)
    return r1


def _enclosing_sums(a, b, c, shape):
    """fl(c + q1) and fl(c + q2), where the products q1 and q2 enclose a * b."""
    dt = c.dtype
    if b.ndim == 0:
        up, down = _neighbours(type(b), b)
        q1 = np.multiply(a, up, out=np.empty(shape, dt))
        q2 = np.multiply(a, down, out=np.empty(shape, dt))
    else:
        away, toward = _WIDEN[dt]
        q2 = np.multiply(a, b, out=np.empty(shape, dt))
        q1 = np.multiply(q2, away)
        np.multiply(q2, toward, out=q2)
    return np.add(q1, c, out=q1), np.add(q2, c, out=q2)


def _gather(x, flat, shape):
    """The elements of x (broadcast to shape) at C-order flat indices; scalars as they are."""
    if x.ndim == 0:
        return x
    if x.shape == shape and x.flags.c_contiguous:
        return x.reshape(-1)[flat]
    return np.broadcast_to(x, shape)[np.unravel_index(flat, shape)]


# ---------------------------------------------------------------------------
# Exact fused multiply-add
# ---------------------------------------------------------------------------
_F32_MIDPOINT_MASK = np.uint64((1 << 29) - 1)     # bits a double has beyond a float32
_F32_MIDPOINT = np.uint64(1 << 28)
_ABS_BITS = np.uint64((1 << 63) - 1)
_TINY32 = 2.0 ** -126
_TINY32_BITS = np.float64(_TINY32).view(np.uint64)


def _round_to_odd_repair(s, e):
    """Nudge ``s`` one ulp towards ``s + e`` where ``e != 0`` and ``s`` is even.

    ``s + e`` is an exact sum and ``s`` its round-to-nearest value; the result
    is the round-to-odd value, from which a narrower rounding is correct.
    """
    fix = (e != 0) & ((s.view(np.uint64) & np.uint64(1)) == 0)
    if fix.any():
        s = s.copy()
        s[fix] = np.nextafter(s[fix], np.copysign(np.inf, e[fix]))
    return s


def _two_sum(a, b):
    """Knuth's TwoSum: ``s + e == a + b`` exactly with ``s = fl(a + b)``."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _fma32(a, b, c):
    """float32 ``fma(a, b, c)`` with one rounding.

    ``float64(a) * float64(b)`` is exact (48 bits) and ``+ c`` rounds once in
    float64; rounding that to float32 is a double rounding, which is wrong
    only when the float64 sum lands exactly on a float32 midpoint (or in the
    float32 subnormal range).  There the float64 sum is replaced by its
    round-to-odd value, which rounds to float32 correctly.
    """
    p = np.multiply(a, b, dtype=np.float64)
    c64 = np.asarray(c, dtype=np.float64)
    s = p + c64
    out = s.astype(np.float32)
    suspect = ((s.view(np.uint64) & _F32_MIDPOINT_MASK) == _F32_MIDPOINT) | (np.abs(s) < _TINY32)
    if suspect.any():
        idx = np.nonzero(suspect)
        pc = p[idx]
        cc = np.broadcast_to(c64, s.shape)[idx]
        ss, e = _two_sum(pc, cc)
        out[idx] = _round_to_odd_repair(ss, e).astype(np.float32)
    return out


def _split(x):
    """Veltkamp's split ``x == hi + lo``, each half with at most 26 significant bits.

    ``(2**27 + 1) * x`` overflows for ``|x|`` above about 2**996; such values are split scaled
    down by 2**-64 (exact: a power of two) and scaled back up.
    """
    scale = np.where(np.abs(x) > 2.0**995, 2.0**-64, 1.0)
    scaled = x * scale
    t = 134217729.0 * scaled  # 2**27 + 1
    hi = (t - (t - scaled)) / scale
    return hi, x - hi


def _two_prod(a, b):
    """Dekker's exact product: ``p + e == a * b`` (Veltkamp splitting)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


_TINY_PRODUCT = 2.0**-969


def _fma64(a, b, c):
    """float64 ``fma(a, b, c)`` with one rounding (Boldo-Melquiond).

    ``a*b = uh + ul`` exactly; ``c + uh = th + tl`` exactly;
    ``v = round_to_odd(tl + ul)``; the result is ``round(th + v)``.
    Common operands take exact shortcuts: ``fma(x, 1, m) = x + m`` and
    ``fma(x, s, +0) = x*s`` (``+0`` when the exact product is zero).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    if b.ndim == 0 and b == 1.0:
        return a + c
    # With a zero addend the result is a*b, already one rounding of the exact product, except
    # that an exactly-zero product meets the addend's zero by IEEE's rule (-0 + +0 = +0); a
    # product that underflows to zero keeps its own sign.
    p = a * b
    with_zero = np.where((a == 0) | (b == 0), p + c, p)
    if c.ndim == 0 and c == 0.0:
        return with_zero
    a, b, c = np.broadcast_arrays(a, b, c)
    uh, ul = _two_prod(a, b)
    th, tl = _two_sum(c, uh)
    v, ve = _two_sum(tl, ul)
    v = _round_to_odd_repair(v, ve)
    out = np.where(v == 0, th, th + v)
    # Dekker's error term is not representable once |a*b| < 2**-969. An addend >= 2**-900 is
    # then more than 2**68 times the product, which cannot move it off its own value.
    # (A product and an addend both that tiny: not handled, see the module docstring.)
    out = np.where((np.abs(uh) < _TINY_PRODUCT) & (np.abs(c) >= 2.0**-900), c, out)
    return np.where(c == 0, with_zero, out)
