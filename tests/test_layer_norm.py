"""nn.LayerNorm / F.layer_norm, nn.RMSNorm / F.rms_norm and F.normalize against torch: values,
grad_fn names, gradients of input, weight and bias (first and second order) over drawn shapes,
float32 and float64, finite differences, reprs and parameters, errors."""
import functools

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check, pair


@st.composite
def shapes_and_k(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    return shape, draw(st.integers(1, len(shape)))


def _run_both(fn, arrays, dtype, seed):
    """fn(lib, *tensors) on both libraries; output, first-order grads, second-order grads."""
    res = []
    for lib in (minigrad, torch):
        ts = [None if a is None else lib.from_numpy(a.astype(dtype)).requires_grad_()
              for a in arrays]
        out = fn(lib, *ts)
        leaves = [t for t in ts if t is not None]
        g = np.random.default_rng(seed).standard_normal(tuple(out.shape)).astype(dtype)
        grads = lib.autograd.grad(out, leaves, lib.from_numpy(g), create_graph=True)
        total = sum((gr * gr).sum() for gr in grads)
        second = lib.autograd.grad(total, leaves, allow_unused=True)
        res.append((out, grads, second))
    (o_mg, g_mg, s_mg), (o_th, g_th, s_th) = res
    assert_tensor_equal(o_mg, o_th)
    assert type(o_mg.grad_fn).__name__ == type(o_th.grad_fn).__name__
    tol = {"atol": 1e-4, "rtol": 1e-4} if dtype == np.float32 else {"atol": 1e-9, "rtol": 1e-8}
    for a, b in zip(g_mg, g_th):
        assert_tensor_equal(a, b, **tol)
    for a, b in zip(s_mg, s_th):
        assert (a is None) == (b is None)
        if b is not None:
            assert_tensor_equal(a, b, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=12, deadline=None)
@given(sk=shapes_and_k(), affine=st.sampled_from(["both", "weight", "none"]),
       eps=st.sampled_from([1e-5, 1e-2]), seed=st.integers(0, 2**16))
def test_layer_norm_matches_torch(dtype, sk, affine, eps, seed):
    shape, k = sk
    # one element per row: x̂ = 0 and every derivative through it is 0; torch's float32 second
    # derivative there is rounding noise of rstd³ = eps^-1.5 (test_single_element_rows)
    assume(dtype == np.float64 or int(np.prod(shape[-k:])) > 1)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 3 + 1
    w = rng.standard_normal(shape[-k:]) if affine != "none" else None
    b = rng.standard_normal(shape[-k:]) if affine == "both" else None
    _run_both(lambda L, x, w, b: L.nn.functional.layer_norm(x, shape[-k:], w, b, eps),
              [x, w, b], dtype, seed)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=12, deadline=None)
@given(sk=shapes_and_k(), affine=st.booleans(), eps=st.sampled_from([None, 1e-3]),
       seed=st.integers(0, 2**16))
def test_rms_norm_matches_torch(dtype, sk, affine, eps, seed):
    shape, k = sk
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(shape[-k:]) if affine else None
    _run_both(lambda L, x, w: L.nn.functional.rms_norm(x, shape[-k:], w, eps), [x, w], dtype,
              seed)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=12, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
       p=st.sampled_from([1.0, 2.0, 3.0]), dim=st.integers(-1, 0), seed=st.integers(0, 2**16))
def test_normalize_matches_torch(dtype, shape, p, dim, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    _run_both(lambda L, x: L.nn.functional.normalize(x, p, dim), [x], dtype, seed)


def test_single_element_rows():
    x = np.random.default_rng(4).standard_normal((3, 4, 1)).astype(np.float32)
    res = []
    for lib in (minigrad, torch):
        t = lib.from_numpy(x.copy()).requires_grad_()
        w, b = lib.ones(1, requires_grad=True), lib.zeros(1, requires_grad=True)
        out = lib.nn.functional.layer_norm(t, (1,), w, b)
        out.backward(lib.ones_like(out))
        res.append((out, t.grad, w.grad, b.grad))
    for got, expected in zip(*res):   # torch's x̂ is x·r - mean·r, off 0 by |x| r 2^-24 ~ 3e-5
        assert_tensor_equal(got, expected, atol=1e-4)
    assert not res[0][1].numpy().any()      # minigrad's x̂ and input gradient: exactly 0


def test_gradcheck_float64():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4)), rng.standard_normal(
        (3, 4))
    fd_check(lambda x, w, b: minigrad.nn.functional.layer_norm(x, (3, 4), w, b), [x, w, b])
    fd_check(lambda x, w: minigrad.nn.functional.rms_norm(x, (4,), w[0]), [x, w])
    fd_check(lambda x: minigrad.nn.functional.normalize(x, 2.0, -1), [x])


