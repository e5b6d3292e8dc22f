"""Run one expression on minigrad and on torch and compare everything a layer test needs.

``check(fn, arrays)`` builds each array as a leaf in both libraries (float arrays require grad),
calls ``fn(lib, *leaves)``, and checks the outputs' shapes, dtypes, values and grad_fn names,
then backpropagates the same random upstream gradient and compares every leaf's gradient.

Tolerances follow the dtype's budget, scaled by the size of the reference values: a sum of many
products (a convolution, a pooled window) is accumulated in another order than torch's kernels,
so near-zero entries are compared against the magnitude of the whole result.
"""
import re

import numpy as np
import torch

import minigrad

BUDGET = {"float32": 2e-5, "float64": 1e-10}


def _leaves(lib, arrays, grad):
    out = []
    for a in arrays:
        if isinstance(a, np.ndarray):
            t = lib.from_numpy(np.array(a, copy=True))
            if grad and a.dtype.kind == "f":
                t.requires_grad_()
            out.append(t)
        else:
            out.append(a)
    return out


def close(got, expected, what="", floor=0.0):
    """Arrays of the same shape and dtype, equal within the dtype's budget (relative to the
    largest reference value, or to ``floor`` when larger: a gradient that cancels to nearly 0 is
    judged against the size of the upstream gradient it came from)."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype} != {expected.dtype}"
    if got.dtype.kind != "f":
        np.testing.assert_array_equal(got, expected, err_msg=what)
        return
    rel = BUDGET[str(got.dtype)]
    finite = np.abs(expected[np.isfinite(expected)])
    scale = max(float(finite.max()) if finite.size else 1.0, floor)
    np.testing.assert_allclose(got, expected, rtol=rel, atol=rel * max(scale, 1e-3),
                               equal_nan=True, err_msg=what)


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check(fn, arrays, grad=True, seed=0):
    """fn(lib, *leaves) agrees between minigrad and torch, values and gradients."""
    mg_in, th_in = _leaves(minigrad, arrays, grad), _leaves(torch, arrays, grad)
    mg_out, th_out = _outputs(fn(minigrad, *mg_in)), _outputs(fn(torch, *th_in))
    assert len(mg_out) == len(th_out)
    for m, t in zip(mg_out, th_out):
        close(m.detach().numpy(), t.detach().numpy(), "value")
        assert type(m.grad_fn).__name__ == type(t.grad_fn).__name__, (m.grad_fn, t.grad_fn)
    th_main, mg_main = th_out[0], mg_out[0]
    if not (grad and th_main.requires_grad):
        return mg_out, th_out
    g = np.random.default_rng(seed).standard_normal(tuple(th_main.shape))
    g = g.astype(th_main.detach().numpy().dtype)
    th_main.backward(torch.from_numpy(g.copy()))
    mg_main.backward(minigrad.from_numpy(g.copy()))
    for i, (m, t) in enumerate(zip(mg_in, th_in)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert (m.grad is None) == (t.grad is None), f"input {i}"
            if t.grad is not None:
                close(m.grad.numpy(), t.grad.numpy(), f"grad of input {i}",
                      floor=float(np.abs(g).max()) if g.size else 0.0)
    return mg_out, th_out


def _sets_sorted(message):
    """A printed Python set's items in sorted order: its own order depends on the hash seed of
    whichever process compiled the module that built it."""
    def sort(match):
        return "{" + ", ".join(sorted(match.group(1).split(", "))) + "}"
    return re.sub(r"\{('[^{}]*')\}", sort, message)


def same_error(fn):
    """fn(torch) and fn(minigrad) raise the same exception class and message."""
    messages = []
    for lib in (torch, minigrad):
        try:
            fn(lib)
        except Exception as e:  # noqa: BLE001 - whatever the library raises
            text = str(e).split("\nException raised from")[0]
            messages.append((type(e).__name__, _sets_sorted(text)))
        else:
            messages.append((None, None))
    assert messages[0][0] is not None, "torch did not raise"
    assert messages[1] == messages[0], messages
