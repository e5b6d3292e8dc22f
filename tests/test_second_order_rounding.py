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
