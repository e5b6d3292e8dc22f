"""optim.lr_scheduler against torch: every scheduler over drawn hyper-parameters, 50 steps with
two param groups, the learning rates (and cycled momenta) compared with ==, state dicts equal and
resumable, warnings and errors as torch's."""
import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error

FAST = settings(max_examples=5, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

lrs = st.floats(1e-4, 2.0)
factors = st.floats(0.05, 1.0)
gammas = st.floats(0.5, 1.0)


def _optimizer(lib, kind="SGD", lr=(0.1, 0.03)):
    params = [lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(3))]
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": lr[1]}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=lr[0], momentum=0.9)
    return lib.optim.Adam(groups, lr=lr[0])


def _lambda_lr(draw):
    a = draw(st.floats(0.5, 1.0))
    return lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [lambda e: a ** e,
                                                             lambda e: 1 / (e + 1)]), "SGD"


def _multiplicative(draw):
    a = draw(gammas)
    return lambda lib, o: lib.optim.lr_scheduler.MultiplicativeLR(o, lambda e: a), "SGD"


def _step(draw):
    size, gamma = draw(st.integers(1, 12)), draw(factors)
    return lambda lib, o: lib.optim.lr_scheduler.StepLR(o, size, gamma), "Adam"


def _multistep(draw):
    milestones, gamma = draw(st.lists(st.integers(1, 45), max_size=6)), draw(factors)
    return lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, milestones, gamma), "SGD"


def _constant(draw):
    factor, total = draw(factors), draw(st.integers(0, 60))
    return lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, factor, total), "SGD"


def _linear(draw):
    start, end, total = draw(st.floats(0.01, 1.0)), draw(factors), draw(st.integers(1, 60))
    return lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start, end, total), "SGD"


def _exponential(draw):
    gamma = draw(gammas)
    return lambda lib, o: lib.optim.lr_scheduler.ExponentialLR(o, gamma), "SGD"


def _polynomial(draw):
    total, power = draw(st.integers(1, 60)), draw(st.floats(0.1, 3.0))
    return lambda lib, o: lib.optim.lr_scheduler.PolynomialLR(o, total, power), "SGD"


def _cosine(draw):
    t_max, eta_min = draw(st.integers(1, 30)), draw(st.sampled_from([0.0, 1e-3]))
    return lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, t_max, eta_min), "SGD"


def _warm_restarts(draw):
    t0, mult, eta_min = draw(st.integers(1, 10)), draw(st.integers(1, 3)), draw(
        st.sampled_from([0.0, 1e-3]))
    return (lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, t0, mult, eta_min)), "SGD"


def _cyclic(draw):
    up, down = draw(st.integers(1, 10)), draw(st.sampled_from([None, 3, 7]))
    mode, gamma = draw(st.sampled_from(["triangular", "triangular2", "exp_range"])), draw(gammas)
    kind = draw(st.sampled_from(["SGD", "Adam"]))
    return (lambda lib, o: lib.optim.lr_scheduler.CyclicLR(
        o, [0.01, 0.001], 0.1, up, down, mode, gamma)), kind


def _one_cycle(draw):
    pct, strategy = draw(st.floats(0.05, 0.95)), draw(st.sampled_from(["cos", "linear"]))
    three, kind = draw(st.booleans()), draw(st.sampled_from(["SGD", "Adam"]))
    total = draw(st.integers(20, 60))
    return (lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, [0.1, 0.5], total_steps=total, pct_start=pct, anneal_strategy=strategy,
        three_phase=three)), kind


def _sequential(draw):
    milestone, gamma, t_max = draw(st.integers(1, 40)), draw(gammas), draw(st.integers(1, 20))

    def make(lib, o):
        s = lib.optim.lr_scheduler
        return s.SequentialLR(o, [s.LinearLR(o, 0.1, total_iters=milestone),
                                  s.CosineAnnealingLR(o, t_max), s.ExponentialLR(o, gamma)],
                              [milestone, milestone + t_max])
    return make, draw(st.sampled_from(["SGD", "Adam"]))


