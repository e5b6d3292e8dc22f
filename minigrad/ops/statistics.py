"""Spread and size of a tensor's values: var, std, logsumexp, the vector norm.

Reductions like those of ``reduction.py`` (whose dim helpers they use): forward reduces the
ndarray with NumPy, backward brings the gradient back to the input's shape (``_unreduce``) and
applies the op's derivative, written in each class's docstring.
"""
import builtins
import math
import warnings

import numpy as np

from .._dtype import from_numpy_dtype, get_default_dtype
from .._layout import row_major
from .._tensor import Tensor
from ..autograd import formulas
from ..autograd.function import Function
from ._util import register_methods
from .registry import declare
from .unary import AbsBackward0, ExpBackward0, SignBackward0
from .reduction import (MeanBackward0, MeanBackward1, _divide, _kept_shape, _numpy_names,
                        _reduce_numel, _reduced_shape, _unreduce, dim_samples, reduce_dims)

__all__ = ["var", "std", "logsumexp", "norm"]


# ---- variance and standard deviation -------------------------------------------------------------
def _var_correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _np_var(x, dims, correction, keepdim, in_double=False, name="var"):
    """sum((x - mean)^2) / max(0, N - correction): nan or inf when N <= correction, as torch.
    Computed in double; ``in_double`` keeps it there (std takes its square root first, as torch
    does, so a variance beyond x's dtype still gives a finite std)."""
    if x.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    n = _reduce_numel(x.shape, dims)
    if n - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=4)
    # As torch on the CPU: squared deviations summed in double. A single output (everything
    # reduced) takes the mean in x's own dtype first; otherwise torch runs Welford's algorithm in
    # double, where a slice of equal values has a variance of exactly 0 (here: a float64 mean
    # refined by the mean of the residuals).
    xd = x.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if n == x.size and x.dtype != np.float16:
            mean = np.float64(np.mean(x, axis=dims, keepdims=True))
        else:
            mean = np.mean(xd, axis=dims, keepdims=True)
            mean = mean + np.mean(xd - mean, axis=dims, keepdims=True)
        centered = xd - mean
        total = np.sum(centered * centered, axis=dims, keepdims=keepdim)
        var = total / builtins.max(0, n - correction)
        return row_major(var if in_double else var.astype(x.dtype, copy=False))


def _var_grad(grad, x, dims, correction, keepdim, full):
    """d var / dx = 2 (x - mean) / (N - correction).

    A reduction over everything (no ``dim`` given) with N - correction <= 0 has an infinite
    variance: torch then gives inf everywhere (nan where x equals the mean), not the formula.
    """
    n = _reduce_numel(x.shape, dims)
    dof = n - correction
    if dof <= 0 and full:
        return grad * formulas.where(x == formulas.call(MeanBackward0, x), math.nan, math.inf)
    centered = x - formulas.call(MeanBackward1, x, dims, True)
    return _unreduce(grad, dims, keepdim, x.shape) * centered * (2.0 / dof if dof else math.inf)


class VarBackward0(Function):
    """out = x.var(dim, correction)     grad_x = grad * 2 (x - mean) / (N - correction)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, full):
        ctx.save_for_backward(x)
        ctx.args = dims, correction, keepdim, full
        return _np_var(x, dims, correction, keepdim)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return _var_grad(grad, x, *ctx.args), None, None, None, None


class StdBackward0(Function):
    """out = x.std(dim, correction)     grad_x = grad / (2 out) * d var / dx   (0 where out == 0)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, full):
        out = row_major(np.sqrt(_np_var(x, dims, correction, keepdim, True, "std")).astype(x.dtype))
        ctx.save_for_backward(x, out)
        ctx.args = dims, correction, keepdim, full
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        grad_var = formulas.where(out == 0, 0.0, grad / (out * 2))
        return _var_grad(grad_var, x, *ctx.args), None, None, None, None


