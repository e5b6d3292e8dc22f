"""Tensor creation against torch: dtype inference, legacy and typed
constructors, zeros/ones/full/empty and *_like, arange, linspace (bit-identical), eye,
from_numpy/as_tensor memory sharing, and every documented error with its message."""
import warnings

import numpy as np
import pytest
import torch
from helpers import assert_same_error, assert_tensor_equal, catch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad


def both(expr, **names):
    """Evaluate expr with ``torch`` bound to minigrad, then to torch; return both results."""
    out = []
    for lib in (minigrad, torch):
        ns = {"torch": lib, "np": np, **{k: v(lib) if callable(v) else v for k, v in names.items()}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(eval(expr, ns))
    return out


def same(expr, **names):
    got, want = both(expr, **names)
    if isinstance(want, torch.Tensor):
        assert_tensor_equal(got, want)
        assert got.requires_grad == want.requires_grad
        assert got.is_leaf and want.is_leaf
    else:
        assert got == want
    return got, want


def same_error(expr, **names):
    def run(lib):
        ns = {"torch": lib, "np": np, **{k: v(lib) if callable(v) else v for k, v in names.items()}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return eval(expr, ns)
    assert_same_error(lambda: run(minigrad), lambda: run(torch))


# ---- torch.tensor ------------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    "torch.tensor(10)", "torch.tensor(2.5)", "torch.tensor(True)", "torch.tensor([30,])",
    "torch.tensor([[10., 20., 30.], [40., 50., 60.]])", "torch.tensor([1, 2.5])",
    "torch.tensor([True, False])", "torch.tensor([True, 1])", "torch.tensor([True, 1.5])",
    "torch.tensor([])", "torch.tensor([[]])", "torch.tensor([[], []])", "torch.tensor(())",
    "torch.tensor(np.random.RandomState(0).randn(2, 3))", "torch.tensor(np.arange(3))",
    "torch.tensor(np.arange(3, dtype=np.int32))", "torch.tensor(np.ones(2, np.float32))",
    "torch.tensor(np.float64(2.5))", "torch.tensor(np.array(2.5))", "torch.tensor(np.int32(7))",
    "torch.tensor(np.float32(1.5))", "torch.tensor(np.bool_(True))", "torch.tensor([1e40])",
    "torch.tensor([-1e40, 1e-50])", "torch.tensor(2**62)", "torch.tensor(-2**63)",
    "torch.tensor(10, dtype=torch.float32, requires_grad=True)",
    "torch.tensor([1.5, 2.7], dtype=torch.int32)", "torch.tensor([-1.9], dtype=torch.int64)",
    "torch.tensor([0, 2], dtype=torch.bool)", "torch.tensor([1, 2], dtype=torch.float64)",
    "torch.tensor([0.1], dtype=torch.float64)", "torch.tensor(0.1, dtype=torch.half)",
    "torch.tensor((1, 2, 3))", "torch.tensor([(1, 2), (3, 4)])", "torch.tensor(range(4))",
    "torch.tensor([np.float64(1.0), 2])", "torch.tensor([np.int64(1), 2])",
    "torch.tensor([np.array([1.0]), np.array([2.0])])", "torch.tensor(np.array([[1, 2]]).T)",
    "torch.tensor([np.array([1, 2], np.int32), np.array([3, 4.5])])",
    "torch.tensor([1, np.array(2.5)])", "torch.tensor([[1], [np.array(2.5)]])",
    "torch.tensor([np.array([1, 2]), [3, 4]])", "torch.tensor([np.float32(1.5), 2])",
    "torch.tensor([1.5], requires_grad=True)", "torch.tensor(3.0, requires_grad=True)",
    "torch.tensor([torch.tensor([[1.]]), torch.tensor([[2.]])])",
    "torch.tensor([torch.tensor(1., dtype=torch.float64), torch.tensor(2.)])",
    "torch.tensor([torch.tensor(1), torch.tensor(2.5)])",
    "torch.tensor([torch.tensor(1), torch.tensor(2)])",
    "torch.tensor([[torch.tensor(1.)], [torch.tensor(2.)]])",
    "torch.tensor([torch.tensor(True), torch.tensor(2)])",
    "torch.tensor([torch.tensor(1, dtype=torch.int32), 2])",
    "torch.tensor([torch.tensor(1.5, dtype=torch.float64), 2])",
    "torch.tensor(torch.tensor([1, 2]))", "torch.tensor(torch.ones(2, requires_grad=True))",
    "torch.tensor(np.ones((2, 0)))", "torch.tensor([[1, 2], [3, 4]], dtype=torch.uint8)",
])
def test_tensor_inference(expr):
    got, want = same(expr)
    assert got.dtype is getattr(minigrad, str(want.dtype).replace("torch.", ""))


