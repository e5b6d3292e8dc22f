"""Reductions (sum, mean, prod, max/min, amax/amin, argmax, var/std, logsumexp, norm, cumsum,
cumprod, all/any, count_nonzero) against real torch: values, dtypes, shapes, grad_fn names,
gradients (random upstream), ties, zeros, nan, empty tensors and errors."""
import math
import pickle
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check, pair

RNG = np.random.default_rng(1234)


# ---- running one expression in both libraries ----------------------------------------------------
def _compare_outputs(out_m, out_t):
    """Same kind of result: a tensor, or a torch.return_types tuple (printed identically)."""
    if isinstance(out_t, torch.Tensor):
        assert_tensor_equal(out_m, out_t)
        name_t = type(out_t.grad_fn).__name__ if out_t.grad_fn is not None else None
        name_m = type(out_m.grad_fn).__name__ if out_m.grad_fn is not None else None
        assert name_m == name_t
        return
    assert type(out_m).__name__ == type(out_t).__name__
    assert len(out_m) == len(out_t)
    for m, t in zip(out_m, out_t):
        _compare_outputs(m, t)
    assert repr(out_m) == repr(out_t)


def check(fn, *arrays, grad=True, seed=0):
    """fn(lib, *tensors) in minigrad and torch: same outputs, and the same input gradients for a
    random upstream gradient on the first (differentiable) output."""
    pairs = [pair(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    mg = [p[0] for p in pairs]
    th = [p[1] for p in pairs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_t = fn(torch, *th)
        out_m = fn(minigrad, *mg)
    _compare_outputs(out_m, out_t)
    first_t = out_t if isinstance(out_t, torch.Tensor) else out_t[0]
    first_m = out_m if isinstance(out_m, minigrad.Tensor) else out_m[0]
    if not first_t.requires_grad:
        return out_m, out_t
    up = np.random.default_rng(seed).standard_normal(first_t.shape).astype(
        first_t.detach().numpy().dtype)
    first_t.backward(torch.from_numpy(up.copy()))
    first_m.backward(minigrad.from_numpy(up.copy()))
    for m, t in zip(mg, th):
        if t.grad is None:  # e.g. norm(p=0): torch gives no gradient at all
            assert m.grad is None
        else:
            assert_tensor_equal(m.grad, t.grad)
    return out_m, out_t


# ---- strategies ---------------------------------------------------------------------------------
dtypes = st.sampled_from([np.float32, np.float64])


@st.composite
def shaped(draw, min_ndim=0, max_ndim=3, min_side=1, ties=False):
    """(array, dtype) with a drawn shape; ``ties`` draws small integers so values repeat."""
    ndim = draw(st.integers(min_ndim, max_ndim))
    shape = tuple(draw(st.integers(min_side, 4)) for _ in range(ndim))
    dt = draw(dtypes)
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    a = rng.integers(-2, 3, shape) if ties else rng.standard_normal(shape)
    return np.asarray(a, dtype=dt)


@st.composite
def dims_of(draw, ndim, allow_tuple=True):
    """A dim argument for an ndim tensor: an int (maybe negative) or a tuple of distinct ints."""
    if ndim == 0:
        return draw(st.sampled_from([0, -1]))
    if allow_tuple and draw(st.booleans()):
        chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        return tuple(d - ndim if draw(st.booleans()) else d for d in chosen)
    d = draw(st.integers(0, ndim - 1))
    return d - ndim if draw(st.booleans()) else d


SETTINGS = settings(max_examples=25, deadline=None)


# ---- sum / mean ---------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data(), a=shaped())
def test_sum_mean_dims(data, a):
    dim = data.draw(dims_of(a.ndim))
    keepdim = data.draw(st.booleans())
    check(lambda T, x: x.sum(dim, keepdim=keepdim), a)
    check(lambda T, x: T.mean(x, dim=dim, keepdim=keepdim), a)


@SETTINGS
@given(a=shaped())
def test_sum_mean_full(a):
    check(lambda T, x: x.sum(), a)
    check(lambda T, x: T.sum(x), a)
    check(lambda T, x: x.mean(), a)
    check(lambda T, x: x.sum(dim=None), a)  # SumBackward1, as in torch
    check(lambda T, x: x.mean(dim=(), keepdim=True), a)


def test_sum_mean_program17():
    data = np.array([[5, 9, 3], [3, 4, 0]], dtype=np.float64)
    for fn in (lambda T, x: x.mean(), lambda T, x: x.mean(dim=0), lambda T, x: x.mean(dim=1),
               lambda T, x: x.sum(), lambda T, x: x.sum(dim=0), lambda T, x: x.sum(dim=1)):
        out_m, out_t = check(fn, data)
        assert repr(out_m) == repr(out_t)


@pytest.mark.parametrize("np_dtype", [np.int64, np.int32, np.int8, np.uint8, np.bool_])
def test_sum_integer_and_bool_give_int64(np_dtype):
    a = (np.arange(6).reshape(2, 3) % 2).astype(np_dtype)
    check(lambda T, x: x.sum(), a)
    check(lambda T, x: x.sum(1, keepdim=True), a)
    check(lambda T, x: x.sum(dtype=T.int32), a)
    check(lambda T, x: x.mean(dtype=T.float64), a)
    check(lambda T, x: x.mean(0, dtype=T.float32), a)


def test_sum_mean_dtype_argument():
    a = np.array([1.5, 2.5, -0.7], dtype=np.float32)
    check(lambda T, x: x.sum(dtype=T.int64), a, grad=False)
    check(lambda T, x: x.sum(dtype=T.float64), a)
    check(lambda T, x: x.sum(0, dtype=T.float64), a)
    check(lambda T, x: x.mean(dtype=T.float64), a)


def test_sum_mean_float16():
    a = np.linspace(-3, 3, 50).astype(np.float16)
    check(lambda T, x: x.sum(), a, grad=False)
    check(lambda T, x: x.mean(), a, grad=False)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0)])
