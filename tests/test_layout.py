"""Result layouts of elementwise ops on operands of mixed layouts, as torch's (``ops/_layout.py``):
row-major, column-major, permuted, sliced and broadcast operands give the result torch's dim order
and contiguity."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad

OPS = {
    "add": lambda L, a, b: a + b, "sub": lambda L, a, b: b - a, "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / (b * b + 1), "maximum": lambda L, a, b: L.maximum(a, b),
    "atan2": lambda L, a, b: L.atan2(a, b), "eq": lambda L, a, b: a == b,
    "lt": lambda L, a, b: a < b, "pow": lambda L, a, b: a.abs() ** b,
    "where": lambda L, a, b: L.where(a > 0, a, b), "where_cond_second": lambda L, a, b:
    L.where(b > 0, a, b), "lerp": lambda L, a, b: L.lerp(a, b, 0.3),
    "lerp_tensor_weight": lambda L, a, b: L.lerp(b, a, a), "add_alpha": lambda L, a, b:
    L.add(a, b, alpha=2.0), "number_first": lambda L, a, b: 2.0 - a,
}


@st.composite
def operand(draw, shape):
    """An array of ``shape`` (or broadcasting to it) in one of several layouts."""
    shape = list(shape)
    for i in range(len(shape)):
        if draw(st.booleans()) and draw(st.booleans()):
            shape[i] = 1                                  # broadcast along this dim
    if draw(st.booleans()):
        shape = shape[draw(st.integers(0, len(shape))):]  # fewer leading dims
    n = int(np.prod(shape)) if shape else 1
    kind = draw(st.sampled_from(["C", "F", "permuted", "sliced"]))
    values = np.asarray(np.arange(1, n + 1, dtype=np.float64).reshape(shape) / 7 - 0.5)
    if kind == "F":
        return np.asfortranarray(values)
    if kind == "permuted" and len(shape) > 1:
        perm = draw(st.permutations(range(len(shape))))
        return np.ascontiguousarray(values.transpose(perm)).transpose(np.argsort(perm))
    if kind == "sliced" and shape:
        wide = np.repeat(values, 2, axis=-1)
        return wide[..., ::2]
    return values


@settings(max_examples=300, deadline=None)
@given(data=st.data(), shape=st.lists(st.integers(1, 4), min_size=2, max_size=4),
       op=st.sampled_from(list(OPS)))
def test_mixed_layouts_give_torchs_strides(data, shape, op):
    a, b = data.draw(operand(shape)), data.draw(operand(shape))
    results = [OPS[op](L, L.from_numpy(a), L.from_numpy(b)) for L in (minigrad, torch)]
    assert results[0].shape == results[1].shape
    assert _layout(results[0]) == _layout(results[1]), (a.strides, b.strides)


def _layout(t):
    """The strides of the dims that have more than one element (a dim of size 1 may carry any
    stride: it orders nothing), and contiguity."""
    return [s for s, n in zip(t.stride(), t.shape) if n > 1], t.is_contiguous()


def _source(L, kind):
    base = L.from_numpy(np.arange(24.0).reshape(2, 3, 4)).requires_grad_()
    column_major = L.from_numpy(np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)))
    return {"C": base, "F": column_major.requires_grad_(),
            "permuted": base.permute(2, 0, 1), "sliced": base[:, :, ::2],
            "expanded": base[:1, :1].expand(2, 3, 4)}[kind]


COPIES = {
    "clone": lambda t: t.clone(), "to float32": lambda t: t.float(),
    "to float64 (same dtype)": lambda t: t.double().clone(), "contiguous": lambda t: t.contiguous(),
    "reshape copy": lambda t: t.reshape(-1), "add": lambda t: t + 1,
}


@pytest.mark.parametrize("kind", ["C", "F", "permuted", "sliced", "expanded"])
@pytest.mark.parametrize("op", list(COPIES))
def test_copies_keep_torchs_layout(kind, op):
    """clone and to() keep a dense source's strides and make others row-major
    (preserve_format); contiguous() and a reshape that must copy are row-major."""
    got = [COPIES[op](_source(L, kind)) for L in (minigrad, torch)]
    assert got[0].stride() == got[1].stride()
    assert type(got[0].grad_fn).__name__ == type(got[1].grad_fn).__name__


ROW_MAJOR_RESULTS = {
    "sum": lambda L, x: x.sum(1), "sum_keepdim": lambda L, x: x.sum(1, keepdim=True),
    "mean": lambda L, x: x.mean(0), "prod": lambda L, x: x.prod(2), "amax": lambda L, x: x.amax(1),
    "max_dim": lambda L, x: x.max(1)[0], "max_dim_indices": lambda L, x: x.max(1)[1],
    "argmin": lambda L, x: x.argmin(2), "std": lambda L, x: x.std(1), "var": lambda L, x: x.var(0),
    "logsumexp": lambda L, x: L.logsumexp(x, 1), "norm": lambda L, x: x.norm(dim=1),
    "any": lambda L, x: (x > 3).any(1), "cat": lambda L, x: L.cat([x, x], 0),
    "stack": lambda L, x: L.stack([x, x]),
}


@pytest.mark.parametrize("kind", ["F", "permuted", "sliced"])
@pytest.mark.parametrize("op", list(ROW_MAJOR_RESULTS))
def test_reductions_and_joins_are_row_major(kind, op):
    """torch allocates reduction and cat/stack results row-major whatever the input layout."""
    got = [ROW_MAJOR_RESULTS[op](L, _source(L, kind)) for L in (minigrad, torch)]
    assert got[0].stride() == got[1].stride()


@pytest.mark.parametrize("make", [
    lambda t: t[:, :, :2].permute(2, 0, 1), lambda t: t[:, ::2].transpose(0, 1),
    lambda t: t[1:3, :, 1:].transpose(1, 2), lambda t: t[:, 2:3].permute(1, 2, 0)])
def test_clone_and_to_of_a_tensor_with_gaps_are_dense_in_its_stride_order(make):
    """torch's preserve_format: a tensor that is not dense is copied dense, its dims in the
    order of its strides (not row-major)."""
    base = np.arange(72.0, dtype=np.float32).reshape(4, 6, 3)
    got = make(minigrad.from_numpy(base.copy()))
    want = make(torch.from_numpy(base.copy()))
    for copy in (lambda t: t.clone(), lambda t: t.double(), lambda t: t.to(t.dtype, copy=True)):
        a, b = copy(got), copy(want)
        assert a.stride() == b.stride()
        np.testing.assert_array_equal(a.numpy(), b.numpy())
