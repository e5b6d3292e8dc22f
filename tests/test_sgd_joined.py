"""SGD steps the small float32 parameters of a group together, as one array: the bytes must be
torch's for every option, with parameters of every route side by side (one element, small,
non-contiguous, large, float64), and each parameter's version must advance as torch's does."""
import numpy as np
import pytest
import torch

import minigrad
from minigrad.optim.sgd import _JOIN_SIZE
from test_optim import SGD_CASES

RNG = np.random.default_rng(11)


def _arrays():
    return [RNG.standard_normal(1).astype(np.float32),
            RNG.standard_normal((7, 5)).astype(np.float32),
            RNG.standard_normal(29).astype(np.float32),
            RNG.standard_normal((6, 4)).astype(np.float32).T,        # not contiguous
            RNG.standard_normal(_JOIN_SIZE + 3).astype(np.float32),  # stepped on its own
            RNG.standard_normal((3, 4)),                             # float64
            RNG.standard_normal(300).astype(np.float32)]


@pytest.mark.parametrize("kwargs", SGD_CASES)
def test_joined_sgd_is_torchs_bytes(kwargs):
    start = _arrays()
    pm = [minigrad.nn.Parameter(minigrad.from_numpy(a.copy(order="K"))) for a in start]
    pt = [torch.nn.Parameter(torch.from_numpy(a.copy(order="K"))) for a in start]
    om, ot = minigrad.optim.SGD(pm, **kwargs), torch.optim.SGD(pt, **kwargs)
    for step in range(20):
        for m, t, a in zip(pm, pt, start):
            g = RNG.standard_normal(a.shape).astype(a.dtype)
            m.grad, t.grad = minigrad.from_numpy(g.copy()), torch.from_numpy(g.copy())
        if step == 7:    # a parameter without a gradient is left alone
            pm[2].grad = pt[2].grad = None
        om.step()
        ot.step()
    for m, t in zip(pm, pt):
        assert m.detach().numpy().tobytes() == t.detach().numpy().tobytes()
        assert m._version == t._version
