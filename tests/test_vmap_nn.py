"""vmap of the nn op families against torch.func.vmap.

Every forward-mode case of ``forward_cases_nn`` is run under ``vmap`` in both libraries, its
inputs given a batch dim of 3: all inputs batched, or only the first (weights shared, the usual
case). The forward-over-reverse cases run as ``vmap(grad(f))``, which batches the ops' backward
nodes too. Ops with a batching rule run once on the whole batch; the others run once per example
(``batching.loop_fallback``), and ``test_batch_rule_coverage`` lists which.
"""
import numpy as np
import pytest
import torch

import minigrad
from forward_cases_nn import NN_CASES
from helpers import assert_same_error, assert_tensor_equal
from minigrad.ops.registry import DOMAINS
from test_forward_ad import SHAPES, node_classes

BATCH = 3


def _inputs(case, dtype, seed=0):
    shapes = (case.shapes if not isinstance(case.shapes, str)
              else [SHAPES[case.shapes][1]] * len(case.domains))
    rng = np.random.default_rng(seed)
    return [np.asarray(DOMAINS[d](rng, (BATCH,) + tuple(s))).astype(dtype)
            for d, s in zip(case.domains, shapes)]


def _float_outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return tuple(o for o in outs if o.dtype.is_floating_point)


def run(lib, case, xs, in_dims):
    """vmap of the case (of its gradient, for a forward-over-reverse case) in lib."""
    args = [lib.from_numpy(x.copy()) if d == 0 else lib.from_numpy(x[0].copy())
            for x, d in zip(xs, in_dims)]

    def f(*inputs):
        return _float_outputs(case.fn(lib, *inputs))
    if case.hvp:
        scalar = f
        f = lib.func.grad(lambda *inputs: scalar(*inputs)[0], argnums=tuple(range(len(xs))))
    return lib.func.vmap(f, in_dims=tuple(in_dims), randomness="same")(*args)


# torch.func.vmap cannot batch these ("We could not generate a fallback"); minigrad runs them
# once per example, checked against torch's per-example results
TORCH_REFUSES = {"lstm", "gru_packed"}


def _per_example(lib, case, xs, in_dims):
    """The case once per example, outputs stacked (what vmap must equal)."""
    outs = []
    for i in range(BATCH):
        picked = [lib.from_numpy(x[i] if d == 0 else x[0]) for x, d in zip(xs, in_dims)]
        outs.append(_float_outputs(case.fn(lib, *picked)))
    return tuple(lib.stack(parts, 0) for parts in zip(*outs))


# every case with all inputs batched; those with several inputs also with only the first
VARIANTS = [(c, False) for c in NN_CASES] + [(c, True) for c in NN_CASES if len(c.domains) > 1]


@pytest.mark.parametrize("case, shared", VARIANTS, ids=[
    f"{c.name}-{'first' if shared else 'all'}_batched" for c, shared in VARIANTS])
def test_vmap_matches_torch(case, shared):
    in_dims = [0] + [None if shared else 0] * (len(case.domains) - 1)
    for dtype in (np.float32, np.float64):
        xs = _inputs(case, dtype)
        if case.name.startswith("batch_norm_train"):  # running statistics updated per example
            assert_same_error(lambda xs=xs: run(minigrad, case, xs, in_dims),
                              lambda xs=xs: run(torch, case, xs, in_dims))
            continue
        got = run(minigrad, case, xs, in_dims)
        if case.name in TORCH_REFUSES:
            with pytest.raises(RuntimeError, match="could not generate a fallback"):
                run(torch, case, xs, in_dims)
            expected = _per_example(torch, case, xs, in_dims)
        else:
            expected = run(torch, case, xs, in_dims)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else {}
            assert_tensor_equal(g, e, **tol)


