"""The Tensor object against torch: dtype conversion and
type(), NumPy interop and memory sharing, scalar extraction, autograd fields (requires_grad,
grad, is_leaf, .data, detach), backward errors, accumulation and grad modes."""
import warnings

import numpy as np
import pytest
import torch
from helpers import assert_same_error, assert_tensor_equal

import minigrad


def run(expr, lib, **extra):
    ns = {"torch": lib, "np": np, "x": lib.tensor([[-2.7, -0.5], [0.5, 3.5]]),
          "i": lib.tensor([[1, 2], [3, 4]]), "b": lib.tensor([True, False]),
          "g": lib.tensor([1.0, 2.0], requires_grad=True), **extra}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return eval(expr, ns)


def same(expr):
    got, want = run(expr, minigrad), run(expr, torch)
    if isinstance(want, torch.Tensor):
        assert_tensor_equal(got, want)
        assert got.requires_grad == want.requires_grad
    elif isinstance(want, (tuple, list)) and want and isinstance(want[0], torch.Tensor):
        for a, b in zip(got, want):
            assert_tensor_equal(a, b)
    else:
        assert type(got) is type(want) or str(type(got)) == str(type(want)), (got, want)
        assert got == want or repr(got) == repr(want), (got, want)


def same_error(expr):
    assert_same_error(lambda: run(expr, minigrad), lambda: run(expr, torch))


# ---- dtype conversion (section 2) ----------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    "x.int()", "x.long()", "x.short()", "x.half()", "x.double()", "x.float()", "x.bool()",
    "x.abs().byte()", "x.char()", "i.float()", "i.double()", "b.float()",
    "x.to(torch.int32)", "x.to(dtype=torch.float64)", "x.to('cpu')", "x.to('cpu', torch.int64)",
    "x.to(i)", "x.to(torch.device('cpu'))", "x.type(torch.float64)", "x.type(torch.IntTensor)",
    "x.type('torch.LongTensor')", "x.type(dtype=torch.float16)", "x.type_as(i)",
    "x.type()", "i.type()", "b.type()", "x.double().type()", "x.int().type()",
    "x.half().type()", "x.dtype", "i.dtype", "torch.tensor([2.7]).half()",
    "torch.tensor([-2.7, -0.5, 0.5, 2.7, 3.5]).int()", "torch.float is torch.float32",
    "torch.double is torch.float64", "torch.long is torch.int64", "torch.int is torch.int32",
    "torch.short is torch.int16", "torch.half is torch.float16", "torch.get_default_dtype()",
    "str(torch.float64)", "repr(torch.int8)", "x.is_floating_point()", "i.is_floating_point()",
    "torch.is_floating_point(x)", "torch.is_tensor(x)", "torch.is_tensor(1)", "x.dtype.is_signed",
    "torch.uint8.is_signed", "torch.float16.itemsize", "x.element_size()", "i.element_size()",
    "x.is_signed()", "b.is_signed()", "g.double()", "g.to(torch.float64).grad_fn.name()",
    "g.int()", "g.long()", "g.bool()", "g.type(torch.IntTensor)", "g.to(torch.int64).grad_fn",
    "type(x.dtype).__name__", "str(type(x.dtype))", "str(type(x))", "str(type(x.shape))",
    "str(x.device)", "repr(x.device)", "x.device == 'cpu'", "x.is_cuda", "x.get_device()",
])
def test_conversion(expr):
    same(expr)


@pytest.mark.parametrize("expr", [
    "x.float() is x", "i.long() is i", "i.type(torch.LongTensor) is i", "x.to(torch.float32) is x",
    "x.type(torch.float32) is x", "x.to('cpu') is x", "x.double() is x", "x.to(x) is x",
    "x.to(torch.float32, copy=True) is x", "x.cpu() is x", "x.type('torch.FloatTensor') is x",
])
def test_conversion_identity(expr):
    same(expr)


@pytest.mark.parametrize("expr", [
    "x.to('cuda')", "x.cuda()", "x.type('torch.Foo')", "x.to(device='tpu')",
])
def test_conversion_errors(expr):
    same_error(expr)


