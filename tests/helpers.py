"""Shared helpers for tests that compare minigrad with real torch.

* ``pair(array, requires_grad=False)``   the same values as a minigrad and a torch tensor
* ``to_torch(t)`` / ``to_mg(t)``         copy a tensor across (dtype, shape, requires_grad kept)
* ``assert_tensor_equal(mg, th)``        shape + dtype + values, with a dtype-aware tolerance
* ``assert_same_error(fn_mg, fn_th)``    both raise the same exception class and message
* ``graph_signature(t)``                 grad_fn name and next_functions names, for comparison
* ``fd_check(fn, inputs)``               float64 central-difference gradient check (no torch)
"""
import re

import numpy as np
import torch

import minigrad

# rtol, atol per dtype name; integer and bool dtypes compare exactly.
TOLERANCES = {
    "float16": (1e-3, 1e-3),
    "float32": (1e-5, 1e-6),
    "float64": (1e-10, 1e-12),
}


def dtype_name(d):
    """'float32' for minigrad.float32, torch.float32 or a NumPy dtype."""
    return str(d).replace("torch.", "")


def to_torch(t, requires_grad=None):
    """A torch tensor with the same values, dtype and (unless given) requires_grad as ``t``."""
    out = torch.from_numpy(np.array(t.detach().numpy(), copy=True))
    rg = t.requires_grad if requires_grad is None else requires_grad
    return out.requires_grad_(rg) if rg else out


def to_mg(t, requires_grad=None):
    """A minigrad tensor with the same values, dtype and (unless given) requires_grad as ``t``."""
    out = minigrad.from_numpy(np.array(t.detach().numpy(), copy=True))
    rg = t.requires_grad if requires_grad is None else requires_grad
    return out.requires_grad_(rg) if rg else out


def pair(array, requires_grad=False):
    """(minigrad tensor, torch tensor) holding separate copies of ``array``."""
    a = np.array(array, copy=True)
    mg = minigrad.from_numpy(a)
    th = torch.from_numpy(np.array(a, copy=True))
    if requires_grad:
        mg.requires_grad_()
        th.requires_grad_()
    return mg, th


