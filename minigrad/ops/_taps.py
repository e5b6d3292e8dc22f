"""Separable resampling of the trailing dims: padding by reflection/replication, nearest and
(bi/tri)linear/bicubic interpolation, adaptive average pooling.

Each of these maps a length-S axis to a length-P axis, every output reading a few inputs ("taps"):
``idx`` (P, T) says which, ``wts`` (P, T) with which weight (None: a pure gather, weight 1):

    y[..., p] = sum_t wts[p, t] * x[..., idx[p, t]]          (one trailing axis at a time)

The map is linear, so the gradient is its transpose (every tap adds its weighted gradient back:
``np.add.at``), and the gradient of that is the map again. ``TapsFunction`` is the base of the
forward nodes, ``TapsAdjoint`` of their backward nodes; ``node_pair(name)`` makes the two classes
under torch's names (``UpsampleBilinear2DBackward0`` and ``UpsampleBilinear2DBackwardBackward0``).
"""
import numpy as np

from ..autograd import formulas
from ..autograd.function import Function

__all__ = ["node_pair", "apply_taps", "adjoint_taps"]


def _take(x, axis, idx, wts):
    """One axis: sum_t wts[:, t] * x.take(idx[:, t], axis)."""
    shape = [1] * x.ndim
    shape[axis] = idx.shape[0]
    out = None
    for t in range(idx.shape[1]):
        term = np.take(x, idx[:, t], axis=axis)
        if wts is not None:
            term = term * wts[:, t].astype(x.dtype).reshape(shape)
        out = term if out is None else out + term
    return out


def _add_back(g, axis, idx, wts, size):
    """Adjoint of ``_take``: each tap's (weighted) gradient added onto the input it read."""
    shape = list(g.shape)
    shape[axis] = size
    out = np.zeros(shape, g.dtype)
    wshape = [1] * g.ndim
    wshape[axis] = idx.shape[0]
    head = (slice(None),) * axis
    for t in range(idx.shape[1]):
        term = g if wts is None else g * wts[:, t].astype(g.dtype).reshape(wshape)
        np.add.at(out, head + (idx[:, t],), term)
    return out


def apply_taps(x, taps):
    """``taps``: one (idx, wts) or None per trailing axis, outermost first."""
    first = x.ndim - len(taps)
    for i, tap in enumerate(taps):
        if tap is not None:
            x = _take(x, first + i, *tap)
    return np.ascontiguousarray(x)


def adjoint_taps(g, taps, sizes):
    first = g.ndim - len(taps)
    for i in reversed(range(len(taps))):
        if taps[i] is not None:
            g = _add_back(g, first + i, *taps[i], sizes[i])
    return g


class TapsFunction(Function):
    """y = the taps map of x (see the module docstring); grad_x = its transpose applied to grad."""

    adjoint = None   # set by node_pair
    # torch's backward of padding and pooling takes the input too (its gradient there is 0, but
    # a gradient computed with create_graph then requires grad); upsampling's does not
    keeps_input = False

    @classmethod
    def forward(cls, ctx, x, taps):
        ctx.taps = taps
        ctx.sizes = x.shape[x.ndim - len(taps):]
        if cls.keeps_input:
            ctx.save_for_backward(x)
        return apply_taps(x, taps)

    @classmethod
    def backward(cls, ctx, grad):
        x = ctx.saved_tensors[0] if cls.keeps_input else None
        return formulas.call(cls.adjoint, grad, x, ctx.taps, ctx.sizes), None


class TapsAdjoint(Function):
    """grad_x = the transposed taps map of grad; its own gradient is the forward map again."""

    forward_cls = None

    @staticmethod
    def forward(ctx, g, x, taps, sizes):
        ctx.taps = taps
        if x is not None:
            ctx.save_for_backward(x)
        return adjoint_taps(g, taps, sizes)

    @classmethod
    def backward(cls, ctx, grad):
        gx = None
        if ctx.needs_input_grad[1]:
            gx = formulas.zeros_like(ctx.saved_tensors[0])
        return formulas.call(cls.forward_cls, grad, ctx.taps), gx, None, None


def node_pair(name, module, keeps_input=False):
    """The forward node class ``name`` (defined in ``module``); its backward node, named as
    torch names it (``...BackwardBackward0``), is its ``adjoint``."""
    fwd = type(name, (TapsFunction,), {"__module__": module, "__doc__": TapsFunction.__doc__,
                                       "keeps_input": keeps_input})
    bwd = type(name[:-1] + "Backward0", (TapsAdjoint,),
               {"__module__": module, "__doc__": TapsAdjoint.__doc__})
    fwd.adjoint, bwd.forward_cls = bwd, fwd
    return fwd
