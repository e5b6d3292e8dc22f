"""nn.Embedding / F.embedding and nn.EmbeddingBag / F.embedding_bag against torch: lookups,
padding_idx, max_norm (in-place renorm), scale_grad_by_freq, bags (sum/mean/max, offsets,
per-sample weights, include_last_offset), gradients, default init as bytes, errors."""
import functools

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check, pair


def _both(fn):
    return fn(minigrad), fn(torch)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=15, deadline=None)
@given(num=st.integers(1, 7), dim=st.integers(1, 4),
       idx_shape=st.lists(st.integers(0, 4), max_size=3).map(tuple),
       padding=st.one_of(st.none(), st.integers(-1, 0)), scale=st.booleans(),
       max_norm=st.sampled_from([None, 0.5, 1.5]), norm_type=st.sampled_from([1.0, 2.0, 3.0]),
       seed=st.integers(0, 2**16))
def test_embedding_matches_torch(dtype, num, dim, idx_shape, padding, scale, max_norm,
                                 norm_type, seed):
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal((num, dim)).astype(dtype)
    idx = rng.integers(0, num, idx_shape)
    g = rng.standard_normal(idx_shape + (dim,)).astype(dtype)
    res = []
    for lib in (minigrad, torch):
        w = lib.from_numpy(w0.copy()).requires_grad_()
        out = lib.nn.functional.embedding(lib.from_numpy(idx.copy()), w, padding, max_norm,
                                          norm_type, scale)
        out.backward(lib.from_numpy(g.copy()))
        res.append((out, w.detach(), w.grad))
    for got, expected in zip(*res):
        assert_tensor_equal(got, expected)
    assert type(res[0][0].grad_fn).__name__ == "EmbeddingBackward0"


def test_embedding_double_backward_and_gradcheck():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((5, 3))
    idx = np.array([[0, 2, 2], [4, 1, 2]])
    res = []
    for lib in (minigrad, torch):
        w = lib.from_numpy(w0.copy()).requires_grad_()
        out = lib.nn.functional.embedding(lib.from_numpy(idx), w, 1, scale_grad_by_freq=True)
        (gw,) = lib.autograd.grad((out * out).sum(), w, create_graph=True)
        (ggw,) = lib.autograd.grad((gw * gw).sum(), w)
        res.append((gw, ggw))
    for got, expected in zip(*res):
        assert_tensor_equal(got, expected)
    # (scale_grad_by_freq is a deliberate non-gradient, and the padding row gets none: left out)
    fd_check(lambda w: minigrad.nn.functional.embedding(minigrad.from_numpy(idx), w) ** 2, [w0])


def test_embedding_module_init_repr_and_training_match_torch():
    for kwargs in ({}, {"padding_idx": 3}, {"padding_idx": -1, "max_norm": 2.0},
                   {"scale_grad_by_freq": True, "norm_type": 1.0}, {"sparse": True}):
        minigrad.manual_seed(7)
        torch.manual_seed(7)
        m_mg, m_th = minigrad.nn.Embedding(11, 6, **kwargs), torch.nn.Embedding(11, 6, **kwargs)
        assert repr(m_mg) == repr(m_th)
        assert m_mg.weight.detach().numpy().tobytes() == m_th.weight.detach().numpy().tobytes()
        assert [n for n, _ in m_mg.named_parameters()] == [n for n, _ in m_th.named_parameters()]
    minigrad.manual_seed(1)
    torch.manual_seed(1)
    m_mg, m_th = minigrad.nn.Embedding(6, 3, padding_idx=0), torch.nn.Embedding(6, 3, padding_idx=0)
    idx = np.array([[0, 1, 5], [5, 5, 2]])
    for m, lib in ((m_mg, minigrad), (m_th, torch)):
        opt = lib.optim.SGD(m.parameters(), lr=0.5)
        for _ in range(3):
            opt.zero_grad()
            (m(lib.from_numpy(idx)) ** 2).sum().backward()
            opt.step()
    assert_tensor_equal(m_mg.weight.detach(), m_th.weight.detach())


def test_embedding_from_pretrained():
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    for freeze in (True, False):
        m_mg = minigrad.nn.Embedding.from_pretrained(minigrad.from_numpy(w.copy()), freeze,
                                                     padding_idx=1)
        m_th = torch.nn.Embedding.from_pretrained(torch.from_numpy(w.copy()), freeze,
                                                  padding_idx=1)
        assert repr(m_mg) == repr(m_th)
        assert m_mg.weight.requires_grad == m_th.weight.requires_grad
        y_mg, y_th = m_mg(minigrad.tensor([1, 3])), m_th(torch.tensor([1, 3]))
        assert_tensor_equal(y_mg.detach(), y_th.detach())
    b_mg = minigrad.nn.EmbeddingBag.from_pretrained(minigrad.from_numpy(w.copy()), mode="max")
    b_th = torch.nn.EmbeddingBag.from_pretrained(torch.from_numpy(w.copy()), mode="max")
    assert_tensor_equal(b_mg(minigrad.tensor([[1, 3]])), b_th(torch.tensor([[1, 3]])))
    assert_same_error(lambda: minigrad.nn.Embedding.from_pretrained(minigrad.ones(3)),
                      lambda: torch.nn.Embedding.from_pretrained(torch.ones(3)))


