"""The activation family (ops/activation.py, nn/modules/activation.py) against torch: modules and
functionals with drawn shapes and arguments, float32 and float64, grad_fn names, input and
parameter gradients, second derivatives, in-place forms, finite differences, errors, reprs."""
import functools

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check, pair

# name -> (module args, functional call F(lib, x, *args)); args are drawn by ARGS below
ACTIVATIONS = {
    "GELU": lambda F, x, a: F.gelu(x, approximate=a["approximate"]),
    "SiLU": lambda F, x, a: F.silu(x),
    "Mish": lambda F, x, a: F.mish(x),
    "ELU": lambda F, x, a: F.elu(x, a["alpha"]),
    "CELU": lambda F, x, a: F.celu(x, a["alpha"]),
    "SELU": lambda F, x, a: F.selu(x),
    "LeakyReLU": lambda F, x, a: F.leaky_relu(x, a["negative_slope"]),
    "ReLU6": lambda F, x, a: F.relu6(x),
    "Hardtanh": lambda F, x, a: F.hardtanh(x, a["min_val"], a["max_val"]),
    "Hardswish": lambda F, x, a: F.hardswish(x),
    "Hardsigmoid": lambda F, x, a: F.hardsigmoid(x),
    "Softplus": lambda F, x, a: F.softplus(x, a["beta"], a["threshold"]),
    "Softsign": lambda F, x, a: F.softsign(x),
    "Softshrink": lambda F, x, a: F.softshrink(x, a["lambd"]),
    "Hardshrink": lambda F, x, a: F.hardshrink(x, a["lambd"]),
    "Tanhshrink": lambda F, x, a: F.tanhshrink(x),
    "LogSigmoid": lambda F, x, a: F.logsigmoid(x),
    "Softmin": lambda F, x, a: F.softmin(x, a["dim"]),
    "Threshold": lambda F, x, a: F.threshold(x, a["threshold"], a["value"]),
}

# the module's constructor arguments, from the drawn ones
MODULE_ARGS = {
    "GELU": ("approximate",), "ELU": ("alpha",), "CELU": ("alpha",),
    "LeakyReLU": ("negative_slope",), "Hardtanh": ("min_val", "max_val"),
    "Softplus": ("beta", "threshold"), "Softshrink": ("lambd",), "Hardshrink": ("lambd",),
    "Softmin": ("dim",), "Threshold": ("threshold", "value"),
}

