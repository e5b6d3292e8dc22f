"""torch's CPU random number generator, reproduced bit for bit in NumPy.

This module is the engine behind ``minigrad.random``: it works on plain
``numpy.ndarray`` values and knows nothing about Tensors.  Every function
reproduces the algorithm of torch 2.13's CPU kernels, so that after
``manual_seed(s)`` the same sequence of calls gives byte-identical results.
The rules, summarised below, are those of torch's CPU samplers.

Engine
    Standard MT19937 seeded with ``init_genrand(seed & 0xffffffff)``.  NumPy's
    ``MT19937`` bit generator has the same twist and tempering, so its
    ``random_raw`` gives torch's 32-bit draws, many at a time.
    ``random64()`` is two draws, the first one being the high word.

Distributions
    * uniform: float32 uses 24 random bits, float64 53 bits; the value is
      ``fma(x, to - from, from)`` with one rounding, and ``to`` is replaced by
      ``from``.
    * normal: ``normal_fill`` for >= 16 contiguous elements (blocks of 16,
      last 16 redrawn: path A), scalar Box-Muller with a cached double
      otherwise (path B).  float32 ``normal_fill`` reproduces avx_mathfun's
      ``log256_ps``/``sincos256_ps`` Cephes polynomials with GCC's FMA
      contractions; it was compared with torch for all 2**24 possible
      inputs of each of u1 and u2 (uniforms fed through the generator state).
    * integers: ``randint``/``random_(from, to)`` use one 32-bit draw below a
      range of 2**28 and one ``random64`` above it, then ``v % range + low``;
      ``randperm`` is a Fisher-Yates loop.
    * bernoulli: ``U53() < p`` (non-MKL path).

Exact fused multiply-add (``_fma._fma32``, ``_fma._fma64``)
    Python 3.11 has no ``math.fma``.  float32 FMAs are computed in float64 (the
    product of two floats is exact there) and the rare double-rounding cases
    are repaired with round-to-odd; float64 FMAs use Dekker's exact product
    and Boldo-Melquiond's round-to-odd summation.  Not covered: a product
    below 2**-969 together with a nonzero addend below 2**-900 (Dekker's error
    term underflows); torch's samplers never come near that range.

ISA and platform caveats
    * float32 ``randn``/``normal_`` with >= 16 contiguous elements matches
      torch only on x86-64 CPUs with AVX2 (AVX512 machines also use the AVX2
      kernel).  Without AVX2 (old x86, aarch64, macOS) torch calls the
      platform's ``logf``/``sincosf`` instead; results then differ in about
      1.5% of elements by at most a few ulp.
    * On Intel CPUs torch's ``bernoulli_(p: float)`` (and therefore dropout)
      goes through MKL's VSL_BRNG_MCG31 stream, which is not reproduced here;
      the stream reproduced is the one AMD CPUs and non-MKL builds use.
    * float64 normals call glibc's ``log``/``log1p``/``sin``/``cos`` through
      Python's ``math`` module (NumPy's SIMD ufuncs differ from glibc in the
      last bit on some machines).  A different libm can change the last ulp.
    * The FMA contractions are those of the official x86-64 wheel (GCC);
      other builds of torch may round some results differently.

Speed (measured here: x86-64 AMD, 2 cores, best of 5, torch with 1 thread)
    ==========================  =========  =========
    operation                   torch      this file
    ==========================  =========  =========
    randn(10**6) float32        3.5 ms     82 ms
    randn(10**6) float64        17 ms      127 ms
    normal_(1, 2) 10**6 f64     17 ms      175 ms
    rand(10**6) float32         2.8 ms     3.6 ms
    uniform_(-2, 3) 10**6 f32   2.8 ms     8.4 ms
    randint(0, 10, (10**6,))    2.6 ms     5.4 ms
    randperm(100)               2 µs       10 µs
    randperm(10**5)             0.4 ms     4.7 ms
    randperm(10**6)             5.4 ms     97 ms
    ``Generator()``             1.2 µs     4.6 µs
    ==========================  =========  =========

    float32 randn is dominated by the exact float32 FMA emulation, float64
    randn by the per-element glibc calls, large randperm by the random-access
    gathers and scatters that resolve the swap chain without a Python loop
    (small ones swap in a plain loop).  ``randperm(n)`` for n >= 214748364 runs
    a Python loop and takes minutes.
"""
import math
import os

