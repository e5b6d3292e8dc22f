"""The backward engine against torch: accumulation, retain_graph, inputs=, autograd.grad and its
errors, retain_grad, next_functions, node hooks, execution order, very deep graphs."""
import warnings

import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_same_error, assert_tensor_equal, graph_signature

RNG = np.random.default_rng(0)
X = RNG.standard_normal(3).astype(np.float32)
W = RNG.standard_normal(3).astype(np.float32)


def leaves(lib, *arrays):
    return [lib.tensor(a.tolist(), dtype=lib.float32, requires_grad=True) for a in arrays]


def graph(lib):
    """x, w leaves; y = x * w (non-leaf); z = sum(sin(y) * y) (scalar)."""
    x, w = leaves(lib, X, W)
    y = x * w
    z = (y.sin() * y).sum()
    return x, w, y, z


def compare(fn):
    """Run fn(torch) and fn(minigrad); compare the returned (nested) values."""
    expected = fn(torch)
    got = fn(minigrad)
    _compare(got, expected)


def _compare(got, expected):
    if isinstance(expected, torch.Tensor):
        assert_tensor_equal(got, expected)
    elif isinstance(expected, (tuple, list)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            _compare(g, e)
    else:
        assert got == expected


# ---- accumulation and retain_graph --------------------------------------------------------------
def test_grad_accumulates_in_place_across_backward_calls():
    def run(lib):
        x, w, y, z = graph(lib)
        z.backward(retain_graph=True)
        first = x.grad
        first_copy = x.grad.clone()
        z.backward()
        return first_copy, x.grad, w.grad, first is x.grad
    compare(run)


def test_second_backward_without_retain_graph_fails():
    def run(lib):
        x, w, y, z = graph(lib)
        z.backward()
        z.backward()
    assert_same_error(lambda: run(minigrad), lambda: run(torch))


def test_autograd_grad_also_frees_the_graph():
    def run(lib):
        x, w, y, z = graph(lib)
        lib.autograd.grad(z, x)
        lib.autograd.grad(z, x)
    assert_same_error(lambda: run(minigrad), lambda: run(torch))


def test_graph_without_saved_tensors_can_be_replayed():
    def run(lib):
        x, = leaves(lib, X)
        y = (x + 1) - 2
        y.backward(lib.ones(3))
        y.backward(lib.ones(3))
        return x.grad
    compare(run)


def test_backward_of_a_leaf_itself():
    def run(lib):
        x, = leaves(lib, X)
        x.backward(lib.tensor([1.0, 2.0, 3.0]))
        return x.grad
    compare(run)


# ---- backward(inputs=...) ------------------------------------------------------------------------
def test_backward_inputs_limits_accumulation():
    def run(lib):
        x, w, y, z = graph(lib)
        z.backward(inputs=[x], retain_graph=True)
        after_x = (x.grad.clone(), w.grad)
        z.backward(inputs=w)
        return after_x, x.grad, w.grad
    compare(run)


def test_backward_inputs_non_leaf_gets_grad():
    def run(lib):
        x, w, y, z = graph(lib)
        z.backward(inputs=[y])
        return y.grad, y.retains_grad, x.grad, w.grad
    compare(run)


def test_backward_inputs_unused_leaf_stays_none():
    def run(lib):
        x, w, y, z = graph(lib)
        u, = leaves(lib, X)
        z.backward(inputs=[u, x])
        return u.grad, x.grad
    compare(run)


def test_backward_empty_inputs_error():
    def run(lib):
        x, w, y, z = graph(lib)
        z.backward(inputs=[])
    assert_same_error(lambda: run(minigrad), lambda: run(torch))


# ---- autograd.backward with several roots --------------------------------------------------------
def test_autograd_backward_several_roots():
    g = RNG.standard_normal(3).astype(np.float32)

    def run(lib):
        x, w, y, z = graph(lib)
        lib.autograd.backward([z, y], [None, lib.tensor(g.tolist())])
        return x.grad, w.grad
    compare(run)


@pytest.mark.parametrize("case", ["no_grad_root", "second_root_no_grad", "non_scalar",
                                  "shape_mismatch", "both_grad_args"])
def test_autograd_backward_errors(case):
    def run(lib):
        x, w, y, z = graph(lib)
        if case == "no_grad_root":
            lib.tensor(1.0).backward()
        elif case == "second_root_no_grad":
            lib.autograd.backward([z, lib.tensor(1.0)])
        elif case == "non_scalar":
            y.backward()
        elif case == "shape_mismatch":
            z.backward(lib.ones(3))
        else:
            lib.autograd.backward(z, lib.tensor(1.0), grad_variables=lib.tensor(1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(lambda: run(minigrad), lambda: run(torch))


# ---- autograd.grad -------------------------------------------------------------------------------
def test_grad_values_and_grad_outputs():
    g = RNG.standard_normal(3).astype(np.float32)

    def run(lib):
        x, w, y, z = graph(lib)
        gx, gw = lib.autograd.grad(z, [x, w], retain_graph=True)
        gy, = lib.autograd.grad(y, x, lib.tensor(g.tolist()), retain_graph=True)
        g64, = lib.autograd.grad(y, x, lib.ones(3, dtype=lib.float64), retain_graph=True)
        both = lib.autograd.grad([z, y], [w], [None, lib.tensor(g.tolist())])
        return gx, gw, gy, g64, both, x.grad, gx.requires_grad, gx.is_leaf
    compare(run)


def test_grad_wrt_non_leaf():
    def run(lib):
        x, w, y, z = graph(lib)
        return lib.autograd.grad(z, y)
    compare(run)


def test_grad_create_graph_result_requires_grad():
    def run(lib):
        x, w, y, z = graph(lib)
        gx, = lib.autograd.grad(z, x, create_graph=True)
        return gx, gx.requires_grad, type(gx.grad_fn).__name__ if gx.grad_fn else None
    expected = run(torch)
    got = run(minigrad)
    assert_tensor_equal(got[0], expected[0])
    assert got[1] is True and expected[1] is True
    assert got[2] is not None and expected[2] is not None


def test_grad_allow_unused_and_materialize():
    def run(lib):
        x, w, y, z = graph(lib)
        u, = leaves(lib, X)
        a = lib.autograd.grad(z, [x, u], retain_graph=True, allow_unused=True)
        b = lib.autograd.grad(z, [u, x], retain_graph=True, materialize_grads=True)
        c = lib.autograd.grad(z, [u], create_graph=True, materialize_grads=True)
        return a, b, c, c[0].requires_grad
    compare(run)


@pytest.mark.parametrize("case", ["unused", "input_no_grad", "empty_inputs", "count_mismatch",
                                  "shape_mismatch", "materialize_not_unused",
                                  "output_no_grad", "non_scalar"])
def test_grad_errors(case):
    def run(lib):
        x, w, y, z = graph(lib)
        u, = leaves(lib, X)
        if case == "unused":
            lib.autograd.grad(z, [x, u])
        elif case == "input_no_grad":
            lib.autograd.grad(z, [x, lib.ones(3)])
        elif case == "empty_inputs":
            lib.autograd.grad(z, [])
        elif case == "count_mismatch":
            lib.autograd.grad([z, z], [x], [lib.tensor(1.0)])
        elif case == "shape_mismatch":
            lib.autograd.grad(z, [x], [lib.ones(2)])
        elif case == "materialize_not_unused":
            lib.autograd.grad(z, [x], allow_unused=False, materialize_grads=True)
        elif case == "output_no_grad":
            lib.autograd.grad([z, lib.ones(1)], [x])
        else:
            lib.autograd.grad(y, x)
    assert_same_error(lambda: run(minigrad), lambda: run(torch))


# ---- .grad of non-leaves, retain_grad ------------------------------------------------------------
def _warning_messages(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn()
    return value, [str(w.message).split(" (Triggered internally")[0] for w in caught]


def test_non_leaf_grad_warns_like_torch():
    def run(lib):
        x, w, y, z = graph(lib)
        z.backward()
        return _warning_messages(lambda: y.grad)
    (mg_value, mg_msgs), (th_value, th_msgs) = run(minigrad), run(torch)
    assert mg_value is None and th_value is None
    assert mg_msgs == th_msgs and len(th_msgs) == 1


def test_retain_grad_values_and_accumulation():
    def run(lib):
        x, w, y, z = graph(lib)
        y.retain_grad()
        z.backward(retain_graph=True)
        first = y.grad.clone()
        z.backward()
        _, msgs = _warning_messages(lambda: y.grad)
        return first, y.grad, y.retains_grad, y.is_leaf, msgs, x.retains_grad
    compare(run)


def test_retain_grad_sees_hook_modified_gradient():
    def run(lib):
        x, w, y, z = graph(lib)
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
        z.backward()
        return y.grad, x.grad
    compare(run)


def test_retain_grad_error_without_requires_grad():
    assert_same_error(lambda: minigrad.ones(2).retain_grad(),
                      lambda: torch.ones(2).retain_grad())


# ---- graph structure -----------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    lambda x, w: x * w,
    lambda x, w: (x * 2 + 1).sin(),
    lambda x, w: (x - w).exp().sum(),
    lambda x, w: 1 - x.pow(2),
    lambda x, w: x.tanh() / w,
    lambda x, w: (x * x).mean(),
])
def test_next_functions_structure(expr):
    def run(lib):
        x, w = leaves(lib, X, W)
        return graph_signature(expr(x, w), depth=3)
    assert run(minigrad) == run(torch)


def test_accumulate_grad_node():
    def run(lib):
        x, w = leaves(lib, X, W)
        y = x * w
        acc = y.grad_fn.next_functions[0][0]
        again = (x + 1).grad_fn.next_functions[0][0]
        return (type(acc).__name__, acc.name(), acc.variable is x, acc.next_functions,
                acc is again, y.grad_fn.name())
    compare(run)


def test_node_repr_format():
    x = minigrad.ones(2, requires_grad=True)
    node = (x * 2).grad_fn
    assert repr(node) == f"<MulBackward0 object at {id(node):#x}>"


# ---- hooks on nodes ------------------------------------------------------------------------------
def test_node_hook_and_prehook():
    def run(lib):
        x, w, y, z = graph(lib)
        seen = []
        y.grad_fn.register_prehook(lambda gout: seen.append(("pre", gout[0].clone())))
        y.grad_fn.register_hook(
            lambda gin, gout: seen.append(("post", gin[0].clone(), gin[1].clone())))
        z.grad_fn.register_prehook(lambda gout: (gout[0] * 3,))
        z.backward()
        return seen, x.grad, w.grad
    compare(run)


def test_node_hook_replaces_input_gradients():
    def run(lib):
        x, w, y, z = graph(lib)
        y.grad_fn.register_hook(lambda gin, gout: (gin[0] * 0 + 1, None))
        z.backward()
        return x.grad, w.grad
    compare(run)


def test_node_hook_handle_remove():
    def run(lib):
        x, w, y, z = graph(lib)
        h = y.grad_fn.register_prehook(lambda gout: (gout[0] * 100,))
        h.remove()
        z.backward()
        return x.grad
    compare(run)


# ---- execution order -----------------------------------------------------------------------------
def _order(lib):
    """Names of the nodes in the order the engine runs them, on a graph with shared inputs."""
    x, w = leaves(lib, X, W)
    a = x * w
    b = a.exp()
    c = a.sin()
    d = x.cos()
    e = (b * c + d).sum() + (a * d).sum()
    order = []
    stack = [e.grad_fn]
    seen = set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        node.register_prehook(lambda g, n=node: order.append(n.name()))
        stack.extend(n for n, _ in node.next_functions)
    e.backward()
    return order


def test_execution_order_matches_torch():
    assert _order(minigrad) == _order(torch)


# ---- deep graphs ---------------------------------------------------------------------------------
def test_100k_op_chain_backward():
    x = minigrad.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_deep_chain_autograd_grad():
    x = minigrad.tensor([0.5], dtype=minigrad.float64, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + x * 1e-4
    g, = minigrad.autograd.grad(y.sum(), x)
    np.testing.assert_allclose(g.numpy(), [1 + 20_000 * 1e-4], rtol=1e-10)
