"""Tensor.register_hook against torch: observe, modify, several hooks in order, removal, leaves
and non-leaves, tensors used several times, autograd.grad."""
import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_same_error
from helpers import compare_libs as compare

RNG = np.random.default_rng(2)
X = RNG.standard_normal(4)
W = RNG.standard_normal(4)


def setup(lib):
    x = lib.tensor(X.tolist(), dtype=lib.float64, requires_grad=True)
    w = lib.tensor(W.tolist(), dtype=lib.float64, requires_grad=True)
    y = x * w
    return x, w, y


def loss(y, x):
    return (y.sin() * x).sum() + (y * y).sum()


HOOKS = {
    "observe": lambda seen: [lambda g: seen.append(g.clone())],
    "scale": lambda seen: [lambda g: g * 2],
    "replace": lambda seen: [lambda g: g.sign()],
    "two_in_order": lambda seen: [lambda g: g * 3, lambda g: seen.append(g.clone()),
                                  lambda g: g + 1],
}


@pytest.mark.parametrize("name", sorted(HOOKS))
@pytest.mark.parametrize("on", ["leaf", "non_leaf"])
def test_hooks(name, on):
    def run(lib):
        x, w, y = setup(lib)
        seen = []
        target = x if on == "leaf" else y
        for hook in HOOKS[name](seen):
            target.register_hook(hook)
        loss(y, x).backward()
        return seen, x.grad, w.grad
    compare(run)


def test_handle_remove():
    def run(lib):
        x, w, y = setup(lib)
        keep = x.register_hook(lambda g: g * 10)
        gone = x.register_hook(lambda g: g * 1000)
        gone.remove()
        y_hook = y.register_hook(lambda g: g * 1000)
        y_hook.remove()
        loss(y, x).backward()
        keep.remove()
        return x.grad, w.grad
    compare(run)


def test_hook_called_once_with_summed_gradient():
    def run(lib):
        x, w, y = setup(lib)
        calls = []
        x.register_hook(lambda g: calls.append(g.clone()))
        y.register_hook(lambda g: calls.append(g.clone()))
        (y * x + y.exp() + x.cos()).sum().backward()
        return calls, x.grad
    compare(run)


def test_hooks_fire_during_autograd_grad():
    def run(lib):
        x, w, y = setup(lib)
        seen = []
        y.register_hook(lambda g: seen.append(g.clone()) or g * 2)
        gx, gw = lib.autograd.grad(loss(y, x), [x, w])
        return seen, gx, gw, x.grad
    compare(run)


def test_hook_on_leaf_fires_each_backward():
    def run(lib):
        x, w, y = setup(lib)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()))
        out = loss(y, x)
        out.backward(retain_graph=True)
        out.backward()
        return seen, x.grad
    compare(run)


def test_register_hook_without_requires_grad():
    assert_same_error(lambda: minigrad.ones(2).register_hook(lambda g: g),
                      lambda: torch.ones(2).register_hook(lambda g: g))


def test_hook_after_inplace_on_non_leaf():
    def run(lib):
        x, w, y = setup(lib)
        seen = []
        y.register_hook(lambda g: seen.append(("before", g.clone())))
        y.mul_(2)
        y.register_hook(lambda g: seen.append(("after", g.clone())))
        loss(y, x).backward()
        return seen, x.grad
    compare(run)
