"""Shuffling is bit-exact with torch: randperm on both sides of the loop / array crossover,
samplers and DataLoaders over many epochs and sizes, the moments at which a shared generator
is drawn from (batches are cut from whole index arrays), and the paths that keep index lists."""
import itertools

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import minigrad
import minigrad.utils.data as mdata
from minigrad import _generator as G
from minigrad.utils.data import sampler as msampler
from helpers import assert_same_error

LOOP_MAX = G._RANDPERM_LOOP_MAX


def same_rand():
    """The global generators are in the same state (a following draw agrees)."""
    np.testing.assert_array_equal(minigrad.rand(3).numpy(), torch.rand(3).numpy())


def same_gen_rand(gm, gt):
    np.testing.assert_array_equal(minigrad.rand(3, generator=gm).numpy(),
                                  torch.rand(3, generator=gt).numpy())


def loaders(n, **kwargs):
    xs = np.arange(n, dtype=np.int64)
    return (mdata.DataLoader(mdata.TensorDataset(minigrad.tensor(xs)), **kwargs),
            tdata.DataLoader(tdata.TensorDataset(torch.tensor(xs)), **kwargs))


def batch_lists(loader):
    return [b[0].tolist() for b in loader]


# ---- randperm -----------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2, 3, LOOP_MAX - 1, LOOP_MAX, LOOP_MAX + 1, 1000,
                               (1 << 16) - 1, 1 << 16, (1 << 16) + 1, 70000])
def test_randperm_matches_torch_around_crossovers(n):
    for seed in (0, 7):
        minigrad.manual_seed(seed)
        torch.manual_seed(seed)
        np.testing.assert_array_equal(minigrad.randperm(n).numpy(), torch.randperm(n).numpy())
        same_rand()
        gm, gt = minigrad.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
        for dtype in ("int64", "int32"):
            np.testing.assert_array_equal(
                minigrad.randperm(n, generator=gm, dtype=getattr(minigrad, dtype)).numpy(),
                torch.randperm(n, generator=gt, dtype=getattr(torch, dtype)).numpy())
        same_gen_rand(gm, gt)


@pytest.mark.parametrize("n", [2, 3, 17, 300, LOOP_MAX, LOOP_MAX + 1, 4000, 70000])
def test_swap_loop_and_swap_chain_agree(n):
    gen = G.Generator(n)
    for _ in range(3):
        z = gen.random_raw(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)
        np.testing.assert_array_equal(G._fisher_yates_loop(n, z), G._fisher_yates_swaps(n, z))


def test_stable_argsort():
    rng = np.random.default_rng(3)
    for size, high in ((0, 1), (1, 1), (50, 3), (1000, 1 << 16), (5000, 1 << 20), (300, 1 << 31)):
        keys = rng.integers(0, high, size).astype(np.int64)
        np.testing.assert_array_equal(G._stable_argsort(keys), np.argsort(keys, kind="stable"))


def test_fresh_generators_are_independent():
    a, b = minigrad.Generator(), torch.Generator()
    assert a.get_state().numpy().tobytes() == b.get_state().numpy().tobytes()
    c = minigrad.Generator().manual_seed(5)
    same_gen_rand(a, b)
    assert c.initial_seed() == 5 and minigrad.Generator().initial_seed() == G.DEFAULT_SEED


# ---- DataLoader over many epochs ---------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 15, 16, 17, 100, LOOP_MAX - 1, LOOP_MAX, LOOP_MAX + 1,
                               1200])
@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_epochs_match_torch(n, drop_last):
    lm, lt = loaders(n, batch_size=16, shuffle=True, drop_last=drop_last)
    minigrad.manual_seed(n)
    torch.manual_seed(n)
    for _ in range(6):
        assert batch_lists(lm) == batch_lists(lt)
        same_rand()


@pytest.mark.parametrize("n, batch_size", [(1, 1), (2, 1), (7, 7), (100, 16), (33, 5),
                                           (LOOP_MAX + 1, 64)])
def test_shuffled_epochs_with_a_generator_match_torch(n, batch_size):
    gm, gt = minigrad.Generator().manual_seed(n), torch.Generator().manual_seed(n)
    lm, lt = loaders(n, batch_size=batch_size, shuffle=True, generator=gm)
    _, lt = loaders(n, batch_size=batch_size, shuffle=True, generator=gt)
    minigrad.manual_seed(1)
    torch.manual_seed(1)
    for _ in range(4):
        assert batch_lists(lm) == batch_lists(lt)
        same_gen_rand(gm, gt)
    same_rand()


# ---- when the draws happen ---------------------------------------------------------------------
SAMPLER_KWARGS = [{}, {"num_samples": 7}, {"num_samples": 20}, {"num_samples": 23},
                  {"num_samples": 40}, {"replacement": True},
                  {"replacement": True, "num_samples": 70}]


@pytest.mark.parametrize("kwargs", SAMPLER_KWARGS)
@pytest.mark.parametrize("batch_size, drop_last", [(4, False), (4, True), (5, False),
                                                   (5, True), (32, False)])
