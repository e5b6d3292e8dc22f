"""softmax and log_softmax along one dim: ``torch.softmax``, ``Tensor.softmax`` and (through
``nn.functional``) ``F.softmax``, all built on the two nodes here."""
import warnings

import numpy as np

from .. import _buffers
from .._layout import row_major
from .._tensor import Tensor
from ..autograd import formulas
from ..autograd.function import Function
from ._util import register_methods
from .elementwise import ExpBackward0
from .reduction import _np_sum

__all__ = ["softmax", "log_softmax"]


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax_args(input, dim, dtype, name, stacklevel):
    """(input cast to ``dtype``, wrapped dim); dim None picks torch's deprecated implicit dim."""
    if dim is None:
        dim = _softmax_dim(name, input.ndim, stacklevel + 1)
    dim = input._wrap_dim(dim)
    if dtype is not None:
        input = input.to(dtype)
    if not input.is_floating_point():
        kernel = "lastdim_kernel_impl" if dim == max(input.ndim - 1, 0) else "kernel_impl"
        raise NotImplementedError(f'"{name}_{kernel}" not implemented for '
                                  f"'{input.dtype.short_name}'")
    return input, dim


def _shifted(x, dim):
    """x - max(x) along dim (so exp cannot overflow) and the axis to reduce over.

    Row-major whatever x's layout: torch's softmax kernels return a contiguous result.
    ``initial=-inf`` lets empty tensors through, as torch does."""
    x = row_major(x)
    axis = dim if x.ndim else None
    top = x.max(axis=axis, keepdims=True, initial=-np.inf)
    if not x.ndim:
        return x - top, axis
    return np.subtract(x, top, out=_buffers.empty(x.shape, x.dtype)), axis


def _sum_along(e, axis):
    """Σ e along ``axis`` (an ndarray; axis None for a 0-d one), kept as a size-1 dim: as
    ``sum`` sums (ops/reduction.py)."""
    if axis is None:
        return e.sum(axis=axis, keepdims=True)
    return _np_sum(e, (axis,), True, e.dtype)


def softmax_grad(out, grad, dim):
    """out (grad - Σ grad out) along ``dim``: softmax's input gradient (a formula: recorded on
    Tensors). On arrays of one shape and dtype, both steps write over the product grad out."""
    if (type(grad) is np.ndarray and type(out) is np.ndarray and grad.ndim
            and grad.shape == out.shape and grad.dtype == out.dtype):
        work = formulas.product(grad, out)        # a new array (kept when large)
        total = formulas.sum(work, dim, keepdim=True)   # (as the Tensor path sums)
        np.subtract(grad, total, out=work)
        return np.multiply(out, work, out=work)
    return out * (grad - formulas.sum(grad * out, dim, keepdim=True))


class SoftmaxBackward0(Function):
    """out = exp(x - max x) / sum exp(x - max x)        grad_x = out * (grad - sum(grad * out))

    (sums along ``dim``, kept as size-1 dims so they broadcast back)
    """

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        shifted, axis = _shifted(x, dim)
        if type(shifted) is np.ndarray:     # a fresh array: exp and divide in place
            out = np.exp(shifted, out=shifted)
            out /= _sum_along(out, axis)
        else:
            e = np.exp(shifted)
            out = e / e.sum(axis=axis, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return softmax_grad(out, grad, ctx.dim), None


class LogSoftmaxBackward0(Function):
    """out = x - max x - log sum exp(x - max x)        grad_x = grad - exp(out) * sum(grad)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        shifted, axis = _shifted(x, dim)
        log_total = np.log(_sum_along(_buffers.unary(np.exp, shifted), axis))
        if type(shifted) is np.ndarray:     # a fresh array: subtract in place
            out = np.subtract(shifted, log_total, out=shifted)
        else:
            out = shifted - log_total
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        exp_out = formulas.call(ExpBackward0, out)
        total = formulas.sum(grad, ctx.dim, keepdim=True)
        if (type(exp_out) is np.ndarray and exp_out.shape == np.shape(grad)
                and exp_out.dtype == grad.dtype):
            # (arrays: exp_out is this formula's own, so both steps write over it)
            np.multiply(exp_out, total, out=exp_out)
            return np.subtract(grad, exp_out, out=exp_out), None
        return grad - exp_out * total, None


def _require_dim(name, dim):
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')


def softmax(input, dim=None, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim`` (computed stably); ``dtype`` casts the input first."""
    _require_dim("softmax", dim)
    return SoftmaxBackward0.apply(*softmax_args(input, dim, dtype, "softmax", 2))


def log_softmax(input, dim=None, dtype=None):
    """log(softmax(x)) along ``dim``, without overflow for huge logits."""
    _require_dim("log_softmax", dim)
    return LogSoftmaxBackward0.apply(*softmax_args(input, dim, dtype, "log_softmax", 2))


register_methods(Tensor, {"softmax": softmax, "log_softmax": log_softmax})
