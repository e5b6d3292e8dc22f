"""Elementwise ops (minigrad/ops/elementwise.py) against torch: values, dtypes, shapes, graph
structure and gradients, for the function, the method, the operator and the in-place form.

Values are drawn by hypothesis (a shape, a seed for NumPy, a dtype); every op runs on the same
arrays in minigrad and torch. Gradients use a random upstream gradient. A float64 central
difference check (``helpers.fd_check``) confirms every derivative independently of torch.
"""
import numpy as np
import pytest
import torch
from helpers import (assert_grads_equal, assert_same_error, assert_tensor_equal,
                     compare_result_or_error, fd_check, graph_signature, pair)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from minigrad.ops.registry import DOMAINS, ops_in

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FLOATS = ["float32", "float64"]
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


# ---- value domains: each op is tested where it is smooth -------------------------------------
def anywhere(rng, shape):
    return rng.uniform(-3, 3, shape)


def positive(rng, shape):
    return rng.uniform(0.2, 3, shape)


def unit(rng, shape):
    return rng.uniform(-0.95, 0.95, shape)


def nonzero(rng, shape):
    return rng.choice([-1, 1], shape) * rng.uniform(0.3, 3, shape)


def away_from_integers(rng, shape):
    """floor/ceil/round/trunc/frac are flat (or jump) at integers and halves."""
    return rng.integers(-3, 3, shape) + rng.uniform(0.1, 0.4, shape) * rng.choice([1, 2], shape)


# The unary ops come from the op registry (minigrad/ops/registry.py): each op and alias, with
# the domain its declaration names (drawn by the samplers above) and torch's grad_fn name.
DOMAIN_SAMPLERS = {"anywhere": anywhere, "positive": positive, "unit": unit, "nonzero": nonzero,
                   "away_from_integers": away_from_integers}


def _sampler(domain):
    """This file's sampler for a domain, else the registry's own (as an array for shape ())."""
    return DOMAIN_SAMPLERS.get(domain) or (
        lambda rng, shape: np.asarray(DOMAINS[domain](rng, shape)))


# (the "unary" ops of ops/unary.py and ops/arithmetic.py: ops of that family declared in other
# modules have their own test files)
_HERE = ("minigrad.ops.unary", "minigrad.ops.arithmetic")
UNARY = {key: (_sampler(op.domain), op.nodes[0])
         for op in ops_in("unary") if op.fn.__module__ in _HERE for key in (op.name, *op.aliases)}
# Names torch gives no in-place method.
NO_INPLACE = {key + "_" for op in ops_in("unary") if "inplace" not in op.forms
              and op.fn.__module__ in _HERE for key in (op.name, *op.aliases)}


def make_grad(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def run_both(fn_mg, fn_th, mg_inputs, th_inputs, rng, check_graph=True):
    """Apply both fns, compare outputs, grad_fn structure and input gradients."""
    out_mg, out_th = fn_mg(*mg_inputs), fn_th(*th_inputs)
    assert_tensor_equal(out_mg, out_th)
    assert out_mg.requires_grad == out_th.requires_grad
    if check_graph:
        assert graph_signature(out_mg) == graph_signature(out_th)
    if out_th.requires_grad:
        g = make_grad(rng, tuple(out_th.shape), out_th.detach().numpy().dtype)
        out_mg.backward(minigrad.from_numpy(g.copy()))
        out_th.backward(torch.from_numpy(g.copy()))
        assert_grads_equal(mg_inputs, th_inputs, rtol=_grad_rtol(out_th), atol=_grad_atol(out_th))
    return out_mg, out_th


def _grad_rtol(t):
    return 2e-5 if t.dtype == torch.float32 else 1e-9


def _grad_atol(t):
    return 2e-6 if t.dtype == torch.float32 else 1e-11


# ---- unary ops -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=SHAPES, seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(FLOATS))
def test_unary_function_and_method(name, shape, seed, dtype):
    rng = np.random.default_rng(seed)
    domain, grad_fn = UNARY[name]
    a = domain(rng, shape).astype(dtype)
    for call in ("function", "method"):
        (m,), (t,) = zip(pair(a, requires_grad=True))
        if call == "function":
            out_mg, out_th = run_both(getattr(minigrad, name), getattr(torch, name), [m], [t], rng)
        else:
            out_mg, out_th = run_both(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(),
                                      [m], [t], rng)
        assert type(out_mg.grad_fn).__name__ == grad_fn


@pytest.mark.parametrize("name", sorted(n for n in UNARY if n + "_" not in NO_INPLACE))
@SETTINGS
@given(shape=SHAPES, seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(FLOATS))
def test_unary_inplace(name, shape, seed, dtype):
    """x.op_() on a non-leaf: same values, returns self, same grad_fn, gradients flow through."""
    rng = np.random.default_rng(seed)
    a = UNARY[name][0](rng, shape).astype(dtype)
    m, t = pair(a, requires_grad=True)

    def inplace(x):
        y = x * 1
        r = getattr(y, name + "_")()
        assert r is y
        return y
    run_both(inplace, inplace, [m], [t], rng)
    # without autograd: self is modified and keeps its storage
    m2, t2 = pair(a)
    ptr = m2.data_ptr()
    getattr(m2, name + "_")()
    getattr(t2, name + "_")()
    assert_tensor_equal(m2, t2)
    assert m2.data_ptr() == ptr
    assert m2._version == t2._version


INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64", "bool"]
# Unary ops on integer/bool tensors: float ops compute in float32; the rest keep the dtype or
# raise (compared with torch, message included).


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_unary_integer_inputs(name, dtype):
    a = np.array([[0, 1, 2], [3, 1, 0]]).astype(dtype)
    if dtype in ("int8", "int16", "int32", "int64"):
        a = a * np.array([1, -1, 1], dtype=dtype)
    m, t = pair(a)
    compare_result_or_error(lambda lib: getattr(lib, name)(m if lib is minigrad else t))


# ---- binary ops ------------------------------------------------------------------------------
def pos_pair(rng, sa, sb):
    return positive(rng, sa), anywhere(rng, sb)


def any_pair(rng, sa, sb):
    return anywhere(rng, sa), nonzero(rng, sb)


def distinct_pair(rng, sa, sb):
    """maximum/minimum: values that do not tie (ties are tested separately)."""
    a = anywhere(rng, sa)
    b = anywhere(rng, sb)
    return a, np.where(np.abs(a - b) < 1e-3, b + 0.5, b) if a.shape == b.shape else b


def div_pair(rng, sa, sb):
    """remainder/fmod: a / b away from integers, where the result jumps."""
    b = nonzero(rng, sb)
    q = away_from_integers(rng, np.broadcast_shapes(sa, sb))
    a = np.broadcast_to(q * b, np.broadcast_shapes(sa, sb))
    return np.array(a).reshape(np.broadcast_shapes(sa, sb)), b


# name -> (values, torch's grad_fn name when both operands are tensors)
BINARY = {
    "add": (any_pair, "AddBackward0"), "sub": (any_pair, "SubBackward0"),
    "subtract": (any_pair, "SubBackward0"), "mul": (any_pair, "MulBackward0"),
    "multiply": (any_pair, "MulBackward0"), "div": (any_pair, "DivBackward0"),
    "divide": (any_pair, "DivBackward0"), "true_divide": (any_pair, "DivBackward0"),
    "pow": (pos_pair, "PowBackward1"), "atan2": (any_pair, "Atan2Backward0"),
    "maximum": (distinct_pair, "MaximumBackward0"), "minimum": (distinct_pair,
                                                                 "MinimumBackward0"),
    "fmax": (distinct_pair, "FmaxBackward0"), "fmin": (distinct_pair, "FminBackward0"),
    "remainder": (div_pair, "RemainderBackward1"), "fmod": (div_pair, "FmodBackward1"),
    "rsub": (any_pair, "RsubBackward0"),
}


@st.composite
def broadcastable(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                    min_side=1, max_side=4))
    return shapes.input_shapes