@pytest.mark.parametrize("shared", [False, True])
def test_partly_consumed_batches_draw_like_torch(kwargs, batch_size, drop_last, shared):
    """Take k batches, then draw: the generator advanced exactly as torch's did (k = 0..all)."""
    data = list(range(20))

    def run(lib, data_mod, k):
        lib.manual_seed(4)
        gen = lib.Generator().manual_seed(11) if shared else None
        sampler = data_mod.RandomSampler(data, generator=gen, **kwargs)
        batches = list(itertools.islice(data_mod.BatchSampler(sampler, batch_size, drop_last),
                                        k))
        after = lib.rand(2, generator=gen).tolist() + lib.rand(2).tolist()
        return batches, after

    total = len(mdata.BatchSampler(mdata.RandomSampler(data, **kwargs), batch_size, drop_last))
    for k in range(total + 2):
        assert run(minigrad, mdata, k) == run(torch, tdata, k), k


@pytest.mark.parametrize("kwargs", SAMPLER_KWARGS)
@pytest.mark.parametrize("shared", [False, True])
def test_partly_consumed_sampler_draws_like_torch(kwargs, shared):
    data = list(range(20))

    def run(lib, data_mod, k):
        lib.manual_seed(6)
        gen = lib.Generator().manual_seed(12) if shared else None
        indices = list(itertools.islice(data_mod.RandomSampler(data, generator=gen, **kwargs), k))
        return indices, lib.rand(2, generator=gen).tolist() + lib.rand(2).tolist()

    for k in (0, 1, 19, 20, 21, 39, 40, 41, 70, 71):
        assert run(minigrad, mdata, k) == run(torch, tdata, k), k


def test_interleaved_iterators_match_torch():
    lm, lt = loaders(37, batch_size=5, shuffle=True)
    minigrad.manual_seed(2)
    torch.manual_seed(2)
    pairs_m = [(a[0].tolist(), b[0].tolist()) for a, b in zip(lm, lm)]
    pairs_t = [(a[0].tolist(), b[0].tolist()) for a, b in zip(lt, lt)]
    assert pairs_m == pairs_t
    same_rand()


def test_sequential_batches_across_chunks(monkeypatch):
    monkeypatch.setattr(msampler, "_CHUNK", 7)
    for n, batch_size, drop_last in ((30, 4, False), (30, 4, True), (28, 7, False), (5, 9, False),
                                     (5, 9, True), (0, 3, False), (22, 1, False)):
        data = list(range(n))
        bm = mdata.BatchSampler(mdata.SequentialSampler(data), batch_size, drop_last)
        bt = tdata.BatchSampler(tdata.SequentialSampler(data), batch_size, drop_last)
        assert list(bm) == list(bt)
        lm, lt = loaders(n, batch_size=batch_size, drop_last=drop_last)
        assert batch_lists(lm) == batch_lists(lt)


# ---- the paths that keep lists of indices ------------------------------------------------------
class Squares:
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return i * i

    def __len__(self):
        return self.n


def test_other_datasets_and_samplers_match_torch():
    minigrad.manual_seed(3)
    torch.manual_seed(3)
    for _ in range(2):
        bm = list(mdata.DataLoader(Squares(21), batch_size=4, shuffle=True))
        bt = list(tdata.DataLoader(Squares(21), batch_size=4, shuffle=True))
        assert [b.tolist() for b in bm] == [b.tolist() for b in bt]
        same_rand()
    # a BatchSampler as the sampler: each index given to the dataset is a list
    seen = {}

    class Recorder(Squares):
        def __getitem__(self, i):
            seen.setdefault(self.lib, []).append((type(i).__name__, i))
            return sum(i)

    for lib, data_mod in ((minigrad, mdata), (torch, tdata)):
        lib.manual_seed(5)
        ds = Recorder(10)
        ds.lib = lib.__name__
        sampler = data_mod.BatchSampler(data_mod.RandomSampler(ds), 3, False)
        list(data_mod.DataLoader(ds, sampler=sampler, batch_size=None))
    assert seen["minigrad"] == seen["torch"]


class Reversed(mdata.RandomSampler):
    def __iter__(self):
        return iter(list(super().__iter__())[::-1])


class ReversedT(tdata.RandomSampler):
    def __iter__(self):
        return iter(list(super().__iter__())[::-1])


class Fewer(mdata.RandomSampler):
    @property
    def num_samples(self):
        return 9


class FewerT(tdata.RandomSampler):
    @property
    def num_samples(self):
        return 9


@pytest.mark.parametrize("classes", [(Reversed, ReversedT), (Fewer, FewerT)])
def test_sampler_subclasses_match_torch(classes):
    cm, ct = classes
    lm, lt = loaders(20, batch_size=4)
    lm = mdata.DataLoader(lm.dataset, batch_size=4, sampler=cm(lm.dataset))
    lt = tdata.DataLoader(lt.dataset, batch_size=4, sampler=ct(lt.dataset))
    minigrad.manual_seed(8)
    torch.manual_seed(8)
    for _ in range(2):
        assert batch_lists(lm) == batch_lists(lt)
        same_rand()


def test_sampler_errors_match_torch():
    for kwargs in ({"num_samples": 5}, {"num_samples": 5, "replacement": True}):
        minigrad.manual_seed(0)
        torch.manual_seed(0)
        assert_same_error(lambda kw=kwargs: list(mdata.RandomSampler([], **kw)),
                          lambda kw=kwargs: list(tdata.RandomSampler([], **kw)))
        same_rand()
