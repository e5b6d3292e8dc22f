"""The splitting, stacking, combining and indexing functions of ops/split_more.py,
ops/combine_more.py and ops/index_more.py, and torch.frombuffer, against torch: values,
dtypes, grad_fn names (two levels deep: the composites' graphs are torch's), every input's
gradient over hypothesis-drawn shapes and arguments, float64 finite differences, errors."""
import array
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check
from more_functions_common import compare_call

FLOATS = st.sampled_from([np.float32, np.float64])
SEEDS = st.integers(0, 2**32 - 1)


def _same_error(call, *arrays):
    """call(lib, *tensors) raises the same error in both libraries."""
    assert_same_error(lambda: call(minigrad, *[minigrad.from_numpy(a.copy()) for a in arrays]),
                      lambda: call(torch, *[torch.from_numpy(a.copy()) for a in arrays]))


# ---- tensor_split and the h/v/d splits -------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), st.data(), FLOATS, SEEDS)
def test_tensor_split_pieces_and_gradients(shape, data, dtype, seed):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    how = data.draw(st.one_of(st.integers(1, 8),
                              st.lists(st.integers(-8, 8), max_size=4)), label="split")
    as_tensor = data.draw(st.booleans(), label="as tensor")

    def call(lib, t):
        spec = lib.tensor(how, dtype=lib.int64) if as_tensor else how
        return t.tensor_split(spec, dim) if isinstance(how, int) else \
            lib.tensor_split(t, spec, dim=dim)
    compare_call(call, [x], seed)


@pytest.mark.parametrize("name, shape, arg", [
    ("hsplit", (3, 4), 2), ("hsplit", (6,), 3), ("hsplit", (3, 4), [1, 2]),
    ("vsplit", (4, 3), 2), ("vsplit", (4, 3), [3]), ("dsplit", (2, 2, 4), 2),
    ("dsplit", (1, 2, 3), [1, 5])])
def test_directional_splits(name, shape, arg):
    x = np.random.default_rng(0).standard_normal(shape)
    compare_call(lambda lib, t: getattr(lib, name)(t, arg), [x])
    compare_call(lambda lib, t: getattr(t, name)(arg), [x])


@pytest.mark.parametrize("call, shape", [
    (lambda lib, x: lib.tensor_split(x, 0, 1), (3, 4)),
    (lambda lib, x: lib.tensor_split(x, 2), ()),
    (lambda lib, x: lib.tensor_split(x, 2, dim=2), (3, 4)),
    (lambda lib, x: lib.tensor_split(x, lib.tensor([[1]]), 1), (3, 4)),
    (lambda lib, x: lib.tensor_split(x, lib.tensor([1.0]), 1), (3, 4)),
    (lambda lib, x: lib.hsplit(x, 3), (3, 4)), (lambda lib, x: lib.hsplit(x, 1), ()),
    (lambda lib, x: lib.vsplit(x, 5), (5,)), (lambda lib, x: lib.dsplit(x, 2), (3, 4)),
    (lambda lib, x: lib.vsplit(x, 2), (3, 4)), (lambda lib, x: lib.hsplit(x, 0), (3, 4)),
])
def test_split_errors(call, shape):
    _same_error(call, np.zeros(shape, np.float32))


# ---- stacks, atleast_nd, broadcast_tensors -----------------------------------------------------
STACKS = {
    "column_stack": lambda lib, *ts: lib.column_stack(ts),
    "row_stack": lambda lib, *ts: lib.row_stack(list(ts)),
    "dstack": lambda lib, *ts: lib.dstack(ts),
    "atleast_1d": lambda lib, *ts: lib.atleast_1d(*ts),
    "atleast_2d": lambda lib, *ts: lib.atleast_2d(ts),
    "atleast_3d": lambda lib, *ts: lib.atleast_3d(*ts),
    "broadcast_tensors": lambda lib, *ts: lib.broadcast_tensors(*ts),
    "block_diag": lambda lib, *ts: lib.block_diag(*ts),
}