def _binary_arrays(name, shapes, seed, dtype):
    rng = np.random.default_rng(seed)
    sa, sb = shapes
    a, b = BINARY[name][0](rng, sa, sb)
    if name in ("remainder", "fmod"):
        sa = a.shape
    return rng, a.astype(dtype), b.astype(dtype)


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(shapes=broadcastable(), seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(FLOATS),
       grads=st.sampled_from([(True, True), (True, False), (False, True)]))
def test_binary_tensors(name, shapes, seed, dtype, grads):
    rng, a, b = _binary_arrays(name, shapes, seed, dtype)
    ma, ta = pair(a, requires_grad=grads[0])
    mb, tb = pair(b, requires_grad=grads[1])
    out_mg, _ = run_both(getattr(minigrad, name), getattr(torch, name), [ma, mb], [ta, tb], rng)
    assert type(out_mg.grad_fn).__name__ == BINARY[name][1]
    if name != "rsub":  # the method form
        ma2, ta2 = pair(a, requires_grad=True)
        run_both(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y),
                 [ma2, mb.detach()], [ta2, tb.detach()], rng)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "remainder", "fmod",
                                  "maximum", "minimum", "atan2"])
@SETTINGS
@given(shapes=broadcastable(), seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(FLOATS))
def test_binary_inplace(name, shapes, seed, dtype):
    """x.op_(y) on a non-leaf x of the broadcast shape; gradients reach x's source and y."""
    rng, a, b = _binary_arrays(name, shapes, seed, dtype)
    a = np.array(np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)))
    if name == "pow":
        a = np.abs(a) + 0.2
    if not hasattr(torch.Tensor, name + "_"):
        return

    def inplace(x, y):
        z = x * 1
        r = getattr(z, name + "_")(y)
        assert r is z
        return z
    ma, ta = pair(a, requires_grad=True)
    mb, tb = pair(b, requires_grad=True)
    run_both(inplace, inplace, [ma, mb], [ta, tb], rng)


SCALARS = [2, -3, 0.5, 2.5, True]


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "remainder", "fmod",
                                  "floor_divide", "rsub"])
@pytest.mark.parametrize("scalar", SCALARS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_tensor_scalar(name, scalar, dtype):
    rng = np.random.default_rng(0)
    a = away_from_integers(rng, (2, 3)).astype(dtype)
    if name == "pow":
        a = np.abs(a) + 0.1
    m, t = pair(a, requires_grad=True)
    fm, ft = getattr(minigrad, name), getattr(torch, name)
    if isinstance(scalar, bool) and name in ("sub", "rsub"):
        assert_same_error(lambda: fm(m, scalar), lambda: ft(t, scalar))
        return
    if name == "floor_divide":
        out_mg, out_th = fm(m, scalar), ft(t, scalar)
        assert_tensor_equal(out_mg, out_th)
        assert graph_signature(out_mg) == graph_signature(out_th)
        g = torch.ones_like(out_th)
        assert_same_error(lambda: out_mg.backward(minigrad.ones_like(out_mg)),
                          lambda: out_th.backward(g))
        return
    run_both(lambda x: fm(x, scalar), lambda x: ft(x, scalar), [m], [t], rng)


@pytest.mark.parametrize("alpha", [2, -1, 0.5])
@pytest.mark.parametrize("name", ["add", "sub", "rsub"])
def test_alpha(name, alpha):
    rng = np.random.default_rng(1)
    for other in (anywhere(rng, (3,)), 4):
        ma, ta = pair(anywhere(rng, (2, 3)).astype("float32"), requires_grad=True)
        mb, tb = (pair(other.astype("float32"), requires_grad=True) if isinstance(other, np.ndarray)
                  else (other, other))
        inputs = ([ma, mb], [ta, tb]) if isinstance(other, np.ndarray) else ([ma], [ta])
        fm = (lambda x, y=mb: getattr(minigrad, name)(x, y, alpha=alpha))
        ft = (lambda x, y=tb: getattr(torch, name)(x, y, alpha=alpha))
        if isinstance(other, np.ndarray):
            run_both(lambda x, y: getattr(minigrad, name)(x, y, alpha=alpha),
                     lambda x, y: getattr(torch, name)(x, y, alpha=alpha), *inputs, rng)
        else:
            run_both(fm, ft, *inputs, rng)
    # integer tensors refuse a float alpha
    mi, ti = pair(np.arange(3))
    assert_same_error(lambda: minigrad.add(mi, mi, alpha=0.5), lambda: torch.add(ti, ti, alpha=0.5))


@pytest.mark.parametrize("mode", ["floor", "trunc", None])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "int8"])
def test_div_rounding_modes(mode, dtype):
    a = np.array([[-7, 7, -8, 8, 0, 5], [3, -3, 9, -9, 1, -1]])
    b = np.array([2, 2, -3, -3, 4, 3])
    if dtype in ("uint8",):
        a, b = np.abs(a), np.abs(b)
    a, b = a.astype(dtype), b.astype(dtype)
    ma, ta = pair(a, requires_grad=dtype.startswith("float"))
    mb, tb = pair(b)
    out_mg, out_th = (minigrad.div(ma, mb, rounding_mode=mode),
                      torch.div(ta, tb, rounding_mode=mode))
    assert_tensor_equal(out_mg, out_th)
    assert graph_signature(out_mg) == graph_signature(out_th)
    for scalar in (2, -3, 2.5):
        assert_tensor_equal(minigrad.div(ma, scalar, rounding_mode=mode),
                            torch.div(ta, scalar, rounding_mode=mode))
    if out_th.requires_grad:
        g = np.ones(a.shape, dtype)
        out_mg.backward(minigrad.from_numpy(g))
        out_th.backward(torch.from_numpy(g))
        assert_grads_equal([ma], [ta])
    assert_same_error(lambda: minigrad.div(ma, mb, rounding_mode="round"),
                      lambda: torch.div(ta, tb, rounding_mode="round"))


