"""Grad mode and the backward walk are per thread, as in torch: one thread inside no_grad (or
running backward) leaves recording on in every other thread."""
import sys
import threading

import numpy as np
import pytest
import torch

import minigrad


@pytest.fixture
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)   # threads interleave between almost every bytecode
    yield
    sys.setswitchinterval(old)


def _train_in_threads(lib, n_threads=4, steps=60):
    """Each thread trains its own linear model, alternating no_grad evaluation, enable_grad
    inside no_grad, and backward; returns (failures, final losses)."""
    failures, losses = [], [None] * n_threads
    start = threading.Barrier(n_threads)

    def work(k):
        rng = np.random.default_rng(k)
        x = lib.tensor(rng.standard_normal((16, 3)))
        y = x @ lib.tensor([1.0, -2.0, 0.5], dtype=x.dtype) + 0.1
        w = lib.zeros(3, dtype=x.dtype, requires_grad=True)
        start.wait()
        for step in range(steps):
            try:
                with lib.no_grad():
                    if lib.is_grad_enabled():
                        raise AssertionError("no_grad did not turn recording off")
                    ((x @ w - y) ** 2).mean()
                    with lib.enable_grad():
                        if not (x @ w).requires_grad:
                            raise AssertionError("enable_grad inside no_grad did not record")
                loss = ((x @ w - y) ** 2).mean()
                if loss.grad_fn is None:
                    raise AssertionError("recording was off outside no_grad")
                loss.backward()
                with lib.no_grad():
                    w -= 0.1 * w.grad
                w.grad = None
                losses[k] = float(loss)
            except Exception as e:  # noqa: BLE001 - every failure is counted and reported
                failures.append(f"thread {k} step {step}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if None in losses:
        failures.append("a thread ended before its first step")
    return failures, losses


@pytest.mark.parametrize("trial", range(3))
def test_threads_training_with_no_grad_never_interfere(fast_switching, trial):
    fail_mg, loss_mg = _train_in_threads(minigrad)
    fail_th, loss_th = _train_in_threads(torch)
    assert fail_th == []
    assert fail_mg == [], fail_mg[:5]
    np.testing.assert_allclose(loss_mg, loss_th, rtol=1e-10)
    assert minigrad.is_grad_enabled()


def _grad_mode_seen_from_another_thread(lib):
    """(what a new thread sees, what the main thread sees) while a third holds no_grad."""
    seen = []
    inside, release = threading.Event(), threading.Event()

    def hold_no_grad():
        with lib.no_grad():
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=hold_no_grad)
    holder.start()
    inside.wait(5)
    looker = threading.Thread(target=lambda: seen.append(lib.is_grad_enabled()))
    looker.start()
    looker.join()
    main_enabled = lib.is_grad_enabled()
    release.set()
    holder.join()
    return seen[0], main_enabled


def test_grad_mode_is_per_thread_and_new_threads_start_enabled():
    assert _grad_mode_seen_from_another_thread(torch) == (True, True)
    assert _grad_mode_seen_from_another_thread(minigrad) == (True, True)


def test_set_grad_enabled_in_a_thread_does_not_leak():
    for lib in (minigrad, torch):
        t = threading.Thread(target=lambda lib=lib: lib.set_grad_enabled(False))
        t.start()
        t.join()
        assert lib.is_grad_enabled()