def test_sum_mean_prod_empty(shape):
    a = np.zeros(shape, np.float32)
    check(lambda T, x: x.sum(), a)
    check(lambda T, x: x.mean(), a)
    check(lambda T, x: x.prod(), a)
    check(lambda T, x: x.sum(0), a)
    check(lambda T, x: x.mean(-1), a)
    check(lambda T, x: x.prod(-1), a)


@pytest.mark.parametrize("dt", ["int64", "bool", "int32", "uint8", "int8", "int16"])
def test_mean_integer_error(dt):
    a = np.array([1, 0, 1]).astype(dt)
    mg, th = pair(a)
    assert_same_error(lambda: mg.mean(), lambda: th.mean())
    assert_same_error(lambda: minigrad.mean(mg, dim=0), lambda: torch.mean(th, dim=0))


def test_mean_integer_dtype_argument_error():
    mg, th = pair(np.ones(3, np.float32))
    assert_same_error(lambda: mg.mean(dtype=minigrad.int64), lambda: th.mean(dtype=torch.int64))


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "var", "std", "logsumexp",
                                "norm", "count_nonzero", "all", "any"])
def test_dim_errors(op):
    mg, th = pair(np.ones((2, 3), np.float32))
    for dim in (2, (-3,), (0, -2)):
        assert_same_error(lambda d=dim: getattr(mg, op)(dim=d),
                          lambda d=dim: getattr(th, op)(dim=d))


@pytest.mark.parametrize("op", ["prod", "max", "min", "argmax", "argmin", "cumsum", "cumprod"])
def test_single_dim_errors(op):
    mg, th = pair(np.ones((2, 3), np.float32))
    assert_same_error(lambda: getattr(mg, op)(2), lambda: getattr(th, op)(2))
    assert_same_error(lambda: getattr(mg, op)(-3), lambda: getattr(th, op)(-3))
    m0, t0 = pair(np.array(2.0, np.float32))
    assert_same_error(lambda: getattr(m0, op)(1), lambda: getattr(t0, op)(1))


def test_zero_dim_reductions():
    a = np.array(2.5, np.float64)
    for fn in (lambda T, x: x.sum(0), lambda T, x: x.mean(-1, keepdim=True),
               lambda T, x: x.prod(0), lambda T, x: x.max(0), lambda T, x: x.min(-1),
               lambda T, x: x.amax(0), lambda T, x: x.argmax(0), lambda T, x: x.cumsum(0),
               lambda T, x: x.cumprod(0), lambda T, x: x.logsumexp(0), lambda T, x: x.norm(),
               lambda T, x: x.max(), lambda T, x: x.prod()):
        check(fn, a)