def _chained(draw):
    gamma, size = draw(gammas), draw(st.integers(1, 10))

    def make(lib, o):
        s = lib.optim.lr_scheduler
        return s.ChainedScheduler([s.ExponentialLR(o, gamma), s.StepLR(o, size, 0.5)])
    return make, "SGD"


def _plateau(draw):
    mode, threshold_mode = draw(st.sampled_from(["min", "max"])), draw(
        st.sampled_from(["rel", "abs"]))
    patience, cooldown, factor = draw(st.integers(0, 4)), draw(st.integers(0, 3)), draw(
        st.floats(0.1, 0.9))
    min_lr = draw(st.sampled_from([0, 1e-3, [1e-2, 0]]))
    return (lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(
        o, mode, factor, patience, 1e-2, threshold_mode, cooldown, min_lr)), "SGD"


_MAKERS = {"LambdaLR": _lambda_lr, "MultiplicativeLR": _multiplicative, "StepLR": _step,
           "MultiStepLR": _multistep, "ConstantLR": _constant, "LinearLR": _linear,
           "ExponentialLR": _exponential, "PolynomialLR": _polynomial,
           "CosineAnnealingLR": _cosine, "CosineAnnealingWarmRestarts": _warm_restarts,
           "CyclicLR": _cyclic, "OneCycleLR": _one_cycle, "SequentialLR": _sequential,
           "ChainedScheduler": _chained, "ReduceLROnPlateau": _plateau}


def _hyper(optimizer):
    """What a scheduler may change in each group: lr, momentum, betas."""
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in optimizer.param_groups]


def _run(name, make, kind, steps=50, reload_at=None, seed=0):
    """Both libraries' histories of (rates, group hyper-parameters), ending with the error
    the scheduler raised if any (OneCycleLR past total_steps or with an empty phase), and the
    final state dicts."""
    metrics = np.random.default_rng(seed).random(steps).tolist()
    return [_history(lib, name, make, kind, steps, reload_at, metrics) for lib in (torch,
                                                                                  minigrad)]


def _history(lib, name, make, kind, steps, reload_at, metrics):
    opt = _optimizer(lib, kind)
    history = []
    try:
        sched = make(lib, opt)
        history.append((sched.get_last_lr(), _hyper(opt)))
        for i in range(steps):
            opt.step()
            sched.step(metrics[i]) if name == "ReduceLROnPlateau" else sched.step()
            history.append((list(sched.get_last_lr()), _hyper(opt)))
            if i == reload_at:
                saved = sched.state_dict()
                sched = make(lib, opt)
                sched.load_state_dict(saved)
    except (ValueError, ZeroDivisionError) as e:
        return history + [(type(e).__name__, str(e))], None
    return history, sched.state_dict()


def _assert_same_run(runs):
    (hist_t, state_t), (hist_m, state_m) = runs
    for step, (t, m) in enumerate(zip(hist_t, hist_m)):
        assert t == m, f"step {step}: {m} != torch's {t}"
    assert state_m == state_t


