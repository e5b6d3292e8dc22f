"""utils.data against torch: datasets, samplers, collation, DataLoader batches and the exact
random draws of shuffling (same ``manual_seed`` gives the same batches as torch)."""
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import minigrad
import minigrad.utils.data as mdata
from helpers import assert_same_error, assert_tensor_equal, to_mg

RNG = np.random.default_rng(5)


def assert_same_structure(m, t):
    """Nested lists/tuples/dicts of tensors (minigrad vs torch) with equal types and values."""
    if isinstance(t, torch.Tensor):
        assert_tensor_equal(m, t)
    elif isinstance(t, dict):
        assert type(m) is type(t) and list(m) == list(t)
        for k in t:
            assert_same_structure(m[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(m) is type(t) and len(m) == len(t)
        for a, b in zip(m, t):
            assert_same_structure(a, b)
    else:
        assert m == t


def datasets(n=100, dtype=np.float64):
    x = RNG.standard_normal((n, 1)).astype(dtype)
    y = RNG.standard_normal(n).astype(dtype)
    return (mdata.TensorDataset(minigrad.tensor(x), minigrad.tensor(y)),
            tdata.TensorDataset(torch.tensor(x), torch.tensor(y)))


# ---- datasets -----------------------------------------------------------------------------------
def test_tensor_dataset_items():
    dm, dt = datasets()
    assert len(dm) == len(dt) == 100
    assert_same_structure(dm[3], dt[3])
    assert type(dm[3]) is tuple
    assert_same_structure(dm[[0, 1]], dt[[0, 1]])
    assert_same_structure(dm[-1], dt[-1])
    a, b = torch.ones(3), torch.ones(2)
    assert_same_error(lambda: mdata.TensorDataset(to_mg(a), to_mg(b)),
                      lambda: tdata.TensorDataset(a, b))


def test_subset_concat_and_random_split():
    dm, dt = datasets(10)
    sm, st = mdata.Subset(dm, [4, 2, 7]), tdata.Subset(dt, [4, 2, 7])
    assert len(sm) == 3
    assert_same_structure(sm[1], st[1])
    assert_same_structure(sm[[0, 2]], st[[0, 2]])
    cm, ct = dm + sm, dt + st
    assert len(cm) == len(ct) == 13
    assert_same_structure(cm[11], ct[11])
    assert_same_structure(cm[-1], ct[-1])
    for lengths in ([3, 7], [0.5, 0.3, 0.2], [0.33, 0.33, 0.34]):
        minigrad.manual_seed(9)
        torch.manual_seed(9)
        split_m, split_t = mdata.random_split(dm, lengths), tdata.random_split(dt, lengths)
        assert [s.indices for s in split_m] == [s.indices for s in split_t]
        gm, gt = minigrad.Generator().manual_seed(4), torch.Generator().manual_seed(4)
        split_m = mdata.random_split(dm, lengths, generator=gm)
        split_t = tdata.random_split(dt, lengths, generator=gt)
        assert [s.indices for s in split_m] == [s.indices for s in split_t]
    assert_same_error(lambda: mdata.random_split(dm, [3, 3]),
                      lambda: tdata.random_split(dt, [3, 3]))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        mdata.random_split(dm, [0.0, 1.0])
    assert "Length of split at index 0 is 0" in str(w[0].message)


# ---- samplers -----------------------------------------------------------------------------------
def test_samplers_match_torch():
    data = list(range(23))
    assert list(mdata.SequentialSampler(data)) == list(tdata.SequentialSampler(data))
    for drop_last in (False, True):
        bm = mdata.BatchSampler(mdata.SequentialSampler(data), 5, drop_last)
        bt = tdata.BatchSampler(tdata.SequentialSampler(data), 5, drop_last)
        assert list(bm) == list(bt) and len(bm) == len(bt)
    for kwargs in ({}, {"num_samples": 40}, {"num_samples": 7}, {"replacement": True},
                   {"replacement": True, "num_samples": 70}):
        minigrad.manual_seed(2)
        torch.manual_seed(2)
        rm, rt = mdata.RandomSampler(data, **kwargs), tdata.RandomSampler(data, **kwargs)
        assert list(rm) == list(rt) and len(rm) == len(rt)
        assert list(rm) == list(rt)
    gm, gt = minigrad.Generator().manual_seed(8), torch.Generator().manual_seed(8)
    assert list(mdata.RandomSampler(data, generator=gm)) == list(
        tdata.RandomSampler(data, generator=gt))
    gm, gt = minigrad.Generator().manual_seed(8), torch.Generator().manual_seed(8)
    assert list(mdata.SubsetRandomSampler([5, 9, 1, 3], generator=gm)) == list(
        tdata.SubsetRandomSampler([5, 9, 1, 3], generator=gt))
    for bs, dl in ((0, False), (2, "no"), (True, False)):
        assert_same_error(lambda bs=bs, dl=dl: mdata.BatchSampler(data, bs, dl),
                          lambda bs=bs, dl=dl: tdata.BatchSampler(data, bs, dl))
    assert_same_error(lambda: mdata.RandomSampler(data, num_samples=0),
                      lambda: tdata.RandomSampler(data, num_samples=0))


# ---- collation ----------------------------------------------------------------------------------
COLLATE_BATCHES = [
    lambda lib: [lib.ones(2, 3), lib.zeros(2, 3)],
    lambda lib: [lib.tensor([1, 2], dtype=lib.int32), lib.tensor([3, 4], dtype=lib.int32)],
    lambda lib: [1, 2, 3],
    lambda lib: [1.5, 2.0],
    lambda lib: [True, False],
    lambda lib: [np.arange(3, dtype=np.int16), np.arange(3, dtype=np.int16)],
    lambda lib: [np.float32(1.5), np.float32(2.5)],
    lambda lib: [np.int64(1), np.int64(7)],
    lambda lib: ["a", "b"],
    lambda lib: [(lib.ones(2), 1), (lib.zeros(2), 2)],
    lambda lib: [[lib.ones(1), 0.5], [lib.ones(1), 1.5]],
    lambda lib: [{"x": lib.ones(2), "y": 3, "name": "p"}, {"x": lib.zeros(2), "y": 4,
                                                           "name": "q"}],
]


@pytest.mark.parametrize("make", COLLATE_BATCHES)
def test_default_collate_matches_torch(make):
    assert_same_structure(mdata.default_collate(make(minigrad)),
                          tdata.default_collate(make(torch)))


def test_default_collate_errors():
    assert_same_error(lambda: mdata.default_collate([object()]),
                      lambda: tdata.default_collate([object()]))
    assert_same_error(lambda: mdata.default_collate([[1, 2], [3]]),
                      lambda: tdata.default_collate([[1, 2], [3]]))


# ---- DataLoader ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n, batch_size, drop_last", [(100, 16, False), (100, 16, True),
                                                      (10, 3, False), (5, 8, False),
                                                      (5, 8, True), (7, 1, False)])
