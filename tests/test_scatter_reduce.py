"""scatter_reduce (sum, prod, mean, amax, amin; include_self) against torch over drawn shapes,
indices, dtypes, ties and zeros: values, gradients of input and src, finite differences, errors;
and scatter(..., reduce="add"/"multiply") with a tensor or a number."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check, graph_signature

REDUCTIONS = ["sum", "prod", "mean", "amax", "amin"]


@st.composite
def _problems(draw, dtypes=(np.float32, np.float64)):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    dim = draw(st.integers(-ndim, ndim - 1))
    d = dim % ndim
    index_shape = tuple(draw(st.integers(1, n)) if i != d else draw(st.integers(1, 5))
                        for i, n in enumerate(shape))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dtype = draw(st.sampled_from(dtypes))
    if draw(st.booleans()):   # small integers: ties for amax/amin, zeros for prod
        x, src = rng.integers(-2, 3, shape), rng.integers(-2, 3, index_shape)
    else:
        x, src = rng.standard_normal(shape), rng.standard_normal(index_shape)
    index = rng.integers(0, shape[d], index_shape)
    return (x.astype(dtype), dim, index, src.astype(dtype), draw(st.sampled_from(REDUCTIONS)),
            draw(st.booleans()))


def _run(lib, x, dim, index, src, reduce, include_self, grad):
    a = lib.from_numpy(x.copy())
    s = lib.from_numpy(src.copy())
    if grad:
        a.requires_grad_()
        s.requires_grad_()
    out = lib.scatter_reduce(a, dim, lib.from_numpy(index.copy()), s, reduce,
                             include_self=include_self)
    if grad:
        g = np.random.default_rng(5).standard_normal(out.shape).astype(x.dtype)
        out.backward(lib.from_numpy(g))
    return out, a, s


@settings(max_examples=120, deadline=None)
@given(_problems())
def test_scatter_reduce_matches_torch(problem):
    x, dim, index, src, reduce, include_self = problem
    out_mg, a_mg, s_mg = _run(minigrad, *problem, grad=True)
    out_th, a_th, s_th = _run(torch, *problem, grad=True)
    assert_tensor_equal(out_mg, out_th)
    assert graph_signature(out_mg) == graph_signature(out_th)
    assert_tensor_equal(a_mg.grad, a_th.grad)
    assert_tensor_equal(s_mg.grad, s_th.grad)


@settings(max_examples=40, deadline=None)
@given(_problems(dtypes=(np.int64, np.int32)))
def test_scatter_reduce_integers(problem):
    assert_tensor_equal(_run(minigrad, *problem, grad=False)[0],
                        _run(torch, *problem, grad=False)[0])


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_fd_gradcheck(reduce, include_self):
    rng = np.random.default_rng(7)
    x = rng.uniform(0.5, 2.0, (3, 4)) * rng.choice([-1, 1], (3, 4))  # distinct, nonzero
    src = rng.uniform(0.5, 2.0, (3, 3)) * rng.choice([-1, 1], (3, 3))
    index = np.array([[0, 2, 0], [1, 1, 3], [3, 0, 0]])
    fd_check(lambda a, s: minigrad.scatter_reduce(a, 1, minigrad.from_numpy(index), s, reduce,
                                                  include_self=include_self), [x, src])


def test_scatter_reduce_prod_with_zeros_and_inplace():
    x = np.array([[0.0, 2.0, 3.0], [1.0, 0.0, -2.0]])
    src = np.array([[0.0, 5.0, 0.0, 2.0], [3.0, 0.0, 4.0, 1.0]])
    index = np.array([[0, 0, 1, 2], [1, 2, 2, 0]])
    for include_self in (True, False):
        got = _run(minigrad, x, 1, index, src, "prod", include_self, grad=True)
        want = _run(torch, x, 1, index, src, "prod", include_self, grad=True)
        assert_tensor_equal(got[0], want[0])
        assert_tensor_equal(got[1].grad, want[1].grad)
        assert_tensor_equal(got[2].grad, want[2].grad)
    t_mg, t_th = minigrad.from_numpy(x.copy()), torch.from_numpy(x.copy())
    t_mg.scatter_reduce_(1, minigrad.from_numpy(index), minigrad.from_numpy(src), "amax")
    t_th.scatter_reduce_(1, torch.from_numpy(index), torch.from_numpy(src), "amax")
    assert_tensor_equal(t_mg, t_th)


def test_scatter_reduce_nan_wins():
    x = np.array([1.0, np.nan, 3.0])
    src = np.array([np.nan, 5.0, 0.5])
    index = np.array([0, 1, 2])
    for reduce in ("amax", "amin", "sum"):
        assert_tensor_equal(_run(minigrad, x, 0, index, src, reduce, True, grad=False)[0],
                            _run(torch, x, 0, index, src, reduce, True, grad=False)[0])


_ERRORS = [
    lambda L: L.ones(2, 2).scatter_reduce(1, L.tensor([[0, 1, 0], [1, 1, 0]]), L.ones(2, 2),
                                          "sum"),
    lambda L: L.ones(2, 2).scatter_reduce(1, L.tensor([[0, 3]]), L.ones(2, 2), "sum"),
    lambda L: L.ones(2, 2).scatter_reduce(1, L.tensor([[0, 1]]), L.ones(2, 2), "foo"),
    lambda L: L.ones(2, 2).scatter_reduce(1, L.tensor([[0, 1]]), L.ones(2, 2).double(), "sum"),
    lambda L: L.ones(2, 2).scatter_reduce(1, L.tensor([0, 1]), L.ones(2, 2), "sum"),
    lambda L: L.ones(2, 2).scatter_reduce(1, L.tensor([[0, 1]]), 2.0, "sum"),
    lambda L: L.ones(2, 2).scatter_reduce(2, L.tensor([[0, 1]]), L.ones(2, 2), "sum"),
    lambda L: L.ones(2, 2).scatter(1, L.tensor([[0, 1]]), 2.0, reduce="mean"),
    lambda L: L.ones(2, 2).scatter(1, L.tensor([[0, 5]]), 2.0, reduce="add"),
]


@pytest.mark.parametrize("call", _ERRORS)
def test_errors(call):
    assert_same_error(lambda: call(minigrad), lambda: call(torch))


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce_combines_instead_of_writing(reduce):
    """x.scatter(1, idx, 2.0, reduce="multiply") multiplies (it used to write 2.0)."""
    def run(lib):
        x = lib.arange(1.0, 13.0).reshape(3, 4).requires_grad_()
        idx = lib.tensor([[0, 0, 3], [1, 2, 1], [3, 3, 3]])
        by_value = x.scatter(1, idx, 2.0, reduce=reduce)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            by_tensor = x.scatter(1, idx, lib.full((3, 3), 3.0), reduce=reduce)
        inplace = x.detach().clone().scatter_(1, idx, 2.0, reduce=reduce)
        ints = lib.arange(6).reshape(2, 3).scatter(1, lib.tensor([[0, 0]]), 5, reduce=reduce)
        messages = [str(w.message).split(" (Triggered internally")[0] for w in caught]
        return by_value, by_tensor, inplace, ints, messages
    got, want = run(minigrad), run(torch)
    for a, b in zip(got[:4], want[:4]):
        assert_tensor_equal(a, b)
    assert type(got[0].grad_fn).__name__ == type(want[0].grad_fn).__name__ == "NotImplemented"
    assert got[4] == want[4]     # torch warns once per process, and so does minigrad
    assert_same_error(lambda: run(minigrad)[0].sum().backward(),
                      lambda: run(torch)[0].sum().backward())
