"""Which of several equal values (or NaNs) ``topk`` and ``kthvalue`` report: torch's index, on
drawn inputs full of ties, compared with torch's in the same test."""
import numpy as np
import torch
from hypothesis import given, settings, strategies as st

import minigrad


@st.composite
def _tied(draw):
    """(array of few distinct values, NaN among them for floats, dim, k)."""
    ndim = draw(st.integers(1, 3))
    shape = draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim))
    dim = draw(st.integers(0, ndim - 1))
    shape[dim] = draw(st.sampled_from([1, 2, 3, 5, 16, 17, 33, 70, 140]))
    dtype = draw(st.sampled_from(["float32", "float64", "int64", "int16"]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    x = rng.integers(-2, 3, shape).astype(dtype)
    if dtype.startswith("float") and draw(st.booleans()):
        x[rng.random(shape) < 0.25] = np.nan
    k = draw(st.integers(0, shape[dim]))
    return x, dim, k


def _same(ours, theirs):
    for a, b in zip(ours, theirs):
        assert str(a.dtype) == str(b.dtype)
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@settings(max_examples=150, deadline=None)
@given(case=_tied(), largest=st.booleans(), sorted_=st.booleans())
def test_topk_picks_torchs_tied_elements(case, largest, sorted_):
    """k * 64 <= n: torch's partial sort; otherwise its nth_element, then a sort of the first
    k - 1 (sorted=True) or the order nth_element left (sorted=False)."""
    x, dim, k = case
    _same(*(lib.topk(lib.tensor(x), k, dim, largest, sorted_) for lib in (minigrad, torch)))


@settings(max_examples=150, deadline=None)
@given(case=_tied(), keepdim=st.booleans())
def test_kthvalue_picks_torchs_tied_element(case, keepdim):
    """torch's quickselect decides which of equal values (NaN counted largest) it reports."""
    x, dim, k = case
    k = max(k, 1)
    _same(*(lib.kthvalue(lib.tensor(x), k, dim, keepdim) for lib in (minigrad, torch)))


def test_kthvalue_of_a_row_of_equal_values():
    """Five equal values: torch reports the one its partitioning leaves at k - 1."""
    x = np.zeros((1, 5), np.float32)
    got = [minigrad.tensor(x).kthvalue(k, 1).indices.item() for k in range(1, 6)]
    want = [torch.tensor(x).kthvalue(k, 1).indices.item() for k in range(1, 6)]
    assert got == want and got != [0, 1, 2, 3, 4]


@settings(max_examples=100, deadline=None)
@given(case=_tied(), descending=st.booleans(), stable=st.sampled_from([None, False, True]))
def test_sort_leaves_ties_where_torch_does(case, descending, stable):
    """sort without stable=True is std::sort's order: equal values are not kept in order."""
    x, dim, _ = case
    kwargs = {"dim": dim, "descending": descending}
    kwargs.update({} if stable is None else {"stable": stable})
    _same(*(lib.sort(lib.tensor(x), **kwargs) for lib in (minigrad, torch)))
    _same(*([lib.argsort(lib.tensor(x), dim=dim, descending=descending, stable=bool(stable))]
            for lib in (minigrad, torch)))


def test_long_one_dimensional_integer_sort_is_stable_as_torchs_radix_sort():
    """From 32768 elements torch sorts 1-D integers (not bools) with a stable radix sort."""
    rng = np.random.default_rng(0)
    for dtype in ("int64", "uint8", "bool"):
        for n in (32767, 32768):
            x = rng.integers(0, 2, n).astype(dtype)
            _same(minigrad.sort(minigrad.tensor(x)), torch.sort(torch.tensor(x)))
