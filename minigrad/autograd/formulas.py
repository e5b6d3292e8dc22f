"""Helpers for backward formulas that run on Tensors and on ndarrays alike.

A backward formula marked ``numpy_backward = True`` (see ``function.py``) must give the same
result whether the engine hands it Tensors (``create_graph=True``: every step is recorded) or
plain ndarrays (otherwise: only the NumPy work is done). Arithmetic operators already behave the
same on both; what has a different spelling in NumPy goes through these helpers.

Two NumPy habits differ from torch. NumPy gives a 0-d result as a NumPy scalar: ``call`` and the
shape helpers hand it to a forward as a 0-d array. NumPy promotes mixed dtypes its own way: a
Function whose operands may differ in dtype calls ``on_tensors_if_mixed`` in forward, and such a
node keeps its formula on Tensors. Constants in formulas stay Python numbers, weak in both.
"""
import importlib

import numpy as np

from .. import _buffers
from .. import _tensor  # circular: _make is looked up when a formula runs
from .function import _NO_CTX, on_arrays


def call(fn, *args):
    """The op ``fn`` (a Function class) inside a formula: recorded like any op on Tensors,
    just its forward on ndarrays."""
    if on_arrays.active:
        return _forward(fn, *args)
    return fn.apply(*args)


def _forward(fn, *args):
    """fn's forward on arrays, NumPy scalars given as the 0-d arrays a Tensor would hold."""
    # NumPy arithmetic gives a 0-d result as a NumPy scalar, which forward would take for a
    # Python number (as torch takes ``np.float64(2)``: weakly typed)
    for a in args:
        if isinstance(a, np.generic):
            args = [np.asarray(a) if isinstance(a, np.generic) else a for a in args]
            break
    return fn.forward(_NO_CTX, *args)


def pow(x, p):  # noqa: A001 - reads like x.pow(p) in a formula
    """x ** p for a number p (PowBackward0), with the rounding of torch's pow kernel."""
    return call(_ops("arithmetic").PowBackward0, x, p)


def expand(grad, shape):
    """grad broadcast to ``shape`` (a read-only view on arrays, ExpandBackward0 on Tensors)."""
    if on_arrays.active:
        return np.broadcast_to(grad, shape)
    return _ops("broadcast").broadcast_to(grad, shape)


def divide_into(grad, temporary):
    """grad / temporary, where ``temporary`` is an array the formula itself has just made (as
    ``out * 2``): on ndarrays of one shape and dtype the quotient is written over it, so the
    formula allocates one array instead of two -- the same division, the same bits."""
    if (type(temporary) is np.ndarray and isinstance(grad, np.ndarray)
            and grad.shape == temporary.shape and grad.dtype == temporary.dtype):
        return fresh(np.divide(grad, temporary, out=temporary))
    if type(grad) is np.ndarray and type(temporary) is np.ndarray:
        return fresh(np.divide(grad, temporary, out=_buffers.for_result(grad, temporary)))
    return fresh(grad / temporary)


def zeros_like(grad):
    """Zeros shaped like grad, row-major: the gradient of a piecewise-constant op (not grad * 0,
    which would keep nan and inf)."""
    if on_arrays.active:
        return np.zeros(grad.shape, grad.dtype)
    return grad.new_zeros(grad.shape)


def where(condition, a, b):
    """a where condition holds, else b (either may be a Python number)."""
    return call(_ops("clamp").WhereBackward0, condition, a, b)


def data(x):
    """x's ndarray, outside any graph: x itself on arrays, ``x._data`` on Tensors."""
    return x if on_arrays.active else x._data


def zeros(shape, like):
    """Zeros of ``shape`` in like's dtype (row-major) as a constant: what a scatter writes into."""
    return constant(np.zeros(shape, data(like).dtype))


def zeros_kept_layout(x):
    """Zeros with x's shape, dtype and strides (torch's ``zeros_like``), as a constant even on
    Tensors: the gradient of an input that was overwritten."""
    return constant(np.zeros_like(data(x)))


