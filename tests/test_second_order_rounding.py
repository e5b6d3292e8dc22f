"""Second-order gradients that round as torch's: torch's closed-form double backward of layer
norm, and the order in which a backward formula builds its inputs' gradients (which fixes the
order a second backward sums them in). Each compared with torch on the same inputs."""
import numpy as np
import pytest
import torch

import minigrad


def _second_order(lib, x, n, w, b, upstream, upstream2, ups_w):
    t = lib.tensor(x, requires_grad=True)
    weight = None if w is None else lib.tensor(w, requires_grad=True)
    bias = None if b is None else lib.tensor(b, requires_grad=True)
    y = lib.nn.functional.layer_norm(t, (n,), weight, bias)
    leaves = [t] + [p for p in (weight, bias) if p is not None]
    grads = lib.autograd.grad(y, leaves, lib.tensor(upstream), create_graph=True)
    outs = [g for g in grads if g.requires_grad]
    ups = [lib.tensor(upstream2)] + [lib.tensor(u) for u in ups_w][:len(outs) - 1]
    lib.autograd.backward(outs, ups)
    return ([g.detach().numpy() for g in grads]
            + [None if p.grad is None else p.grad.numpy() for p in leaves])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 33])
@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm_float32_second_order_gradient_rounds_as_torch(n, affine):
    """Rows of 2 normalise to ±1: the second derivative is all cancellation in float32, so it
    must be torch's formula from torch's saved statistics to agree: the input's gradients bit
    for bit for rows of up to 3 values. Longer rows' sums, and the weight's sums over the
    rows, add in another order than torch's vectorised sums (one rounding apart) and are well
    conditioned: within float32's tolerance."""
    rng = np.random.default_rng(n)
    x, g, gg = (rng.standard_normal((12, n)).astype(np.float32) for _ in range(3))
    w, b, gw, gb = (rng.standard_normal(n).astype(np.float32) if affine else None
                    for _ in range(4))
    ups_w = [u for u in (gw, gb) if u is not None]
    ours = _second_order(minigrad, x, n, w, b, g, gg, ups_w)
    theirs = _second_order(torch, x, n, w, b, g, gg, ups_w)
    for i, (a, t) in enumerate(zip(ours, theirs)):
        if (n <= 3 and i in (0, 3)) or a is None or t is None:   # g_x, x.grad; or both None
            np.testing.assert_array_equal(a, t)
        else:
            np.testing.assert_allclose(a, t, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(t).max()))


