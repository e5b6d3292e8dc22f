"""``_fma.fma`` against torch's fused kernels, bit for bit in float32.

SGD's update ``p.add_(g, alpha=-lr)`` is ``fma(g, -lr, p)``; Adam's ``lerp`` is an fma with a
scalar weight. Each of fma's routes is exercised: one element (Python floats), small arrays
(exact float64), large arrays (float32 enclosure, with the exact fallback for products that
underflow or overflow), sliced arrays, other layouts, and array-by-array products (checked
against the exact rational result).
"""
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad import _fma
from minigrad._fma import _BLOCK, _SMALL, fma
from minigrad.optim.adam import _lerp

torch.set_num_threads(1)

SIZES = [1, 7, _SMALL, _SMALL + 1, _SMALL * 2]
LRS = [1e-2, 0.1, 1e-3, 3e-4]


def _bits(x):
    """Bit patterns, with every NaN made the same (NaN payloads are not compared)."""
    x = np.array(x, dtype=np.float32)
    x[np.isnan(x)] = np.nan
    return x.view(np.int32)


def _assert_same(got, want):
    assert got.dtype == want.dtype == np.float32 and got.shape == want.shape
    bad = np.flatnonzero(_bits(got) != _bits(want))
    assert bad.size == 0, f"{bad.size} differ, first at {bad[0]}: {got.flat[bad[0]]!r} vs " \
                          f"{want.flat[bad[0]]!r}"


def _torch_add(p, g, alpha):
    t = torch.from_numpy(p.copy())
    t.add_(torch.from_numpy(g.copy()), alpha=alpha)
    return t.numpy()


def _values(rng, n, center, spread, zeros=0.0, special=0.0):
    """n float32 values of random sign with exponents center +- spread (subnormals and
    overflow to inf included when the range reaches them), some zeros and infs/NaNs."""
    exps = rng.integers(center - spread, center + spread + 1, n)
    x = (rng.random(n) + 1) * np.exp2(exps.astype(np.float64)) * rng.choice([-1.0, 1.0], n)
    with np.errstate(over="ignore"):
        x = x.astype(np.float32)
    x[rng.random(n) < zeros] = 0.0
    pick = rng.random(n) < special
    x[pick] = rng.choice(np.array([np.inf, -np.inf, np.nan], np.float32), pick.sum())
    return x


# ---- SGD's update against torch's add_(alpha=) ----------------------------------------------
@settings(max_examples=150, deadline=None)
@given(size=st.sampled_from(SIZES), lr=st.one_of(st.sampled_from(LRS), st.floats(1e-8, 10.0)),
       seed=st.integers(0, 2**32 - 1), p_exp=st.integers(-149, 127),
       gap=st.integers(-60, 60), spread=st.integers(0, 40),
       zeros=st.sampled_from([0.0, 0.3]), special=st.sampled_from([0.0, 0.01]))
def test_sgd_update_matches_torch_bitwise(size, lr, seed, p_exp, gap, spread, zeros, special):
    """p + (-lr) g for params and gradients of any magnitudes and exponent gaps."""
    rng = np.random.default_rng(seed)
    p = _values(rng, size, p_exp, spread, zeros, special)
    g = _values(rng, size, int(np.clip(p_exp + gap, -149, 127)), spread, zeros, special)
    want = _torch_add(p, g, -lr)
    _assert_same(fma(g, np.float32(-lr), p), want)
    out = p.copy()
    assert fma(g, np.float32(-lr), out, out=out) is out
    _assert_same(out, want)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lr", LRS)
def test_training_like_updates_match_torch_bitwise(size, lr):
    """Weights ~ U(-0.05, 0.05) and much smaller gradients, as in a training step."""
    rng = np.random.default_rng(size)
    p = rng.uniform(-0.05, 0.05, size).astype(np.float32)
    g = (rng.standard_normal(size) * 1e-3).astype(np.float32)
    out = p.copy()
    fma(g, np.float32(-lr), out, out=out)
    _assert_same(out, _torch_add(p, g, -lr))


