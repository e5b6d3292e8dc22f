"""Optimizer updates of parameters large enough to be computed slice by slice (``optim.fma``)
are bit-identical to torch's, whatever the parameter's layout."""
import numpy as np
import pytest
import torch

import minigrad
from minigrad._generator import _fma32
from minigrad._fma import _BLOCK, fma


def _sgd_step(lib, weight, grad, order, **kw):
    w = lib.from_numpy(np.array(weight, order=order)).requires_grad_()
    w.grad = lib.from_numpy(np.array(grad, order=order))
    opt = lib.optim.SGD([w], **kw)
    for _ in range(2):
        opt.step()
    return w.detach().numpy()


@pytest.mark.parametrize("shape", [(_BLOCK * 2 + 17,), (_BLOCK // 400 * 2 + 3, 400),
                                   (3, _BLOCK // 400, 400)])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("kw", [{"lr": 0.01}, {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-3},
                                {"lr": 0.05, "momentum": 0.5, "nesterov": True}])
def test_sgd_on_large_parameters_matches_torch_bitwise(shape, order, kw):
    rng = np.random.default_rng(len(shape))
    weight = rng.standard_normal(shape).astype(np.float32)
    grad = rng.standard_normal(shape).astype(np.float32)
    ours = _sgd_step(minigrad, weight, grad, order, **kw)
    theirs = _sgd_step(torch, weight, grad, order, **kw)
    assert ours.dtype == theirs.dtype == np.float32
    assert np.array_equal(ours, theirs)


def test_sliced_fma_equals_the_exact_fma():
    rng = np.random.default_rng(0)
    a, c = (rng.standard_normal((_BLOCK // 100, 300)).astype(np.float32) for _ in range(2))
    row = rng.standard_normal(300).astype(np.float32)
    for b in (np.float32(-0.01), row, a):
        expected = _fma32(*np.broadcast_arrays(a, b, c))
        assert np.array_equal(fma(a, b, c), expected)
        out = np.asfortranarray(c)
        assert fma(a, b, out, out=out) is out and np.array_equal(out, expected)
