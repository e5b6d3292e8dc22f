"""Indexing (minigrad/ops/indexing.py) against torch: ``t[...]`` with every kind of index (values,
grad_fn chains, views vs copies, gradients with repeated indices), ``t[...] = v`` (values,
CopySlices / IndexPutBackward0, gradients to the base and to v), the gather/scatter family, and
torch's errors; hypothesis draws shapes and mixed indices; a float64 finite-difference check.
"""
import warnings

import numpy as np
import pytest
import torch
from helpers import assert_same_error, assert_tensor_equal, fd_check, pair
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_shape import both_raise, compare_or_error, randn, run_both

import minigrad

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
X = randn(3, 4, 5)
LONG = "long tensor"


def T(lib, data, dtype=None):
    """An index tensor built with ``lib``."""
    return lib.tensor(data, dtype=dtype)


# ---- t[index]: fixed cases -----------------------------------------------------------------------
GETITEM = {
    "int": lambda lib, x: x[0],
    "neg_int": lambda lib, x: x[-1, -2],
    "int_slice": lambda lib, x: x[0, 1:3],
    "column": lambda lib, x: x[:, 0],
    "slice": lambda lib, x: x[1:2],
    "full_slice": lambda lib, x: x[:],
    "full_slices": lambda lib, x: x[:, :],
    "ellipsis": lambda lib, x: x[...],
    "ellipsis_int": lambda lib, x: x[..., 1],
    "none": lambda lib, x: x[None],
    "none_mid": lambda lib, x: (x[:, None], x[0, None, 1], x[:, None, :, None]),
    "ellipsis_none": lambda lib, x: (x[..., None], x[None, ..., None], x[0, ..., None]),
    "step": lambda lib, x: (x[::2], x[:, 1::2], x[1:, :, ::3]),
    "clamped": lambda lib, x: (x[10:], x[-10:2], x[2:1], x[:, 5:]),
    "scalar": lambda lib, x: (x[0, 0, 0], x[0][0][0], x[(0, 1)]),
    "tensor_int": lambda lib, x: (x[T(lib, 1)], x[T(lib, 1), 1:]),
    "list": lambda lib, x: x[[0, 1]],
    "list_repeated": lambda lib, x: x[[2, 0, 2, 2]],
    "lists_zipped": lambda lib, x: x[[0, 1], [1, 2]],
    "tuple_index": lambda lib, x: x[(0, 1), (1, 2)],
    "long_tensor": lambda lib, x: x[T(lib, [[0, 2], [1, 1]])],
    "int32_tensor": lambda lib, x: x[T(lib, [0, 1], lib.int32)],
    "nested_broadcast": lambda lib, x: x[[[0], [1]], [1, 2]],
    "int_and_list": lambda lib, x: x[1, [0, 2]],
    "list_and_slice": lambda lib, x: (x[[0, 1], 1:3], x[1:, [0, 1]]),
    "separated": lambda lib, x: (x[[0, 2], :, [1, 3]], x[[1, 0], 1:, [1, 0]]),
    "adjacent_after_slice": lambda lib, x: x[:, [[0], [1]], [0, 1, 2]],
    "list_none_list": lambda lib, x: x[[0, 1], None, [0, 1]],
    "list_ellipsis_list": lambda lib, x: x[[0, 1], ..., [0, 1]],
    "none_list": lambda lib, x: x[None, [0, 1]],
    "mask_rows": lambda lib, x: x[T(lib, [True, False, True])],
    "mask_2d": lambda lib, x: x[x > 0],
    "mask_cols": lambda lib, x: x[:, T(lib, [True, False, True, True])],
    "mask_2d_then_int": lambda lib, x: (x[lib.ones(3, 4, dtype=lib.bool), 0],
                                        x[lib.ones(3, 4, dtype=lib.bool), [0] * 12]),
    "bool_list": lambda lib, x: (x[[True, False, True]], x[[True, False, True], [0, 1]]),
    "python_bool": lambda lib, x: (x[True], x[False], x[0, True], x[T(lib, True)]),
    "empty": lambda lib, x: (x[[]], x[0][[]], x[T(lib, [], lib.int64)]),
    "empty_mask": lambda lib, x: x[x > 100],
    "after_advanced": lambda lib, x: (x[[0, 1]][0], x[0:2, [0, 1]][0]),
    "view_then_index": lambda lib, x: x.transpose(0, 2)[1:, [0, 0, 2]],
    "sequence_as_tuple": lambda lib, x: x[[[0], [1]]] if lib is torch else x[[[0], [1]]],
    "zero_dim": lambda lib, x: (x[0, 0, 0][...], x[0, 0, 0][None], x[0, 0, 0][True]),
}


