"""vmap over forward mode with *batched primals*, against torch.func.

``vmap(jvp(f))(xs, ts)``, ``vmap(jvp(grad(f)))`` (Hessian-vector products per example, the
tangents batched with or without the primals) and ``vmap(hessian(f))`` (per-example Hessians:
forward over reverse inside a vmap) for ops whose tangent is read off their backward formula
(prelu, glu, the norms, prod, var, vector norm, cumprod), a diagonal one (gelu) and a plain one,
in float64. Inside such a vmap the ops run on physical tensors by their batching rules, which
reshape, tile and fold their operands: the tangents must follow them there.
"""
import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_tensor_equal

FUNCTIONS = {
    "prelu": lambda lib, x: lib.nn.functional.prelu(x, _weight(lib)),
    "glu": lambda lib, x: lib.nn.functional.glu(lib.cat([x, x * 2], 1), 1),
    "layer_norm": lambda lib, x: lib.nn.functional.layer_norm(x, (3,), _weight(lib)),
    "group_norm": lambda lib, x: lib.nn.functional.group_norm(x.unsqueeze(0), 1),
    "batch_norm": lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True),
    "prod": lambda lib, x: x.prod(-1),
    "var": lambda lib, x: x.var(-1),
    "vector_norm_3": lambda lib, x: x.norm(3, -1),
    "cumprod": lambda lib, x: x.cumprod(-1),
    "gelu": lambda lib, x: lib.nn.functional.gelu(x),
    "square_sum": lambda lib, x: (x * x).sum(-1),
}


def _weight(lib):
    return lib.from_numpy(np.array([0.3, 0.2, 0.4]))


def _data(lib):
    rng = np.random.default_rng(1)
    return [lib.from_numpy(rng.standard_normal((4, 2, 3))) for _ in range(2)]


def run(lib, name, mode):
    xs, ts = _data(lib)

    def f(x):
        return FUNCTIONS[name](lib, x)

    def loss(x):
        return (f(x) ** 2).sum()
    func = lib.func
    if mode == "jvp":
        return func.vmap(lambda x, t: func.jvp(f, (x,), (t,))[1])(xs, ts)
    if mode == "hvp":
        return func.vmap(lambda x, t: func.jvp(func.grad(loss), (x,), (t,))[1])(xs, ts)
    if mode == "hvp_shared_primal":
        return func.vmap(lambda t: func.jvp(func.grad(loss), (xs[0],), (t,))[1])(ts)
    if lib is torch and name == "prelu":  # torch's vmap(hessian) of prelu raises: its loop
        return torch.stack([func.hessian(loss)(x) for x in xs])
    return func.vmap(func.hessian(loss))(xs)


@pytest.mark.parametrize("mode", ["jvp", "hvp", "hvp_shared_primal", "hessian"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_vmap_over_forward_mode_matches_torch(name, mode):
    assert_tensor_equal(run(minigrad, name, mode), run(torch, name, mode))


def test_detach_inside_vmap_of_grad_cuts_the_graph():
    """A batched tensor's graph lives on its physical tensor: detach() cuts it there too."""
    def per_example(lib):
        xs = lib.arange(6, dtype=lib.float64).view(2, 3)
        return lib.func.vmap(lib.func.grad(lambda x: (x.detach() ** 2 * x).sum()))(xs)
    assert_tensor_equal(per_example(minigrad), per_example(torch))


def test_detach_inside_vmap_of_jvp_of_grad_drops_the_tangent():
    def columns(lib):
        x = lib.from_numpy(np.random.default_rng(0).standard_normal((2, 3)))
        g = lib.func.grad(lambda v: (lib.nn.functional.prelu(v, _weight(lib)) * v.detach()).sum())
        basis = lib.eye(6, dtype=lib.float64).view(6, 2, 3)
        return lib.func.vmap(lambda t: lib.func.jvp(g, (x,), (t,))[1])(basis)
    assert_tensor_equal(columns(minigrad), columns(torch))


def test_forward_mode_jacobian_through_an_inplace_write_into_a_view():
    """The batched tangents (one basis vector per example) of a write into a view reach the
    base's tangent, as unbatched ones do (found by ``compare fuzz --forward``)."""
    def jacobian(lib):
        def f(x):
            v = x * 1
            v[:, 1:].mul_(3)
            w = x.exp()
            w[0].add_(x[1] * 2)
            return v + w
        x = lib.arange(4, dtype=lib.float64).view(2, 2)
        return lib.autograd.functional.jacobian(f, x, vectorize=True, strategy="forward-mode")
    assert_tensor_equal(jacobian(minigrad), jacobian(torch))


def test_batched_zero_dim_operand_keeps_the_logical_type_promotion():
    """A batched 0-dim float64 example against a float32 tensor gives float32 (0-dim operands
    weigh less), though it is dimensioned physically (found by ``compare fuzz --forward``)."""
    def run(lib):
        a = lib.ones(3, 2, dtype=lib.float32)
        b = lib.tensor(2.0, dtype=lib.float64)
        return (lib.func.vmap(lambda t: a * t)(lib.ones(4, dtype=lib.float64)),
                lib.autograd.functional.jacobian(lambda b: (a * b).sum(0), b, vectorize=True,
                                                 strategy="forward-mode"))
    for got, expected in zip(run(minigrad), run(torch)):
        assert_tensor_equal(got, expected)