EMBEDDING_ERRORS = [
    lambda L, w: L.nn.functional.embedding(L.tensor([1.0, 2.0]), w),
    lambda L, w: L.nn.functional.embedding(L.tensor([1, 7]), w),
    lambda L, w: L.nn.functional.embedding(L.tensor([1, -1]), w),
    lambda L, w: L.nn.functional.embedding(L.tensor([1, 2]), w, padding_idx=5),
    lambda L, w: L.nn.functional.embedding(L.tensor([1, 2]), w, padding_idx=-6),
    lambda L, w: L.nn.functional.embedding(L.tensor([1, 2]), w[0]),
    lambda L, w: L.nn.Embedding(5, 3, padding_idx=5),
    lambda L, w: L.nn.functional.embedding_bag(L.tensor([[1, 2]]), w, L.tensor([0])),
    lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2, 3]), w, L.tensor([1, 2])),
    lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2, 3]), w),
    lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2, 3]), w, L.tensor([0, 4])),
    lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w, L.tensor([0]), mode="x"),
    lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w, L.tensor([0]), mode="max",
                                               per_sample_weights=L.ones(2)),
    lambda L, w: L.nn.functional.embedding_bag(L.tensor([1, 2]), w, L.tensor([0]), mode="sum",
                                               per_sample_weights=L.ones(3)),
]


@pytest.mark.parametrize("case", range(len(EMBEDDING_ERRORS)))
def test_embedding_errors_match_torch(case):
    w_mg, w_th = pair(np.ones((5, 3), np.float32))
    assert_same_error(lambda: EMBEDDING_ERRORS[case](minigrad, w_mg),
                      lambda: EMBEDDING_ERRORS[case](torch, w_th))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=20, deadline=None)
@given(mode=st.sampled_from(["sum", "mean", "max"]), two_d=st.booleans(),
       lengths=st.lists(st.integers(0, 4), min_size=1, max_size=4),
       include_last=st.booleans(), padding=st.one_of(st.none(), st.integers(0, 2)),
       weighted=st.booleans(), max_norm=st.sampled_from([None, 1.0]),
       seed=st.integers(0, 2**16))
def test_embedding_bag_matches_torch(dtype, mode, two_d, lengths, include_last, padding,
                                     weighted, max_norm, seed):
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal((6, 3)).astype(dtype)
    if two_d:
        idx = rng.integers(0, 6, (len(lengths), max(lengths[0], 1)))
        offsets = None
    else:
        idx = rng.integers(0, 6, sum(lengths))
        offsets = np.cumsum([0] + lengths)
        offsets = offsets if include_last else offsets[:-1]
    weighted = weighted and mode == "sum"
    ps0 = rng.standard_normal(idx.shape).astype(dtype) if weighted else None
    res = []
    for lib in (minigrad, torch):
        w = lib.from_numpy(w0.copy()).requires_grad_()
        ps = None if ps0 is None else lib.from_numpy(ps0.copy()).requires_grad_()
        off = None if offsets is None else lib.from_numpy(offsets.copy())
        out = lib.nn.functional.embedding_bag(
            lib.from_numpy(idx.copy()), w, off, max_norm, mode=mode, per_sample_weights=ps,
            include_last_offset=include_last and not two_d, padding_idx=padding)
        g = np.cos(np.arange(out.numel())).reshape(tuple(out.shape)).astype(dtype)
        out.backward(lib.from_numpy(g))
        res.append((out, w.grad, w.detach()) + (() if ps is None else (ps.grad,)))
    for got, expected in zip(*res):
        assert_tensor_equal(got, expected)
    assert type(res[0][0].grad_fn).__name__ == type(res[1][0].grad_fn).__name__


def test_embedding_bag_module_and_gradcheck():
    minigrad.manual_seed(3)
    torch.manual_seed(3)
    m_mg, m_th = (minigrad.nn.EmbeddingBag(7, 4, mode="sum", padding_idx=2),
                  torch.nn.EmbeddingBag(7, 4, mode="sum", padding_idx=2))
    assert repr(m_mg) == repr(m_th)
    assert m_mg.weight.detach().numpy().tobytes() == m_th.weight.detach().numpy().tobytes()
    idx, off = np.array([1, 2, 6, 6, 0]), np.array([0, 3])
    assert_tensor_equal(m_mg(minigrad.from_numpy(idx), minigrad.from_numpy(off)),
                        m_th(torch.from_numpy(idx), torch.from_numpy(off)))
    ps = np.linspace(0.5, 2, 5)
    fd_check(lambda w, p: minigrad.nn.functional.embedding_bag(
        minigrad.from_numpy(idx), w, minigrad.from_numpy(off), mode="sum",
        per_sample_weights=p), [np.random.default_rng(0).standard_normal((7, 2)), ps])
    fd_check(lambda w: minigrad.nn.functional.embedding_bag(
        minigrad.from_numpy(idx), w, minigrad.from_numpy(off), mode="mean"),
        [np.random.default_rng(1).standard_normal((7, 2))])


def test_one_hot_matches_torch():
    for args in (([0, 3, 1],), ([[0, 1], [2, 0]], 4), ([], 3)):
        got = minigrad.nn.functional.one_hot(minigrad.tensor(args[0], dtype=minigrad.int64),
                                             *args[1:])
        expected = torch.nn.functional.one_hot(torch.tensor(args[0], dtype=torch.int64),
                                               *args[1:])
        assert_tensor_equal(got, expected)
    for bad in (lambda L: L.nn.functional.one_hot(L.tensor([0, 3]), 2),
                lambda L: L.nn.functional.one_hot(L.tensor([-1, 0])),
                lambda L: L.nn.functional.one_hot(L.tensor([], dtype=L.int64))):
        assert_same_error(functools.partial(bad, minigrad), functools.partial(bad, torch))