def test_tensor_copies_and_warnings():
    a = np.arange(3.0)
    for lib in (minigrad, torch):
        t = lib.tensor(a)
        a2 = a.copy()
        t[0] = 100
        np.testing.assert_array_equal(a, a2)
    # torch.tensor(tensor) warns like torch; lists of requires-grad 1-element tensors warn too
    for expr in ["torch.tensor(torch.ones(2))",
                 "torch.tensor([torch.ones(1, 1, requires_grad=True) * 2, torch.ones(1, 1) * 3])"]:
        msgs = []
        for lib in (minigrad, torch):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                r = eval(expr, {"torch": lib})
            msgs.append(sorted({str(x.message) for x in w if x.category is UserWarning}))
            assert not r.requires_grad
        if "requires_grad" in expr:
            # torch warns once per process: compare minigrad's message with the documented one
            assert any(m.startswith("Converting a tensor with requires_grad=True to a scalar")
                       for m in msgs[0] + ["Converting a tensor with requires_grad=True to a "
                                           "scalar (warned before)"])
        else:
            assert msgs[0] == msgs[1]


@pytest.mark.parametrize("expr", ["torch.tensor([1e40])", "torch.tensor([[-1e40, 1.5]])",
                                  "torch.tensor(1e40)"])
def test_tensor_float_overflow_is_silent(expr):
    # beyond float32's range becomes inf without NumPy's RuntimeWarning, as in torch
    for lib in (minigrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            r = eval(expr, {"torch": lib})
        assert np.isinf(r.numpy()).any()


@pytest.mark.parametrize("expr", [
    "torch.tensor([[1, 2], [3]])", "torch.tensor([[1, 2], 3])", "torch.tensor([1, [2, 3]])",
    "torch.tensor([1.5, [2, 3]])", "torch.tensor([True, (2, 3)])", "torch.tensor([[1.5], [[2]]])",
    "torch.tensor([np.array(1.0), np.array(2.0)])", "torch.tensor([np.ones(2), np.ones(3)])",
    "torch.tensor(10, requires_grad=True)", "torch.tensor([1, 2], requires_grad=True)",
    "torch.tensor(2**63)", "torch.tensor(-2**63 - 1)", "torch.tensor([2**64])",
    "torch.tensor([torch.tensor([1., 2.]), torch.tensor([3., 4.])])",
    "torch.tensor('abc')", "torch.tensor([1, 'a'])", "torch.tensor(None)",
    "torch.tensor([1.5], dtype=torch.int16, requires_grad=True)",
    "torch.tensor([1, 2], device='cuda')",
])
def test_tensor_errors(expr):
    same_error(expr)


# ---- legacy constructors -------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    "torch.Tensor([10])", "torch.Tensor([10, 20])", "torch.Tensor((2, 3))", "torch.Tensor([True])",
    "torch.Tensor()", "torch.Tensor(0)", "torch.Tensor([[1, 2], [3, 4]])",
    "torch.Tensor(np.arange(3))", "torch.Tensor(np.array([1.5], np.float64))",
    "torch.Tensor([1.5, -2])",
    "torch.IntTensor([2.5, 3.3])", "torch.IntTensor([-2.5, -3.7])", "torch.LongTensor([1.9, -1.9])",
    "torch.BoolTensor([0, 2])", "torch.ShortTensor()", "torch.LongTensor()", "torch.FloatTensor()",
    "torch.DoubleTensor()", "torch.HalfTensor([2.7])", "torch.FloatTensor([1])",
    "torch.DoubleTensor([1, 2])", "torch.ByteTensor([1, 255])", "torch.CharTensor([-1])",
    "torch.ShortTensor([1.9])", "torch.IntTensor([True, False])",
])
def test_legacy_constructors(expr):
    same(expr)


