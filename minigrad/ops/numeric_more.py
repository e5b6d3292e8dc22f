"""Numerical calculus on sampled functions: ``diff`` (n-th forward differences), ``gradient``
(central differences, one-sided at the edges), ``trapezoid`` / ``trapz`` and
``cumulative_trapezoid`` (the trapezoid rule).

Each is written as torch writes it, from slices, subtractions, products and sums, so values
round as torch's do and the graphs read like torch's (``diff`` is a ``SubBackward0`` of two
``SliceBackward0``; ``trapezoid`` with a constant spacing is
``(y.sum(dim) - (y[0] + y[-1]) * 0.5) * dx``, ...), products and quotients by a number taking
torch's Scalar overloads (``MulBackward1``, ``DivBackward1``, ``scalar_overloads.py``).
"""
import numbers
import operator

import numpy as np

from .._tensor import Tensor, wrap_dim
from ..creation import zeros, zeros_like
from .join import cat
from .reduction import reduce_dims
from .registry import arr, case, cases, register
from .scalar_overloads import scalar_div as div, scalar_mul as mul

__all__ = ["diff", "gradient", "trapezoid", "cumulative_trapezoid"]


# ---- diff ----------------------------------------------------------------------------------
def _check_diff_operand(input, other, dim):
    if not isinstance(other, Tensor):
        raise TypeError(f"diff(): argument 'prepend' must be Tensor, not {type(other).__name__}")
    if other.ndim != input.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for i, (a, b) in enumerate(zip(input.shape, other.shape)):
        if i != dim and a != b:
            raise RuntimeError(
                "diff expects the shape of tensor to prepend or append to match that of input "
                f"except along the differencing dimension; input.size({i}) = {a}, but got "
                f"tensor.size({i}) = {b}")


@register(nodes=("SubBackward0",), args=("input", "n", "dim", "prepend", "append"),
          family="reduction",
          sample=cases(case(arr(5)), case(arr(3, 4), 2), case(arr(3, 4), 1, 0),
                       case(arr(4), 1, 0, arr(2), arr(1)),
                       case(arr(2, 3), 3, -1, None, arr(2, 2)), case(arr(4), 9)))
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim``: ``out[i] = in[i + 1] - in[i]``, applied n
    times, after ``prepend`` and ``append`` are joined on (bool tensors take xor)."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = wrap_dim(dim, input.ndim)
    if n == 0:
        return zeros_like(input).copy_(input)
    joined = [t for t in (prepend, input, append) if t is not None]
    for other in joined:
        _check_diff_operand(input, other, dim)
    result = cat(joined, dim) if len(joined) > 1 else input
    length = result.shape[dim] - 1
    for _ in range(min(n, result.shape[dim])):
        later, earlier = result.narrow(dim, 1, length), result.narrow(dim, 0, length)
        result = later.logical_xor(earlier) if result._data.dtype == np.bool_ else later - earlier
        length -= 1
    return result


# ---- gradient ------------------------------------------------------------------------------
def _gradient_dims(input, dim):
    if dim is None:
        return tuple(range(input.ndim))
    if isinstance(dim, (list, tuple)):
        dims = reduce_dims(list(dim), input.ndim)
        return tuple(wrap_dim(d, input.ndim) for d in dim) if dims else ()
    return (wrap_dim(dim, input.ndim),)