# ---- prod ---------------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data(), a=shaped(ties=True))
def test_prod_with_zeros(data, a):
    """Small integers give many zeros: one zero and several zeros per slice both occur."""
    keepdim = data.draw(st.booleans())
    check(lambda T, x: x.prod(), a)
    if a.ndim:
        dim = data.draw(dims_of(a.ndim, allow_tuple=False))
        check(lambda T, x: T.prod(x, dim, keepdim=keepdim), a)


@pytest.mark.parametrize("row", [[2.0, 3.0, 4.0], [2.0, 0.0, 4.0], [0.0, 3.0, 0.0]])
def test_prod_zero_counts(row):
    a = np.array([row, [1.5, -2.0, 0.5]])
    check(lambda T, x: x.prod(1), a)
    check(lambda T, x: x.prod(), a)


def test_prod_integer_dtype():
    check(lambda T, x: x.prod(), np.array([1, 2, 3], np.int32))
    check(lambda T, x: x.prod(0, dtype=T.float64), np.array([1, 2, 3], np.int32))
    check(lambda T, x: x.prod(), np.array([True, True]))


# ---- max / min / amax / amin / argmax ----------------------------------------------------------
@SETTINGS
@given(a=shaped(ties=True))
def test_max_min_full_ties_share_gradient(a):
    check(lambda T, x: x.max(), a)
    check(lambda T, x: T.min(x), a)
    check(lambda T, x: x.amax(), a)
    check(lambda T, x: x.amin(dim=()), a)
    check(lambda T, x: x.argmax(), a)
    check(lambda T, x: x.argmin(keepdim=True), a)


@SETTINGS
@given(data=st.data(), a=shaped(ties=True))
def test_max_min_dim_first_index(data, a):
    dim = data.draw(dims_of(a.ndim, allow_tuple=False))
    keepdim = data.draw(st.booleans())
    check(lambda T, x: x.max(dim, keepdim), a)
    check(lambda T, x: T.min(x, dim=dim, keepdim=keepdim), a)
    check(lambda T, x: x.argmax(dim, keepdim=keepdim), a)
    check(lambda T, x: T.argmin(x, dim), a)


@SETTINGS
@given(data=st.data(), a=shaped(ties=True))
def test_amax_amin_dims(data, a):
    dim = data.draw(dims_of(a.ndim))
    keepdim = data.draw(st.booleans())
    check(lambda T, x: x.amax(dim, keepdim), a)
    check(lambda T, x: T.amin(x, dim, keepdim=keepdim), a)


def test_max_seed_examples_and_printing():
    d = np.array([[5, 9, 3], [3, 4, 0]], dtype=np.float64)
    out_m, out_t = check(lambda T, x: x.max(dim=0), d, grad=False)
    assert repr(out_m) == ("torch.return_types.max(\nvalues=tensor([5., 9., 3.], "
                           "dtype=torch.float64),\nindices=tensor([0, 0, 0]))")
    assert str(out_m) == repr(out_m)
    v, i = out_m
    assert out_m.values is v and out_m.indices is i and out_m[1] is i
    assert isinstance(out_m, tuple) and len(out_m) == 2
    check(lambda T, x: x.max(dim=0), np.array([1.0, 3, 3, 2]))
    check(lambda T, x: x.min(dim=0), np.array([3.0, 1, 1, 3]))
    check(lambda T, x: x.max(1), d)  # with grad: values have MaxBackward0, indices no grad_fn
    assert minigrad.return_types.max is type(out_m)
    assert repr(type(out_m)) == repr(type(out_t)) == "<class 'torch.return_types.max'>"
    for cls in (minigrad.return_types.min, minigrad.return_types.sort):
        back = pickle.loads(pickle.dumps(cls((1, 2))))
        assert type(back) is cls and tuple(back) == (1, 2)


def test_max_min_nan_propagates():
    a = np.array([[1.0, np.nan, 3.0], [3.0, 0.0, np.nan], [np.nan, np.nan, 1.0]])
    for fn in (lambda T, x: x.max(), lambda T, x: x.min(), lambda T, x: x.max(1),
               lambda T, x: x.min(0), lambda T, x: x.argmax(1), lambda T, x: x.argmin(),
               lambda T, x: x.amax(1)):
        check(fn, a)