# ---- operators, reflected operators and augmented assignment -----------------------------------
OPERATORS = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
    "/": lambda x, y: x / y, "//": lambda x, y: x // y, "%": lambda x, y: x % y,
    "**": lambda x, y: x ** y,
}


@pytest.mark.parametrize("op", sorted(OPERATORS))
@pytest.mark.parametrize("left,right", [("tensor", "tensor"), ("tensor", 2), ("tensor", 2.5),
                                        ("tensor", -3), (2, "tensor"), (2.5, "tensor"),
                                        (-3, "tensor"), ("tensor", "zerodim"),
                                        ("zerodim", "tensor")])
@pytest.mark.parametrize("dtype", FLOATS)
def test_operators(op, left, right, dtype):
    rng = np.random.default_rng(2)
    a = (np.abs(away_from_integers(rng, (2, 3))) + 0.1).astype(dtype)
    b = (np.abs(away_from_integers(rng, (3,))) + 0.1).astype(dtype)
    zd = np.array(1.7, dtype)
    mg_in, th_in = [], []

    def operand(kind, arr):
        if kind in ("tensor", "zerodim"):
            m, t = pair(arr if kind == "tensor" else zd, requires_grad=True)
            mg_in.append(m)
            th_in.append(t)
            return m, t
        return kind, kind
    lm, lt = operand(left, a)
    rm, rt = operand(right, b)
    f = OPERATORS[op]
    out_mg, out_th = f(lm, rm), f(lt, rt)
    assert_tensor_equal(out_mg, out_th)
    assert graph_signature(out_mg, 2) == graph_signature(out_th, 2)
    g = make_grad(rng, tuple(out_th.shape), dtype)
    if op == "//" or (op == "%" and not isinstance(left, str)):
        assert_same_error(lambda: out_mg.backward(minigrad.from_numpy(g)),
                          lambda: out_th.backward(torch.from_numpy(g)))
        return
    out_mg.backward(minigrad.from_numpy(g.copy()))
    out_th.backward(torch.from_numpy(g.copy()))
    assert_grads_equal(mg_in, th_in, rtol=_grad_rtol(out_th), atol=_grad_atol(out_th))


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/=", "//=", "%=", "**="])
@pytest.mark.parametrize("other", ["tensor", 2, 1.5])
def test_augmented_assignment(op, other):
    """x op= y modifies x in place (same object, same storage) like torch."""
    a = np.array([[1.5, 2.5, 3.5], [4.5, 5.5, 6.5]], np.float32)
    results = []
    for mk in (minigrad.tensor, torch.tensor):
        x = mk(a)
        y = mk([1.5, 2.0, 3.0]) if other == "tensor" else other
        ident, ptr = id(x), x.data_ptr()
        ns = {"x": x, "y": y}
        exec(f"x {op} y", ns)
        assert id(ns["x"]) == ident and ns["x"].data_ptr() == ptr
        results.append(ns["x"])
    assert_tensor_equal(*results)


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
@pytest.mark.parametrize("other", ["tensor", 2, 2.5, True, "int"])
def test_comparison_operators(op, other):
    a = np.array([[1.0, 2.0, 2.5], [3.0, 2.0, 0.0]], np.float32)
    b = np.array([2.0, 2.0, 1.0], np.float32)
    results = []
    for lib in (minigrad, torch):
        ns = {"x": lib.tensor(a, requires_grad=True),
              "y": {"tensor": lib.tensor(b), "int": lib.tensor([2, 1, 3])}.get(other, other)}
        r = eval(f"x {op} y", ns)
        assert not r.requires_grad and r.grad_fn is None
        results.append(r)
        results.append(eval(f"y {op} x", ns))
    assert_tensor_equal(results[0], results[2])
    assert_tensor_equal(results[1], results[3])


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "greater", "less",
                                  "greater_equal", "less_equal", "not_equal"])
@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("int64", "float32"),
                                    ("int32", "int64"), ("bool", "uint8"), ("float64", "int8")])
