"""minigrad/_buffers.py: kept work arrays are handed out again only when nothing else holds them
(no view, Tensor, saved context or other thread can see its values change), within their
bounds; and the LSTM layer and the joined optimizer steps that use them still give torch's
numbers when the user keeps earlier steps' results alive."""
import threading
import tracemalloc

import numpy as np
import pytest
import torch

import minigrad
from minigrad import _buffers
from helpers import assert_tensor_equal

SHAPE = (64, 512)  # 128 KiB of float32: kept


@pytest.fixture(autouse=True)
def _fresh_buffers():
    _buffers.clear()
    yield
    _buffers.clear()


def test_empty_is_like_numpy_empty():
    for shape, dtype in [(SHAPE, np.float32), ((3, 5), np.float64), ((1 << 15,), np.int64),
                         ((0, 100000), np.float32)]:
        a = _buffers.empty(shape, dtype)
        assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous
        assert a.flags.owndata and a.flags.writeable


def test_an_array_in_use_is_never_handed_out_again():
    a = _buffers.empty(SHAPE, np.float32)
    a[...] = 7
    holders = {"array": a, "view": a[3], "transpose": a.T, "reshaped": a.reshape(-1),
               "tensor": minigrad.from_numpy(a), "memoryview": memoryview(a)}
    del a
    for name in list(holders):
        seen = holders.pop(name)
        others = [_buffers.empty(SHAPE, np.float32) for _ in range(3)]
        for other in others:
            assert not np.shares_memory(other, seen if name != "memoryview"
                                        else np.asarray(seen)), name
            other[...] = -1
        assert (np.asarray(seen) == 7).all(), name
        del others, seen


def test_a_free_array_is_handed_out_again():
    a = _buffers.empty(SHAPE, np.float32)
    address = a.ctypes.data
    del a
    assert _buffers.empty(SHAPE, np.float32).ctypes.data == address
    small = _buffers.empty((4, 4), np.float32)   # below MIN_BYTES: a fresh array every time
    assert _buffers.kept_bytes() == np.prod(SHAPE) * 4
    del small


def test_bounds_per_key_and_in_total(monkeypatch):
    held = [_buffers.empty(SHAPE, np.float32) for _ in range(_buffers.PER_KEY + 3)]
    assert _buffers.kept_bytes() == _buffers.PER_KEY * held[0].nbytes
    del held
    monkeypatch.setattr(_buffers, "TOTAL_BYTES", 3 * (1 << 17))
    arrays = [_buffers.empty((1 << 15,), np.float32) for _ in range(6)]   # 128 KiB each
    assert _buffers.kept_bytes() <= _buffers.TOTAL_BYTES
    assert all(a.shape == (1 << 15,) for a in arrays)
    _buffers.clear()
    assert _buffers.kept_bytes() == 0


def test_each_thread_keeps_its_own_arrays():
    a = _buffers.empty(SHAPE, np.float32)
    address = a.ctypes.data
    del a
    got = []
    thread = threading.Thread(target=lambda: got.append(_buffers.empty(SHAPE, np.float32)))
    thread.start()
    thread.join()
    assert got[0].ctypes.data != address


def _lstm_run(lib, steps, keep_graph):
    """Run an LSTM for a few steps on different inputs, keeping every step's output, final
    state and loss. Without keep_graph each step trains (SGD); with it the parameters stay as
    they are, every graph is retained, and at the end each step's graph is differentiated once
    more (from its saved arrays)."""
    lib.manual_seed(0)
    lstm, head = lib.nn.LSTM(8, 48), lib.nn.Linear(48, 1)
    opt = lib.optim.SGD(list(lstm.parameters()) + list(head.parameters()), lr=0.1)
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((30, 16, 8)).astype(np.float32))
    y = lib.from_numpy(rng.standard_normal((30, 16, 1)).astype(np.float32))
    kept = []
    for step in range(steps):
        out, (h, c) = lstm(x * (step + 1))
        loss = lib.nn.functional.mse_loss(head(out), y)
        opt.zero_grad()
        loss.backward(retain_graph=keep_graph)
        if not keep_graph:
            opt.step()
        kept.append((out, h, c, loss))
    grads_again = []
    for *_, loss in kept if keep_graph else ():
        opt.zero_grad()
        loss.backward(retain_graph=True)
        grads_again += [p.grad.clone() for p in lstm.parameters()]
    return kept, grads_again, list(lstm.parameters())


@pytest.mark.parametrize("keep_graph", [False, True])
def test_lstm_results_kept_by_the_user_stay_intact(keep_graph):
    mg, mg_again, mg_params = _lstm_run(minigrad, 4, keep_graph)
    th, th_again, th_params = _lstm_run(torch, 4, keep_graph)
    for step_mg, step_th in zip(mg, th):
        for a, b in zip(step_mg, step_th):
            assert_tensor_equal(a.detach(), b.detach(), rtol=1e-4, atol=1e-5)
    for a, b in zip(mg_again + mg_params, th_again + th_params):
        assert_tensor_equal(a.detach(), b.detach(), rtol=1e-4, atol=1e-5)


