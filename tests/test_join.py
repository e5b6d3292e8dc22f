"""Joining and splitting (minigrad/ops/join.py) against torch: cat/stack/hstack/vstack (values,
promoted dtypes, gradients of every input), split/chunk/unbind (views sharing memory, output
numbers, gradients when only some pieces are used), torch's errors; hypothesis draws shapes,
dims and split sizes; a float64 finite-difference check.
"""
import numpy as np
import pytest
import torch
from helpers import fd_check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_shape import both_raise, randn, run_both

import minigrad

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---- cat / stack ---------------------------------------------------------------------------------
JOIN = {
    "cat_dims": lambda lib, a, b: (lib.cat([a, b], 0), lib.cat((a, b), dim=-1),
                                   lib.cat([a[:, :1], b], 1)),
    "cat_three": lambda lib, a, b: lib.cat([a, b, a * 2], dim=2),
    "cat_one": lambda lib, a, b: lib.cat([a]),
    "aliases": lambda lib, a, b: (lib.concat([a, b], 1), lib.concatenate([a, b], axis=2)),
    "cat_skips_legacy_empty": lambda lib, a, b: (lib.cat([a, lib.zeros(0)], 1),
                                                 lib.cat([lib.tensor([]), a[0, 0]])),
    "cat_all_empty": lambda lib, a, b: lib.cat([lib.zeros(0), lib.zeros(0)]),
    "cat_empty_rows": lambda lib, a, b: lib.cat([a[:0], b]),
    "stack": lambda lib, a, b: (lib.stack([a, b]), lib.stack((a, b), dim=1),
                                lib.stack([a, b], dim=3), lib.stack([a, b], -1)),
    "stack_0d": lambda lib, a, b: lib.stack([a[0, 0, 0], b[1, 1, 1]]),
    "hstack": lambda lib, a, b: (lib.hstack([a, b]), lib.hstack([a[0, 0], b[0, 0]]),
                                 lib.hstack([a[0, 0, 0], b[0, 0]])),
    "vstack": lambda lib, a, b: (lib.vstack([a, b]), lib.vstack([a[0, 0], b[0, 0]]),
                                 lib.vstack([a[0, 0, 0], b[0, 0, 0]]), lib.vstack([a[0], b[1]])),
}


@pytest.mark.parametrize("name", list(JOIN))
def test_join_matches_torch(name):
    run_both(JOIN[name], randn(2, 3, 4), randn(2, 3, 4, seed=1), depth=2)


@pytest.mark.parametrize("dtypes", [("int64", "float32"), ("int32", "float64"), ("bool", "int32"),
                                    ("float32", "float64"), ("uint8", "int8")])
def test_cat_and_stack_promote(dtypes):
    a = (np.arange(6).reshape(2, 3) % 2).astype(dtypes[0])
    b = (np.arange(6).reshape(2, 3) + 1).astype(dtypes[1])
    run_both(lambda lib, x, y: (lib.cat([x, y]), lib.stack([x, y], 1), lib.cat([x, y], 1)), a, b)


def test_cat_promotes_with_a_skipped_empty_tensor():
    run_both(lambda lib, x: lib.cat([x, lib.tensor([])]), np.array([1, 2]))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3), data=st.data())
def test_drawn_cat_and_stack(shape, data):
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    n = data.draw(st.integers(1, 3))
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    arrays = []
    for i, size in enumerate(sizes):
        s = list(shape)
        s[dim] = size
        arrays.append(randn(*s, seed=i))
    run_both(lambda lib, *ts: lib.cat(ts, dim), *arrays)
    sdim = data.draw(st.integers(-nd - 1, nd))
    run_both(lambda lib, *ts: lib.stack(ts, sdim), *[randn(*shape, seed=i) for i in range(n)])