def isnan(x):
    """Where x is nan: a bool array, or a bool Tensor (no graph)."""
    return np.isnan(x) if on_arrays.active else x.isnan()


def isfinite(x):
    """Where x is neither nan nor inf: a bool array, or a bool Tensor (no graph)."""
    return np.isfinite(x) if on_arrays.active else x.isfinite()


def constant(array):
    """An ndarray made in forward (``ctx.coef``) as an operand: a constant Tensor on Tensors."""
    return array if on_arrays.active else _tensor._make(array)


def on_tensors_if_mixed(ctx, dtype, *operands):
    """In forward: keep ctx's formula on Tensors if an array operand's dtype is not ``dtype``."""
    # NumPy promotes such mixes unlike torch (a 0-d float64 widens float32; float32 and int64
    # arrays give float64); the Tensor ops promote as torch does
    for x in operands:
        if getattr(x, "dtype", dtype) != dtype:  # arrays and NumPy scalars have a dtype
            ctx.numpy_backward = False
            return


def sum(x, dims, keepdim=False):  # noqa: A001 - reads like x.sum(dims) in a formula
    """x.sum(dims, keepdim) (SumBackward1)."""
    if on_arrays.active:
        reduction = _ops("reduction")
        dims = reduction.reduce_dims(dims, x.ndim)
        return _forward(reduction.SumBackward1, x, dims, keepdim)
    return x.sum(dims, keepdim=keepdim)


def sum_to_size(x, shape):
    """x summed down to ``shape`` (undoing a broadcast), as Tensor.sum_to_size does it."""
    if not on_arrays.active:
        return x.sum_to_size(shape)
    if x.shape == shape:
        return x
    dims = _ops("broadcast").sum_to_dims(x.shape, shape)  # canonical: no reduce_dims needed
    out = _forward(_ops("reduction").SumBackward1, x, dims, True) if dims else x
    return out.reshape(shape) if x.ndim != len(shape) else out


# Shape ops inside a formula: on Tensors the ops of ``ops/shape.py`` (views of their input, as
# when the formula was written with them); on arrays the forward of their Function, so the
# arrays and their strides are the same in both modes.
def reshape(x, shape):
    """x.reshape(shape): a view when the strides allow it, else a row-major copy."""
    ops = _ops("shape")
    if not on_arrays.active:
        return ops.reshape(x, shape)
    out = ops._strided_view(x, shape)
    return out if out is not None else ops._strided_view(_buffers.row_major_copy(x), shape)


def t(x):
    """x.t() (TBackward0)."""
    ops = _ops("shape")
    return _forward(ops.TBackward0, x) if on_arrays.active else ops.t(x)


def transpose(x, dim0, dim1):
    """x.transpose(dim0, dim1) (TransposeBackward0); dims non-negative."""
    ops = _ops("shape")
    if on_arrays.active:
        return _forward(ops.TransposeBackward0, x, dim0, dim1)
    return ops.transpose(x, dim0, dim1)


def permute(x, dims):
    """x.permute(dims) (PermuteBackward0); dims non-negative."""
    ops = _ops("shape")
    if on_arrays.active:
        return _forward(ops.PermuteBackward0, x, dims)
    return ops.permute(x, dims)


def squeeze(x, dim):
    """x.squeeze(dim) (SqueezeBackward1); dim non-negative."""
    ops = _ops("shape")
    if on_arrays.active:
        return _forward(ops.SqueezeBackward1, x, dim)
    return ops.squeeze(x, dim)


def unsqueeze(x, dim):
    """x.unsqueeze(dim) (UnsqueezeBackward0); dim non-negative."""
    ops = _ops("shape")
    if on_arrays.active:
        return _forward(ops.UnsqueezeBackward0, x, dim)
    return ops.unsqueeze(x, dim)


