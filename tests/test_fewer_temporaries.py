"""Backward formulas that write into their own temporaries give the same bits as before.

``formulas.divide_into(grad, temporary)`` divides into an array the formula has just made
(SqrtBackward0's ``out * 2``), so that a large backward allocates one array less (fewer page
faults per step on W5); these tests pin that the quotient is bit for bit ``grad / temporary``,
that only the formula's own temporary is written, and that torch agrees on the gradient.
"""
import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import formulas
from tests.helpers import assert_tensor_equal


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_divide_into_gives_the_bits_of_a_plain_division(dtype):
    rng = np.random.default_rng(0)
    out = rng.random(1000).astype(dtype)
    out[:3] = 0.0, np.inf, np.nan
    grad = rng.standard_normal(1000).astype(dtype)
    for g in (grad, np.broadcast_to(grad[:1], grad.shape)):  # a sum's gradient is a broadcast
        temporary = out * 2
        with np.errstate(all="ignore"):  # 0 and inf in the divisor, as a sqrt at 0 gives
            want = g / (out * 2)
            got = formulas.divide_into(g, temporary)
        assert got is temporary and got.tobytes() == want.tobytes()


def test_divide_into_leaves_other_operands_alone():
    """Another dtype or shape than the temporary's (or Tensors) divide into a new array."""
    grad64 = np.ones(4)
    temporary = np.full(4, 2.0, np.float32)
    got = formulas.divide_into(grad64, temporary)
    assert got is not temporary and got.dtype == np.float64 and (temporary == 2).all()
    column = np.full((4, 1), 2.0)
    got = formulas.divide_into(np.ones((4, 3)), column)
    assert got.shape == (4, 3) and (column == 2).all()
    a = minigrad.tensor([1.0, 4.0], requires_grad=True)
    q = formulas.divide_into(a * 1, a * 2)
    assert q.grad_fn.name() == "DivBackward0"


@pytest.mark.parametrize("n", [7, 100_000])
def test_sqrt_gradient_matches_torch_on_the_w5_expression(n):
    """W5's expression (sqrt of exp on the path) forward and backward, as torch computes it."""
    x0 = np.linspace(-3, 3, n, dtype=np.float32)
    grads = []
    for T in (minigrad, torch):
        x = T.from_numpy(x0.copy()).requires_grad_()
        ((x * x + 1).log() * x.exp().sqrt()).sum().backward()
        grads.append(x.grad)
    assert_tensor_equal(*grads, rtol=1e-5, atol=1e-6)


def test_sqrt_double_backward_still_recorded():
    """With create_graph the formula runs on Tensors and is differentiable again."""
    pairs = []
    for T in (minigrad, torch):
        x = T.tensor([0.5, 2.0, 9.0], dtype=T.float64, requires_grad=True)
        g, = T.autograd.grad(x.sqrt().sum(), x, create_graph=True)
        g2, = T.autograd.grad(g.sum(), x)
        pairs.append((g, g2))
    for mine, theirs in zip(*pairs):
        assert_tensor_equal(mine, theirs, rtol=1e-12)