def _jacobian(lib, case, xs, mode):
    """The Jacobian of the case's first output by its first input (the Hessian, for a
    forward-over-reverse case), batched: ``vmap`` of a VJP over the output's basis (the ops'
    backward formulas run on batched cotangents) or of a JVP over the input's basis (their
    forward formulas run on batched tangents)."""
    rest = [lib.from_numpy(x[0].copy()) for x in xs[1:]]
    x = lib.from_numpy(xs[0][0].copy())

    def f(x):
        return _float_outputs(case.fn(lib, x, *rest))[0]
    if case.hvp:
        f = lib.func.grad(f)
    if case.name in TORCH_REFUSES and lib is torch:  # torch cannot vmap them: its loop
        return lib.autograd.functional.jacobian(f, x)
    if mode == "vjp":
        out, pull = lib.func.vjp(f, x)
        basis = lib.eye(out.numel(), dtype=x.dtype).view(-1, *out.shape)
        jac, = lib.func.vmap(pull)(basis)
        return jac.view(*out.shape, *x.shape)
    basis = lib.eye(x.numel(), dtype=x.dtype).view(-1, *x.shape)
    jac = lib.func.vmap(lambda t: lib.func.jvp(f, (x,), (t,))[1], randomness="same")(basis)
    return jac.movedim(0, -1).reshape(*jac.shape[1:], *x.shape)


JACOBIAN_CASES = [pytest.param(c, mode, id=f"{c.name}-{mode}") for c in NN_CASES
                  for mode in ("vjp", "jvp")]


def test_vmap_of_jvp_of_grad_of_older_ops():
    """vmap(jvp(grad(f))) -- Hessian columns batched -- for ops outside the nn families too
    (each came out zero before grad passed a batched tangent on, per example)."""
    def run_lib(lib):
        x = lib.from_numpy(np.random.default_rng(0).standard_normal(4))
        basis = lib.eye(4, dtype=lib.float64)
        return [lib.func.vmap(lambda t, f=f: lib.func.jvp(lib.func.grad(f), (x,), (t,))[1])(
            basis) for f in (lambda v: (v * v).sum(), lambda v: v.sin().sum(),
                          lambda v: lib.nn.functional.softplus(v).sum())]
    for got, expected in zip(run_lib(minigrad), run_lib(torch)):
        assert_tensor_equal(got, expected, check_grad_flag=True)


@pytest.mark.parametrize("case, mode", JACOBIAN_CASES)
def test_batched_jacobians_match_torch(case, mode):
    xs = _inputs(case, np.float64, seed=1)
    # (torch's loop for the cases it cannot vmap returns detached results)
    assert_tensor_equal(_jacobian(minigrad, case, xs, mode), _jacobian(torch, case, xs, mode),
                        check_grad_flag=case.name not in TORCH_REFUSES)


def test_batched_indices_look_up_a_shared_weight():
    def run_lib(lib):
        w = lib.from_numpy(np.random.default_rng(0).standard_normal((5, 3)))
        ids = lib.tensor([[1, 0, 4], [3, 3, 2]])
        return lib.func.vmap(lambda i: lib.nn.functional.embedding(i, w, padding_idx=3))(ids)
    assert_tensor_equal(run_lib(minigrad), run_lib(torch))


# ---- which ops batch in one call, and which loop ----------------------------------------------
NN_MODULES = ("minigrad.ops.activation", "minigrad.ops.activation_gated", "minigrad.ops.attention",
              "minigrad.ops.batch_norm", "minigrad.ops.conv", "minigrad.ops.embedding",
              "minigrad.ops.layer_norm", "minigrad.ops.padding", "minigrad.ops.pooling",
              "minigrad.ops.rearrange", "minigrad.ops.rnn", "minigrad.ops.upsample",
              "minigrad.nn.utils.rnn")