import numpy as np

from . import _seam as seam
from ._fma import _fma32, _fma64

__all__ = [
    "Generator", "default_generator", "STATE_SIZE", "DEFAULT_SEED",
    "uniform", "normal", "randint", "random_", "randperm", "bernoulli", "bernoulli_tensor",
    "dropout_mask", "exponential",
]

DEFAULT_SEED = 67280421310721      # seed of a fresh torch.Generator()
STATE_SIZE = 5056                  # bytes in torch.get_rng_state()
_N = 624                           # MT19937 state words
_U64 = (1 << 64) - 1
_MASK53 = (1 << 53) - 1
_RANDPERM_64BIT_CUTOFF = 214748364  # (2**32 - 1) // 20, as torch's randperm
_RANDPERM_LOOP_MAX = 500            # randperm(n) swaps in a Python loop up to here (measured)

# Layout of torch's CPUGeneratorImplState; padding bytes are zero.
_STATE_DTYPE = np.dtype({
    "names": ["seed", "left", "seeded", "next", "state", "normal_x", "normal_y",
              "normal_rho", "normal_is_valid", "float_normal", "float_normal_valid"],
    "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", _N), "<f8", "<f8", "<f8", "<i4", "<f4", "u1"],
    "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
    "itemsize": STATE_SIZE,
})


def _init_genrand(seed32):
    """MT19937 ``init_genrand``: ``mt[j] = 1812433253*(mt[j-1]^(mt[j-1]>>30)) + j``."""
    key = [seed32]
    prev = seed32
    for j in range(1, _N):
        prev = (1812433253 * (prev ^ (prev >> 30)) + j) & 0xFFFFFFFF
        key.append(prev)
    return np.array(key, dtype=np.uint32)


class _ZeroWords(np.random.bit_generator.ISeedSequence):
    """A seed source that gives ``np.random.MT19937`` 624 zero words.

    ``MT19937()`` would pull OS entropy through a ``SeedSequence`` (tens of µs) for a state that
    ``manual_seed`` overwrites at once.  The words are a tuple because MT19937 copies them one
    by one, which is much quicker from a tuple or list than from an ndarray.
    """

    _words = (0,) * _N

    def generate_state(self, n_words, dtype=np.uint32):
        return self._words if n_words == _N else [0] * n_words


_ZERO_WORDS = _ZeroWords()


def _nondeterministic_seed():
    """A fresh 53-bit seed from the OS, like c10's getNonDeterministicRandom."""
    return int.from_bytes(os.urandom(8), "little") & ((1 << 53) - 1)