def test_lstm_reuses_its_arrays_from_step_to_step():
    """After the first steps, a step asks the allocator for no new kept array."""
    _lstm_run(minigrad, 3, keep_graph=False)
    before = _buffers.kept_bytes()
    _lstm_run(minigrad, 3, keep_graph=False)
    assert 0 < before == _buffers.kept_bytes()


def _w5_step(x):
    x.grad = None
    ((x * x + 1).log() * x.exp().sqrt()).sum().backward()


def test_a_repeated_elementwise_step_makes_no_new_large_arrays():
    """W5's expression, forward and backward: from the second step on, every large array comes
    from the kept ones (no new allocation of the leaf's size), and the gradient is torch's."""
    values = np.linspace(0.5, 2, 40_000, dtype=np.float32)
    x = minigrad.from_numpy(values.copy()).requires_grad_()
    _w5_step(x)
    tracemalloc.start()
    try:
        _w5_step(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.1 * values.nbytes
    t = torch.from_numpy(values.copy()).requires_grad_()
    _w5_step(t)
    assert_tensor_equal(x.grad, t.grad, rtol=1e-6, atol=0)


def _conv_run(lib, steps):
    """A small convolutional training step (conv, relu, max pool, padding) run a few times with
    SGD, keeping every step's activations and loss."""
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Conv2d(3, 8, 3, padding=1), lib.nn.ReLU(),
                            lib.nn.MaxPool2d(2), lib.nn.Conv2d(8, 4, 3))
    opt = lib.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    x = lib.from_numpy(np.random.default_rng(1).standard_normal((16, 3, 24, 24))
                       .astype(np.float32))
    kept = []
    for _ in range(steps):
        out = net(x)
        loss = (out * out).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        kept.append((out, loss))
    return kept, list(net.parameters())


def test_conv_results_kept_by_the_user_stay_intact():
    (mg, mg_params), (th, th_params) = _conv_run(minigrad, 4), _conv_run(torch, 4)
    for step_mg, step_th in zip(mg, th):
        for a, b in zip(step_mg, step_th):
            assert_tensor_equal(a.detach(), b.detach(), rtol=1e-4, atol=1e-5)
    for a, b in zip(mg_params, th_params):
        assert_tensor_equal(a.detach(), b.detach(), rtol=1e-4, atol=1e-5)


def test_fuzzed_graphs_agree_with_torch_when_every_array_is_kept(monkeypatch):
    """The fuzzer's random graphs (forward, backward, in-place ops, views) with every array the
    ops ask for taken from kept ones, however small: a kept array written while anything still
    held it would show as a difference from torch."""
    import io

    from compare import fuzz
    monkeypatch.setattr(_buffers, "MIN_BYTES", 0)
    out = io.StringIO()
    assert fuzz.fuzz(seed=11, count=300, out=out) == 0, out.getvalue()
    assert "300 graphs, 300 agree" in out.getvalue()
    assert _buffers.kept_bytes() > 0


@pytest.mark.parametrize("rows,inner,cols", [(64, 784, 256), (16, 64, 1024), (1, 300, 256),
                                             (64, 256, 1024)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_of_a_short_batch_is_the_plain_product(rows, inner, cols, dtype):
    """A Linear on a short batch is computed as the transposed product (ops/linalg.py,
    ``_short_times_transposed``): the same bits as NumPy's plain product, row-major, and torch's
    values and gradients."""
    from minigrad.ops import linalg
    rng = np.random.default_rng(rows + cols)
    x = rng.standard_normal((rows, inner)).astype(dtype)
    w = rng.standard_normal((cols, inner)).astype(dtype)
    assert linalg._short_times_transposed(x, w.T)
    got = linalg._mm_product(x, w.T)
    assert got.flags.c_contiguous and got.tobytes() == np.matmul(x, w.T).tobytes()
    outs = []
    for lib in (minigrad, torch):
        xt, wt = lib.from_numpy(x.copy()).requires_grad_(), lib.from_numpy(w.copy())
        y = lib.nn.functional.linear(xt, wt.requires_grad_())
        (y * lib.from_numpy(np.cos(np.arange(rows * cols)).reshape(rows, cols).astype(dtype))
         ).sum().backward()
        outs.append((y, xt.grad, wt.grad))
    tol = {"rtol": 1e-4, "atol": 1e-3} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-9}
    for a, b in zip(*outs):
        assert_tensor_equal(a.detach(), b.detach(), **tol)
