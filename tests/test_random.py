"""Bit-exact parity of minigrad's random streams with torch's CPU generator.

Every comparison is on raw bytes (dtype, shape and ``tobytes()`` equal), never
approximate.  Where torch's output depends on the CPU (rng.md 3), the affected
checks are skipped with the reason instead of passing falsely.
"""
import math
import random as pyrandom
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.random as R
from helpers import assert_same_error
from minigrad import _generator as G

torch.set_num_threads(1)

SEEDS = [0, 1, 42, 100, 2**32 + 5, 2**63 - 1, -1, 2**64 - 1, 918273645, 3141592653589793,
         7777777777]
SIZES = [(1,), (2,), (3,), (15,), (16,), (17,), (100,), (1000,), (3, 7), (4, 5, 6), (2, 8)]
DTYPES = [(np.float32, torch.float32), (np.float64, torch.float64)]


def _cpu_vendor():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


CAPABILITY = torch.backends.cpu.get_cpu_capability()
HAS_AVX2_KERNELS = CAPABILITY in ("AVX2", "AVX512")
MKL_BERNOULLI = _cpu_vendor() == "GenuineIntel" and torch.backends.mkl.is_available()
needs_avx2 = pytest.mark.skipif(
    not HAS_AVX2_KERNELS,
    reason=f"torch CPU capability {CAPABILITY}: float32 randn with >= 16 elements uses the "
           "platform logf/sincosf there, not the avx_mathfun polynomials reproduced here")
needs_non_mkl = pytest.mark.skipif(
    MKL_BERNOULLI,
    reason="Intel CPU with MKL: torch's bernoulli_(p)/dropout use MKL's VSL stream, "
           "which is not reproduced")


def assert_same(mine, theirs):
    """Identical dtype, shape and bytes."""
    if isinstance(theirs, torch.Tensor):
        theirs = theirs.numpy()
    mine = np.asarray(mine)
    assert mine.dtype == theirs.dtype, (mine.dtype, theirs.dtype)
    assert mine.shape == theirs.shape, (mine.shape, theirs.shape)
    if mine.tobytes() != theirs.tobytes():
        a = mine.reshape(-1).view(np.uint8).reshape(mine.size, -1)
        b = theirs.reshape(-1).view(np.uint8).reshape(theirs.size, -1)
        bad = np.nonzero((a != b).any(axis=1))[0]
        mine_bad, theirs_bad = mine.reshape(-1)[bad[:3]], theirs.reshape(-1)[bad[:3]]
        raise AssertionError(f"{bad.size} elements differ, first at {bad[:5]}: "
                             f"mine={mine_bad} torch={theirs_bad}")


def assert_state(gen):
    assert gen.get_state_bytes() == torch.get_rng_state().numpy().tobytes()


def seeded(seed):
    torch.manual_seed(seed)
    return G.Generator(seed)


# ---------------------------------------------------------------------------
# Seeding and state
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS + [2**31, 2**32 - 1, -12345, -2**63])
def test_manual_seed_state_bytes(seed):
    gen = seeded(seed)
    assert gen.initial_seed() == torch.initial_seed()
    assert_state(gen)
    assert gen.get_state().dtype == np.uint8 and gen.get_state().size == 5056
    assert gen.manual_seed(seed) is gen


def test_fresh_generator_matches_torch():
    mine, theirs = G.Generator(), torch.Generator()
    assert mine.initial_seed() == theirs.initial_seed() == G.DEFAULT_SEED
    assert mine.get_state_bytes() == theirs.get_state().numpy().tobytes()
    assert_same(G.uniform((20,), generator=mine), torch.rand(20, generator=theirs))
    assert_same(G.randperm(9, generator=mine), torch.randperm(9, generator=theirs))


def test_seed_overflow_and_types():
    gen = G.Generator()
    for bad in (2**64, -2**63 - 1):
        with pytest.raises(ValueError, match="Overflow"):
            gen.manual_seed(bad)
        with pytest.raises(ValueError, match="Overflow"):
            torch.Generator().manual_seed(bad)
    with pytest.raises(TypeError):
        gen.manual_seed(1.5)


def test_nondeterministic_seed():
    gen = G.Generator()
    a = gen.seed()
    assert gen.initial_seed() == a and 0 <= a < 2**53
    assert gen.seed() != a
    assert 0 <= G.default_generator.initial_seed() < 2**64
    assert G.Generator().seed() != G.Generator().seed()


def test_set_state_roundtrip_and_cache():
    gen = seeded(5)
    torch.randn(3)                      # leaves a cached double normal
    G.normal((3,), generator=gen)
    assert_state(gen)
    state = torch.get_rng_state().numpy()
    other = G.Generator()
    other.set_state(state)
    assert other.get_state_bytes() == state.tobytes()
    assert other.next_double_normal is not None
    assert_same(G.normal((1,), np.float64, generator=other), torch.randn(1, dtype=torch.float64))
    assert other.get_state_bytes() == torch.get_rng_state().numpy().tobytes()
    # our own state survives a trip through torch
    G.uniform((700,), generator=other)
    torch.set_rng_state(torch.from_numpy(other.get_state()))
    assert_same(G.normal((5,), generator=other), torch.randn(5))
    assert_state(other)
    with pytest.raises(RuntimeError):
        other.set_state(np.zeros(10, np.uint8))


