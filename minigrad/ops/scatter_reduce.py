"""``scatter_reduce`` (sum, prod, mean, amax, amin; ``include_self``) and ``scatter`` with
``reduce=`` ("add" / "multiply").

Forward: ``out = input`` (its scattered positions reset to the reduction's identity when
``include_self=False``), then every ``src[i][j]`` is combined into ``out[index[i][j]][j]`` (dim 0)
with the reduction's ufunc; ``mean`` then divides by how many values each position received
(floor division for integers). Positions nothing is scattered to keep ``input``.

Gradients follow torch's ``scatter_reduce_backward``; ``scatter(..., reduce=)`` has none in
torch (its node is ``NotImplemented``, whose backward raises), nor here.
"""
import warnings

import numpy as np

from .._tensor import Tensor, _make, wrap_dim
from ..autograd.function import Function
from .gather import _along, _check_along
from .registry import register
from ._util import silent_fp

__all__ = ["scatter_reduce"]

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
# np.maximum / np.minimum: NaN wins, as in torch's max/min kernels
_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
           "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:    # bool
        return reduce == "amin"
    return info.min if reduce == "amax" else info.max


@silent_fp
def _scatter_reduce(x, dim, index, src, reduce, include_self):
    key = _along(index, dim)
    part = src[tuple(slice(n) for n in index.shape)]
    out = x.copy()
    if not include_self:
        out[key] = _identity(reduce, x.dtype)
    _UFUNCS[reduce].at(out, key, part)
    if reduce == "mean":
        count = np.full(x.shape, 1 if include_self else 0, dtype=np.int64)
        np.add.at(count, key, 1)
        count = np.maximum(count, 1)
        if x.dtype.kind == "f":
            out = (out / count).astype(x.dtype)
        else:
            out = np.floor_divide(out, count).astype(x.dtype)
    return out


class ScatterReduceBackward0(Function):
    """out = x.scatter_reduce(dim, index, src, reduce, include_self)
    grad_x = grad (sum); grad / N (mean, N the count averaged there, at least 1); grad * out / x
    (prod, a zero factor left out); grad shared evenly by the elements equal to out
    (amax/amin); 0 where scattered if include_self=False
    grad_src = the matching formula read at index: grad.gather(dim, index) (sum),
    (grad / N).gather(dim, index) (mean), (grad * out).gather(dim, index) / src (prod, a single
    zero getting the product of the others), the shared grad where src equals out (amax/amin)"""

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        out = _scatter_reduce(x, dim, index, src, reduce, include_self)
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, whole_src, out = ctx.saved_tensors
        dim, reduce, include_self = ctx.dim, ctx.reduce, ctx.include_self
        index = _make(ctx.index)
        used = tuple(slice(n) for n in ctx.index.shape)   # the part of src that was scattered
        src = whole_src[used]
        if reduce == "sum":
            grad_x, grad_src = grad, grad.gather(dim, index)
        elif reduce == "mean":
            count = (grad.new_ones(grad.shape) if include_self else grad.new_zeros(grad.shape))
            count = count.scatter_add(dim, index, src.new_ones(src.shape))
            count = count.masked_fill(count == 0, 1)
            grad_x, grad_src = grad / count, grad.gather(dim, index) / count.gather(dim, index)
        elif reduce == "prod":
            grad_x, grad_src = _prod_grads(grad, x, src, out, dim, index, include_self)
        else:
            value = out.gather(dim, index)
            x_is_out = (x == out).to(x.dtype)
            src_is_out = (src == value).to(x.dtype)
            distributed = grad / x_is_out.scatter_add(dim, index, src_is_out)
            grad_x = x_is_out * distributed
            grad_src = src_is_out * distributed.gather(dim, index)
        if not include_self:
            grad_x = grad_x.scatter(dim, index, 0)
        if tuple(src.shape) != tuple(whole_src.shape):
            padded = grad_src.new_zeros(whole_src.shape)
            padded[used] = grad_src
            grad_src = padded
        return grad_x, None, None, grad_src, None, None


