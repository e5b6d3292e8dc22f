"""Every op in the registry (minigrad/ops/registry.py) against torch, read from its declaration:
each form torch has (torch.X, Tensor.X, Tensor.X_, nn.functional.X, torch.special.X) exists in
both libraries and gives torch's values (every output), grad_fn names and input gradients on
inputs drawn from the op's domain or its written-out cases; ops that draw random numbers are
seeded alike. Then minigrad against itself: each op's backward gives the same bits on the
ndarray fast path as on Tensors."""
import numpy as np
import pytest
import torch

import minigrad
from minigrad.ops.registry import DOMAINS, ops_in
from helpers import assert_tensor_equal

OPS = ops_in()
SHAPES = [(), (3,), (2, 3)]
SEED = 2024      # both libraries' default generator, before each call of a random_stream op


def _inputs(op, rng, dtype):
    """[(args, kwargs)] for op: from its sampler, else one array per argument from its domain."""
    if op.sample is not None:
        return list(op.sample(rng, dtype))
    return [([np.asarray(DOMAINS[op.domain](rng, s)).astype(dtype) for _ in op.args], {})
            for s in SHAPES]


def _convert(lib, v, requires_grad):
    if isinstance(v, np.ndarray):
        t = lib.from_numpy(np.array(v, copy=True))
        return t.requires_grad_() if requires_grad and v.dtype.kind == "f" else t
    if isinstance(v, (list, tuple)):
        return type(v)(_convert(lib, x, requires_grad) for x in v)
    return v


def _call(form, lib, name, args, kwargs, op):
    if op.random_stream:
        lib.manual_seed(SEED)
    if form == "function":
        return getattr(lib, name)(*args, **kwargs)
    if form == "functional":
        return getattr(lib.nn.functional, name)(*args, **kwargs)
    if form == "special":
        return getattr(lib.special, name)(*args, **kwargs)
    return getattr(args[0], name)(*args[1:], **kwargs)


def _leaves(args):
    """The tensors among args (inside lists too) that require grad."""
    found = []
    for a in args:
        if isinstance(a, (list, tuple)):
            found += _leaves(a)
        elif getattr(a, "requires_grad", False):
            found.append(a)
    return found


def _outputs(out):
    """An op's result as a flat list: a tensor, the tensors of a tuple (sort's values and
    indices, split's pieces), or a Python value (equal, allclose)."""
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _outputs(o)]
    return [out]


def _numpy_dtype(t):
    return str(t.dtype).removeprefix("torch.")    # "torch.float32" in both libraries


def _check_call(op, form, key, args, kwargs, rng, dtype):
    """Call one form of op in both libraries; compare values, grad_fn names and gradients.
    Returns the grad_fn names that differ from torch's (only an op with a node_gap has any)."""
    grad = op.differentiable
    a_mg, a_th = _convert(minigrad, args, grad), _convert(torch, args, grad)
    outs_mg = _outputs(_call(form, minigrad, key, a_mg, kwargs, op))
    outs_th = _outputs(_call(form, torch, key, a_th, kwargs, op))
    assert len(outs_mg) == len(outs_th), (key, form)
    for o_mg, o_th in zip(outs_mg, outs_th):
        if isinstance(o_th, torch.Tensor):
            assert_tensor_equal(o_mg, o_th)
        else:
            assert type(o_mg) is type(o_th) and o_mg == o_th, (key, form, o_mg, o_th)
    pairs = [(m, t) for m, t in zip(outs_mg, outs_th)
             if isinstance(t, torch.Tensor) and t.requires_grad]
    if not (grad and pairs):
        return set()
    differ = set()
    for o_mg, o_th in pairs:
        node, torch_node = type(o_mg.grad_fn).__name__, type(o_th.grad_fn).__name__
        if node != torch_node:
            assert op.node_gap, (key, form, node, torch_node)
            differ.add((node, torch_node))
        assert o_th.grad_fn is None or node in op.nodes, (key, form, node)   # None: x itself
    gs = [rng.standard_normal(tuple(t.shape)).astype(_numpy_dtype(t)) for _, t in pairs]
    minigrad.autograd.backward([m for m, _ in pairs], [minigrad.from_numpy(g.copy()) for g in gs])
    torch.autograd.backward([t for _, t in pairs], [torch.from_numpy(g.copy()) for g in gs])
    for lm, lt in zip(_leaves(a_mg), _leaves(a_th)):
        if lt.grad is None:                    # an input the output does not depend on
            assert lm.grad is None, (key, form)
        else:
            assert_tensor_equal(lm.grad, lt.grad)
    return differ


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_registered_op_matches_torch(op):
    rng = np.random.default_rng(0)
    differ = set()
    calls = [(form, key) for form in sorted(op.forms - {"inplace"})
             for key in (op.name, *op.aliases)]
    calls += [("special", key) for key in op.special_names]    # torch.special.expit, ...
    for form, key in calls:
        for dtype in op.dtypes:
            for args, kwargs in _inputs(op, rng, np.dtype(dtype)):
                differ |= _check_call(op, form, key, args, kwargs, rng, dtype)
    assert bool(differ) == bool(op.node_gap), f"{op.name}: node_gap is stale (names now agree)"


