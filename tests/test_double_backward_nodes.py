"""The nodes a backward pass records under create_graph=True, against torch.

torch computes some gradients with one op of its own (``convolution_backward``,
``native_batch_norm_backward``, ...) whose node (``ConvolutionBackwardBackward0``, ...) takes the
output gradient, the input and the weight: every gradient it returns requires grad when one of
those does, even one that does not depend on them (a bias gradient is a sum of the output
gradient). For each op and each choice of inputs that require grad, the first-order gradients
must match torch in value, ``requires_grad``, grad_fn and next_functions, and the second-order
gradients in value and ``requires_grad``.
"""
import itertools

import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_tensor_equal, graph_signature

RNG = np.random.default_rng(16)


def _arrays(shapes, dtype):
    return [RNG.standard_normal(s).astype(dtype) for s in shapes]


def _run(lib, fn, arrays, wanted, upstream):
    """First-order gradients of fn (create_graph=True), then second-order ones from them."""
    tensors = [lib.tensor(a, requires_grad=bool(w)) for a, w in zip(arrays, wanted)]
    out = fn(lib, *tensors)
    leaves = [t for t in tensors if t.requires_grad]
    firsts = lib.autograd.grad(out, leaves, lib.tensor(upstream[0]), create_graph=True,
                               allow_unused=True)
    second_up = [u for u, w in zip(upstream[1:], wanted) if w]
    live = [(g, lib.tensor(u)) for g, u in zip(firsts, second_up) if g is not None
            and g.requires_grad]
    seconds = ()
    if live:
        seconds = lib.autograd.grad([g for g, _ in live], leaves, [u for _, u in live],
                                    allow_unused=True, create_graph=True)
    return firsts, seconds