def test_dataloader_in_order(n, batch_size, drop_last):
    dm, dt = datasets(n, np.float32)
    lm = mdata.DataLoader(dm, batch_size=batch_size, drop_last=drop_last)
    lt = tdata.DataLoader(dt, batch_size=batch_size, drop_last=drop_last)
    assert len(lm) == len(lt)
    bm, bt = list(lm), list(lt)
    assert len(bm) == len(bt)
    for a, b in zip(bm, bt):
        assert_same_structure(a, b)


def test_dataloader_seed_facts():
    """DataLoader: list batches, float64 kept, sizes [16]*6 + [4]."""
    dm, _ = datasets(100)
    loader = mdata.DataLoader(dataset=dm, batch_size=16, shuffle=True)
    assert len(loader) == 7
    batches = list(loader)
    assert [len(b[0]) for b in batches] == [16] * 6 + [4]
    x, y = batches[0]
    assert type(batches[0]) is list and x.shape == (16, 1) and y.shape == (16,)
    assert x.dtype == y.dtype == minigrad.float64
    assert len(mdata.DataLoader(dm, batch_size=16, drop_last=True)) == 6
    first = next(iter(mdata.DataLoader(dm, batch_size=16)))
    np.testing.assert_array_equal(first[0].numpy(), dm.tensors[0][:16].numpy())