def select(x, dim, index):
    """x.select(dim, index) (SelectBackward0); dim and index non-negative."""
    ops = _ops("indexing")
    if on_arrays.active:
        return _forward(ops.SelectBackward0, x, ops._dim_key(dim, index))
    return ops.select(x, dim, index)


def slice_dim(x, dim, start, stop, step=1):
    """x[start:stop:step] along dim (SliceBackward0)."""
    ops = _ops("indexing")
    if on_arrays.active:
        return _forward(ops.SliceBackward0, x, ops._dim_key(dim, slice(start, stop, step)))
    return ops.slice_dim(x, dim, start, stop, step)


def getitem(x, key):
    """x[key], key a NumPy tuple: a view, or a row-major copy if it holds index arrays."""
    if not on_arrays.active:
        return _ops("indexing").getitem(x, key)
    out = x[key]
    return np.ascontiguousarray(out) if any(type(k) is np.ndarray for k in key) else out


def diagonal(x, offset, dim1, dim2):
    """x.diagonal(offset, dim1, dim2) (DiagonalBackward0); dims non-negative."""
    ops = _ops("linalg")
    if on_arrays.active:
        return _forward(ops.DiagonalBackward0, x, offset, dim1, dim2)
    return ops.diagonal(x, offset, dim1, dim2)


_modules = {}


def _ops(name):
    """The module ``minigrad.ops.<name>``, imported on first use (it imports this one)."""
    module = _modules.get(name)
    if module is None:
        module = _modules[name] = importlib.import_module(f"..ops.{name}", __package__)
    return module


# ---- results written over arrays nobody else holds (engine.py, "Owned buffers") -------------
# Smaller arrays are never owned: they cost no page faults, and tiny tensors skip the checks.
OWNED_FROM_BYTES = 1 << 16


def fresh(array):
    """``array``, just made by the formula and kept nowhere else, marked so: if the formula
    returns it, the walk may own it (add into it, let the next formula write over it, keep it
    as a leaf's ``.grad``). A Tensor, a view or a small array is left as it is."""
    if type(array) is np.ndarray and array.nbytes >= OWNED_FROM_BYTES and array.base is None:
        made = on_arrays.fresh
        if made is not None:
            made[id(array)] = array
    return array


def times(grad, other):
    """grad * other, written over grad when the walk lets this formula overwrite it (so: the
    formula's last use of grad)."""
    if type(grad) is not np.ndarray or grad.nbytes < OWNED_FROM_BYTES:
        return grad * other  # Tensors (recorded), or too small to own
    if id(grad) in on_arrays.overwritable and _fits_over(grad, other):
        return np.multiply(grad, other, out=grad)
    return fresh(np.multiply(grad, other, out=_buffers.for_result(grad, other)))


def over(grad, other):
    """grad / other, written over grad when the walk lets this formula overwrite it (so: the
    formula's last use of grad)."""
    if type(grad) is not np.ndarray or grad.nbytes < OWNED_FROM_BYTES:
        return grad / other  # Tensors (recorded), or too small to own
    if id(grad) in on_arrays.overwritable and _fits_over(grad, other):
        return np.divide(grad, other, out=grad)
    return fresh(np.divide(grad, other, out=_buffers.for_result(grad, other)))


def product(a, b):
    """a * b, a new array the walk may own (into a kept array when large: _buffers.py); on
    Tensors, recorded."""
    if type(a) is not np.ndarray or a.nbytes < OWNED_FROM_BYTES:
        return a * b
    return fresh(np.multiply(a, b, out=_buffers.for_result(a, b)))


def _fits_over(grad, other):
    """Whether ``grad op other`` written over grad has the bits and layout of a new result:
    grad row-major, other a Python number (weak: grad's dtype) or a row-major array of grad's
    shape and dtype."""
    if not grad.flags.c_contiguous:
        return False
    if type(other) is float or type(other) is int:
        return True
    return (type(other) is np.ndarray and other.shape == grad.shape
            and other.dtype == grad.dtype and other.flags.c_contiguous)
