"""Every Python index form torch accepts — range, lists and tuples of ints/bools/tensors mixed with
slices, NumPy integer/bool/float arrays, nested sequences — read, written and differentiated
through, compared with torch; and the forms torch refuses, refused with its error."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_tensor_equal, catch, outcome_with_warnings, to_mg, to_torch

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# each form: (name, index builder taking the library); x is arange(16.).reshape(4, 4)
FORMS = {
    "range": lambda t: range(3),
    "range_from": lambda t: range(1, 4),
    "range_step": lambda t: range(0, 4, 2),
    "range_backwards": lambda t: range(3, 0, -1),
    "range_negative_values": lambda t: range(-2, 0),
    "range_empty": lambda t: range(0),
    "rows_by_range_and_tensor": lambda t: (range(3), t.tensor([0, 1, 2])),
    "range_and_list": lambda t: (range(2), [1, 3]),
    "range_then_slice": lambda t: (range(2), slice(1, 3)),
    "slice_then_range": lambda t: (slice(None), range(3)),
    "list_of_ranges": lambda t: [range(2), range(1, 3)],
    "tuple_of_nested_ranges": lambda t: ([range(2), range(2)],),
    "list_ints": lambda t: [0, 2],
    "list_negative": lambda t: [-1, -4],
    "list_bools": lambda t: [True, False, True, False],
    "list_bool_and_int": lambda t: [True, 0],
    "list_of_tensors": lambda t: [t.tensor(0), t.tensor(2)],
    "list_int_and_tensor": lambda t: [0, t.tensor(2)],
    "list_tensor_and_slice": lambda t: [t.tensor([0, 1]), slice(None)],
    "list_floats": lambda t: [0.5, 1.7],
    "list_int_and_float": lambda t: [0, 1.5],
    "nested_floats": lambda t: [[0.5, 1.5], [2.5, 3.5]],
    "nested": lambda t: [[0, 1], [2, 3]],
    "nested_deep": lambda t: [[[0, 1]]],
    "tuple_in_tuple": lambda t: ((0, 1),),
    "ints_and_list": lambda t: (1, [0, 2]),
    "ellipsis_and_list": lambda t: (Ellipsis, [0, 1]),
    "none_and_list": lambda t: (None, [0, 1]),
    "numpy_ints": lambda t: np.array([0, 2]),
    "numpy_int8": lambda t: np.array([0, 1], dtype=np.int8),
    "numpy_uint16": lambda t: np.array([0, 1], dtype=np.uint16),
    "numpy_bools": lambda t: np.array([True, False, True, False]),
    "numpy_bool_matrix": lambda t: np.eye(4, dtype=bool),
    "numpy_int_matrix": lambda t: np.array([[0, 1], [2, 3]]),
    "numpy_floats": lambda t: np.array([0.5, 1.7]),
    "numpy_float32": lambda t: np.array([1.0, 2.0], dtype=np.float32),
    "numpy_pair": lambda t: (np.array([0, 1]), np.array([1, 2])),
    "numpy_0d": lambda t: np.array(2),
    "numpy_scalar": lambda t: np.int64(1),
    "numpy_scalars_pair": lambda t: (np.int64(1), np.int32(2)),
    "list_of_numpy": lambda t: [np.array([0, 1]), np.array([1, 2])],
    "list_of_numpy_0d": lambda t: [np.array(0), np.array(1)],
    "numpy_mask_and_int": lambda t: (np.array([True, False, True, False]), 1),
    "list_of_numpy_bools": lambda t: [np.bool_(True), np.bool_(False)] * 2,
    # refused as torch refuses them
    "negative_step": lambda t: slice(None, None, -1),
    "negative_step_second_dim": lambda t: (slice(None), slice(None, None, -2)),
    "zero_step": lambda t: slice(None, None, 0),
    "range_out_of_bounds": lambda t: range(5),
    "numpy_bool_scalar": lambda t: np.bool_(True),
    "numpy_bool_scalar_in_tuple": lambda t: (0, np.bool_(True)),
    "float_tensor": lambda t: t.tensor([0.0, 1.0]),
    "ragged": lambda t: ([[0, 1], [2]],),
    "ragged_depth": lambda t: [[0, [1]], [2, 3]],
    "sequence_then_scalars": lambda t: [range(2)] + [0] * 31,
    "float": lambda t: 1.0,
}


def _run(t, fn):
    return outcome_with_warnings(lambda: fn(t))


def _same(fn):
    (got, got_warnings), (expected, expected_warnings) = _run(minigrad, fn), _run(torch, fn)
    assert got_warnings == expected_warnings
    if isinstance(expected, tuple):
        assert got == expected
    else:
        assert_tensor_equal(got, expected)
    return expected


@pytest.mark.parametrize("name", sorted(FORMS))
def test_read(name):
    _same(lambda t: t.arange(16.).reshape(4, 4)[FORMS[name](t)])


@pytest.mark.parametrize("name", sorted(FORMS))
def test_read_backward(name):
    def grad(t):
        x = t.arange(16.).reshape(4, 4).requires_grad_()
        out = x[FORMS[name](t)]
        (out * t.arange(1., out.numel() + 1).reshape(out.shape)).sum().backward()
        return x.grad
    _same(grad)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_write_and_its_backward(name):
    def write(t):
        base = t.arange(16.).reshape(4, 4).requires_grad_()
        x = base * 1
        region = x.detach()[FORMS[name](t)]
        value = (t.arange(region.numel()) * -1.0 - 1).reshape(region.shape).requires_grad_()
        x[FORMS[name](t)] = value
        (x * t.arange(16.).reshape(4, 4)).sum().backward()
        return t.stack([x.detach().flatten(), base.grad.flatten()]), value.grad
    got, expected = _run(minigrad, write), _run(torch, write)
    assert got[1] == expected[1]
    if isinstance(expected[0][0], str):
        assert got[0] == expected[0]
        return
    assert_tensor_equal(got[0][0], expected[0][0])
    assert_tensor_equal(got[0][1], expected[0][1])


def test_write_a_number_through_ranges():
    def fill_diagonal(t):
        x = t.zeros(3, 3)
        x[range(3), range(3)] = 7.0
        return x
    _same(fill_diagonal)


def test_softmax_regression_pick():
    """``y_hat[range(len(y_hat)), y]``: the d2l cross-entropy, values and gradient."""
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 3)).astype(np.float32)
    labels = np.array([0, 2, 1, 1, 0])

    def loss_grad(t):
        y_hat = t.tensor(logits, requires_grad=True)
        y = t.tensor(labels)
        loss = -t.log(t.softmax(y_hat, 1)[range(len(y_hat)), y]).mean()
        loss.backward()
        return t.cat([loss.detach().reshape(1), y_hat.grad.flatten()])
    _same(loss_grad)


# ---- drawn mixtures of forms --------------------------------------------------------------------
def _item_strategy(size, length):
    """One index item for a dim of ``size``: a builder taking the library."""
    ints = st.lists(st.integers(-size, size - 1), min_size=length, max_size=length)
    return st.one_of(
        st.integers(-size, size - 1).map(lambda i: lambda t: i),
        st.tuples(st.integers(0, size), st.integers(0, size), st.integers(1, 3)).map(
            lambda a: lambda t: slice(*a)),
        ints.map(lambda v: lambda t: v),
        ints.map(lambda v: lambda t: np.array(v)),
        ints.map(lambda v: lambda t: t.tensor(v, dtype=t.int64)),
        ints.map(lambda v: lambda t: [t.tensor(i) for i in v]),
        st.tuples(st.integers(0, size), st.integers(1, 2)).map(
            lambda a: lambda t: range(max(0, min(a[0], size - length * a[1])), size, a[1])
            if len(range(max(0, min(a[0], size - length * a[1])), size, a[1])) == length
            else range(length)),
        st.lists(st.booleans(), min_size=size, max_size=size).map(lambda v: lambda t: v),
        st.lists(st.booleans(), min_size=size, max_size=size).map(
            lambda v: lambda t: np.array(v)),
        st.just(lambda t: None), st.just(lambda t: Ellipsis),
    )


@st.composite
def mixed_indices(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    length = draw(st.integers(1, min(shape)))
    items = [draw(_item_strategy(size, length)) for size in shape[:draw(st.integers(1, 3))]]
    return shape, lambda t: tuple(item(t) for item in items)


successes = []


@SETTINGS
@given(case=mixed_indices(), seed=st.integers(0, 2 ** 16))
def test_drawn_mixed_indices_read_write_backward(case, seed):
    shape, index = case
    data = np.random.default_rng(seed).standard_normal(shape)

    def run(t):
        base = (to_mg if t is minigrad else to_torch)(torch.from_numpy(data)).requires_grad_()
        picked = base[index(t)]
        (picked * picked).sum().backward()
        read_grad = base.grad.clone()
        x = base.detach().clone()
        region = x[index(t)]
        x[index(t)] = -t.ones(region.shape, dtype=t.float64)
        return picked.detach(), read_grad, x
    got, expected = _run(minigrad, run), _run(torch, run)
    if isinstance(expected[0][0], str):   # both refuse (e.g. index arrays that do not
        assert got[0][0] == expected[0][0]  # broadcast): the same exception class
        return
    successes.append(1)
    for g, e in zip(got[0], expected[0]):
        assert_tensor_equal(g, e)


@pytest.mark.parametrize("index", [{1}, {1: 2}, "a", b"a", 1j])
def test_unsupported_forms_raise_torchs_error(index):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "a" is a sequence: both warn, then both refuse it
        assert catch(lambda: minigrad.zeros(3)[index]) == catch(lambda: torch.zeros(3)[index])


def test_drawn_indices_mostly_succeed():
    """The drawn mixtures above are mostly valid indices, not mostly errors."""
    successes.clear()
    test_drawn_mixed_indices_read_write_backward()
    assert len(successes) >= 30


MIXED_3D = [
    lambda t: (0, slice(None), [0, 2]), lambda t: (1, slice(1, 3), range(2)),
    lambda t: ([0, 1], slice(None), 1), lambda t: (None, 0, slice(None), np.array([3, 1])),
    lambda t: (0, None, [1, 2]), lambda t: (-1, Ellipsis, t.tensor([0, 0, 3])),
    lambda t: (slice(None), 0, [[1], [2]]), lambda t: (True, 0, slice(None), [0, 1]),
]


@pytest.mark.parametrize("index", MIXED_3D)
def test_ints_with_index_arrays_write_in_torchs_layout(index):
    """torch selects with the ints first, then indexes that view: x[0, :, [0, 2]] has shape
    (3, 2) where NumPy's rules give (2, 3); writes and their gradients follow torch."""
    def write(t):
        base = t.arange(24., dtype=t.float64).reshape(2, 3, 4).requires_grad_()
        x = base * 1
        region = x.detach()[index(t)]
        value = t.arange(1., region.numel() + 1, dtype=t.float64).reshape(region.shape)
        value.requires_grad_()
        x[index(t)] = value
        (x * x).sum().backward()
        return t.cat([x.detach().flatten(), base.grad.flatten(), value.grad.flatten()])
    _same(write)