args_strategy = st.fixed_dictionaries({
    "approximate": st.sampled_from(["none", "tanh"]),
    "alpha": st.sampled_from([0.5, 1.0, 2.0]),
    "negative_slope": st.sampled_from([0.01, 0.2, -0.5]),
    "min_val": st.sampled_from([-2.0, -1.0, 0.0]),
    "max_val": st.sampled_from([0.5, 1.0, 3.0]),
    "beta": st.sampled_from([0.5, 1.0, 2.0]),
    "threshold": st.sampled_from([-0.5, 1.0, 20.0]),
    "lambd": st.sampled_from([0.0, 0.3, 0.5]),
    "value": st.sampled_from([-1.0, 0.0, 2.5]),
    "dim": st.sampled_from([0, -1]),
})
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def _input(shape, dtype, seed):
    # values kept a little away from the kinks of the piecewise ones (0, ±lambd, ±3, bounds)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-4, 4, shape)
    return np.round(x, 1) + 0.03


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=8, deadline=None)
@given(shape=shapes, args=args_strategy, seed=st.integers(0, 2**16))
def test_activation_module_and_functional_match_torch(name, dtype, shape, args, seed):
    x_mg, x_th = pair(_input(shape, dtype, seed).astype(dtype), requires_grad=True)
    kwargs = {k: args[k] for k in MODULE_ARGS.get(name, ())}
    outs = []
    for lib, x in ((minigrad, x_mg), (torch, x_th)):
        module = getattr(lib.nn, name)(**kwargs)
        by_module = module(x)
        by_function = ACTIVATIONS[name](lib.nn.functional, x, args)
        outs.append((module, by_module, by_function))
    (m_mg, y_mg, f_mg), (m_th, y_th, f_th) = outs
    assert repr(m_mg) == repr(m_th)
    for got, expected in ((y_mg, y_th), (f_mg, f_th)):
        assert_tensor_equal(got, expected)
        assert type(got.grad_fn).__name__ == type(expected.grad_fn).__name__
    g = np.random.default_rng(seed + 1).standard_normal(y_th.shape).astype(dtype)
    (gx_mg,) = minigrad.autograd.grad(y_mg, x_mg, minigrad.from_numpy(g), create_graph=True)
    (gx_th,) = torch.autograd.grad(y_th, x_th, torch.from_numpy(g), create_graph=True)
    # upstream values up to ~4 scale float32 rounding (torch's own float32 erf and exp are
    # approximations too): the gradient gets an atol of a few float32 ulps of 4
    assert_tensor_equal(gx_mg, gx_th, atol=5e-6 if dtype == np.float32 else None)
    try:
        (ggx_th,) = torch.autograd.grad(gx_th.sum(), x_th)
    except RuntimeError:   # "derivative for aten::hardsigmoid_backward is not implemented"
        return
    if gx_mg.requires_grad:     # the second derivative too
        (ggx_mg,) = minigrad.autograd.grad(gx_mg.sum(), x_mg)
        assert_tensor_equal(ggx_mg, ggx_th, atol=1e-5 if dtype == np.float32 else 1e-10)
    else:  # piecewise linear with constant masks: torch's second derivative is zero too
        assert not ggx_th.any()


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradcheck_float64(name):
    args = {"approximate": "tanh", "alpha": 1.5, "negative_slope": 0.1, "min_val": -1.0,
            "max_val": 2.0, "beta": 2.0, "threshold": 1.0, "lambd": 0.4, "value": 0.5, "dim": 1}
    x = _input((3, 4), np.float64, 5)
    fd_check(lambda t: ACTIVATIONS[name](minigrad.nn.functional, t, args), [x], rtol=1e-6)
    if name == "GELU":
        args["approximate"] = "none"
        fd_check(lambda t: ACTIVATIONS[name](minigrad.nn.functional, t, args), [x])