def test_comparison_functions(name, dtypes):
    a = np.array([[1, 2, 3], [0, 2, 1]]).astype(dtypes[0])
    b = np.array([2, 2, 0]).astype(dtypes[1])
    ma, ta = pair(a)
    mb, tb = pair(b)
    for args in ((ma, mb), (ma, 2), (ma, 1.5)):
        targs = tuple(ta if x is ma else tb if x is mb else x for x in args)
        assert_tensor_equal(getattr(minigrad, name)(*args), getattr(torch, name)(*targs))
        assert_tensor_equal(getattr(args[0], name)(*args[1:]), getattr(targs[0], name)(*targs[1:]))


def test_broadcast_error_message():
    ma, ta = pair(np.ones((2, 2)))
    mb, tb = pair(np.ones(3))
    for f in (lambda x, y: x * y, lambda x, y: x + y, lambda x, y: y - x, minigrad.maximum):
        ft = torch.maximum if f is minigrad.maximum else f
        assert_same_error(lambda f=f: f(ma, mb), lambda ft=ft: ft(ta, tb))


# ---- clamp / where / lerp ------------------------------------------------------------------------
@pytest.mark.parametrize("bounds", [(-1, 1), (None, 0.5), (-0.5, None), (1, -1), (0, 0)])
@pytest.mark.parametrize("fn", ["clamp", "clip"])
def test_clamp_numbers(bounds, fn):
    rng = np.random.default_rng(3)
    a = anywhere(rng, (3, 4)).astype(np.float32)
    a[0, :2] = [-1, 1]  # exactly at the bounds: torch passes the gradient there
    m, t = pair(a, requires_grad=True)
    lo, hi = bounds
    run_both(lambda x: getattr(minigrad, fn)(x, lo, hi), lambda x: getattr(torch, fn)(x, lo, hi),
             [m], [t], rng)
    m, t = pair(a, requires_grad=True)
    run_both(lambda x: getattr(x, fn)(min=lo, max=hi), lambda x: getattr(x, fn)(min=lo, max=hi),
             [m], [t], rng)


def test_clamp_min_max_and_inplace():
    rng = np.random.default_rng(4)
    a = np.array([-2.0, -1.0, 0.0, 1.0, 2.0], np.float32)
    lo = np.array([-1.0, -1.0, 1.0, 1.0, 3.0], np.float32)
    for name, arg in (("clamp_min", 0.0), ("clamp_max", 0.0), ("clamp_min", lo),
                      ("clamp_max", lo)):
        m, t = pair(a, requires_grad=True)
        if isinstance(arg, np.ndarray):
            mb, tb = pair(arg, requires_grad=True)
            f2 = (lambda x, y, name=name: getattr(x, name)(y))
            run_both(f2, f2, [m, mb], [t, tb], rng)
        else:
            f1 = (lambda x, name=name, arg=arg: getattr(x, name)(arg))
            run_both(f1, f1, [m], [t], rng)
    for name, args in (("clamp_", (-1, 1)), ("clamp_min_", (0.5,)), ("clamp_max_", (0.5,))):
        m, t = pair(a)
        getattr(m, name)(*args)
        getattr(t, name)(*args)
        assert_tensor_equal(m, t)
    assert_same_error(lambda: minigrad.clamp(minigrad.ones(2)), lambda: torch.clamp(torch.ones(2)))


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), which=st.sampled_from(["both", "min", "max"]))
def test_clamp_tensor_bounds(seed, which):
    """Tensor bounds, including ties and lo > hi (where torch gives hi the gradient)."""
    rng = np.random.default_rng(seed)
    grid = np.array([-1.0, 0.0, 1.0], np.float32)
    x, lo, hi = (rng.choice(grid, (4, 3)) for _ in range(3))
    mx, tx = pair(x, requires_grad=True)
    mlo, tlo = pair(lo, requires_grad=True)
    mhi, thi = pair(hi, requires_grad=True)
    if which == "both":
        run_both(minigrad.clamp, torch.clamp, [mx, mlo, mhi], [tx, tlo, thi], rng)
    elif which == "min":
        run_both(lambda a, b: minigrad.clamp(a, min=b), lambda a, b: torch.clamp(a, min=b),
                 [mx, mlo], [tx, tlo], rng)
    else:
        run_both(lambda a, b: minigrad.clamp(a, max=b), lambda a, b: torch.clamp(a, max=b),
                 [mx, mhi], [tx, thi], rng)


@SETTINGS
@given(shapes=broadcastable(), seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(FLOATS),
       scalar=st.sampled_from([None, "a", "b"]))
def test_where(shapes, seed, dtype, scalar):
    rng = np.random.default_rng(seed)
    sa, sb = shapes
    cond = rng.random(np.broadcast_shapes(sa, sb)[-1:] or ()) > 0.5
    a, b = anywhere(rng, sa).astype(dtype), anywhere(rng, sb).astype(dtype)
    mc, tc = pair(cond)
    ma, ta = pair(a, requires_grad=True)
    mb, tb = pair(b, requires_grad=True)
    if scalar == "a":
        run_both(lambda y: minigrad.where(mc, 1.5, y), lambda y: torch.where(tc, 1.5, y),
                 [mb], [tb], rng)
    elif scalar == "b":
        run_both(lambda x: minigrad.where(mc, x, 0.0), lambda x: torch.where(tc, x, 0.0),
                 [ma], [ta], rng)
        run_both(lambda x: x.where(mc, 2), lambda x: x.where(tc, 2), [ma], [ta], rng)
    else:
        run_both(lambda x, y: minigrad.where(mc, x, y), lambda x, y: torch.where(tc, x, y),
                 [ma, mb], [ta, tb], rng)


def test_where_dtypes_and_errors():
    c = np.array([True, False, True])
    mc, tc = pair(c)
    mi, ti = pair(np.array([1, 2, 3], np.int32))
    mf, tf = pair(np.array([1.5, 2.5, 3.5], np.float64))
    for args in ((mi, 2.5), (mi, 2), (mi, mf), (2, 3), (2.5, 1), (True, mi)):
        targs = tuple(ti if x is mi else tf if x is mf else x for x in args)
        assert_tensor_equal(minigrad.where(mc, *args), torch.where(tc, *targs))
    mn, tn = pair(np.array([1.0, 0.0, 2.0]))
    assert_same_error(lambda: minigrad.where(mn, mi, mi), lambda: torch.where(tn, ti, ti))


