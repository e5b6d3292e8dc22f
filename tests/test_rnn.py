"""nn.RNN / LSTM / GRU, their cells and nn.utils.rnn against torch: outputs, final states,
grad_fn names, gradients of the input, initial states and every parameter over drawn
configurations (layers, directions, batch_first, bias, proj_size, dropout in training, unbatched
input, packed batches), float32 and float64, default init as bytes, errors."""
import functools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check

TOL = {np.float32: {"rtol": 1e-4, "atol": 2e-5}, np.float64: {"rtol": 1e-9, "atol": 1e-11}}


def _flatten(x):
    if isinstance(x, tuple):
        return [t for item in x for t in _flatten(item)]
    return [x]


def _compare(make, call, arrays, dtype, seed, train=False):
    """make(lib) -> module; call(lib, module, *tensors) -> outputs. Same seed in both: outputs,
    grad_fn names and every gradient (inputs and parameters) agree."""
    res = []
    for lib in (minigrad, torch):
        lib.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = make(lib)
            if dtype == np.float64:
                m = m.double()
            m.train(train)
            ts = [None if a is None else lib.from_numpy(a.copy()) for a in arrays]
            for t in ts:
                if t is not None and t.is_floating_point():
                    t.requires_grad_()
            outs = [o for o in _flatten(call(lib, m, *ts)) if isinstance(o, lib.Tensor)
                    and o.is_floating_point()]
            total = sum((o * lib.from_numpy(np.cos(np.arange(o.numel())).reshape(
                tuple(o.shape)).astype(dtype))).sum() for o in outs)
            total.backward()
        grads = [t.grad for t in ts if t is not None and t.requires_grad]
        res.append((m, outs, grads + [p.grad for p in m.parameters()]))
    (m_mg, o_mg, g_mg), (m_th, o_th, g_th) = res
    assert repr(m_mg) == repr(m_th)
    assert [n for n, _ in m_mg.named_parameters()] == [n for n, _ in m_th.named_parameters()]
    for a, b in zip(o_mg, o_th):
        assert_tensor_equal(a, b, **TOL[dtype])
        assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__
    assert len(g_mg) == len(g_th)
    for a, b in zip(g_mg, g_th):
        assert (a is None) == (b is None)
        if b is not None:
            assert_tensor_equal(a, b, **TOL[dtype])


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=6, deadline=None)
@given(layers=st.integers(1, 2), bidirectional=st.booleans(), batch_first=st.booleans(),
       bias=st.booleans(), proj=st.booleans(), with_state=st.booleans(), unbatched=st.booleans(),
       dropout=st.sampled_from([0.0, 0.4]), relu=st.booleans(), T=st.integers(1, 4),
       seed=st.integers(0, 2**16))
def test_recurrent_layers_match_torch(mode, dtype, layers, bidirectional, batch_first, bias,
                                      proj, with_state, unbatched, dropout, relu, T, seed):
    rng = np.random.default_rng(seed)
    N, I, H = 3, 4, 5
    kwargs = {"num_layers": layers, "bidirectional": bidirectional, "batch_first": batch_first,
              "bias": bias, "dropout": dropout if layers > 1 else 0.0}
    if mode == "LSTM" and proj:
        kwargs["proj_size"] = 2
    if mode == "RNN" and relu:
        kwargs["nonlinearity"] = "relu"
    shape = (T, I) if unbatched else ((N, T, I) if batch_first else (T, N, I))
    arrays = [rng.standard_normal(shape).astype(dtype)]
    if with_state:
        D = layers * (2 if bidirectional else 1)
        lead = (D,) if unbatched else (D, N)
        arrays.append(rng.standard_normal(lead + (kwargs.get("proj_size") or H,)).astype(dtype))
        if mode == "LSTM":
            arrays.append(rng.standard_normal(lead + (H,)).astype(dtype))

    def call(lib, m, x, *state):
        if not state:
            return m(x)
        return m(x, tuple(state) if mode == "LSTM" else state[0])
    _compare(lambda lib: getattr(lib.nn, mode)(I, H, **kwargs), call, arrays, dtype, seed,
             train=dropout > 0)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_through_recurrent_layers(mode, enforce_sorted):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 2)).astype(np.float32)
    lengths = [4, 3, 1] if enforce_sorted else [3, 4, 1]

    def call(lib, m, x):
        R = lib.nn.utils.rnn
        packed = R.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
        out, state = m(packed)
        padded, lens = R.pad_packed_sequence(out, total_length=5)
        assert lens.tolist() == lengths
        return padded, state
    _compare(lambda lib: getattr(lib.nn, mode)(2, 3, num_layers=2, bidirectional=True), call,
             [x], np.float32, 0)


def test_rnn_utils_match_torch():
    rng = np.random.default_rng(2)
    seqs = [rng.standard_normal((n, 2)).astype(np.float32) for n in (2, 5, 3)]
    for batch_first in (False, True):
        for side in ("right", "left"):
            got = minigrad.nn.utils.rnn.pad_sequence([minigrad.from_numpy(s) for s in seqs],
                                                     batch_first, -1.0, side)
            expected = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(s) for s in seqs],
                                                       batch_first, -1.0, side)
            assert_tensor_equal(got, expected)
    res = []
    for lib in (minigrad, torch):
        ts = [lib.from_numpy(s.copy()).requires_grad_() for s in seqs]
        packed = lib.nn.utils.rnn.pack_sequence(ts, enforce_sorted=False)
        padded, lengths = lib.nn.utils.rnn.pad_packed_sequence(packed, batch_first=True)
        (padded * padded).sum().backward()
        res.append((packed.data, packed.batch_sizes, packed.sorted_indices,
                    packed.unsorted_indices, padded, lengths, *[t.grad for t in ts]))
        unpacked = lib.nn.utils.rnn.unpack_sequence(packed)
        assert [tuple(u.shape) for u in unpacked] == [(2, 2), (5, 2), (3, 2)]
    for a, b in zip(*res):
        assert_tensor_equal(a, b)
    assert type(res[0][0].grad_fn).__name__ == type(res[1][0].grad_fn).__name__


