"""``y.backward(g)`` with g of another dtype than y: torch converts g to y's dtype before the
backward pass (its engine's validate_outputs), so the arithmetic runs in y's dtype."""
import numpy as np
import pytest
import torch

import minigrad

DTYPES = ["float16", "float32", "float64", "int64", "bool"]


def _grads(lib, y_dtype, g_dtype, how):
    x = lib.tensor([1.0, 2.0, 3.0], dtype=getattr(lib, y_dtype), requires_grad=True)
    y = x * 1.0000001
    values = [0.1, 1.000000001, 3.3333333333] if g_dtype.startswith("float") else [1, 0, 1]
    g = lib.tensor(values, dtype=getattr(lib, g_dtype))
    if how == "backward":
        y.backward(g)
        return x.grad
    if how == "autograd.backward":
        lib.autograd.backward([y], [g])
        return x.grad
    return lib.autograd.grad(y, x, g)[0]


@pytest.mark.parametrize("how", ["backward", "autograd.backward", "autograd.grad"])
@pytest.mark.parametrize("g_dtype", DTYPES)
@pytest.mark.parametrize("y_dtype", ["float16", "float32", "float64"])
def test_gradient_of_another_dtype_is_converted_first(y_dtype, g_dtype, how):
    ours, theirs = (_grads(lib, y_dtype, g_dtype, how) for lib in (minigrad, torch))
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_converted_gradient_is_differentiable():
    """With create_graph the conversion is part of the graph (ToCopyBackward0): the gradient
    reaches g in g's own dtype."""
    seen = []
    for lib in (minigrad, torch):
        g = lib.tensor([0.1, 1.0], dtype=lib.float64, requires_grad=True)
        x = lib.tensor([0.1, 1.0], requires_grad=True)
        gx, = lib.autograd.grad(x * 3, x, g, create_graph=True)
        gx.sum().backward()
        seen.append((str(gx.dtype), type(gx.grad_fn.next_functions[0][0]).__name__,
                     str(g.grad.dtype), g.grad.tolist()))
    assert seen[0] == seen[1]