@pytest.mark.parametrize("expr", [
    "torch.Tensor(2, 3)", "torch.Tensor(10)", "torch.IntTensor(2, 3)", "torch.Tensor((2, 3)).shape",
    "torch.Tensor(torch.Size([2, 3]))", "torch.LongTensor(4)", "torch.DoubleTensor(1, 2, 3)",
])
def test_legacy_sizes(expr):
    """Sizes give uninitialized tensors: compare shape and dtype only."""
    got, want = both(expr)
    if isinstance(want, torch.Size):
        assert tuple(got) == tuple(want)
    else:
        assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == str(want.dtype)
        assert got.is_leaf and not got.requires_grad


@pytest.mark.parametrize("expr", [
    "torch.Tensor(2.5)", "torch.ShortTensor([70000])", "torch.IntTensor([2**40])",
    "torch.Tensor([[1, 2], [3]])", "torch.Tensor('a')", "torch.FloatTensor(2.5)",
    "torch.ByteTensor([256])", "torch.CharTensor([200])",
])
def test_legacy_errors(expr):
    same_error(expr)


def test_legacy_types():
    for name in ["FloatTensor", "DoubleTensor", "IntTensor", "LongTensor", "ShortTensor",
                 "HalfTensor", "BoolTensor", "ByteTensor", "CharTensor"]:
        m, t = getattr(minigrad, name)([1]), getattr(torch, name)([1])
        assert type(m) is minigrad.Tensor and type(t) is torch.Tensor
        assert isinstance(m, minigrad.Tensor)
        assert isinstance(m, getattr(minigrad, name)) == isinstance(t, getattr(torch, name))
        assert isinstance(minigrad.ones(1, dtype=m.dtype), getattr(minigrad, name))
        assert not isinstance(minigrad.ones(1, dtype=minigrad.bool if name != "BoolTensor"
                                            else minigrad.float), getattr(minigrad, name))
        assert repr(getattr(minigrad, name)) == repr(getattr(torch, name))
        assert m.type() == t.type() == f"torch.{name}"
    assert str(type(minigrad.FloatTensor([1]))) == str(type(torch.FloatTensor([1])))


# ---- zeros / ones / full / empty and *_like ----------------------------------------------
@pytest.mark.parametrize("expr", [
    "torch.zeros(2, 3)", "torch.zeros([2, 3])", "torch.zeros((2, 3))", "torch.zeros(())",
    "torch.zeros(0)", "torch.zeros(2, 3, dtype=torch.int64)", "torch.zeros(torch.Size([1, 2]))",
    "torch.ones(2, 3)", "torch.ones([2], dtype=torch.bool)", "torch.ones(3, requires_grad=True)",
    "torch.full([2, 3], 10)", "torch.full([2, 3], 2.5)", "torch.full((2,), True)",
    "torch.full([2], 7, dtype=torch.float64)", "torch.full([], 3)", "torch.full((2,), -1.5,"
    " dtype=torch.int32)", "torch.full([1], 2.0, requires_grad=True)",
    "torch.zeros_like(torch.tensor([[1, 2]]))", "torch.ones_like(torch.tensor([1.5]))",
    "torch.full_like(torch.full([2, 3], 10), 20)", "torch.full_like(torch.tensor([1, 2]), 2.7)",
    "torch.full_like(torch.tensor([1, 2]), -2.7)", "torch.full_like(torch.ones(2), 7)",
    "torch.zeros_like(torch.ones(2), dtype=torch.int8)", "torch.ones_like(torch.ones(2, 2),"
    " requires_grad=True)", "torch.full_like(torch.tensor([True]), 5)",
    "torch.empty(2, 3).shape", "torch.empty_like(torch.ones(2, dtype=torch.int16)).dtype",
    "torch.empty(0).numel()", "torch.zeros(2, 3).new_zeros(4)",
    "torch.ones(1, dtype=torch.int32).new_ones((2, 2))", "torch.ones(2).new_full((3,), 5)",
    "torch.ones(2).new_tensor([1, 2])", "torch.eye(3)", "torch.eye(2, 3)",
    "torch.eye(3, dtype=torch.int64)", "torch.eye(0)", "torch.eye(3, 1)",
    "torch.scalar_tensor(3)", "torch.ones(2, 3).zero_()", "torch.zeros(2).fill_(2.5)",
    "torch.zeros(2, dtype=torch.int64).fill_(2.9)",
])
def test_fill_constructors(expr):
    got, want = both(expr)
    if isinstance(want, torch.Tensor):
        assert_tensor_equal(got, want)
        assert got.requires_grad == want.requires_grad
    else:
        assert str(got) == str(want)