class Generator:
    """torch's CPU generator (``at::CPUGeneratorImpl``): MT19937 plus two normal caches.

    The Mersenne twister runs inside ``numpy.random.MT19937``; this class
    keeps the torch-side extras: the 64-bit seed, the cached double normal of
    the scalar Box-Muller path, the (unused by CPU kernels) cached float
    normal, and ``next`` for a freshly seeded state.
    """

    device = "cpu"

    def __init__(self, seed=DEFAULT_SEED):
        self._bg = np.random.MT19937(_ZERO_WORDS)   # a placeholder state, seeded below
        self.manual_seed(seed)

    # -- seeding and state ------------------------------------------------
    def manual_seed(self, seed):
        """Seed with an int in [-2**63, 2**64); negatives wrap mod 2**64.

        Only the low 32 bits feed ``init_genrand``; ``initial_seed()`` keeps
        all 64.  Both normal caches are cleared.  Returns ``self``.
        """
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expected an int, got {type(seed).__name__}")
        seed = int(seed)
        if not -(1 << 63) <= seed <= _U64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & _U64
        seed32 = self._seed & 0xFFFFFFFF
        if hasattr(self._bg, "_legacy_seeding"):   # same init_genrand, in C
            self._bg._legacy_seeding(seed32)
        else:
            self._bg.state = {"bit_generator": "MT19937",
                              "state": {"key": _init_genrand(seed32), "pos": _N}}
        self._fresh_next = 0      # torch: left=1, next=0 until the first draw
        self._seeded = 1
        self.next_double_normal = None
        self.next_float_normal = None
        return self

    def initial_seed(self):
        """The 64-bit seed last given to ``manual_seed``/``seed``."""
        return self._seed

    def seed(self):
        """Re-seed from a nondeterministic 53-bit value and return it."""
        s = _nondeterministic_seed()
        self.manual_seed(s)
        return s

    def get_state_bytes(self):
        """torch's 5056-byte state (``torch.get_rng_state()``) as ``bytes``."""
        st = self._bg.state["state"]
        pos = int(st["pos"])
        rec = np.zeros((), dtype=_STATE_DTYPE)
        rec["seed"] = self._seed
        if pos == _N:
            # A twist is due: torch has left=1, and next=0 (freshly seeded) or 624.
            rec["left"] = 1
            rec["next"] = _N if self._fresh_next is None else self._fresh_next
        else:
            rec["left"] = _N + 1 - pos
            rec["next"] = pos
        rec["seeded"] = self._seeded
        rec["state"] = st["key"].astype(np.uint64)
        if self.next_double_normal is not None:
            rec["normal_is_valid"] = 1
            rec["normal_y"] = self.next_double_normal
        if self.next_float_normal is not None:
            rec["float_normal_valid"] = 1
            rec["float_normal"] = self.next_float_normal
        return rec.tobytes()

    def get_state(self):
        """torch's state layout as a ``numpy.uint8`` array of 5056 bytes."""
        return np.frombuffer(self.get_state_bytes(), dtype=np.uint8).copy()

    def set_state(self, state):
        """Restore a state produced by ``get_state`` or ``torch.get_rng_state()``."""
        raw = np.asarray(state)
        if raw.dtype != np.uint8 or raw.ndim != 1 or raw.size != STATE_SIZE:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found the input "
                f"RNG state size to be {raw.size}")
        rec = np.frombuffer(raw.tobytes(), dtype=_STATE_DTYPE)[0]
        left, nxt = int(rec["left"]), int(rec["next"])
        if not 1 <= left <= _N:
            raise RuntimeError("The input RNG state is invalid: left out of range")
        if left == 1:
            pos, fresh = _N, nxt
        elif left + nxt == _N + 1:
            pos, fresh = nxt, None
        else:
            raise RuntimeError("The input RNG state is invalid: left + next must be 625")
        key = (rec["state"] & 0xFFFFFFFF).astype(np.uint32)
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._fresh_next = fresh
        self._seed = int(rec["seed"])
        self._seeded = int(rec["seeded"])
        self.next_double_normal = float(rec["normal_y"]) if rec["normal_is_valid"] else None
        self.next_float_normal = (float(rec["float_normal"])
                                  if rec["float_normal_valid"] else None)

    # -- raw draws ----------------------------------------------------------
    def random_raw(self, n):
        """``n`` consecutive 32-bit outputs (``random()``) as a uint64 array."""
        if n:
            self._fresh_next = None
        return self._bg.random_raw(int(n))

    def random(self):
        """One 32-bit output, as torch's ``generator->random()``."""
        self._fresh_next = None
        return int(self._bg.random_raw())

    def random64(self):
        """``(a << 32) | b`` from two outputs, the first being the high word."""
        hi, lo = self.random_raw(2).tolist()
        return (hi << 32) | lo

    def random64_array(self, n):
        """``n`` ``random64()`` values as a uint64 array."""
        raw = self.random_raw(2 * n)
        return (raw[0::2] << np.uint64(32)) | raw[1::2]

    def __repr__(self):
        return "<minigrad Generator object>"


default_generator = Generator(_nondeterministic_seed())


def _gen(generator):
    return default_generator if generator is None else generator


def _numel(shape):
    return int(np.prod(shape, dtype=np.int64))