@pytest.mark.parametrize("name", sorted(_MAKERS))
@FAST
@given(data=st.data())
def test_schedule_matches_torch_exactly(name, data):
    make, kind = _MAKERS[name](data.draw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_same_run(_run(name, make, kind))


@pytest.mark.parametrize("name", sorted(_MAKERS))
@FAST
@given(data=st.data(), reload_at=st.integers(0, 48))
def test_state_dict_round_trip_then_continue(name, data, reload_at):
    make, kind = _MAKERS[name](data.draw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_same_run(_run(name, make, kind, reload_at=reload_at))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(_MAKERS))
@SLOW
@given(data=st.data(), reload_at=st.integers(0, 200))
def test_long_schedules_match_torch(name, data, reload_at):
    make, kind = _MAKERS[name](data.draw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_same_run(_run(name, make, kind, steps=200, reload_at=reload_at))


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [(w.category, str(w.message)) for w in caught]


def _same_warnings(fn, at_least_one=True):
    """fn(lib) warns the same (class and message) in both libraries (and at least once)."""
    expected = _warnings_of(lambda: fn(torch))
    assert expected or not at_least_one
    assert _warnings_of(lambda: fn(minigrad)) == expected


def test_warns_when_stepped_before_the_optimizer():
    def run(lib):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        sched.step()
    _same_warnings(run)


def test_no_warning_in_the_right_order():
    def run(lib):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, 0.9)
        opt.step()
        sched.step()
    assert _warnings_of(lambda: run(torch)) == _warnings_of(lambda: run(minigrad)) == []


def test_warns_when_optimizer_step_is_replaced():
    def run(lib):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        opt.step = lambda: None
        sched.step()
    _same_warnings(run)


def test_warns_when_get_lr_is_called_outside_step():
    _same_warnings(lambda lib: lib.optim.lr_scheduler.StepLR(_optimizer(lib), 2).get_lr())


@pytest.mark.parametrize("name, args", [("StepLR", (3, 0.5)), ("MultiStepLR", ([2, 5, 5],)),
                                        ("ExponentialLR", (0.9,)), ("LinearLR", (0.2, 0.9, 7)),
                                        ("ConstantLR", (0.5, 4)), ("PolynomialLR", (6, 2.0)),
                                        ("CosineAnnealingLR", (7, 0.01)),
                                        ("CosineAnnealingWarmRestarts", (3, 2))])
def test_step_with_epoch_uses_the_closed_form_and_warns(name, args):
    def run(lib):
        opt = _optimizer(lib)
        sched = getattr(lib.optim.lr_scheduler, name)(opt, *args)
        rates = []
        for epoch in [3, 1, 8, 8, 20, 2]:
            opt.step()
            sched.step(epoch)
            rates.append(sched.get_last_lr())
        return rates
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(minigrad) == run(torch)
    # CosineAnnealingWarmRestarts takes fractional epochs without a deprecation warning
    _same_warnings(run, at_least_one=name != "CosineAnnealingWarmRestarts")


def test_resuming_with_last_epoch():
    """last_epoch >= 0 needs 'initial_lr' in each group (KeyError otherwise); the resumed
    cosine starts from its closed form."""
    def run(lib):
        opt = _optimizer(lib)
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"] * 2
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, 10, last_epoch=4)
        rates = [sched.get_last_lr()]
        for _ in range(8):
            opt.step()
            sched.step()
            rates.append(sched.get_last_lr())
        return rates
    assert run(minigrad) == run(torch)
    assert_same_error(lambda: minigrad.optim.lr_scheduler.StepLR(_optimizer(minigrad), 2, 0.1, 3),
                      lambda: torch.optim.lr_scheduler.StepLR(_optimizer(torch), 2, 0.1, 3))


_BAD = [
    ("ConstantLR", lambda s, o: s.ConstantLR(o, factor=1.5)),
    ("LinearLR", lambda s, o: s.LinearLR(o, start_factor=0)),
    ("LinearLR", lambda s, o: s.LinearLR(o, end_factor=2)),
    ("CosineAnnealingWarmRestarts", lambda s, o: s.CosineAnnealingWarmRestarts(o, 0)),
    ("CosineAnnealingWarmRestarts", lambda s, o: s.CosineAnnealingWarmRestarts(o, 2, 0)),
    ("CosineAnnealingWarmRestarts", lambda s, o: s.CosineAnnealingWarmRestarts(o, 2, 1, "x")),
    ("CyclicLR", lambda s, o: s.CyclicLR(o, 0.1, 1.0, mode="square")),
    ("OneCycleLR", lambda s, o: s.OneCycleLR(o, 0.1)),
    ("OneCycleLR", lambda s, o: s.OneCycleLR(o, 0.1, total_steps=0)),
    ("OneCycleLR", lambda s, o: s.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1)),
    ("OneCycleLR", lambda s, o: s.OneCycleLR(o, 0.1, total_steps=10, pct_start=1)),
    ("OneCycleLR", lambda s, o: s.OneCycleLR(o, 0.1, 10, anneal_strategy="exp")),
    ("OneCycleLR", lambda s, o: s.OneCycleLR(o, [0.1], 10)),
    ("ReduceLROnPlateau", lambda s, o: s.ReduceLROnPlateau(o, factor=1.0)),
    ("ReduceLROnPlateau", lambda s, o: s.ReduceLROnPlateau(o, mode="up")),
    ("ReduceLROnPlateau", lambda s, o: s.ReduceLROnPlateau(o, threshold_mode="x")),
    ("ReduceLROnPlateau", lambda s, o: s.ReduceLROnPlateau(o, min_lr=[0.1])),
    ("LambdaLR", lambda s, o: s.LambdaLR(o, [lambda e: 1.0])),
    ("MultiplicativeLR", lambda s, o: s.MultiplicativeLR(o, 0.9)),
    ("StepLR", lambda s, o: s.StepLR(object(), 2)),
    ("SequentialLR", lambda s, o: s.SequentialLR(o, [], [])),
    ("SequentialLR", lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2)], [3])),
    ("SequentialLR", lambda s, o: s.SequentialLR(o, [s.ReduceLROnPlateau(o)], [])),
    ("ChainedScheduler", lambda s, o: s.ChainedScheduler([])),
    ("ChainedScheduler", lambda s, o: s.ChainedScheduler([object()])),
]


