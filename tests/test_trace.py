"""autograd.trace(): the engine's execution order and every gradient, checked against torch.

torch's order is recorded with a pre-hook on every node of its graph; its gradients with
``Node.register_hook`` (grad_inputs = what a node sends, grad_outputs = what it receives).
The two graphs are matched node for node by walking ``next_functions`` side by side.
"""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import pair

# ---- matching minigrad's graph with torch's -------------------------------------------------


def match_graphs(mg_root, th_root):
    """{minigrad node: torch node}, asserting both graphs have the same names and edges."""
    pairs = {}
    stack = [(mg_root, th_root)]
    while stack:
        m, t = stack.pop()
        if m in pairs:
            assert pairs[m] is t, "minigrad shares a node that torch does not"
            continue
        assert type(m).__name__ == type(t).__name__
        assert len(m.next_functions) == len(t.next_functions), type(m).__name__
        pairs[m] = t
        for (mn, mnr), (tn, tnr) in zip(m.next_functions, t.next_functions):
            assert (mn is None) == (tn is None), type(m).__name__
            assert mnr == tnr
            if mn is not None:
                stack.append((mn, tn))
    assert len(set(map(id, pairs.values()))) == len(pairs), "torch shares a node minigrad doesn't"
    return pairs


def torch_run(th_root_tensor):
    """Run torch's backward; return (order of nodes, {node: (received, sent)})."""
    nodes, stack = [], [th_root_tensor.grad_fn]
    while stack:
        n = stack.pop()
        if n is None or any(n is m for m in nodes):
            continue
        nodes.append(n)
        stack.extend(nxt for nxt, _ in n.next_functions)
    order, grads, handles = [], {}, []
    for n in nodes:
        handles.append(n.register_prehook(lambda g, n=n: order.append(n)))
        if type(n).__name__ != "AccumulateGrad":
            handles.append(n.register_hook(
                lambda gin, gout, n=n: grads.__setitem__(n, (gout, gin))))
    th_root_tensor.backward()
    for h in handles:
        h.remove()
    return order, grads


def canonical(order, key):
    """Keys in order; a run of AccumulateGrad nodes (torch gives them all the same priority, so
    their relative order is unspecified) is sorted."""
    out, run = [], []
    for n in order:
        if type(n).__name__ == "AccumulateGrad":
            run.append(key(n))
            continue
        out += sorted(run) + [key(n)]
        run = []
    return out + sorted(run)


def assert_trace_matches_torch(build, leaves):
    """build(lib, *leaves) -> scalar loss; leaves: arrays. Order and gradients equal torch's."""
    mg_leaves, th_leaves = zip(*(pair(a, requires_grad=True) for a in leaves))
    mg_loss = build(minigrad, *mg_leaves)
    th_loss = build(torch, *th_leaves)
    pairs = match_graphs(mg_loss.grad_fn, th_loss.grad_fn)
    index = {id(t): i for i, t in enumerate(pairs.values())}
    th_order, th_grads = torch_run(th_loss)
    with minigrad.autograd.trace(verbose=False) as tr:
        mg_loss.backward()

    mg_order = [e.node for e in tr.events]
    assert canonical(mg_order, lambda n: index[id(pairs[n])]) == \
        canonical(th_order, lambda n: index[id(n)])
    for e in tr.events:
        if e.name == "AccumulateGrad":
            continue
        th_received, th_sent = th_grads[pairs[e.node]]
        assert len(e.received) == len(th_received)
        for g, tg in zip(e.received, th_received):
            _assert_grad(g, tg)
        assert [s.to for s in e.sends] == [
            None if n is None else type(n).__name__ for n, _ in pairs[e.node].next_functions]
        for s, tg in zip(e.sends, th_sent):
            if s.to is not None:
                _assert_grad(s.grad, tg)
    for m, t in zip(mg_leaves, th_leaves):
        _assert_grad(m.grad, t.grad)
    return tr


def _assert_grad(g, tg):
    assert (g is None) == (tg is None)
    if g is not None:
        assert tuple(g.shape) == tuple(tg.shape)
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-10, atol=1e-12)