@pytest.mark.parametrize("expr", [
    "torch.full(2, 3)", "torch.zeros(2, 3.0)", "torch.ones(-1)", "torch.zeros('a')",
    "torch.zeros(2, requires_grad=True, dtype=torch.int64)", "torch.eye(-1)",
    "torch.full([2], 1.5, dtype=torch.bool, requires_grad=True)", "torch.zeros(2, device='cuda')",
    "torch.full([2], 300, dtype=torch.uint8)", "torch.zeros(2, -1)", "torch.zeros((-2, 3))",
    "torch.empty(2, -1)", "torch.full((2, -1), 1.0)",
])
def test_fill_errors(expr):
    same_error(expr)


# ---- arange ---------------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    "torch.arange(0, 10, 2)", "torch.arange(5)", "torch.arange(0, 10, 2.)",
    "torch.arange(0., 1., 0.1)",
    "torch.arange(10, 0, -3)", "torch.arange(torch.tensor(3))", "torch.arange(1, 4)",
    "torch.arange(0)", "torch.arange(5, 5)", "torch.arange(-2.5, 2.5, 0.5)",
    "torch.arange(5, dtype=torch.float64)", "torch.arange(0, 1, 0.3, dtype=torch.float64)",
    "torch.arange(1, 2.5, 0.5)", "torch.arange(10, dtype=torch.int32)",
    "torch.arange(0.5, 3, dtype=torch.int64)", "torch.arange(3, requires_grad=True, "
    "dtype=torch.float32)", "torch.arange(torch.tensor(1.5), 4)", "torch.arange(1e-3, 1e-2, 1e-3)",
    "torch.arange(start=2, end=5)", "torch.arange(end=3)", "torch.arange(0, -3, -1)",
    "torch.arange(0, 10, 3)", "torch.arange(np.int64(3))", "torch.arange(np.float64(2.5))",
])
def test_arange(expr):
    same(expr)


@settings(max_examples=60, deadline=None)
@given(start=st.integers(-50, 50), length=st.integers(0, 60),
       step=st.sampled_from([1, 2, 3, -1, -2, 0.1, 0.25, -0.3, 0.7, 1.5]))
def test_arange_lengths(start, length, step):
    end = start + length * step * 0.93
    got, want = both(f"torch.arange({start}, {end!r}, {step!r})")
    assert_tensor_equal(got, want)


@pytest.mark.parametrize("expr", [
    "torch.arange(0, 10, 0)", "torch.arange(0, 10, -1)", "torch.arange(10, 0, 1)",
    "torch.arange(0, float('inf'))", "torch.arange(float('nan'))", "torch.arange(torch.ones(2))",
    "torch.arange('a')", "torch.arange(3, dtype=torch.bool)",
])
def test_arange_errors(expr):
    same_error(expr)


# ---- linspace ------------------------------------------------------------------------------------
def _bits_equal(got, want):
    a, b = got.numpy(), want.numpy()
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


LINSPACE_CASES = [
    (0, 9, 10), (0, 1, 5), (-2, 2, 5), (0, 1, 1000), (-3.7, 12.9, 1000), (1e-3, 1.0, 777),
    (0, 1, 2), (0, 1, 1), (0, 1, 0), (5, -5, 11), (0.1, 0.7, 3), (-1.5, -1.5, 4), (0, 1, 3),
    (-100.25, 3.3, 97), (2.5, 1e4, 1001), (0, 10, 4),
]


@pytest.mark.parametrize("start,end,steps", LINSPACE_CASES)
def test_linspace_bit_identical(start, end, steps):
    got, want = both(f"torch.linspace({start!r}, {end!r}, {steps})")
    _bits_equal(got, want)
    got, want = both(f"torch.linspace({start!r}, {end!r}, {steps}, dtype=torch.float64)")
    _bits_equal(got, want)


@settings(max_examples=80, deadline=None)
@given(start=st.floats(-1e3, 1e3, width=32), end=st.floats(-1e3, 1e3, width=32),
       steps=st.integers(0, 300))
def test_linspace_bit_identical_random(start, end, steps):
    got, want = both(f"torch.linspace({start!r}, {end!r}, {steps})")
    _bits_equal(got, want)