@pytest.mark.parametrize("case", range(len(_BAD)), ids=lambda i: _BAD[i][0])
def test_errors_match_torch(case):
    make = _BAD[case][1]
    assert_same_error(lambda: make(minigrad.optim.lr_scheduler, _optimizer(minigrad)),
                      lambda: make(torch.optim.lr_scheduler, _optimizer(torch)))


def test_cycle_momentum_needs_a_momentum():
    def make(lib):
        opt = lib.optim.Adagrad([lib.nn.Parameter(lib.ones(1))])
        return lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)
    assert_same_error(lambda: make(minigrad), lambda: make(torch))


def test_reduce_on_plateau_after_a_new_param_group():
    def run(lib, min_lr):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=min_lr)
        opt.add_param_group({"params": [lib.nn.Parameter(lib.ones(1))], "lr": 0.5})
        for metric in [1.0, 2.0, 3.0]:
            sched.step(metric)
        return sched.get_last_lr()
    assert run(minigrad, 1e-3) == run(torch, 1e-3)
    assert_same_error(lambda: run(minigrad, [0.0, 0.0]), lambda: run(torch, [0.0, 0.0]))


def test_callable_object_lambdas_keep_their_state():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate ** epoch

    def run(lib):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.LambdaLR(opt, Decay())
        saved = sched.state_dict()
        saved["lr_lambdas"][0]["rate"] = 0.25
        sched.load_state_dict(saved)
        opt.step()
        sched.step()
        return saved["lr_lambdas"], sched.get_last_lr()
    assert run(minigrad) == run(torch)


def test_cosine_rates_follow_the_closed_form_closely():
    """The recursive form drifts from the closed form only by rounding."""
    opt = _optimizer(minigrad)
    sched = minigrad.optim.lr_scheduler.CosineAnnealingLR(opt, 10)
    for epoch in range(1, 31):
        opt.step()
        sched.step()
        expected = 0.1 * (1 + math.cos(math.pi * epoch / 10)) / 2
        assert sched.get_last_lr()[0] == pytest.approx(expected, abs=1e-15)


def test_import_forms_under_the_torch_alias():
    """``from torch.optim.lr_scheduler import StepLR`` and ``torch.optim.lr_scheduler``."""
    import subprocess
    import sys
    code = ("import torch\nfrom torch.optim.lr_scheduler import StepLR\n"
            "import torch.optim.lr_scheduler as s\n"
            "assert StepLR is s.StepLR is torch.optim.lr_scheduler.StepLR\n"
            "print(torch.__name__, StepLR.__module__)")
    out = subprocess.run([sys.executable, "-c", "from minigrad import torch_alias; "
                          "torch_alias.install(); exec(" + repr(code) + ")"],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["minigrad", "minigrad.optim.lr_scheduler"]
