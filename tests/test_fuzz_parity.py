"""Causes of differences the graph fuzzer (``python -m compare fuzz``) found, each checked
against torch on a minimal program of its own."""
import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_tensor_equal


@pytest.mark.parametrize("name,args", [
    ("hardtanh", ()), ("relu6", ()), ("hardsigmoid", ()), ("softshrink", (0.5,)),
    ("hardshrink", (0.5,)), ("leaky_relu", (0.1,)), ("relu", ()), ("hardswish", ()),
    ("threshold", (0.5, 2.0))])
def test_masked_gradient_of_a_nan_is_zero_where_torch_chooses_zero(name, args):
    """torch's piecewise backward kernels choose 0 (cond ? grad : 0) rather than multiply: a
    NaN upstream gradient (std of one element) gives 0 outside the active piece."""
    x = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0])
    grads = []
    for lib in (minigrad, torch):
        t = lib.tensor(x, requires_grad=True)
        y = getattr(lib.nn.functional, name)(t, *args)
        y.backward(lib.full_like(y, float("nan")))
        grads.append(t.grad)
    assert_tensor_equal(*grads)