def test_normalize_over_one_element_second_order_as_torch():
    """F.normalize over a dim of size 1 is sign(x): its derivatives are rounding noise around
    0, and torch's noise is exactly 0 here because it builds DivBackward0's gradient for the
    divisor before the dividend's (a different order of summing in the second backward)."""
    a = np.array([[[0.06445203721523285]], [[0.3984340727329254]], [[0.6368257403373718]]],
                 np.float32)
    results = []
    for lib in (minigrad, torch):
        t = lib.tensor(a, requires_grad=True)
        v = lib.nn.functional.normalize(t, dim=1).square().sum()
        g, = lib.autograd.grad(v, t, lib.tensor(-1.8356282), create_graph=True)
        g.backward(lib.tensor(np.array([1.1254054, -2.5077043, -0.0380679], np.float32)
                              .reshape(3, 1, 1)))
        results.append((g.detach().numpy(), t.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def _creation_order(lib, fn, arity):
    """The input indices ordered by when their gradient's node was made (first-order
    gradients with create_graph=True)."""
    xs = [lib.tensor(v, requires_grad=True)
          for v in ([1.5, 2.0], [3.0, 0.5], [0.3, 0.7])[:arity]]
    z = fn(lib, *xs)
    grads = lib.autograd.grad((z * z).sum(), xs, create_graph=True)
    seq = [g.grad_fn._sequence_nr() if lib is torch else g.grad_fn._seq for g in grads]
    return sorted(range(arity), key=seq.__getitem__)


@pytest.mark.parametrize("name", ["mul", "div"])
def test_binary_gradients_are_built_in_torchs_order(name):
    """torch builds the gradients of its inputs in the alphabetical order of their names
    (``other`` before ``self``)."""
    fn = {"mul": lambda lib, x, y: x * y, "div": lambda lib, x, y: x / y}[name]
    assert _creation_order(minigrad, fn, 2) == _creation_order(torch, fn, 2)


def _batch_norm_grads(lib, x, w, b, g, gg, create_graph, training=True):
    t = lib.tensor(x, requires_grad=True)
    weight, bias = (lib.tensor(v, requires_grad=True) for v in (w, b))
    mean, var = lib.zeros(x.shape[1], dtype=t.dtype), lib.ones(x.shape[1], dtype=t.dtype)
    y = lib.nn.functional.batch_norm(t, mean, var, weight, bias, training=training)
    grads = lib.autograd.grad(y, [t, weight, bias], lib.tensor(g), create_graph=create_graph)
    out = [v.detach().numpy() for v in grads]
    if create_graph:
        lib.autograd.backward(grads[:2], [lib.tensor(gg), lib.tensor(w)])
        out += [v.grad.numpy() for v in (t, weight)]
    return out


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("shape", [(1, 1, 3), (4, 2), (2, 3, 2, 2)])
@pytest.mark.parametrize("constant", [True, False])
def test_batch_norm_gradients_round_as_torchs_kernel(create_graph, shape, constant):
    """Batch norm's gradients from torch's saved statistics with its kernel's formula, and its
    double backward torch's closed form: a constant channel's input gradient is rounding
    noise around 0 (1e-5 computed otherwise, 0 in torch), here equal to torch's."""
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape).astype(np.float32)
    if constant:
        x[:] = x.flat[0]
    g, gg = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
    w, b = (rng.standard_normal(shape[1]).astype(np.float32) for _ in range(2))
    ours = _batch_norm_grads(minigrad, x, w, b, g, gg, create_graph)
    theirs = _batch_norm_grads(torch, x, w, b, g, gg, create_graph)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(t).max()))
    if constant and shape[0] * np.prod(shape[2:]) <= 3:   # the fuzzer's case: bit for bit
        np.testing.assert_array_equal(ours[0], theirs[0])


@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_eval_second_order_as_torch(training):
    rng = np.random.default_rng(3)
    x, g, gg = (rng.standard_normal((5, 3, 2)) for _ in range(3))
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    ours = _batch_norm_grads(minigrad, x, w, b, g, gg, True, training)
    theirs = _batch_norm_grads(torch, x, w, b, g, gg, True, training)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layout", ["transposed2d", "channels_last", "permuted4d"])
def test_batch_norm_result_layout_as_torch(layout):
    """torch allocates batch norm's result row-major unless x is channels-last, whatever x's
    own strides (a transposed x gives a contiguous result: ``.contiguous()`` is x itself)."""
    strides = []
    for lib in (minigrad, torch):
        x = {"transposed2d": lambda T: T.ones(3, 4).t(),
             "channels_last": lambda T: T.ones(2, 4, 5, 3).permute(0, 3, 1, 2),
             "permuted4d": lambda T: T.ones(2, 4, 3, 5).transpose(1, 2)}[layout](lib)
        y = lib.nn.functional.batch_norm(x.requires_grad_(), None, None, training=True)
        strides.append((y.stride(), type(y.contiguous().grad_fn).__name__))
    assert strides[0] == strides[1]


def test_batch_norm_of_a_constant_channel_gradient_is_torchs_zero():
    """fuzz seed 0 case 2651: a channel of three equal values; its input gradient, summed by
    stack's backward, is exactly torch's (0 here) as torch's kernel computes it."""
    grads = []
    for lib in (minigrad, torch):
        b = lib.tensor(np.array([[-1.7]], np.float32), requires_grad=True)
        d = lib.tensor(np.array([0.8], np.float32), requires_grad=True)
        y = lib.nn.functional.batch_norm(lib.stack([b, b, b], dim=2), None, None,
                                         lib.tensor(np.array([0.2], np.float32)), d,
                                         training=True)
        y.backward(lib.tensor(np.array([[[-0.96384496, 0.35970411, -2.21184597]]], np.float32)))
        grads.append((b.grad.numpy(), d.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_array_equal(ours, theirs)