# ---- logsumexp ----------------------------------------------------------------------------------
class LogsumexpBackward0(Function):
    """out = log(sum(exp(x), dim))     grad_x = grad * exp(x - out)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xf = x if x.dtype.kind == "f" else x.astype(get_default_dtype().np)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if x.size == 0:
                shift = np.zeros(_kept_shape(x.shape, dims), xf.dtype)
            else:  # subtract the max for stability (0 where it is infinite)
                shift = np.max(xf, axis=dims, keepdims=True)
                shift = np.where(np.isinf(shift), 0, shift).astype(xf.dtype, copy=False)
            out = np.log(np.sum(np.exp(xf - shift), axis=dims, keepdims=True)) + shift
        out = row_major(out if keepdim else out.reshape(_reduced_shape(x.shape, dims, False)))
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if not ctx.keepdim and ctx.dims:
            out = formulas.reshape(out, _kept_shape(x.shape, ctx.dims))
        grad = _unreduce(grad, ctx.dims, ctx.keepdim, x.shape)
        return grad * formulas.call(ExpBackward0, x - out), None, None


# ---- vector norm --------------------------------------------------------------------------------
def _np_norm(x, p, dims, keepdim):
    """The vector p-norm of x over dims (p may be 0, +-inf or any real)."""
    a = np.abs(x)
    if np.isinf(p):
        if x.size == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty "
                               "tensor because the operation does not have an identity")
        return (np.max if p > 0 else np.min)(a, axis=dims, keepdims=keepdim)
    if p == 0:
        return np.sum(a != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
    if p == 1:
        return np.sum(a, axis=dims, keepdims=keepdim)
    if p == 2:   # (|x| is a fresh array, or a NumPy scalar for 0-d x: squared in place)
        squares = np.multiply(a, a, out=a) if type(a) is np.ndarray else a * a
        return np.sqrt(np.sum(squares, axis=dims, keepdims=keepdim))
    with np.errstate(divide="ignore"):
        return np.sum(a ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)


class LinalgVectorNormBackward0(Function):
    """out = ||x||_p over dim     grad_x = grad * sign(x) |x|^(p-1) / out^(p-1)  (0 where out == 0)

    p = 2: grad * x / out;  p = 1: grad * sign(x);  p = inf: grad shared evenly among the
    largest |x| (with their sign);  p = 0: no gradient (None).
    """

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, p, dims, keepdim, dtype=None):
        if x.dtype.kind != "f":
            raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor "
                               f"as input. Got {from_numpy_dtype(x.dtype).short_name}")
        src = x if dtype is None else x.astype(dtype.np)
        acc = np.float32 if src.dtype == np.float16 else src.dtype
        out = np.asarray(_np_norm(src.astype(acc, copy=False), p, dims, keepdim))
        out = row_major(out.astype(src.dtype, copy=False))
        ctx.save_for_backward(x, out)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        formulas.on_tensors_if_mixed(ctx, out.dtype, x)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        p, dims = ctx.p, ctx.dims
        if not ctx.keepdim and dims:
            out = formulas.reshape(out, _kept_shape(x.shape, dims))
        grad = _unreduce(grad, dims, ctx.keepdim, x.shape)
        call, where = formulas.call, formulas.where
        if p == 0:  # piecewise constant: torch gives no gradient at all
            return None, None, None, None, None
        if p == 1:
            gx = call(SignBackward0, x) * grad
        elif p == 2:
            gx = grad * where(out == 0, 0.0, x / out)
        elif np.isinf(p):
            mask = (call(AbsBackward0, x) == out) | formulas.isnan(x)
            count = formulas.sum(mask, dims, keepdim=True)
            gx = call(SignBackward0, x) * (_divide(grad, count) * mask)
        elif p < 1:
            scaled = call(SignBackward0, x) * where(x == 0, 0.0,
                                                     formulas.pow(call(AbsBackward0, x), p - 1))
            gx = scaled * grad * formulas.pow(out, 1 - p)
        else:
            scaled = call(SignBackward0, x) * formulas.pow(call(AbsBackward0, x), p - 1)
            gx = scaled * where(out == 0, 0.0, grad / formulas.pow(out, p - 1))
        return gx, None, None, None, None


# ---- the public functions --------------------------------------------------------------------
def _var_args(input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # var(x, False): the ``unbiased`` overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError("var() received an invalid combination of arguments: give either "
                        "unbiased or correction, not both")
    return (input, reduce_dims(dim, input.ndim), _var_correction(unbiased, correction), keepdim,
            dim is None or input._data.ndim == 0)  # torch: a 0-dim input counts as full


@_numpy_names
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` (all dims by default), dividing by N - correction (default 1)."""
    return VarBackward0.apply(*_var_args(input, dim, unbiased, keepdim, correction))


@_numpy_names
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: sqrt of ``var`` with the same arguments."""
    return StdBackward0.apply(*_var_args(input, dim, unbiased, keepdim, correction))


@_numpy_names
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over ``dim``, computed without overflow. ``dim`` is required: None
    is a TypeError, as in torch."""
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' (position 1) must be tuple of ints, not "
                        "NoneType")
    return LogsumexpBackward0.apply(input, reduce_dims(dim, input.ndim), keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim`` (all elements by default); 'fro' is the 2-norm."""
    if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        # torch hands this case to the matrix norm, which needs exactly two dims
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in dim))
    if p is None or p == "fro":
        p = 2.0
    elif p == "nuc":   # the sum of the singular values (torch.linalg.matrix_norm)
        from ..linalg import matrix_norm
        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    elif isinstance(p, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    dims = reduce_dims(dim, input.ndim)
    return LinalgVectorNormBackward0.apply(input, float(p), dims, keepdim, dtype)


register_methods(Tensor, {"var": var, "std": std, "logsumexp": logsumexp, "norm": norm})


# ---- what each op is to the tests, the fuzzer and the docs (ops/registry.py) --------------------
for _name, _fn, _node, _sample in (
        ("var", var, "VarBackward0", dim_samples(1, (0, 1), shapes=((3,), (2, 3)))),
        ("std", std, "StdBackward0", dim_samples(1, (0, 1), shapes=((3,), (2, 3)))),
        ("logsumexp", logsumexp, "LogsumexpBackward0", dim_samples(0, 1, whole=False)),
        ("norm", norm, "LinalgVectorNormBackward0", dim_samples(1, (0, 1)))):
    declare(_name, _fn, nodes=(_node,), args=("input", "dim", "keepdim"), family="reduction",
            sample=_sample)
