"""torch.multinomial against torch as raw bytes after the same seed (both kernels: the
exponential race and the inverse CDF), the generator's state afterwards, torch's errors; and
every sampler taking a Generator as ``generator=``."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error, dtype_name


def _same_bytes(a, b):
    assert dtype_name(a.dtype) == dtype_name(b.dtype) and tuple(a.shape) == tuple(b.shape)
    assert a.numpy().tobytes() == b.numpy().tobytes(), (a, b)


def _draw_both(probs, n, replacement, seed, transpose=False):
    """multinomial on the same probabilities and seed in both libraries (fresh generators);
    also compares the generators' states afterwards (same count of draws)."""
    g_th = torch.Generator().manual_seed(seed)
    g_mg = minigrad.Generator().manual_seed(seed)
    p_th, p_mg = torch.from_numpy(probs.copy()), minigrad.from_numpy(probs.copy())
    if transpose:
        p_th, p_mg = p_th.t(), p_mg.t()
    out_th = torch.multinomial(p_th, n, replacement, generator=g_th)
    out_mg = minigrad.multinomial(p_mg, n, replacement, generator=g_mg)
    _same_bytes(out_mg, out_th)
    assert bytes(g_mg.get_state().numpy()) == bytes(g_th.get_state().numpy())


@st.composite
def _problems(draw):
    rows = draw(st.sampled_from([None, 1, 2, 5]))
    cats = draw(st.integers(1, 40))
    shape = (cats,) if rows is None else (rows, cats)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    probs = rng.random(shape) ** draw(st.sampled_from([1, 4]))   # some rows very peaked
    probs[rng.random(shape) < draw(st.sampled_from([0.0, 0.4]))] = 0.0
    probs[..., rng.integers(cats)] += 0.05                       # every row has mass
    if draw(st.booleans()):
        probs /= probs.sum(-1, keepdims=True)                    # as softmax gives them
    replacement = draw(st.booleans())
    positive = int((probs > 0).sum(-1).min())
    n = draw(st.integers(1, 3 * cats if replacement else positive))
    return probs.astype(dtype), n, replacement, seed


@settings(max_examples=150, deadline=None)
@given(_problems())
def test_multinomial_matches_torch_bytes(problem):
    probs, n, replacement, seed = problem
    _draw_both(probs, n, replacement, seed)


def test_multinomial_one_sample_as_makemore_draws_it():
    """makemore: softmax rows of 27, one sample each, from Generator().manual_seed(2147483647),
    many times in a row on one generator."""
    rng = np.random.default_rng(3)
    g_th = torch.Generator().manual_seed(2147483647)
    g_mg = minigrad.Generator().manual_seed(2147483647)
    for _ in range(200):
        logits = rng.standard_normal(27).astype(np.float32) * 3
        p = np.exp(logits) / np.exp(logits).sum()
        a = torch.multinomial(torch.from_numpy(p), num_samples=1, replacement=True, generator=g_th)
        b = minigrad.multinomial(minigrad.from_numpy(p), num_samples=1, replacement=True,
                                 generator=g_mg)
        _same_bytes(b, a)


def test_multinomial_default_generator_and_method_form():
    p = np.random.default_rng(0).random((3, 6)).astype(np.float32)
    for n, replacement in [(1, True), (4, True), (4, False), (6, False)]:
        torch.manual_seed(11)
        minigrad.manual_seed(11)
        a = torch.from_numpy(p).multinomial(n, replacement)
        b = minigrad.from_numpy(p).multinomial(n, replacement)
        _same_bytes(b, a)
        _same_bytes(minigrad.rand(3), torch.rand(3))        # the streams stay in step


@pytest.mark.parametrize("n, replacement", [(1, True), (3, True), (3, False)])
def test_multinomial_non_contiguous_probabilities(n, replacement):
    probs = np.random.default_rng(1).random((5, 4))
    _draw_both(probs, n, replacement, seed=5, transpose=True)


def test_multinomial_empty_and_degenerate_shapes():
    for shape, n, replacement in [((0, 3), 1, True), ((0, 3), 2, True), ((0, 0), 2, True),
                                  ((1, 1), 1, False), ((1, 1), 5, True)]:
        _draw_both(np.ones(shape, dtype=np.float32), n, replacement, seed=0)