@pytest.mark.parametrize("name", list(GETITEM))
def test_getitem_matches_torch(name):
    with pytest.warns(UserWarning) if name == "sequence_as_tuple" else _nothing():
        run_both(GETITEM[name], X, depth=4)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_getitem_on_integers_and_program_18_data():
    data = np.array([[8, 1, 3, 9, 0], [4, 0, 7, 2, 6], [1, 5, 3, 8, 2], [7, 7, 2, 5, 1]])
    for name in ("int", "column", "lists_zipped", "nested_broadcast", "int_and_list",
                 "list_and_slice", "mask_rows", "mask_2d", "bool_list", "clamped"):
        run_both(lambda lib, d, fn=GETITEM[name]: fn(lib, d[:3]), data)
    run_both(lambda lib, d: (d[:, T(lib, [True, False, True, False, True])], d[d[:, 2] > 5],
                             d[d[:, 2] > 50], d[:, d[0] > 100]), data)


def test_basic_index_is_a_view_advanced_is_a_copy():
    mg, th = pair(np.arange(20).reshape(4, 5))
    for lib_t in (mg, th):
        v = lib_t[0]
        v[0] = 100
        c = lib_t[[0, 1]]
        c[0, 1] = -1
    assert_tensor_equal(mg, th)
    assert mg[0, 0].item() == 100 and mg[0, 1].item() == 1
    assert mg[1:]._base is mg and mg[[1]]._base is None


# ---- t[index]: drawn indices ---------------------------------------------------------------------
@st.composite
def mixed_index(draw, shape):
    """A tuple of index items as ("kind", payload), covering every index kind."""
    items, dim = [], 0
    length = draw(st.integers(1, 3))                     # shared length of index arrays
    while dim < len(shape) and draw(st.integers(0, 3)):
        n = shape[dim]
        kind = draw(st.sampled_from(["int", "slice", "none", "list", "tensor", "mask"]))
        if kind == "int":
            items.append(("int", draw(st.integers(-n, n - 1))))
        elif kind == "slice":
            bound = st.one_of(st.none(), st.integers(-n - 1, n + 1))
            items.append(("slice", slice(draw(bound), draw(bound),
                                         draw(st.sampled_from([None, 1, 2, 3])))))
            dim += 1
            continue
        elif kind == "none":
            items.append(("none", None))
            continue
        elif kind in ("list", "tensor"):
            idx = draw(st.lists(st.integers(-n, n - 1), min_size=length, max_size=length))
            items.append((kind, idx))
        else:
            k = draw(st.integers(1, len(shape) - dim))
            mask = draw(hnp.arrays(np.bool_, shape[dim:dim + k]))
            items.append(("mask", mask))
            dim += k
            continue
        dim += 1
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), ("ellipsis", Ellipsis))
    return items


def build_index(lib, items):
    out = []
    for kind, payload in items:
        if kind in ("tensor", "mask"):
            out.append(lib.tensor(payload))
        else:
            out.append(payload)
    return tuple(out)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_drawn_getitem_matches_torch(shape, data):
    items = data.draw(mixed_index(shape))
    compare_or_error(lambda lib, x: x[build_index(lib, items)], randn(*shape))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_drawn_setitem_matches_torch(shape, data):
    items = data.draw(mixed_index(shape))
    value = data.draw(st.sampled_from([0.5, -3, True]))

    def fn(lib, x):
        y = x * 1
        y[build_index(lib, items)] = value
        return y
    compare_or_error(fn, randn(*shape))


