"""LBFGS against torch: the same closure (the Rosenbrock function, a least-squares fit)
minimised in both libraries, with and without the strong-Wolfe line search, in float32 and
float64: parameters within 1e-6 relative after each step (torch's dot products sum in another
order), the closure-call counts equal, state keys as torch's; a model trained end to end;
errors."""
import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_same_error

CASES = [{}, {"lr": 0.1, "history_size": 3}, {"line_search_fn": "strong_wolfe"},
         {"line_search_fn": "strong_wolfe", "max_iter": 5, "history_size": 2}]


def _rosenbrock(z):
    """f = (1 - z0)² + 100 (z1 - z0²)² and its gradient, in z's dtype."""
    one = z.dtype.type(1)
    inner = z[1] - z[0] ** 2
    loss = (one - z[0]) ** 2 + z.dtype.type(100) * inner ** 2
    return loss, np.array([-2 * (one - z[0]) - 400 * z[0] * inner, 200 * inner], z.dtype)


def _least_squares(w):
    """f = mean((X w - y)²) over 30 fixed rows, and its gradient 2 X^T (X w - y) / 30."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, w.size)).astype(w.dtype)
    residual = x @ w - rng.standard_normal(30).astype(w.dtype)
    return (residual ** 2).mean(), x.T @ residual * w.dtype.type(2 / 30)


PROBLEMS = {"rosenbrock": (_rosenbrock, [-1.2, 1.0]),
            "least_squares": (_least_squares, [0.5, -1.0, 2.0, 0.1])}


def _run(lib, problem, dtype, kwargs, steps=3):
    """LBFGS on a closure that computes the loss and gradient in NumPy (the same numbers for
    both libraries, as the other optimizers' tests inject gradients): the parameters, losses
    and closure-call counts after each step, and the optimizer."""
    fn, start = PROBLEMS[problem]
    p = lib.nn.Parameter(lib.from_numpy(np.array(start, dtype)))
    opt = lib.optim.LBFGS([p], **kwargs)
    calls = []

    def closure():
        loss, grad = fn(p.detach().numpy().copy())
        p.grad = lib.from_numpy(grad)
        calls.append(float(loss))
        return lib.tensor(loss)

    history = []
    for _ in range(steps):
        loss = opt.step(closure)
        history.append((p.detach().numpy().copy(), float(loss), len(calls)))
    return history, opt


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_lbfgs_follows_torch(problem, dtype, kwargs):
    """float32: only the first iterations, while the steps are far above float32's resolution
    (near the minimum, tests like |loss - prev_loss| < tolerance_change decide on the last
    bit of a float32 loss, where the two libraries' dot products may differ)."""
    steps = 3
    if dtype == np.float32:
        kwargs, steps = dict(kwargs, max_iter=min(kwargs.get("max_iter", 20), 4)), 1
    (hist_m, opt_m), (hist_t, opt_t) = (_run(lib, problem, dtype, kwargs, steps)
                                        for lib in (minigrad, torch))
    for (pm, loss_m, calls_m), (pt, loss_t, calls_t) in zip(hist_m, hist_t):
        assert calls_m == calls_t
        np.testing.assert_allclose(loss_m, loss_t, rtol=1e-6)
        assert pm.dtype == pt.dtype
        np.testing.assert_allclose(pm, pt, rtol=1e-6, atol=1e-7)
    sm, st = opt_m.state_dict(), opt_t.state_dict()
    assert sm["param_groups"] == st["param_groups"]
    assert list(sm["state"][0]) == list(st["state"][0])
    for key in ("func_evals", "n_iter"):
        assert sm["state"][0][key] == st["state"][0][key]
    assert len(sm["state"][0]["old_dirs"]) == len(st["state"][0]["old_dirs"])


def _train_model(lib):
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((30, 4)))
    y = lib.from_numpy(rng.standard_normal((30, 2)))
    w = lib.nn.Parameter(lib.from_numpy(rng.standard_normal((4, 2)) * 0.5))
    opt = lib.optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=10)

    def closure():
        opt.zero_grad()
        loss = ((lib.tanh(x @ w) - y) ** 2).mean()
        loss.backward()
        return loss
    for _ in range(2):
        opt.step(closure)
    return w.detach().numpy()


def test_lbfgs_trains_a_model_like_torch():
    """End to end in float64: the closure runs a model, so each library's own ops give the
    gradients."""
    np.testing.assert_allclose(_train_model(minigrad), _train_model(torch), rtol=1e-6)


def test_lbfgs_defaults_repr_and_errors():
    def make(lib, **kw):
        return lib.optim.LBFGS([lib.nn.Parameter(lib.ones(2))], **kw)
    assert repr(make(minigrad)) == repr(make(torch))
    assert make(minigrad, max_iter=8).defaults == make(torch, max_iter=8).defaults
    assert_same_error(lambda: make(minigrad, lr=-1), lambda: make(torch, lr=-1))
    groups = lambda lib: [{"params": [lib.nn.Parameter(lib.ones(1))]},  # noqa: E731
                          {"params": [lib.nn.Parameter(lib.ones(1))]}]
    assert_same_error(lambda: minigrad.optim.LBFGS(groups(minigrad)),
                      lambda: torch.optim.LBFGS(groups(torch)))

    def bad_search(lib):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.LBFGS([p], line_search_fn="armijo")

        def closure():
            opt.zero_grad()
            loss = (p * p).sum()
            loss.backward()
            return loss
        opt.step(closure)
    assert_same_error(lambda: bad_search(minigrad), lambda: bad_search(torch))


def _minimise_at_the_minimum(lib):
    p = lib.nn.Parameter(lib.zeros(2))
    opt = lib.optim.LBFGS([p])

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    return float(opt.step(closure)), opt.state[p]


def test_lbfgs_stops_at_once_when_the_gradient_is_small():
    for lib in (minigrad, torch):
        loss, state = _minimise_at_the_minimum(lib)
        assert loss == 0.0 and state == {"func_evals": 1, "n_iter": 0}
