"""quantile / nanquantile (every interpolation, scalar and 1-D q, dims, keepdim, NaN), mode
(ties, NaN, -0.0) and std_mean / var_mean against torch: values, dtypes, shapes, gradients,
finite differences, errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check, graph_signature

MODES = ["linear", "lower", "higher", "midpoint", "nearest"]


def _both(fn, x, grad=True):
    """fn(lib, tensor) in both libraries; with grad, also the input's gradient."""
    results = []
    for lib in (minigrad, torch):
        t = lib.from_numpy(x.copy())
        if grad:
            t.requires_grad_()
        out = fn(lib, t)
        first = out[0] if isinstance(out, tuple) else out
        if grad and first.requires_grad:
            g = np.random.default_rng(2).standard_normal(first.shape).astype(x.dtype)
            first.backward(lib.from_numpy(g))
        results.append((out, t.grad if grad else None))
    return results


def _compare(got, want):
    if isinstance(want, tuple):
        for a, b in zip(got, want):
            assert_tensor_equal(a, b)
    else:
        assert_tensor_equal(got, want)
        assert graph_signature(got) == graph_signature(want)


@st.composite
def _quantile_problems(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = np.asarray(rng.integers(-3, 4, shape) if draw(st.booleans())
                   else rng.standard_normal(shape)).astype(dtype)
    if x.size > 1 and draw(st.booleans()):
        x.reshape(-1)[rng.integers(x.size, size=draw(st.integers(1, x.size)))] = np.nan
    ndim = max(x.ndim, 1)
    dim = draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1)))
    if draw(st.booleans()):
        q = float(draw(st.sampled_from([0.0, 0.25, 0.5, 1.0, 0.1, 0.77])))
    else:
        q = rng.random(draw(st.integers(1, 4))).astype(dtype)
        q[0] = draw(st.sampled_from([0.0, 0.5, 1.0, q[0]]))
    return x, q, dim, draw(st.booleans()), draw(st.sampled_from(MODES))


@settings(max_examples=150, deadline=None)
@given(_quantile_problems(), st.sampled_from(["quantile", "nanquantile"]))
def test_quantile_matches_torch(problem, name):
    x, q, dim, keepdim, mode = problem

    def run(lib, t):
        qq = lib.from_numpy(q.copy()) if isinstance(q, np.ndarray) else q
        return getattr(lib, name)(t, qq, dim=dim, keepdim=keepdim, interpolation=mode)
    (got, g_mg), (want, g_th) = _both(run, x)
    _compare(got, want)
    # which of equal elements gets the gradient follows the sort's order of ties, and torch's
    # default CPU sort does not keep ties in order
    if np.unique(x).size == x.size:
        assert_tensor_equal(g_mg, g_th)


@pytest.mark.parametrize("mode", MODES)
def test_quantile_fd_gradcheck_and_method(mode):
    x = np.random.default_rng(4).standard_normal((4, 5))
    q = minigrad.tensor([0.2, 0.5, 0.9], dtype=minigrad.float64)
    fd_check(lambda t: minigrad.quantile(t, q, dim=1, interpolation=mode), [x])
    fd_check(lambda t: t.nanquantile(0.3, dim=0, interpolation=mode), [x])
    assert_tensor_equal(minigrad.from_numpy(x).quantile(0.4, interpolation=mode),
                        torch.from_numpy(x).quantile(0.4, interpolation=mode))


_QUANTILE_ERRORS = [
    lambda L: L.quantile(L.ones(3), 1.5),
    lambda L: L.quantile(L.ones(3), L.tensor([0.5, -0.1])),
    lambda L: L.quantile(L.ones(3), L.tensor([0.5], dtype=L.float64)),
    lambda L: L.quantile(L.tensor([1, 2]), 0.5),
    lambda L: L.quantile(L.ones(3), 0.5, interpolation="cubic"),
    lambda L: L.quantile(L.ones(3), L.ones(2, 2) / 2),
    lambda L: L.quantile(L.ones(0), 0.5),
    lambda L: L.nanquantile(L.ones(3, 2), 0.5, dim=2),
    lambda L: L.nanquantile(L.ones(3, 2), -0.5),
    lambda L: L.quantile(L.ones(0, dtype=L.int64), 1.5),
    lambda L: L.quantile(L.ones(3, 0), 0.5, dim=0),
]