JOIN_ERRORS = {
    "cat_size": lambda lib, a: lib.cat([a, lib.zeros(1, 2, 4, dtype=lib.int64)], dim=0),
    "cat_ndim": lambda lib, a: lib.cat([a, lib.zeros(2, 3, dtype=lib.int64)], dim=0),
    "cat_ndim_1d": lambda lib, a: lib.cat([a[0], lib.zeros(2)]),
    "cat_dim": lambda lib, a: lib.cat([a, a], dim=3),
    "cat_empty_list": lambda lib, a: lib.cat([]),
    "cat_tensor_not_list": lambda lib, a: lib.cat(a, a),
    "cat_zero_dim": lambda lib, a: lib.cat([a[0, 0, 0]]),
    "cat_not_a_tensor": lambda lib, a: lib.cat([a, 1]),
    "cat_dim_with_empty": lambda lib, a: lib.cat([a[0], lib.zeros(0)], dim=5),
    "stack_size": lambda lib, a: lib.stack([a[0], lib.zeros(2, 4, dtype=lib.int64)]),
    "stack_dim": lambda lib, a: lib.stack([a[0], a[0]], dim=3),
    "stack_empty": lambda lib, a: lib.stack([]),
    "stack_tensor": lambda lib, a: lib.stack(a),
    "split_zero": lambda lib, a: a.split(0),
    "split_negative": lambda lib, a: a.split(-1),
    "split_sizes_sum": lambda lib, a: a.split([1, 3], 1),
    "split_sizes_negative": lambda lib, a: a[0].split([1, 1, -1], 1),
    "split_dim": lambda lib, a: a.split(1, 3),
    "chunk_zero": lambda lib, a: a.chunk(0),
    "unbind_dim": lambda lib, a: a.unbind(3),
}


@pytest.mark.parametrize("name", list(JOIN_ERRORS))
def test_join_errors_match_torch(name):
    both_raise(JOIN_ERRORS[name], np.arange(12).reshape(1, 3, 4) * np.ones((2, 1, 1), np.int64))


# ---- split / chunk / unbind ----------------------------------------------------------------------
PIECES = {
    "split_even": lambda lib, x: x.split(2),
    "split_uneven": lambda lib, x: lib.split(x, 3, dim=2),
    "split_whole": lambda lib, x: x.split(5, 1),
    "split_sizes": lambda lib, x: x.split([1, 3, 0], dim=-1),
    "split_sizes_fn": lambda lib, x: lib.split(x, (2, 1), 1),
    "chunk": lambda lib, x: (x.chunk(2), lib.chunk(x, 3, dim=2), x.chunk(4, 2), x.chunk(10, 1)),
    "unbind": lambda lib, x: (x.unbind(), lib.unbind(x, 2), x.unbind(-2)),
    "iterate": lambda lib, x: tuple(x),
    "empty_dim": lambda lib, x: (x[:, :0].split(2, 1), x[:, :0].chunk(2, 1)),
    "noncontiguous": lambda lib, x: x.transpose(0, 2).split(2, 1),
}


@pytest.mark.parametrize("name", list(PIECES))
def test_pieces_are_views_with_torch_grads(name):
    run_both(PIECES[name], randn(2, 3, 4), depth=1)


@pytest.mark.parametrize("name", ["split_even", "split_sizes", "chunk", "unbind", "iterate"])
def test_gradient_when_only_some_pieces_are_used(name):
    def fn(lib, x):
        pieces = PIECES[name](lib, x)
        pieces = [p for group in pieces for p in (group if isinstance(group, tuple) else (group,))]
        return pieces[-1] * 3 + 1
    run_both(fn, randn(2, 3, 4), depth=2)


