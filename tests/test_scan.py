"""cummax, cummin, logcumsumexp against torch: values, indices (ties, NaN), dtypes over drawn
shapes and dims, gradients (also second order for logcumsumexp), finite differences, errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check, graph_signature


@st.composite
def _arrays(draw, dtypes=(np.float32, np.float64)):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):            # few distinct values: many ties
        x = rng.integers(-2, 3, shape)
    else:
        x = rng.standard_normal(shape) * 3
    x = np.asarray(x).astype(dtype)
    if dtype in (np.float32, np.float64) and x.size and draw(st.booleans()):
        x.reshape(-1)[rng.integers(x.size)] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    dim = draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))
    return x, dim


def _forward_backward(name, x, dim):
    out = []
    for lib in (minigrad, torch):
        t = lib.from_numpy(x.copy())
        if x.dtype.kind == "f":
            t.requires_grad_()
        res = getattr(lib, name)(t, dim)
        values = res[0] if isinstance(res, tuple) else res
        grad = None
        if t.requires_grad:
            g = np.random.default_rng(1).standard_normal(values.shape).astype(x.dtype)
            values.backward(lib.from_numpy(g))
            grad = t.grad
        out.append((res, values, grad))
    return out


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["cummax", "cummin"]),
       _arrays(dtypes=(np.float32, np.float64, np.int64, np.int32, np.uint8)))
def test_cummax_cummin_match_torch(name, problem):
    x, dim = problem
    (res_mg, val_mg, g_mg), (res_th, val_th, g_th) = _forward_backward(name, x, dim)
    assert type(res_mg).__name__ == type(res_th).__name__ == name
    assert_tensor_equal(res_mg.values, res_th.values)
    assert_tensor_equal(res_mg.indices, res_th.indices)
    if g_th is not None:
        assert graph_signature(val_mg) == graph_signature(val_th)
        assert_tensor_equal(g_mg, g_th)


@settings(max_examples=60, deadline=None)
@given(_arrays())
def test_logcumsumexp_matches_torch(problem):
    x, dim = problem
    (_, val_mg, g_mg), (_, val_th, g_th) = _forward_backward("logcumsumexp", x, dim)
    assert_tensor_equal(val_mg, val_th)
    assert graph_signature(val_mg) == graph_signature(val_th)
    if np.isfinite(x).all():     # torch's backward at infinities is NaN-laden either way
        assert_tensor_equal(g_mg, g_th)


def test_fd_gradcheck_and_second_order():
    x = np.random.default_rng(3).standard_normal((3, 5))
    fd_check(lambda t: minigrad.logcumsumexp(t, 1), [x])
    fd_check(lambda t: minigrad.cummax(t, 0).values, [x])
    fd_check(lambda t: minigrad.cummin(t, 1).values, [x])

    def second(lib):
        t = lib.from_numpy(x.copy()).requires_grad_()
        y = lib.logcumsumexp(t, 1)
        g, = lib.autograd.grad((y * y).sum(), t, create_graph=True)
        g2, = lib.autograd.grad((g * g).sum(), t)
        return g, g2
    for a, b in zip(second(minigrad), second(torch)):
        assert_tensor_equal(a, b)


def test_methods_and_large_values():
    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, 5.0, 1e30]])
    for name in ("cummax", "cummin", "logcumsumexp"):
        got = getattr(minigrad.from_numpy(x.copy()), name)(1)
        want = getattr(torch.from_numpy(x.copy()), name)(1)
        if isinstance(want, tuple):
            assert_tensor_equal(got.indices, want.indices)
            got, want = got.values, want.values
        assert_tensor_equal(got, want)


_ERRORS = [
    lambda L: L.cummax(L.ones(2, 3), 2),
    lambda L: L.cummin(L.ones(()), 1),
    lambda L: L.logcumsumexp(L.tensor([1, 2]), 0),
    lambda L: L.logcumsumexp(L.ones(3), -2),
]


@pytest.mark.parametrize("call", _ERRORS)
def test_errors(call):
    assert_same_error(lambda: call(minigrad), lambda: call(torch))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("x, t, dim", [
    ([-40.0, 0.0, -35.0], [1.0, 2.0, 3.0], 0),          # a prefix whose exp-sum underflows
    ([-29.0, 0.0], [1.0, 0.0], 0),                       # ... or is near torch's 1e-13
    ([[-40.0, -60.0], [0.0, 1.0]], [[1.0, 1.0], [0.0, 3.0]], 1),
    ([float("-inf"), 0.0, 2.0], [1.0, 1.0, -1.0], 0),
    ([[-1.0, 3.0], [2.0, -5.0]], [[0.5, 1.0], [-2.0, 4.0]], 0),
])
def test_logcumsumexp_forward_mode_matches_torch_over_wide_ranges(dtype, x, t, dim):
    """The tangent is torch's cumsum(exp(x - max) t) / (cumsum(exp(x - max)) + 1e-13): equal to
    the exact derivative except where the prefix's exp-sum is small, where torch's term shows."""
    out = []
    for T in (torch, minigrad):
        fw = T.autograd.forward_ad
        with fw.dual_level():
            dual = fw.make_dual(T.tensor(x, dtype=getattr(T, dtype)),
                                T.tensor(t, dtype=getattr(T, dtype)))
            out.append(fw.unpack_dual(T.logcumsumexp(dual, dim)).tangent)
    rtol = 1e-10 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(out[1].numpy(), out[0].numpy(), rtol=rtol, atol=0)