@pytest.mark.parametrize("weight", [0.25, 0.75, "tensor"])
def test_lerp(weight):
    rng = np.random.default_rng(5)
    a, b = anywhere(rng, (2, 3)).astype(np.float32), anywhere(rng, (3,)).astype(np.float32)
    ma, ta = pair(a, requires_grad=True)
    mb, tb = pair(b, requires_grad=True)
    if weight == "tensor":
        mw, tw = pair(rng.random((2, 3)).astype(np.float32), requires_grad=True)
        run_both(minigrad.lerp, torch.lerp, [ma, mb, mw], [ta, tb, tw], rng)
    else:
        run_both(lambda x, y: x.lerp(y, weight), lambda x, y: x.lerp(y, weight),
                 [ma, mb], [ta, tb], rng)


# ---- non-differentiable points: torch's conventions ---------------------------------------------
@pytest.mark.parametrize("case", [
    "relu", "abs", "sqrt", "maximum", "minimum", "fmax", "fmin", "pow_tensor_at_zero",
    "pow_number_at_zero", "rpow_zero_base", "sign", "clamp", "rsqrt", "log", "reciprocal",
])
def test_special_points(case):
    """Gradients at kinks, ties and zeros follow torch (values including inf/nan)."""
    x = np.array([-1.0, 0.0, 0.0, 1.0, 2.0], np.float64)
    y = np.array([0.0, 0.0, 1.0, 1.0, -2.0], np.float64)
    rng = np.random.default_rng(6)
    mx, tx = pair(x, requires_grad=True)
    my, ty = pair(y, requires_grad=True)
    unary = {"relu": "relu", "abs": "abs", "sqrt": "sqrt", "sign": "sign", "rsqrt": "rsqrt",
             "log": "log", "reciprocal": "reciprocal"}
    if case in unary:
        run_both(getattr(minigrad, case), getattr(torch, case), [mx], [tx], rng)
    elif case in ("maximum", "minimum", "fmax", "fmin"):
        run_both(getattr(minigrad, case), getattr(torch, case), [mx, my], [tx, ty], rng)
    elif case == "pow_tensor_at_zero":
        run_both(lambda a, b: a ** b, lambda a, b: a ** b, [mx, my], [tx, ty], rng)
    elif case == "pow_number_at_zero":
        for p in (0, 0.5, 1, 2, 3, -1, 1.5):
            mx, tx = pair(x, requires_grad=True)
            run_both(lambda a, p=p: a ** p, lambda a, p=p: a ** p, [mx], [tx], rng)
    elif case == "rpow_zero_base":
        for s in (0, 0.0, 2, 1):
            my, ty = pair(y, requires_grad=True)
            run_both(lambda b, s=s: s ** b, lambda b, s=s: s ** b, [my], [ty], rng)
    elif case == "clamp":
        run_both(lambda a: a.clamp(0, 1), lambda a: a.clamp(0, 1), [mx], [tx], rng)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_relu_keeps_signed_zeros_and_nans_bitwise(dtype):
    """relu(x) = x < 0 ? 0 : x and its backward y <= 0 ? 0 : grad, bit for bit: -0.0 stays,
    NaN payloads stay, and a NaN input passes its gradient through."""
    bits = np.array([0x7FC00123, 0xFFC00456, 0x80000000, 0, 0xBF800000, 0x40000000, 0xFF800000,
                     0x7F800000], np.uint32)
    x = np.tile(bits.view(np.float32), 40).astype(dtype)
    grad = np.tile(np.array([5, 5, 5, 5, 5, np.nan, 5, -0.0], dtype), 40)
    mx, tx = pair(x, requires_grad=True)
    m_out, t_out = minigrad.relu(mx), torch.relu(tx)
    assert m_out.numpy(force=True).tobytes() == t_out.detach().numpy().tobytes()
    m_out.backward(minigrad.from_numpy(grad))
    t_out.backward(torch.from_numpy(grad))
    assert mx.grad.numpy().tobytes() == tx.grad.numpy().tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_sigmoid_saturates_quietly(dtype, recwarn):
    """exp(-x) overflows for very negative x: the result is 0 with no NumPy warning; float16
    computes in float32 and rounds once, as torch does (the same values)."""
    big = float(np.finfo(dtype).max)
    x = np.concatenate([[-big, big, -np.inf, np.inf, np.nan, -0.0, -90.0, 90.0],
                        np.linspace(-20, 20, 401)]).astype(dtype)
    got = minigrad.sigmoid(minigrad.from_numpy(x)).numpy()
    want = torch.sigmoid(torch.from_numpy(x)).numpy()
    assert not recwarn.list
    if dtype == np.float16:
        np.testing.assert_array_equal(got, want)  # exact (NaN where torch has NaN)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8])
def test_relu_of_integers(dtype):
    x = np.array([3, 0, 5, 200, 7] if dtype == np.uint8 else [-3, 0, 5, -128, 7], dtype)
    assert np.array_equal(minigrad.relu(minigrad.from_numpy(x)).numpy(),
                          torch.relu(torch.from_numpy(x)).numpy())


# ---- errors: integer/bool arithmetic and in-place rules ----------------------------------------
def _int(values=(1, 2, 3), dtype=np.int64):
    return pair(np.array(values, dtype))


