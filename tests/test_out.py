"""``out=`` on torch's functions: values written into the given tensor (returned itself), the
dtype rules (cast where torch casts, torch's error where not), resizing with torch's warning,
overlap errors, and the refusal when autograd would be needed — each compared with torch."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_tensor_equal, outcome_with_warnings


def E(t, *shape, dtype=None, requires_grad=False):
    """An out tensor with known contents (torch.empty's would be arbitrary)."""
    return t.full(shape, 7, dtype=dtype or t.float32).requires_grad_(requires_grad)


def _run(t, make):
    return outcome_with_warnings(lambda: make(t))


def same(make, rtol=None):
    """make(t) -> (returned, out tensors...): both libraries agree on each, on warnings and
    errors, and the returned value is the out tensor itself."""
    (got, got_warnings), (expected, expected_warnings) = _run(minigrad, make), _run(torch, make)
    assert got_warnings == expected_warnings
    if isinstance(expected[0], str):
        assert got == expected
        return
    returned, *outs = got
    for g, e in zip(got, expected):
        if isinstance(e, tuple):   # max(dim)'s (values, indices)
            assert repr(g) == repr(e).replace("torch.return_types", "torch.return_types")
            assert all(a is b for a, b in zip(g, outs))
        else:
            assert_tensor_equal(g, e, rtol=rtol, atol=rtol)
    if not isinstance(returned, tuple):
        assert returned is outs[0]


A = np.array([[1.5, -2.0, 3.25], [0.5, 4.0, -1.0]], dtype=np.float32)
I = np.array([[1, 2, 3], [4, 5, 6]])


def a(t, dtype=None):
    x = t.tensor(A)
    return x if dtype is None else x.to(dtype)


def i(t):
    return t.tensor(I)


def call(fn_name, *args, out_shape=(2, 3), out_dtype=None, **kwargs):
    """torch.<fn_name>(*args(t), out=out, **kwargs) returning (result, out)."""
    def make(t):
        o = E(t, *out_shape, dtype=out_dtype and getattr(t, out_dtype))
        return getattr(t, fn_name)(*(arg(t) for arg in args), out=o, **kwargs), o
    return make


ELEMENTWISE = [
    call("add", a, a), call("add", a, a, alpha=2), call("sub", a, lambda t: 1.5),
    call("mul", a, a), call("div", a, a), call("div", i, i, rounding_mode="floor",
                                               out_dtype="int64"),
    call("true_divide", i, i), call("pow", a, lambda t: 2), call("neg", a), call("abs", a),
    call("exp", a), call("log", a), call("sqrt", a), call("sin", a), call("tanh", a),
    call("sigmoid", a), call("floor", a), call("round", a), call("maximum", a, a),
    call("eq", a, a), call("gt", a, lambda t: 0.0), call("clamp", a, -1, 1),
    call("where", lambda t: a(t) > 0, a, a), call("atan2", a, a), call("remainder", i, i,
                                                                       out_dtype="int64"),
    call("exp", i),                                    # int input, float result: cast is fine
    call("add", i, i),                                 # int result into float out: cast
    call("add", i, i, out_dtype="float64"),
    call("mul", a, lambda t: 2, out_dtype="float16"),  # float32 into float16: allowed
    call("sqrt", a, out_dtype="float64"),
    call("eq", a, a, out_dtype="int64"),               # bool result into an int out
    call("add", a, a, out_dtype="int64"),              # float into int: torch's error
    call("div", a, lambda t: 2, out_dtype="int32"),
    call("add", a, a, out_dtype="bool"), call("exp", a, out_dtype="int64"),
    call("where", lambda t: a(t) > 0, a, a, out_dtype="float64"),
    call("clamp", a, 0, 1, out_dtype="int64"),
]

REDUCTIONS = [
    call("sum", a, 0, out_shape=(3,)), call("sum", a, 1, keepdim=True, out_shape=(2, 1)),
    call("sum", a, 0, out_shape=(3,), out_dtype="int64"),       # computes in out's dtype
    call("sum", a, 0, out_shape=(3,), dtype=minigrad.float64),
    call("prod", a, 1, out_shape=(2,), out_dtype="int64"),
    call("cumsum", a, 1, out_dtype="int64"), call("cumsum", a, 0),
    call("mean", a, 0, out_shape=(3,)), call("mean", a, 0, out_shape=(3,), out_dtype="float64"),
    call("mean", a, 0, out_shape=(3,), out_dtype="int64"),
    call("std", a, 0, out_shape=(3,), out_dtype="float64"), call("var", a, 1, out_shape=(2,)),
    call("var", a, 1, out_shape=(2,), out_dtype="int64"),
    call("logsumexp", a, 1, out_shape=(2,)), call("amax", a, 0, out_shape=(3,)),
    call("amax", a, 0, out_shape=(3,), out_dtype="float64"),
    call("argmax", a, 1, out_shape=(2,), out_dtype="int64"),
    call("argmax", a, 1, out_shape=(2,), out_dtype="int32"),
    call("all", lambda t: a(t) > 0, 1, out_shape=(2,), out_dtype="bool"),
    call("all", lambda t: a(t) > 0, 1, out_shape=(2,)),
    call("any", lambda t: a(t) > 0, 0, out_shape=(3,), out_dtype="bool"),
]

LINALG_JOIN = [
    call("mm", a, lambda t: a(t).T, out_shape=(2, 2)),
    call("mm", a, lambda t: a(t).T, out_shape=(2, 2), out_dtype="float64"),
    call("matmul", a, lambda t: a(t).T, out_shape=(2, 2)),
    call("matmul", a, lambda t: a(t).T, out_shape=(2, 2), out_dtype="float64"),
    call("matmul", lambda t: a(t)[0], lambda t: a(t)[1], out_shape=()),
    call("bmm", lambda t: a(t)[None], lambda t: a(t).T[None], out_shape=(1, 2, 2)),
    call("bmm", lambda t: a(t)[None], lambda t: a(t).T[None], out_shape=(1, 2, 2),
         out_dtype="float64"),
    call("mv", a, lambda t: a(t)[0], out_shape=(2,)),
    call("mv", a, lambda t: a(t)[0], out_shape=(2,), out_dtype="float64"),
    call("dot", lambda t: a(t)[0], lambda t: a(t)[1], out_shape=()),
    call("dot", lambda t: a(t)[0], lambda t: a(t)[1], out_shape=(), out_dtype="float64"),
    call("outer", lambda t: a(t)[0], lambda t: a(t)[1], out_shape=(3, 3), out_dtype="float64"),
    call("addmm", lambda t: t.ones(2, 2), a, lambda t: a(t).T, out_shape=(2, 2)),
    call("cat", lambda t: [a(t), a(t)], out_shape=(4, 3)),
    call("cat", lambda t: [a(t), a(t)], 1, out_shape=(2, 6), out_dtype="float64"),
    call("cat", lambda t: [a(t), i(t)], out_shape=(4, 3)),
    call("cat", lambda t: [a(t), a(t)], out_shape=(4, 3), out_dtype="int64"),
    call("stack", lambda t: [a(t), a(t)], out_shape=(2, 2, 3)),
    call("stack", lambda t: [a(t), a(t)], out_shape=(4,), out_dtype="int64"),
]


def _max_dim(out_dtypes):
    def make(t):
        values = E(t, 2, dtype=getattr(t, out_dtypes[0]))
        indices = E(t, 2, dtype=getattr(t, out_dtypes[1]))
        return t.max(a(t), 1, out=(values, indices)), values, indices
    return make


FACTORIES = [
    call("zeros", lambda t: 3, out_shape=(3,)), call("ones", lambda t: (2, 2), out_shape=(0,)),
    call("zeros", lambda t: 3, out_shape=(3,), out_dtype="int64"),
    lambda t: (t.zeros(3, out=E(t, 3), dtype=t.int64),),
    call("full", lambda t: (2,), lambda t: 1.5, out_shape=(2,), out_dtype="int64"),
    call("arange", lambda t: 5, out_shape=(2,)), call("arange", lambda t: 5, out_shape=(5,)),
    call("arange", lambda t: 0, lambda t: 1, lambda t: 0.25, out_shape=(0,)),
    call("arange", lambda t: 5.0, out_shape=(5,), out_dtype="int64"),
    call("linspace", lambda t: 0, lambda t: 1, lambda t: 3, out_shape=(3,), out_dtype="int64"),
    call("eye", lambda t: 2, out_shape=(2, 2), out_dtype="int64"),
    call("ones", lambda t: 2, out_shape=(3,)),
]


@pytest.mark.parametrize("make", ELEMENTWISE + REDUCTIONS + LINALG_JOIN + FACTORIES +
                         [_max_dim(("float32", "int64")), _max_dim(("float64", "int64")),
                          _max_dim(("float32", "int32"))])
def test_out_against_torch(make):
    same(make)


RESIZES = [(2,), (0,), (2, 2), (3,), (1, 3)]


@pytest.mark.parametrize("out_shape", RESIZES)
def test_resize_rules_and_warning(out_shape):
    same(call("add", lambda t: a(t)[0], lambda t: a(t)[1], out_shape=out_shape))
    same(call("sum", a, 0, out_shape=out_shape))
    same(call("mm", a, lambda t: a(t).T, out_shape=out_shape))
    same(call("stack", lambda t: [a(t)[0], a(t)[1]], out_shape=out_shape))


def test_out_requires_grad_refused():
    def with_inputs_requiring_grad(t):
        x = a(t).requires_grad_()
        o = E(t, 2, 3)
        return t.add(x, x, out=o), o
    same(with_inputs_requiring_grad)
    same(lambda t: (t.mul(a(t), 2, out=E(t, 2, 3, requires_grad=True)),))
    same(lambda t: (t.sum(a(t).requires_grad_(), 0, out=E(t, 3)),))
    same(lambda t: (t.mm(a(t).requires_grad_(), a(t).T, out=E(t, 2, 2)),))
    same(lambda t: (t.zeros(2, out=E(t, 2, requires_grad=True)),))
    same(lambda t: (t.arange(3, out=E(t, 3, requires_grad=True)),))

    def under_no_grad(t):
        with t.no_grad():
            o = E(t, 2, 3, requires_grad=True)
            return t.add(a(t).requires_grad_(), 1, out=o), o
    same(under_no_grad)


def test_overlap_and_aliasing():
    def into_an_input(t):
        x = a(t)
        return t.add(x, 1, out=x), x
    same(into_an_input)

    def partly_overlapping(t):
        x = a(t).flatten()
        return (t.add(x[:4], x[:4], out=x[1:5]),)
    same(partly_overlapping)

    def repeated_elements(t):
        return (t.add(a(t)[0], 1, out=E(t, 1).expand(3)),)
    same(repeated_elements)

    def strided_view(t):
        base = E(t, 6)
        view = base[::2]
        return t.mul(a(t)[0], 2, out=view), view, base
    same(strided_view)


def test_out_bumps_the_version_counter():
    for t in (torch, minigrad):
        o = t.zeros(3)
        before = o._version
        t.add(t.ones(3), 1, out=o)
        assert o._version > before


def test_tensors_tutorial_matmul_out():
    """The Tensors tutorial's ``torch.matmul(tensor, tensor.T, out=y3)``."""
    def tutorial(t):
        tensor = t.ones(4, 4)
        tensor[:, 1] = 0
        y3 = t.rand_like(tensor)
        t.matmul(tensor, tensor.T, out=y3)
        z3 = t.rand_like(tensor)
        t.mul(tensor, tensor, out=z3)
        return y3, y3, z3
    same(tutorial)


@pytest.mark.parametrize("make", [
    lambda t: t.add(t.ones(3), 1, out=t.ones(2)), lambda t: t.arange(5, out=t.ones(2)),
    lambda t: t.cat([t.ones(3)], out=t.ones(2))])
def test_resize_warning_points_at_the_callers_line(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make(minigrad)
    assert [w.filename for w in caught] == [__file__]


@pytest.mark.parametrize("factory", ["rand", "randn"])
def test_random_factories_draw_in_outs_dtype(factory):
    """rand(..., out=o) draws o's dtype from the same stream as rand(..., dtype=o.dtype)."""
    def draw(t):
        t.manual_seed(3)
        o = E(t, 4, dtype=t.float64)
        return getattr(t, factory)(2, 3, out=o), o
    same(draw)


UNARY = ["neg", "abs", "exp", "sqrt", "sin", "tanh", "sigmoid", "floor", "reciprocal", "square",
         "ceil", "round", "trunc", "frac", "sign", "log1p", "logical_not", "nan_to_num"]
BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "eq", "lt", "atan2", "pow"]
OUT_DTYPES = ["float32", "float64", "float16", "int64", "int32", "bool"]


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(UNARY + BINARY), in_dtype=st.sampled_from(["float32", "int64"]),
       out_dtype=st.sampled_from(OUT_DTYPES),
       out_shape=st.sampled_from([(2, 3), (0,), (3,), (2, 2, 2)]))
