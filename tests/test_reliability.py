"""Inputs that once gave silent wrong answers or blew up, each checked against torch."""
import time

import numpy as np

import pytest
import torch

import minigrad


def test_grad_of_an_input_named_twice_is_returned_twice():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        gx, gx2 = lib.autograd.grad((x * x).sum(), [x, x])
        assert gx.tolist() == gx2.tolist() == [2.0, 4.0]


def _stack_many(lib, n):
    xs = [lib.ones(3, requires_grad=True) for _ in range(n)]
    start = time.perf_counter()
    lib.stack(xs).sum().backward()
    seconds = time.perf_counter() - start
    assert xs[0].grad.tolist() == [1.0, 1.0, 1.0]
    return seconds


@pytest.mark.slow
def test_stack_of_many_inputs_is_linear():
    """40,000 inputs that require grad: forward plus backward within 10x of torch's."""
    ratio = _stack_many(minigrad, 40_000) / _stack_many(torch, 40_000)
    assert ratio < 10, ratio


# one NaN at most per row, no repeated numbers: which of two equal values (two NaNs among them)
# torch's quickselect and topk return depends on their partitioning, not on NaN order
NAN_ROWS = [[1.0, np.nan, 3.0, -2.0], [np.nan, 0.5, 0.0, 1.0], [4.0, 2.0, np.nan, -1.0],
            [0.0, 1.0, 2.0, 3.0]]


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_kthvalue_orders_nan_last(k):
    x = np.array(NAN_ROWS)
    got = minigrad.tensor(x).kthvalue(k, 1)
    want = torch.tensor(x).kthvalue(k, 1)
    np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
    np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())


@pytest.mark.parametrize("op", ["sort", "argsort", "median", "topk"])
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_ops_order_nan_as_torch(op, descending):
    x = np.array(NAN_ROWS)
    calls = {"sort": lambda t: t.sort(1, descending=descending),
             "argsort": lambda t: t.argsort(1, descending=descending),
             "median": lambda t: t.median(1),
             "topk": lambda t: t.topk(2, 1, largest=descending)}
    got, want = calls[op](minigrad.tensor(x)), calls[op](torch.tensor(x))
    for g, w in zip(got if isinstance(got, tuple) else (got,),
                    want if isinstance(want, tuple) else (want,)):
        np.testing.assert_array_equal(g.numpy(), w.numpy())