def _gradient_spacing(spacing, dims, dim_given, ndim):
    """One spacing per dim: a number (the same for all) or a list of numbers or 1-D tensors."""
    if spacing is None:
        return [1.0] * len(dims)
    if isinstance(spacing, numbers.Number):
        return [spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        if dim_given:
            raise RuntimeError(
                f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing "
                f"and dim arguments to have the same length, but got a spacing argument of "
                f"length {len(spacing)} and a dim argument of length {len(dims)}.")
        raise RuntimeError(
            f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
            f"equal to 'self.dim() = {ndim}', since dim argument was not given, but got a list "
            f"of length {len(spacing)}")
    return spacing


def _part(x, d, start, stop=None):
    """x[start:stop] along dim d, with negative bounds counted from the end (a slice)."""
    size = x.shape[d]
    start = min(max(start + size if start < 0 else start, 0), size)
    stop = size if stop is None else stop + size if stop < 0 else stop
    return x.narrow(d, start, max(min(stop, size) - start, 0))


def _uniform_gradient(input, d, dx, edge_order):
    center = div(_part(input, d, 2) - _part(input, d, 0, -2), dx)
    if edge_order == 1:
        front = div(_part(input, d, 1, 2) - _part(input, d, 0, 1), dx)
        back = div(_part(input, d, -1) - _part(input, d, -2, -1), dx)
    else:
        front = div(mul(_part(input, d, 0, 1), -1.5) + mul(_part(input, d, 1, 2), 2)
                    - mul(_part(input, d, 2, 3), 0.5), dx)
        back = div(mul(_part(input, d, -3, -2), 0.5) - mul(_part(input, d, -2, -1), 2)
                   + mul(_part(input, d, -1), 1.5), dx)
    return cat([front, div(center, 2), back], d)


def _coordinate_gradient(input, d, coordinates, edge_order):
    """Second-order central differences for samples at uneven ``coordinates``."""
    if coordinates.ndim != 1:
        raise RuntimeError(f"torch.gradient expected each element of spacing to have one "
                           f"dimension, but got an element with {coordinates.ndim} dimensions!")
    shape = [1] * input.ndim
    shape[d] = -1
    dx = coordinates.diff(1, 0)
    dx1, dx2 = _part(dx, 0, 0, -1), _part(dx, 0, 1)
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * _part(input, d, 0, -2) + b * _part(input, d, 1, -1) + c * _part(input, d, 2)
    if edge_order == 1:
        front = (_part(input, d, 1, 2) - _part(input, d, 0, 1)) / dx[0]
        back = (_part(input, d, -1) - _part(input, d, -2, -1)) / dx[-1]
    else:
        h0, h1 = dx[0], dx[1]
        front = (-(mul(h0, 2.0) + h1) / (h0 * (h0 + h1)) * _part(input, d, 0, 1)
                 + (h0 + h1) / (h0 * h1) * _part(input, d, 1, 2)
                 + (-h0) / (h1 * (h0 + h1)) * _part(input, d, 2, 3))
        h0, h1 = dx[-1], dx[-2]
        back = (h0 / (h1 * (h0 + h1)) * _part(input, d, -3, -2)
                + -(h0 + h1) / (h0 * h1) * _part(input, d, -2, -1)
                + (mul(h0, 2) + h1) / (h0 * (h0 + h1)) * _part(input, d, -1))
    return cat([front, center, back], d)


@register(nodes=("CatBackward0",), args=("input",), forms=("function",), family="reduction",
          sample=cases(case(arr(5)), case(arr(3, 4)), case(arr(3, 4), spacing=2.0, dim=1),
                       case(arr(3, 4), edge_order=2), case(arr(4, 3), spacing=[0.5, 2.0]),
                       case(arr(4, 3), spacing=(0.5,), dim=[1], edge_order=2)))
def gradient(input, *, spacing=None, dim=None, edge_order=1):
    """The derivative of samples along each of ``dim`` (all dims by default): central
    differences inside, one-sided ones of ``edge_order`` at the edges. ``spacing`` is the
    distance between samples (a number, one per dim) or their coordinates (1-D tensors, one
    per dim). One tensor per dim."""
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = _gradient_dims(input, dim)
    spacings = _gradient_spacing(spacing, dims, dim is not None, input.ndim)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    return tuple(_coordinate_gradient(input, d, h, edge_order) if isinstance(h, Tensor)
                 else _uniform_gradient(input, d, h, edge_order)
                 for d, h in zip(dims, spacings))


# ---- the trapezoid rule --------------------------------------------------------------------
def _sample_spacing(fname, y, x, dim):
    """x's differences along dim, shaped to broadcast against y's."""
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{fname}: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[dim] = x.shape[0]
        x = x.view(shape)
    elif x.ndim < y.ndim:
        x = x.view((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    return _part(x, dim, 1) - _part(x, dim, 0, -1)


def _check_samples(fname, y, dx):
    if y._data.dtype == np.bool_:
        raise RuntimeError(f"{fname}: received a bool input for `y`, but bool is not supported")
    if isinstance(dx, bool):
        raise RuntimeError(f"{fname}: Currently, we only support dx as a real number.")


@register(nodes=("MulBackward1", "DivBackward1"), args=("y", "x"), forms=("function",),
          aliases=("trapz",), family="reduction",
          sample=cases(case(arr(5)), case(arr(3, 4), dx=0.5), case(arr(3, 4), dim=0),
                       case(arr(3, 4), arr(4)), case(arr(2, 3), arr(2, 3), dim=0),
                       case(arr(2, 3, 4), arr(3, 1), dim=1)))
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of samples ``y`` along ``dim`` by the trapezoid rule, the samples spaced
    ``dx`` apart (default 1) or at coordinates ``x``."""
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = wrap_dim(dim, y.ndim)
    _check_samples("trapezoid", y, dx)
    if y.shape[dim] == 0:
        return zeros(tuple(s for i, s in enumerate(y.shape) if i != dim), dtype=y.dtype)
    if x is not None:
        step = _sample_spacing("trapezoid", y, x, dim)
        return div(((_part(y, dim, 0, -1) + _part(y, dim, 1)) * step).sum(dim), 2.0)
    ends = y.select(dim, 0) + y.select(dim, -1)
    return mul(y.sum(dim) - mul(ends, 0.5), 1.0 if dx is None else dx)


@register(nodes=("CumsumBackward0", "DivBackward1"), args=("y", "x"), forms=("function",),
          family="reduction",
          sample=cases(case(arr(5)), case(arr(3, 4), dx=0.5), case(arr(3, 4), dim=0),
                       case(arr(3, 4), arr(4)), case(arr(2, 3), arr(2, 3), dim=0)))
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running integral of samples ``y`` along ``dim`` by the trapezoid rule (one entry
    fewer than samples), spaced ``dx`` apart (default 1) or at coordinates ``x``."""
    if y.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, y.ndim)
    _check_samples("cumulative_trapezoid", y, dx)
    pairs = _part(y, dim, 0, -1) + _part(y, dim, 1)
    if x is not None:
        step = _sample_spacing("cumulative_trapezoid", y, x, dim)
        return div((pairs * step).cumsum(dim), 2.0)
    return mul(pairs, (1.0 if dx is None else dx) / 2.0).cumsum(dim)
