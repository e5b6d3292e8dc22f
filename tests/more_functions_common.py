"""Shared by the tests of the torch functions added in ops/*_more.py: run one call in minigrad
and torch on the same arrays and compare values, dtypes, grad_fn names and every input's
gradient."""
import numpy as np
import torch

import minigrad
from helpers import assert_tensor_equal, graph_signature


def leaves(lib, arrays, requires_grad=True):
    """Tensors of lib holding copies of the arrays; float ones require grad."""
    out = []
    for a in arrays:
        t = lib.from_numpy(np.array(a, copy=True))
        out.append(t.requires_grad_() if requires_grad and t.dtype.is_floating_point else t)
    return out


def flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [out]


def compare_call(fn, arrays, seed=0, bitwise=False, depth=1):
    """fn(lib, *tensors) in both libraries: outputs (values, dtypes), graphs ``depth`` levels
    deep, and the gradients of every float input for a random cotangent. Returns the outputs."""
    mg_in, th_in = leaves(minigrad, arrays), leaves(torch, arrays)
    outs_mg, outs_th = flat(fn(minigrad, *mg_in)), flat(fn(torch, *th_in))
    assert len(outs_mg) == len(outs_th)
    for a, b in zip(outs_mg, outs_th):
        assert_tensor_equal(a, b)
        if bitwise:
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert graph_signature(a, depth) == graph_signature(b, depth)
    pairs = [(a, b) for a, b in zip(outs_mg, outs_th) if b.requires_grad]
    if pairs:
        rng = np.random.default_rng(seed)
        gs = [rng.standard_normal(tuple(b.shape)).astype(str(b.dtype)[6:]) for _, b in pairs]
        minigrad.autograd.backward([a for a, _ in pairs], [minigrad.from_numpy(g.copy())
                                                           for g in gs])
        torch.autograd.backward([b for _, b in pairs], [torch.from_numpy(g.copy()) for g in gs])
        for a, b in zip(mg_in, th_in):
            if b.grad is None:
                assert a.grad is None or not a.grad.numpy().any()
            else:
                assert_tensor_equal(a.grad, b.grad)
    return outs_mg, outs_th