def test_fresh_state_after_set_state_and_twist_boundary():
    gen = seeded(11)
    fresh = gen.get_state()                       # left=1, next=0
    G.uniform((624,), generator=gen)              # exactly one twist consumed
    torch.rand(624)
    assert_state(gen)                             # left=1, next=624
    gen.set_state(fresh)
    torch.set_rng_state(torch.from_numpy(fresh))
    assert_state(gen)
    assert_same(G.uniform((625,), generator=gen), torch.rand(625))
    assert_state(gen)


# ---------------------------------------------------------------------------
# Uniform
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("np_dt,t_dt", DTYPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_rand(seed, np_dt, t_dt):
    gen = seeded(seed)
    for shape in SIZES:
        assert_same(G.uniform(shape, np_dt, generator=gen), torch.rand(shape, dtype=t_dt))
    assert_state(gen)


@pytest.mark.parametrize("np_dt,t_dt", DTYPES)
@pytest.mark.parametrize("seed", SEEDS[:7])
def test_uniform_bounds(seed, np_dt, t_dt):
    gen = seeded(seed)
    rnd = pyrandom.Random(seed)
    for shape in SIZES:
        lo = -rnd.uniform(0, 10)
        hi = rnd.uniform(0, 10)
        assert_same(G.uniform(shape, np_dt, lo, hi, generator=gen),
                    torch.empty(shape, dtype=t_dt).uniform_(lo, hi))
    assert_same(G.uniform((50,), np_dt, 0.0, 3.0, generator=gen),
                torch.empty(50, dtype=t_dt).uniform_(0.0, 3.0))
    assert_same(G.uniform((50,), np_dt, -1.0, 0.0, generator=gen),
                torch.empty(50, dtype=t_dt).uniform_(-1.0, 0.0))
    assert_state(gen)


@pytest.mark.parametrize("lo,hi,np_dt,t_dt", [
    (1e6, 1e6 + 1, np.float32, torch.float32),
    (-3.0, -3.0 + 1e-6, np.float32, torch.float32),
    (1e15, 1e15 + 1, np.float64, torch.float64),
    (0.1, 0.1 + 2**-50, np.float64, torch.float64),
])
def test_uniform_clamp_to_from(lo, hi, np_dt, t_dt):
    """A value that rounds to ``to`` is replaced by ``from``."""
    gen = seeded(3)
    mine = G.uniform((2000,), np_dt, lo, hi, generator=gen)
    assert_same(mine, torch.empty(2000, dtype=t_dt).uniform_(lo, hi))
    assert (mine < np_dt(hi)).all()


# ---------------------------------------------------------------------------
# Normal
# ---------------------------------------------------------------------------
def _normal_sizes(np_dt):
    if np_dt is np.float32 and not HAS_AVX2_KERNELS:
        return [s for s in SIZES if math.prod(s) < 16]
    return SIZES


@pytest.mark.parametrize("np_dt,t_dt", DTYPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_randn(seed, np_dt, t_dt):
    gen = seeded(seed)
    for shape in _normal_sizes(np_dt):
        assert_same(G.normal(shape, np_dt, generator=gen), torch.randn(shape, dtype=t_dt))
        assert_state(gen)


@pytest.mark.parametrize("np_dt,t_dt", DTYPES)
@pytest.mark.parametrize("seed", SEEDS[:6])
def test_normal_mean_std(seed, np_dt, t_dt):
    gen = seeded(seed)
    rnd = pyrandom.Random(seed)
    for shape in _normal_sizes(np_dt):
        mean, std = rnd.uniform(-5, 5), rnd.uniform(0.01, 4)
        assert_same(G.normal(shape, np_dt, mean, std, generator=gen),
                    torch.empty(shape, dtype=t_dt).normal_(mean, std))
    assert_state(gen)


@pytest.mark.parametrize("np_dt,t_dt", DTYPES)
def test_normal_non_contiguous_uses_scalar_path(np_dt, t_dt):
    gen = seeded(8)
    base = torch.empty(4, 5, dtype=t_dt)
    base.t().normal_(0.5, 2.0)                        # non-contiguous: element by element
    assert_same(G.normal((20,), np_dt, 0.5, 2.0, contiguous=False, generator=gen),
                base.reshape(-1))
    assert_state(gen)


def test_normal_cache_carry_over_and_draw_counts():
    gen = seeded(100)
    assert_same(G.normal((2, 3), generator=gen), torch.randn(2, 3))     # program 05's values
    assert_same(G.normal((3,), np.float64, generator=gen), torch.randn(3, dtype=torch.float64))
    st = torch.get_rng_state().numpy()
    nxt = int(st[16:24].view(np.uint64)[0])
    assert st[5040] == 1                                   # a cached value is pending
    assert_same(G.normal((1,), generator=gen), torch.randn(1))        # uses the cache: 0 draws
    assert int(torch.get_rng_state().numpy()[16:24].view(np.uint64)[0]) == nxt
    assert_same(G.normal((17,), generator=gen), torch.randn(17))      # 17 + 16 draws
    assert int(torch.get_rng_state().numpy()[16:24].view(np.uint64)[0]) == nxt + 33
    assert_state(gen)


def _untemper(y):
    """Invert MT19937 tempering, so a state word produces a chosen output."""
    y = y.astype(np.uint64)
    y ^= y >> np.uint64(18)
    y ^= (y << np.uint64(15)) & np.uint64(0xEFC60000)
    t = y
    for _ in range(4):
        t = y ^ ((t << np.uint64(7)) & np.uint64(0x9D2C5680))
    y = t & np.uint64(0xFFFFFFFF)
    return (y ^ (y >> np.uint64(11)) ^ (y >> np.uint64(22))) & np.uint64(0xFFFFFFFF)


def _state_yielding(outputs):
    """A torch state whose next ``len(outputs)`` (<= 623) draws are ``outputs``."""
    gen = G.Generator(0)
    st = gen.get_state()
    key = np.zeros(624, np.uint64)
    key[1:1 + len(outputs)] = _untemper(np.asarray(outputs, dtype=np.uint64))
    st[8:12] = np.frombuffer(np.int32(624).tobytes(), np.uint8)   # left = 624
    st[16:24] = np.frombuffer(np.uint64(1).tobytes(), np.uint8)   # next = 1
    st[24:24 + 624 * 8] = key.view(np.uint8)
    return st


@needs_avx2
def test_float32_box_muller_fed_uniforms():
    """Feed chosen 24-bit uniforms to both generators: edges plus a random sample.

    (The whole 2**24 range of u1 and u2 was checked the same way once.)
    """
    ks = [0, 1, 2, 3, (1 << 24) - 1, (1 << 24) - 2, 1 << 23, (1 << 23) - 1, (1 << 23) + 1]
    for q in range(1, 8):                   # theta near multiples of pi/4
        c = q << 21
        ks += [c - 2, c - 1, c, c + 1, c + 2]
    for e in range(1, 24):                  # 1 - u near powers of two
        ks += [(1 << 24) - (1 << e), (1 << 24) - (1 << e) + 1, (1 << 24) - (1 << e) - 1]
    rng = np.random.default_rng(1234)
    ks = np.concatenate([np.array(ks, np.uint64),
                         rng.integers(0, 1 << 24, 304 * 24, dtype=np.uint64)])
    high = rng.integers(0, 256, ks.size, dtype=np.uint64) << np.uint64(24)   # ignored bits
    ks = ks | high
    ks = np.concatenate([ks, np.zeros(-ks.size % 304, np.uint64)])
    gen = G.Generator()
    for chunk in ks.reshape(-1, 304):
        rows = chunk.reshape(-1, 8)
        outs = np.concatenate([rows, rows[::-1]], axis=1).ravel()     # u1 and u2 both covered
        st = _state_yielding(outs)
        torch.set_rng_state(torch.from_numpy(st))
        gen.set_state(st)
        assert_same(G.normal((608,), generator=gen), torch.randn(608))
        assert_same(G.normal((19,), np.float32, -1.5, 3.25, generator=gen),
                    torch.empty(19).normal_(-1.5, 3.25))


# ---------------------------------------------------------------------------
# Integers
# ---------------------------------------------------------------------------
RANGES = [(0, 10), (-5, 5), (0, 2), (0, 2**28 - 1), (0, 2**28), (-2**27, 2**27 + 1), (0, 2**32),
          (3, 2**32 + 7), (-2**62, 2**62), (-2**63, 2**63 - 1), (0, 2**63 - 1)]


@pytest.mark.parametrize("seed", SEEDS)
def test_randint(seed):
    gen = seeded(seed)
    for (lo, hi), shape in zip(RANGES, SIZES):
        assert_same(G.randint(lo, hi, shape, generator=gen), torch.randint(lo, hi, shape))
    assert_same(G.randint(0, 7, (5,), generator=gen), torch.randint(7, (5,)))
    assert_state(gen)


@pytest.mark.parametrize("np_dt,t_dt", [(np.float64, torch.float64), (np.float32, torch.float32),
                                        (np.int32, torch.int32), (np.int16, torch.int16),
                                        (np.uint8, torch.uint8), (np.bool_, torch.bool)])
def test_randint_dtypes(np_dt, t_dt):
    gen = seeded(17)
    hi = 2 if np_dt is np.bool_ else 100
    assert_same(G.randint(0, hi, (2, 3), np_dt, generator=gen),
                torch.randint(0, hi, (2, 3), dtype=t_dt))
    assert_same(G.randint(0, hi, (40,), np_dt, generator=gen),
                torch.empty(40, dtype=t_dt).random_(0, hi))
    assert_state(gen)


@pytest.mark.parametrize("np_dt,t_dt", [(np.int64, torch.int64), (np.float64, torch.float64),
                                        (np.float32, torch.float32), (np.int32, torch.int32),
                                        (np.int16, torch.int16), (np.int8, torch.int8),
                                        (np.uint8, torch.uint8), (np.bool_, torch.bool)])
@pytest.mark.parametrize("seed", [0, 42, -1])
def test_random_no_bounds(seed, np_dt, t_dt):
    gen = seeded(seed)
    assert_same(G.random_((7, 3), np_dt, generator=gen), torch.empty((7, 3), dtype=t_dt).random_())
    assert_state(gen)


def test_randperm_chained():
    for seed in (0, 42, -1):
        gen = seeded(seed)
        for n in range(0, 260):
            assert_same(G.randperm(n, generator=gen), torch.randperm(n))
        assert_state(gen)


@pytest.mark.parametrize("n", [1000, 1001, 4096, 65537, 100000])
def test_randperm_large(n):
    gen = seeded(n)
    assert_same(G.randperm(n, generator=gen), torch.randperm(n))
    assert_same(G.randperm(17, np.int32, generator=gen), torch.randperm(17, dtype=torch.int32))
    assert_state(gen)


def test_fisher_yates_matches_serial_loop():
    rng = np.random.default_rng(0)
    for n in list(range(2, 40)) + [500]:
        for _ in range(10):
            z = rng.integers(0, 2**32, n - 1, dtype=np.uint64) % np.arange(n, 1, -1,
                                                                           dtype=np.uint64)
            perm = list(range(n))
            for i, zi in enumerate(z.tolist()):
                perm[i], perm[i + zi] = perm[i + zi], perm[i]
            assert G._fisher_yates_swaps(n, z).tolist() == perm


# ---------------------------------------------------------------------------
# Bernoulli, dropout, exponential
# ---------------------------------------------------------------------------
@needs_non_mkl
@pytest.mark.parametrize("seed", [0, 42, 2**32 + 5])
def test_bernoulli_scalar_and_dropout(seed):
    gen = seeded(seed)
    for p in (0.0, 0.1, 0.5, 0.9, 1.0):
        assert_same(G.bernoulli((7, 5), p, generator=gen), torch.empty(7, 5).bernoulli_(p))
    assert_same(G.bernoulli((9,), 0.3, np.float64, generator=gen),
                torch.empty(9, dtype=torch.float64).bernoulli_(0.3))
    for np_dt, t_dt in DTYPES:
        x = torch.randn(64, dtype=t_dt)
        xm = G.normal((64,), np_dt, generator=gen)
        assert_same(xm * G.dropout_mask((64,), 0.25, np_dt, generator=gen),
                    torch.nn.functional.dropout(x, 0.25, True))
    assert G.dropout_mask((3,), 0.0, generator=gen) is None
    assert_same(G.dropout_mask((3,), 1.0, generator=gen), torch.zeros(3))
    assert_state(gen)


@pytest.mark.parametrize("np_dt,t_dt", DTYPES)
def test_bernoulli_tensor_p(np_dt, t_dt):
    gen = seeded(21)
    p = torch.rand(6, 7, dtype=t_dt)
    pm = G.uniform((6, 7), np_dt, generator=gen)
    assert_same(G.bernoulli_tensor(pm, generator=gen), torch.bernoulli(p))
    assert_state(gen)


@pytest.mark.parametrize("np_dt,t_dt", DTYPES)
def test_exponential(np_dt, t_dt):
    gen = seeded(9)
    for lambd in (1.0, 0.5, 3.0):
        assert_same(G.exponential((40,), lambd, np_dt, generator=gen),
                    torch.empty(40, dtype=t_dt).exponential_(lambd))
    assert_state(gen)


# ---------------------------------------------------------------------------
# Long interleaved sequences
# ---------------------------------------------------------------------------
def _random_op(rnd, gen, tgen):
    """One random call on both sides; returns (mine, torch's)."""
    kind = rnd.randrange(9)
    shape = rnd.choice(SIZES + [(5,), (31,), (33,), (8, 2)])
    np_dt, t_dt = rnd.choice(DTYPES)
    if kind == 8 and MKL_BERNOULLI:
        kind = 0
    if kind in (0, 1) and np_dt is np.float32 and not HAS_AVX2_KERNELS and math.prod(shape) >= 16:
        kind = 2
    if kind == 0:
        return G.normal(shape, np_dt, generator=gen), torch.randn(shape, dtype=t_dt, generator=tgen)
    if kind == 1:
        m, s = rnd.uniform(-3, 3), rnd.uniform(0.1, 3)
        return (G.normal(shape, np_dt, m, s, generator=gen),
                torch.empty(shape, dtype=t_dt).normal_(m, s, generator=tgen))
    if kind == 2:
        return G.uniform(shape, np_dt, generator=gen), torch.rand(shape, dtype=t_dt, generator=tgen)
    if kind == 3:
        a, b = -rnd.uniform(0, 2), rnd.uniform(0, 2)
        return (G.uniform(shape, np_dt, a, b, generator=gen),
                torch.empty(shape, dtype=t_dt).uniform_(a, b, generator=tgen))
    if kind == 4:
        lo, hi = rnd.choice(RANGES)
        return G.randint(lo, hi, shape, generator=gen), torch.randint(lo, hi, shape, generator=tgen)
    if kind == 5:
        n = rnd.randrange(0, 300)
        return G.randperm(n, generator=gen), torch.randperm(n, generator=tgen)
    if kind == 6:
        return (G.random_(shape, generator=gen),
                torch.empty(shape, dtype=torch.int64).random_(generator=tgen))
    if kind == 7:
        return (G.normal((1,), np_dt, generator=gen), torch.randn(1, dtype=t_dt, generator=tgen))
    p = rnd.random()
    return (G.bernoulli(shape, p, np_dt, generator=gen),
            torch.empty(shape, dtype=t_dt).bernoulli_(p, generator=tgen))


@pytest.mark.parametrize("seed", [0, 1, 42, 2**63 - 1, -1, 555])
def test_interleaved_sequences(seed):
    rnd = pyrandom.Random(seed)
    gen = G.Generator(seed)
    tgen = torch.Generator().manual_seed(seed)
    for step in range(80):
        mine, theirs = _random_op(rnd, gen, tgen)
        assert_same(mine, theirs)
        if step % 10 == 9:
            assert gen.get_state_bytes() == tgen.get_state().numpy().tobytes()
            # a round trip through the state must not change the stream
            gen.set_state(gen.get_state())
    assert gen.get_state_bytes() == tgen.get_state().numpy().tobytes()


def test_default_generator_is_used():
    G.default_generator.manual_seed(123)
    torch.manual_seed(123)
    assert_same(G.normal((2, 3)), torch.randn(2, 3))
    assert_same(G.randperm(10), torch.randperm(10))
    assert_state(G.default_generator)


# ---------------------------------------------------------------------------
# Exact FMA emulation
# ---------------------------------------------------------------------------
def _exact_fma(a, b, c, to):
    """Correctly rounded fma via rationals (Python's int division rounds correctly)."""
    exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    if exact == 0:
        return to(float(a) * float(b) + float(c))
    if to is np.float32:
        # round once to float32: scale into the 24-bit integer range and round half-even
        m, e = abs(exact), 0
        while m >= 2**24:
            m /= 2
            e += 1
        while m < 2**23 and e > -149:
            m *= 2
            e -= 1
        r = round(m)   # Fraction rounds half to even
        val = math.ldexp(float(r), e)
        return np.float32(val if exact > 0 else -val)
    return np.float64(float(exact))


f32s = st.floats(width=32, allow_nan=False, allow_infinity=False, min_value=-1e10, max_value=1e10)
f64s = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e100, max_value=1e100)


@settings(max_examples=400, deadline=None)
@given(f32s, f32s, f32s)
def test_fma32_single_rounding(a, b, c):
    a, b, c = np.float32(a), np.float32(b), np.float32(c)
    got = G._fma32(np.array([a]), b, c)[0]
    want = _exact_fma(a, b, c, np.float32)
    assert got.tobytes() == want.tobytes(), (a, b, c, got, want)


@settings(max_examples=400, deadline=None)
@given(f64s, f64s, f64s)
def test_fma64_single_rounding(a, b, c):
    # the documented gap of _fma64: a product and a nonzero addend both far below 2**-900
    assume(not (abs(a * b) < 2.0**-960 and 0 < abs(c) < 2.0**-900))
    got = G._fma64(np.array([a]), np.array([b]), np.array([c]))[0]
    want = _exact_fma(a, b, c, np.float64)
    assert np.float64(got).tobytes() == want.tobytes(), (a, b, c, got, want)


def test_fma32_double_rounding_cases():
    """Products on a float32 midpoint plus a tiny addend: float64 loses the addend.

    ``3 * (2**23 + 1)`` needs 25 bits, so it lies halfway between two floats;
    only the sign of ``c`` decides the rounding, which a float64 sum forgets.
    """
    rng = np.random.default_rng(7)
    b = (rng.integers(1 << 22, (1 << 25) // 6, 200) * 2 + 1).astype(np.float32)  # 3*b: 25 bits
    a = np.full(200, 3, np.float32)
    scale = np.ldexp(np.float32(1), rng.integers(-60, 40, 200)).astype(np.float32)
    a = a * scale
    c = (rng.choice([-1.0, 1.0], 200) * np.ldexp(1.0, rng.integers(-70, -55, 200))
         * scale.astype(np.float64) * 2.0**24).astype(np.float32)
    got = G._fma32(a, b, c)
    wrong = (np.multiply(a, b, dtype=np.float64) + c).astype(np.float32)
    assert (got != wrong).sum() > 50          # the naive double rounding really fails here
    for i in range(a.size):
        assert got[i].tobytes() == _exact_fma(a[i], b[i], c[i], np.float32).tobytes()


def test_fma64_hard_cases():
    """``3 * b`` with b odd and 53 bits lies halfway between two doubles; c decides."""
    rng = np.random.default_rng(8)
    b = (rng.integers(1 << 51, (1 << 54) // 6, 300) * 2 + 1).astype(np.float64)
    a = np.ldexp(3.0, rng.integers(-30, 30, 300))
    c = rng.choice([-1.0, 1.0], 300) * np.ldexp(a * b, rng.integers(-80, -56, 300))
    got = G._fma64(a, b, c)
    assert (got != a * b + c).sum() > 75
    for i in range(a.size):
        assert got[i].tobytes() == _exact_fma(a[i], b[i], c[i], np.float64).tobytes()


def test_randint_full_64_bit_range():
    gen = seeded(12)
    assert_same(G.randint(-2**63, 2**63, (9,), generator=gen),
                torch.empty(9, dtype=torch.int64).random_(-2**63, None))
    assert_state(gen)


# ---------------------------------------------------------------------------
# The Tensor-level API (minigrad.random)
# ---------------------------------------------------------------------------
def same_t(mine, theirs):
    assert isinstance(mine, mg.Tensor)
    assert_same(mine._data, theirs.detach())


def both_seeded(seed):
    R.manual_seed(seed)
    torch.manual_seed(seed)


def assert_default_state():
    assert R.get_rng_state()._data.tobytes() == torch.get_rng_state().numpy().tobytes()


def test_api_seed_and_state():
    g = R.manual_seed(100)
    assert isinstance(g, R.Generator) and g is R.default_generator
    torch.manual_seed(100)
    assert R.initial_seed() == 100
    same_t(R.randn(2, 3), torch.randn(2, 3))             # the first randn of a seeded session
    st = R.get_rng_state()
    assert isinstance(st, mg.Tensor) and st.dtype == mg.uint8 and tuple(st.shape) == (5056,)
    assert_default_state()
    a = R.rand(5)
    R.set_rng_state(st)
    assert_same(R.rand(5)._data, a._data)
    R.set_rng_state(mg.from_numpy(torch.get_rng_state().numpy()))   # torch's bytes work too
    same_t(R.randn(3), torch.randn(3))
    assert_same_error(lambda: R.set_rng_state(mg.zeros(5056)),
                      lambda: torch.set_rng_state(torch.zeros(5056)))
    assert_same_error(lambda: R.set_rng_state(mg.zeros(10, dtype=mg.uint8)),
                      lambda: torch.set_rng_state(torch.zeros(10, dtype=torch.uint8)))
    s = R.seed()
    assert R.initial_seed() == s
    R.manual_seed(-1)
    assert R.initial_seed() == 2**64 - 1


def test_api_generator_object():
    g, tg = R.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed()
    assert g.manual_seed(7) is g
    tg.manual_seed(7)
    same_t(R.randn(20, generator=g, dtype=mg.float64),
           torch.randn(20, generator=tg, dtype=torch.float64))
    same_t(R.randperm(12, generator=g), torch.randperm(12, generator=tg))
    assert g.get_state()._data.tobytes() == tg.get_state().numpy().tobytes()
    h = R.Generator().set_state(g.get_state())
    same_t(R.rand(4, generator=h), torch.rand(4, generator=tg))


def test_api_factories():
    both_seeded(0)
    same_t(R.rand(2, 3), torch.rand(2, 3))
    same_t(R.rand((4, 5)), torch.rand((4, 5)))
    same_t(R.rand([17], dtype=mg.float64), torch.rand([17], dtype=torch.float64))
    same_t(R.randn(4, 5), torch.randn(4, 5))
    same_t(R.randn(3, dtype=mg.float64), torch.randn(3, dtype=torch.float64))
    same_t(R.rand(()), torch.rand(()))
    same_t(R.randn(0), torch.randn(0))
    same_t(R.randint(0, 10, (4,)), torch.randint(0, 10, (4,)))
    same_t(R.randint(10, (2, 2)), torch.randint(10, (2, 2)))
    same_t(R.randint(-3, 3, [5]), torch.randint(-3, 3, [5]))
    same_t(R.randint(low=2, high=9, size=(3,)), torch.randint(low=2, high=9, size=(3,)))
    same_t(R.randint(high=9, size=(3,)), torch.randint(high=9, size=(3,)))
    same_t(R.randint(0, 10, (2, 3), dtype=mg.float64),
           torch.randint(0, 10, (2, 3), dtype=torch.float64))
    same_t(R.randperm(10), torch.randperm(10))
    same_t(R.randperm(6, dtype=mg.int32), torch.randperm(6, dtype=torch.int32))
    same_t(R.normal(0.5, 2.0, (20,)), torch.normal(0.5, 2.0, (20,)))
    same_t(R.normal(0.5, 2.0, size=(3,), dtype=mg.float64),
           torch.normal(0.5, 2.0, size=(3,), dtype=torch.float64))
    m, mt = R.rand(20), torch.rand(20)
    same_t(R.normal(m, 2.0), torch.normal(mt, 2.0))
    same_t(R.normal(1.0, m), torch.normal(1.0, mt))
    same_t(R.normal(m, m), torch.normal(mt, mt))
    same_t(R.rand_like(m), torch.rand_like(mt))
    same_t(R.randn_like(m), torch.randn_like(mt))
    same_t(R.randn_like(m, dtype=mg.float64), torch.randn_like(mt, dtype=torch.float64))
    same_t(R.randint_like(m, 5), torch.randint_like(mt, 5))
    same_t(R.randint_like(m, 2, 5), torch.randint_like(mt, 2, 5))
    x = R.rand(3, requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.dtype == mg.float32
    torch.rand(3)
    assert_default_state()


def test_api_default_dtype():
    both_seeded(4)
    mg.set_default_dtype(mg.float64)
    try:
        torch.set_default_dtype(torch.float64)
        same_t(R.rand(5), torch.rand(5))
        same_t(R.randn(17), torch.randn(17))
    finally:
        mg.set_default_dtype(mg.float32)
        torch.set_default_dtype(torch.float32)


def test_api_bernoulli():
    both_seeded(1)
    p, pt = R.rand(3, 4, requires_grad=True), torch.rand(3, 4, requires_grad=True)
    b, bt = R.bernoulli(p), torch.bernoulli(pt)
    same_t(b, bt)
    assert type(b.grad_fn).__name__ == type(bt.grad_fn).__name__ == "BernoulliBackward0"
    b.sum().backward()
    bt.sum().backward()
    same_t(p.grad, pt.grad)
    p64, pt64 = R.rand(7, dtype=mg.float64), torch.rand(7, dtype=torch.float64)
    same_t(R.bernoulli(p64), torch.bernoulli(pt64))
    same_t(mg.zeros(2, 7).bernoulli_(p64), torch.zeros(2, 7).bernoulli_(pt64))
    assert_same_error(lambda: R.bernoulli(mg.tensor([0.5, 2.0])),
                      lambda: torch.bernoulli(torch.tensor([0.5, 2.0])))
    assert_default_state()


@needs_non_mkl
def test_api_bernoulli_scalar_p():
    both_seeded(2)
    p, pt = R.rand(3, 4), torch.rand(3, 4)
    same_t(R.bernoulli(p, 0.3), torch.bernoulli(pt, 0.3))
    same_t(mg.zeros(10).bernoulli_(0.7), torch.zeros(10).bernoulli_(0.7))
    same_t(mg.zeros(10, dtype=mg.int64).bernoulli_(),
           torch.zeros(10, dtype=torch.int64).bernoulli_())
    assert_default_state()


def _transposed_pair(np_dt=np.float32):
    """A non-contiguous (transposed) minigrad tensor and its torch twin, plus both bases."""
    base = np.zeros((4, 5), np_dt)
    tbase = torch.zeros(4, 5, dtype=torch.from_numpy(base).dtype)
    return mg.Tensor._from_array(base.T), tbase.t(), base, tbase


def test_api_inplace_samplers():
    both_seeded(42)
    for np_dt, t_dt in DTYPES:
        x, xt = mg.zeros(3, 7, dtype=mg.float64 if np_dt is np.float64 else mg.float32), \
            torch.zeros(3, 7, dtype=t_dt)
        same_t(x.uniform_(), xt.uniform_())
        same_t(x.uniform_(-2, 5), xt.uniform_(-2, 5))
        same_t(x.normal_(), xt.normal_())
        same_t(x.normal_(3, 0.5), xt.normal_(3, 0.5))
        same_t(x.random_(), xt.random_())
        same_t(x.random_(9), xt.random_(9))
        same_t(x.random_(-4, 9), xt.random_(-4, 9))
        same_t(x.random_(3, None), xt.random_(3, None))
        same_t(x.exponential_(), xt.exponential_())
        same_t(x.exponential_(2.5), xt.exponential_(2.5))
        same_t(x.bernoulli_(R.rand(7)), xt.bernoulli_(torch.rand(7)))
        assert x._version > 0
    for np_dt, t_dt in [(np.int64, torch.int64), (np.int32, torch.int32), (np.uint8, torch.uint8),
                        (np.bool_, torch.bool)]:
        x = mg.Tensor._from_array(np.zeros(9, np_dt))
        xt = torch.zeros(9, dtype=t_dt)
        same_t(x.random_(), xt.random_())
        same_t(x.random_(2), xt.random_(2))
        if np_dt is not np.bool_:
            same_t(x.random_(1, None), xt.random_(1, None))
    x, xt = mg.zeros(5, dtype=mg.int64), torch.zeros(5, dtype=torch.int64)
    same_t(x.random_(-2**63, None), xt.random_(-2**63, None))
    assert_default_state()


def test_api_inplace_non_contiguous_memory_order():
    both_seeded(5)
    x, xt, base, tbase = _transposed_pair()
    assert not x.is_contiguous()
    same_t(x.normal_(1, 2), xt.normal_(1, 2))         # scalar Box-Muller, memory order
    assert_same(base, tbase)
    same_t(x.uniform_(-1, 1), xt.uniform_(-1, 1))
    assert_same(base, tbase)
    same_t(x.bernoulli_(R.rand(5, 1)), xt.bernoulli_(torch.rand(5, 1)))
    assert_same(base, tbase)
    same_t(x.exponential_(), xt.exponential_())
    assert_same(base, tbase)
    assert_default_state()


def test_api_inplace_leaf_errors():
    w, wt = mg.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    for name, args in [("uniform_", ()), ("normal_", ()), ("random_", ()), ("bernoulli_", (0.5,)),
                       ("exponential_", ())]:
        assert_same_error(lambda n=name, a=args: getattr(w, n)(*a),
                          lambda n=name, a=args: getattr(wt, n)(*a))
    with mg.no_grad():
        before = w._version
        w.uniform_()
        assert w._version == before + 1 and w.requires_grad


def test_api_errors_match_torch():
    cases = [
        (lambda: R.randint(0, 10, 3), lambda: torch.randint(0, 10, 3)),
        (lambda: R.randint(10, 3), lambda: torch.randint(10, 3)),
        (lambda: R.randint(5, 5, (3,)), lambda: torch.randint(5, 5, (3,))),
        (lambda: R.randint(0, 10, (3,), requires_grad=True),
         lambda: torch.randint(0, 10, (3,), requires_grad=True)),
        (lambda: R.rand(3, dtype=mg.int64), lambda: torch.rand(3, dtype=torch.int64)),
        (lambda: R.randn(3, dtype=mg.int64), lambda: torch.randn(3, dtype=torch.int64)),
        (lambda: R.rand_like(mg.zeros(3, dtype=mg.int64)),
         lambda: torch.rand_like(torch.zeros(3, dtype=torch.int64))),
        (lambda: R.randperm(-1), lambda: torch.randperm(-1)),
        (lambda: mg.zeros(3).uniform_(2.5, 1.25), lambda: torch.zeros(3).uniform_(2.5, 1.25)),
        (lambda: mg.zeros(3).normal_(0, -0.5), lambda: torch.zeros(3).normal_(0, -0.5)),
        (lambda: mg.zeros(3, dtype=mg.int64).normal_(),
         lambda: torch.zeros(3, dtype=torch.int64).normal_()),
        (lambda: mg.zeros(3, dtype=mg.int64).uniform_(),
         lambda: torch.zeros(3, dtype=torch.int64).uniform_()),
        (lambda: mg.zeros(3).random_(5, 5), lambda: torch.zeros(3).random_(5, 5)),
        (lambda: mg.zeros(3, dtype=mg.uint8).random_(-5, 5),
         lambda: torch.zeros(3, dtype=torch.uint8).random_(-5, 5)),
        (lambda: mg.zeros(3, dtype=mg.int8).random_(300),
         lambda: torch.zeros(3, dtype=torch.int8).random_(300)),
        (lambda: mg.zeros(3).bernoulli_(1.5), lambda: torch.zeros(3).bernoulli_(1.5)),
        (lambda: mg.zeros(3, dtype=mg.int64).exponential_(),
         lambda: torch.zeros(3, dtype=torch.int64).exponential_()),
        (lambda: mg.zeros(3).exponential_(-1), lambda: torch.zeros(3).exponential_(-1)),
        (lambda: R.normal(0.0, -1.0, (3,)), lambda: torch.normal(0.0, -1.0, (3,))),
    ]
    for fn_mg, fn_th in cases:
        assert_same_error(fn_mg, fn_th)


def test_api_normal_tensor_params_graph():
    both_seeded(6)
    m, mt = R.rand(17, requires_grad=True), torch.rand(17, requires_grad=True)
    s, st = R.rand(17, requires_grad=True), torch.rand(17, requires_grad=True)
    for mine, theirs in [(R.normal(m, 0.5), torch.normal(mt, 0.5)),
                         (R.normal(0.5, s), torch.normal(0.5, st)),
                         (R.normal(m, s), torch.normal(mt, st))]:
        same_t(mine, theirs)
        assert type(mine.grad_fn).__name__ == type(theirs.grad_fn).__name__
        mine.sum().backward()
        theirs.sum().backward()
    same_t(m.grad, mt.grad)
    same_t(s.grad, st.grad)
    same_t(m.detach().bernoulli(), mt.detach().bernoulli())
    assert_default_state()


def test_fma64_zero_addend_keeps_the_sign_of_an_underflowing_product():
    """fma(a, s, +0): a product that rounds to -0 stays -0; an exactly zero product gives +0."""
    a = np.array([6.053265573533594e-82, -1.33e-322, 0.0, -0.0, 2.0])
    s = np.float64(-1.9777693965217517e-291)
    got = G._fma64(a, s, np.float64(0.0))
    for i in range(a.size):
        want = _exact_fma(a[i], s, np.float64(0.0), np.float64)
        assert np.float64(got[i]).tobytes() == want.tobytes(), (a[i], got[i], want)


def test_fma64_underflowing_products():
    """A product below 2**-969 (Dekker's error term underflows): with a zero addend of either
    sign the result is the product itself, with an addend far above it the addend."""
    a = np.array([1.7, -1.7, 1.7, 3.0, -3.0, 1e-200])
    b = np.array([2.225073858507203e-309, 2.2e-309, 1e-320, 1e-300, 1e-300, 1e-200])
    for c in ([0.0] * 6, [-0.0] * 6, [1.0, -2.5, 1e-300, -1e-250, 3.0, 2.0**-899]):
        c = np.array(c)
        got = G._fma64(a, b, c)
        for i in range(a.size):
            want = _exact_fma(a[i], b[i], c[i], np.float64)
            assert np.float64(got[i]).tobytes() == want.tobytes(), (a[i], b[i], c[i])
