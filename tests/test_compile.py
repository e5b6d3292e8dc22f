"""minigrad.compile: replayed steps are bit-identical to eager ones (values, gradients,
optimizer state, random state), agree with torch, and anything replay can't reproduce falls
back to eager with a warning naming the line."""
import warnings

import numpy as np
import pytest
import torch

import minigrad
import minigrad.nn as mnn
import minigrad.nn.functional as MF
from minigrad.compiler import api


def _mlp(T, dropout, opt_name):
    T.manual_seed(0)
    layers = [T.nn.Linear(20, 32), T.nn.ReLU()]
    if dropout:
        layers.append(T.nn.Dropout(0.2))
    model = T.nn.Sequential(*layers, T.nn.Linear(32, 5))
    make = {"sgd": lambda p: T.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
            "adam": lambda p: T.optim.Adam(p, lr=1e-2),
            "adamw": lambda p: T.optim.AdamW(p, lr=1e-2, weight_decay=0.1),
            "rmsprop": lambda p: T.optim.RMSprop(p, lr=1e-2)}[opt_name]
    return model, make(model.parameters())


def _train(T, compiled, dropout=False, opt_name="sgd", steps=6, batch=8):
    """Steps of a classifier; everything a step leaves behind, as bytes."""
    model, opt = _mlp(T, dropout, opt_name)

    def step(x, y):
        opt.zero_grad()
        loss = T.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    fn = minigrad.compile(step) if compiled else step
    g = T.Generator().manual_seed(1)
    losses = []
    for _ in range(steps):
        x = T.randn(batch, 20, generator=g)
        y = T.randint(0, 5, (batch,), generator=g)
        losses.append(fn(x, y))
    return losses, model, opt, fn


def _state_bytes(model, opt):
    out = [p.detach().numpy().tobytes() for p in model.parameters()]
    out += [p.grad.numpy().tobytes() for p in model.parameters()]
    for state in opt.state.values():
        for v in state.values():
            out.append(v.numpy().tobytes() if hasattr(v, "numpy") else repr(v))
    return out


@pytest.mark.parametrize("opt_name", ["sgd", "adam", "adamw", "rmsprop"])
@pytest.mark.parametrize("dropout", [False, True])
def test_training_step_replays_bit_for_bit(opt_name, dropout):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no graph break
        losses_c, model_c, opt_c, fn = _train(minigrad, True, dropout, opt_name)
    rng_c = minigrad.get_rng_state().numpy().tobytes()
    losses_e, model_e, opt_e, _ = _train(minigrad, False, dropout, opt_name)
    rng_e = minigrad.get_rng_state().numpy().tobytes()
    assert len(fn.programs) == 1  # captured twice, then replayed
    assert [t.detach().numpy().tobytes() for t in losses_c] == \
        [t.detach().numpy().tobytes() for t in losses_e]
    assert _state_bytes(model_c, opt_c) == _state_bytes(model_e, opt_e)
    assert rng_c == rng_e
    # and the replayed loss looks like the eager one
    assert repr(losses_c[-1]) == repr(losses_e[-1])
    assert losses_c[-1].grad_fn.name() == "NllLossBackward0"


