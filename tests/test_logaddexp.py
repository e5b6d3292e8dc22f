"""logaddexp (minigrad/ops/arithmetic.py, LogaddexpBackward0) against torch: the cases a domain
cannot draw (infinities, huge values, mixed dtypes, broadcasting, refused dtypes and arguments)
and the second derivative. tests/test_registry.py covers the ordinary values of every form."""
import numpy as np
import pytest
import torch
from helpers import assert_same_error, assert_tensor_equal, fd_check, pair

import minigrad

INF = float("inf")


def _backward_and_compare(out_m, out_t, leaves_m, leaves_t):
    """out.backward() with ones in both libraries, then the leaves' gradients compared."""
    out_m.backward(minigrad.ones_like(out_m))   # not .sum(): inf + (-inf) would warn
    out_t.backward(torch.ones_like(out_t))
    for lm, lt in zip(leaves_m, leaves_t):
        assert_tensor_equal(lm.grad, lt.grad)


@pytest.mark.parametrize("a, b", [
    ([0.0, 1000.0, -1000.0, 5.0], [0.0, 1000.0, -1001.0, -5.0]),   # no overflow, a == b
    ([INF, -INF, -INF, INF], [1.0, 2.0, -INF, INF]),                 # infinities
    ([float("nan"), 1.0], [0.0, float("nan")]),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_at_extremes(a, b, dtype):
    (ma, ta), (mb, tb) = (pair(np.array(v, dtype), requires_grad=True) for v in (a, b))
    out_m, out_t = minigrad.logaddexp(ma, mb), torch.logaddexp(ta, tb)
    assert_tensor_equal(out_m, out_t)
    assert out_m.grad_fn.name() == out_t.grad_fn.name() == "LogaddexpBackward0"
    _backward_and_compare(out_m, out_t, (ma, mb), (ta, tb))


def test_broadcasting_and_mixed_dtypes():
    rng = np.random.default_rng(0)
    ma, ta = pair(rng.standard_normal((2, 3)).astype("float32"), requires_grad=True)
    mb, tb = pair(rng.standard_normal(3), requires_grad=True)
    out_m, out_t = ma.logaddexp(mb), ta.logaddexp(tb)
    assert_tensor_equal(out_m, out_t)
    _backward_and_compare(out_m, out_t, (ma, mb), (ta, tb))


def test_second_derivative_matches_torch():
    ma, ta = pair(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    mb, tb = pair(np.array([1.0, 0.5, -2.0]), requires_grad=True)
    (gm,) = minigrad.autograd.grad(minigrad.logaddexp(ma, mb).sum(), ma, create_graph=True)
    (gt,) = torch.autograd.grad(torch.logaddexp(ta, tb).sum(), ta, create_graph=True)
    assert_tensor_equal(gm, gt)
    _backward_and_compare(gm, gt, (ma, mb), (ta, tb))


def test_finite_differences():
    rng = np.random.default_rng(1)
    fd_check(minigrad.logaddexp, [rng.standard_normal((2, 3)), rng.standard_normal((2, 3))])


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_and_bool_inputs_refused(dtype):
    (ma, ta), (mb, tb) = pair(np.array([1, 0], dtype)), pair(np.array([0, 1], dtype))
    assert_same_error(lambda: minigrad.logaddexp(ma, mb), lambda: torch.logaddexp(ta, tb))


def test_a_number_argument_is_refused():
    ma, ta = pair(np.array([1.0, 2.0]))
    assert_same_error(lambda: minigrad.logaddexp(ma, 2.0), lambda: torch.logaddexp(ta, 2.0))
    assert_same_error(lambda: minigrad.logaddexp(2.0, ma), lambda: torch.logaddexp(2.0, ta))
    assert hasattr(minigrad.Tensor, "logaddexp") and not hasattr(minigrad.Tensor, "logaddexp_")