RNN_ERRORS = {
    "hidden_batch": lambda L: L.nn.LSTM(4, 6)(L.ones(5, 3, 4), (L.zeros(1, 2, 6),
                                                               L.zeros(1, 3, 6))),
    "cell_size": lambda L: L.nn.LSTM(4, 6)(L.ones(5, 3, 4), (L.zeros(1, 3, 6),
                                                            L.zeros(1, 3, 5))),
    "dtype": lambda L: L.nn.LSTM(4, 6)(L.ones(5, 3, 4, dtype=L.float64)),
    "rank": lambda L: L.nn.LSTM(4, 6)(L.ones(5, 3, 4, 2)),
    "features": lambda L: L.nn.LSTM(4, 6)(L.ones(5, 3, 5)),
    "gru_hidden": lambda L: L.nn.GRU(4, 6)(L.ones(5, 3, 4), L.zeros(2, 3, 6)),
    "unbatched_state": lambda L: L.nn.LSTM(4, 6)(L.ones(5, 4), (L.zeros(1, 1, 6),
                                                               L.zeros(1, 1, 6))),
    "proj": lambda L: L.nn.LSTM(4, 6, proj_size=6),
    "nonlinearity": lambda L: L.nn.RNN(4, 6, nonlinearity="sig"),
    "cell_input": lambda L: L.nn.RNNCell(4, 6)(L.ones(3, 5)),
    "cell_batch": lambda L: L.nn.LSTMCell(4, 6)(L.ones(3, 4), (L.zeros(2, 6), L.zeros(3, 6))),
    "unsorted": lambda L: L.nn.utils.rnn.pack_padded_sequence(L.ones(4, 3, 2), [2, 4, 1]),
    "zero_length": lambda L: L.nn.utils.rnn.pack_padded_sequence(L.ones(4, 3, 2), [4, 2, 0]),
    "total_length": lambda L: L.nn.utils.rnn.pad_packed_sequence(
        L.nn.utils.rnn.pack_padded_sequence(L.ones(4, 3, 2), [4, 2, 1]), total_length=2),
}


@pytest.mark.parametrize("case", sorted(RNN_ERRORS))
def test_recurrent_errors_match_torch(case):
    assert_same_error(functools.partial(RNN_ERRORS[case], minigrad),
                      functools.partial(RNN_ERRORS[case], torch))


def test_dropout_warning_and_reprs():
    for kwargs in ({"dropout": 0.5}, {"num_layers": 2, "dropout": 0.5, "bias": False},
                   {"proj_size": 2, "batch_first": True, "bidirectional": True}):
        with warnings.catch_warnings(record=True) as w_mg:
            warnings.simplefilter("always")
            m_mg = minigrad.nn.LSTM(3, 4, **kwargs)
        with warnings.catch_warnings(record=True) as w_th:
            warnings.simplefilter("always")
            m_th = torch.nn.LSTM(3, 4, **kwargs)
        assert [str(w.message) for w in w_mg] == [str(w.message) for w in w_th]
        assert repr(m_mg) == repr(m_th)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("variant", ["batched", "unbatched", "no_state", "relu_nobias"])
def test_cells_match_torch(cell, dtype, variant):
    rng = np.random.default_rng(3)
    kwargs = {}
    if variant == "relu_nobias":
        kwargs["bias"] = False
        if cell == "RNNCell":
            kwargs["nonlinearity"] = "relu"
    lead = () if variant == "unbatched" else (3,)
    arrays = [rng.standard_normal(lead + (4,)).astype(dtype)]
    if variant != "no_state":
        arrays += [rng.standard_normal(lead + (5,)).astype(dtype)
                   for _ in range(2 if cell == "LSTMCell" else 1)]

    def call(lib, m, x, *state):
        if not state:
            return m(x)
        return m(x, tuple(state) if cell == "LSTMCell" else state[0])
    _compare(lambda lib: getattr(lib.nn, cell)(4, 5, **kwargs), call, arrays, dtype, 4)


def test_gradcheck_float64():
    rng = np.random.default_rng(5)
    minigrad.manual_seed(0)
    gru = minigrad.nn.GRU(2, 3, bidirectional=True).double()
    lstm = minigrad.nn.LSTM(2, 3, proj_size=2).double()
    x = rng.standard_normal((3, 2, 2))
    fd_check(lambda x: gru(x)[0], [x])
    fd_check(lambda x: lstm(x)[1][1], [x])
    cell = minigrad.nn.LSTMCell(2, 3).double()
    fd_check(lambda x, h, c: cell(x, (h, c))[1], [x[0], rng.standard_normal((2, 3)),
                                                  rng.standard_normal((2, 3))])
    fused = minigrad.nn.LSTM(2, 3, bidirectional=True)        # float32: the fused node
    w = fused.weight_hh_l0_reverse
    x32 = minigrad.from_numpy(x.astype(np.float32)).requires_grad_()
    out, _ = fused(x32)
    assert type(out.grad_fn.next_functions[0][0]).__name__ == "MkldnnRnnLayerBackward0"
    with pytest.raises(RuntimeError, match="not implemented"):
        minigrad.autograd.grad(out.sum(), w, create_graph=True)