def _stackable_shapes(name, shape, count):
    """Shapes the op accepts: for the stacks, equal but for the joined dim."""
    if name == "column_stack":
        return [shape[:1] if i % 2 and len(shape) <= 2 else shape for i in range(count)]
    if name == "broadcast_tensors":
        return [shape[i % max(len(shape), 1):] for i in range(count)]
    if name == "block_diag":
        return [shape[:2][::(-1) ** i] for i in range(count)]
    return [shape] * count


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(STACKS)), hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
       st.integers(1, 3), FLOATS, SEEDS)
def test_stacks_values_graphs_and_gradients(name, shape, count, dtype, seed):
    rng = np.random.default_rng(seed)
    if name == "column_stack" and len(shape) > 2:
        shape = shape[:2]
    arrays = [np.asarray(rng.standard_normal(s)).astype(dtype)
              for s in _stackable_shapes(name, shape, count)]
    compare_call(STACKS[name], arrays, seed, depth=2)


def test_stacks_promote_and_return_inputs_unchanged():
    a, b = np.arange(6).reshape(2, 3), np.ones((2, 3), np.float32)
    for call in (lambda lib, x, y: lib.column_stack([x, y]), lambda lib, x, y: lib.dstack([x, y]),
                 lambda lib, x, y: lib.block_diag(x, y), lambda lib, x, y: lib.block_diag(),
                 lambda lib, x, y: lib.row_stack((x[0], y[1]))):
        got = call(minigrad, minigrad.from_numpy(a), minigrad.from_numpy(b))
        assert_tensor_equal(got, call(torch, torch.from_numpy(a), torch.from_numpy(b)))
    for lib in (minigrad, torch):
        x = lib.ones(2, 3)
        assert lib.atleast_2d(x) is x and lib.broadcast_tensors(x, lib.ones(3))[0] is x
        assert lib.atleast_1d() == () and lib.broadcast_tensors() == ()


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.column_stack([]), lambda lib, x: lib.column_stack(x),
    lambda lib, x: lib.column_stack([x, lib.ones(4)]), lambda lib, x: lib.dstack([]),
    lambda lib, x: lib.row_stack([x[0, 0], x[0]]), lambda lib, x: lib.atleast_2d([x, 1.0]),
    lambda lib, x: lib.broadcast_tensors(x, lib.ones(5)),
    lambda lib, x: lib.broadcast_tensors([x, x]),
    lambda lib, x: lib.block_diag(lib.ones(2, 2, 2)),
])
def test_stack_errors(call):
    _same_error(call, np.zeros((3, 4), np.float32))


# ---- cartesian_prod / combinations / vander --------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=3), st.integers(0, 4), st.booleans(),
       FLOATS, SEEDS)
def test_products_and_combinations(sizes, r, with_replacement, dtype, seed):
    rng = np.random.default_rng(seed)
    vectors = [rng.standard_normal(n).astype(dtype) for n in sizes]
    compare_call(lambda lib, *vs: lib.cartesian_prod(*vs), vectors, seed, depth=3)
    compare_call(lambda lib, v: lib.combinations(v, r, with_replacement), vectors[:1], seed,
                 depth=3)


def test_vander_values_graph_and_torchs_backward_error():
    x = np.array([2.0, -1.5, 0.5, 3.0], np.float32)
    for n in (None, 0, 1, 2, 5):
        for increasing in (False, True):
            compare_call(lambda lib, t, n=n, inc=increasing: lib.vander(t.detach(), n, inc), [x])
    for ints in (np.array([2, 3, -1]), np.array([True, False])):
        assert_tensor_equal(minigrad.vander(minigrad.from_numpy(ints), 4),
                            torch.vander(torch.from_numpy(ints), 4))
    _same_error(lambda lib, t: lib.vander(t.requires_grad_(), 4).sum().backward(), x)


