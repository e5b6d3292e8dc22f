"""Helpers for backward formulas that run on Tensors and on ndarrays alike.

A backward formula marked ``numpy_backward = True`` (see ``function.py``) must give the same
result whether the engine hands it Tensors (``create_graph=True``: every step is recorded) or
plain ndarrays (otherwise: only the NumPy work is done). Arithmetic operators already behave the
same on both; what has a different spelling in NumPy goes through these helpers.
"""
import numpy as np

from .function import _NO_CTX, on_arrays


def call(fn, *args):
    """The op ``fn`` (a Function class) inside a formula: recorded like any op on Tensors,
    just its forward on ndarrays."""
    if on_arrays.active:
        return fn.forward(_NO_CTX, *args)
    return fn.apply(*args)


def expand(grad, shape):
    """grad broadcast to ``shape`` (a read-only view on arrays, ExpandBackward0 on Tensors)."""
    if on_arrays.active:
        return np.broadcast_to(grad, shape)
    from ..ops.elementwise import broadcast_to
    return broadcast_to(grad, shape)


def zeros_like(grad):
    """Zeros shaped like grad: the gradient of a piecewise-constant op (not grad * 0, which
    would keep nan and inf)."""
    if on_arrays.active:
        return np.zeros_like(grad)
    return grad.new_zeros(grad.shape)


def where(condition, a, b):
    """a where condition holds, else b (either may be a Python number)."""
    if on_arrays.active:
        out = np.where(condition, a, b)
        dtype = next((x.dtype for x in (a, b) if isinstance(x, (np.ndarray, np.generic))), None)
        return out if dtype is None else out.astype(dtype, copy=False)
    from .. import where as tensor_where
    return tensor_where(condition, a, b)
