"""Matrix-product gradients are laid out like their inputs, as torch's mm_mat1/mat2_backward do:
a transposed (column-major) weight gets a column-major gradient, so ``Linear.weight.grad`` is
row-major, like torch's, and no transposing copy is made."""
import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_tensor_equal


def _leaf(lib, array, column_major):
    """A leaf holding ``array``; column-major: the transpose of a row-major matrix."""
    if column_major:
        return lib.from_numpy(np.ascontiguousarray(array.T)).t().detach().requires_grad_()
    return lib.from_numpy(array.copy()).requires_grad_()


@pytest.mark.parametrize("a_cm", [False, True])
@pytest.mark.parametrize("b_cm", [False, True])
@pytest.mark.parametrize("op", ["mm", "matmul", "addmm"])
def test_product_gradients_match_torch_values_and_strides(a_cm, b_cm, op):
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    c0, g0 = rng.standard_normal(4), rng.standard_normal((5, 4))
    grads = []
    for lib in (minigrad, torch):
        a, b = _leaf(lib, a0, a_cm), _leaf(lib, b0, b_cm)
        c = lib.from_numpy(c0.copy()).requires_grad_()
        out = lib.addmm(c, a, b) if op == "addmm" else getattr(lib, op)(a, b)
        out.backward(lib.from_numpy(g0.copy()))
        assert a.stride() == ((1, 5) if a_cm else (3, 1))
        grads.append((a.grad, b.grad))
    for ours, theirs in zip(*grads):
        assert_tensor_equal(ours, theirs)
        assert ours.stride() == theirs.stride()


def test_linear_weight_grad_is_row_major_like_torch():
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((8, 6)).astype(np.float32)
    strides = []
    for lib in (minigrad, torch):
        lib.manual_seed(0)
        layer = lib.nn.Linear(6, 3)
        layer(lib.from_numpy(x0.copy())).sum().backward()
        strides.append((layer.weight.grad.stride(), layer.bias.grad.stride()))
    assert strides[0] == strides[1] == ((6, 1), (1,))


# ---- a leaf's .grad takes the leaf's layout (torch's AccumulateGrad layout contract) ----------
def _layouts():
    base = np.arange(24.0).reshape(2, 3, 4)
    return {
        "row-major": base,
        "column-major": np.asfortranarray(base),
        "permuted": np.ascontiguousarray(base.transpose(2, 0, 1)).transpose(1, 2, 0),
        "size-1 dim": np.asfortranarray(base[:, :1, :]),
        "sliced (not dense)": np.arange(48.0).reshape(2, 3, 8)[:, :, ::2],
        "0-d": np.array(3.0),
    }


GRAD_OPS = {
    "sum": lambda x: x.sum(),
    "mul": lambda x: (x * 2).sum(),
    "through a copy": lambda x: (x.contiguous() * x).sum(),
    "exp of a transpose": lambda x: (x.t() if x.ndim == 2 else x.transpose(0, -1)).exp().sum()
    if x.ndim else x.exp(),
}


@pytest.mark.parametrize("layout", list(_layouts()))
@pytest.mark.parametrize("op", list(GRAD_OPS))
def test_leaf_grad_has_the_leafs_strides(layout, op):
    array = _layouts()[layout]
    strides = []
    for lib in (minigrad, torch):
        x = lib.from_numpy(array.copy(order="K") if array.ndim else array.copy())
        if layout == "sliced (not dense)":
            x = lib.from_numpy(array)  # keep the gaps
        x.requires_grad_()
        GRAD_OPS[op](x).backward()
        strides.append((x.grad.stride(), x.grad.is_contiguous()))
    assert strides[0] == strides[1]


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_results_are_contiguous_for_any_input_layout(fn, dim):
    array = np.asfortranarray(np.arange(24.0).reshape(2, 3, 4) / 7)
    outs = [getattr(lib, fn)(lib.from_numpy(array.copy(order="K")), dim).stride()
            for lib in (minigrad, torch)]
    assert outs[0] == outs[1] == (12, 4, 1)
