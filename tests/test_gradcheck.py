"""minigrad.autograd.gradcheck / gradgradcheck: torch's signature and defaults, passes on the
differentiable ops, fails (like torch's) on a Function with a wrong backward; torch-style user
Functions compared with torch."""
import inspect
import warnings

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd.gradcheck import GradcheckError
from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError
from helpers import assert_same_error, assert_tensor_equal

RNG = np.random.default_rng(4)
A = RNG.uniform(0.3, 1.2, (2, 3))
B = RNG.uniform(0.3, 1.2, (3, 2))


def inputs(lib, *arrays):
    return tuple(lib.tensor(a.tolist(), dtype=lib.float64, requires_grad=True) for a in arrays)


def test_exported_like_torch():
    assert minigrad.autograd.gradcheck is not None and minigrad.autograd.gradgradcheck
    assert issubclass(GradcheckError, RuntimeError)
    for name in ("gradcheck", "gradgradcheck"):
        ours = inspect.signature(getattr(minigrad.autograd, name)).parameters
        theirs = inspect.signature(getattr(torch.autograd, name)).parameters
        assert list(ours) == list(theirs)
        for p in theirs:
            assert ours[p].default == theirs[p].default, p
            assert ours[p].kind == theirs[p].kind, p


OPS = {
    "add_mul": (lambda a, b=None: a * 2 + a * a, 1),
    "div_pow": (lambda a, b=None: (a / (a + 1)) ** 1.5, 1),
    "exp_log": (lambda a, b=None: a.exp() * a.log(), 1),
    "trig": (lambda a, b=None: a.sin() * a.cos() + a.tanh() + a.atan(), 1),
    "sigmoid_sqrt": (lambda a, b=None: a.sigmoid() * a.sqrt() + a.rsqrt(), 1),
    "broadcast": (lambda a, b=None: a * b.t()[0] - b.t(), 2),
    "reductions": (lambda a, b=None: a.sum(1) * a.mean() + a.prod(0).sum(), 1),
    "var_std_norm": (lambda a, b=None: a.var(1) * a.std() + a.norm(dim=0).sum(), 1),
    "logsumexp": (lambda a, b=None: minigrad.logsumexp(a, dim=1), 1),
    "matmul": (lambda a, b=None: (a @ b).tanh() @ b.t(), 2),
    "shape_ops": (lambda a, b=None: a.t().reshape(6).unsqueeze(0).expand(2, 6) * 1.5, 1),
    "indexing": (lambda a, b=None: a[0, 1:] * a[:, 2].sum() + a[[1, 0, 1]].sum(0)[:2], 1),
    "cat_stack": (lambda a, b=None: minigrad.cat([a, b.t()], 1) * minigrad.stack([a, a]).sum(0)
                  .repeat(1, 2), 2),
    "clamp_where_max": (lambda a, b=None: a.clamp(0.5, 1.0) + minigrad.where(a > 0.7, a, a * a)
                        + a.max(1).values.sum(), 1),
    "inplace_view": (lambda a, b=None: _inplace_view(a, b), 2),
    "multi_output": (lambda a, b=None: (a.exp(), a * b.t()), 2),
}


def _inplace_view(a, b):
    y = a * 1
    y[0].mul_(b[:, 0])
    y.t()[1:].exp_()
    return y


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck_and_gradgradcheck_pass(name):
    fn, n = OPS[name]
    args = inputs(minigrad, A, B)[:n]
    assert minigrad.autograd.gradcheck(fn, args)
    assert minigrad.autograd.gradgradcheck(fn, args)


def test_gradcheck_checks_only_inputs_requiring_grad():
    a, = inputs(minigrad, A)
    b = minigrad.tensor(B.tolist(), dtype=minigrad.float64)
    assert minigrad.autograd.gradcheck(lambda x, y, k: x @ y * k, (a, b, 2.0))