@pytest.mark.parametrize("expr", [
    "-b", "b.neg()", "b - b", "torch.sub(b, b)", "i ** -1", "i.pow(-2)", "i // 0", "i % 0",
    "torch.fmod(i, 0)", "i // z", "i.div(0, rounding_mode='floor')",
    "i.div(z, rounding_mode='trunc')", "i.add_(2.5)", "i.div_(2)", "i.mul_(1.5)",
    "i.sub_(f)", "b.add_(1)", "i.add(1, alpha=0.5)", "f.add_(torch.ones(2, 3))",
    "f.mul_(torch.ones(1, 3))", "i.__itruediv__(2)", "b.relu()", "f.bitwise_and(f)", "~f",
    "torch.where(i, i, i)", "f.unknown_()",
])
def test_errors(expr):
    """Same exception class and message as torch."""
    def run(lib):
        i, b, f, z = (lib.tensor([1, 2, 3]), lib.tensor([True, False, True]),
                      lib.tensor([1.0, 2.0, 3.0]), lib.tensor([0, 1, 1]))
        return eval(expr, {"torch": lib, "i": i, "b": b, "f": f, "z": z})
    assert_same_error(lambda: run(minigrad), lambda: run(torch),
                      match_message="unknown" not in expr)


@pytest.mark.parametrize("expr", [
    "f.sqrt(dim=0)", "f.log(0)", "f.exp(1, 2)", "f.abs(out=f)", "f.absolute(dim=1)",
    "torch.sqrt(f, 0)", "torch.log(f, dim=0)", "torch.sigmoid(f, f)",
])
def test_unary_signature_errors(expr):
    """Unary methods take no arguments, the functions one (and out=): torch's TypeErrors."""
    def run(lib):
        return eval(expr, {"torch": lib, "f": lib.tensor([1.0, 2.0])})
    assert_same_error(lambda: run(minigrad), lambda: run(torch))


@pytest.mark.parametrize("expr", [
    "x.add_(1)", "x.exp_()", "x.mul_(2)", "x.clamp_(0, 1)", "x += 1", "x.neg_()",
])
def test_inplace_on_leaf_requiring_grad(expr):
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        exec(expr, {"x": x})
    assert_same_error(lambda: run(minigrad), lambda: run(torch))
    # allowed under no_grad and on .data
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.no_grad():
            exec(expr, {"x": x})
        exec(expr, {"x": x.data})
        assert x.requires_grad and x.is_leaf
        results.append(x)
    assert_tensor_equal(*results)


def test_integer_arithmetic_values():
    """Python-style floor division and remainder on negative integers, wrap-around, true div."""
    a = np.array([-7, 7, -8, 9, 0, -1], np.int64)
    for dtype in ("int64", "int32", "int8", "uint8", "int16"):
        arr = (np.abs(a) if dtype == "uint8" else a).astype(dtype)
        m, t = pair(arr)
        for f in (lambda x: x // 2, lambda x: x % 3, lambda x: x // -3, lambda x: x % -4,
                  lambda x: x / 2, lambda x: x * 100, lambda x: x - 100, lambda x: x ** 2,
                  lambda x: 2 ** x.abs(), lambda x, dtype=dtype: x if dtype == "uint8" else -x,
                  lambda x: x.fmod(3), lambda x: x.fmod(-3), lambda x: 7 // (x.abs() + 1),
                  lambda x: 7 % (x.abs() + 1), lambda x: x.remainder(3), lambda x: x.abs()):
            assert_tensor_equal(f(m), f(t))
    mf, tf = pair(np.array([[0.0, 1.0, -1.0]], np.float32))
    assert_tensor_equal(mf / 0, tf / 0)
    assert_tensor_equal(mf // 0, tf // 0)
    assert_tensor_equal(mf % 0, tf % 0)
    mi, ti = pair(np.array([[0, 1, -1]]))
    assert_tensor_equal(mi / 0, ti / 0)


def test_integer_negative_tensor_powers():
    """A negative exponent in a tensor (or a number base with a tensor exponent) does not raise:
    1 ** -n = 1, (-1) ** -n = +-1, any other integer base gives 0. A number exponent raises."""
    base = np.array([2, 1, -1, -2, 0, 3, -1, 5])
    exp = np.array([-1, -5, -3, -2, -1, 0, -2, 2])
    for dtype in ("int64", "int32", "int16"):
        (mb, tb), (me, te) = pair(base.astype(dtype)), pair(exp.astype(dtype))
        assert_tensor_equal(mb ** me, tb ** te)
        assert_tensor_equal(mb.pow(me[0]), tb.pow(te[0]))  # a 0-dim tensor exponent
        for s in (2, 1, -1, 0, -3):
            assert_tensor_equal(s ** me, s ** te)
    (mu, tu), (me, te) = pair(np.array([2, 1], np.uint8)), pair(exp[:2])
    assert_tensor_equal(mu ** me, tu ** te)


def test_bitwise_and_logical():
    a = np.array([[1, 2, 3], [4, 5, 6]], np.int64)
    b = np.array([True, False, True])
    ma, ta = pair(a)
    mb, tb = pair(b)
    for f in (lambda x, y: x & 3, lambda x, y: x | 8, lambda x, y: x ^ 5, lambda x, y: ~x,
              lambda x, y: ~y, lambda x, y: y & y, lambda x, y: y | True, lambda x, y: 3 & x,
              lambda x, y: y ^ y, lambda x, y: x.logical_and(y), lambda x, y: x.logical_or(y),
              lambda x, y: x.logical_xor(y), lambda x, y: x.logical_not(),
              lambda x, y: x.bitwise_not(), lambda x, y: x.bitwise_xor(x),
              lambda x, y: x.isnan(), lambda x, y: x.isinf(), lambda x, y: x.isfinite()):
        assert_tensor_equal(f(ma, mb), f(ta, tb))


def test_float_predicates_and_nan_to_num():
    a = np.array([1.0, np.nan, np.inf, -np.inf, -0.0], np.float32)
    m, t = pair(a)
    for f in (lambda x: x.isnan(), lambda x: x.isinf(), lambda x: x.isfinite(),
              lambda x: x.nan_to_num(), lambda x: x.nan_to_num(0.5, 2.0, -2.0),
              lambda x: torch.isclose(x, x) if isinstance(x, torch.Tensor) else
              minigrad.isclose(x, x), lambda x: x.isclose(x, equal_nan=True), lambda x: x.sign(),
              lambda x: x.relu(), lambda x: x.abs(), lambda x: x.sqrt(), lambda x: x.exp()):
        assert_tensor_equal(f(m), f(t))
    mb, tb = pair(np.array([1.0, 2.0], np.float32))
    assert minigrad.allclose(mb, mb + 1e-9) == torch.allclose(tb, tb + 1e-9)
    assert minigrad.equal(mb, mb) == torch.equal(tb, tb) is True
    assert minigrad.equal(mb, mb + 1) == torch.equal(tb, tb + 1) is False


@pytest.mark.parametrize("decimals", [1, 2, -1])
def test_round_decimals(decimals):
    a = np.array([1.2345, -2.5678, 15.5, 0.05], np.float64)
    m, t = pair(a, requires_grad=True)
    run_both(lambda x: x.round(decimals=decimals), lambda x: x.round(decimals=decimals),
             [m], [t], np.random.default_rng(7))


def test_round_half_to_even_and_sum_to_size():
    a = np.array([0.5, 1.5, 2.5, -0.5, -1.5], np.float32)
    m, t = pair(a)
    assert_tensor_equal(m.round(), t.round())
    mx, tx = pair(np.arange(12.0).reshape(3, 4), requires_grad=True)
    run_both(lambda x: x.sum_to_size(1, 4), lambda x: x.sum_to_size(1, 4), [mx], [tx],
             np.random.default_rng(8))
    assert_same_error(lambda: mx.sum_to_size(2, 4), lambda: tx.sum_to_size(2, 4))


# ---- finite differences: every derivative, independent of torch ---------------------------------
FD_UNARY = [n for n in sorted(UNARY) if n not in ("floor", "ceil", "round", "trunc", "sign")]


@pytest.mark.parametrize("name", FD_UNARY)
def test_fd_unary(name):
    rng = np.random.default_rng(9)
    fd_check(getattr(minigrad, name), [UNARY[name][0](rng, (2, 3))])


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "atan2", "maximum",
                                  "minimum", "fmax", "fmin", "remainder", "fmod", "rsub"])
