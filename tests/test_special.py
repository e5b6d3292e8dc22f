"""lgamma, digamma, polygamma, erfinv, xlogy and torch.special against torch: values over wide
drawn ranges in float64 (1e-10 relative) and float32, poles and infinities, gradients (second
order too), finite differences, the scalar forms of xlogy, errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check, graph_signature

# where each function is well conditioned enough for a 1e-10 comparison; lgamma's negative roots
# (-2.457..., -2.747..., ...) lose digits in any implementation, hence its absolute tolerance
RANGES = {"lgamma": (-30.0, 60.0), "digamma": (-30.0, 60.0), "erfinv": (-0.99, 0.99)}
ATOL64 = {"lgamma": 1e-9, "digamma": 1e-12, "erfinv": 1e-12}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(RANGES)), st.integers(0, 2**32 - 1),
       st.sampled_from([np.float32, np.float64]))
def test_values_match_torch(name, seed, dtype):
    rng = np.random.default_rng(seed)
    lo, hi = RANGES[name]
    x = np.concatenate([rng.uniform(lo, hi, 200), rng.uniform(lo / 30, hi / 30, 200)])
    if name != "erfinv":
        x = np.concatenate([x, np.exp(rng.uniform(-20, 25, 100))])   # tiny and huge
    x = x.astype(dtype)
    got = getattr(minigrad, name)(minigrad.from_numpy(x.copy()))
    want = getattr(torch, name)(torch.from_numpy(x.copy()))
    if dtype == np.float64:
        assert_tensor_equal(got, want, rtol=1e-10, atol=ATOL64[name])
    else:
        assert_tensor_equal(got, want, rtol=2e-5, atol=2e-6)


def test_special_values():
    x = [0.0, -0.0, 1.0, 2.0, -1.0, -2.0, -2.5, 0.5, 1e-300, -1e-300, 1e300, float("inf"),
         float("-inf"), float("nan"), 1.4616321449683622, 3.0]
    for name in ("lgamma", "digamma"):
        for dt in ("float32", "float64"):
            got = getattr(minigrad, name)(minigrad.tensor(x, dtype=getattr(minigrad, dt)))
            want = getattr(torch, name)(torch.tensor(x, dtype=getattr(torch, dt)))
            assert_tensor_equal(got, want)
            assert np.array_equal(np.signbit(got.numpy()), np.signbit(want.numpy()))
    y = [1.0, -1.0, 0.0, -0.0, 2.0, -1.5, float("nan"), 0.7, -0.7, 0.70001, 1e-20]
    for dt in ("float32", "float64"):
        assert_tensor_equal(minigrad.erfinv(minigrad.tensor(y, dtype=getattr(minigrad, dt))),
                            torch.erfinv(torch.tensor(y, dtype=getattr(torch, dt))))
    for name in ("lgamma", "digamma", "erfinv"):
        assert_tensor_equal(getattr(minigrad, name)(minigrad.tensor([0, 1, 3])),
                            getattr(torch, name)(torch.tensor([0, 1, 3])))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_polygamma_matches_torch(n):
    rng = np.random.default_rng(n)
    x = np.concatenate([rng.uniform(0.05, 30, 50), rng.uniform(-5, -0.05, 20), [1.0, 2.5, 100.0]])
    for dt in (np.float64, np.float32):
        got = minigrad.polygamma(n, minigrad.from_numpy(x.astype(dt)))
        want = torch.polygamma(n, torch.from_numpy(x.astype(dt)))
        assert_tensor_equal(got, want, rtol=1e-9 if dt == np.float64 else 2e-5)
    t_mg, t_th = minigrad.from_numpy(x[:5].copy()), torch.from_numpy(x[:5].copy())
    assert_tensor_equal(t_mg.polygamma(n), t_th.polygamma(n))
    t_mg.polygamma_(n)
    t_th.polygamma_(n)
    assert_tensor_equal(t_mg, t_th)


@pytest.mark.parametrize("name, lo, hi", [("lgamma", 0.3, 5.0), ("lgamma", -2.9, -2.1),
                                           ("digamma", 0.3, 5.0), ("erfinv", -0.9, 0.9)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_match_torch(name, lo, hi, dtype):
    x = np.random.default_rng(1).uniform(lo, hi, (3, 4)).astype(dtype)

    def run(lib):
        t = lib.from_numpy(x.copy()).requires_grad_()
        y = getattr(lib, name)(t)
        g, = lib.autograd.grad((y * y).sum(), t, create_graph=True)
        g2, = lib.autograd.grad(g.sum(), t)
        return y, g, g2
    got, want = run(minigrad), run(torch)
    for a, b in zip(got, want):
        assert_tensor_equal(a, b, rtol=2e-9 if dtype == np.float64 else 2e-5)
    assert graph_signature(got[0]) == graph_signature(want[0])
    if dtype == np.float64:
        fd_check(getattr(minigrad, name), [x])


def test_xlogy_values_gradients_and_forms():
    x = np.array([0.0, 0.0, 2.0, -1.5, 0.0, 3.0, 1.0])
    y = np.array([0.0, -1.0, 3.0, 0.5, np.nan, np.inf, 2.0])
    for dt in (np.float32, np.float64):
        def run(lib, dt=dt):
            a = lib.from_numpy(x.astype(dt)).requires_grad_()
            b = lib.from_numpy(y.astype(dt)).requires_grad_()
            out = lib.xlogy(a, b)
            out.backward(lib.ones_like(out))
            return out, a.grad, b.grad
        for got, want in zip(run(minigrad), run(torch)):
            assert_tensor_equal(got, want)
    for form in (lambda L, a, b: L.xlogy(2.0, b), lambda L, a, b: L.xlogy(a, 3.0),
                 lambda L, a, b: L.xlogy(a, -1.0), lambda L, a, b: a.xlogy(b),
                 lambda L, a, b: L.special.xlogy(a, b)):
        def run(lib, form=form):
            a = lib.tensor([0.0, 1.5, -2.0], dtype=lib.float64).requires_grad_()
            b = lib.tensor([0.5, 2.0, 0.0], dtype=lib.float64).requires_grad_()
            out = form(lib, a, b)
            out.sum().backward()
            return out, a.grad, b.grad, type(out.grad_fn).__name__
        got, want = run(minigrad), run(torch)
        assert got[3] == want[3]
        for g, w in zip(got[:3], want[:3]):
            if w is None:
                assert g is None
            else:
                assert_tensor_equal(g, w)
    assert_tensor_equal(minigrad.xlogy(minigrad.tensor([1, 0, 2]), minigrad.tensor([3, 0, 4])),
                        torch.xlogy(torch.tensor([1, 0, 2]), torch.tensor([3, 0, 4])))
    fd_check(minigrad.xlogy, [np.array([0.5, -1.0, 2.0]), np.array([0.3, 2.0, 1.5])])


def test_torch_special_namespace():
    x = np.random.default_rng(3).uniform(0.1, 0.9, 6)
    for name in ("gammaln", "digamma", "psi", "erfinv", "erf", "expit", "expm1", "exp2",
                 "log1p"):
        assert_tensor_equal(getattr(minigrad.special, name)(minigrad.from_numpy(x.copy())),
                            getattr(torch.special, name)(torch.from_numpy(x.copy())))
    assert_tensor_equal(minigrad.special.polygamma(2, minigrad.from_numpy(x.copy())),
                        torch.special.polygamma(2, torch.from_numpy(x.copy())))


_ERRORS = [
    lambda L: L.polygamma(-1, L.ones(2)),
    lambda L: L.xlogy(2.0, 3.0),
    lambda L: L.lgamma(L.ones(2), L.ones(2)),
]


@pytest.mark.parametrize("call", _ERRORS)
def test_errors(call):
    assert_same_error(lambda: call(minigrad), lambda: call(torch), match_message=False)