def test_output_numbers_and_shared_memory():
    x = minigrad.tensor(randn(3, 4), requires_grad=True)
    pieces = x.split(1)
    assert [p.output_nr for p in pieces] == [0, 1, 2]
    assert all(p.grad_fn is pieces[0].grad_fn for p in pieces)
    base = minigrad.zeros(2, 4)
    a, b = base.chunk(2, 1)
    b.add_(3)
    assert base[:, 2:].sum().item() == 12 and a.sum().item() == 0
    assert base._version == a._version == 1


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5), data=st.data())
def test_drawn_split_and_chunk(shape, data):
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    size = shape[dim]
    cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=3)))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [size])]
    n = data.draw(st.integers(1, size + 1))
    k = data.draw(st.integers(1, size + 2))
    run_both(lambda lib, x: (x.split(n, dim), x.split(sizes, dim), x.chunk(k, dim)),
             randn(*shape), depth=1)


# ---- finite differences --------------------------------------------------------------------------
def test_finite_differences_through_join_and_split():
    def fn(a, b):
        parts = minigrad.cat([a, b * 2, a], 1).split([2, 3, 3], 1)
        x = minigrad.stack([parts[0], parts[2][:, 1:]], 2)
        rows = x.unbind(0)
        return minigrad.vstack([rows[1] * rows[0], minigrad.hstack(b.chunk(3, 1))[:1]])
    fd_check(fn, [randn(2, 3, dtype=np.float64), randn(2, 2, dtype=np.float64, seed=1)])


# ---- in-place writes into the pieces (torch's MULTI_OUTPUT_NODE views) -------------------------
def _leaf(lib):
    return lib.tensor(randn(2, 3).tolist(), requires_grad=True)


def _then_read_grad_fn(modify):
    def run(lib):
        y = _leaf(lib) * 1
        pieces = y.split(1)
        modify(lib, y, pieces)
        return pieces[1].grad_fn
    return run


def _no_grad(lib, fn):
    with lib.no_grad():
        fn()


MULTI_OUTPUT_WRITES = {
    "leaf_piece": lambda lib: _leaf(lib).split(1)[0].add_(1),
    "view_of_leaf_piece": lambda lib: _leaf(lib).split(1)[0][0].add_(1),
    "split": lambda lib: (_leaf(lib) * 1).split(1)[1].add_(1),
    "split_with_sizes": lambda lib: (_leaf(lib) * 1).split([1, 1])[1].mul_(2),
    "chunk": lambda lib: (_leaf(lib) * 1).chunk(2, 1)[1].exp_(),
    "unbind": lambda lib: (_leaf(lib) * 1).unbind(1)[2].zero_(),
    "transpose_of_piece": lambda lib: (_leaf(lib) * 1).split(1)[1].t().add_(1),
    "setitem_piece": lambda lib: (_leaf(lib) * 1).unbind(0)[0].__setitem__(0, 5.0),
    "base_without_grad": lambda lib: lib.ones(2, 2).split(1)[1].mul_(_leaf(lib)[0, :2]),
    "base_modified": _then_read_grad_fn(lambda lib, y, p: y.add_(1)),
    "sibling_modified_no_grad": _then_read_grad_fn(lambda lib, y, p: _no_grad(
        lib, lambda: p[0].mul_(2))),
    "piece_modified_no_grad": _then_read_grad_fn(lambda lib, y, p: _no_grad(
        lib, lambda: p[1].mul_(2))),
    "base_setitem_then_use": lambda lib: _then_read_grad_fn(
        lambda lib, y, p: y.__setitem__(0, 1.0))(lib) and None,
}


@pytest.mark.parametrize("case", sorted(MULTI_OUTPUT_WRITES))
def test_writing_into_pieces_raises_like_torch(case):
    both_raise(lambda lib: MULTI_OUTPUT_WRITES[case](lib))


def test_writing_into_pieces_allowed_without_grad():
    def run(lib):
        y = _leaf(lib) * 1
        with lib.no_grad():
            pieces = y.split(1)
            pieces[0].mul_(2)
        plain = lib.ones(2, 2).unbind(0)
        plain[1].add_(3)
        return [y.detach(), plain[1], lib.tensor(plain[0]._version)]
    for got, expected in zip(run(minigrad), run(torch)):
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