# ---- t[index]: errors ----------------------------------------------------------------------------
GETITEM_ERRORS = {
    "int_bounds": lambda lib, d: d[4],
    "neg_int_bounds": lambda lib, d: d[-5],
    "second_dim_bounds": lambda lib, d: d[0, 5],
    "too_many": lambda lib, d: d[0, 0, 0],
    "zero_dim": lambda lib, d: d[0, 0][0],
    "list_bounds": lambda lib, d: d[[0, 4]],
    "list_neg_bounds": lambda lib, d: d[[-5]],
    "list_bounds_after_slice": lambda lib, d: d[:, [0, 7]],
    "zipped_bounds": lambda lib, d: d[[0, 1], [0, 7]],
    "first_bad_reported": lambda lib, d: d[[7, 1], [0, 9]],
    "tensor_bounds": lambda lib, d: d[T(lib, [[1, 5], [6, 0]])],
    "shape_mismatch": lambda lib, d: d[[0, 1], [1, 2, 3]],
    "mask_shape": lambda lib, d: d[T(lib, [True, False, True])],
    "mask_shape_after_int": lambda lib, d: d[0, T(lib, [True, False, True])],
    "mask_cols_shape": lambda lib, d: d[:, T(lib, [True, False, True])],
    "mask_and_list_mismatch": lambda lib, d: d[lib.ones(4, 5, dtype=lib.bool), [0, 1]],
    "float_index": lambda lib, d: d[1.5],
    "float_tensor": lambda lib, d: d[T(lib, [1.0])],
    "negative_step": lambda lib, d: d[::-1],
    "zero_step": lambda lib, d: d[::0],
    "string": lambda lib, d: d["a"],
}


@pytest.mark.parametrize("name", list(GETITEM_ERRORS))
def test_getitem_errors_match_torch(name):
    both_raise(GETITEM_ERRORS[name], np.arange(20).reshape(4, 5))