@pytest.mark.parametrize("op", [op for op in OPS if "inplace" in op.forms],
                         ids=[op.name for op in OPS if "inplace" in op.forms])
def test_registered_inplace_matches_torch(op):
    rng = np.random.default_rng(1)
    for dtype in op.dtypes:
        for args, kwargs in _inputs(op, rng, np.dtype(dtype)):
            a_mg, a_th = _convert(minigrad, args, False), _convert(torch, args, False)
            r_mg = _call("inplace", minigrad, op.name + "_", a_mg, kwargs, op)
            r_th = _call("inplace", torch, op.name + "_", a_th, kwargs, op)
            assert r_mg is a_mg[0]
            assert_tensor_equal(a_mg[0], a_th[0])
            assert_tensor_equal(r_mg, r_th)


def test_registry_rejects_unknown_forms_and_domains():
    from minigrad.ops.registry import OpInfo
    with pytest.raises(ValueError, match="unknown forms"):
        OpInfo("x", abs, forms=frozenset({"operator"}))
    with pytest.raises(ValueError, match="unknown domain"):
        OpInfo("x", abs, domain="everywhere")


def test_every_registered_node_has_a_documented_derivative():
    """docs/derivatives.md covers the registry: each node a registered op declares is a Function
    with a row in the table (the page's coverage check)."""
    from minigrad.autograd import derivatives
    assert derivatives.coverage() == []
    assert {"MulBackward0", "PowBackward0"} <= {n for op in OPS for n in op.nodes}


def _minigrad_grads(op, args, kwargs, create_graph):
    """Input gradients of one call of op (its first form) for a fixed cotangent, or None when
    the call has no differentiable output or input."""
    a_mg = _convert(minigrad, args, True)
    form = sorted(op.forms - {"inplace"})[0]
    outs = [o for o in _outputs(_call(form, minigrad, op.name, a_mg, kwargs, op))
            if isinstance(o, minigrad.Tensor) and o.requires_grad]
    leaves = _leaves(a_mg)
    if not outs or not leaves:
        return None
    rng = np.random.default_rng(3)
    cotangents = [minigrad.from_numpy(rng.standard_normal(tuple(o.shape)).astype(_numpy_dtype(o)))
                  for o in outs]
    return minigrad.autograd.grad(outs, leaves, cotangents, allow_unused=True,
                                  create_graph=create_graph)


@pytest.mark.parametrize("op", [op for op in OPS if op.differentiable],
                         ids=[op.name for op in OPS if op.differentiable])
def test_registered_op_backward_gives_the_same_bits_on_arrays_and_tensors(op):
    """The ndarray fast path (numpy_backward: create_graph=False) and the recorded Tensor path
    (create_graph=True) of every registered op's backward agree bit for bit on its samples."""
    rng = np.random.default_rng(2)
    for dtype in op.dtypes:
        for args, kwargs in _inputs(op, rng, np.dtype(dtype)):
            on_arrays = _minigrad_grads(op, args, kwargs, create_graph=False)
            on_tensors = _minigrad_grads(op, args, kwargs, create_graph=True)
            if on_arrays is None:
                assert on_tensors is None
                continue
            for a, t in zip(on_arrays, on_tensors, strict=True):
                assert (a is None) == (t is None)
                if a is not None:
                    np.testing.assert_array_equal(a.numpy(), t.detach().numpy())
