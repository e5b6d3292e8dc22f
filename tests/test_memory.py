"""Memory: backward frees what the graph saved (unless retain_graph), graphs make no reference
cycles (plain reference counting frees them), a long training loop stays flat, and very deep
graphs run backward and are freed without recursion."""
import gc
import os
import tracemalloc
import weakref

import numpy as np
import pytest

import minigrad
from minigrad.autograd import Node


def _saved_output_ref(retain_graph):
    x = minigrad.tensor([0.1, 0.2, 0.3], requires_grad=True)
    h = x.exp()                      # ExpBackward0 saves its output
    ref = weakref.ref(h._data)
    loss = (h * 2.0).sum()
    del h
    loss.backward(retain_graph=retain_graph)
    return ref, loss


@pytest.fixture
def no_gc():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_backward_frees_saved_tensors(no_gc):
    ref, loss = _saved_output_ref(retain_graph=False)
    assert loss.grad_fn is not None       # the graph is still reachable...
    assert ref() is None                  # ...but what it saved is gone


def test_retain_graph_keeps_saved_tensors(no_gc):
    ref, loss = _saved_output_ref(retain_graph=True)
    assert ref() is not None
    del loss                              # dropping the graph frees them (no cycle)
    assert ref() is None


def _step(params, x, y, lr=0.1):
    w, b = params
    pred = (x @ w + b).tanh()
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with minigrad.no_grad():
        for p in params:
            p.sub_(p.grad * lr)
            p.grad = None
    return loss.item()


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = minigrad.tensor(rng.standard_normal((8, 3)).tolist())
    y = minigrad.tensor(rng.standard_normal((8, 2)).tolist())
    w = minigrad.tensor(rng.standard_normal((3, 2)).tolist(), requires_grad=True)
    b = minigrad.zeros(2, requires_grad=True)
    return (w, b), x, y


def test_training_step_creates_no_reference_cycles(no_gc):
    params, x, y = _data()
    _step(params, x, y)
    gc.collect()
    for _ in range(20):
        _step(params, x, y)
    assert gc.collect() == 0


def test_graph_nodes_freed_by_reference_counting(no_gc):
    params, x, y = _data()
    w, b = params
    loss = ((x @ w + b).sigmoid() * y).sum()
    node = weakref.ref(loss.grad_fn)
    acc = weakref.ref(loss.grad_fn.next_functions[0][0])
    loss.backward()
    del loss
    assert node() is None and acc() is None


def test_inplace_and_view_graphs_make_no_cycles(no_gc):
    params, x, y = _data()
    w, b = params
    for _ in range(5):
        h = x @ w
        h.add_(1)
        h[:, 0].mul_(2)
        h.t()[1].exp_()
        (h * y).sum().backward()
    del h
    assert gc.collect() == 0


def _live_graph_objects():
    """Tensors and graph nodes alive right now (both are tracked by the garbage collector)."""
    gc.collect()
    return sum(isinstance(o, (minigrad.Tensor, Node)) for o in gc.get_objects())


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_10000_step_training_loop_memory_is_flat():
    params, x, y = _data()
    for _ in range(1000):
        _step(params, x, y)
    objects, rss = _live_graph_objects(), _rss_bytes()
    tracemalloc.start()
    try:
        for _ in range(200):
            _step(params, x, y)
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            _step(params, x, y)
        gc.collect()
        traced_growth = tracemalloc.get_traced_memory()[0] - traced
    finally:
        tracemalloc.stop()
    for _ in range(8600):
        _step(params, x, y)
    assert _live_graph_objects() == objects
    assert _rss_bytes() - rss < 4 * 2**20
    assert traced_growth < 16 * 1024, f"grew by {traced_growth} bytes over 200 steps"


def test_100k_deep_graph_backward_and_release():
    x = minigrad.tensor([2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    root = weakref.ref(y.grad_fn)
    y.backward()
    assert x.grad.tolist() == [2.0 / 2.0]
    del y                                  # freeing 100k chained nodes must not recurse
    assert root() is None