# ---------------------------------------------------------------------------
# Uniform
# ---------------------------------------------------------------------------
def _u24(gen, n):
    """n float32 uniforms in [0, 1): 24 random bits of one 32-bit draw."""
    raw = gen.random_raw(n)
    return (raw & np.uint64(0xFFFFFF)).astype(np.float32) * np.float32(2.0 ** -24)


def _u53(gen, n):
    """n float64 uniforms in [0, 1): 53 random bits of one random64."""
    return (gen.random64_array(n) & np.uint64(_MASK53)).astype(np.float64) * 2.0 ** -53


def _check_float(np_dtype):
    np_dtype = np.dtype(np_dtype)
    if np_dtype not in (np.float32, np.float64):
        raise TypeError(f"only float32 and float64 are supported, got {np_dtype}")
    return np_dtype


@seam.replayed
def uniform(shape, np_dtype=np.float32, low=0.0, high=1.0, generator=None):
    """``uniform_(low, high)`` / ``rand``: elements in memory order.

    float32: 24 random bits, float64: 53 random bits.  With ``from``/``to``
    cast to the dtype, each value is ``fma(x, to - from, from)`` (one rounding,
    as GCC fuses it in the AVX2 kernel) and a value equal to ``to`` becomes
    ``from``.
    """
    np_dtype = _check_float(np_dtype)
    gen = _gen(generator)
    n = _numel(shape)
    lo, hi = np_dtype.type(low), np_dtype.type(high)
    span = hi - lo
    if np_dtype == np.float32:
        x = _u24(gen, n)
        out = x if (lo == 0 and span == 1) else _fma32(x, span, lo)
    else:
        x = _u53(gen, n)
        out = x if (lo == 0 and span == 1) else _fma64(x, span, lo)
    out = np.asarray(out, dtype=np_dtype)
    if lo != 0 or span != 1:
        out[out == hi] = lo
    return out.reshape(shape)


# ---------------------------------------------------------------------------
# Normal
# ---------------------------------------------------------------------------
def _libm(func, x):
    """Apply a glibc ``math`` function element by element (exact libm results)."""
    return np.fromiter(map(func, x.tolist()), dtype=np.float64, count=x.size)


def _box_muller_scalar(gen, n, mean, std):
    """Scalar Box-Muller of ``normal_distribution<double>`` for n elements (path B).

    Each element takes the cached value if there is one; otherwise it draws
    ``u1 = U53()``, ``u2 = U53()``, returns ``r*cos(2*pi*u1)`` with
    ``r = sqrt(-2*log1p(-u2))`` and caches ``r*sin(2*pi*u1)``.  So the output
    is ``[cache?, cos0, sin0, cos1, sin1, ...]`` and an unpaired last sine stays
    cached.  Each value becomes ``fma(val, std, mean)`` in double.
    """
    vals = np.empty(n, dtype=np.float64)
    start = 0
    if n and gen.next_double_normal is not None:
        vals[0] = gen.next_double_normal
        gen.next_double_normal = None
        start = 1
    m = n - start
    pairs = (m + 1) // 2
    if pairs:
        u = _u53(gen, 2 * pairs)
        u1, u2 = u[0::2], u[1::2]
        r = np.sqrt(-2.0 * _libm(math.log1p, -u2))
        theta = (2.0 * math.pi) * u1
        cos_part = r * _libm(math.cos, theta)
        sin_part = r * _libm(math.sin, theta)
        vals[start::2] = cos_part
        vals[start + 1::2] = sin_part[: m // 2]
        if m % 2:
            gen.next_double_normal = float(sin_part[-1])
    return _fma64(vals, std, mean)


def _normal_fill_16_f64(u, mean, std):
    """float64 ``normal_fill_16`` over rows of 16 uniforms, glibc math.

    ``u1 = 1 - u[j]``, ``u2 = u[j+8]``, ``r = sqrt(-2*log(u1))``,
    ``theta = 2*pi*u2``; ``out[j] = fma(r*cos, std, mean)``, ``out[j+8]`` with sin.
    """
    u1 = 1.0 - u[:, :8]
    u2 = u[:, 8:]
    radius = np.sqrt(-2.0 * _libm(math.log, u1.ravel()).reshape(u1.shape))
    theta = (2.0 * math.pi) * u2
    flat = theta.ravel()
    cos_t = _libm(math.cos, flat).reshape(theta.shape)
    sin_t = _libm(math.sin, flat).reshape(theta.shape)
    out = np.empty_like(u)
    out[:, :8] = _fma64(radius * cos_t, std, mean)
    out[:, 8:] = _fma64(radius * sin_t, std, mean)
    return out


# avx_mathfun.h constants (Cephes logf / sinf / cosf), all float32.
_f = np.float32
_ONE, _HALF = _f(1.0), _f(0.5)
_SQRTHF = _f(0.707106781186547524)
_LOG_P = [_f(v) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                          1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                          3.3333331174e-1)]
_LOG_Q1, _LOG_Q2 = _f(-2.12194440e-4), _f(0.693359375)
_MINUS_DP = [_f(-0.78515625), _f(-2.4187564849853515625e-4), _f(-3.77489497744594108e-8)]
_SINCOF = [_f(-1.9515295891e-4), _f(8.3321608736e-3), _f(-1.6666654611e-1)]
_COSCOF = [_f(2.443315711809948e-005), _f(-1.388731625493765e-003), _f(4.166664568298827e-002)]
_FOPI = _f(1.27323954473516)
_TWO_PI_F32 = _f(2.0 * math.pi)


