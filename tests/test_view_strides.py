"""view() of tensors of every layout: the same strides, values and errors as torch (NumPy's
reshape makes the view when it can; torch's strides are computed where size-1 dims leave a
choice)."""
import itertools

import numpy as np
import pytest
import torch

import minigrad


def _factorisations(n, parts):
    """Shapes of ``parts`` dims (1s included) holding n elements."""
    if parts == 1:
        yield (n,)
        return
    for d in range(1, n + 1):
        if n % d == 0:
            for rest in _factorisations(n // d, parts - 1):
                yield (d,) + rest


def _layouts(rng):
    """(minigrad tensor, torch tensor) pairs of one data in many layouts: slices, transposes,
    permutations, size-1 dims, steps (the same ops on each)."""
    base = rng.standard_normal((4, 6, 5)).astype(np.float32)
    views = [lambda a: a, lambda a: a[:, :3], lambda a: a[:, ::2], lambda a: a[1:3],
             lambda a: a[:, :, :1], lambda a: a[:1], lambda a: a[:, 2:3, :]]
    for view, perm in itertools.product(views, itertools.permutations(range(3))):
        yield (view(minigrad.from_numpy(base.copy())).permute(perm),
               view(torch.from_numpy(base.copy())).permute(perm))


@pytest.mark.parametrize("seed", [0, 1])
def test_views_match_torch_in_every_layout(seed):
    rng = np.random.default_rng(seed)
    checked = refused = 0
    for m, t in _layouts(rng):
        assert m.stride() == t.stride()
        for parts in (1, 2, 3, 4):
            for shape in _factorisations(t.numel(), parts):
                try:
                    want = t.view(shape)
                except RuntimeError as e:
                    assert "view size is not compatible" in str(e)
                    with pytest.raises(RuntimeError, match="view size is not compatible"):
                        m.view(shape)
                    refused += 1
                    continue
                got = m.view(shape)
                assert got.stride() == want.stride(), (t.shape, t.stride(), shape)
                np.testing.assert_array_equal(got.numpy(), want.numpy())
                checked += 1
    assert checked > 500 and refused > 50


def test_a_view_of_a_view_writes_through_to_the_base():
    x = minigrad.zeros(4, 6)
    v = x.t()[2:4].view(2, 2, 2)     # rows 2 and 3 of the transpose: columns of x
    v.add_(1)
    want = torch.zeros(4, 6)
    want.t()[2:4].view(2, 2, 2).add_(1)
    np.testing.assert_array_equal(x.numpy(), want.numpy())