def assert_tensor_equal(mg, th, rtol=None, atol=None, check_grad_flag=False):
    """``mg`` (minigrad) matches ``th`` (torch) in type, shape, dtype and values.

    Floating dtypes use TOLERANCES unless ``rtol``/``atol`` is given (NaNs must match too);
    integer and bool dtypes must be exactly equal.
    """
    assert isinstance(mg, minigrad.Tensor), f"expected a minigrad Tensor, got {type(mg)}"
    assert isinstance(th, torch.Tensor), f"expected a torch Tensor, got {type(th)}"
    assert tuple(mg.shape) == tuple(th.shape), f"shape {tuple(mg.shape)} != {tuple(th.shape)}"
    assert dtype_name(mg.dtype) == dtype_name(th.dtype), f"dtype {mg.dtype} != {th.dtype}"
    if check_grad_flag:
        assert mg.requires_grad == th.requires_grad
    a = mg.detach().numpy()
    b = th.detach().numpy()
    name = dtype_name(th.dtype)
    if name in TOLERANCES:
        r, t = TOLERANCES[name]
        r = r if rtol is None else rtol
        t = (t if rtol is None else 0.0) if atol is None else atol
        np.testing.assert_allclose(a, b, rtol=r, atol=t, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def assert_grads_equal(mg_inputs, th_inputs, rtol=None, atol=None):
    """``.grad`` of each minigrad input matches the torch one (both None, or equal tensors)."""
    for i, (m, t) in enumerate(zip(mg_inputs, th_inputs)):
        if t.grad is None:
            assert m.grad is None, f"input {i}: minigrad has a grad, torch has none"
        else:
            assert m.grad is not None, f"input {i}: minigrad has no grad"
            assert_tensor_equal(m.grad, t.grad, rtol=rtol, atol=atol)


def compare_libs(fn):
    """Run fn(torch) and fn(minigrad); their results (tensors, nested tuples, plain values) must
    agree."""
    expected, got = fn(torch), fn(minigrad)
    compare_results(got, expected)


def compare_result_or_error(run):
    """run(torch) and run(minigrad) raise the same error, or return agreeing results."""
    try:
        expected = run(torch)
    except RuntimeError:
        assert_same_error(lambda: run(minigrad), lambda: run(torch))
        return
    compare_results(run(minigrad), expected)


def compare_results(got, expected):
    if isinstance(expected, torch.Tensor):
        assert_tensor_equal(got, expected)
    elif isinstance(expected, (tuple, list)):
        assert len(got) == len(expected), (got, expected)
        for g, e in zip(got, expected):
            compare_results(g, e)
    else:
        assert got == expected


def catch(fn):
    """(exception class name, message) raised by ``fn()``; (None, None) if it returns."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - we want whatever the library raises
        return type(e).__name__, str(e)
    return None, None


def _normalise_message(msg):
    # torch appends C++ source locations / stack traces in some builds; ignore those.
    msg = re.split(r"\nException raised from ", msg)[0]
    return msg.strip()


def assert_same_error(fn_mg, fn_th, match_message=True):
    """Both callables raise, with the same exception class and (by default) the same message."""
    th_cls, th_msg = catch(fn_th)
    mg_cls, mg_msg = catch(fn_mg)
    assert th_cls is not None, "torch did not raise"
    assert mg_cls == th_cls, (
        f"minigrad raised {mg_cls}: {mg_msg!r}; torch raised {th_cls}: {th_msg!r}")
    if match_message:
        assert _normalise_message(mg_msg) == _normalise_message(th_msg), (
            f"\nminigrad: {mg_msg!r}\ntorch:    {th_msg!r}")


def graph_signature(t, depth=1):
    """grad_fn name plus its next_functions names (nested ``depth`` levels), None-safe."""
    def node_sig(node, d):
        if node is None:
            return None
        name = type(node).__name__
        if d == 0:
            return name
        return (name, tuple((node_sig(n, d - 1), nr) for n, nr in node.next_functions))
    return node_sig(t.grad_fn, depth)


def fd_check(fn, inputs, eps=1e-6, rtol=1e-6, atol=1e-8, seed=0):
    """Check minigrad's analytic gradients of ``fn`` against central finite differences.

    ``inputs`` are float64 arrays (or minigrad tensors); ``fn`` maps minigrad tensors to one
    minigrad tensor. A random upstream gradient ``v`` is used, so the checked quantity is the
    vector-Jacobian product ``v @ J`` for every input. Independent of torch.
    """
    rng = np.random.default_rng(seed)
    arrays = [np.array(x.detach().numpy() if isinstance(x, minigrad.Tensor) else x,
                       dtype=np.float64, copy=True) for x in inputs]
    leaves = [minigrad.from_numpy(a.copy()).requires_grad_() for a in arrays]
    out = fn(*leaves)
    assert out.dtype == minigrad.float64, f"fd_check needs a float64 output, got {out.dtype}"
    v = rng.standard_normal(out.shape)
    out.backward(minigrad.from_numpy(v.copy()))

    def value(arrs):
        with minigrad.no_grad():
            return float(np.sum(fn(*[minigrad.from_numpy(a) for a in arrs]).numpy() * v))

    for i, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            numeric[idx] = (value(plus) - value(minus)) / (2 * eps)
        g = leaves[i].grad
        analytic = np.zeros_like(a) if g is None else g.numpy()
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")


def outcome_with_warnings(fn):
    """``fn()``'s result, or (exception class name, message) if it raises, together with the
    messages of the warnings it gave (torch's "(Triggered internally at ...)" note dropped)."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - the caller compares it with torch's
            result = (type(e).__name__, str(e))
    return result, [str(w.message).split(" (Triggered internally")[0] for w in caught]