# nodes of those modules that run once per example, and why
LOOPED = {
    "EmbeddingBagBackward0": "bags of ragged offsets per example",
    "MkldnnRnnLayerBackward0": "a recurrence over time steps (torch cannot batch it at all)",
    "PackPaddedSequenceBackward0": "ragged: each example's own lengths",
    "PadPackedSequence": "ragged: each example's own lengths",
    "ConvolutionBackwardBackward0": "conv's double-backward node: met batched only by a "
                                    "double backward with batched cotangents",
    **{n: "a double-backward node: met batched only by a double backward with batched "
          "cotangents; no rule yet" for n in (
              "EluBackwardBackward0", "HardswishBackwardBackward0", "LogSigmoidBackwardBackward0",
              "PreluKernelBackwardBackward0", "NativeBatchNormBackwardBackward0",
              "NativeLayerNormBackwardBackward0")},
}


def _nn_nodes():
    return {cls.__name__ for cls in node_classes() if cls.__module__ in NN_MODULES}


def test_every_nn_op_has_a_batch_rule_or_a_reason_to_loop():
    from minigrad.func.batch_rules import RULES
    nodes = _nn_nodes()
    assert not set(LOOPED) & set(RULES)
    missing = sorted(n for n in nodes - set(LOOPED) if n not in RULES)
    assert not missing, f"no batch rule and no reason to loop: {missing}"


@pytest.mark.parametrize("case", [c for c in NN_CASES if c.name not in TORCH_REFUSES
                                  and not c.name.startswith("batch_norm_train")],
                         ids=lambda c: c.name)
def test_ops_with_a_rule_run_once_for_the_batch(case, monkeypatch):
    """With the weights shared, an op with a rule never falls back to the per-example loop."""
    from minigrad.func import batch_rules_nn, batching
    looped = []

    def counting(cls, args, levels, real=batching.loop_fallback):
        looped.append(cls.__name__)
        return real(cls, args, levels)
    monkeypatch.setattr(batching, "loop_fallback", counting)
    monkeypatch.setattr(batch_rules_nn, "loop_fallback", counting)
    xs = _inputs(case, np.float64)
    run(minigrad, case, xs, [0] + [None] * (len(xs) - 1))
    allowed = set(LOOPED) | ({"EmbeddingBackward0"} if case.name == "embedding_padding" else
                             set())  # a batched weight with a padding row per example
    if case.name == "hvp_prelu":  # grad batches the weight (one gradient per example)
        allowed.add("PreluKernelBackward0")
    assert not [n for n in looped if n not in allowed], looped


@pytest.mark.parametrize("name", ["conv2d_groups", "max_pool2d", "interpolate_bicubic_2d",
                                  "layer_norm", "gelu", "embedding", "batch_norm_train"])
def test_vectorized_jacobian_and_hessian_match_torch(name):
    """autograd.functional with vectorize=True batches its VJPs / JVPs through vmap, as torch's
    (the forward-mode Hessian: vmap over the JVP of a gradient). torch cannot batch the max
    pool's forward mode (its flatten view has no fallback), so that one runs reverse mode only.
    The forward-mode Hessian is compared by value: torch's records a graph for some ops (a
    requires_grad flag minigrad's does not set for the linear ones)."""
    case = next(c for c in NN_CASES if c.name == name)
    xs = _inputs(case, np.float64, seed=2)
    modes = ("reverse-mode",) if name == "max_pool2d" else ("reverse-mode", "forward-mode")

    def run_lib(lib):
        rest = [lib.from_numpy(x[0].copy()) for x in xs[1:]]
        x = lib.from_numpy(xs[0][0].copy())

        def f(x):
            return _float_outputs(case.fn(lib, x, *rest))[0]
        jf = lib.autograd.functional
        return [(jf.jacobian(f, x, vectorize=True, strategy=m),
                 jf.hessian(lambda x: (f(x) ** 2).sum(), x, vectorize=True,
                            outer_jacobian_strategy=m)) for m in modes]
    for mode, (got, expected) in zip(modes, zip(run_lib(minigrad), run_lib(torch))):
        assert_tensor_equal(got[0], expected[0], check_grad_flag=True)
        assert_tensor_equal(got[1], expected[1], check_grad_flag=mode == "reverse-mode")