def _log256_ps(x):
    """avx_mathfun ``log256_ps`` for float32 x > 0, with GCC's FMA contractions.

    Horner steps are ``fma(y, x, p_k)`` and ``y*z + e*q1`` fuses the ``y*z``.
    """
    x = np.maximum(x, _f(np.finfo(np.float32).tiny))
    bits = x.view(np.uint32)
    e = ((bits >> np.uint32(23)).astype(np.int32) - 127).astype(np.float32) + _ONE
    x = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(np.float32)
    mask = x < _SQRTHF
    tmp = np.where(mask, x, _f(0.0))
    x = x - _ONE
    e = e - np.where(mask, _ONE, _f(0.0))
    x = x + tmp
    z = x * x
    y = _fma32(_LOG_P[0], x, _LOG_P[1])
    for p in _LOG_P[2:]:
        y = _fma32(y, x, p)
    y = y * x
    y = _fma32(y, z, e * _LOG_Q1)
    y = y - z * _HALF
    x = x + y
    return x + e * _LOG_Q2


def _sincos256_ps(x):
    """avx_mathfun ``sincos256_ps`` (Cephes sinf/cosf) with GCC's FMA contractions.

    The reduction is ``x = fma(y, -DPi, x)``; Horner steps are fma's, the cosine
    ends ``fma(yc, z, -(z*0.5)) + 1`` and the sine ``fma(ys, x, x)``.
    Returns ``(sin, cos)``.
    """
    sign_sin = x.view(np.uint32) & np.uint32(0x80000000)
    x = np.abs(x)
    y = x * _FOPI
    j = (y.astype(np.int32) + 1) & ~1
    y = j.astype(np.float32)
    swap_sin = ((j & 4) << 29).astype(np.uint32)
    poly_mask = (j & 2) == 0
    for dp in _MINUS_DP:
        x = _fma32(y, dp, x)
    sign_cos = ((~(j - 2) & 4) << 29).astype(np.uint32)
    sign_sin = sign_sin ^ swap_sin
    z = x * x
    yc = _fma32(_COSCOF[0], z, _COSCOF[1])
    yc = _fma32(yc, z, _COSCOF[2])
    yc = yc * z
    yc = _fma32(yc, z, -(z * _HALF))
    yc = yc + _ONE
    ys = _fma32(_SINCOF[0], z, _SINCOF[1])
    ys = _fma32(ys, z, _SINCOF[2])
    ys = ys * z
    ys = _fma32(ys, x, x)
    zero = _f(0.0)
    ysin2 = np.where(poly_mask, ys, zero)
    ysin1 = np.where(poly_mask, zero, yc)
    s = (ysin1 + ysin2).view(np.uint32) ^ sign_sin
    c = ((yc - ysin1) + (ys - ysin2)).view(np.uint32) ^ sign_cos
    return s.view(np.float32), c.view(np.float32)