@pytest.mark.parametrize("index", ["a", "ab", [0, "a"], [[0], "a"], [0, slice(1, 3)], [[0, 1]]])
def test_sequence_index_warning_and_error(index):
    """A short list (or a str: also a sequence) holding sequences, slices, None or ... is read
    as a tuple, with torch's deprecation warning; the warning and any error match torch."""
    seen = []
    for lib in (minigrad, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                outcome = lib.arange(6).reshape(2, 3)[index].tolist()
            except (TypeError, IndexError) as e:
                outcome = (type(e), str(e))
        seen.append((outcome, [str(x.message).split(" (Triggered")[0] for x in w]))
    assert seen[0] == seen[1]


# ---- t[index] = value ----------------------------------------------------------------------------
SETITEM = {
    "mask_scalar": (lambda lib, y, v: y.__setitem__(y > 0, 0), "IndexPutBackward0"),
    "column_tensor": (lambda lib, y, v: y.__setitem__((slice(None), 0), v[:3]), "CopySlices"),
    "row_scalar": (lambda lib, y, v: y.__setitem__(0, 2.7), "CopySlices"),
    "zipped_scalar": (lambda lib, y, v: y.__setitem__(([0, 1], [1, 2]), 99), "IndexPutBackward0"),
    "advanced_after_full_slice": (lambda lib, y, v: y.__setitem__((slice(None), [0, 1]), 5),
                                  "IndexPutBackward0"),
    "int_and_list": (lambda lib, y, v: y.__setitem__((0, [0, 1]), v[:2]), "CopySlices"),
    "slice_tensor_broadcast": (lambda lib, y, v: y.__setitem__((slice(None), slice(0, 2)),
                                                              v[None, None, :2]), "CopySlices"),
    "row_tensor": (lambda lib, y, v: y.__setitem__(1, v), "CopySlices"),
    "rows_tensor": (lambda lib, y, v: y.__setitem__([2, 0], v), "IndexPutBackward0"),
    "mask_tensor": (lambda lib, y, v: y.__setitem__(lib.tensor([True, False, True]), v[:1]),
                    "IndexPutBackward0"),
    "ellipsis_scalar": (lambda lib, y, v: y.__setitem__(Ellipsis, 1.5), "FillBackward3"),
    "none_scalar": (lambda lib, y, v: y.__setitem__(None, 1.5), "CopySlices"),
    "step_tensor": (lambda lib, y, v: y.__setitem__((slice(None, None, 2), 1), v[:2]),
                    "CopySlices"),
}


@pytest.mark.parametrize("name", list(SETITEM))
def test_setitem_values_grad_fn_and_gradients(name):
    fn, grad_fn = SETITEM[name]

    def run(lib, x, v):
        y = x * 1
        fn(lib, y, v * 1)
        return y
    _, (out,) = run_both(run, randn(3, 4), randn(4, seed=1), depth=1)
    assert type(out.grad_fn).__name__ == grad_fn


@pytest.mark.parametrize("name", list(SETITEM))
def test_setitem_without_autograd_on_integers(name):
    fn, _ = SETITEM[name]

    def run(lib, x, v):
        fn(lib, x, v)
        return x
    run_both(run, np.arange(12).reshape(3, 4), np.arange(4) * 10)


def test_setitem_on_a_leaf_that_does_not_require_grad_joins_the_graph():
    def run(lib, w):
        z = lib.zeros(3)
        z[0] = w[0]
        z[1:] = w[1:] * 2
        return z
    _, (z,) = run_both(run, randn(3), depth=1)
    assert not z.is_leaf


SETITEM_ERRORS = {
    "leaf_basic": lambda lib: lib.zeros(3, requires_grad=True).__setitem__(0, 1.0),
    "leaf_advanced": lambda lib: lib.zeros(3, requires_grad=True).__setitem__([0], 1.0),
    "expand_mismatch": lambda lib: lib.zeros(3, 4).__setitem__(0, lib.ones(2)),
    "too_many_value_dims": lambda lib: lib.zeros(3, 4).__setitem__(0, lib.ones(2, 4)),
    "advanced_mismatch": lambda lib: lib.zeros(3, 4).__setitem__([0, 1], lib.ones(3)),
    "list_value": lambda lib: lib.zeros(3, 4).__setitem__(0, [1, 2, 3, 4]),
    "index_bounds": lambda lib: lib.zeros(3, 4).__setitem__([0, 5], 1),
    "int_bounds": lambda lib: lib.zeros(3, 4).__setitem__((0, 7), 1),
    "broadcast_indices": lambda lib: lib.zeros(3, 4).__setitem__(([0, 1], [0, 1, 2]), 1),
}


@pytest.mark.parametrize("name", list(SETITEM_ERRORS))
def test_setitem_errors_match_torch(name):
    assert_same_error(lambda: SETITEM_ERRORS[name](minigrad), lambda: SETITEM_ERRORS[name](torch))


def test_setitem_through_a_view_changes_the_base():
    mg, th = pair(np.arange(20).reshape(4, 5))
    for t in (mg, th):
        v = t[1:3]
        v[:, 0] = -7
        v[v > 10] = 0
    assert_tensor_equal(mg, th)
    assert mg._version == th._version


# ---- gather / scatter / masks / take -------------------------------------------------------------
IDX = np.array([[0, 2, 1, 0], [2, 2, 0, 1]])
FAMILY = {
    "index_select": lambda lib, x, s: (x.index_select(0, T(lib, [2, 0, 2])),
                                       lib.index_select(x, 1, T(lib, [3], lib.int32)),
                                       x.index_select(-1, T(lib, 1))),
    "gather": lambda lib, x, s: (x.gather(0, T(lib, IDX)), lib.gather(x, 1, T(lib, IDX[:, :2]))),
    "scatter_src": lambda lib, x, s: x.scatter(0, T(lib, IDX[:, :3]), s[:2, :3]),
    "scatter_value": lambda lib, x, s: x.scatter(1, T(lib, [[0], [3]]), 2.5),
    "scatter_add": lambda lib, x, s: (x.scatter_add(0, T(lib, IDX), s[:2]),
                                      lib.scatter_add(x, 1, T(lib, IDX), s[:2])),
    "masked_fill": lambda lib, x, s: (x.masked_fill(x > 0, 0.5),
                                      x.masked_fill(T(lib, [True, False, True, False]), -1)),
    "masked_fill_tensor": lambda lib, x, s: x.masked_fill(x > 0, s[0, 0]),
    "masked_fill_broadcast": lambda lib, x, s: x.masked_fill(lib.ones(2, 3, 4, dtype=lib.bool),
                                                             0.0),
    "masked_select": lambda lib, x, s: (x.masked_select(x > 0),
                                        lib.masked_select(x, T(lib, [True, False, False, True])),
                                        x[0].masked_select(lib.ones(2, 4, dtype=lib.bool))),
    "take": lambda lib, x, s: (x.take(T(lib, [[0, 11], [5, 5]])), lib.take(x, T(lib, [-1]))),
    "index_add": lambda lib, x, s: (x.index_add(0, T(lib, [0, 0, 2]), s),
                                    x.index_add(1, T(lib, [3, 1]), s[:, :2].t().t(), alpha=2)),
    "index_fill": lambda lib, x, s: x.index_fill(1, T(lib, [0, 2]), -2.0),
    "index_put": lambda lib, x, s: (x.index_put((T(lib, [0, 2]),), s[0]),
                                    x.index_put((T(lib, [0, 0]), T(lib, [1, 1])),
                                                s[0, 0], accumulate=True)),
    "inplace": lambda lib, x, s: (x * 1).masked_fill_(x > 0, 0).index_add_(
        0, T(lib, [1]), s[:1]).scatter_(0, T(lib, [[2]]), 1.0).scatter_add_(
        1, T(lib, [[0, 0]]), s[:1, :2]).index_fill_(0, T(lib, [0]), 3.0),
}


@pytest.mark.parametrize("name", list(FAMILY))
def test_gather_scatter_family_matches_torch(name):
    run_both(FAMILY[name], randn(3, 4), randn(3, 4, seed=1), depth=1)


def test_nonzero_and_argwhere():
    for a in (np.array([[0, 1.5], [2, 0]]), np.array(3.0), np.array(0.0), np.zeros((2, 0)),
              np.array([True, False, True])):
        run_both(lambda lib, x: (lib.nonzero(x), x.nonzero(), lib.argwhere(x),
                                 *lib.nonzero(x, as_tuple=True)), a, grad=False)
        run_both(lambda lib, x: lib.where(x != 0), a, grad=False)


FAMILY_ERRORS = {
    "index_select_matrix": lambda lib, x: x.index_select(0, T(lib, [[0]])),
    "index_select_bounds": lambda lib, x: x.index_select(0, T(lib, [3])),
    "index_select_float": lambda lib, x: x.index_select(0, T(lib, [0.0])),
    "gather_ndim": lambda lib, x: x.gather(0, T(lib, [0])),
    "gather_bounds": lambda lib, x: x.gather(0, T(lib, [[3]])),
    "gather_size": lambda lib, x: x.gather(0, T(lib, [[0, 1, 2, 3, 0]])),
    "gather_float": lambda lib, x: x.gather(0, T(lib, [[0.0]])),
    "scatter_bounds": lambda lib, x: x.scatter(0, T(lib, [[3]]), 1.0),
    "scatter_dtype": lambda lib, x: x.scatter(0, T(lib, [[0]]), lib.zeros(1, 1, dtype=lib.int64)),
    "scatter_size": lambda lib, x: x.scatter(0, T(lib, [[0, 1]]), lib.zeros(1, 1)),
    "scatter_add_number": lambda lib, x: x.scatter_add(0, T(lib, [[0]]), 1.0),
    "masked_fill_float_mask": lambda lib, x: x.masked_fill(T(lib, [1.0]), 0),
    "masked_fill_value_dims": lambda lib, x: x.masked_fill(T(lib, [True]), T(lib, [1.0])),
    "masked_select_float": lambda lib, x: x.masked_select(T(lib, [1.0])),
    "masked_select_shape": lambda lib, x: x.masked_select(T(lib, [True] * 5)),
    "take_bounds": lambda lib, x: x.take(T(lib, [12])),
    "take_neg_bounds": lambda lib, x: x.take(T(lib, [-13])),
    "take_float": lambda lib, x: x.take(T(lib, [1.0])),
    "index_add_bounds": lambda lib, x: x.index_add(0, T(lib, [0, 5]), lib.ones(2, 4)),
    "index_add_count": lambda lib, x: x.index_add(0, T(lib, [0]), lib.ones(2, 4)),
    "index_add_dtype": lambda lib, x: x.long().index_add(0, T(lib, [0]), lib.ones(1, 4)),
    "masked_fill_inplace_shape": lambda lib, x: x.masked_fill_(lib.ones(2, 3, 4, dtype=lib.bool),
                                                              0.0),
}


@pytest.mark.parametrize("name", list(FAMILY_ERRORS))
def test_gather_scatter_errors_match_torch(name):
    both_raise(FAMILY_ERRORS[name], np.arange(12.0).reshape(3, 4))


# ---- finite differences --------------------------------------------------------------------------
def test_finite_differences_through_indexing():
    def fn(x, v):
        y = x[[0, 2, 2], 1:] * 2                    # repeated rows accumulate
        y = y.clone()
        y[0, [0, 2]] = v[:2]                         # CopySlices
        y[y.detach() > 100] = 0.0
        z = y.gather(1, minigrad.tensor([[0, 0], [2, 1], [1, 1]]))
        z = z.scatter_add(0, minigrad.tensor([[1, 0]]), v[None, 2:4])
        return (z.masked_fill(z.detach() > 1.5, 0.0).index_select(0, minigrad.tensor([2, 0]))
                + x.take(minigrad.tensor([[1, 1]])) + x.masked_select(x.detach() > 0).sum())
    fd_check(fn, [randn(3, 4, dtype=np.float64), randn(4, dtype=np.float64, seed=1)])


# ---- writes that overwrite every element: the overwritten input's gradient is a constant zero ---
OVERWRITES = {
    "fill_number": lambda y, v: y.fill_(2.0),
    "fill_tensor": lambda y, v: y.fill_(v.sum()),
    "zero": lambda y, v: y.zero_(),
    "copy": lambda y, v: y.copy_(v),
    "setitem_whole_slice": lambda y, v: y.__setitem__(slice(None), v),
    "setitem_ellipsis_number": lambda y, v: y.__setitem__(Ellipsis, 1.5),
}


@pytest.mark.parametrize("case", sorted(OVERWRITES))
def test_overwritten_input_gets_constant_zero_gradient(case):
    """torch's zeros_like(grad): no graph under create_graph, zeros even for a nan/inf upstream;
    the value's gradient is the upstream gradient itself (same grad_fn)."""
    def run(lib):
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        v = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
        y = a * 1
        OVERWRITES[case](y, v)
        ga, gv = lib.autograd.grad((y * y).sum(), [a, v], create_graph=True, allow_unused=True)
        y = a * 1
        OVERWRITES[case](y, v)
        g_nan, = lib.autograd.grad(y, [a], lib.tensor([float("nan"), float("inf")],
                                                      dtype=lib.float64))
        names = [type(g.grad_fn).__name__ if g is not None and g.grad_fn else None
                 for g in (ga, gv)]
        return ga, ga.requires_grad, gv, names, g_nan
    got, expected = run(minigrad), run(torch)
    for g, e in zip(got, expected):
        if isinstance(e, torch.Tensor):
            assert_tensor_equal(g, e)
        elif e is None:
            assert g is None
        else:
            assert g == e


@pytest.mark.parametrize("shape, key", [
    ((1, 2, 1), (Ellipsis, slice(None, 0), [0, 1])),
    ((3, 0), ([5, 7], slice(None))),
    ((0, 3), (slice(None), [1, 2])),
])
def test_out_of_range_indices_into_an_empty_result(shape, key):
    """torch checks index ranges only when the result has elements."""
    def run(L):
        x = L.zeros(*shape, requires_grad=True)
        y = x[key]
        y.sum().backward()
        return tuple(y.shape), tuple(x.grad.shape)
    assert run(minigrad) == run(torch)
