"""The backward walk's owned buffers (engine.py, "Owned buffers"): same bits, fewer arrays.

A walk on arrays owns the large gradients it or a formula has just made: it adds a second
gradient into one in place, lets the next formula write over it and lets a leaf without
``.grad`` keep it. These tests pin that the gradients are bit for bit those of a walk that owns
nothing (and agree with torch), that fewer arrays are alive at once, and that nothing a user
can hold -- ``.grad``, a hook's argument, a retained gradient -- is written over later, as
torch behaves.
"""
import tracemalloc

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import engine, formulas
from minigrad import _buffers
from tests.helpers import assert_tensor_equal

N = 40_000  # 160 KB in float32: above formulas.OWNED_FROM_BYTES


def _w5(T, x):
    return ((x * x + 1).log() * x.exp().sqrt()).sum()


def _many_uses(T, x):
    return (x * 1.5 + x * 2.5 + x.exp() * 3.5 - x / 3).sum()


def _chain(T, x):
    return (((x * 2).exp() * 3).log() * 1.5).sqrt().sum()


def _shared(T, x):
    return ((x.sqrt() + x.exp()) * 3).sum()  # one gradient to two nodes; exp may write over it


def _broadcast(T, x):
    column = x[: N // 200].reshape(-1, 1)
    return ((x.reshape(200, -1) * column).exp() * x.reshape(200, -1)).log().sum()


def _leaf_values(dtype):
    values = np.random.default_rng(0).standard_normal(N).astype(dtype)
    values[:5] = 0.0, -0.0, np.inf, -np.inf, np.nan
    return values


def _grad_bytes(loss_fn, values, times=1, retain=False):
    x = minigrad.from_numpy(values.copy()).requires_grad_()
    with np.errstate(all="ignore"):
        loss = loss_fn(minigrad, x)
        for _ in range(times):
            loss.backward(retain_graph=retain)
            if not retain:
                loss = loss_fn(minigrad, x)
    g = x.grad.numpy()
    return g.dtype, g.strides, g.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss_fn", [_w5, _many_uses, _chain, _shared, _broadcast])
@pytest.mark.parametrize("times,retain", [(1, False), (2, False), (2, True)])
def test_same_bits_as_a_walk_that_owns_nothing(monkeypatch, loss_fn, dtype, times, retain):
    values = _leaf_values(dtype)
    owning = _grad_bytes(loss_fn, values, times, retain)
    monkeypatch.setattr(engine._Walk, "owns_buffers", False)
    assert owning == _grad_bytes(loss_fn, values, times, retain)


@pytest.mark.parametrize("loss_fn", [_w5, _many_uses, _chain, _shared, _broadcast])
def test_gradients_agree_with_torch(loss_fn):
    values = np.random.default_rng(1).uniform(0.5, 2, N).astype(np.float32)
    grads = []
    for T in (minigrad, torch):
        x = T.from_numpy(values.copy()).requires_grad_()
        loss_fn(T, x).backward()
        grads.append(x.grad)
    assert_tensor_equal(*grads, rtol=1e-5, atol=1e-6)


def _peak_arrays(loss_fn):
    """The most arrays of the leaf's size that backward made and held at once."""
    x = minigrad.from_numpy(np.linspace(0.5, 2, N, dtype=np.float32)).requires_grad_()
    loss = loss_fn(minigrad, x)
    tracemalloc.start()
    try:
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / x.detach().numpy().nbytes


@pytest.mark.parametrize("loss_fn,owning,owning_nothing", [
    (_w5, 3, 5), (_chain, 1, 2), (_many_uses, 2, 4)])
def test_backward_holds_fewer_arrays_at_once(monkeypatch, loss_fn, owning, owning_nothing):
    """W5's backward holds 3 arrays of x's size at once instead of 5; the new .grad is the
    walk's own array, not a copy of it. (Arrays kept for reuse are turned off: they would let
    backward reuse the forward's freed arrays, which tests/test_buffers.py measures.)"""
    monkeypatch.setattr(_buffers, "MAX_BYTES", 0)
    assert owning <= _peak_arrays(loss_fn) < owning + 0.5
    monkeypatch.setattr(engine._Walk, "owns_buffers", False)
    assert owning_nothing <= _peak_arrays(loss_fn) < owning_nothing + 0.5


def test_small_arrays_are_never_owned():
    assert formulas.OWNED_FROM_BYTES >= 4096
    small = np.ones(16, np.float32)
    fresh = formulas.on_arrays.fresh
    formulas.on_arrays.fresh = {}
    try:
        formulas.fresh(small * 2)
        formulas.fresh(np.ones(N, np.float32)[::2])  # a view: never
        assert formulas.on_arrays.fresh == {}
        big = formulas.fresh(np.ones(N, np.float32))
        assert formulas.on_arrays.fresh == {id(big): big}
    finally:
        formulas.on_arrays.fresh = fresh


def test_a_second_backward_adds_into_the_same_grad_as_torch():
    """torch's AccumulateGrad adds into an existing .grad in place: a reference taken after the
    first backward sees the sum."""
    values = np.linspace(0.5, 2, N, dtype=np.float32)
    for T in (minigrad, torch):
        x = T.from_numpy(values.copy()).requires_grad_()
        (x.exp() * 2).sum().backward()
        first = x.grad
        before = first.clone()
        (x.exp() * 2).sum().backward()
        assert x.grad is first
        np.testing.assert_array_equal(first.numpy(), (before * 2).numpy())


def test_leaves_given_one_gradient_get_grads_of_their_own():
    """``a + b`` sends one array to both leaves: each .grad is its own array, as in torch."""
    values = np.linspace(0.5, 2, N, dtype=np.float32)
    for T in (minigrad, torch):
        a = T.from_numpy(values.copy()).requires_grad_()
        b = T.from_numpy(values.copy()).requires_grad_()
        ((a + b) * 3).sum().backward()
        a.grad.add_(1)
        np.testing.assert_array_equal(b.grad.numpy(), np.full(N, 3, np.float32))
        np.testing.assert_array_equal(a.grad.numpy(), np.full(N, 4, np.float32))


def _seen_by_user_code(T, where):
    """What a gradient handed to user code holds after backward and one more backward.

    ``z``'s gradient is new (made by ``z * 3``'s formula) and ``z``'s node may write over it,
    unless user code has seen it: a tensor hook or retain_grad on z, a hook on the node that
    made it; the leaf hook sees what x.grad is made from."""
    x = T.from_numpy(np.linspace(0.5, 2, N, dtype=np.float32)).requires_grad_()
    seen = []

    def hook(*grads):  # a tensor's gradient, or a node's (grad_inputs, grad_outputs)
        seen.append(grads[0] if len(grads) == 1 else grads[0][0])
    z = x.exp() * 2
    out = z * 3
    if where == "tensor hook":
        z.register_hook(hook)
    elif where == "retain_grad":
        z.retain_grad()
    elif where == "node hook":
        out.grad_fn.register_hook(hook)
    else:
        x.register_hook(hook)
    out.sum().backward()
    if where == "retain_grad":
        seen.append(z.grad)
    (x.exp() * 5).sum().backward()  # accumulates into x.grad in place
    return seen[0].detach().numpy().copy()


@pytest.mark.parametrize("where", ["tensor hook", "retain_grad", "node hook", "leaf hook"])
def test_gradients_handed_to_user_code_are_never_written_over(where):
    """Each keeps the values torch's does."""
    mine, theirs = _seen_by_user_code(minigrad, where), _seen_by_user_code(torch, where)
    np.testing.assert_allclose(mine, theirs, rtol=1e-6)
    if where != "leaf hook":
        np.testing.assert_array_equal(mine, np.full(N, 3, np.float32))


def test_a_hook_that_changes_the_gradient_in_place_matches_torch():
    values = np.linspace(0.5, 2, N, dtype=np.float32)
    grads = []
    for T in (minigrad, torch):
        x = T.from_numpy(values.copy()).requires_grad_()
        y = x * 2
        y.register_hook(lambda g: g.mul_(10))
        (y.exp() * 3).sum().backward()
        grads.append(x.grad)
    assert_tensor_equal(*grads)


def test_a_transposed_leaf_gets_a_grad_in_its_own_layout_like_torch():
    values = np.random.default_rng(2).standard_normal((200, N // 200)).astype(np.float32)
    strides = []
    for T in (minigrad, torch):
        x = T.from_numpy(values.copy()).t().detach().requires_grad_()
        (x.exp() * 2).sum().backward()
        strides.append(x.grad.stride())
        np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(values.T), rtol=1e-6)
    assert strides[0] == strides[1]


def test_double_backward_owns_nothing_and_matches_torch():
    values = np.linspace(0.5, 2, N, dtype=np.float64)
    results = []
    for T in (minigrad, torch):
        x = T.from_numpy(values.copy()).requires_grad_()
        g, = T.autograd.grad(_w5(T, x), x, create_graph=True)
        g2, = T.autograd.grad((g * g).sum(), x)
        results.append((g, g2))
    for mine, theirs in zip(*results):
        assert_tensor_equal(mine, theirs)