INPLACE = {  # functional with inplace=True, its torch _ spelling, and the module with inplace
    "elu": ("elu_", lambda F, x: F.elu(x, 0.7, inplace=True)),
    "celu": ("celu_", lambda F, x: F.celu(x, 0.7, inplace=True)),
    "selu": ("selu_", lambda F, x: F.selu(x, inplace=True)),
    "leaky_relu": ("leaky_relu_", lambda F, x: F.leaky_relu(x, 0.1, inplace=True)),
    "hardtanh": ("hardtanh_", lambda F, x: F.hardtanh(x, -0.5, 0.5, inplace=True)),
    "threshold": ("threshold_", lambda F, x: F.threshold(x, 0.2, -1.0, inplace=True)),
    "relu6": (None, lambda F, x: F.relu6(x, inplace=True)),
    "silu": (None, lambda F, x: F.silu(x, inplace=True)),
    "mish": (None, lambda F, x: F.mish(x, inplace=True)),
    "hardswish": (None, lambda F, x: F.hardswish(x, inplace=True)),
    "hardsigmoid": (None, lambda F, x: F.hardsigmoid(x, inplace=True)),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inplace_activation_writes_input_with_torchs_node(name, dtype):
    x0 = _input((3, 5), dtype, 11).astype(dtype)
    results = []
    for lib in (minigrad, torch):
        leaf = lib.from_numpy(x0.copy()).requires_grad_()
        y = leaf * 1
        out = INPLACE[name][1](lib.nn.functional, y)
        assert out is y
        out.backward(lib.ones_like(out))
        results.append((out, leaf.grad))
    (y_mg, g_mg), (y_th, g_th) = results
    assert_tensor_equal(y_mg, y_th)
    assert_tensor_equal(g_mg, g_th)
    assert type(y_mg.grad_fn).__name__ == type(y_th.grad_fn).__name__
    underscore = INPLACE[name][0]
    if underscore:
        x_mg, x_th = pair(x0)
        getattr(minigrad.nn.functional, underscore)(x_mg, *(() if name in ("selu", "elu", "celu",
                                                           "leaky_relu", "hardtanh")
                                                          else (0.2, -1.0)))
        getattr(torch.nn.functional, underscore)(x_th, *(() if name in ("selu", "elu", "celu",
                                                         "leaky_relu", "hardtanh")
                                                        else (0.2, -1.0)))
        assert_tensor_equal(x_mg, x_th)


def test_inplace_on_leaf_that_requires_grad_is_refused():
    x_mg, x_th = pair(np.ones(3, np.float32), requires_grad=True)
    assert_same_error(lambda: minigrad.nn.functional.elu(x_mg, inplace=True),
                      lambda: torch.nn.functional.elu(x_th, inplace=True))


def test_torch_namespace_inplace_functions():
    for name, args in (("celu_", ()), ("selu_", ()), ("threshold_", (0.1, 3.0))):
        x_mg, x_th = pair(np.linspace(-2, 2, 7).astype(np.float32))
        getattr(minigrad, name)(x_mg, *args)
        getattr(torch, name)(x_th, *args)
        assert_tensor_equal(x_mg, x_th)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=10, deadline=None)
@given(shape=st.sampled_from([(5,), (2, 3), (2, 3, 4), (1, 3, 2, 2)]), shared=st.booleans(),
       seed=st.integers(0, 2**16))
def test_prelu_matches_torch(dtype, shape, shared, seed):
    rng = np.random.default_rng(seed)
    x0 = _input(shape, dtype, seed).astype(dtype)
    n = 1 if shared or len(shape) < 2 else shape[1]
    w0 = rng.uniform(-0.5, 0.5, n).astype(dtype)
    res = []
    for lib in (minigrad, torch):
        x = lib.from_numpy(x0.copy()).requires_grad_()
        w = lib.from_numpy(w0.copy()).requires_grad_()
        y = lib.nn.functional.prelu(x, w)
        y.backward(lib.from_numpy(np.cos(np.arange(y.numel())).reshape(y.shape).astype(dtype)))
        res.append((y, x.grad, w.grad))
    for got, expected in zip(*res):
        assert_tensor_equal(got, expected)
    assert type(res[0][0].grad_fn).__name__ == type(res[1][0].grad_fn).__name__
    if dtype == np.float64:
        fd_check(lambda a, b: minigrad.nn.functional.prelu(a, b), [x0, w0])


def test_prelu_module_init_and_method():
    for args in ((), (3,), (2, 0.1)):
        m_mg, m_th = minigrad.nn.PReLU(*args), torch.nn.PReLU(*args)
        assert repr(m_mg) == repr(m_th)
        assert_tensor_equal(m_mg.weight, m_th.weight.detach())
        assert [n for n, _ in m_mg.named_parameters()] == [n for n, _ in m_th.named_parameters()]
    x_mg, x_th = pair(np.linspace(-1, 1, 6).reshape(2, 3).astype(np.float32))
    w_mg, w_th = pair(np.array([0.3], np.float32))
    assert_tensor_equal(x_mg.prelu(w_mg), x_th.prelu(w_th))
    assert_tensor_equal(minigrad.prelu(x_mg, w_mg), torch.prelu(x_th, w_th))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,dim", [((4,), 0), ((2, 6), -1), ((4, 3, 2), 0), ((3, 2, 4), 1)])
