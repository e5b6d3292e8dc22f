"""Bad arguments torch refuses: a None dim where torch's overloads take none, device and dtype
arguments of ``Tensor.to``, and ``uniform_`` bounds (torch's checks; no NaN from bounds near the
largest float64)."""
import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_same_error, assert_tensor_equal, compare_result_or_error


@pytest.mark.parametrize("call", [
    lambda T, x: x.squeeze(None), lambda T, x: T.squeeze(x, None),
    lambda T, x: x.squeeze(dim=None), lambda T, x: x.squeeze_(None),
    lambda T, x: x.squeeze_(dim=None), lambda T, x: x.median(None),
    lambda T, x: T.median(x, None), lambda T, x: x.median(dim=None),
    lambda T, x: x.logsumexp(None), lambda T, x: T.logsumexp(x, None),
    lambda T, x: x.logsumexp(dim=None)])
def test_none_dim_is_a_type_error(call):
    x = np.ones((3, 1))
    # torch names the position (1 for a method, 2 for a function) or none for a keyword
    assert_same_error(lambda: call(minigrad, minigrad.tensor(x)),
                      lambda: call(torch, torch.tensor(x)), match_message=False)


@pytest.mark.parametrize("call", [
    lambda x: x.squeeze(None), lambda x: x.squeeze(dim=None), lambda x: x.squeeze_(None),
    lambda x: x.median(None), lambda x: x.logsumexp(None)])
def test_none_dim_messages(call):
    x, tx = minigrad.ones(3, 1), torch.ones(3, 1)
    assert_same_error(lambda: call(x), lambda: call(tx))


def test_calls_without_a_dim_still_work():
    x = np.array([[3.0], [1.0], [2.0]])
    for call in (lambda x: x.squeeze(), lambda x: x.median(), lambda x: x.squeeze_(),
                 lambda x: x.squeeze(1), lambda x: x.median(0)[0]):
        assert_tensor_equal(call(minigrad.tensor(x)), call(torch.tensor(x)))


@pytest.mark.parametrize("arg", [5, 0, -1, None, 5.0, 2.5, True, False, "xx"])
def test_to_with_a_scalar_or_device_argument(arg):
    x = np.array([0.5, -1.5])

    def run(T):
        return T.tensor(x, dtype=T.float32).to(arg)
    try:
        expected = run(torch)
    except Exception:  # noqa: BLE001 - then minigrad must raise the same
        assert_same_error(lambda: run(minigrad), lambda: run(torch), match_message=False)
        return
    assert_tensor_equal(run(minigrad), expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bounds", [
    (-5e307, 5e307), (-8e307, 8e307), (0.0, 1.7e308), (-5e307, 0.0), (1e300, 1e308),
    (-1e308, 1e308), (-1.7e308, 1.7e308), (-7e4, 0.0), (-4e38, 0.0), (-2e38, 2e38),
    (float("-inf"), 0.0), (0.0, float("inf")), (float("nan"), 1.0), (0.0, float("nan")),
    (2.5, 1.0), (1.23456789, 0.0)])
def test_uniform_bounds_as_torch(dtype, bounds):
    """torch's checks (each bound finite in the dtype, from <= to, to - from finite), and the
    same bytes where it samples: near ±5e307 the fused multiply-add must not overflow."""
    def run(T):
        T.manual_seed(0)
        return T.empty(1000, dtype=getattr(T, dtype)).uniform_(*bounds).numpy().tobytes()
    compare_result_or_error(run)
