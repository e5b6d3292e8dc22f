"""Pooling (max, avg, adaptive avg/max, Lp, max-unpool; functionals and modules) against torch:
values, indices, grad_fn names and gradients over hypothesis-drawn shapes, kernels, strides,
paddings, dilations and modes; ties routed as torch routes them; errors; finite differences."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import fd_check
from layer_compare import check, same_error


@st.composite
def pool_case(draw):
    nd = draw(st.sampled_from([1, 2, 3]))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    size = tuple(d * (k - 1) + 1 + draw(st.integers(0, 4)) for d, k in zip(dilation, kernel))
    lead = draw(st.sampled_from([(2, 3), (1, 2), (3,)]))
    return dict(nd=nd, kernel=kernel, stride=stride, dilation=dilation, padding=padding,
                size=size, lead=lead, ceil_mode=draw(st.booleans()),
                dtype=draw(st.sampled_from(["float32", "float64"])),
                ties=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


def _input(c):
    rng = np.random.default_rng(c["seed"])
    shape = c["lead"] + c["size"]
    x = rng.integers(-2, 3, shape) if c["ties"] else rng.standard_normal(shape)
    return x.astype(c["dtype"])


@settings(max_examples=60, deadline=None)
@given(pool_case())
def test_max_pool_matches_torch(c):
    def fn(lib, x):
        f = getattr(lib.nn.functional, f"max_pool{c['nd']}d")
        return f(x, c["kernel"], c["stride"], c["padding"], c["dilation"],
                 ceil_mode=c["ceil_mode"], return_indices=True)
    check(fn, (_input(c),))


@settings(max_examples=60, deadline=None)
@given(pool_case(), st.booleans(), st.sampled_from([None, 2, 5]))
def test_avg_pool_matches_torch(c, count_include_pad, divisor):
    nd = c["nd"]
    extra = {} if nd == 1 else {"divisor_override": divisor}

    def fn(lib, x):
        f = getattr(lib.nn.functional, f"avg_pool{nd}d")
        return f(x, c["kernel"], c["stride"], c["padding"], ceil_mode=c["ceil_mode"],
                 count_include_pad=count_include_pad, **extra)
    check(fn, (_input(c),))


@settings(max_examples=50, deadline=None)
@given(st.sampled_from([1, 2, 3]), st.data())
def test_adaptive_pools_match_torch(nd, data):
    size = tuple(data.draw(st.integers(1, 9)) for _ in range(nd))
    out = tuple(data.draw(st.integers(1, 6)) for _ in range(nd))
    dtype = data.draw(st.sampled_from(["float32", "float64"]))
    x = np.random.default_rng(data.draw(st.integers(0, 99))).standard_normal((2, 2) + size)
    x = x.astype(dtype)
    check(lambda lib, x: getattr(lib.nn.functional, f"adaptive_avg_pool{nd}d")(x, out), (x,))
    check(lambda lib, x: getattr(lib.nn.functional, f"adaptive_max_pool{nd}d")(
        x, out, return_indices=True), (x,))


def test_adaptive_special_sizes():
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 7))
    check(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 1), (x,))     # a mean
    check(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (None, 3)), (x,))
    check(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x[0], (2, 3)), (x,))


def test_max_pool_ties_route_to_the_first_maximum():
    x = np.zeros((1, 1, 4, 4))
    check(lambda lib, x: lib.nn.functional.max_pool2d(x, 2, 1, return_indices=True), (x,))
    check(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, 3, True), (x,))


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_lp_pool_and_unpool_match_torch(nd):
    rng = np.random.default_rng(nd)
    x = rng.uniform(0.2, 2.0, (2, 3) + (6,) * nd)
    check(lambda lib, x: getattr(lib.nn.functional, f"lp_pool{nd}d")(x, 3, 2), (x,))
    check(lambda lib, x: getattr(lib.nn.functional, f"lp_pool{nd}d")(x, 2.0, 3, 2, True), (x,))

    def unpool(lib, x):
        F = lib.nn.functional
        y, i = getattr(F, f"max_pool{nd}d")(x, 2, return_indices=True)
        return getattr(F, f"max_unpool{nd}d")(y, i, 2, output_size=x.shape[-nd:])
    check(unpool, (x,))


def test_pool_modules_repr_and_forward():
    x = np.random.default_rng(3).standard_normal((2, 3, 8, 8)).astype(np.float32)
    layers = [("MaxPool2d", (3, 2, 1)), ("MaxPool2d", (2,)), ("AvgPool2d", (3, 2, 1, True)),
              ("AvgPool1d", (3,)), ("AdaptiveAvgPool2d", ((2, 3),)), ("AdaptiveMaxPool2d", (3,)),
              ("LPPool2d", (2, 3)), ("MaxPool1d", (2,)), ("AdaptiveAvgPool1d", (3,))]
    for name, args in layers:
        assert str(getattr(minigrad.nn, name)(*args)) == str(getattr(torch.nn, name)(*args))

    def fn(lib, x):
        net = lib.nn.Sequential(lib.nn.MaxPool2d(2, return_indices=False),
                                lib.nn.AvgPool2d(2, ceil_mode=True), lib.nn.AdaptiveMaxPool2d(1))
        return net(x)
    check(fn, (x,))

    def unpool(lib, x):
        pool, unpool = lib.nn.MaxPool2d(2, return_indices=True), lib.nn.MaxUnpool2d(2)
        return unpool(*pool(x))
    check(unpool, (x,))
    assert str(minigrad.nn.MaxUnpool2d(2)) == str(torch.nn.MaxUnpool2d(2))


@pytest.mark.parametrize("case", [
    lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 2, 5, 5), 2, padding=2),
    lambda lib: lib.nn.functional.avg_pool2d(lib.ones(1, 2, 5, 5), 2, padding=2),
    lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 2, 5, 5), 6),
    lambda lib: lib.nn.functional.avg_pool2d(lib.ones(1, 2, 5, 5), 6),
    lambda lib: lib.nn.functional.max_pool2d(lib.ones(5, 5), 2),
    lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 2, 5, 5), 2, stride=0),
    lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.ones(5, 5), 2),
    lambda lib: lib.nn.functional.adaptive_max_pool2d(lib.ones(5, 5), 2),
    lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.ones(1, 2, 5, 5), (2, 2, 2)),
    lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 2, 5, 5), (2, 2, 2)),
    lambda lib: lib.nn.functional.avg_pool2d(lib.ones(1, 2, 5, 5), 2, divisor_override=0),
    lambda lib: lib.nn.functional.max_pool1d(lib.ones(2, 2, 2, 2), 2),
])
def test_pool_errors_match_torch(case):
    same_error(case)


def test_pool_gradients_by_finite_differences():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 2, 5, 6))
    F = minigrad.nn.functional
    fd_check(lambda t: F.max_pool2d(t, 3, 2, 1, ceil_mode=True), [x])
    fd_check(lambda t: F.avg_pool2d(t, 3, 2, 1, ceil_mode=True, count_include_pad=False), [x])
    fd_check(lambda t: F.adaptive_avg_pool2d(t, (3, 4)), [x])
    fd_check(lambda t: F.adaptive_max_pool2d(t, (2, 4)), [x])
    fd_check(lambda t: F.lp_pool2d(t.abs() + 0.5, 3, 2), [x])


def test_pool_double_backward_matches_torch():
    x = np.random.default_rng(5).standard_normal((1, 2, 6, 6))

    def fn(lib, x):
        F = lib.nn.functional
        y = F.max_pool2d(x, 2) ** 2 + F.avg_pool2d(x, 2) ** 2
        g, = lib.autograd.grad(y.sum(), x, create_graph=True)
        return (g ** 2).sum().reshape(1)
    check(fn, (x,))