@pytest.mark.parametrize("dropout", [False, True])
def test_compiled_training_agrees_with_torch(dropout):
    losses_m, model_m, _, _ = _train(minigrad, True, dropout, "adam")
    losses_t, model_t, _, _ = _train(torch, False, dropout, "adam")
    np.testing.assert_allclose([t.item() for t in losses_m], [t.item() for t in losses_t],
                               rtol=1e-5)
    for pm, pt in zip(model_m.parameters(), model_t.parameters()):
        np.testing.assert_allclose(pm.detach().numpy(), pt.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


def _chain(x, w):
    y = (x * 1.5 + 0.5).tanh() * w
    y = ((y.exp() - 0.1).sigmoid().sqrt() / 1.2).log()
    return y.sum()


def test_chain_forward_backward_and_explain():
    def make(T):
        x = T.linspace(-1, 1, 16, dtype=T.float64).reshape(16, 1).requires_grad_()
        return x, T.full((16, 1), 0.7, dtype=T.float64)
    x, w = make(minigrad)

    def step():
        x.grad = None
        loss = _chain(x, w)
        loss.backward()
        return loss
    fn = minigrad.compile(step)
    for _ in range(4):
        loss = fn()
    xt, wt = make(torch)
    lt = _chain(xt, wt)
    lt.backward()
    np.testing.assert_allclose(loss.item(), lt.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10)
    text = fn.explain()
    assert "TanhBackward0" in text and "ACCUMULATE" in text and "guard" in text
    assert "tensor.grad = None" in text


def test_manual_sgd_with_in_place_updates():
    def run(compiled):
        minigrad.manual_seed(3)
        w = minigrad.randn(4, 1, requires_grad=True)
        x, y = minigrad.randn(32, 4), minigrad.randn(32, 1)

        def step():
            loss = ((x @ w - y) ** 2).mean()
            loss.backward()
            with minigrad.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
            return loss
        fn = minigrad.compile(step) if compiled else step
        return [fn().item() for _ in range(5)], w.detach().numpy().tobytes(), w._version, fn
    a, b = run(True), run(False)
    assert a[:3] == b[:3]
    assert len(a[3].programs) == 1


def _breaks(fn, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [fn(*args) for _ in range(3)]
    return results, [str(w.message) for w in caught if "graph break" in str(w.message)]


def test_reading_a_value_is_a_graph_break_and_stays_correct():
    x = minigrad.ones(3, requires_grad=True)
    seen = []

    def step():
        x.grad = None
        loss = (x * 2).sum()
        if loss.item() > 0:  # a Python branch on a value
            seen.append(1)
        loss.backward()
        return loss
    fn = minigrad.compile(step)
    results, breaks = _breaks(fn)
    assert len(breaks) == 1 and "item" in breaks[0] and "loss.item()" in breaks[0]
    assert len(seen) == 3 and not fn.programs  # every call ran the Python
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("body, reason", [
    ("print(y)", "print"),
    ("log.append(1)", "calls list.append"),
    ("counter.n += 1", "stores into a Python object"),
])
def test_python_side_effects_are_graph_breaks(body, reason):
    class Counter:
        n = 0
    env = {"minigrad": minigrad, "np": np, "log": [], "counter": Counter()}
    exec("def step(x):\n    y = x * 2\n    " + body + "\n    return y\n", env)
    fn = minigrad.compile(env["step"])
    x = minigrad.ones(2)
    results, breaks = _breaks(fn, x)
    assert breaks and reason in breaks[0]
    assert not fn.programs
    assert all(r.tolist() == [2.0, 2.0] for r in results)


def test_a_number_drawn_in_python_is_not_replayed_stale():
    def step(x):
        return x * np.random.rand()
    fn = minigrad.compile(step)
    np.random.seed(0)
    results, breaks = _breaks(fn, minigrad.ones(1))
    np.random.seed(0)
    assert [r.item() for r in results] == [minigrad.ones(1).mul(np.random.rand()).item()
                                           for _ in range(3)]
    assert breaks and "changed" in breaks[0] and "between two calls" in breaks[0]


def test_global_writes_are_graph_breaks():
    fn = minigrad.compile(_bump_global)
    _, breaks = _breaks(fn, minigrad.ones(2))
    assert breaks and "global _CALLS" in breaks[0]
    assert _CALLS == 3


_CALLS = 0


def _bump_global(x):
    global _CALLS
    _CALLS += 1
    return x + 1


def test_fullgraph_raises_at_a_graph_break():
    def step(x):
        return (x * 2).sum().item()
    fn = minigrad.compile(step, fullgraph=True)
    with pytest.raises(api.Unsupported, match="item"):
        fn(minigrad.ones(2))


def test_guards_recapture_on_new_shapes_and_modes():
    minigrad.manual_seed(0)
    model = mnn.Sequential(mnn.Linear(4, 4), mnn.Dropout(0.5))
    fn = minigrad.compile(lambda x: model(x).sum())
    with minigrad.no_grad():
        for shape in [(2, 4), (2, 4), (3, 4), (3, 4), (2, 4)]:
            out = fn(minigrad.ones(shape))
        assert len(fn.programs) == 2
        model.eval()  # dropout off: the training-mode program must not replay
        a = [fn(minigrad.ones(2, 4)).item() for _ in range(3)]
        b = model(minigrad.ones(2, 4)).sum().item()
    assert a == [b, b, b] and out.shape == ()


SCALE = 2.0


def test_a_changed_global_number_is_not_replayed_stale():
    global SCALE
    fn = minigrad.compile(_scaled)
    x = minigrad.ones(2)
    assert [fn(x).tolist() for _ in range(3)] == [[2.0, 2.0]] * 3
    SCALE = 3.0
    try:
        assert fn(x).tolist() == [3.0, 3.0]
    finally:
        SCALE = 2.0


def _scaled(x):
    return x * SCALE


def test_a_tensor_made_inside_from_python_state_is_not_baked():
    state = {"n": 0}

    def step(x):
        return x + minigrad.tensor(float(len(str(state))))
    fn = minigrad.compile(step)
    x = minigrad.zeros(1)
    first = [fn(x).item() for _ in range(3)]
    state["n"] = 123456
    assert fn(x).item() == float(len(str(state))) and first == [8.0] * 3


def test_outputs_that_still_need_their_graph_run_eagerly():
    lin = mnn.Linear(3, 1)
    fn = minigrad.compile(lin)
    x = minigrad.ones(2, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            out = fn(x)
            out.sum().backward()
    assert any("backward graph is still needed" in str(w.message) for w in caught)
    assert lin.weight.grad.tolist() == [[6.0, 6.0, 6.0]]
    fn = minigrad.compile(lin)
    with minigrad.no_grad():  # inference: replayed
        for _ in range(3):
            y = fn(x)
    assert fn.__dict__["_compiled"].programs and y.grad_fn is None
    assert y.tolist() == lin(x).tolist()


def test_optimized_module_matches_torch():
    for T in (minigrad, torch):
        T.manual_seed(0)
        m = T.nn.Linear(2, 2)
        cm = T.compile(m)
        assert type(cm).__name__ == "OptimizedModule"
        assert list(cm.state_dict()) == ["_orig_mod.weight", "_orig_mod.bias"]
        assert cm.weight is m.weight and cm._orig_mod is m
    m = mnn.Linear(2, 2)
    m.compile()
    with minigrad.no_grad():
        for _ in range(3):
            m(minigrad.ones(1, 2))
    assert m._compiled_call.programs


@pytest.mark.parametrize("kwargs", [{"mode": "foo"}, {"backend": "foo"},
                                    {"mode": "default", "options": {}}])
def test_argument_errors_match_torch(kwargs):
    def f(x):
        return x
    with pytest.raises(Exception) as expected:
        torch.compile(f, **kwargs)(torch.ones(1))
    with pytest.raises(Exception) as got:
        minigrad.compile(f, **kwargs)(minigrad.ones(1))
    assert isinstance(got.value, RuntimeError) and isinstance(expected.value, RuntimeError)
    assert str(got.value) == str(expected.value)


def test_disable_and_eager_backend():
    def f(x):
        return x * 2
    assert minigrad.compile(f, disable=True) is f
    fn = minigrad.compile(f, backend="eager")
    for _ in range(3):
        fn(minigrad.ones(1))
    assert not fn.programs
    with pytest.raises(AssertionError, match="callable"):
        minigrad.compile(5)


def test_recompile_limit_falls_back_to_eager(monkeypatch):
    monkeypatch.setattr(api.config, "recompile_limit", 2)
    fn = minigrad.compile(lambda x: x + 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 6):
            for _ in range(2):
                assert fn(minigrad.zeros(n)).tolist() == [1.0] * n
    assert any("recompile_limit" in str(w.message) for w in caught)


def test_a_kernel_error_propagates_and_modes_are_restored():
    w = minigrad.ones(3, requires_grad=True)

    def step(idx):
        w.grad = None
        loss = w[idx].sum()
        loss.backward()
        return loss
    fn = minigrad.compile(step)
    for _ in range(3):
        fn(minigrad.tensor([0, 1]))
    with pytest.raises(IndexError):
        fn(minigrad.tensor([0, 7]))
    assert minigrad.is_grad_enabled()
    assert np.geterr()["divide"] == "warn"


def test_rms_norm_gelu_transformer_block_replays():
    def run(compiled):
        minigrad.manual_seed(0)
        layer = mnn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True,
                                            activation="gelu")
        opt = minigrad.optim.AdamW(layer.parameters(), lr=1e-3)

        def step(x):
            opt.zero_grad()
            loss = MF.mse_loss(layer(x), x)
            loss.backward()
            opt.step()
            return loss
        fn = minigrad.compile(step) if compiled else step
        g = minigrad.Generator().manual_seed(5)
        losses = [fn(minigrad.randn(2, 5, 8, generator=g)).item() for _ in range(4)]
        return losses, [p.detach().numpy().tobytes() for p in layer.parameters()], fn
    a, b = run(True), run(False)
    assert a[0] == b[0] and a[1] == b[1]
    assert a[2].programs and not a[2].breaks  # replayed


def test_dynamo_explain_counts_breaks_like_torch():
    def pure(x):
        return (x * 2).sin().sum()

    def reads(x):
        if (x * 2).sum().item() > 0:
            return x + 1
        return x - 1
    for fn, broken in ((pure, False), (reads, True)):
        got = minigrad._dynamo.explain(fn)(minigrad.ones(3))
        torch._dynamo.reset()
        expected = torch._dynamo.explain(fn)(torch.ones(3))
        assert (got.graph_break_count > 0) == (expected.graph_break_count > 0) == broken


def test_compiler_disable_and_reset():
    @minigrad.compiler.disable
    def helper(x):
        return x * 3

    fn = minigrad.compile(lambda x: helper(x) + 1)
    results, breaks = _breaks(fn, minigrad.ones(2))
    assert breaks and "torch.compiler.disable" in breaks[0]
    assert [r.tolist() for r in results] == [[4.0, 4.0]] * 3
    g = minigrad.compile(lambda x: x + 1)
    for _ in range(3):
        g(minigrad.ones(1))
    assert g.programs
    minigrad.compiler.reset()
    assert not g.programs and not minigrad.compiler.is_compiling()


def test_another_threads_ops_during_a_capture_end_it():
    import threading
    release, done = threading.Event(), threading.Event()

    def other():
        release.wait(5)
        minigrad.ones(3) * 2   # an op of another thread, while step is being captured
        done.set()

    def step(x):
        y = x * 1.0
        release.set()
        done.wait(5)
        return y * 1.0
    worker = threading.Thread(target=other)
    worker.start()
    fn = minigrad.compile(step)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        out = fn(minigrad.ones(2))
    worker.join()
    assert out.tolist() == [1.0, 1.0]
    assert fn.breaks and "another thread" in fn.breaks[0][0]


def test_a_replaced_submodule_or_a_new_hook_is_not_replayed_stale():
    model = mnn.Sequential(mnn.Linear(2, 2))
    fn = minigrad.compile(model)
    x = minigrad.ones(1, 2)
    with minigrad.no_grad():
        for _ in range(3):
            fn(x)
        model[0] = mnn.Linear(2, 2)
        assert fn(x).tolist() == model(x).tolist()
        model[0].register_forward_hook(lambda m, i, o: o * 0)
        assert fn(x).tolist() == [[0.0, 0.0]]


def test_a_changed_module_setting_is_not_replayed_stale():
    class Scaled(mnn.Module):
        def __init__(self):
            super().__init__()
            self.scale = 2.0

        def forward(self, x):
            return x * self.scale
    m = Scaled()
    fn = minigrad.compile(m)
    x = minigrad.ones(2)
    assert [fn(x).tolist() for _ in range(3)] == [[2.0, 2.0]] * 3
    m.scale = 5.0
    assert fn(x).tolist() == [5.0, 5.0]


def test_arguments_sharing_memory_capture_again():
    def step(a, b):
        a.add_(1)
        return b * 1
    fn = minigrad.compile(step)
    with minigrad.no_grad():
        for _ in range(3):
            fn(minigrad.zeros(2), minigrad.zeros(2))
        x = minigrad.zeros(2)
        assert fn(x, x).tolist() == [1.0, 1.0]   # b is a: it sees the write


def test_gradient_clipping_replays():
    def run(compiled):
        model, opt = _mlp(minigrad, False, "adamw")

        def step(x, y):
            opt.zero_grad()
            loss = MF.cross_entropy(model(x), y)
            loss.backward()
            minigrad.nn.utils.clip_grad_norm_(model.parameters(), 0.05)
            opt.step()
            return loss
        fn = minigrad.compile(step) if compiled else step
        g = minigrad.Generator().manual_seed(2)
        losses = [fn(minigrad.randn(8, 20, generator=g),
                     minigrad.randint(0, 5, (8,), generator=g)).item() for _ in range(5)]
        return losses, [p.detach().numpy().tobytes() for p in model.parameters()], fn
    a, b = run(True), run(False)
    assert a[0] == b[0] and a[1] == b[1]
    assert a[2].programs and not a[2].breaks