# ---- graphs with branches, shared subexpressions, tensors used twice ------------------------
rng = np.random.default_rng(0)
A23 = rng.standard_normal((2, 3))
B3 = rng.standard_normal(3)


def seed_program(lib, x):
    return (2 * x ** 2).sum()


def shared_subexpression(lib, x, w):
    a = x * w                     # used by three consumers
    b = a.exp()
    return (a * b + a.sin()).sum()


def used_twice(lib, x, w):
    z = x * x + x                 # x used three times, z twice
    return (z * z * w).mean()


def diamond_broadcast(lib, x, w):
    h = (x * w + w).tanh()        # w (3,) broadcast against x (2, 3)
    return (h.sum(0) * w).sum() + h.mean()


def mse_like_program_29(lib, w, b):
    x = lib.ones(2, 3, dtype=lib.float64)
    z = lib.matmul(x, w) + b
    return lib.nn.MSELoss()(z, lib.zeros(2, 3, dtype=lib.float64))


@pytest.mark.parametrize("build, leaves", [
    (seed_program, [np.array([10.0, 20.0])]),
    (shared_subexpression, [A23, B3]),
    (used_twice, [A23, B3]),
    (diamond_broadcast, [A23, B3]),
    (mse_like_program_29, [rng.standard_normal((3, 3)), B3]),
], ids=lambda v: getattr(v, "__name__", ""))
def test_order_and_gradients_match_torch(build, leaves):
    assert_trace_matches_torch(build, leaves)


def test_order_is_the_engines_on_a_branching_graph():
    """A node runs only after every consumer of its output has sent its gradient."""
    x, w = (minigrad.tensor(a, requires_grad=True) for a in (A23, B3))
    loss = shared_subexpression(minigrad, x, w)
    with minigrad.autograd.trace(verbose=False) as tr:
        loss.backward()
    ran = [e.node for e in tr.events]
    assert len(ran) == len(set(ran)), "every node runs exactly once"
    position = {n: i for i, n in enumerate(ran)}
    for n in ran:
        for nxt, _ in n.next_functions:
            if nxt is not None:
                assert position[nxt] > position[n]
    mul = loss.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
    # x * w feeds three consumers: its node receives their summed gradient, once
    assert type(mul).__name__ == "MulBackward0" and mul.next_functions[0][0] is not None
    a_event = next(e for e in tr.events if e.node is mul)
    expected = (np.exp(A23 * B3) * (1 + A23 * B3) + np.cos(A23 * B3))
    np.testing.assert_allclose(a_event.received[0].numpy(), expected, rtol=1e-12)


OPS = ["add", "mul", "sub", "exp", "sin", "tanh", "neg"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 100), st.integers(0, 100)),
                min_size=1, max_size=8))
