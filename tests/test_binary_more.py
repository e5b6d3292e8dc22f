"""copysign, logaddexp2, hypot, the bit shifts and acosh/asinh/atanh against torch: values and
dtypes over hypothesis-drawn broadcast shapes and dtypes, every input's gradient, float64
finite differences, torch's errors, the operators and in-place forms."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check, graph_signature

BINARY = ["copysign", "logaddexp2", "hypot"]
UNARY = {"acosh": (1.1, 4.0), "asinh": (-3.0, 3.0), "atanh": (-0.9, 0.9)}


def _grads_match(fn_mg, fn_th, arrays):
    leaves_mg = [minigrad.from_numpy(a.copy()).requires_grad_() for a in arrays]
    leaves_th = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    out_mg, out_th = fn_mg(*leaves_mg), fn_th(*leaves_th)
    assert_tensor_equal(out_mg, out_th)
    assert graph_signature(out_mg) == graph_signature(out_th)
    g = np.random.default_rng(0).standard_normal(out_th.shape).astype(arrays[0].dtype)
    out_mg.backward(minigrad.from_numpy(g.copy()))
    out_th.backward(torch.from_numpy(g.copy()))
    for a, b in zip(leaves_mg, leaves_th):
        assert_tensor_equal(a.grad, b.grad)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(BINARY), hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3),
       st.sampled_from([np.float32, np.float64]), st.integers(0, 2**32 - 1))
def test_binary_values_and_gradients(name, shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s).astype(dtype) + 0.3 for s in shapes.input_shapes)
    a, b = np.asarray(a), np.asarray(b)
    _grads_match(getattr(minigrad, name), getattr(torch, name), [a, b])


@pytest.mark.parametrize("name", BINARY)
def test_binary_fd_gradcheck(name):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)) + 0.2, rng.standard_normal((4,)) - 0.2
    fd_check(getattr(minigrad, name), [a, b])


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inverse_hyperbolic(name, dtype):
    lo, hi = UNARY[name]
    x = np.random.default_rng(2).uniform(lo, hi, (3, 5)).astype(dtype)
    _grads_match(getattr(minigrad, name), getattr(torch, name), [x])
    alias = "arc" + name[1:]
    assert getattr(minigrad, alias)(minigrad.from_numpy(x)).allclose(
        getattr(minigrad, name)(minigrad.from_numpy(x)))
    if dtype == np.float64:
        fd_check(getattr(minigrad, name), [x])


def test_inverse_hyperbolic_edges_and_integers():
    x = [-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, float("inf"), float("-inf"), float("nan")]
    for name in UNARY:
        assert_tensor_equal(getattr(minigrad, name)(minigrad.tensor(x)),
                            getattr(torch, name)(torch.tensor(x)))
        assert_tensor_equal(getattr(minigrad, name)(minigrad.tensor([1, 2, 3])),
                            getattr(torch, name)(torch.tensor([1, 2, 3])))
        t_mg, t_th = minigrad.tensor([1.5, 2.5]), torch.tensor([1.5, 2.5])
        getattr(t_mg, name + "_")()
        getattr(t_th, name + "_")()
        assert_tensor_equal(t_mg, t_th)


def test_copysign_special_values_scalars_and_integers():
    a = [0.0, -0.0, 1.5, -2.0, float("inf"), float("nan")]
    b = [-0.0, 0.0, -1.0, 3.0, -1.0, -2.0]
    for other in (lambda L: L.tensor(b), lambda L: -0.0, lambda L: 2, lambda L: L.tensor(-1)):
        got = minigrad.copysign(minigrad.tensor(a), other(minigrad))
        want = torch.copysign(torch.tensor(a), other(torch))
        assert_tensor_equal(got, want)
        assert np.array_equal(np.signbit(got.numpy()), np.signbit(want.numpy()))
    assert_tensor_equal(minigrad.copysign(minigrad.tensor([1, -2]), minigrad.tensor([-1, 1])),
                        torch.copysign(torch.tensor([1, -2]), torch.tensor([-1, 1])))
    # gradient at 0 is 0; a scalar other records CopysignBackward1
    _grads_match(lambda x: minigrad.copysign(x, -1.0), lambda x: torch.copysign(x, -1.0),
                 [np.array([0.0, 2.0, -3.0])])


def test_logaddexp2_and_hypot_extremes():
    a = [float("inf"), float("-inf"), float("-inf"), 1000.0, -1000.0, 0.0, float("nan")]
    b = [float("inf"), float("-inf"), 3.0, 1000.0, -1000.0, -0.0, 1.0]
    for name in ("logaddexp2", "hypot"):
        for dt in (minigrad.float32, minigrad.float64):
            t_dt = getattr(torch, str(dt).split(".")[1])
            assert_tensor_equal(getattr(minigrad, name)(minigrad.tensor(a, dtype=dt),
                                                        minigrad.tensor(b, dtype=dt)),
                                getattr(torch, name)(torch.tensor(a, dtype=t_dt),
                                                     torch.tensor(b, dtype=t_dt)))


_ERRORS = [
    lambda L: L.logaddexp2(L.tensor([1, 2]), L.tensor([1, 2])),
    lambda L: L.hypot(L.tensor([1, 2]), L.tensor([1, 2])),
    lambda L: L.logaddexp2(L.tensor([1.0]), 2),
    lambda L: L.hypot(L.tensor([1.0]), 2.0),
    lambda L: L.tensor([1.5]) << 1,
    lambda L: L.tensor([5]) >> 2.0,
    lambda L: L.bitwise_left_shift(L.tensor([1.0]), L.tensor([1.0])),
]


@pytest.mark.parametrize("call", _ERRORS)
def test_errors(call):
    assert_same_error(lambda: call(minigrad), lambda: call(torch))


_INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_INT_DTYPES), st.sampled_from(_INT_DTYPES), st.integers(0, 2**32 - 1),
       st.booleans())
def test_shifts_match_torch(dtype_a, dtype_b, seed, scalar_count):
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype_a)
    a = rng.integers(info.min, int(info.max) + 1, (3, 4), dtype=dtype_a)
    hi = min(int(np.iinfo(dtype_b).max), 80)
    b = rng.integers(max(int(np.iinfo(dtype_b).min), -3), hi + 1, (4,), dtype=dtype_b)
    for fn in ("bitwise_left_shift", "bitwise_right_shift"):
        for count in ([int(b[0])] if scalar_count else []) + [None]:
            o_mg, o_th = (count, count) if count is not None else (minigrad.from_numpy(b.copy()),
                                                                   torch.from_numpy(b.copy()))
            got = getattr(minigrad, fn)(minigrad.from_numpy(a.copy()), o_mg)
            want = getattr(torch, fn)(torch.from_numpy(a.copy()), o_th)
            assert_tensor_equal(got, want)


def test_shift_operators_reflected_and_inplace():
    def run(L):
        x = L.tensor([1, -8, 100, 7])
        y = x.clone()
        y <<= 2
        z = x.clone()
        z >>= L.tensor([1, 2, 3, 70])
        w = x.clone()
        w.bitwise_left_shift_(3)
        return (x << 3, x >> 1, 2 << x.abs().clamp(max=5), 1024 >> L.tensor([1, 2]), y, z, w,
                L.tensor([True, False]) << 1, x.bitwise_right_shift(L.tensor(1)))
    for got, want in zip(run(minigrad), run(torch)):
        assert_tensor_equal(got, want)


@pytest.mark.parametrize("changed", [0, 1])
def test_hypot_keeps_only_what_a_needed_gradient_reads(changed):
    """An input that needs no gradient is not kept: changing it in place before backward is no
    error (torch's rule); changing one that is kept raises torch's error."""
    outcomes = []
    for T in (torch, minigrad):
        x = T.tensor([[0.5, -2.0]], dtype=T.float64)
        w = T.tensor([[1.5, 0.25]], dtype=T.float64, requires_grad=True)
        args = (x, w) if changed == 0 else (w, x)
        y = T.hypot(*args) * 2
        x[0].exp_()
        y.sum().backward()
        outcomes.append(w.grad.numpy().copy())
        kept = w * 1                   # needs a gradient: kept, so changing it raises
        y = T.hypot(x, kept)
        kept.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    np.testing.assert_array_equal(outcomes[1], outcomes[0])