def _normal_fill_16_f32(u, mean, std):
    """float32 ``normal_fill_16_AVX2`` over rows of 16 uniforms (path A).

    ``r = sqrt(-2*log256_ps(1 - u[j]))``, ``theta = float32(2*pi)*u[j+8]``;
    ``out[j] = fma(r*cos, std, mean)``, ``out[j+8] = fma(r*sin, std, mean)``.
    """
    u1 = _ONE - u[:, :8]
    u2 = u[:, 8:]
    radius = np.sqrt(_f(-2.0) * _log256_ps(u1))
    sin_t, cos_t = _sincos256_ps(_TWO_PI_F32 * u2)
    out = np.empty_like(u)
    out[:, :8] = _fma32(radius * cos_t, std, mean)
    out[:, 8:] = _fma32(radius * sin_t, std, mean)
    return out


@seam.replayed
def normal(shape, np_dtype=np.float32, mean=0.0, std=1.0, contiguous=True, generator=None):
    """``randn`` / ``normal_(mean, std)``.

    With >= 16 elements and a contiguous target: ``normal_fill`` -- draw all
    uniforms, transform blocks of 16 as pairs ``(j, j+8)``, and if the size is
    not a multiple of 16 draw 16 more and overwrite the last 16 slots (the
    cache is untouched).  Otherwise the scalar Box-Muller path with the cached
    double, in memory order, cast to the dtype at the end.  ``contiguous=False``
    returns values in memory order of the target; the caller scatters them.
    """
    np_dtype = _check_float(np_dtype)
    gen = _gen(generator)
    n = _numel(shape)
    if n < 16 or not contiguous:
        return _box_muller_scalar(gen, n, float(mean), float(std)).astype(np_dtype).reshape(shape)
    if np_dtype == np.float32:
        draw, fill16 = _u24, _normal_fill_16_f32
        mean, std = np.float32(mean), np.float32(std)
    else:
        draw, fill16 = _u53, _normal_fill_16_f64
        mean, std = float(mean), float(std)
    data = np.empty(n, np_dtype)
    full = n // 16 * 16
    # blocks of at most NORMAL_BLOCK elements, drawn one after another from the stream: the same
    # numbers as one draw of n, with scratch memory bounded by the block, not by n
    for start in range(0, full, NORMAL_BLOCK):
        stop = min(start + NORMAL_BLOCK, full)
        data[start:stop] = fill16(draw(gen, stop - start).reshape(-1, 16), mean, std).ravel()
    if n % 16:
        draw(gen, n - full)   # torch draws n uniforms first; these last few it overwrites
        data[n - 16:] = fill16(draw(gen, 16).reshape(1, 16), mean, std).ravel()
    return data.reshape(shape)


NORMAL_BLOCK = 1 << 16   # elements per block of normal(); a multiple of 16


# ---------------------------------------------------------------------------
# Integers
# ---------------------------------------------------------------------------
@seam.replayed
def randint(low, high, shape, np_dtype=np.int64, generator=None):
    """``randint(low, high, size)`` / ``random_(low, high)``.

    ``range = high - low`` (uint64).  Below 2**28 each element takes one
    32-bit draw, otherwise one ``random64``; the value is
    ``int64((v % range) + low)`` (no rejection, so there is modulo bias),
    then cast to the dtype.
    """
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    gen = _gen(generator)
    n = _numel(shape)
    span = (high - low) & _U64
    v = gen.random64_array(n) if span >= (1 << 28) or span == 0 else gen.random_raw(n)
    if span == 0:
        # The full 2**64 range (random_(-2**63, None) on int64): torch's full-range kernel
        # returns the random64 value itself, read as int64.
        vals = v.view(np.int64)
    else:
        vals = ((v % np.uint64(span)) + np.uint64(low & _U64)).view(np.int64)
    return _cast_int64(vals, np_dtype).reshape(shape)


