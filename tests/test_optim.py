"""optim.SGD / Adam / AdamW against torch: reprs, defaults, errors, state dicts, and the
parameters after many steps (same initial weights, same batches)."""
import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_same_error, assert_tensor_equal, to_mg
from minigrad._fma import _SMALL

RNG = np.random.default_rng(3)
torch.set_num_threads(1)  # tiny models: torch's thread pool only adds overhead on shared cores

SGD_CASES = [
    {"lr": 0.05},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 1e-2},
    {"lr": 0.05, "momentum": 0.8, "nesterov": True},
    {"lr": 0.02, "weight_decay": 0.1, "maximize": True},
]
ADAM_CASES = [
    ("Adam", {}),
    ("Adam", {"lr": 1e-2, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 1e-2, "amsgrad": True, "weight_decay": 1e-2}),
    ("Adam", {"lr": 5e-3, "maximize": True}),
    ("AdamW", {"lr": 1e-2}),
    ("AdamW", {"lr": 1e-2, "amsgrad": True, "weight_decay": 0.1}),
]
ALL_CASES = [("SGD", kw) for kw in SGD_CASES] + ADAM_CASES


def _model(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))


def _pair_models():
    th = _model(torch)
    mg = _model(minigrad)
    mg.load_state_dict({k: to_mg(v) for k, v in th.state_dict().items()})
    return mg, th


def _batches(n):
    return [(RNG.standard_normal((16, 5)).astype(np.float32), RNG.integers(0, 3, 16))
            for _ in range(n)]


def _train(lib, model, opt, batches, maximize=False):
    loss_fn = lib.nn.CrossEntropyLoss()
    for x, y in batches:
        loss = loss_fn(model(lib.from_numpy(x.copy())), lib.from_numpy(y.copy()))
        if maximize:
            loss = -loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss


def _make_opts(name, kwargs):
    mg, th = _pair_models()
    om = getattr(minigrad.optim, name)(mg.parameters(), **kwargs)
    ot = getattr(torch.optim, name)(th.parameters(), **kwargs)
    return mg, th, om, ot


