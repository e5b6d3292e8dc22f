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


@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
@pytest.mark.parametrize("kwargs", [{}, {"amsgrad": True}, {"maximize": True},
                                    {"weight_decay": 0.1}, {"betas": (0.3, 0.99)}])
def test_adam_steps_small_parameters_together_with_the_same_bits(monkeypatch, cls, kwargs):
    """Adam steps its small float32 parameters as one joined array: the same bytes as stepping
    them one by one (parameters, and every state tensor), also when one misses a gradient."""
    from minigrad.optim import adam
    shapes = [(64,), (5, 3), (7,), (1,), (), (300, 20), (2, 2049), (33,)]
    results = []
    for join_size in (adam._JOIN_SIZE, 0):
        monkeypatch.setattr(adam, "_JOIN_SIZE", join_size)
        rng = np.random.default_rng(7)
        params = [minigrad.nn.Parameter(minigrad.tensor(rng.standard_normal(s).astype(np.float32)))
                  for s in shapes]
        opt = getattr(minigrad.optim, cls)(params, lr=1e-2, **kwargs)
        for step in range(4):
            for i, p in enumerate(params):
                p.grad = None if (step == 2 and i == 2) else minigrad.tensor(
                    rng.standard_normal(p.shape).astype(np.float32))
            opt.step()
        results.append([p.detach().numpy().tobytes() for p in params] +
                       [opt.state[p][k].numpy().tobytes() for p in params
                        for k in sorted(opt.state[p])])
    assert results[0] == results[1]