def test_conversion_gradient():
    """A dtype change on a requires-grad tensor is ToCopyBackward0; the grad comes back cast."""
    for lib in (minigrad, torch):
        a = lib.tensor([1.5, -2.0], requires_grad=True)
        y = a.double() * lib.tensor([2.0, 3.0], dtype=lib.float64)
        assert type(y.grad_fn.next_functions[0][0]).__name__ == "ToCopyBackward0"
        y.sum().backward()
        assert a.grad.dtype == lib.float32
        assert a.grad.tolist() == [2.0, 3.0]


# ---- NumPy interop and scalars (section 3) ------------------------------------------------------
def test_numpy_shares_memory():
    for lib in (minigrad, torch):
        t = lib.tensor([100, 3, 4])
        a = t.numpy()
        assert type(a) is np.ndarray and a.dtype == np.int64
        a[0] = 7
        assert t[0].item() == 7
        t[1] = 9
        assert a[1] == 9
        c = t.numpy().copy()
        c[2] = 0
        assert t[2].item() == 4
        assert t.numpy().shape == (3,)
        assert lib.tensor(5).numpy().shape == ()
    m, tt = minigrad.tensor([[1, 2, 3], [4, 5, 6]]), torch.tensor([[1, 2, 3], [4, 5, 6]])
    assert m.t().numpy().strides == tt.t().numpy().strides == (8, 24)


@pytest.mark.parametrize("expr", [
    "g.numpy()", "(g * 2).numpy()", "np.asarray(g)", "np.array(g)", "g.sum().numpy()",
])
def test_numpy_requires_grad_error(expr):
    same_error(expr)


@pytest.mark.parametrize("expr", [
    "g.detach().numpy()", "g.data.numpy()", "np.asarray(x)", "np.asarray(i).dtype",
    "np.array(x, dtype=np.float64).dtype", "np.asarray(torch.tensor(5)).shape",
    "np.asarray(x.t()).strides", "torch.Tensor.__array_priority__", "str(np.add(x, 1).dtype)",
])
def test_numpy_conversions(expr):
    got, want = run(expr, minigrad), run(expr, torch)
    if isinstance(want, np.ndarray):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
    else:
        assert got == want


def test_asarray_shares_memory():
    for lib in (minigrad, torch):
        t = lib.tensor([1.0, 2.0])
        a = np.asarray(t)
        a[0] = 5
        assert t[0].item() == 5