def _prod_grads(grad, x, src, out, dim, index, include_self):
    """The product's gradients with zero factors handled as torch does: a zero in input or a
    single zero among the values scattered to a position gets the product of the others."""
    masked_x = x.masked_fill(x == 0, 1)
    grad_x = grad * scatter_reduce(masked_x, dim, index, src, "prod",
                                   include_self=include_self) / masked_x
    src_zero = src == 0
    zeros_per_position = x.new_zeros(x.shape).scatter_add(dim, index, src_zero.to(x.dtype))
    single_zero = src_zero & (zeros_per_position.gather(dim, index) == 1)
    without_zero = scatter_reduce(x, dim, index, src.masked_fill(single_zero, 1), "prod",
                                  include_self=include_self)
    grad_src = (grad * without_zero).gather(dim, index).where(
        single_zero, (grad * out).gather(dim, index) / src.masked_fill(src_zero, 1))
    return grad_x, grad_src


def _check(fname, input, dim, index, src):
    if not isinstance(src, Tensor):
        raise TypeError(f"{fname}(): argument 'src' (position 3) must be Tensor, not "
                        f"{type(src).__name__}")
    if index._data.ndim != input._data.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    return _check_along("scatter", input, dim, index, src)


def _scatter_reduce_sample(rng, dtype):
    for reduce in _REDUCTIONS:
        for include_self in (True, False):
            x = rng.standard_normal((3, 4)).astype(dtype)
            src = rng.standard_normal((2, 5)).astype(dtype)
            index = rng.integers(0, 4, (2, 5))
            yield [x, 1, index, src, reduce], {"include_self": include_self}


@register(nodes=("ScatterReduceBackward0",), forms=("function", "method", "inplace"),
          args=("input", "dim", "index", "src", "reduce"), family="indexing",
          sample=_scatter_reduce_sample)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` (sum, prod, mean, amax, amin)."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, "
                           f"got {reduce}")
    d = wrap_dim(dim, max(input._data.ndim, 1))
    idx = _check("scatter_reduce", input, d, index, src)
    return ScatterReduceBackward0.apply(input, d, idx, src, reduce, bool(include_self))


# ---- scatter(..., reduce="add" | "multiply") -----------------------------------------------------
def _no_derivative(ctx, *grads):
    raise RuntimeError("derivative for aten::scatter is not implemented")


def _scatter_values(ctx, x, dim, index, src, reduce):
    if not isinstance(src, np.ndarray):         # a number: scattered at every index
        src = np.full(index.shape, src, dtype=x.dtype)
    return _scatter_reduce(x, dim, index, src, reduce, True)


# torch records this node for scatter with reduce=; its name is the builtin's, hence type()
_ScatterNotImplemented = type("NotImplemented", (Function,), {
    "__doc__": "out = input.scatter(dim, index, src, reduce=...)        no derivative",
    "forward": staticmethod(_scatter_values),
    "backward": staticmethod(_no_derivative),
})


def scatter_with_reduce(input, dim, index, src, reduce):
    """``input.scatter(dim, index, src_or_value, reduce="add" | "multiply")``: src (a Tensor,
    deprecated by torch, which warns) or a number combined into input at index."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor):
        _warn_once_about_tensor_src()
        idx = _check("scatter", input, dim, index, src)
    else:
        idx = _check_along("scatter", input, dim, index)
    return _ScatterNotImplemented.apply(input, dim, idx, src, "sum" if reduce == "add" else "prod")


_warned = []


def _warn_once_about_tensor_src():
    """torch's TORCH_WARN_ONCE: the deprecation is said once per process."""
    if not _warned:
        _warned.append(True)
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and "
                      "will be removed in a future PyTorch release. Use torch.scatter_reduce "
                      "instead for more reduction options.", UserWarning, stacklevel=4)