def test_order_matches_torch_on_random_graphs(program):
    """Random DAGs over two leaves: values get reused, so branches and joins are common."""
    def build(lib, x, y):
        values = [x, y]
        for op, i, j in program:
            a, b = values[i % len(values)], values[j % len(values)]
            if op in ("add", "mul", "sub"):
                values.append(getattr(a, op)(b))
            else:
                values.append(getattr(a, op)())
        return (values[-1] * 0.5 + values[len(values) // 2]).sum()

    assert_trace_matches_torch(build, [A23 * 0.3, B3 * 0.3])


# ---- what is printed --------------------------------------------------------------------------
SEED_TRACE = """\
[1] SumBackward0  receives () tensor(1.)
      -> MulBackward0  (2,) tensor([1., 1.])
[2] MulBackward0  receives (2,) tensor([1., 1.])
      -> PowBackward0  (2,) tensor([2., 2.])
      -> None          (needs no grad)
[3] PowBackward0  receives (2,) tensor([2., 2.])
      -> AccumulateGrad  (2,) tensor([40., 80.])
[4] AccumulateGrad  receives (2,) tensor([40., 80.])
      -> x.grad  now (2,) tensor([40., 80.])
"""


def test_prints_the_seed_example(capsys):
    x = minigrad.tensor([10., 20.], requires_grad=True)
    y = 2 * x ** 2
    with minigrad.autograd.trace() as tr:
        y.sum().backward()
    assert capsys.readouterr().out == SEED_TRACE
    assert tr.text() + "\n" == SEED_TRACE
    assert [e.name for e in tr.events] == ["SumBackward0", "MulBackward0", "PowBackward0",
                                           "AccumulateGrad"]
    last = tr.events[-1]
    assert last.leaf == "x" and last.sends == []
    np.testing.assert_array_equal(last.leaf_grad.numpy(), [40., 80.])


def test_values_hidden_above_max_values_and_accumulation_shown(capsys):
    w = minigrad.ones(7, requires_grad=True)
    with minigrad.autograd.trace(max_values=6):
        (w * 3).sum().backward()
        (w * 3).sum().backward()           # a second backward accumulates into w.grad
    out = capsys.readouterr().out
    assert "-> MulBackward0  (7,)\n" in out
    assert out.count("-> w.grad  now (7,)") == 2
    with minigrad.autograd.trace(max_values=7, verbose=False) as tr:
        (w * 3).sum().backward()
    assert tr.events[-1].leaf_grad is w.grad
    assert "now (7,) tensor([9., 9., 9., 9., 9., 9., 9.])" in tr.text()


def test_leaf_names_from_modules_and_explicit_names():
    model = minigrad.nn.Linear(2, 1)
    x = minigrad.ones(4, 2)
    hidden = minigrad.tensor([1.5], requires_grad=True)
    with minigrad.autograd.trace(verbose=False, names={"h": hidden}) as tr:
        (model(x) * hidden).sum().backward()
    leaves = sorted(e.leaf for e in tr.events if e.leaf)
    assert leaves == ["h", "model.bias", "model.weight"]


def test_multi_output_node_receives_one_gradient_per_output():
    mg, th = pair(A23, requires_grad=True)
    mg_loss, th_loss = ((x.max(dim=1)[0] * 2).sum() for x in (mg, th))
    with minigrad.autograd.trace(verbose=False) as tr:
        mg_loss.backward()
    event = next(e for e in tr.events if e.name == "MaxBackward0")
    assert len(event.received) == 2 and event.received[1] is None
    th_order, th_grads = torch_run(th_loss)
    th_max = th_loss.grad_fn.next_functions[0][0].next_functions[0][0]
    assert type(th_max).__name__ == "MaxBackward0"
    _assert_grad(event.received[0], th_grads[th_max][0][0])
    _assert_grad(event.sends[0].grad, th_grads[th_max][1][0])
    assert "receives (2,) tensor([2., 2.], dtype=torch.float64) | None" in tr.text()


def test_tracer_is_removed_on_exit_even_after_an_error():
    x = minigrad.tensor([1., 2.], requires_grad=True)
    from minigrad.autograd import engine
    with pytest.raises(RuntimeError, match="second time"):
        with minigrad.autograd.trace(verbose=False) as tr:
            y = (x * x).sum()
            y.backward()
            y.backward()
    assert engine._tracers == []
    n = len(tr.events)
    (x * 2).sum().backward()
    assert len(tr.events) == n


def test_nested_tracers_both_record():
    x = minigrad.tensor([1., 2.], requires_grad=True)
    with minigrad.autograd.trace(verbose=False) as outer:
        with minigrad.autograd.trace(verbose=False) as inner:
            (x.exp()).sum().backward()
        (x * 2).sum().backward()
    assert [e.name for e in inner.events] == ["SumBackward0", "ExpBackward0", "AccumulateGrad"]
    assert [e.name for e in outer.events] == ["SumBackward0", "ExpBackward0", "AccumulateGrad",
                                              "SumBackward0", "MulBackward0", "AccumulateGrad"]


def test_autograd_grad_is_traced_too():
    x = minigrad.tensor([3.], requires_grad=True)
    with minigrad.autograd.trace(verbose=False) as tr:
        (g,) = minigrad.autograd.grad((x ** 3).sum(), x)
    assert [e.name for e in tr.events] == ["SumBackward0", "PowBackward0", "AccumulateGrad"]
    np.testing.assert_array_equal(tr.events[1].sends[0].grad.numpy(), g.numpy())
    assert x.grad is None and tr.events[-1].leaf_grad is None
    assert tr.text().endswith("-> x.grad  untouched (autograd.grad returns it)")