def test_max_min_elementwise_forms():
    a = RNG.standard_normal((2, 3))
    b = RNG.standard_normal(3)
    check(lambda T, x, y: T.max(x, y), a, b)
    check(lambda T, x, y: x.min(y), a, b)
    check(lambda T, x, y: T.max(x, other=y), a, b)


def test_max_integer_and_bool():
    check(lambda T, x: x.max(), np.array([1, 5, 2]))
    check(lambda T, x: x.min(0), np.array([[1, 5], [2, 0]], np.int32))
    check(lambda T, x: x.max(), np.array([True, False]))
    check(lambda T, x: x.amax(0), np.array([[1, 5], [2, 0]], np.int16))


def test_extremum_empty():
    mg, th = pair(np.zeros(0, np.float32))
    for op in ("max", "min", "amax", "amin", "argmax", "argmin"):
        assert_same_error(lambda o=op: getattr(mg, o)(), lambda o=op: getattr(th, o)())
    mg, th = pair(np.zeros((0, 3), np.float32))
    for op in ("max", "min", "amax", "amin", "argmax", "argmin"):
        assert_same_error(lambda o=op: getattr(mg, o)(0), lambda o=op: getattr(th, o)(0))
    a = np.zeros((0, 3), np.float32)
    for fn in (lambda T, x: x.max(1), lambda T, x: x.min(1, True), lambda T, x: x.amax(1),
               lambda T, x: x.argmax(1)):
        check(fn, a, grad=False)


# ---- var / std ---------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data(), a=shaped(min_ndim=1))
def test_var_std(data, a):
    dim = data.draw(st.none() | dims_of(a.ndim))
    keepdim = data.draw(st.booleans())
    kind = data.draw(st.sampled_from(["default", "unbiased", "correction"]))
    if kind == "default":
        kw = {}
    elif kind == "unbiased":
        kw = {"unbiased": data.draw(st.booleans())}
    else:
        kw = {"correction": data.draw(st.sampled_from([0, 1, 2, 0.5]))}
    check(lambda T, x: x.var(dim, keepdim=keepdim, **kw), a)
    check(lambda T, x: T.std(x, dim, keepdim=keepdim, **kw), a)


def test_var_std_overloads():
    a = RNG.standard_normal((3, 4))
    check(lambda T, x: x.var(False), a)
    check(lambda T, x: x.std(0, False, True), a)
    check(lambda T, x: x.std(correction=0), a)


def test_std_at_constant_input_has_zero_gradient():
    a = np.full((2, 3), 1.5)
    check(lambda T, x: x.std(), a)
    check(lambda T, x: x.std(1), a)
    check(lambda T, x: x.var(0), a)


def test_var_too_few_elements():
    check(lambda T, x: x.var(), np.array([1.0, 2.0]), grad=False)
    check(lambda T, x: x.var(correction=3), np.array([1.0, 2.0]), grad=False)
    check(lambda T, x: x.std(), np.array([1.0]), grad=False)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        minigrad.tensor([1.0]).var()


def test_var_integer_error():
    mg, th = pair(np.array([1, 2, 3]))
    assert_same_error(lambda: mg.var(), lambda: th.var())
    assert_same_error(lambda: mg.std(0), lambda: th.std(0))


# ---- logsumexp ----------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data(), a=shaped())
def test_logsumexp(data, a):
    dim = data.draw(dims_of(a.ndim))
    keepdim = data.draw(st.booleans())
    check(lambda T, x: T.logsumexp(x * 30, dim, keepdim=keepdim), a)


def test_logsumexp_special_values():
    check(lambda T, x: x.logsumexp(0), np.array([np.inf, 2.0]), grad=False)
    check(lambda T, x: x.logsumexp(0), np.array([-np.inf, -np.inf]), grad=False)
    check(lambda T, x: x.logsumexp(0), np.array([1000.0, 1000.0], np.float32))
    check(lambda T, x: x.logsumexp(0), np.array([1, 2]))
    check(lambda T, x: x.logsumexp(0), np.zeros((0, 3), np.float32))