def test_fd_binary(name):
    rng = np.random.default_rng(10)
    a, b = BINARY[name][0](rng, (2, 3), (3,))
    fd_check(getattr(minigrad, name), [a, b])


@pytest.mark.parametrize("case", ["alpha", "scalar_pow", "rpow", "clamp", "clamp_tensors",
                                  "where", "lerp", "lerp_tensor", "rdiv", "square_sum"])
def test_fd_other(case):
    rng = np.random.default_rng(11)
    x, y, w = anywhere(rng, (2, 3)), anywhere(rng, (3,)), rng.random((2, 3))
    cond = minigrad.tensor([True, False, True])
    checks = {
        "alpha": (lambda a, b: minigrad.sub(a, b, alpha=2.5), [x, y]),
        "scalar_pow": (lambda a: (a * a + 1) ** 1.5, [x]),
        "rpow": (lambda a: 2.5 ** a, [x]),
        "clamp": (lambda a: a.clamp(-1, 1), [x]),
        "clamp_tensors": (lambda a, lo, hi: a.clamp(lo, hi),
                          [x, np.full(3, -1.0), np.array([0.5, 2.0, -2.0])]),
        "where": (lambda a, b: minigrad.where(cond, a, b), [x, y]),
        "lerp": (lambda a, b: a.lerp(b, 0.3), [x, y]),
        "lerp_tensor": (lambda a, b, c: a.lerp(b, c), [x, y, w]),
        "rdiv": (lambda a: 3 / (a * a + 1), [x]),
        "square_sum": (lambda a, b: (a - b).square() * a.sigmoid(), [x, y]),
    }
    fn, inputs = checks[case]
    fd_check(fn, inputs)


def test_higher_order_gradient():
    """Backward is written with minigrad ops: second derivatives match torch."""
    a = np.array([0.3, -1.2, 2.0])
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(a, requires_grad=True)
        y = (x.sin() * x.exp() + x ** 3 / (x * x + 1)).sigmoid()
        (g,) = lib.autograd.grad(y, x, lib.ones_like(y), create_graph=True)
        (h,) = lib.autograd.grad(g, x, lib.ones_like(g))
        results.append((g, h))
    assert_tensor_equal(results[0][0], results[1][0])
    assert_tensor_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("expr", [
    "x.relu()", "x.clamp(-0.5, 0.5)", "x.clamp(min=y)", "x.clamp(y, z)", "torch.maximum(x, y)",
    "torch.minimum(x, y)", "torch.fmax(x, y)", "torch.fmin(x, y)", "x.floor()", "x.sign()",
    "x.round()", "x.div(y, rounding_mode='floor')", "x.abs()", "torch.where(x > 0, x, y)",
    "x ** 0", "x.clamp_min(0.1)",
])
def test_nonfinite_upstream_gradient_is_masked(expr):
    """Masked/zero derivatives give exact zeros where torch does, even for inf/nan upstream."""
    x = np.array([-1.0, 0.0, 0.3, 2.0, -0.2, 1.0])
    y = np.array([0.5, 0.0, -1.0, 1.0, 1.0, 1.0])
    z = np.array([0.7, 0.5, 1.0, 1.5, -2.0, 1.0])
    g = np.array([np.nan, np.inf, -np.inf, np.nan, 1.0, np.nan])
    results = []
    for lib in (minigrad, torch):
        ins = [lib.tensor(v, requires_grad=True) for v in (x, y, z)]
        out = eval(expr, {"torch": lib, "x": ins[0], "y": ins[1], "z": ins[2]})
        out.backward(lib.tensor(g))
        results.append(ins)
    assert_grads_equal(*results)


@pytest.mark.parametrize("expr", ["x.relu()", "x.abs()", "x.clamp(0, 1)", "x.sigmoid()",
                                  "x.maximum(x * 2)"])