def _cast_int64(vals, np_dtype):
    np_dtype = np.dtype(np_dtype)
    if np_dtype == np.bool_:
        return vals != 0
    return vals.astype(np_dtype)


# modulus used by uniform_int_distribution<T> for random_() without bounds
_RANDOM_MOD = {
    np.dtype(np.int64): (True, 1 << 63), np.dtype(np.float64): (True, (1 << 53) + 1),
    np.dtype(np.int32): (False, 1 << 31), np.dtype(np.float32): (False, (1 << 24) + 1),
    np.dtype(np.int16): (False, 1 << 15), np.dtype(np.int8): (False, 1 << 7),
    np.dtype(np.uint8): (False, 1 << 8), np.dtype(np.float16): (False, (1 << 11) + 1),
    np.dtype(np.bool_): (False, 2),
}


@seam.replayed
def random_(shape, np_dtype=np.int64, generator=None):
    """``random_()`` without bounds: ``uniform_int_distribution<T>``.

    int64 and float64 take one ``random64`` (int64: ``& (2**63 - 1)``, float64:
    ``% (2**53 + 1)``); other dtypes one 32-bit draw modulo ``max + 1``
    (floats: ``2**digits + 1``); bool takes the low bit.
    """
    np_dtype = np.dtype(np_dtype)
    gen = _gen(generator)
    n = _numel(shape)
    wide, mod = _RANDOM_MOD[np_dtype]
    v = gen.random64_array(n) if wide else gen.random_raw(n)
    vals = v % np.uint64(mod)
    if np_dtype == np.bool_:
        return (vals != 0).reshape(shape)
    return vals.astype(np_dtype).reshape(shape)


def _fisher_yates_loop(n, z):
    """The serial loop ``for i: swap(perm[i], perm[i + z[i]])`` on a list (fastest for small n)."""
    perm = list(range(n))
    for i, k in enumerate((z + np.arange(n - 1, dtype=np.uint64)).tolist()):
        perm[i], perm[k] = perm[k], perm[i]
    return np.fromiter(perm, np.int64, n)


def _stable_argsort(keys):
    """``argsort(keys, kind="stable")`` for int64 keys in [0, 2**32).

    NumPy radix-sorts 16-bit integers (linear time) but merge-sorts wider ones, so this
    sorts by the low 16 bits and then, stably, by the high 16 bits.
    """
    order = np.argsort(keys.astype(np.uint16), kind="stable")     # the low 16 bits
    if keys.size and keys.max() >> 16:
        high = (keys >> 16).astype(np.uint16)
        order = order[np.argsort(high[order], kind="stable")]
    return order


def _fisher_yates_swaps(n, z):
    """The permutation left by ``for i: swap(perm[i], perm[i + z[i]])`` on ``arange(n)``.

    Equivalent to the serial loop, without a Python-level loop.  Write
    ``j[i] = i + z[i]`` (and ``j[n-1] = n-1``).  Position i is final after
    step i, and holds what position ``j[i]`` held just before step i.  That is
    ``j[i]`` itself unless an earlier step ``m < i`` also targeted ``j[i]``; then
    (taking the last such m) it is what position m held just before step m,
    ``before(m)``.  Likewise ``before(k)`` is k unless some ``m < k`` has
    ``j[m] == k``, in which case it is ``before(m)`` for the last such m.  These
    "last earlier step with the same target" links form a forest whose roots
    are the answers, found by pointer jumping; one stable sort of the steps by
    target gives all links.
    """
    idx = np.arange(n, dtype=np.int64)
    j = idx.copy()
    j[: n - 1] += z.astype(np.int64)
    step = _stable_argsort(j)                             # pairs sorted by (target, step)
    target = j[step]
    same = np.zeros(n, dtype=bool)
    np.equal(target[1:], target[:-1], out=same[1:])
    prev = np.full(n, -1, dtype=np.int64)                 # last m < i with j[m] == j[i]
    prev[step[1:][same[1:]]] = step[:-1][same[1:]]
    group_end = np.ones(n, dtype=bool)
    group_end[:-1] = ~same[1:]
    last = np.full(n, -1, dtype=np.int64)     # last m with j[m] == k (then m < k unless j[k] == k)
    last[target[group_end]] = step[group_end]
    parent = np.where(j == idx, prev, last)               # last m < k with j[m] == k
    before = np.where(parent >= 0, parent, idx)
    while True:                                           # pointer jumping to the roots
        nxt = before[before]
        if np.array_equal(nxt, before):
            break
        before = nxt
    return np.where(prev >= 0, before[np.maximum(prev, 0)], j)