# ---- norm ---------------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data(), a=shaped(ties=True))
def test_norm(data, a):
    """Integer-valued inputs: zeros, ties of |x| and all-zero slices all occur."""
    p = data.draw(st.sampled_from([2, 1, 3, 1.5, 0.5, 0, math.inf, -math.inf, "fro", -1.0]))
    dim = data.draw(st.none() | dims_of(a.ndim))
    keepdim = data.draw(st.booleans())
    if isinstance(p, float) and p < 1 and p != 0:
        a = a + (a == 0)  # torch's own gradient is nan/inf at zeros for these p
    if p == "fro" and isinstance(dim, tuple) and len(dim) > 2:  # torch refuses: same error
        mg, th = pair(a)
        assert_same_error(lambda: mg.norm(p, dim, keepdim), lambda: th.norm(p, dim, keepdim))
        return
    check(lambda T, x: x.norm(p, dim, keepdim), a)


def test_norm_at_zero_has_zero_gradient():
    check(lambda T, x: x.norm(), np.zeros((2, 3)))
    check(lambda T, x: T.norm(x, dim=1), np.array([[0.0, 0.0], [3.0, 4.0]]))
    check(lambda T, x: x.norm(3), np.zeros(3))


def test_norm_dtype_and_errors():
    check(lambda T, x: x.norm(dtype=T.float64), RNG.standard_normal(4).astype(np.float32))
    mg, th = pair(np.array([3, 4]))
    assert_same_error(lambda: mg.norm(), lambda: th.norm())
    mg, th = pair(np.zeros(0, np.float32))
    assert_same_error(lambda: mg.norm(math.inf), lambda: th.norm(math.inf))
    check(lambda T, x: x.norm(), np.zeros(0, np.float32))


# ---- cumsum / cumprod --------------------------------------------------------------------------
@SETTINGS
@given(data=st.data(), a=shaped(ties=True))
def test_cumsum_cumprod(data, a):
    """Small integers: cumprod sees slices with no zero, one zero and several zeros."""
    dim = data.draw(dims_of(a.ndim, allow_tuple=False))
    check(lambda T, x: x.cumsum(dim), a)
    check(lambda T, x: T.cumprod(x, dim), a)


def test_cumsum_cumprod_dtypes():
    check(lambda T, x: x.cumsum(0), np.array([1, 2, 3], np.int32))
    check(lambda T, x: x.cumsum(0), np.array([True, False, True]))
    check(lambda T, x: x.cumprod(0), np.array([1, 2, 3], np.int32))
    check(lambda T, x: x.cumsum(0, dtype=T.float64), np.array([1.5, 2.5], np.float32))
    check(lambda T, x: x.cumsum(1), np.zeros((0, 3), np.float32))


# ---- all / any / count_nonzero ------------------------------------------------------------------
@SETTINGS
@given(data=st.data(), a=shaped(ties=True, min_side=0))
def test_logical_and_counting_reductions(data, a):
    keepdim = data.draw(st.booleans())
    dim = data.draw(st.none() | dims_of(a.ndim))
    check(lambda T, x: x.all(), a, grad=False)
    check(lambda T, x: T.any(x), a, grad=False)
    check(lambda T, x: x.count_nonzero(), a, grad=False)
    check(lambda T, x: x.count_nonzero(dim), a, grad=False)
    if dim is not None:
        check(lambda T, x: x.all(dim, keepdim), a, grad=False)
        check(lambda T, x: x.any(dim=dim, keepdim=keepdim), a, grad=False)


def test_all_any_dtypes():
    check(lambda T, x: x.all(), np.array([1, 2, 0], np.uint8))
    check(lambda T, x: x.any(0), np.array([[1, 0]], np.uint8))
    check(lambda T, x: x.any(), np.array([0.0, 0.5]))


# ---- graph structure and higher-order gradients --------------------------------------------------
def test_next_functions_structure():
    mg, th = pair(RNG.standard_normal((2, 3)), requires_grad=True)
    for name in ("sum", "mean", "max", "amax", "var", "std", "prod"):
        m = getattr(mg, name)(1)
        t = getattr(th, name)(1)
        m = m if isinstance(m, minigrad.Tensor) else m[0]
        t = t if isinstance(t, torch.Tensor) else t[0]
        assert [type(n).__name__ for n, _ in m.grad_fn.next_functions] == \
            [type(n).__name__ for n, _ in t.grad_fn.next_functions]


