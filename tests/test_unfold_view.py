"""``Tensor.unfold`` is a view, as in torch: it shares its input's memory and version counter,
writes go both ways, its grad_fn is UnfoldBackward0, and in-place ops on it (or on its base)
rebuild the graph as for any other view. Every behaviour is compared with torch here."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal, graph_signature, pair


def _both(array, fn, requires_grad=False):
    """fn(lib, x) on a minigrad and a torch copy of ``array``; returns ((mg x, out), (th ...))."""
    mg, th = pair(array, requires_grad)
    return (mg, fn(minigrad, mg)), (th, fn(torch, th))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=3), st.data())
def test_unfold_is_a_view_with_torchs_layout(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    size = data.draw(st.integers(1, shape[dim]))
    step = data.draw(st.integers(1, 3))
    array = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    (mx, mu), (tx, tu) = _both(array, lambda lib, x: x.unfold(dim, size, step))
    assert_tensor_equal(mu, tu)
    assert mu.stride() == tu.stride()
    assert mu.is_contiguous() == tu.is_contiguous()
    assert mu._base is mx and tu._base is tx
    assert np.shares_memory(mu.numpy(), mx.numpy())


def test_writes_are_seen_both_ways_and_versions_are_shared():
    for lib in (minigrad, torch):
        x = lib.arange(8.0)
        u = x.unfold(0, 2, 3)               # windows [0, 1], [3, 4], [6, 7]
        u[1, 0] = 50.0
        x[7] = -1.0
        u.mul_(2)                            # windows do not overlap: allowed
        assert x.tolist() == [0.0, 2.0, 2.0, 100.0, 8.0, 5.0, 12.0, -2.0], lib
        assert u.tolist() == [[0.0, 2.0], [100.0, 8.0], [12.0, -2.0]], lib
        assert x._version == u._version == 3, lib


def test_unfold_of_a_scalar_is_a_view():
    (mx, mu), (tx, tu) = _both(np.float64(3.0), lambda lib, x: x.unfold(0, 1, 1))
    assert_tensor_equal(mu, tu)
    assert mu._base is mx and tu._base is tx
    mu[0] = 4.0
    tu[0] = 4.0
    assert_tensor_equal(mx, tx)


@pytest.mark.parametrize("step", [1, 2, 3])
def test_gradient_and_graph_match_torch(step):
    rng = np.random.default_rng(step)
    array = rng.standard_normal((3, 7))
    weights = rng.standard_normal((3, (7 - 3) // step + 1, 3))
    (mx, mu), (tx, tu) = _both(array, lambda lib, x: (x * 2).unfold(1, 3, step), True)
    assert graph_signature(mu, 2) == graph_signature(tu, 2)
    (mu * minigrad.from_numpy(weights)).sum().backward()
    (tu * torch.from_numpy(weights)).sum().backward()
    assert_tensor_equal(mx.grad, tx.grad)


def test_in_place_on_the_view_and_on_its_base_match_torch():
    rng = np.random.default_rng(0)
    array = rng.standard_normal((4, 6))

    def run(lib, x):
        b = x * 1
        u = b.unfold(1, 2, 2)
        u.mul_(3)                     # through the view: CopySlices on b, AsStrided on u
        b.add_(1)                     # on the base: u's grad_fn is rebuilt
        return b, u

    (mx, (mb, mu)), (tx, (tb, tu)) = _both(array, run, True)
    for m, t in ((mb, tb), (mu, tu)):
        assert_tensor_equal(m, t)
        assert graph_signature(m, 1) == graph_signature(t, 1)
    (mu.sum() + (mb ** 2).sum()).backward()
    (tu.sum() + (tb ** 2).sum()).backward()
    assert_tensor_equal(mx.grad, tx.grad)


def test_overlapping_windows_read_like_torch_but_refuse_in_place_updates():
    (mx, mu), (tx, tu) = _both(np.arange(6.0), lambda lib, x: x.unfold(0, 3, 1))
    assert_tensor_equal(mu * 2, tu * 2)
    assert_tensor_equal(mu.sum(1), tu.sum(1))
    # torch adds 1 once per window holding an element; a single write per element here would
    # differ, so minigrad refuses instead of answering wrongly
    tu.add_(1)
    assert tx.tolist() == [1.0, 3.0, 5.0, 6.0, 6.0, 6.0]
    with pytest.raises(NotImplementedError, match="overlap in memory"):
        mu.add_(1)
    assert mx.tolist() == list(np.arange(6.0))


def test_errors_match_torch():
    assert_same_error(lambda: minigrad.ones(2, 3).unfold(1, 4, 1),
                      lambda: torch.ones(2, 3).unfold(1, 4, 1))
    assert_same_error(lambda: minigrad.ones(2, 3).unfold(1, 2, 0),
                      lambda: torch.ones(2, 3).unfold(1, 2, 0))
    assert_same_error(lambda: minigrad.ones(3).expand(2, 3).add_(1),
                      lambda: torch.ones(3).expand(2, 3).add_(1))
