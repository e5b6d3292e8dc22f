"""Optimizers' configuration against torch: defaults and reprs, argument errors, the
foreach / differentiable / capturable flags, state dict layout (keys, the dtype of 'step'),
and loading a state dict saved by torch."""
import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_same_error, to_mg
from optim_pairs import Pair, convert_state_dict, use_torchs_sqrt_if_unknown

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
         "ASGD", "Rprop"]


def _params(lib):
    return [lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.zeros(3))]


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_repr_match_torch(name):
    om = getattr(minigrad.optim, name)(_params(minigrad))
    ot = getattr(torch.optim, name)(_params(torch))
    assert om.defaults == ot.defaults and list(om.defaults) == list(ot.defaults)
    assert repr(om) == repr(ot)


_BAD = {
    "RMSprop": [{"lr": -1}, {"eps": -1}, {"momentum": -1}, {"weight_decay": -1}, {"alpha": -1}],
    "Adagrad": [{"lr": -1}, {"lr_decay": -1}, {"weight_decay": -1},
                {"initial_accumulator_value": -1}, {"eps": -1},
                {"fused": True, "differentiable": True}, {"fused": True, "foreach": True}],
    "Adadelta": [{"lr": -1}, {"rho": 1.5}, {"rho": -0.1}, {"eps": -1}, {"weight_decay": -1}],
    "Adamax": [{"lr": -1}, {"eps": -1}, {"betas": (1.0, 0.9)}, {"betas": (0.9, -1)},
               {"weight_decay": -1}],
    "NAdam": [{"lr": -1}, {"eps": -1}, {"betas": (-0.1, 0.9)}, {"betas": (0.9, 1.0)},
              {"weight_decay": -1}, {"momentum_decay": -1}],
    "RAdam": [{"lr": -1}, {"eps": -1}, {"betas": (1.5, 0.9)}, {"betas": (0.9, 2)},
              {"weight_decay": -1}],
    "ASGD": [{"lr": -1}, {"weight_decay": -1}],
    "Rprop": [{"lr": -1}, {"etas": (1.0, 1.2)}, {"etas": (0.5, 1.0)}, {"etas": (0, 2)}],
    "AdamW": [{"lr": -1}, {"eps": -1}, {"betas": (1.0, 0.9)}, {"weight_decay": -1}],
}


@pytest.mark.parametrize("name, kwargs", [(n, kw) for n, cases in _BAD.items() for kw in cases])
def test_argument_errors_match_torch(name, kwargs):
    assert_same_error(lambda: getattr(minigrad.optim, name)(_params(minigrad), **kwargs),
                      lambda: getattr(torch.optim, name)(_params(torch), **kwargs))


@pytest.mark.parametrize("name", NAMES)
def test_flags(name):
    """foreach=True runs (the single-tensor arithmetic); capturable=True fails at the step as
    torch does without a GPU (TypeError where the optimizer has no such flag);
    differentiable=True refuses to step a leaf that requires grad."""
    for kwargs in [{"foreach": True}, {"capturable": True}, {"differentiable": True}]:
        def run(lib, kwargs=kwargs):
            params = _params(lib)
            opt = getattr(lib.optim, name)(params, **kwargs)
            for p in params:
                p.grad = lib.ones_like(p)
            opt.step()
            return params[0].detach()
        try:
            expected = run(torch)
        except (AssertionError, RuntimeError, TypeError):
            assert_same_error(lambda: run(minigrad), lambda: run(torch))
        else:
            np.testing.assert_array_equal(run(minigrad).numpy(), expected.numpy())


def test_differentiable_step_is_refused_clearly():
    """torch's differentiable steps use their own arithmetic (and record a graph): minigrad
    says it has none rather than step differently."""
    p = minigrad.ones(3)
    opt = minigrad.optim.Adam([p], lr=0.1, differentiable=True)
    p.grad = minigrad.full((3,), 0.5)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        opt.step()


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_layout_matches_torch(name):
    pair = Pair(name, [(2, {"lr": 0.01}), (1, {"lr": 0.02})], np.float64)
    pair.step(3)
    sm, st = pair.om.state_dict(), pair.ot.state_dict()
    assert sm["param_groups"] == st["param_groups"]
    assert list(sm["state"]) == list(st["state"])
    for i, state in st["state"].items():
        assert list(sm["state"][i]) == list(state)
        for key, value in state.items():
            assert str(sm["state"][i][key].dtype).split(".")[-1] == str(value.dtype).split(".")[-1]
            assert sm["state"][i][key].shape == tuple(value.shape)


@pytest.mark.parametrize("name", ["Adam", "NAdam", "ASGD", "Rprop"])
def test_torch_state_dict_loads_and_continues(name):
    """A state dict torch saved (its tensors converted) resumes minigrad where torch is."""
    pair = Pair(name, [(3, {"lr": 0.01})], np.float32)
    pair.step(10)
    saved = convert_state_dict(pair.ot.state_dict(), to_mg)
    fresh = pair.make(minigrad, pair.mg)
    fresh.load_state_dict(saved)
    for pm, pt in zip(pair.mg, pair.th):
        for key, value in pair.ot.state[pt].items():
            np.testing.assert_array_equal(fresh.state[pm][key].numpy(), value.numpy())


def test_fma_scalar_neighbours_are_kept_per_dtype():
    """A float64 scalar equal to a float32 one (a float32 step size read back as a Python
    float) must not hand its float64 neighbours to a later float32 fma."""
    from minigrad._fma import fma
    from minigrad._generator import _fma32
    rng = np.random.default_rng(1)
    a, c = (rng.standard_normal(40000).astype(np.float32) for _ in range(2))
    s32 = np.float32(-0.02)
    fma(a.astype(np.float64), np.float64(s32), c.astype(np.float64))
    assert np.array_equal(fma(a, s32, c), _fma32(*np.broadcast_arrays(a, s32, c)))


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("NAdam", "RAdam", "ASGD")])
def test_foreach_true_matches_torchs_foreach_path(name, monkeypatch):
    """foreach=True computes with the single-tensor arithmetic, which torch's CPU foreach path
    reproduces bit for bit for these optimizers (NAdam, RAdam and ASGD's foreach paths round
    differently in torch itself)."""
    use_torchs_sqrt_if_unknown(monkeypatch)
    kwargs = {"lr": 0.01, "foreach": True, **({"momentum": 0.9} if name == "SGD" else {})}
    for dtype in (np.float32, np.float64):
        pair = Pair(name, [(3, kwargs)], dtype)
        pair.step(20)
        pair.assert_bit_equal()