def test_glu_and_softmax2d(dtype, shape, dim):
    x0 = _input(shape, dtype, 3).astype(dtype)
    res = []
    for lib in (minigrad, torch):
        x = lib.from_numpy(x0.copy()).requires_grad_()
        y = lib.nn.GLU(dim)(x)
        (g,) = lib.autograd.grad(y, x, lib.ones_like(y), create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        res.append((y, g, gg))
    for got, expected in zip(*res):
        assert_tensor_equal(got, expected)
    x_mg, x_th = pair(_input((2, 3, 2, 2), dtype, 4).astype(dtype))
    assert_tensor_equal(minigrad.nn.Softmax2d()(x_mg), torch.nn.Softmax2d()(x_th))
    assert_tensor_equal(minigrad.nn.Softmax2d()(x_mg[0]), torch.nn.Softmax2d()(x_th[0]))


def test_gelu_far_tails_float32():
    """float32 Φ rounds like torch's kernel (1 + erf in float32): the lower tail is 0 there."""
    x_mg, x_th = pair(np.array([-30, -12.5, -9, -5, -1e-3, 0, 1e-3, 5, 9, 40], np.float32),
                      requires_grad=True)
    y_mg, y_th = minigrad.nn.functional.gelu(x_mg), torch.nn.functional.gelu(x_th)
    assert_tensor_equal(y_mg, y_th)
    assert (y_mg.detach().numpy()[:3] == 0).all()
    y_mg.sum().backward()
    y_th.sum().backward()
    assert_tensor_equal(x_mg.grad, x_th.grad)


ERRORS = [
    lambda lib, x: lib.nn.functional.gelu(x, approximate="fast"),
    lambda lib, x: lib.nn.functional.celu(x, alpha=0.0),
    lambda lib, x: lib.nn.functional.softshrink(x, -0.5),
    lambda lib, x: lib.nn.functional.glu(x),
    lambda lib, x: lib.nn.functional.glu(x[0, 0]),
    lambda lib, x: lib.nn.functional.prelu(x, lib.ones(2)),
    lambda lib, x: lib.nn.functional.prelu(x, lib.ones(3, 1)),
    lambda lib, x: lib.nn.functional.prelu(x, lib.ones(1, dtype=lib.float64)),
    lambda lib, x: lib.nn.functional.hardtanh(x, 2.0, 1.0),
    lambda lib, x: lib.nn.Softmax2d()(x[0]),
    lambda lib, x: lib.nn.functional.hardtanh(x > 0),
] + [
    functools.partial(lambda name, lib, x: getattr(lib.nn.functional, name)(x.long()), name)
    for name in ("gelu", "silu", "mish", "elu", "celu", "selu", "leaky_relu", "hardswish",
                 "hardsigmoid", "softplus", "softshrink", "hardshrink", "logsigmoid", "glu")
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_activation_errors_match_torch(case):
    x_mg, x_th = pair(np.ones((2, 3), np.float32))
    assert_same_error(lambda: ERRORS[case](minigrad, x_mg), lambda: ERRORS[case](torch, x_th))


def test_integer_inputs_where_torch_takes_them():
    for fn in (lambda F, x: F.relu6(x), lambda F, x: F.hardtanh(x, -1, 1),
               lambda F, x: F.threshold(x, 1, 5), lambda F, x: F.softsign(x),
               lambda F, x: F.tanhshrink(x)):
        x_mg, x_th = pair(np.array([-3, 0, 1, 2, 9]))
        assert_tensor_equal(fn(minigrad.nn.functional, x_mg), fn(torch.nn.functional, x_th))


def test_implicit_softmin_dim_warns_like_torch():
    x_mg, x_th = pair(np.ones((2, 3), np.float32))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        y_mg = minigrad.nn.Softmin()(x_mg)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        y_th = torch.nn.Softmin()(x_th)
    assert_tensor_equal(y_mg, y_th)