@pytest.mark.parametrize("expr", [
    "torch.linspace(0, 10, 4, dtype=torch.int64)",
    "torch.linspace(torch.tensor(-2., dtype=torch.float64), torch.tensor(2., dtype=torch.float64),"
    " 5)",
    "torch.linspace(torch.tensor(-0.7), 3, 1000)", "torch.linspace(0, 1, 5, requires_grad=True)",
    "torch.linspace(0, 1, steps=3)", "torch.linspace(start=0, end=1, steps=3)",
    "torch.linspace(-5, 5, 7, dtype=torch.int32)", "torch.linspace(0, 1, torch.tensor(3))",
])
def test_linspace_forms(expr):
    got, want = both(expr)
    assert_tensor_equal(got, want)
    if want.dtype.is_floating_point:
        _bits_equal(got.detach(), want.detach())


def test_linspace_program30_range():
    """Program 30: linspace over a float64 min/max with 1000 points, bit-identical float32."""
    x = np.random.RandomState(0).randn(100)
    got, want = both("torch.linspace(x.min(), x.max(), 1000)",
                     x=lambda lib: lib.tensor(x))
    _bits_equal(got, want)


@pytest.mark.parametrize("expr", [
    "torch.linspace(torch.tensor([0.]), torch.tensor([1.]), 3)", "torch.linspace(0, 1, -1)",
    "torch.linspace(0, 1)", "torch.linspace(0, 1, 2.5)", "torch.linspace(torch.tensor(0.),"
    " torch.ones(2), 3)",
])
def test_linspace_errors(expr):
    same_error(expr)


# ---- from_numpy / as_tensor / asarray ---------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int32", "int16",
                                   "int8", "uint8", "bool"])
def test_from_numpy_shares_memory(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    m, t = minigrad.from_numpy(a), torch.from_numpy(a.copy())
    assert_tensor_equal(m, t)
    a[0, 0] = 1 if dtype != "bool" else False
    assert m[0, 0].item() == a[0, 0]
    m[1, 1] = 0
    assert a[1, 1] == 0
    # as_tensor shares too, when the dtype matches
    b = np.ones(3, dtype)
    mb = minigrad.as_tensor(b)
    b[0] = 0
    assert mb[0].item() == 0
    # non-contiguous arrays are allowed and shared
    c = np.arange(12.0).reshape(3, 4)[:, ::2]
    mc, tc = minigrad.from_numpy(c), torch.from_numpy(c)
    assert_tensor_equal(mc, tc)
    c[0, 1] = -1
    assert mc[0, 1].item() == -1


@pytest.mark.parametrize("expr", [
    "torch.from_numpy([1, 2])", "torch.from_numpy(np.array(['a']))",
    "torch.from_numpy(np.ones(2, np.float128))",
    "torch.from_numpy(1.5)",
])
def test_from_numpy_errors(expr):
    same_error(expr)


def test_from_numpy_read_only_warns():
    msgs = []
    for lib in (minigrad, torch):
        a = np.arange(3.0)
        a.flags.writeable = False
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.from_numpy(a)
        msgs.append([str(x.message).split(" (Triggered")[0] for x in w])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 1


@pytest.mark.parametrize("expr", [
    "torch.as_tensor([1, 2])", "torch.as_tensor(np.arange(3.0), dtype=torch.float32)",
    "torch.as_tensor(2.5)", "torch.as_tensor(torch.ones(2), dtype=torch.int64)",
    "torch.asarray([1.5, 2])", "torch.asarray(np.arange(3))",
])
def test_as_tensor(expr):
    same(expr)


def test_as_tensor_same_object_and_copy_rules():
    t = minigrad.ones(2)
    assert minigrad.as_tensor(t) is t
    a = np.arange(3.0)
    assert minigrad.as_tensor(a, dtype=minigrad.float32).numpy() is not a
    c = minigrad.as_tensor(a, dtype=minigrad.float32)
    a[0] = 5
    assert c[0].item() == 0  # a dtype change copies, as in torch
    assert torch.as_tensor(torch.tensor(a), dtype=torch.float32)[0].item() == 5
    cls, _ = catch(lambda: minigrad.as_tensor(a, device="cuda"))
    assert cls == catch(lambda: torch.as_tensor(a, device="cuda"))[0]