_BAD_CALLS = [
    (lambda L: L.multinomial(L.ones(2, 2, 2), 1), "3-d"),
    (lambda L: L.multinomial(L.ones(()), 1), "0-d"),
    (lambda L: L.multinomial(L.tensor([1, 2]), 1), "integer"),
    (lambda L: L.multinomial(L.ones(3), 0), "no samples"),
    (lambda L: L.multinomial(L.ones(3), 4), "too many without replacement"),
    (lambda L: L.multinomial(L.tensor([1.0, -1.0]), 1), "negative, fast path"),
    (lambda L: L.multinomial(L.tensor([1.0, -1.0]), 2, True), "negative, cdf"),
    (lambda L: L.multinomial(L.tensor([1.0, float("nan")]), 1), "nan, fast path"),
    (lambda L: L.multinomial(L.tensor([1.0, float("nan")]), 2, True), "nan, cdf"),
    (lambda L: L.multinomial(L.tensor([1.0, float("inf")]), 2, True), "inf, cdf"),
    (lambda L: L.multinomial(L.zeros(2, 3), 1), "zero rows, fast path"),
    (lambda L: L.multinomial(L.zeros(3), 2, True), "zero row, cdf"),
    (lambda L: L.multinomial(L.ones(3, 0), 1, True), "no categories"),
    (lambda L: L.multinomial(L.ones(3, 0), 2, True), "no categories, cdf"),
]


@pytest.mark.parametrize("call", [c for c, _ in _BAD_CALLS], ids=[i for _, i in _BAD_CALLS])
def test_multinomial_errors(call):
    assert_same_error(lambda: call(minigrad), lambda: call(torch))


def test_multinomial_error_in_a_later_row_consumes_earlier_rows_draws():
    probs = [[1.0, 2.0], [1.0, -1.0]]
    states = []
    for lib in (torch, minigrad):
        g = lib.Generator().manual_seed(4)
        with pytest.raises(RuntimeError, match="entry < 0"):
            lib.multinomial(lib.tensor(probs), 3, True, generator=g)
        states.append(bytes(g.get_state().numpy()))
    assert states[0] == states[1]


# ---- every sampler takes generator= -------------------------------------------------------------
_SAMPLERS = {
    "rand": lambda L, g: L.rand(5, generator=g),
    "randn": lambda L, g: L.randn(3, 20, generator=g, dtype=L.float64),
    "randint": lambda L, g: L.randint(0, 9, (7,), generator=g),
    "randperm": lambda L, g: L.randperm(12, generator=g),
    "normal": lambda L, g: L.normal(0.5, 2.0, (6,), generator=g),
    "normal_tensor": lambda L, g: L.normal(L.zeros(4), 1.0, generator=g),
    "bernoulli": lambda L, g: L.bernoulli(L.full((9,), 0.3), generator=g),
    "multinomial": lambda L, g: L.multinomial(L.ones(4, 5), 2, generator=g),
    "rand_like": lambda L, g: L.rand_like(L.zeros(3), generator=g),
    "randn_like": lambda L, g: L.randn_like(L.zeros(3), generator=g),
    "randint_like": lambda L, g: L.randint_like(L.zeros(3), 5, generator=g),
    "uniform_": lambda L, g: L.empty(4).uniform_(-1, 1, generator=g),
    "normal_": lambda L, g: L.empty(4).normal_(generator=g),
    "random_": lambda L, g: L.empty(4).random_(0, 100, generator=g),
    "bernoulli_": lambda L, g: L.empty(4).bernoulli_(0.4, generator=g),
    "exponential_": lambda L, g: L.empty(4).exponential_(generator=g),
    "init.uniform_": lambda L, g: L.nn.init.uniform_(L.empty(3, 4), generator=g),
    "init.normal_": lambda L, g: L.nn.init.normal_(L.empty(3, 4), generator=g),
    "init.xavier_uniform_": lambda L, g: L.nn.init.xavier_uniform_(L.empty(3, 4), generator=g),
    "init.kaiming_normal_": lambda L, g: L.nn.init.kaiming_normal_(L.empty(3, 4), generator=g),
}


@pytest.mark.parametrize("name", sorted(_SAMPLERS))
def test_every_sampler_draws_from_a_given_generator(name):
    """The generator's stream is used and the global one is left alone."""
    torch.manual_seed(0)
    minigrad.manual_seed(0)
    g_th = torch.Generator().manual_seed(2147483647)
    g_mg = minigrad.Generator().manual_seed(2147483647)
    _same_bytes(_SAMPLERS[name](minigrad, g_mg), _SAMPLERS[name](torch, g_th))
    assert bytes(g_mg.get_state().numpy()) == bytes(g_th.get_state().numpy())
    assert bytes(minigrad.get_rng_state().numpy()) == bytes(torch.get_rng_state().numpy())