def test_double_backward_graph(expr):
    """autograd.grad(create_graph=True): whether the gradient needs grad, its grad_fn, and the
    second-order gradient match torch (relu's ThresholdBackwardBackward0 included)."""
    x = np.array([1.0, -1.0, -0.0, 0.5])
    results = []
    for lib in (minigrad, torch):
        t = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad(eval(expr, {"x": t}), t, lib.ones_like(t), create_graph=True)
        assert g.requires_grad == (expr in ("x.relu()", "x.abs()", "x.sigmoid()"))
        if g.requires_grad and expr != "x.abs()":  # torch's abs'' is a ZeroTensor: not comparable
            g.backward(lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64))
        results.append((g, t, type(g.grad_fn).__name__))
    assert_tensor_equal(results[0][0], results[1][0])
    assert_grads_equal([results[0][1]], [results[1][1]])
    if expr == "x.relu()":  # (other ops' double-backward node names are not reproduced)
        assert results[0][2] == results[1][2] == "ThresholdBackwardBackward0"


@pytest.mark.parametrize("weight_grad", [None, False, True])
def test_lerp_saves_only_what_backward_needs(weight_grad):
    """lerp with a number (or a weight that needs no grad) does not save a and b: modifying a in
    place afterwards is fine; with a weight that needs grad, backward raises like torch."""
    def run(lib):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        end = lib.tensor([1.0, 3.0, -2.0], requires_grad=True)
        a = x * 2
        w = 0.3 if weight_grad is None else lib.tensor([0.2, 0.5, 0.9],
                                                       requires_grad=weight_grad)
        out = lib.lerp(a, end, w)
        a[1] = 0.25
        out.backward(lib.tensor([1.0, -2.0, 0.5]))
        return out, x.grad, end.grad

    if weight_grad:
        assert_same_error(lambda: run(minigrad), lambda: run(torch))
        return
    for got, expected in zip(run(minigrad), run(torch)):
        assert_tensor_equal(got, expected)


@pytest.mark.parametrize("upstream", [1.0, -1.0, float("nan")])
def test_atan2_gradient_at_origin(upstream):
    """At a = b = 0 torch takes 1 / (a² + b²) as 0: the gradients are zeros signed like
    grad * b and -grad * a (nan stays nan), and they stay differentiable."""
    zeros = [0.0, -0.0, 0.0, -0.0]
    signs = [0.0, 0.0, -0.0, -0.0]

    def run(lib):
        a = lib.tensor(zeros, dtype=lib.float64, requires_grad=True)
        b = lib.tensor(signs, dtype=lib.float64, requires_grad=True)
        out = lib.atan2(a, b)
        up = lib.tensor([upstream] * 4, dtype=lib.float64)
        ga, gb = lib.autograd.grad(out, [a, b], up, create_graph=True)
        return out, ga, gb, type(ga.grad_fn).__name__

    got, expected = run(minigrad), run(torch)
    assert got[3] == expected[3]
    for g, e in zip(got[:3], expected[:3]):
        assert_tensor_equal(g, e)
        np.testing.assert_array_equal(np.signbit(g.detach().numpy()),
                                      np.signbit(e.detach().numpy()))


SIGNED_ZERO_TIES = {
    "relu": lambda lib, a, b: lib.relu(a),
    "clamp_min_number": lambda lib, a, b: a.clamp(min=0.0),
    "clamp_max_number": lambda lib, a, b: a.clamp(max=-0.0),
    "clamp_both_numbers": lambda lib, a, b: a.clamp(-0.0, 0.0),
    "clamp_tensors": lambda lib, a, b: a.clamp(b, b),
    "clamp_min_tensor": lambda lib, a, b: a.clamp_min(b),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(b, a),
    "fmax": lambda lib, a, b: lib.fmax(a, b),
    "fmin": lambda lib, a, b: lib.fmin(b, a),
}


@pytest.mark.parametrize("case", sorted(SIGNED_ZERO_TIES))
@pytest.mark.parametrize("dtype", FLOATS)
def test_ties_keep_the_first_operand_signed_zero(case, dtype):
    """Of two equal values torch returns the first operand, so a -0.0 input survives relu,
    clamp and maximum against +0.0 (atan2 downstream tells them apart)."""
    a = [-0.0, 0.0, -0.0, 0.0, float("nan"), -1.0, 2.0]
    b = [0.0, -0.0, -0.0, 0.0, 0.0, float("nan"), 0.0]

    def run(lib):
        ta, tb = (lib.tensor(v, dtype=getattr(lib, dtype)) for v in (a, b))
        return SIGNED_ZERO_TIES[case](lib, ta, tb)
    got, expected = run(minigrad), run(torch)
    assert_tensor_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got.numpy()), np.signbit(expected.numpy()))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [3, -2, -0.5, -1, 2, 4, 0.5, 1.5])
def test_pow_rounds_as_torch_kernel(p, dtype):
    """torch computes x ** 3 as x * x * x, x ** -2 as 1 / (x * x), x ** -0.5 as 1 / sqrt(x):
    each rounding as in torch, bit for bit; the gradient p * x ** (p - 1) goes through the same
    kernel (exactly for p = 3, 4, 2, 0.5, -1; otherwise within the dtype's tolerance)."""
    x = np.abs(np.random.default_rng(5).standard_normal(4000)).astype(dtype) * 10 + 0.01
    exact_forward = p in (3, -2, -0.5, -1, 2)
    exact_backward = p in (3, 4, 2, 0.5, -1)
    results = []
    for lib in (minigrad, torch):
        t = lib.from_numpy(x.copy()).requires_grad_()
        out = t.pow(p)
        out.backward(lib.ones_like(out))
        results.append((out.detach().numpy(), t.grad.numpy()))
    (mo, mg), (to, tg) = results
    rtol = 1e-5 if dtype == "float32" else 1e-12
    for got, want, exact in ((mo, to, exact_forward), (mg, tg, exact_backward)):
        if exact:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=rtol)


def test_rsqrt_backward_rounds_as_torch():
    x = np.abs(np.random.default_rng(6).standard_normal(4000)).astype(np.float32) + 0.01
    grads = []
    for lib in (minigrad, torch):
        t = lib.from_numpy(x.copy()).requires_grad_()
        t.rsqrt().backward(lib.ones(4000))
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(*grads)
