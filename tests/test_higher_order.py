"""Higher-order gradients against torch: create_graph=True gives differentiable gradients, so
2nd and 3rd derivatives, Hessian-vector products and backward(create_graph=True) all match."""
import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_tensor_equal

RNG = np.random.default_rng(3)
X = RNG.uniform(0.3, 1.2, (3, 4))
W = RNG.standard_normal((4, 2))
V = RNG.standard_normal((3, 4))
ROW = RNG.uniform(0.3, 1.2, (4,))

FUNCTIONS = {
    "tanh": lambda lib, x, w: x.tanh(),
    "pow": lambda lib, x, w: x.pow(3) + x ** 2.5,
    "exp_sin": lambda lib, x, w: x.exp() * x.sin(),
    "log_sum_exp": lambda lib, x, w: lib.logsumexp(x * 2, dim=1),
    "manual_lse": lambda lib, x, w: (x.exp().sum(1)).log(),
    "matmul_chain": lambda lib, x, w: (x @ w).tanh() @ w.t(),
    "broadcast": lambda lib, x, w: (x * lib.tensor(ROW.tolist(), dtype=lib.float64)).sigmoid()
    / (x + 1),
    "division_sqrt": lambda lib, x, w: (x / (x * x + 1)).sqrt(),
    "mean_square": lambda lib, x, w: ((x - x.mean()) ** 2).mean(),
    "std_full_and_dim": lambda lib, x, w: x.std() * x + x.std(1, keepdim=True) + x.norm(),
}


def tensors(lib):
    x = lib.tensor(X.tolist(), dtype=lib.float64, requires_grad=True)
    w = lib.tensor(W.tolist(), dtype=lib.float64, requires_grad=True)
    return x, w


def derivatives(lib, name, order):
    """d^k(sum(f(x) * v)) / dx^k contracted with v at every order, for k = 1..order."""
    x, w = tensors(lib)
    out = FUNCTIONS[name](lib, x, w).sum()
    results = []
    for _ in range(order):
        if not out.requires_grad:  # a derivative that is constant in x: the next one is zero
            results.append(lib.zeros_like(x))
            break
        gx, gw = lib.autograd.grad(out, [x, w], create_graph=True, allow_unused=True)
        results.append(gx)
        if gw is not None:
            results.append(gw)
        out = (gx * lib.tensor(V.tolist(), dtype=lib.float64)).sum()
        if gw is not None:
            out = out + gw.pow(2).sum()
    return results


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_second_and_third_derivatives(name):
    expected = derivatives(torch, name, 3)
    got = derivatives(minigrad, name, 3)
    if len(got) < len(expected):  # minigrad stopped early at a constant derivative
        assert all(not np.any(e.detach().numpy()) for e in expected[len(got):])
        expected = expected[:len(got)]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        # torch sometimes keeps a graph for a derivative that is constant (its pow backward
        # calls pow again); compare the values only
        assert_tensor_equal(g, e)


def hvp(lib):
    """Hessian-vector product of a small MLP loss with respect to its weights."""
    x, w = tensors(lib)
    loss = ((x @ w).tanh() ** 2).sum()
    g, = lib.autograd.grad(loss, w, create_graph=True)
    v = lib.tensor(W[::-1].tolist(), dtype=lib.float64)
    hv, = lib.autograd.grad(g, w, grad_outputs=v)
    return g, hv


def test_hessian_vector_product():
    for got, expected in zip(hvp(minigrad), hvp(torch)):
        assert_tensor_equal(got, expected)


def test_full_hessian_by_rows():
    def hessian(lib):
        x = lib.tensor(ROW.tolist(), dtype=lib.float64, requires_grad=True)
        y = (x.exp() * x.sin()).sum() + (x[0] * x[3]) ** 2
        g, = lib.autograd.grad(y, x, create_graph=True)
        return [lib.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(4)]
    for got, expected in zip(hessian(minigrad), hessian(torch)):
        assert_tensor_equal(got, expected)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_create_graph_then_backward_through_grad():
    def run(lib):
        x, w = tensors(lib)
        y = ((x @ w).sin() ** 2).sum()
        y.backward(create_graph=True)
        first = (x.grad.detach().clone(), w.grad.detach().clone(), x.grad.requires_grad)
        gnorm = (x.grad * x.grad).sum() + (w.grad ** 3).sum()
        x.grad = None
        w.grad = None
        gnorm.backward()
        return first, x.grad, w.grad
    expected, got = run(torch), run(minigrad)
    for g, e in zip(got[0][:2] + got[1:], expected[0][:2] + expected[1:]):
        assert_tensor_equal(g, e)
    assert got[0][2] is True and expected[0][2] is True


def test_without_create_graph_grads_are_constants():
    def run(lib):
        x, w = tensors(lib)
        g, = lib.autograd.grad((x.exp()).sum(), x)
        return g.requires_grad, g.grad_fn is None
    assert run(minigrad) == run(torch)


# ---- a tensor and its detach() in one op -----------------------------------------------------
PAIRED = {
    "dot": lambda lib, x, d: x @ d, "dot_reversed": lambda lib, x, d: d @ x,
    "mul": lambda lib, x, d: x * d, "mul_reversed": lambda lib, x, d: d * x,
    "div": lambda lib, x, d: x / (d + 2), "atan2": lambda lib, x, d: lib.atan2(d, x),
    "atan2_reversed": lambda lib, x, d: lib.atan2(x, d), "pow": lambda lib, x, d: (x + 2) ** d,
}


@pytest.mark.parametrize("name", list(PAIRED))
def test_tensor_with_its_detached_self(name):
    """x and x.detach() share one array: each must be saved as itself, so only x's side of the
    op is differentiated (and, with create_graph, the gradient's own graph is torch's)."""
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor([0.7, -0.4, 1.3], dtype=lib.float64, requires_grad=True)
        out = PAIRED[name](lib, x, x.detach()).sum()
        g, = lib.autograd.grad(out, [x], create_graph=True)
        results.append((g, g.requires_grad))
    (gm, rm), (gt, rt) = results
    assert rm == rt
    assert_tensor_equal(gm.detach(), gt.detach(), rtol=1e-12, atol=1e-12)


def test_backward_create_graph_warns_once_per_process_as_torch():
    """backward(create_graph=True) warns about the parameter/gradient reference cycle once per
    process; autograd.grad does not. Run in fresh processes: the warning is once per process."""
    import subprocess
    import sys
    script = """
import warnings, sys
lib = __import__(sys.argv[1])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    a = lib.ones(3, requires_grad=True)
    lib.autograd.grad(((a * 2) ** 2).sum(), a, create_graph=True)
    print(len(caught))
    x = lib.ones(3, requires_grad=True)
    (x * x).sum().backward(create_graph=True)
    (x * x).sum().backward(create_graph=True)
    lib.autograd.backward([(x * x).sum()], create_graph=True)
    for w in caught:
        print(w.category.__name__, str(w.message).split(" (Triggered internally")[0])
"""
    outputs = [subprocess.run([sys.executable, "-c", script, name], capture_output=True,
                              text=True, timeout=120).stdout for name in ("minigrad", "torch")]
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith("0\nUserWarning Using backward() with create_graph=True")
    assert outputs[0].count("\n") == 2