@pytest.mark.parametrize("fn", [
    lambda T, x: (x * x).sum(1),
    lambda T, x: (x * x).mean(0, keepdim=True),
    lambda T, x: x.prod(1),
    lambda T, x: x.var(0),
    lambda T, x: x.std(1),
    lambda T, x: x.logsumexp(1),
    lambda T, x: x.norm(dim=1),
    lambda T, x: x.norm(3),
    lambda T, x: x.cumsum(1) ** 2,
    lambda T, x: x.cumprod(1),
    lambda T, x: x.max(1)[0] ** 2,
    lambda T, x: x.amin(0) ** 2,
])
def test_double_backward(fn):
    a = RNG.standard_normal((3, 4))
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(a, requires_grad=True)
        y = fn(lib, x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        results.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-9, atol=1e-11)


# ---- finite differences (float64, no torch) -----------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda x: x.sum((0, 2)),
    lambda x: x.mean(1, keepdim=True),
    lambda x: x.prod(2),
    lambda x: x.amax(1),
    lambda x: x.max(0)[0],
    lambda x: x.var(2),
    lambda x: x.std((0, 1)),
    lambda x: x.logsumexp(1),
    lambda x: x.norm(dim=0),
    lambda x: x.norm(3, dim=2),
    lambda x: x.norm(1.5),
    lambda x: x.cumsum(2),
    lambda x: x.cumprod(1),
])
def test_finite_differences(fn):
    fd_check(fn, [RNG.standard_normal((2, 3, 4))])


@pytest.mark.parametrize("op", ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax",
                                "argmin", "var", "std", "logsumexp", "cumsum", "cumprod", "all",
                                "any", "count_nonzero"])
def test_numpy_spellings_axis_keepdims(op):
    a = RNG.standard_normal((2, 3))
    check(lambda T, x: getattr(x, op)(axis=1), a)
    if op not in ("cumsum", "cumprod", "count_nonzero"):
        check(lambda T, x: getattr(T, op)(x, axis=0, keepdims=True), a)


@pytest.mark.parametrize("dim", [None, 1, (0, 1)])
@pytest.mark.parametrize("correction", [2, 3, 5])
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_gradient_without_degrees_of_freedom(op, correction, dim):
    """N - correction <= 0: torch's gradient is inf/nan for a full reduction, the plain formula
    with a dim."""
    values = [[1.0, 2.0], [3.0, 3.0]] if dim != 1 else [[1.0, 2.0]]
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kwargs = {"correction": correction} if dim is None else {
                "dim": dim, "correction": correction}
            getattr(x, op)(**kwargs).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_array_equal(grads[0], grads[1])


def test_cumsum_never_gives_negative_zero():
    """torch adds from a 0 accumulator: cumsum of -0.0 is +0.0 (also the reversed cumsum in its
    backward), a 0-dim input is returned as it is."""
    def run(lib):
        x = lib.tensor([[-0.0, -0.0], [-0.0, 1.0]], dtype=lib.float64, requires_grad=True)
        out = x.cumsum(1)
        g, = lib.autograd.grad(out, x, lib.tensor([[-0.0, -0.0], [-0.0, -0.0]],
                                                  dtype=lib.float64))
        scalar = lib.tensor(-0.0).cumsum(0)
        return out, g, scalar, lib.tensor([-0.0], dtype=lib.float64).cumsum(0, dtype=lib.float32)
    for got, expected in zip(run(minigrad), run(torch)):
        assert_tensor_equal(got, expected)
        np.testing.assert_array_equal(np.signbit(got.detach().numpy()),
                                      np.signbit(expected.detach().numpy()))


PROD_INPUTS = {
    "no_zero": [[1.5, -2.0, 1.0], [1.0, 2.0, 3.0]],
    "one_zero": [[1.5, 0.0, 2.0], [1.0, 2.0, 3.0]],
    "two_zeros_in_a_slice": [[0.0, 0.0, 2.0], [1.0, 2.0, 3.0]],
    "zeros_in_different_slices": [[0.0, 1.5, 2.0], [1.0, -0.0, 3.0]],
}