def test_tensor_times_ndarray():
    """tensor * 0-d ndarray goes through ndarray.__rmul__ and __array_wrap__: a float64 tensor;
    ndarray * tensor is a TypeError."""
    coef = np.array(42.38550486)
    results = []
    for lib in (minigrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            r = lib.tensor(1.5) * coef
            r2 = lib.tensor(1.5) * coef + 14.5
            r3 = lib.tensor([1.0, 2.0]) * np.array([2.0, 3.0])
        assert type(r).__name__ == "Tensor"
        results.append((r, r2, r3, lib.tensor(1.5) * coef.item()))
    for a, b in zip(*results):
        assert_tensor_equal(a, b)
    assert_same_error(lambda: coef * minigrad.tensor(1.5), lambda: coef * torch.tensor(1.5))
    assert_same_error(lambda: np.array([1.0, 2.0]) * minigrad.tensor([1.5, 2.0]),
                      lambda: np.array([1.0, 2.0]) * torch.tensor([1.5, 2.0]))


@pytest.mark.parametrize("expr", [
    "torch.tensor([30,]).item()", "torch.tensor(30).item()", "torch.tensor([[1.5]]).item()",
    "torch.tensor(0.1).item()", "torch.tensor(True).item()", "torch.tensor(3).tolist()",
    "torch.tensor([[1., 2.]]).tolist()", "x.tolist()", "b.tolist()", "int(torch.tensor([2.7]))",
    "float(torch.tensor([[3]]))", "bool(torch.tensor([0.0]))", "bool(torch.tensor(2))",
    "int(torch.tensor(-2.7))", "float(torch.tensor(1, dtype=torch.int8))",
    "[1, 2, 3][torch.tensor(1)]", "range(5)[torch.tensor([2])]", "len(x)", "len(torch.zeros(0))",
    "[t.tolist() for t in x]", "x.half()[0, 0].item()", "torch.tensor(5, dtype=torch.uint8).item()",
    "'%.3f' % torch.tensor(2.5)", "'{:.2f}'.format(torch.tensor(1.25))",
    "complex(torch.tensor(2.))", "torch.tensor(3).__index__()", "x.numel()",
    "torch.numel(x)", "x.dim()", "x.ndim", "x.ndimension()", "x.nelement()", "x.shape",
    "x.size()", "x.size(1)", "x.size(-1)", "x.stride()", "torch.tensor(1).shape", "x.nbytes",
    "x.itemsize", "2.0 in x", "5 in i", "x.is_contiguous()", "x.t().is_contiguous()",
])
def test_scalars_and_properties(expr):
    same(expr)


@pytest.mark.parametrize("expr", [
    "torch.tensor([1, 2]).item()", "torch.tensor([]).item()", "float(torch.tensor([1., 2.]))",
    "int(torch.tensor([]))", "bool(torch.tensor([1, 2]))", "bool(torch.tensor([]))",
    "[1, 2][torch.tensor(1.0)]", "[1, 2][torch.tensor([0, 1])]", "len(torch.tensor(1))",
    "iter(torch.tensor(1))", "x.size(2)", "x.size(-3)", "'%d' % x", "'{:.2f}'.format(x)",
    "'a' in x",
])
def test_scalar_errors(expr):
    same_error(expr)


def test_iteration_and_hash():
    for lib in (minigrad, torch):
        t = lib.tensor([[1, 2], [3, 4]])
        rows = list(t)
        assert len(rows) == 2 and rows[1].tolist() == [3, 4]
        assert {t: 1}[t] == 1 and hash(t) != hash(lib.tensor([[1, 2], [3, 4]]))


def test_requires_grad_scalar_conversion_warns():
    msgs = []
    for lib in (minigrad, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            float(lib.tensor(2.0, requires_grad=True))
        msgs.append([str(x.message) for x in w if x.category is UserWarning])
    # torch warns once per process; minigrad too. Both texts, when present, are torch's.
    texts = {m for ms in msgs for m in ms}
    assert all(m.startswith("Converting a tensor with requires_grad=True to a scalar may lead "
                            "to unexpected behavior.\nConsider using tensor.detach() first.")
               for m in texts)


# ---- autograd fields (section 10.1 / 10.2) -------------------------------------------------------
@pytest.mark.parametrize("expr", [
    "g.is_leaf", "g.grad_fn", "g.grad", "g.requires_grad", "(g * 2).is_leaf",
    "(g * 2).requires_grad", "(g * 2).grad_fn.name()", "x.requires_grad", "x.is_leaf",
    "g.detach().requires_grad", "g.detach().is_leaf", "g.detach().data_ptr() == g.data_ptr()",
    "g.data.requires_grad", "g.data is g.data", "g.data.data_ptr() == g.data_ptr()",
    "x.requires_grad_().requires_grad", "x.requires_grad_(False).is_leaf",
    "torch.tensor(1.5, requires_grad=True).sum().grad_fn.name()", "g.output_nr",
    "(g * 2).detach().grad_fn", "g.retains_grad", "g.detach_().requires_grad",
    "torch.is_grad_enabled()",
])
def test_autograd_fields(expr):
    same(expr)


@pytest.mark.parametrize("expr", [
    "i.requires_grad_()", "torch.tensor([1, 2]).requires_grad_()", "b.requires_grad_(True)",
    "torch.tensor(10, requires_grad=True)", "(g * 2).requires_grad_(False)",
    "g.backward()", "torch.tensor(1.).backward()", "(g * 2).backward()",
    "(g * 2).backward(torch.ones(3))", "(g * 2).backward(torch.ones(2, 1))",
    "g.add_(1)", "g.mul_(2)", "g.zero_()", "g.exp_()", "g.clamp_(0, 1)",
    "setattr(g, 'data', [1., 2.])", "setattr(g, 'data', torch.tensor([1, 2]))",
    "setattr(g, 'grad', torch.ones(3))", "setattr(g, 'grad', torch.ones(2, dtype=torch.float64))",
    "setattr(g, 'grad', [1.0])", "torch.tensor(1.0).retain_grad()",
    "i.register_hook(lambda g: g)",
])
def test_autograd_errors(expr):
    same_error(expr)


def test_backward_accumulates_into_the_same_grad_object():
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        first = x.grad
        ident = id(first)
        (x * 3).sum().backward()
        assert id(x.grad) == ident and x.grad is first
        r = x.grad.zero_()
        assert r is x.grad and x.grad.tolist() == [0.0, 0.0, 0.0]
        (x ** 3).sum().backward()
        grads.append(x.grad)
        d = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        (d * 2).sum().backward()
        assert d.grad.dtype == lib.float64
    assert_tensor_equal(*grads)


def test_second_backward_and_retain_graph():
    def second(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    assert_same_error(lambda: second(minigrad), lambda: second(torch))
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        results.append(x.grad)
    assert_tensor_equal(*results)


def test_backward_with_gradient_and_inputs():
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, -1.0], requires_grad=True)
        y = x * w
        y.backward(lib.tensor([1.0, 0.5]))
        y2 = (x * w).sum()
        y2.backward(inputs=[x])
        results.append((x.grad, w.grad))
    assert_tensor_equal(results[0][0], results[1][0])
    assert_tensor_equal(results[0][1], results[1][1])


def test_non_leaf_grad_warns_and_retain_grad():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = x * 3
        z.retain_grad()
        (y.sum() + z.sum()).backward()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            assert y.grad is None
        assert any("is not a leaf Tensor is being accessed" in str(m.message) for m in w)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            assert z.grad.tolist() == [1.0, 1.0]
        assert not w


def test_data_get_and_set():
    """x.data = t swaps the storage (new data_ptr), x stays the same leaf with its grad."""
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        ident, grad, ptr = id(x), x.grad, x.data_ptr()
        d1 = x.data
        d1[0] = 10.0  # writes through to x
        assert x[0].item() == 10.0
        assert not d1.requires_grad and d1.is_leaf
        x.data = x.data - 0.01 * x.grad
        assert id(x) == ident and x.is_leaf and x.requires_grad and x.grad is grad
        assert x.data_ptr() != ptr
        x.data = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        assert x.dtype == lib.float64 and x.shape == (3,) and x.requires_grad
        y = x - 0.01  # a new non-leaf
        assert not y.is_leaf and type(y.grad_fn).__name__ == "SubBackward0"


def test_detach_shares_storage_and_version():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        d = x.detach()
        d[0] = 5.0
        assert x[0].item() == 5.0
        assert d._version == x._version == 1
        y = x * 1
        yd = y.detach()
        assert yd.is_leaf and not yd.requires_grad


@pytest.mark.parametrize("expr", [
    "x.add_(1)", "x.mul_(2)", "x.sub_(1)", "x.div_(2)", "x.neg_()", "x.zero_()",
    "x.fill_(3)", "x.clamp_(0, 1)",
])
def test_inplace_allowed_under_no_grad_and_on_data(expr):
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        with lib.no_grad():
            r = eval(expr, {"x": x})
        assert r is x and x.is_leaf and x.requires_grad and x.grad_fn is None
        eval(expr, {"x": x.data})
        results.append(x)
    assert_tensor_equal(*results)


def test_grad_modes():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0], requires_grad=True)
        with lib.no_grad():
            assert not lib.is_grad_enabled()
            y = x * 2
            with lib.enable_grad():
                z = x * 2
        assert not y.requires_grad and y.grad_fn is None and z.requires_grad
        with lib.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        assert lib.is_grad_enabled()
        lib.set_grad_enabled(False)
        assert not (x * 2).requires_grad
        lib.set_grad_enabled(True)

        @lib.no_grad()
        def f(t):
            return t * 2

        @lib.enable_grad()
        def h(t):
            return t * 2

        assert not f(x).requires_grad
        with lib.no_grad():
            assert h(x).requires_grad
        assert lib.is_grad_enabled()

        @lib.no_grad()
        def gen(t):
            yield t * 2
            yield t * 3
        assert [t.requires_grad for t in gen(x)] == [False, False]
        assert lib.is_grad_enabled()