@seam.replayed
def randperm(n, np_dtype=np.int64, generator=None):
    """``randperm(n)``.

    n < 214748364: Fisher-Yates from ``arange(n)``; for i in 0..n-2 swap
    ``perm[i]`` and ``perm[i + random() % (n-i)]`` (n-1 32-bit draws).  The
    draws are made up front; up to n = 500 the swaps run as a plain loop,
    above it the swap chain is resolved with array operations
    (``_fisher_yates_swaps``: more per call, less per element).  Larger n:
    the "inside-out" variant, ``z = random64() % (i+1)``, ``perm[i] = perm[z]``,
    ``perm[z] = i`` (a slow Python loop).
    """
    n = int(n)
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    gen = _gen(generator)
    if n < _RANDPERM_64BIT_CUTOFF:
        if n <= 1:
            return np.arange(n, dtype=np_dtype)
        z = gen.random_raw(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)
        swaps = _fisher_yates_loop if n <= _RANDPERM_LOOP_MAX else _fisher_yates_swaps
        return swaps(n, z).astype(np_dtype, copy=False)
    perm = np.empty(n, dtype=np.int64)
    chunk = 1 << 20
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        zs = (gen.random64_array(stop - start)
              % np.arange(start + 1, stop + 1, dtype=np.uint64)).tolist()
        for i, z in zip(range(start, stop), zs):
            perm[i] = perm[z]
            perm[z] = i
    return perm.astype(np_dtype)


# ---------------------------------------------------------------------------
# Bernoulli, dropout, exponential
# ---------------------------------------------------------------------------
@seam.replayed
def bernoulli(shape, p, np_dtype=np.float32, generator=None):
    """``bernoulli_(p)`` for a float p: ``U53() < p`` per element (non-MKL)."""
    gen = _gen(generator)
    return (_u53(gen, _numel(shape)) < float(p)).astype(np_dtype).reshape(shape)


@seam.replayed
def bernoulli_tensor(p, np_dtype=None, generator=None):
    """``torch.bernoulli(p)`` / ``bernoulli_(p_tensor)``: ``U < p`` per element of p.

    A float32 p draws 24-bit float uniforms, a float64 p 53-bit ones, in
    memory order.  The result has p's shape and ``np_dtype``
    (default: p's dtype).
    """
    p = np.asarray(p)
    gen = _gen(generator)
    u = _u24(gen, p.size) if p.dtype == np.float32 else _u53(gen, p.size)
    out = u.reshape(p.shape) < p
    return out.astype(p.dtype if np_dtype is None else np_dtype)


@seam.replayed
def dropout_mask(shape, p, np_dtype=np.float32, generator=None):
    """The scaled noise of ``F.dropout(x, p, training=True)``: ``x * mask``.

    torch does ``noise.bernoulli_(1 - p); noise.div_(1 - p)``; p == 1 gives zeros
    and p == 0 the input itself, both without drawing (``None`` for p == 0).
    """
    p = float(p)
    if p == 0:
        return None
    if p == 1:
        return np.zeros(shape, dtype=np_dtype)
    noise = bernoulli(shape, 1.0 - p, np_dtype, generator)
    return noise / np.dtype(np_dtype).type(1.0 - p)


@seam.replayed
def exponential(shape, lambd=1.0, np_dtype=np.float32, generator=None):
    """``exponential_(lambd)`` (non-MKL kernel): ``-1/lambd * log1p(-U53())``, cast to dtype."""
    gen = _gen(generator)
    u = _u53(gen, _numel(shape))
    vals = (-1.0 / float(lambd)) * _libm(math.log1p, -u)
    return vals.astype(np_dtype).reshape(shape)