@pytest.mark.parametrize("case", sorted(PROD_INPUTS))
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_double_backward_with_zeros(case, dim):
    """torch's prod_backward: grad * out / x without zeros, running products from both ends
    with zeros; both differentiable again (the second derivative at zeros is not zero)."""
    rng = np.random.default_rng(3)
    up1 = rng.standard_normal(3 if dim == 0 else 2).tolist() if dim is not None else 1.3
    up2 = rng.standard_normal((2, 3)).tolist()

    def run(lib):
        x = lib.tensor(PROD_INPUTS[case], dtype=lib.float64, requires_grad=True)
        out = x.prod() if dim is None else x.prod(dim)
        g, = lib.autograd.grad(out, x, lib.tensor(up1, dtype=lib.float64), create_graph=True)
        gg, = lib.autograd.grad(g, x, lib.tensor(up2, dtype=lib.float64))
        return out.detach(), g.detach(), type(g.grad_fn).__name__, gg

    got, expected = run(minigrad), run(torch)
    assert got[2] == expected[2]
    for g, e in zip(got[:2] + got[3:], expected[:2] + expected[3:]):
        assert_tensor_equal(g, e)


@pytest.mark.parametrize("dim", [None, 0])
def test_prod_saves_its_result(dim):
    """Modifying prod's result in place makes backward raise, as in torch."""
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        out = x.prod() if dim is None else x.prod(dim)
        out.mul_(2)
        out.sum().backward()
    assert_same_error(lambda: run(minigrad), lambda: run(torch))


@pytest.mark.parametrize("op", ["max", "min", "max_dim", "min_dim_keepdim"])
@pytest.mark.parametrize("upstream", [2.0, float("nan")])
def test_extremum_gradient_only_at_the_picked_elements(op, upstream):
    """torch builds these gradients on zeros (masked_fill for max()/min(), scatter along a dim),
    so a nan upstream gradient reaches only the picked elements; same grad_fn and graph."""
    data = [[0.9, 1.3, 1.3], [float("nan"), -1.0, 2.0]]

    def run(lib):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        if op in ("max", "min"):
            out = getattr(x, op)()
        else:
            out = getattr(x, op[:3])(1, keepdim=op.endswith("keepdim")).values
        u = lib.full(tuple(out.shape), upstream, dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad(out, x, u, create_graph=True)
        gu, = lib.autograd.grad(g.sum(), u)
        names = [type(g.grad_fn).__name__] + [type(f).__name__ for f, _ in
                                               g.grad_fn.next_functions]
        return g.detach(), gu, names

    got, expected = run(minigrad), run(torch)
    assert got[2] == expected[2]
    for g, e in zip(got[:2], expected[:2]):
        assert_tensor_equal(g, e)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_var_of_equal_values_like_torch(dtype, dim):
    """torch sums squared deviations in double: along a dim (Welford) equal values give exactly
    0; a full reduction takes the mean in the input's dtype first (float32: a tiny nonzero)."""
    data = np.full((2, 3, 3), 0.1783522665500641)
    data[1] = 1 / 3

    def run(lib):
        x = lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=True)
        var = x.var() if dim is None else x.var(dim)
        std = x[0, 0].std() if dim is None else x.std(dim)
        u = lib.tensor(np.ones(tuple(var.shape)), dtype=var.dtype)
        g, = lib.autograd.grad(lib.atan2(var, var.detach()), x, u)  # 0 vs tiny: atan2 tells
        return var, std, g

    for got, expected in zip(run(minigrad), run(torch)):
        assert_tensor_equal(got, expected, rtol=1e-6, atol=0)


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_scans_accumulate_wide_and_return_contiguous(op):
    """torch's CPU cumsum/cumprod accumulate float32 in double (then cast) and always return a
    contiguous tensor, also for a transposed input."""
    data = [[-1.1, -0.1, 1.2, 0.0], [0.3, 1e-8, -0.3, 2.0]]

    def run(lib):
        x = lib.tensor(data, requires_grad=True)
        out = getattr(x.t(), op)(0)
        out.backward(lib.ones(4, 2))
        return out, out.is_contiguous(), out.stride(), x.grad
    got, expected = run(minigrad), run(torch)
    assert got[1:3] == expected[1:3]
    for g, e in (got[0], expected[0]), (got[3], expected[3]):
        assert_tensor_equal(g, e)
