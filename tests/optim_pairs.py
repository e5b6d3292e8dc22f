"""Running a minigrad optimizer and torch's side by side on the same injected gradients, and
comparing parameters and state byte for byte (used by tests/test_optim_*.py)."""
import numpy as np
import torch

import minigrad
import minigrad.optim._kernels as kernels
from helpers import to_mg
from minigrad import _torch_sqrt

SHAPES = [(37,), (3, 5), (1,)]   # a vector tail, a matrix, the one-element route of fma


class Pair:
    """The same parameters (float32 or float64) in both libraries, with one optimizer each."""

    def __init__(self, name, groups, dtype, seed=0, shapes=SHAPES):
        """groups: a list of (number of the shapes' parameters in the group, hyper-parameters);
        the first group's hyper-parameters are the constructor's keyword arguments."""
        self.rng = np.random.default_rng(seed)
        self.dtype = dtype
        init = [self.rng.standard_normal(s).astype(dtype) for s in shapes]
        self.mg = [minigrad.nn.Parameter(minigrad.from_numpy(w.copy())) for w in init]
        self.th = [torch.nn.Parameter(torch.from_numpy(w.copy())) for w in init]
        self.name, self.groups = name, groups
        self.om = self.make(minigrad, self.mg)
        self.ot = self.make(torch, self.th)

    def make(self, lib, params):
        """A fresh optimizer of this pair's kind over ``params`` split into its groups."""
        split, start = [], 0
        for count, kwargs in self.groups:
            split.append(dict(kwargs, params=params[start:start + count]))
            start += count
        defaults = {k: v for k, v in self.groups[0][1].items()}
        return getattr(lib.optim, self.name)(split, **defaults)

    def gradients(self, zeros=0.1):
        """One step's gradients: normal, with about ``zeros`` of them exactly 0."""
        return [self.rng.standard_normal(p.shape).astype(self.dtype)
                * (self.rng.random(p.shape) >= zeros) for p in self.th]

    def step(self, n=1, skip_last=False):
        """n steps of both optimizers on the same gradients (``skip_last``: the last parameter
        has no gradient, so is left alone)."""
        for _ in range(n):
            grads = self.gradients()
            for pm, pt, g in zip(self.mg, self.th, grads):
                pm.grad = minigrad.from_numpy(g.copy())
                pt.grad = torch.from_numpy(g.copy())
            if skip_last:
                self.mg[-1].grad = self.th[-1].grad = None
            self.om.step()
            self.ot.step()

    def assert_bit_equal(self):
        for pm, pt in zip(self.mg, self.th):
            assert_bytes_equal(pm.detach(), pt.detach())
        assert len(self.om.state) == len(self.ot.state)
        for pm, pt in zip(self.mg, self.th):
            assert_state_equal(self.om.state.get(pm, {}), self.ot.state.get(pt, {}))

    def reload(self, from_torch=False):
        """Replace both optimizers by fresh ones loaded from their state dicts (minigrad's own,
        or torch's converted, when ``from_torch``)."""
        saved_m, saved_t = self.om.state_dict(), self.ot.state_dict()
        if from_torch:
            saved_m = convert_state_dict(saved_t, to_mg)
        self.om, self.ot = self.make(minigrad, self.mg), self.make(torch, self.th)
        self.om.load_state_dict(saved_m)
        self.ot.load_state_dict(saved_t)


def convert_state_dict(state_dict, convert):
    """A state dict with every tensor converted to the other library."""
    state = {i: {k: convert(v) if hasattr(v, "dtype") else v for k, v in s.items()}
             for i, s in state_dict["state"].items()}
    return {"state": state, "param_groups": state_dict["param_groups"]}


def assert_bytes_equal(mg, th):
    """Same dtype, shape and bytes (so -0.0 and NaN payloads count too)."""
    a, b = mg.detach().numpy(), th.detach().numpy()
    assert str(a.dtype) == str(b.dtype) and a.shape == b.shape
    if a.tobytes() != b.tobytes():
        diff = np.flatnonzero(a.ravel() != b.ravel())
        raise AssertionError(f"{diff.size} of {a.size} elements differ, e.g. at {diff[:5]}: "
                             f"{a.ravel()[diff[:3]]} vs {b.ravel()[diff[:3]]}")


def assert_state_equal(sm, st):
    assert list(sm) == list(st)
    for key, value in st.items():
        if isinstance(value, torch.Tensor):
            assert_bytes_equal(sm[key], value)
        elif isinstance(value, list):
            assert len(sm[key]) == len(value)
            for a, b in zip(sm[key], value):
                assert_bytes_equal(a, b)
        else:
            assert sm[key] == value, key



def use_torchs_sqrt_if_unknown(monkeypatch):
    """On a processor whose sqrt kernel minigrad does not reproduce (``_torch_sqrt``), give the
    optimizers torch's square root, so that byte-for-byte tests check the rest of the update;
    where it does (``ESTIMATE_KERNEL``), minigrad runs as it is."""
    if _torch_sqrt.ESTIMATE_KERNEL is None:
        monkeypatch.setattr(kernels, "square_root", lambda x: torch.from_numpy(
            np.ascontiguousarray(x)).sqrt().numpy().reshape(np.shape(x)))
