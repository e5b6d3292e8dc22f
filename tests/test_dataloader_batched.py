"""A DataLoader over a plain TensorDataset fetches each batch with one indexing: the batches,
their dtypes, strides and the RNG draws stay exactly torch's."""
import numpy as np
import pytest
import torch

import minigrad


def _batches(lib, shuffle, drop_last, requires_grad):
    g = lib.Generator().manual_seed(7)
    x = lib.from_numpy(np.arange(46, dtype=np.float64).reshape(23, 2))
    if requires_grad:
        x.requires_grad_()
    y = lib.from_numpy(np.arange(23) % 3)
    loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(x, y), batch_size=5,
                                       shuffle=shuffle, drop_last=drop_last, generator=g)
    out = [(type(b).__name__, [(t.tolist(), str(t.dtype), t.stride(), t.requires_grad,
                                type(t.grad_fn).__name__) for t in b])
           for _ in range(2) for b in loader]
    return out, lib.rand(1, generator=g).item()  # the generator's state after the epochs


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_tensor_dataset_batches_match_torch(shuffle, drop_last, requires_grad):
    assert _batches(minigrad, shuffle, drop_last, requires_grad) == \
        _batches(torch, shuffle, drop_last, requires_grad)