def test_double_rounding_cases_match_torch():
    """Products exactly halfway between two floats plus a tiny addend (a float64 sum loses the
    addend, and rounding it to float32 then breaks the tie the wrong way)."""
    rng = np.random.default_rng(7)
    n = 3000
    g = (rng.integers(1 << 22, (1 << 25) // 6, n) * 2 + 1).astype(np.float32)  # 3 g: 25 bits
    scale = np.exp2(rng.integers(-60, 40, n)).astype(np.float32)
    g = g * scale
    p = (rng.choice([-1.0, 1.0], n) * np.exp2(rng.integers(-70, -55, n).astype(np.float64))
         * scale.astype(np.float64) * 2.0**24).astype(np.float32)
    naive = (np.multiply(g, np.float32(3), dtype=np.float64) + p).astype(np.float32)
    want = _torch_add(p, g, 3.0)
    assert (naive != want).sum() > n // 4       # the float64 shortcut really fails here
    for size in (1, 100, n):
        _assert_same(fma(g[:size], np.float32(3), p[:size]), want[:size])


def test_exact_sums_on_a_tie_round_to_even():
    """c + s x exactly halfway between two floats (no rounding before the last one)."""
    p = np.full(_SMALL + 10, 1.0, np.float32)
    g = np.full(_SMALL + 10, 2.0**-24, np.float32)       # 1 + 2**-24: a tie, rounds to 1
    g[::2] = 3 * 2.0**-24                                 # 1 + 3 * 2**-24: rounds up
    for size in (1, 5, _SMALL + 10):
        _assert_same(fma(g[:size], np.float32(1), p[:size]), _torch_add(p[:size], g[:size], 1.0))


@pytest.mark.parametrize("size", [1, 100, _SMALL * 3])
def test_subnormal_and_overflowing_products_match_torch(size):
    """Products in the subnormals (the enclosure breaks there) or beyond float32's range."""
    rng = np.random.default_rng(size)
    for g_exp, p_exp, lr in [(-130, -140, 0.01), (-149, -149, 0.3), (-120, -130, 3e-4),
                             (127, 127, 7.0), (127, -20, 10.0)]:
        p = _values(rng, size, p_exp, 5, zeros=0.1)
        g = _values(rng, size, g_exp, 5, zeros=0.1)
        _assert_same(fma(g, np.float32(-lr), p), _torch_add(p, g, -lr))


# ---- layouts, broadcasting, slices ------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 5), (300, _SMALL // 200), (_BLOCK // 100 + 3, 300)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_layouts_and_slices_match_torch(shape, order):
    rng = np.random.default_rng(shape[0])
    p = np.array(rng.uniform(-1, 1, shape).astype(np.float32), order=order)
    g = np.array(rng.standard_normal(shape).astype(np.float32), order=order)
    want = _torch_add(np.ascontiguousarray(p), np.ascontiguousarray(g), -0.1)
    _assert_same(fma(g, np.float32(-0.1), p), want)
    out = p.copy(order=order)
    fma(g, np.float32(-0.1), out, out=out)
    _assert_same(out, want)
    _assert_same(fma(np.float32(-0.1), g[::2], p[::2]), want[::2])    # scalar first, strided


def test_broadcast_operands_give_the_exact_result():
    rng = np.random.default_rng(1)
    c = rng.standard_normal((_SMALL // 300 + 10, 300)).astype(np.float32)   # enclosure route
    row = rng.standard_normal(300).astype(np.float32)
    col = rng.standard_normal((_SMALL // 300 + 10, 1)).astype(np.float32)
    for a, b in [(row, np.float32(-0.01)), (row, col), (col, c), (np.float32(0.3), row)]:
        want = _exact_rational(*np.broadcast_arrays(a, b, c))
        _assert_same(fma(a, b, c), want)


# ---- array * array (Adam's addcmul), checked against exact rationals -------------------------
def _exact_rational(a, b, c):
    """fma rounded once to float32, through Fractions (float64 -> float32 of a value already
    rounded to 24 bits by hand)."""
    out = np.empty(a.shape, np.float32)
    for i, (x, y, z) in enumerate(zip(a.ravel(), b.ravel(), c.ravel())):
        if not np.isfinite([x, y, z]).all():
            out.flat[i] = np.float32(np.float64(x) * np.float64(y) + np.float64(z))
            continue
        exact = Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z))
        if exact == 0:
            out.flat[i] = np.float32(np.float64(x) * np.float64(y) + np.float64(z))
            continue
        m, e = abs(exact), 0
        while m >= 2**24:
            m, e = m / 2, e + 1
        while m < 2**23 and e > -149:
            m, e = m * 2, e - 1
        with np.errstate(over="ignore"):
            out.flat[i] = np.float32(np.ldexp(float(round(m)), e) * (1 if exact > 0 else -1))
    return out


@settings(max_examples=60, deadline=None)
@given(size=st.sampled_from([1, 9, 600, _SMALL + 600]), seed=st.integers(0, 2**32 - 1),
       exps=st.tuples(st.integers(-75, 60), st.integers(-75, 60), st.integers(-149, 120)),
       spread=st.integers(0, 30))
def test_array_times_array_is_rounded_once(size, seed, exps, spread):
    rng = np.random.default_rng(seed)
    a, b, c = (_values(rng, size, e, spread, zeros=0.05) for e in exps)
    want = _exact_rational(a, b, c) if size < 1000 else None
    got = fma(a, b, c)
    if want is None:   # large: the enclosure route must agree with the small (exact) route
        want = np.concatenate([fma(a[i:i + 500], b[i:i + 500], c[i:i + 500])
                               for i in range(0, size, 500)])
    _assert_same(got, want)


# ---- Adam's lerp against torch.lerp --------------------------------------------------------------
@pytest.mark.parametrize("weight", [0.1, 0.001, 0.5, 0.9])
@pytest.mark.parametrize("size", [1, 50, _SMALL * 2])
def test_lerp_matches_torch_bitwise(weight, size):
    rng = np.random.default_rng(size)
    start = rng.standard_normal(size).astype(np.float32)
    end = (start + rng.standard_normal(size) * 1e-2).astype(np.float32)
    want = torch.lerp(torch.from_numpy(start), torch.from_numpy(end), weight).numpy()
    out = start.copy()
    _lerp(out, end, np.float32(weight), out=out)
    _assert_same(out, want)


# ---- other dtypes and the one-element route ----------------------------------------------------
@settings(max_examples=80, deadline=None)
@given(size=st.sampled_from([1, 7, 300, _SMALL * 2]), lr=st.floats(1e-8, 10.0),
       seed=st.integers(0, 2**32 - 1), p_exp=st.integers(-900, 900), gap=st.integers(-60, 60),
       spread=st.integers(0, 40), array_multiplier=st.booleans())
def test_float64_matches_torch_bitwise(size, lr, seed, p_exp, gap, spread, array_multiplier):
    """float64 is fused too (torch's kernels use the same fmadd): p + (-lr) g, and a * b + c
    with an array multiplier (torch.addcmul), bit for bit."""
    rng = np.random.default_rng(seed)

    def values(center):
        exps = rng.integers(center - spread, center + spread + 1, size).astype(np.float64)
        return (rng.random(size) + 1) * np.exp2(exps) * rng.choice([-1.0, 1.0], size)
    p, g = values(p_exp), values(p_exp + gap)
    if array_multiplier:
        m = values(0)
        want = torch.addcmul(torch.from_numpy(p), torch.from_numpy(g), torch.from_numpy(m))
        got = fma(g, m, p)
    else:
        want = torch.from_numpy(p.copy()).add_(torch.from_numpy(g), alpha=-lr)
        got = fma(g, np.float64(-lr), p)
    assert got.dtype == np.float64
    assert got.tobytes() == want.numpy().tobytes()


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_one_element_keeps_shape_and_writes_out(shape):
    p = np.full(shape, 0.75, np.float32)
    g = np.full(shape, 3.0, np.float32)
    got = fma(g, np.float32(-0.01), p)
    assert got.shape == shape and got.dtype == np.float32
    assert fma(g, np.float32(-0.01), p, out=p) is p
    _assert_same(p, got)


def test_one_element_overflow_gives_inf_without_a_warning(recwarn):
    p = np.array([3e38], np.float32)
    got = fma(np.array([3e38], np.float32), np.float32(1), p)
    assert got[0] == np.inf and not recwarn.list


def test_no_numpy_warnings_on_any_route(recwarn):
    for size in (1, 10, _SMALL * 2):
        big = np.full(size, 3e38, np.float32)
        fma(big, np.float32(2), big)
        fma(np.full(size, np.inf, np.float32), np.float32(0), big)
    assert not recwarn.list


def test_enclosure_neighbours_are_cached_per_scalar():
    _fma._neighbours.cache_clear()
    for _ in range(3):
        fma(np.ones(_SMALL * 2, np.float32), np.float32(0.25), np.ones(_SMALL * 2, np.float32))
    assert _fma._neighbours.cache_info().hits == 2


# ---- add / sub / rsub with alpha: the same fused kernel ----------------------------------------
_ALPHA_CASES = {
    "add": lambda L, x, y: L.add(x, y, alpha=-0.01),
    "sub": lambda L, x, y: L.sub(x, y, alpha=0.3),
    "rsub": lambda L, x, y: L.rsub(x, y, alpha=0.3),
    "add_ in place": lambda L, x, y: x.clone().add_(y, alpha=-0.01),
    "sub_ in place": lambda L, x, y: x.clone().sub_(y, alpha=7.0),
    "transposed": lambda L, x, y: L.add(x.t(), y.t(), alpha=-0.01),
    "broadcast row": lambda L, x, y: L.add(x, y[0], alpha=-0.01),
    "strided": lambda L, x, y: L.add(x[:, ::3], y[:, :1], alpha=-0.01),
    "Python number": lambda L, x, y: L.add(x, 0.37, alpha=-0.01),
    "rsub of a number": lambda L, x, y: L.rsub(x, 0.37, alpha=0.7),
    "0-d": lambda L, x, y: L.add(x[0, 0], y[0, 0], alpha=-0.01),
    "float64 0-d operand": lambda L, x, y: L.add(x, L.tensor(0.3, dtype=L.float64), alpha=-0.1),
    "integer operand": lambda L, x, y: L.add(x, L.arange(x.shape[1]), alpha=-0.01),
    "huge alpha": lambda L, x, y: L.sub(x, y, alpha=1e30),
}


@pytest.mark.parametrize("case", list(_ALPHA_CASES))
@pytest.mark.parametrize("shape", [(3, 5), (64, _SMALL // 32)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_sub_with_alpha_match_torch_bitwise(case, shape, dtype):
    """torch rounds ``a + alpha * b`` once; rounding the product first would differ in about
    2% of the elements."""
    import minigrad
    rng = np.random.default_rng(3)
    p, g = (rng.standard_normal(shape).astype(dtype) for _ in range(2))
    fn = _ALPHA_CASES[case]
    want = fn(torch, torch.from_numpy(p), torch.from_numpy(g)).numpy()
    got = fn(minigrad, minigrad.from_numpy(p), minigrad.from_numpy(g)).numpy()
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
