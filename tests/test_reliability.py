"""Inputs that once gave silent wrong answers or blew up, each checked against torch."""
import time

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