def check_nodes(fn, shapes, dtype="float64", combos=None, arrays=None, depth=1):
    """fn's gradients against torch's for every choice of inputs that require grad (``combos``:
    some of them); ``arrays``: the inputs (default: random ones of ``shapes``); ``depth``: how
    deep the gradients' graphs are compared."""
    arrays = _arrays(shapes, dtype) if arrays is None else arrays
    out_shape = tuple(fn(torch, *[torch.tensor(a) for a in arrays]).shape)
    upstream = _arrays([out_shape] + list(shapes), dtype)
    combos = combos or [c for c in itertools.product((0, 1), repeat=len(shapes)) if any(c)]
    for wanted in combos:
        mg_first, mg_second = _run(minigrad, fn, arrays, wanted, upstream)
        th_first, th_second = _run(torch, fn, arrays, wanted, upstream)
        for mg, th in zip(mg_first, th_first, strict=True):
            assert (mg is None) == (th is None), wanted
            if th is None:
                continue
            assert_tensor_equal(mg, th)
            assert mg.requires_grad == th.requires_grad, wanted
            assert graph_signature(mg, depth) == graph_signature(th, depth), wanted
        assert len(mg_second) == len(th_second), wanted
        for mg, th in zip(mg_second, th_second):
            assert (mg is None) == (th is None), wanted
            if th is not None:
                assert_tensor_equal(mg.detach(), th.detach())
                assert mg.requires_grad == th.requires_grad, wanted


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("groups,stride", [(1, 1), (2, 2)])
def test_convolution_backward_is_one_node(transposed, groups, stride):
    def fn(lib, x, w, b):
        conv = lib.nn.functional.conv_transpose2d if transposed else lib.nn.functional.conv2d
        return conv(x, w, b, stride=stride, groups=groups)
    cin, cout = 2 * groups, 2 * groups
    wshape = (cin, cout // groups, 2, 3) if transposed else (cout, cin // groups, 2, 3)
    check_nodes(fn, [(2, cin, 5, 4), wshape, (cout,)])


def test_convolution_without_bias_has_a_bias_edge():
    x, w = (minigrad.ones(1, 1, 3, 3, requires_grad=True), minigrad.ones(1, 1, 2, 2))
    tx, tw = (torch.ones(1, 1, 3, 3, requires_grad=True), torch.ones(1, 1, 2, 2))
    assert (graph_signature(minigrad.nn.functional.conv2d(x, w))
            == graph_signature(torch.nn.functional.conv2d(tx, tw)))


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_norm_backward_is_one_node(training, dtype):
    def fn(lib, x, w, b):
        mean = lib.tensor(np.linspace(-0.5, 0.5, 3).astype(dtype))
        var = lib.tensor(np.linspace(0.5, 2.0, 3).astype(dtype))
        return lib.nn.functional.batch_norm(x, mean, var, w, b, training=training)
    check_nodes(fn, [(4, 3, 5), (3,), (3,)], dtype)


def test_batch_norm_without_affine():
    def fn(lib, x):
        return lib.nn.functional.batch_norm(x, None, None, training=True)
    check_nodes(fn, [(3, 2, 2, 3)])


# the kinks: where a piecewise derivative switches branch (torch's masks decide the side)
KINKS = np.array([-4.0, -3.0, -1.5, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 1.5, 3.0, 4.0, 6.0, 25.0])
ACTIVATIONS = {
    "elu": lambda F, x: F.elu(x, 0.5),
    "elu_inplace": lambda F, x: F.elu(x * 1, 0.5, inplace=True),
    "selu": lambda F, x: F.selu(x),
    "celu": lambda F, x: F.celu(x, 0.7),
    "celu_inplace": lambda F, x: F.celu(x * 1, 0.7, inplace=True),
    "hardswish": lambda F, x: F.hardswish(x),
    "silu": lambda F, x: F.silu(x),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.1),
    "hardtanh": lambda F, x: F.hardtanh(x),
    "softshrink": lambda F, x: F.softshrink(x),
    "logsigmoid": lambda F, x: F.logsigmoid(x),
    "logsigmoid_of_large": lambda F, x: F.logsigmoid(x.exp()),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_double_backward_at_kinks(name, dtype):
    def fn(lib, x):
        return ACTIVATIONS[name](lib.nn.functional, x)
    # silu's formula is a composition: torch's C++ ``1 + t`` is AddBackward1, Python's is not
    depth = 0 if name == "silu" else 1
    check_nodes(fn, [KINKS.shape], dtype, arrays=[KINKS.astype(dtype)], depth=depth)


@pytest.mark.parametrize("weight", [(0.25,), (0.25, -0.5, 2.0)])
def test_prelu_backward_is_one_node(weight):
    x = np.concatenate([KINKS[:12].reshape(2, 3, 2), RNG.standard_normal((2, 3, 2))])
    w = np.array(weight)

    def fn(lib, x, w):
        return lib.nn.functional.prelu(x, w)
    # (the engine sums a broadcast gradient through other nodes than torch's sum_to)
    check_nodes(fn, [x.shape, w.shape], arrays=[x, w], depth=0)


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_backward_is_one_node(affine):
    """NativeLayerNormBackwardBackward0 has torch's six edges (grad, input, mean, rstd, weight,
    bias): a bias that requires grad alone makes every first-order gradient require grad."""
    if affine:
        def fn(lib, x, w, b):
            return lib.nn.functional.layer_norm(x, (3, 4), w, b)
        check_nodes(fn, [(2, 3, 4), (3, 4), (3, 4)])
    else:
        def fn(lib, x):
            return lib.nn.functional.layer_norm(x, (4,))
        check_nodes(fn, [(3, 4)])


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("groups,stride,dilation", [(1, 2, 1), (2, 1, 2)])
def test_convolution_second_order_graph_as_torch(transposed, groups, stride, dilation):
    """With an output gradient that requires grad, the gradients of grad_x and grad_w have
    torch's graphs: grad_w's gradient is a convolution over the batch, transposed back."""
    cin, cout = 2 * groups, 2 * groups
    wshape = (cin, cout // groups, 2, 3) if transposed else (cout, cin // groups, 2, 3)
    arrays = _arrays([(2, cin, 6, 5), wshape], "float64")
    seen = []
    for lib in (minigrad, torch):
        x, w = (lib.tensor(a, requires_grad=True) for a in arrays)
        conv = lib.nn.functional.conv_transpose2d if transposed else lib.nn.functional.conv2d
        y = conv(x, w, stride=stride, dilation=dilation, groups=groups)
        v = lib.tensor(np.linspace(-1, 1, y.numel()).reshape(y.shape), requires_grad=True)
        gx, gw = lib.autograd.grad(y, (x, w), v, create_graph=True)
        out = []
        for first in (gx, gw):
            second = lib.autograd.grad((first * first).sum(), (x, w, v), create_graph=True,
                                       allow_unused=True)
            out.append([None if s is None else (graph_signature(s), s.detach().numpy())
                        for s in second])
        seen.append(out)
    for mg, th in zip(seen[0], seen[1]):
        for a, b in zip(mg, th):
            assert (a is None) == (b is None)
            if b is not None:
                assert a[0] == b[0]
                np.testing.assert_allclose(a[1], b[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", ["conv2d", "conv_transpose2d", "batch_norm", "layer_norm"])
def test_second_backward_without_a_graph(op):
    """The second backward without create_graph (the engine then runs formulas on arrays),
    from every first-order gradient, the bias's included: leaf gradients as torch's."""
    shapes = {"conv2d": [(2, 2, 5, 4), (3, 2, 2, 2), (3,)],
              "conv_transpose2d": [(2, 2, 4, 4), (2, 3, 2, 2), (3,)],
              "batch_norm": [(4, 3, 5), (3,), (3,)], "layer_norm": [(3, 4), (4,), (4,)]}[op]
    arrays = _arrays(shapes, "float64")
    calls = {"conv2d": lambda F, x, w, b: F.conv2d(x, w, b, stride=2),
             "conv_transpose2d": lambda F, x, w, b: F.conv_transpose2d(x, w, b, stride=2),
             "batch_norm": lambda F, x, w, b: F.batch_norm(x, None, None, w, b, training=True),
             "layer_norm": lambda F, x, w, b: F.layer_norm(x, (4,), w, b)}
    grads = []
    for lib in (minigrad, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = calls[op](lib.nn.functional, *leaves)
        firsts = lib.autograd.grad(y, leaves, lib.tensor(np.cos(np.arange(y.numel())).reshape(
            y.shape)), create_graph=True)
        lib.autograd.backward(firsts, [lib.tensor(np.sin(np.arange(f.numel())).reshape(f.shape))
                                       for f in firsts])
        grads.append([t.grad for t in leaves])
    for mg, th in zip(*grads):
        assert (mg is None) == (th is None)
        if th is not None:
            assert_tensor_equal(mg, th)
