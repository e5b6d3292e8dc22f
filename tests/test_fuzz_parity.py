"""Causes of differences the graph fuzzer (``python -m compare fuzz``) found, each checked
against torch on a minimal program of its own."""
import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_tensor_equal


@pytest.mark.parametrize("name,args", [
    ("hardtanh", ()), ("relu6", ()), ("hardsigmoid", ()), ("softshrink", (0.5,)),
    ("hardshrink", (0.5,)), ("leaky_relu", (0.1,)), ("relu", ()), ("hardswish", ()),
    ("threshold", (0.5, 2.0))])
def test_masked_gradient_of_a_nan_is_zero_where_torch_chooses_zero(name, args):
    """torch's piecewise backward kernels choose 0 (cond ? grad : 0) rather than multiply: a
    NaN upstream gradient (std of one element) gives 0 outside the active piece."""
    x = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0])
    grads = []
    for lib in (minigrad, torch):
        t = lib.tensor(x, requires_grad=True)
        y = getattr(lib.nn.functional, name)(t, *args)
        y.backward(lib.full_like(y, float("nan")))
        grads.append(t.grad)
    assert_tensor_equal(*grads)


@pytest.mark.parametrize("view", ["t", "transpose12", "slice", "plain"])
@pytest.mark.parametrize("weighted", [False, True])
def test_rms_norm_result_is_contiguous_as_torch(view, weighted):
    """torch returns rms_norm's result contiguous: a clone (CloneBackward0) when the input's
    layout (a transpose) made it otherwise."""
    x = np.random.default_rng(0).standard_normal((2, 4, 4))
    outs = []
    for lib in (minigrad, torch):
        t = lib.tensor(x, requires_grad=True)
        v = {"t": t[0].t(), "transpose12": t.transpose(1, 2), "slice": t[:, :, ::2],
             "plain": t}[view]
        w = lib.ones(v.shape[-1], dtype=lib.float64) if weighted else None
        y = lib.nn.functional.rms_norm(v, v.shape[-1:], w)
        outs.append((y, type(y.grad_fn).__name__, y.is_contiguous()))
    assert_tensor_equal(outs[0][0], outs[1][0])
    assert outs[0][1:] == outs[1][1:]


@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": 0, "keepdim": True}])
@pytest.mark.parametrize("vector_q", [False, True])
def test_quantile_result_version_as_torch(fn, interpolation, kwargs, vector_q):
    """torch interpolates in place (lerp_): the result's version counter, which names the
    version in the error for a saved tensor modified later, must be the same."""
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    seen = []
    for lib in (minigrad, torch):
        q = lib.tensor([0.2, 0.7], dtype=lib.float64) if vector_q else 0.3
        y = getattr(lib, fn)(lib.tensor(x, requires_grad=True), q, interpolation=interpolation,
                             **kwargs)
        seen.append((y._version, type(y.grad_fn).__name__, y.detach().numpy().tolist()))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("n", [2, 3, 7, 8, 9, 17, 40])
@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm_float32_gradient_rounds_as_torch(n, affine):
    """Short float32 rows are ill-conditioned (rows of 2 normalise to ±1): the input gradient
    is computed with torch's kernel (Welford statistics, its sums and fused steps) and so
    agrees with torch's bit for bit."""
    rng = np.random.default_rng(n)
    x = rng.standard_normal((64, n)).astype(np.float32)
    g = rng.standard_normal((64, n)).astype(np.float32)
    w = rng.standard_normal(n).astype(np.float32) if affine else None
    grads = []
    for lib in (minigrad, torch):
        t = lib.tensor(x, requires_grad=True)
        weight = None if w is None else lib.tensor(w)
        lib.nn.functional.layer_norm(t, (n,), weight).backward(lib.tensor(g))
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["softshrink", "hardshrink"])
@pytest.mark.parametrize("layout", ["contiguous", "rows"])
def test_shrink_keeps_nan_and_signs_of_zero_as_torch(dtype, name, layout):
    """NaN passes through (its gradient too); softshrink's dead zone gives x * 0 (a signed
    zero) where torch's scalar code computes it and +0 where its vector code does."""
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 8, 9, 15, 16, 17, 33, 40):
        x = rng.uniform(-1, 1, (3, n))
        x[:, ::3] = -0.0
        x[:, 1::5] = np.nan
        seen = []
        for lib in (minigrad, torch):
            t = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
            v = t[:, : n - 1] if layout == "rows" and n > 1 else t
            y = getattr(lib.nn.functional, name)(v)
            y.backward(lib.ones_like(y))
            seen.append((np.signbit(y.detach().numpy()), y.detach().numpy(), t.grad.numpy()))
        np.testing.assert_array_equal(seen[0][0], seen[1][0])
        np.testing.assert_array_equal(seen[0][1], seen[1][1])
        np.testing.assert_array_equal(seen[0][2], seen[1][2])
