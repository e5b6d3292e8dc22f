"""minigrad/tiny.py, the one-file teaching engine: its gradients equal torch's.

Each test builds the same expression with tiny and with torch (float64) and compares the leaves'
gradients; the in-place test checks that both refuse a saved tensor modified in place.
"""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch

from minigrad import tiny

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _pair(*arrays):
    return ([tiny.Tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _assert_same_grads(mine, theirs):
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(m.grad, t.grad.numpy(), rtol=1e-12, atol=1e-14)


EXPRESSIONS = {
    "layer": lambda x, w, b: ((x @ w + b).tanh() ** 2.0).mean(),
    "reused_input": lambda x, w, b: (x * x + x.exp() / 3 - (x @ w).relu() * b).sum(),
    "broadcast_bias": lambda x, w, b: ((x + b) * (w + 1.0)).log().sum(),
    "chain": lambda x, w, b: (((x @ w).relu() + 1.0).log() * b).sum(),
}


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_gradients_equal_torch(name):
    rng = np.random.default_rng(len(name))
    arrays = [rng.uniform(0.5, 1.5, (4, 3)), rng.uniform(0.5, 1.5, (3, 3)),
              rng.uniform(0.5, 1.5, 3)]
    if name == "broadcast_bias":
        arrays[1] = rng.uniform(0.5, 1.5, (4, 3))
    mine, theirs = _pair(*arrays)
    EXPRESSIONS[name](*mine).backward()
    EXPRESSIONS[name](*theirs).backward()
    _assert_same_grads(mine, theirs)


def test_gradients_accumulate_until_zero_grad():
    mine, theirs = _pair(np.array([1.0, -2.0, 3.0]))
    for _ in range(2):   # two backward calls: .grad holds the sum
        (mine[0] * mine[0]).sum().backward()
        (theirs[0] * theirs[0]).sum().backward()
    _assert_same_grads(mine, theirs)
    tiny.zero_grad(mine)
    theirs[0].grad = None
    assert mine[0].grad is None
    (mine[0].tanh()).sum().backward()
    theirs[0].tanh().sum().backward()
    _assert_same_grads(mine, theirs)


def test_modified_saved_tensor_raises_like_torch():
    (a,), (b,) = _pair(np.array([1.0, 2.0]))
    for x, lib in ((a, tiny), (b, torch)):
        y = x * 1.0 if lib is torch else tiny.mul(x, 1.0)
        z = (y * y).sum()             # saves y
        with (torch.no_grad() if lib is torch else tiny.no_grad()):
            y.add_(1.0)               # bumps y's version
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()


def test_no_grad_records_nothing():
    x = tiny.Tensor([1.0], requires_grad=True)
    with tiny.no_grad():
        y = x * 2.0
    assert y.grad_fn is None and not y.requires_grad
    assert (x * 2.0).grad_fn.name == (torch.ones(1, requires_grad=True) * 2.0).grad_fn.name()


def test_module_runs_its_self_check():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "minigrad.tiny"], capture_output=True, text=True,
                         check=True, cwd=ROOT, env=env)
    assert out.stdout.strip().endswith("tiny: ok")