def test_drawn_elementwise_outs(name, in_dtype, out_dtype, out_shape):
    """Any of these ops, any input/out dtype pairing, right/empty/wrong out shape: the same
    values, dtype, resize warning or error as torch."""
    def make(t):
        x = a(t, getattr(t, in_dtype)) if in_dtype != "float32" else a(t).abs() + 0.5
        o = E(t, *out_shape, dtype=getattr(t, out_dtype))
        fn = getattr(t, name)
        return (fn(x, out=o) if name in UNARY else fn(x, x.flip(0), out=o)), o
    same(make, rtol=1e-6)   # computed in the inputs' dtype: float32 ulps, whatever out holds


REDUCING = ["sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "std", "var", "logsumexp",
            "cumsum", "cumprod", "all", "any", "max", "min"]


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(REDUCING), in_dtype=st.sampled_from(["float32", "int64", "float64"]),
       out_dtype=st.sampled_from(OUT_DTYPES), dim=st.sampled_from([0, 1, -1]),
       keepdim=st.booleans(), right_shape=st.booleans())
def test_drawn_reduction_outs(name, in_dtype, out_dtype, dim, keepdim, right_shape):
    def make(t):
        x = a(t, getattr(t, in_dtype))
        kwargs = {} if name.startswith("cum") else {"keepdim": keepdim}
        shape = tuple(getattr(t, name)(x, dim, **kwargs)[0].shape) if name in ("max", "min") \
            else tuple(getattr(t, name)(x, dim, **kwargs).shape) if right_shape else (5,)
        if name in ("max", "min"):
            values, indices = E(t, *shape, dtype=getattr(t, out_dtype)), E(t, *shape,
                                                                           dtype=t.int64)
            return getattr(t, name)(x, dim, out=(values, indices), **kwargs), values, indices
        o = E(t, *shape, dtype=getattr(t, out_dtype))
        return getattr(t, name)(x, dim, out=o, **kwargs), o
    same(make, rtol=1e-6)