def test_layer_norm_second_derivative_by_finite_differences():
    rng = np.random.default_rng(1)
    x0, w0 = rng.standard_normal((3, 5)), rng.standard_normal(5)

    def grad_x(x, w):
        with minigrad.enable_grad():   # (fd_check's evaluations run under no_grad)
            x = x if x.requires_grad else x.detach().requires_grad_()
            y = minigrad.nn.functional.layer_norm(x, (5,), w)
            (g,) = minigrad.autograd.grad((y * y * y).sum(), x, create_graph=True)
        return g if minigrad.is_grad_enabled() else g.detach()
    fd_check(grad_x, [x0, w0], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("cls,kwargs", [
    ("LayerNorm", {"normalized_shape": 6}), ("LayerNorm", {"normalized_shape": (2, 3),
                                                          "elementwise_affine": False}),
    ("LayerNorm", {"normalized_shape": [3], "bias": False, "eps": 1e-3}),
    ("RMSNorm", {"normalized_shape": 3}), ("RMSNorm", {"normalized_shape": [2, 3], "eps": 0.1}),
    ("RMSNorm", {"normalized_shape": 3, "elementwise_affine": False}),
])
def test_modules_match_torch(cls, kwargs):
    m_mg, m_th = getattr(minigrad.nn, cls)(**kwargs), getattr(torch.nn, cls)(**kwargs)
    assert repr(m_mg) == repr(m_th)
    assert m_mg.normalized_shape == m_th.normalized_shape
    assert list(m_mg.state_dict()) == list(m_th.state_dict())
    for (n1, p1), (n2, p2) in zip(m_mg.named_parameters(), m_th.named_parameters()):
        assert n1 == n2
        assert_tensor_equal(p1.detach(), p2.detach())
    shape = (4,) + tuple(m_th.normalized_shape)
    x_mg, x_th = pair(np.random.default_rng(2).standard_normal(shape).astype(np.float32),
                      requires_grad=True)
    y_mg, y_th = m_mg(x_mg), m_th(x_th)
    assert_tensor_equal(y_mg, y_th)
    (y_mg * y_mg).sum().backward()
    (y_th * y_th).sum().backward()
    assert_tensor_equal(x_mg.grad, x_th.grad, atol=1e-5)
    for p1, p2 in zip(m_mg.parameters(), m_th.parameters()):
        assert_tensor_equal(p1.grad, p2.grad, atol=1e-5)


def _err(name, lib, x):
    F = lib.nn.functional
    return {
        "ln_shape": lambda: F.layer_norm(x, (3,)),
        "ln_weight": lambda: F.layer_norm(x, (4,), lib.ones(3)),
        "ln_bias": lambda: F.layer_norm(x, (4,), None, lib.ones(3)),
        "ln_long": lambda: F.layer_norm(x, (2, 3, 4, 5)),
        "ln_empty": lambda: F.layer_norm(x, ()),
        "ln_int_shape": lambda: F.layer_norm(x, 4),
        "ln_int_input": lambda: F.layer_norm(lib.tensor([[1, 2]]), (2,)),
        "rms_shape": lambda: F.rms_norm(x, (3,)),
        "rms_weight": lambda: F.rms_norm(x, (4,), lib.ones(3)),
        "rms_int_input": lambda: F.rms_norm(lib.tensor([[1, 2]]), (2,)),
    }[name]()


@pytest.mark.parametrize("name", ["ln_shape", "ln_weight", "ln_bias", "ln_long", "ln_empty",
                                  "ln_int_shape", "ln_int_input", "rms_shape", "rms_weight",
                                  "rms_int_input"])
def test_errors_match_torch(name):
    x_mg, x_th = pair(np.ones((2, 3, 4), np.float32))
    assert_same_error(functools.partial(_err, name, minigrad, x_mg),
                      functools.partial(_err, name, torch, x_th))