# ---- take_along_dim / index helpers -----------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.data(), FLOATS, SEEDS)
def test_take_along_dim_broadcasts_and_wraps_indices(shape, data, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    dim = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)), label="dim")
    if dim is None:
        index = rng.integers(-x.size, x.size, data.draw(st.integers(0, 5), label="n"))
    else:
        index_shape = [data.draw(st.sampled_from([1, s]), label="bcast") for s in shape]
        index_shape[dim] = data.draw(st.integers(0, 5), label="picked")
        index = rng.integers(-3 * shape[dim], 3 * shape[dim], index_shape)
    if dim is None:
        index = index[index >= 0]      # torch refuses negative flat indices
    compare_call(lambda lib, t, i: lib.take_along_dim(t, i, dim), [x, index], seed, depth=2)


def test_index_helpers():
    for flat in (np.array(7), np.array([7, 5, -1, 12, 13, -13]), np.array([1], np.int32)):
        for shape in ((3, 4), (12,), 5, (2, 1, 3)):
            got = minigrad.unravel_index(minigrad.from_numpy(flat), shape)
            want = torch.unravel_index(torch.from_numpy(flat), shape)
            assert len(got) == len(want)
            for g, w in zip(got, want):
                assert_tensor_equal(g, w)
    for row, col, offset in [(3, 4, 0), (3, 4, 1), (3, 3, -1), (3, 3, 5), (0, 3, 0), (4, 2, -5)]:
        for name in ("tril_indices", "triu_indices"):
            assert_tensor_equal(getattr(minigrad, name)(row, col, offset),
                                getattr(torch, name)(row, col, offset))
    assert_tensor_equal(minigrad.triu_indices(3, 4, dtype=minigrad.int32),
                        torch.triu_indices(3, 4, dtype=torch.int32))


@pytest.mark.parametrize("call", [
    lambda lib: lib.take_along_dim(lib.ones(3, 4), lib.tensor([[0, 1]]).int(), 1),
    lambda lib: lib.take_along_dim(lib.ones(3, 4), lib.tensor([0, 1]), 1),
    lambda lib: lib.take_along_dim(lib.ones(3, 4), lib.tensor([[1], [2]]), 1),
    lambda lib: lib.take_along_dim(lib.ones(3, 4), lib.tensor([0, 13])),
    lambda lib: lib.take_along_dim(lib.ones(3, 4), lib.tensor([-1])),
    lambda lib: lib.unravel_index(lib.tensor(1.0), (3, 4)),
    lambda lib: lib.unravel_index(lib.tensor(1), (3, -4)),
    lambda lib: lib.tril_indices(-1, 3), lambda lib: lib.triu_indices(3, -2),
    lambda lib: lib.triu_indices(3, 4, dtype=lib.float32),
    lambda lib: lib.cartesian_prod(lib.ones(3, 4)), lambda lib: lib.cartesian_prod(),
    lambda lib: lib.cartesian_prod(lib.ones(2), lib.ones(2, dtype=lib.float64)),
    lambda lib: lib.combinations(lib.ones(3, 4)), lambda lib: lib.combinations(lib.ones(3), -1),
    lambda lib: lib.vander(lib.ones(3, 4)), lambda lib: lib.vander(lib.ones(3), -1),
])
def test_combining_errors(call):
    assert_same_error(lambda: call(minigrad), lambda: call(torch))


