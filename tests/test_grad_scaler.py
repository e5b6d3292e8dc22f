"""torch.amp.GradScaler: the CUDA scaler disabled with torch's warning (a pass-through), and the
CPU scaler scaling, unscaling, skipping steps on inf/NaN and moving its scale as torch's does."""
import warnings

import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_tensor_equal, catch


def _setup(lib, scaler_args):
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 2)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scaler = lib.amp.GradScaler(*scaler_args)
    return model, optimizer, scaler, [str(w.message) for w in caught]


def _train(lib, scaler_args, poison_steps=(), interval=None):
    """Steps of scaled training; poison_steps put an inf into the loss on those steps."""
    model, optimizer, scaler, warned = _setup(lib, scaler_args)
    if interval is not None:
        scaler.set_growth_interval(interval)
    x = lib.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))
    record = []
    for step in range(6):
        optimizer.zero_grad()
        loss = model(x).pow(2).mean()
        if step in poison_steps:
            loss = loss * float("inf")
        scaled = scaler.scale(loss)
        scaled.backward()
        scaler.unscale_(optimizer)
        grad = model.weight.grad.clone()
        result = scaler.step(optimizer)
        scaler.update()
        record.append((float(scaled.detach()), grad, model.weight.detach().clone(), result,
                       scaler.get_scale(), scaler.state_dict()))
    return warned, record, scaler.is_enabled()


@pytest.mark.parametrize("scaler_args,poison,interval", [
    ((), (), None),                       # cuda: disabled, with torch's warning
    (("cpu",), (), None), (("cpu",), (1, 2), None), (("cpu",), (3,), 2),
    (("cpu", 4.0, 3.0, 0.25, 2), (0,), None)])
def test_scaled_training_matches_torch(scaler_args, poison, interval):
    (got_warned, got, got_enabled), (expected_warned, expected, expected_enabled) = (
        _train(lib, scaler_args, poison, interval) for lib in (minigrad, torch))
    assert got_warned == expected_warned and got_enabled == expected_enabled
    for g, e in zip(got, expected):
        assert g[0] == e[0] or (np.isnan(g[0]) and np.isnan(e[0])) or g[0] == pytest.approx(e[0])
        assert_tensor_equal(g[1], e[1])
        assert_tensor_equal(g[2], e[2])
        assert g[3:] == e[3:]


def test_scale_of_nested_outputs_and_errors():
    for lib in (torch, minigrad):
        scaler = lib.amp.GradScaler("cpu", init_scale=8.0)
        a, (b,) = scaler.scale([lib.ones(2), (lib.ones(1),)])
        assert a.tolist() == [8.0, 8.0] and b.tolist() == [8.0]

    def twice_unscaled(t):
        model, optimizer, scaler, _ = _setup(t, ("cpu",))
        scaler.scale(model(t.ones(1, 3)).sum()).backward()
        scaler.unscale_(optimizer)
        scaler.unscale_(optimizer)

    def stepped_twice(t):
        model, optimizer, scaler, _ = _setup(t, ("cpu",))
        scaler.scale(model(t.ones(1, 3)).sum()).backward()
        scaler.step(optimizer)
        scaler.step(optimizer)

    def empty_state(t):
        t.amp.GradScaler("cpu").load_state_dict({})

    for run in (twice_unscaled, stepped_twice, empty_state):
        assert catch(lambda run=run: run(minigrad)) == catch(lambda run=run: run(torch))


def test_state_dict_round_trip():
    for lib in (torch, minigrad):
        source = lib.amp.GradScaler("cpu", init_scale=32.0, growth_interval=7)
        target = lib.amp.GradScaler("cpu")
        target.load_state_dict(source.state_dict())
        assert target.state_dict() == source.state_dict()