@pytest.mark.parametrize("n", [1, 5, 16, 17, 100])
@pytest.mark.parametrize("seed", [0, 123])
def test_shuffle_matches_torch_across_epochs(n, seed):
    xs = np.arange(n, dtype=np.int64)
    lm = mdata.DataLoader(mdata.TensorDataset(minigrad.tensor(xs)), batch_size=16,
                          shuffle=True)
    lt = tdata.DataLoader(tdata.TensorDataset(torch.tensor(xs)), batch_size=16, shuffle=True)
    minigrad.manual_seed(seed)
    torch.manual_seed(seed)
    for _ in range(3):
        assert_same_structure(list(lm), list(lt))
        np.testing.assert_array_equal(minigrad.randn(3).numpy(), torch.randn(3).numpy())


def test_shuffle_draw_timing_matches_torch():
    """iter() draws the base seed at once; the sampler draws its seed at the first next()."""
    dm, dt = datasets(20)
    lm = mdata.DataLoader(dm, batch_size=4, shuffle=True)
    lt = tdata.DataLoader(dt, batch_size=4, shuffle=True)
    minigrad.manual_seed(1)
    torch.manual_seed(1)
    im, it = iter(lm), iter(lt)
    np.testing.assert_array_equal(minigrad.rand(2).numpy(), torch.rand(2).numpy())
    assert_same_structure(next(im), next(it))
    np.testing.assert_array_equal(minigrad.rand(2).numpy(), torch.rand(2).numpy())
    assert_same_structure(list(im), list(it))


def test_dataloader_with_generator():
    dm, dt = datasets(30)
    gm, gt = minigrad.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    lm = mdata.DataLoader(dm, batch_size=8, shuffle=True, generator=gm)
    lt = tdata.DataLoader(dt, batch_size=8, shuffle=True, generator=gt)
    minigrad.manual_seed(0)
    torch.manual_seed(0)
    for _ in range(2):
        assert_same_structure(list(lm), list(lt))
    np.testing.assert_array_equal(minigrad.rand(2).numpy(), torch.rand(2).numpy())


def test_dataloader_options():
    dm, dt = datasets(10)
    sm, st = mdata.SequentialSampler(dm), tdata.SequentialSampler(dt)
    assert_same_structure(list(mdata.DataLoader(dm, batch_size=4, sampler=sm)),
                          list(tdata.DataLoader(dt, batch_size=4, sampler=st)))
    bm = mdata.BatchSampler(sm, 3, True)
    bt = tdata.BatchSampler(st, 3, True)
    assert_same_structure(list(mdata.DataLoader(dm, batch_sampler=bm)),
                          list(tdata.DataLoader(dt, batch_sampler=bt)))
    assert_same_structure(list(mdata.DataLoader(dm, batch_size=None)),
                          list(tdata.DataLoader(dt, batch_size=None)))
    assert len(mdata.DataLoader(dm, batch_size=None)) == 10
    first = lambda b: b[0]  # noqa: E731
    assert_same_structure(list(mdata.DataLoader(dm, batch_size=3, collate_fn=first)),
                          list(tdata.DataLoader(dt, batch_size=3, collate_fn=first)))
    errors = [{"sampler": "S", "shuffle": True}, {"batch_sampler": "B", "batch_size": 2},
              {"batch_sampler": "B", "drop_last": True}, {"batch_size": None, "drop_last": True}]
    for kw in errors:
        km = {k: {"S": sm, "B": bm}.get(v, v) if isinstance(v, str) else v for k, v in kw.items()}
        kt = {k: {"S": st, "B": bt}.get(v, v) if isinstance(v, str) else v for k, v in kw.items()}
        assert_same_error(lambda km=km: mdata.DataLoader(dm, **km),
                          lambda kt=kt: tdata.DataLoader(dt, **kt))


def test_dataloader_over_a_plain_dataset():
    class Squares(mdata.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"i": i, "sq": float(i * i), "arr": np.full(2, i, dtype=np.float32)}

    class SquaresT(tdata.Dataset):
        __len__ = Squares.__len__
        __getitem__ = Squares.__getitem__

    assert_same_structure(list(mdata.DataLoader(Squares(), batch_size=2)),
                          list(tdata.DataLoader(SquaresT(), batch_size=2)))
    assert_same_error(lambda: mdata.Dataset()[0], lambda: tdata.Dataset()[0])