# ---- index_copy / masked_scatter -------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.data(), FLOATS, SEEDS)
def test_index_copy_and_masked_scatter(shape, data, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    index = rng.permutation(shape[dim])[:data.draw(st.integers(0, shape[dim]), label="n")]
    source_shape = list(shape)
    source_shape[dim] = len(index)
    source = rng.standard_normal(source_shape).astype(dtype)
    compare_call(lambda lib, t, i, s: lib.index_copy(t, dim, i, s), [x, index, source], seed)
    compare_call(lambda lib, t, i, s: t.clone().index_copy_(dim, i, s), [x, index, source],
                 seed)
    mask = rng.random(shape[data.draw(st.integers(0, len(shape)), label="mask dims"):]) < 0.5
    extra = data.draw(st.integers(0, 3), label="extra source elements")
    source = rng.standard_normal(int(np.broadcast_to(mask, shape).sum()) + extra).astype(dtype)
    compare_call(lambda lib, t, m, s: lib.masked_scatter(t, m, s), [x, mask, source], seed)
    compare_call(lambda lib, t, m, s: t.clone().masked_scatter_(m, s), [x, mask, source], seed)


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.index_copy(x, 0, lib.tensor([2, 0]).int(), x[:2]),
    lambda lib, x: lib.index_copy(x, 0, lib.tensor([5, 0]), x[:2]),
    lambda lib, x: lib.index_copy(x, 0, lib.tensor([-1, 0]), x[:2]),
    lambda lib, x: lib.index_copy(x, 0, lib.tensor([2, 0, 1]), x[:2]),
    lambda lib, x: lib.index_copy(x, 0, lib.tensor([[2, 0]]), x[:2]),
    lambda lib, x: lib.index_copy(x, 0, lib.tensor([2, 0]), x[:2].double()),
    lambda lib, x: lib.index_copy(x, 0, lib.tensor([2, 0]), x[:2, :3]),
    lambda lib, x: lib.index_copy(x, 0, lib.tensor([1]), x[0]),
    lambda lib, x: lib.masked_scatter(x, x > 0, lib.ones(1)),
    lambda lib, x: lib.masked_scatter(x, (x > 0).int(), x),
    lambda lib, x: lib.masked_scatter(x, x > 0, x.double()),
])
def test_index_copy_and_masked_scatter_errors(call):
    _same_error(call, np.arange(12, dtype=np.float32).reshape(3, 4) - 5)


def test_shape_ops_fd_gradcheck():
    rng = np.random.default_rng(9)
    a, b, v = rng.standard_normal((2, 3)), rng.standard_normal(2), rng.standard_normal(3)
    fd_check(lambda x, y: minigrad.block_diag(x, y, x.t()), [a, b])
    fd_check(lambda x, y: minigrad.cartesian_prod(x, y), [b, v])
    fd_check(lambda x: minigrad.combinations(x, 2, True), [v])
    idx = minigrad.tensor([[2], [0]])
    fd_check(lambda x: minigrad.take_along_dim(x, idx, 1), [a])
    fd_check(lambda x, s: minigrad.index_copy(x, 1, minigrad.tensor([2, 0]), s),
             [a, rng.standard_normal((2, 2))])
    fd_check(lambda x, s: minigrad.masked_scatter(x, minigrad.tensor([True, False, True]), s),
             [a, rng.standard_normal(5)])


# ---- frombuffer ---------------------------------------------------------------------------------
def test_frombuffer_shares_memory_and_reads_like_torch():
    raw = np.arange(6, dtype=np.float32).tobytes()
    for kwargs in [dict(dtype="float32"), dict(dtype="float32", count=2, offset=8),
                   dict(dtype="int16"), dict(dtype="uint8", offset=3)]:
        got = minigrad.frombuffer(bytearray(raw), **{**kwargs, "dtype": getattr(
            minigrad, kwargs["dtype"])})
        want = torch.frombuffer(bytearray(raw), **{**kwargs, "dtype": getattr(
            torch, kwargs["dtype"])})
        assert_tensor_equal(got, want)
    buffer = array.array("f", [1.0, 2.0, 3.0])
    t = minigrad.frombuffer(buffer, dtype=minigrad.float32)
    t.mul_(2)
    assert list(buffer) == [2.0, 4.0, 6.0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        minigrad.frombuffer(b"\x01\x02", dtype=minigrad.uint8)
    assert "not writable" in str(caught[0].message)


@pytest.mark.parametrize("kwargs", [dict(count=3), dict(offset=9), dict(offset=1, dt="float64"),
                                    dict(count=0), dict(empty=True), dict(list=True)])
def test_frombuffer_errors(kwargs):
    def call(lib):
        args = dict(kwargs)
        dt = getattr(lib, args.pop("dt", "float32"))
        buffer = bytearray(8) if not args.pop("empty", False) else bytearray()
        if args.pop("list", False):
            buffer = [1, 2]
        return lib.frombuffer(buffer, dtype=dt, **args)
    assert_same_error(lambda: call(minigrad), lambda: call(torch))