# ---- deliberately wrong backwards ---------------------------------------------------------------
def make_functions(lib):
    class WrongExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            y, = ctx.saved_tensors
            return grad * y * 1.01          # 1% off

    class ConstantSecondDerivative(lib.autograd.Function):
        """d/dx sin(x) = cos(x) is right, but computed from a detached copy: 2nd order is 0."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * x.detach().cos()

    return WrongExp, ConstantSecondDerivative


def test_gradcheck_fails_on_wrong_backward_like_torch():
    results = {}
    for lib, error in ((torch, TorchGradcheckError), (minigrad, GradcheckError)):
        wrong, _ = make_functions(lib)
        x, = inputs(lib, A)
        with pytest.raises(error) as info:
            lib.autograd.gradcheck(wrong.apply, (x,))
        assert isinstance(info.value, RuntimeError)
        results[lib.__name__] = (str(info.value).split("\n")[0],
                                 lib.autograd.gradcheck(wrong.apply, (x,), raise_exception=False))
    assert results["minigrad"] == results["torch"]
    assert results["torch"] == ("Jacobian mismatch for output 0 with respect to input 0,", False)


def test_gradgradcheck_fails_on_wrong_second_derivative_like_torch():
    results = {}
    for lib in (torch, minigrad):
        _, constant = make_functions(lib)
        x, = inputs(lib, A)
        first = lib.autograd.gradcheck(constant.apply, (x,))
        go = lib.tensor(B.T.tolist(), dtype=lib.float64, requires_grad=True)
        second = lib.autograd.gradgradcheck(constant.apply, (x,), (go,), raise_exception=False)
        results[lib.__name__] = (first, second)
    assert results["minigrad"] == results["torch"] == (True, False)


def test_gradcheck_input_errors_and_warnings():
    def no_grad_inputs(lib):
        lib.autograd.gradcheck(lambda x: x * 2, (lib.ones(2, dtype=lib.float64),))
    assert_same_error(lambda: no_grad_inputs(minigrad), lambda: no_grad_inputs(torch))

    def float32_warning(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x = lib.tensor([0.5, 0.7], requires_grad=True)
            lib.autograd.gradcheck(lambda t: t * 2, (x,), atol=1e-2, rtol=1e-2)
        return [str(w.message) for w in caught]
    assert float32_warning(minigrad) == float32_warning(torch)


# ---- torch-style user Functions ------------------------------------------------------------------
def user_functions(lib):
    class MyExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            y = x.exp() * k
            ctx.save_for_backward(y)
            ctx.k = k
            return y

        @staticmethod
        def backward(ctx, grad):
            y, = ctx.saved_tensors
            return grad * y, None

    class MulAdd(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, c):
            ctx.save_for_backward(a, b)
            return a * b + c, a - b

        @staticmethod
        def backward(ctx, g_prod, g_diff):
            a, b = ctx.saved_tensors
            ga = gb = gc = None
            if ctx.needs_input_grad[0]:
                ga = g_prod * b + g_diff
            if ctx.needs_input_grad[1]:
                gb = g_prod * a - g_diff
            if ctx.needs_input_grad[2]:
                gc = g_prod
            return ga, gb, gc

    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    return MyExp, MulAdd, Scale


def test_user_function_matches_torch():
    def run(lib):
        MyExp, MulAdd, Scale = user_functions(lib)
        a, b = inputs(lib, A, A[::-1])
        c = lib.tensor(A.tolist(), dtype=lib.float64)
        y = MyExp.apply(a, 2.0)
        p, d = MulAdd.apply(y, b, c)
        out = (p * Scale.apply(d)).sum()
        out.backward()
        names = (type(y.grad_fn).__name__, y.grad_fn.name(), type(p.grad_fn).__name__,
                 p.output_nr, d.output_nr, len(p.grad_fn.next_functions),
                 type(p.grad_fn.next_functions[0][0]).__name__)
        return names, y, p, d, a.grad, b.grad, y.requires_grad, c.grad
    expected, got = run(torch), run(minigrad)
    assert got[0] == expected[0]
    for g, e in zip(got[1:6], expected[1:6]):
        assert_tensor_equal(g, e)
    assert got[6:] == (True, None) and expected[6:] == (True, None)


def test_user_function_double_backward_and_gradcheck():
    MyExp, MulAdd, _ = user_functions(minigrad)
    a, b = inputs(minigrad, A, A[::-1])
    assert minigrad.autograd.gradcheck(lambda x: MyExp.apply(x, 1.5), (a,))
    assert minigrad.autograd.gradgradcheck(lambda x: MyExp.apply(x, 1.5), (a,))
    assert minigrad.autograd.gradcheck(lambda x, y: MulAdd.apply(x, y, x), (a, b))


def test_user_function_wrong_gradient_count_error():
    def run(lib):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, z):
                return x * z

            @staticmethod
            def backward(ctx, grad):
                return grad
        a, = inputs(lib, A)
        Bad.apply(a, lib.ones(2, 3, dtype=lib.float64)).sum().backward()
    assert_same_error(lambda: run(minigrad), lambda: run(torch))


def test_user_function_mark_dirty_and_no_grad():
    def run(lib):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, grad):
                return grad * 2
        a, = inputs(lib, A)
        w = a * 1
        out = Double.apply(w)
        same = out is w
        out.sum().backward()
        with lib.no_grad():
            untracked = Double.apply(a * 1)
        return same, w._version, a.grad, untracked.requires_grad
    expected, got = run(torch), run(minigrad)
    assert got[:2] == expected[:2]
    assert_tensor_equal(got[2], expected[2])
    assert got[3] == expected[3]


def test_user_function_setup_context_and_once_differentiable():
    def run(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(x):
                return x ** 3

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(inputs[0])

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, grad):
                x, = ctx.saved_tensors
                return grad * 3 * x ** 2
        a, = inputs(lib, A)
        g, = lib.autograd.grad(Cube.apply(a).sum(), a, create_graph=True)
        return g, g.requires_grad
    expected, got = run(torch), run(minigrad)
    assert_tensor_equal(got[0], expected[0])
    assert got[1] == expected[1]
