"""minigrad.func (torch.func) against torch.func: grad, grad_and_value, vjp, jvp, jacrev,
jacfwd, hessian, functional_call and vmap (rules, fallback, nesting, randomness, errors)."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal


def assert_tree_equal(mg, th):
    if isinstance(th, dict):
        assert isinstance(mg, dict) and list(mg) == list(th)
        for k in th:
            assert_tree_equal(mg[k], th[k])
    elif isinstance(th, (tuple, list)):
        assert type(mg) is type(th) and len(mg) == len(th)
        for a, b in zip(mg, th):
            assert_tree_equal(a, b)
    elif isinstance(th, torch.Tensor):
        assert_tensor_equal(mg, th, check_grad_flag=True)
    else:
        assert mg == th


def both(fn):
    """fn(lib) for minigrad and torch, compared as trees."""
    assert_tree_equal(fn(minigrad), fn(torch))


def _x(lib, *shape, seed=0, low=0.2, high=1.5):
    rng = np.random.default_rng(seed)
    return lib.from_numpy(rng.uniform(low, high, shape).astype(np.float32))


# ---- grad and friends -------------------------------------------------------------------------
def _f(lib):
    return lambda x, y: ((x.sin() * y).exp() ** 2).sum()


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1,), -1])
def test_grad_argnums(argnums):
    both(lambda lib: lib.func.grad(_f(lib), argnums)(_x(lib, 3), _x(lib, 3, seed=1)))


def test_grad_and_value_with_aux_and_a_dict():
    def run(lib):
        def f(p, x):
            y = (p["w"] * x + p["b"]).tanh()
            return y.sum(), {"mean": y.mean()}
        p = {"w": _x(lib, 3), "b": _x(lib, 3, seed=2)}
        return lib.func.grad_and_value(f, has_aux=True)(p, _x(lib, 3, seed=3))
    both(run)


def test_grad_of_grad_and_unused_input():
    both(lambda lib: lib.func.grad(lib.func.grad(lambda x: (x ** 4).sum() * 0 + x.sin()))(
        _x(lib)))
    both(lambda lib: lib.func.grad(lambda x, y: x.exp(), argnums=(0, 1))(_x(lib), _x(lib)))


def test_vjp_and_jvp():
    def run(lib):
        f = lambda x, y: (x * y, (x / y).sum())  # noqa: E731
        x, y = _x(lib, 3), _x(lib, 3, seed=1)
        out, fn = lib.func.vjp(f, x, y)
        cot = (_x(lib, 3, seed=4), _x(lib, seed=5))
        jout, jt = lib.func.jvp(f, (x, y), (_x(lib, 3, seed=6), _x(lib, 3, seed=7)))
        aux = lib.func.vjp(lambda x: (x.exp(), x.sum()), x, has_aux=True)
        return out, fn(cot), jout, jt, aux[0], aux[2], aux[1](_x(lib, 3))
    both(run)


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_jacobians(transform, argnums):
    def run(lib):
        f = lambda x, y: ((x @ y).tanh(), x.sum() * y)  # noqa: E731
        return getattr(lib.func, transform)(f, argnums)(_x(lib, 2, 3), _x(lib, 3, 2, seed=1))
    both(run)


def test_jacrev_equals_jacfwd_and_hessian_matches():
    def run(lib):
        f = lambda x: (x.sin() * x.exp()).sum()  # noqa: E731
        x = _x(lib, 2, 2)
        return (lib.func.hessian(f)(x), lib.func.jacrev(lib.func.jacrev(f))(x),
                lib.func.jacfwd(lib.func.jacrev(f))(x))
    both(run)
    h = run(minigrad)
    np.testing.assert_allclose(h[0].numpy(), h[1].numpy(), rtol=1e-5)


TRANSFORM_ERRORS = {
    "grad_not_scalar": lambda lib: lib.func.grad(lambda x: x * 2)(_x(lib, 2)),
    "grad_argnum": lambda lib: lib.func.grad(lambda x: x.sum(), argnums=2)(_x(lib, 2)),
    "grad_not_tensor": lambda lib: lib.func.grad(lambda x: (x.sum(), 1))(_x(lib, 2)),
    "grad_aux": lambda lib: lib.func.grad(lambda x: x.sum(), has_aux=True)(_x(lib, 2)),
    "jvp_primals": lambda lib: lib.func.jvp(lambda x: x, _x(lib, 2), (_x(lib, 2),)),
    "jvp_strict": lambda lib: lib.func.jvp(lambda x: lib.ones(2), (_x(lib, 2),), (_x(lib, 2),),
                                           strict=True),
    "jvp_not_tensor": lambda lib: lib.func.jvp(lambda x: 3.0, (_x(lib, 2),), (_x(lib, 2),)),
}


@pytest.mark.parametrize("case", sorted(TRANSFORM_ERRORS))
def test_transform_errors_match_torch(case):
    assert_same_error(lambda: TRANSFORM_ERRORS[case](minigrad),
                      lambda: TRANSFORM_ERRORS[case](torch))


# ---- vmap -------------------------------------------------------------------------------------
OPS = {
    "pointwise": (lambda lib, a, b: (a.sin() * b + a / (b + 2)).relu() ** 2, [(3, 4), (3, 4)]),
    "broadcast_plain": (lambda lib, a, b: a * b[0] + b[1].exp(), [(3, 4), (2, 4)]),
    "reductions": (lambda lib, a, b: a.sum(-1) + a.mean(0).sum() + a.amax(1) + a.logsumexp(1),
                   [(2, 3), (1,)]),
    "whole": (lambda lib, a, b: a.sum() + a.max() - a.min() + a.prod() + a.mean(),
              [(2, 3), (1,)]),
    "softmax": (lambda lib, a, b: a.softmax(-1) + a.log_softmax(0), [(2, 3), (1,)]),
    "matmul": (lambda lib, a, b: (a @ b) @ b.t(), [(2, 3), (3, 3)]),
    "linear": (lambda lib, a, b: lib.nn.functional.linear(a, b, b[0]), [(3,), (3, 3)]),
    "shape": (lambda lib, a, b: a.t().reshape(-1).view(3, 2).unsqueeze(0).expand(2, 3, 2)
              .permute(2, 0, 1).flip(0).squeeze() * 1, [(2, 3), (1,)]),
    "index": (lambda lib, a, b: a[1] + a[:, 0].sum() + a[lib.tensor([1, 0, 1])].sum(0)[:3]
              + a.gather(1, lib.tensor([[2, 1, 0], [0, 0, 1]])).sum(0), [(2, 3), (1,)]),
    "join": (lambda lib, a, b: lib.cat([a, b], 0).sum(0) + lib.stack([a, a * 2], -1).sum(-1)[0],
             [(2, 3), (1, 3)]),
    "compare": (lambda lib, a, b: lib.where(a > b, a, b * 2) + (a >= 0.5).float(),
                [(2, 3), (2, 3)]),
    "fallback": (lambda lib, a, b: lib.einsum("ij,jk->ik", a, b).var(1) + a.std(),
                 [(2, 3), (3, 2)]),
    "sort_topk": (lambda lib, a, b: a.sort(-1)[0] + a.topk(3, -1)[0] + a.cumsum(1),
                  [(2, 3), (1,)]),
    "more_ops": (lambda lib, a, b: lib.hypot(a, b) + lib.xlogy(a, b) + a.asinh() + b.lgamma()
                 + a.cummax(-1)[0] + a.logcumsumexp(0) + a.mode(-1)[0].sum(),
                 [(2, 3), (2, 3)]),
}


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=4, deadline=None)
@given(batch=st.integers(1, 4), dims=st.sampled_from([(0, 0), (0, None), (1, 0), (-1, None)]),
       seed=st.integers(0, 100))
def test_vmap_ops_match_torch(name, batch, dims, seed):
    fn, shapes = OPS[name]
    in_a, in_b = dims

    def run(lib):
        a0, b0 = (_x(lib, *s, seed=seed + i) for i, s in enumerate(shapes))
        a = a0.unsqueeze(in_a).expand(*(batch if d == in_a % (a0.dim() + 1) else n for d, n in
                                        enumerate(a0.unsqueeze(in_a).shape))) * \
            lib.arange(1, batch + 1).float().view(
                *[batch if d == in_a % (a0.dim() + 1) else 1 for d in range(a0.dim() + 1)])
        b = b0 if in_b is None else b0.unsqueeze(0).expand(batch, *b0.shape) + 0.1 * \
            lib.arange(batch).float().view(batch, *[1] * b0.dim())
        return lib.func.vmap(lambda a, b: fn(lib, a, b), in_dims=(in_a, in_b))(a, b)
    both(run)


def test_vmap_out_dims_nested_structures_and_unbatched_outputs():
    def run(lib):
        x, y = _x(lib, 3, 2), _x(lib, 2)
        f = lambda d, t: ({"p": d["a"] * t, "s": d["a"].sum()}, t * 2)  # noqa: E731
        out = lib.func.vmap(f, in_dims=({"a": 0}, None), out_dims=({"p": 1, "s": 0}, 0))(
            {"a": x}, y)
        return out, lib.func.vmap(lambda v: lib.ones(2))(x)
    both(run)


def test_nested_vmap_and_vmap_of_grad():
    def run(lib):
        x, y = _x(lib, 3, 2), _x(lib, 4, 2, seed=1)
        pair = lib.func.vmap(lib.func.vmap(lambda a, b: (a * b).sum() + a.sum(), (None, 0)),
                             (0, None))(x, y)
        outer = lib.func.vmap(lib.func.vmap(lambda a: a.exp() * a.sum(), 1, 1))(
            _x(lib, 2, 3, 4))
        g = lib.func.vmap(lib.func.grad(lambda a, w: (a * w).tanh().sum()), (0, None))(x, y[0])
        gw = lib.func.vmap(lib.func.grad(lambda w, a: (a * w).tanh().sum()), (None, 0))(y[0], x)
        jac = lib.func.vmap(lib.func.jacrev(lambda a: a.sin() * a.sum()))(x)
        return pair, outer, g, gw, jac
    both(run)


def test_per_sample_gradients_of_an_mlp():
    def run(lib):
        nn, F = lib.nn, lib.nn.functional
        lib.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
        x, y = lib.randn(6, 4), lib.tensor([0, 2, 1, 1, 0, 2])
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, sample, target):
            out = lib.func.functional_call(model, p, (sample.unsqueeze(0),))
            return F.cross_entropy(out, target.unsqueeze(0))
        per_sample = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)
        chunked = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0), chunk_size=4)(
            params, x, y)
        return per_sample, chunked
    both(run)
    per_sample, _ = run(minigrad)
    model_grads = run_loop_reference()
    for k in model_grads:
        np.testing.assert_allclose(per_sample[k].numpy(), model_grads[k], rtol=1e-5, atol=1e-6)


def run_loop_reference():
    """The same per-sample gradients by a loop of ordinary backward passes."""
    nn, F = minigrad.nn, minigrad.nn.functional
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    x, y = minigrad.randn(6, 4), minigrad.tensor([0, 2, 1, 1, 0, 2])
    grads = {k: [] for k, _ in model.named_parameters()}
    for i in range(6):
        model.zero_grad()
        F.cross_entropy(model(x[i:i + 1]), y[i:i + 1]).backward()
        for k, p in model.named_parameters():
            grads[k].append(p.grad.numpy().copy())
    return {k: np.stack(v) for k, v in grads.items()}


@pytest.mark.parametrize("randomness", ["same", "different"])
def test_vmap_randomness(randomness):
    def run(lib):
        lib.manual_seed(3)
        return lib.func.vmap(lambda v: v + lib.rand(2), randomness=randomness)(lib.zeros(3, 2))
    both(run)


VMAP_ERRORS = {
    "random_error": lambda lib: lib.func.vmap(lambda v: v + lib.rand(2))(lib.zeros(3, 2)),
    "item": lambda lib: lib.func.vmap(lambda v: v.sum().item())(lib.zeros(3, 2)),
    "in_dim_range": lambda lib: lib.func.vmap(lambda v: v, in_dims=2)(lib.zeros(3, 2)),
    "sizes": lambda lib: lib.func.vmap(lambda v, w: v)(lib.zeros(3), lib.zeros(4)),
    "not_tensor_out": lambda lib: lib.func.vmap(lambda v: 3.0)(lib.zeros(3)),
    "not_tensor_in": lambda lib: lib.func.vmap(lambda v: v)(3.0),
    "randomness_value": lambda lib: lib.func.vmap(lambda v: v, randomness="x")(lib.zeros(3)),
    "chunk_size": lambda lib: lib.func.vmap(lambda v: v, chunk_size=0)(lib.zeros(3)),
    "no_inputs": lambda lib: lib.func.vmap(lambda: lib.zeros(3))(),
    "in_dims_type": lambda lib: lib.func.vmap(lambda v: v, in_dims="a")(lib.zeros(3)),
}


@pytest.mark.parametrize("case", sorted(VMAP_ERRORS))
def test_vmap_errors_match_torch(case):
    assert_same_error(lambda: VMAP_ERRORS[case](minigrad), lambda: VMAP_ERRORS[case](torch))


def test_vmap_leaves_no_hook_behind_after_an_error():
    from minigrad.autograd import function
    with pytest.raises(RuntimeError):
        minigrad.func.vmap(lambda v: v.sum().item())(minigrad.zeros(3, 2))
    assert function.batch_hook is None


# ---- functional_call --------------------------------------------------------------------------
def test_functional_call_swaps_and_restores():
    def run(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 2)
        w = lib.ones(2, 3)
        x = _x(lib, 4, 3)
        out = lib.func.functional_call(m, {"weight": w}, x)
        both_dicts = lib.func.functional_call(m, ({"weight": w}, {"bias": lib.zeros(2)}), (x,))
        return out, both_dicts, m.weight.detach().clone()
    both(run)


def test_functional_call_tied_weights_and_errors():
    def tied(lib):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Linear(2, 2, bias=False), lib.nn.Linear(2, 2, bias=False))
        m[1].weight = m[0].weight
        return lib.func.functional_call(m, {"0.weight": lib.eye(2) * 2}, (lib.ones(1, 2),))
    both(tied)

    def overlap(lib):
        m = lib.nn.Linear(2, 2)
        return lib.func.functional_call(m, ({"weight": lib.ones(2, 2)},
                                            {"weight": lib.ones(2, 2)}), (lib.ones(2),))
    assert_same_error(lambda: overlap(minigrad), lambda: overlap(torch))

    def strict(lib):
        m = lib.nn.Linear(2, 2)
        return lib.func.functional_call(m, {"weight": lib.ones(2, 2)}, (lib.ones(2),),
                                        strict=True)
    with pytest.raises(RuntimeError, match="Missing key"):
        strict(minigrad)
    with pytest.raises(RuntimeError, match="Missing key"):
        strict(torch)


def test_torch_func_resolves_under_the_alias():
    import subprocess
    import sys
    code = ("from minigrad import torch_alias; torch_alias.install(); import torch; "
            "from torch.func import vmap, grad; import torch.autograd.forward_ad as f; "
            "import torch.autograd.functional as g; print(vmap.__module__, f.__name__, "
            "g.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["minigrad.func.vmap", "minigrad.autograd.forward_ad",
                   "minigrad.autograd.functional"]
