"""What GPT-style training code uses around its layers, against torch: nn.init.trunc_normal_ /
orthogonal_ / dirac_ / sparse_ after the same seed, weight tying (a shared Parameter in
parameters, state_dict and optimizers), cross_entropy with ignore_index, label_smoothing and
class-probability targets, and torch.amp (GradScaler, autocast) on the CPU."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal


def _same_bytes(a, b):
    assert tuple(a.shape) == tuple(b.shape)
    assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()


def _streams_equal():
    return bytes(minigrad.get_rng_state().numpy()) == bytes(torch.get_rng_state().numpy())


# ---- nn.init ---------------------------------------------------------------------------------
_INITS = {
    "trunc_normal_default": lambda L, g: L.nn.init.trunc_normal_(L.empty(64, 48), generator=g),
    "trunc_normal_gpt": lambda L, g: L.nn.init.trunc_normal_(L.empty(32, 16), std=0.02),
    "trunc_normal_narrow": lambda L, g: L.nn.init.trunc_normal_(
        L.empty(300, dtype=L.float64), mean=0.5, a=0.4, b=0.45, generator=g),
    "trunc_normal_offcentre": lambda L, g: L.nn.init.trunc_normal_(L.empty(7, 9), 1.0, 0.5, 1.2,
                                                                   3.0),
    "trunc_normal_transposed": lambda L, g: L.nn.init.trunc_normal_(L.empty(20, 30).t(), a=-1.0,
                                                                    b=1.0),
    "sparse": lambda L, g: L.nn.init.sparse_(L.empty(10, 7), 0.3, generator=g),
    "dirac_3d": lambda L, g: L.nn.init.dirac_(L.empty(4, 4, 5)),
    "dirac_groups": lambda L, g: L.nn.init.dirac_(L.empty(6, 2, 3, 3), groups=3),
    "dirac_5d": lambda L, g: L.nn.init.dirac_(L.empty(2, 3, 3, 4, 5)),
}


@pytest.mark.parametrize("name", sorted(_INITS))
@pytest.mark.parametrize("seed", [0, 7])
def test_init_functions_match_torch_bit_for_bit(name, seed):
    results = []
    for lib in (minigrad, torch):
        lib.manual_seed(seed)
        g = lib.Generator().manual_seed(seed + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.append((_INITS[name](lib, g), bytes(g.get_state().numpy())))
    _same_bytes(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]
    assert _streams_equal()


@pytest.mark.parametrize("shape, gain", [((5, 5), 1.0), ((3, 8), 2.0), ((8, 3), 0.5),
                                         ((4, 2, 3), 1.0), ((6, 3, 2, 2), 1.3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_orthogonal_matches_torch(shape, gain, dtype):
    out = []
    for lib in (minigrad, torch):
        lib.manual_seed(3)
        out.append(lib.nn.init.orthogonal_(lib.empty(shape, dtype=getattr(lib, dtype)), gain))
    assert_tensor_equal(out[0], out[1], rtol=1e-5 if dtype == "float32" else 1e-10,
                        atol=1e-6 if dtype == "float32" else 1e-12)
    assert _streams_equal()
    flat = out[0].reshape(shape[0], -1).numpy().astype(np.float64) / gain
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)


def test_init_warnings_and_errors():
    for lib in (minigrad, torch):
        with pytest.warns(UserWarning, match="more than 2 std"):
            lib.nn.init.trunc_normal_(lib.empty(3), mean=10.0)
    for call in (lambda L: L.nn.init.orthogonal_(L.empty(3)),
                 lambda L: L.nn.init.dirac_(L.empty(3, 3)),
                 lambda L: L.nn.init.dirac_(L.empty(3, 2, 2), groups=2),
                 lambda L: L.nn.init.sparse_(L.empty(3, 2, 2), 0.1)):
        assert_same_error(lambda c=call: c(minigrad), lambda c=call: c(torch))
    assert minigrad.nn.init.orthogonal_(minigrad.empty(0, 3)).shape == (0, 3)


# ---- weight tying ----------------------------------------------------------------------------
def _tied_model(lib):
    class TinyLM(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = lib.nn.Linear(6, 5, bias=False)       # used as an embedding (5 x 6)
            self.proj = lib.nn.Linear(6, 6)
            self.head = lib.nn.Linear(6, 5, bias=False)
            self.head.weight = self.wte.weight               # weight tying

        def forward(self, one_hot):
            x = one_hot @ self.wte.weight                    # (B, 5) @ (5, 6): embedding lookup
            return self.head(lib.tanh(self.proj(x)))
    lib.manual_seed(0)
    return TinyLM()


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "AdamW"])
def test_weight_tying_matches_torch(optimizer):
    def run(lib):
        model = _tied_model(lib)
        opt = getattr(lib.optim, optimizer)(model.parameters(), lr=0.05)
        x = lib.eye(5)[[0, 3, 1, 4]]
        y = lib.tensor([1, 2, 3, 0])
        for _ in range(3):
            opt.zero_grad()
            lib.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        names = [n for n, _ in model.named_parameters()]
        return (model, names, list(model.state_dict()), len(list(model.parameters())),
                len(opt.param_groups[0]["params"]))
    got, want = run(minigrad), run(torch)
    assert got[1:] == want[1:]
    assert got[0].head.weight is got[0].wte.weight
    for a, b in zip(got[0].state_dict().values(), want[0].state_dict().values()):
        assert_tensor_equal(a, b)
    # loading a state dict keeps the two names pointing at one tensor
    got[0].load_state_dict({k: v * 0 + 1 for k, v in got[0].state_dict().items()})
    assert got[0].head.weight is got[0].wte.weight
    assert got[0].head.weight.sum().item() == 30.0


# ---- cross_entropy ---------------------------------------------------------------------------
@st.composite
def _ce_problems(draw):
    n = draw(st.integers(1, 5))
    c = draw(st.integers(2, 6))
    extra = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    logits = (rng.standard_normal((n, c) + extra) * 2).astype(dtype)
    probs = draw(st.booleans())
    if probs:
        target = rng.random((n, c) + extra).astype(dtype)
        target /= target.sum(1, keepdims=True)
        ignore = -100
    else:
        ignore = draw(st.sampled_from([-100, 0, 1]))
        target = rng.integers(0, c, (n,) + extra)
        if draw(st.booleans()):
            target.reshape(-1)[rng.random(target.size) < 0.4] = ignore
    weight = rng.uniform(0.2, 2.0, c).astype(dtype) if draw(st.booleans()) else None
    kwargs = dict(ignore_index=ignore, label_smoothing=draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
                  reduction=draw(st.sampled_from(["mean", "sum", "none"])))
    return logits, target, weight, kwargs


@settings(max_examples=150, deadline=None)
@given(_ce_problems(), st.booleans())
def test_cross_entropy_matches_torch(problem, as_module):
    logits, target, weight, kwargs = problem

    def run(lib):
        x = lib.from_numpy(logits.copy()).requires_grad_()
        t = lib.from_numpy(target.copy())
        if t.dtype.is_floating_point:
            t.requires_grad_()
        w = None if weight is None else lib.from_numpy(weight.copy())
        if as_module:
            loss = lib.nn.CrossEntropyLoss(weight=w, **kwargs)(x, t)
        else:
            loss = lib.nn.functional.cross_entropy(x, t, weight=w, **kwargs)
        loss.backward(lib.ones_like(loss))
        return loss, x.grad, (t.grad if t.dtype.is_floating_point else None)
    got, want = run(minigrad), run(torch)
    for a, b in zip(got, want):
        if b is None:
            assert a is None
        else:
            assert_tensor_equal(a, b)


_CE_ERRORS = [
    lambda L: L.nn.functional.cross_entropy(L.ones(2, 3), L.tensor([0, 1]), label_smoothing=1.5),
    lambda L: L.nn.functional.cross_entropy(L.ones(2, 3), L.ones(2, 4)),
    lambda L: L.nn.functional.cross_entropy(L.ones(2, 3), L.tensor([0, 3])),
    lambda L: L.nn.functional.cross_entropy(L.ones(2, 3), L.ones(2, 3), ignore_index=1),
]


@pytest.mark.parametrize("call", _CE_ERRORS)
def test_cross_entropy_errors(call):
    def run(lib):
        return call(lib)
    torch_error = None
    try:
        run(torch)
    except Exception as e:  # noqa: BLE001
        torch_error = e
    if torch_error is None:       # torch accepts it: so must minigrad, with the same value
        assert_tensor_equal(run(minigrad), run(torch))
    else:
        assert_same_error(lambda: run(minigrad), lambda: run(torch))


# ---- torch.amp -------------------------------------------------------------------------------
def test_grad_scaler_on_cpu_matches_torch():
    def run(lib):
        w = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
        log = []
        for factor in (1.0, float("inf"), 2.0, 3.0, float("nan"), 1.0):
            opt.zero_grad()
            loss = (w * w * factor).sum()
            scaled = scaler.scale(loss)
            scaled.backward()
            if factor == 3.0:
                scaler.unscale_(opt)
            scaler.step(opt)
            scaler.update()
            log.append((scaled.detach().clone(), w.detach().clone(), scaler.get_scale(),
                        scaler.state_dict()))
        return log
    for (s1, w1, c1, d1), (s2, w2, c2, d2) in zip(run(minigrad), run(torch)):
        assert_tensor_equal(s1, s2)
        assert_tensor_equal(w1, w2)
        assert c1 == c2 and d1 == d2


def test_grad_scaler_disabled_and_errors():
    for lib in (minigrad, torch):
        with pytest.warns(UserWarning, match="CUDA is not available"):
            scaler = lib.amp.GradScaler()
        w = lib.ones(2, requires_grad=True)
        loss = (w * 3).sum()
        assert scaler.scale(loss) is loss and not scaler.is_enabled()
        assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}
        loss.backward()
        opt = lib.optim.SGD([w], lr=1.0)
        scaler.step(opt)
        scaler.update()
        assert w.tolist() == [-2.0, -2.0]

    def twice(lib):
        w = lib.ones(2, requires_grad=True)
        opt = lib.optim.SGD([w], lr=1.0)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(w.sum()).backward()
        scaler.unscale_(opt)
        scaler.unscale_(opt)
    assert_same_error(lambda: twice(minigrad), lambda: twice(torch))


def test_autocast_on_cpu():
    for lib in (minigrad, torch):
        with lib.amp.autocast("cpu", enabled=False):
            assert (lib.ones(2, 2) @ lib.ones(2, 2)).dtype == lib.float32
        with pytest.warns(UserWarning, match="target dtype is not supported"):
            with lib.amp.autocast(device_type="cpu", dtype=lib.float32):
                assert (lib.ones(2, 2) @ lib.ones(2, 2)).dtype == lib.float32

        @lib.amp.autocast("cpu", enabled=False)
        def f(x):
            return x * 2
        assert f(lib.ones(1)).tolist() == [2.0]
    with pytest.raises(NotImplementedError, match="bfloat16"):
        with minigrad.amp.autocast("cpu"):
            pass
    assert_same_error(lambda: minigrad.amp.autocast(0), lambda: torch.amp.autocast(0))
