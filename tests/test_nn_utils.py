"""torch.nn.utils against torch: clip_grad_norm_ (every norm type, mixed dtypes, missing grads,
error_if_nonfinite, foreach), get_total_norm, clip_grads_with_norm_, clip_grad_value_,
parameters_to_vector / vector_to_parameters (values, gradients, errors)."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal


def _params(lib, arrays, with_grad):
    """Leaves holding ``arrays``; those flagged in with_grad get the matching gradient."""
    out = []
    for (value, grad), has_grad in zip(arrays, with_grad):
        p = lib.from_numpy(value.copy()).requires_grad_()
        if has_grad:
            p.grad = lib.from_numpy(grad.copy())
        out.append(p)
    return out


@st.composite
def _grad_sets(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    count = draw(st.integers(1, 4))
    arrays, with_grad = [], []
    for _ in range(count):
        shape = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
        dtype = draw(st.sampled_from([np.float32, np.float64]))
        scale = draw(st.sampled_from([1e-3, 1.0, 50.0]))
        arrays.append((np.asarray(rng.standard_normal(shape), dtype=dtype),
                       np.asarray(scale * rng.standard_normal(shape), dtype=dtype)))
        with_grad.append(draw(st.booleans()))
    return arrays, with_grad


@settings(max_examples=60, deadline=None)
@given(_grad_sets(), st.sampled_from([2.0, 1, 3.0, 0.5, float("inf"), "inf", -float("inf"), 0]),
       st.sampled_from([0.01, 1.0, 100.0]), st.sampled_from([None, True, False]))
def test_clip_grad_norm_matches_torch(grad_set, norm_type, max_norm, foreach):
    arrays, with_grad = grad_set
    p_mg, p_th = _params(minigrad, arrays, with_grad), _params(torch, arrays, with_grad)
    n_mg = minigrad.nn.utils.clip_grad_norm_(p_mg, max_norm, norm_type, foreach=foreach)
    n_th = torch.nn.utils.clip_grad_norm_(p_th, max_norm, norm_type, foreach=foreach)
    # a float32 gradient's norm carries float32 rounding into a float64 total
    mixed = {"rtol": 1e-5, "atol": 1e-7} if any(
        g.dtype == np.float32 and w for (_, g), w in zip(arrays, with_grad)) else {}
    assert_tensor_equal(n_mg, n_th, **mixed)
    for a, b in zip(p_mg, p_th):
        assert (a.grad is None) == (b.grad is None)
        if b.grad is not None:
            assert_tensor_equal(a.grad, b.grad, **mixed)


def test_clip_grad_norm_single_tensor_generator_and_no_grads():
    x_mg, x_th = minigrad.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    for x in (x_mg, x_th):
        (x * 4).sum().backward()
    assert_tensor_equal(minigrad.nn.utils.clip_grad_norm_(x_mg, 1.0),
                        torch.nn.utils.clip_grad_norm_(x_th, 1.0))
    assert_tensor_equal(x_mg.grad, x_th.grad)
    # nothing has a gradient: tensor(0.)
    assert_tensor_equal(minigrad.nn.utils.clip_grad_norm_([minigrad.ones(2)], 1.0),
                        torch.nn.utils.clip_grad_norm_([torch.ones(2)], 1.0))
    for lib in (minigrad, torch):
        with pytest.warns(UserWarning, match="empty generator"):
            lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_clip_grad_norm_nonfinite(bad):
    def run(lib, error):
        p = lib.ones(3, requires_grad=True)
        p.grad = lib.tensor([1.0, bad, 2.0])
        return lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=error), p.grad
    assert_same_error(lambda: run(minigrad, True), lambda: run(torch, True))
    for got, want in zip(run(minigrad, False), run(torch, False)):
        assert_tensor_equal(got, want)


def test_get_total_norm_and_clip_grads_with_norm():
    rng = np.random.default_rng(2)
    arrays = [(rng.standard_normal(s), rng.standard_normal(s)) for s in [(3,), (2, 2)]]
    p_mg, p_th = _params(minigrad, arrays, [1, 1]), _params(torch, arrays, [1, 1])
    for norm_type in (2.0, 1.0, float("inf")):
        t_mg = minigrad.nn.utils.get_total_norm([p.grad for p in p_mg], norm_type)
        t_th = torch.nn.utils.get_total_norm([p.grad for p in p_th], norm_type)
        assert_tensor_equal(t_mg, t_th)
    minigrad.nn.utils.clip_grads_with_norm_(p_mg, 0.5, t_mg)
    torch.nn.utils.clip_grads_with_norm_(p_th, 0.5, t_th)
    for a, b in zip(p_mg, p_th):
        assert_tensor_equal(a.grad, b.grad)


def test_clip_grad_norm_deprecated_name_warns():
    for lib in (minigrad, torch):
        p = lib.ones(2, requires_grad=True)
        p.grad = lib.full((2,), 3.0)
        with pytest.warns(FutureWarning, match="clip_grad_norm_"):
            lib.nn.utils.clip_grad_norm(p, 1.0)


@settings(max_examples=30, deadline=None)
@given(_grad_sets(), st.sampled_from([0.0, 0.1, 1.0, 2]), st.sampled_from([None, True, False]))
def test_clip_grad_value_matches_torch(grad_set, clip_value, foreach):
    arrays, with_grad = grad_set
    p_mg, p_th = _params(minigrad, arrays, with_grad), _params(torch, arrays, with_grad)
    if not any(with_grad):   # torch refuses a list without gradients
        assert_same_error(lambda: minigrad.nn.utils.clip_grad_value_(p_mg, clip_value),
                          lambda: torch.nn.utils.clip_grad_value_(p_th, clip_value))
        return
    assert minigrad.nn.utils.clip_grad_value_(p_mg, clip_value, foreach=foreach) is None
    torch.nn.utils.clip_grad_value_(p_th, clip_value, foreach=foreach)
    for a, b in zip(p_mg, p_th):
        if b.grad is not None:
            assert_tensor_equal(a.grad, b.grad)


def test_parameters_to_vector_and_back():
    def run(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
        vec = lib.nn.utils.parameters_to_vector(model.parameters())
        (vec * lib.arange(vec.numel(), dtype=vec.dtype)).sum().backward()
        grads = [p.grad.clone() for p in model.parameters()]
        lib.nn.utils.vector_to_parameters(vec.detach() * 2, model.parameters())
        out = model(lib.ones(1, 3))
        return vec, type(vec.grad_fn).__name__, grads, list(model.parameters()), out
    got, want = run(minigrad), run(torch)
    assert_tensor_equal(got[0], want[0])
    assert got[1] == want[1]
    for a, b in zip(got[2] + got[3], want[2] + want[3]):
        assert_tensor_equal(a, b)
        if isinstance(b, torch.nn.Parameter):
            assert isinstance(a, minigrad.nn.Parameter) and a.requires_grad
    assert_tensor_equal(got[4], want[4])


def test_vector_to_parameters_rejects_a_non_tensor():
    assert_same_error(lambda: minigrad.nn.utils.vector_to_parameters([1.0], [minigrad.ones(1)]),
                      lambda: torch.nn.utils.vector_to_parameters([1.0], [torch.ones(1)]))


def test_clip_in_a_training_step_matches_torch():
    """A few SGD steps with clipping between backward and step, as GPT training does."""
    def train(lib):
        lib.manual_seed(1)
        model = lib.nn.Sequential(lib.nn.Linear(5, 16), lib.nn.Tanh(), lib.nn.Linear(16, 3))
        opt = lib.optim.SGD(model.parameters(), lr=0.5)
        x, y = lib.randn(8, 5), lib.randint(0, 3, (8,))
        norms = []
        for _ in range(5):
            opt.zero_grad()
            lib.nn.functional.cross_entropy(model(x) * 10, y).backward()
            norms.append(lib.nn.utils.clip_grad_norm_(model.parameters(), 0.25))
            opt.step()
        return norms + list(model.parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for a, b in zip(train(minigrad), train(torch)):
            assert_tensor_equal(a, b)