@pytest.mark.parametrize("name, kwargs", ALL_CASES)
def test_training_trajectory_matches_torch(name, kwargs):
    mg, th, om, ot = _make_opts(name, kwargs)
    batches = _batches(150)
    maximize = kwargs.get("maximize", False)
    lm = _train(minigrad, mg, om, batches, maximize)
    lt = _train(torch, th, ot, batches, maximize)
    assert_tensor_equal(lm.detach(), lt.detach(), rtol=1e-5, atol=1e-6)
    for pm, pt in zip(mg.parameters(), th.parameters()):
        assert_tensor_equal(pm.detach(), pt.detach(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", ALL_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_update_arithmetic_matches_torch(name, kwargs, dtype):
    """Same gradients fed for 60 steps: the update rule alone, dtype kept."""
    w0 = RNG.standard_normal(37).astype(dtype)
    grads = RNG.standard_normal((60, 37)).astype(dtype)
    pm = minigrad.nn.Parameter(minigrad.from_numpy(w0.copy()))
    pt = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    om = getattr(minigrad.optim, name)([pm], **kwargs)
    ot = getattr(torch.optim, name)([pt], **kwargs)
    for g in grads:
        pm.grad = minigrad.from_numpy(g.copy())
        pt.grad = torch.from_numpy(g.copy())
        om.step()
        ot.step()
    rtol = 2e-6 if dtype == np.float32 else 1e-12
    assert_tensor_equal(pm.detach(), pt.detach(), rtol=rtol, atol=rtol)
    for key, value in ot.state[pt].items():
        assert_tensor_equal(om.state[pm][key], value, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("kwargs", SGD_CASES)
@pytest.mark.parametrize("size", [1, 29, _SMALL * 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_is_bit_exact(kwargs, size, dtype):
    """Sizes cover the one-element, small and large routes of ``_fma.fma``."""
    w0 = RNG.standard_normal(size).astype(dtype)
    pm = minigrad.nn.Parameter(minigrad.from_numpy(w0.copy()))
    pt = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    om, ot = minigrad.optim.SGD([pm], **kwargs), torch.optim.SGD([pt], **kwargs)
    for g in RNG.standard_normal((50, size)).astype(dtype):
        pm.grad, pt.grad = minigrad.from_numpy(g.copy()), torch.from_numpy(g.copy())
        om.step()
        ot.step()
    np.testing.assert_array_equal(pm.detach().numpy(), pt.detach().numpy())


def test_seed_sgd_step():
    """SGD: p <- p - lr * grad in place; params without grad are skipped."""
    p = minigrad.nn.Parameter(minigrad.tensor([[0.5]]))
    q = minigrad.nn.Parameter(minigrad.tensor([1.0]))
    opt = minigrad.optim.SGD(params=[p, q], lr=1e-2)
    p.grad = minigrad.tensor([[2.0]])
    version = p._version
    opt.step()
    assert p.tolist() == [[np.float32(0.5) - np.float32(0.01) * np.float32(2.0)]]
    assert q.tolist() == [1.0] and p._version > version
    opt.zero_grad()
    assert p.grad is None


# ---- configuration ----------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs", ALL_CASES + [("SGD", {}), ("AdamW", {})])
def test_repr_and_defaults_match_torch(name, kwargs):
    _, _, om, ot = _make_opts(name, kwargs)
    assert repr(om) == repr(ot)
    assert om.defaults == ot.defaults
    assert list(om.defaults) == list(ot.defaults)
    assert [{k: v for k, v in g.items() if k != "params"} for g in om.param_groups] == [
        {k: v for k, v in g.items() if k != "params"} for g in ot.param_groups]


def test_seed_sgd_repr():
    p = minigrad.nn.Linear(1, 1)
    assert repr(minigrad.optim.SGD(params=p.parameters(), lr=1e-2)) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n"
        "    foreach: None\n    fused: None\n    lr: 0.01\n    maximize: False\n"
        "    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)")


def test_param_groups_and_add_param_group():
    mg, th = _pair_models()
    groups = lambda m: [{"params": m[0].parameters()},  # noqa: E731
                        {"params": m[2].parameters(), "lr": 0.5, "momentum": 0.9}]
    om = minigrad.optim.SGD(groups(mg), lr=0.1)
    ot = torch.optim.SGD(groups(th), lr=0.1)
    assert repr(om) == repr(ot)
    extra_m, extra_t = minigrad.nn.Parameter(minigrad.ones(2)), torch.nn.Parameter(torch.ones(2))
    om.add_param_group({"params": extra_m, "lr": 3.0})
    ot.add_param_group({"params": extra_t, "lr": 3.0})
    assert repr(om) == repr(ot)
    assert_same_error(lambda: om.add_param_group({"params": [extra_m]}),
                      lambda: ot.add_param_group({"params": [extra_t]}))


def test_constructor_errors_match_torch():
    pm, pt = minigrad.nn.Parameter(minigrad.ones(2)), torch.nn.Parameter(torch.ones(2))
    cases = [
        ("SGD", {"lr": -1}), ("SGD", {"lr": 0.1, "momentum": -1}),
        ("SGD", {"lr": 0.1, "weight_decay": -1}), ("SGD", {"lr": 0.1, "nesterov": True}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
        ("Adam", {"lr": -1}), ("Adam", {"eps": -1}), ("Adam", {"betas": (1.0, 0.9)}),
        ("Adam", {"betas": (0.9, 1.0)}), ("Adam", {"weight_decay": -1}), ("AdamW", {"lr": -1}),
    ]
    for name, kw in cases:
        assert_same_error(lambda name=name, kw=kw: getattr(minigrad.optim, name)([pm], **kw),
                          lambda name=name, kw=kw: getattr(torch.optim, name)([pt], **kw))
    assert_same_error(lambda: minigrad.optim.SGD([], lr=0.1), lambda: torch.optim.SGD([], lr=0.1))
    assert_same_error(lambda: minigrad.optim.SGD(pm, lr=0.1), lambda: torch.optim.SGD(pt, lr=0.1))
    y = minigrad.ones(2, requires_grad=True) * 2
    yt = torch.ones(2, requires_grad=True) * 2
    assert_same_error(lambda: minigrad.optim.SGD([y]), lambda: torch.optim.SGD([yt]))
    assert_same_error(lambda: minigrad.optim.SGD([pm, 3]), lambda: torch.optim.SGD([pt, 3]))


def test_state_is_created_only_when_kept_as_in_torch():
    """Plain SGD keeps no per-parameter state; momentum and Adam do."""
    for name, kwargs in [("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9}),
                         ("Adam", {})]:
        mg, th, om, ot = _make_opts(name, kwargs)
        _train(minigrad, mg, om, _batches(1))
        _train(torch, th, ot, _batches(1))
        assert len(om.state) == len(ot.state)
        assert list(om.state_dict()["state"]) == list(ot.state_dict()["state"])


def test_zero_grad_modes():
    mg, _ = _pair_models()
    opt = minigrad.optim.Adam(mg.parameters())
    mg(minigrad.ones(2, 5)).sum().backward()
    grads = [p.grad for p in mg.parameters()]
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.numpy().any() for p, g in zip(mg.parameters(), grads))
    opt.zero_grad()
    assert all(p.grad is None for p in mg.parameters())


def test_step_closure_returns_loss():
    mg, _ = _pair_models()
    opt = minigrad.optim.SGD(mg.parameters(), lr=0.01)   # lr=0.1 overshoots for ~13% of inits
    x = minigrad.ones(2, 5)

    def closure():
        opt.zero_grad()
        loss = mg(x).pow(2).sum()
        loss.backward()
        return loss

    first = opt.step(closure).item()
    assert opt.step(closure).item() < first


# ---- state dict -------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                          ("Adam", {"amsgrad": True}), ("AdamW", {})])
def test_state_dict_structure_matches_torch(name, kwargs):
    mg, th, om, ot = _make_opts(name, kwargs)
    batches = _batches(3)
    _train(minigrad, mg, om, batches)
    _train(torch, th, ot, batches)
    sm, st = om.state_dict(), ot.state_dict()
    assert list(sm) == list(st) == ["state", "param_groups"]
    assert list(sm["state"]) == list(st["state"])
    assert sm["param_groups"] == st["param_groups"]
    for i, state in st["state"].items():
        assert list(sm["state"][i]) == list(state)
        for key, value in state.items():
            assert_tensor_equal(sm["state"][i][key], value, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                          ("Adam", {"lr": 0.01})])
def test_load_state_dict_resumes_training(name, kwargs):
    batches = _batches(10)
    mg, _, om, _ = _make_opts(name, kwargs)
    _train(minigrad, mg, om, batches)
    resumed, _ = _pair_models()
    resumed.load_state_dict(mg.state_dict())
    opt2 = getattr(minigrad.optim, name)(resumed.parameters(), lr=123.0)
    opt2.load_state_dict(om.state_dict())
    assert repr(opt2) == repr(om)
    more = _batches(5)
    _train(minigrad, mg, om, more)
    _train(minigrad, resumed, opt2, more)
    for a, b in zip(mg.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_load_state_dict_errors_match_torch():
    pm, pt = minigrad.nn.Parameter(minigrad.ones(2)), torch.nn.Parameter(torch.ones(2))
    om, ot = minigrad.optim.SGD([pm]), torch.optim.SGD([pt])
    bad_groups = {"state": {}, "param_groups": []}
    assert_same_error(lambda: om.load_state_dict(bad_groups),
                      lambda: ot.load_state_dict(bad_groups))
    sizes = {"state": {}, "param_groups": [dict(ot.state_dict()["param_groups"][0],
                                                params=[0, 1])]}
    assert_same_error(lambda: om.load_state_dict(sizes), lambda: ot.load_state_dict(sizes))
