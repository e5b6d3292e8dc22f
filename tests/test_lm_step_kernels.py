"""The kernels of the language-model steps (W7, W8) against torch, bit for bit where minigrad
computes as torch's kernel does: float32 layer_norm's output (torch's Welford row statistics,
(x - mean) rstd, then fma with weight and bias) and input gradient; the float32 fma helper of
ops/_moments.py when the addend broadcasts beyond the product."""
import numpy as np
import pytest
import torch

import minigrad
from minigrad.ops import _moments


@pytest.mark.parametrize("shape", [(16, 32, 64), (5, 7, 40), (3, 17), (2, 8), (4, 1)])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_layer_norm_float32_output_and_input_gradient_are_torchs(shape, affine):
    rng = np.random.default_rng(len(shape) * 100 + shape[-1])
    n = shape[-1]
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    results = []
    for lib in (minigrad, torch):
        t = lib.tensor(x, requires_grad=True)
        weight = lib.tensor(w) if affine != "none" else None
        bias = lib.tensor(b) if affine == "both" else None
        y = lib.nn.functional.layer_norm(t, (n,), weight, bias)
        y.backward(lib.tensor(g))
        results.append((y.detach().numpy(), t.grad.numpy()))
    (y_mg, gx_mg), (y_th, gx_th) = results
    assert y_mg.tobytes() == y_th.tobytes()
    assert gx_mg.tobytes() == gx_th.tobytes()


def test_layer_norm_of_an_empty_batch():
    for lib in (minigrad, torch):
        y = lib.nn.functional.layer_norm(lib.zeros(0, 4), (4,))
        assert tuple(y.shape) == (0, 4)


def test_moments_fma_broadcasts_the_addend():
    a = np.array([[1.5], [2.0]], np.float32)
    c = np.arange(6, dtype=np.float32).reshape(2, 3)
    got = _moments.fma(a, np.float32(3), c)
    assert got.dtype == np.float32 and got.tolist() == (a * 3 + c).tolist()
    same = _moments.fma(c, c, c)
    assert same.tolist() == (c * c + c).tolist()