@pytest.mark.parametrize("call", _QUANTILE_ERRORS)
def test_quantile_errors(call):
    assert_same_error(lambda: call(minigrad), lambda: call(torch))


@st.composite
def _mode_problems(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=6))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64, np.int16]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = np.asarray(rng.integers(-2, draw(st.integers(-1, 4)) + 1, shape)).astype(dtype)
    if dtype in (np.float32, np.float64) and x.size and draw(st.booleans()):
        x.reshape(-1)[rng.integers(x.size, size=2)] = draw(st.sampled_from([np.nan, -0.0]))
    ndim = max(x.ndim, 1)
    return x, draw(st.integers(-ndim, ndim - 1)), draw(st.booleans())


@settings(max_examples=120, deadline=None)
@given(_mode_problems())
def test_mode_matches_torch(problem):
    x, dim, keepdim = problem
    grad = x.dtype.kind == "f"
    (got, g_mg), (want, g_th) = _both(lambda L, t: L.mode(t, dim, keepdim), x, grad=grad)
    assert type(got).__name__ == "mode"
    _compare(got, want)
    assert np.array_equal(np.signbit(got.values.detach().numpy()),
                          np.signbit(want.values.detach().numpy()))
    if grad:
        assert type(got.values.grad_fn).__name__ == type(want.values.grad_fn).__name__
        assert_tensor_equal(g_mg, g_th)


def test_mode_default_dim_method_and_errors():
    x = np.array([[1.0, 2.0, 2.0], [3.0, 3.0, 1.0]])
    _compare(minigrad.from_numpy(x).mode(), torch.from_numpy(x).mode())
    assert_same_error(lambda: minigrad.mode(minigrad.ones(2, 0), 1),
                      lambda: torch.mode(torch.ones(2, 0), 1))
    assert_same_error(lambda: minigrad.mode(minigrad.ones(2), 1),
                      lambda: torch.mode(torch.ones(2), 1))


@settings(max_examples=60, deadline=None)
@given(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
       st.sampled_from([np.float32, np.float64]), st.sampled_from(["std_mean", "var_mean"]),
       st.data())
def test_std_mean_var_mean_match_torch(shape, dtype, name, data):
    x = np.asarray(np.random.default_rng(len(shape)).standard_normal(shape)).astype(dtype)
    ndim = max(len(shape), 1)
    dim = data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                              st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                                       unique=True).map(tuple)))
    correction = data.draw(st.sampled_from([None, 0, 1, 2]))
    keepdim = data.draw(st.booleans())

    def run(lib, t):
        std_or_var, mean = getattr(lib, name)(t, dim, correction=correction, keepdim=keepdim)
        return std_or_var, mean, (std_or_var * 2 + mean).sum()
    (got, g_mg), (want, g_th) = _both(lambda L, t: run(L, t)[2], x)
    assert_tensor_equal(got, want)
    assert_tensor_equal(g_mg, g_th)
    for a, b in zip(run(minigrad, minigrad.from_numpy(x.copy()))[:2],
                    run(torch, torch.from_numpy(x.copy()))[:2]):
        assert_tensor_equal(a, b)


def test_std_mean_graph_and_fd():
    x = np.random.default_rng(5).standard_normal((3, 4))
    fd_check(lambda t: minigrad.std_mean(t, 1)[0] + minigrad.std_mean(t, 1)[1], [x])
    fd_check(lambda t: minigrad.var_mean(t, 0, correction=0)[0], [x])
    for name, node in (("std_mean", "StdMeanBackward0"), ("var_mean", "VarMeanBackward0")):
        out = getattr(minigrad, name)(minigrad.from_numpy(x).requires_grad_(), 1)
        assert type(out[0].grad_fn).__name__ == node


@pytest.mark.parametrize("n", [17, 40, 150])
def test_mode_long_slices_with_ties_and_nan(n):
    """Past 16 elements torch's std::sort partitions: which equal element ends a run (the index
    reported) follows its swaps, and NaN stays wherever it is left."""
    rng = np.random.default_rng(n)
    x = rng.integers(-3, 4, (5, n)).astype(np.float64)
    x[1, rng.random(n) < 0.3] = np.nan
    x[2] = np.nan
    for dim in (1, 0):
        (got, _), (want, _) = _both(lambda L, t, d=dim: L.mode(t, d), x if dim else x.T.copy(),
                                    grad=False)
        _compare(got, want)
