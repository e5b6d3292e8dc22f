"""The losses that have a graph node of their own in torch: smooth L1, Huber, soft margin,
multi-class margin and multi-label margin. Written like ``nn/functional.py``'s losses: forward in
NumPy, backward in minigrad ops (so that it can be differentiated again where the slope depends
on the input), the derivative in each docstring. ``N`` is the count 'mean' divides by and
``d = x - t``.
"""
import numpy as np

from .._tensor import _make
from ..autograd.function import Function
from .functional import _reduce, _scale

__all__ = ["SmoothL1LossBackward0", "HuberLossBackward0", "SoftMarginLossBackward0",
           "MultiMarginLossBackward0", "MultilabelMarginLossBackward0"]


class SmoothL1LossBackward0(Function):
    """loss = 0.5 d² / β where |d| < β, |d| - 0.5 β elsewhere

    grad_x = grad * (d / β where |d| < β, sign(d) elsewhere) / N        grad_t = -grad_x
    """

    @staticmethod
    def forward(ctx, x, t, reduction, beta):
        d = x - t
        small = np.abs(d) < beta
        ctx.reduction, ctx.numel, ctx.beta, ctx.small = reduction, d.size, beta, small
        ctx.save_for_backward(x, t)
        with np.errstate(invalid="ignore", divide="ignore"):
            loss = np.where(small, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)
        return _reduce(loss.astype(d.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        d = x - t
        slope = (d / ctx.beta).where(_make(ctx.small), d.sign())
        grad_x = slope * (grad * _scale(ctx))
        return grad_x, -grad_x, None, None


class HuberLossBackward0(Function):
    """loss = 0.5 d² where |d| < δ, δ (|d| - 0.5 δ) elsewhere

    grad_x = grad * (d where |d| <= δ, δ sign(d) elsewhere) / N        grad_t = -grad_x
    """

    @staticmethod
    def forward(ctx, x, t, reduction, delta):
        d = x - t
        ctx.reduction, ctx.numel, ctx.delta = reduction, d.size, delta
        ctx.inside = np.abs(d) <= delta
        ctx.save_for_backward(x, t)
        loss = np.where(np.abs(d) < delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))
        return _reduce(loss.astype(d.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        d = x - t
        slope = d.where(_make(ctx.inside), d.sign() * ctx.delta)
        grad_x = slope * (grad * _scale(ctx))
        return grad_x, -grad_x, None, None


class SoftMarginLossBackward0(Function):
    """loss = log(1 + exp(-t x))        grad_x = -grad * t exp(-t x) / (1 + exp(-t x)) / N"""

    @staticmethod
    def forward(ctx, x, t, reduction):
        z = np.exp(-x * t)
        ctx.reduction, ctx.numel = reduction, z.size
        ctx.save_for_backward(x, t)
        return _reduce(np.log1p(z).astype(np.result_type(x, t), copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        z = (-x * t).exp()
        return -t * z / (z + 1) * (grad * _scale(ctx)), None, None


def _per_row(grad, reduction, rows, dtype):
    """The upstream gradient as a column (one value per row of the input)."""
    if reduction == "none":
        return grad.reshape(rows, 1)
    scale = 1.0 / rows if reduction == "mean" and rows else 1.0
    return grad * scale


class MultiMarginLossBackward0(Function):
    """loss_i = sum_{j != y_i} w_{y_i} max(0, m_ij)^p / C,   m_ij = margin - x_{i,y_i} + x_ij

    grad_x_ij = grad_i w_{y_i} p m_ij^(p-1) / C where m_ij > 0 (j != y_i), else 0
    grad_x_{i,y_i} = -sum_j grad_x_ij        ('mean': also / N)
    """

    @staticmethod
    def forward(ctx, x, target, p, margin, weight, reduction):
        rows = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
        out_shape, target = target.shape, target.reshape(-1)
        n, c = rows.shape
        picked = rows[np.arange(n), target]
        m = margin - picked[:, None] + rows
        active = m > 0
        active[np.arange(n), target] = False
        w = np.ones(n, x.dtype) if weight is None else weight[target].astype(x.dtype)
        parts = np.where(active, m if p == 1 else m * m, 0) * w[:, None]
        loss = (parts.sum(1) / c).astype(x.dtype)
        ctx.save_for_backward(x)
        ctx.shape, ctx.active, ctx.target, ctx.w = rows.shape, active, target, w
        ctx.p, ctx.margin, ctx.reduction = p, margin, reduction
        if reduction == "none":
            return loss.reshape(out_shape)
        total = loss.sum(dtype=x.dtype)
        return np.asarray(total / n if reduction == "mean" and n else total, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        n, c = ctx.shape
        w = _make(ctx.w[:, None] / c)
        slope = _make(ctx.active.astype(x._data.dtype)) * w
        if ctx.p == 2:
            rows = x.reshape(n, c)
            picked = rows.gather(1, _make(ctx.target[:, None]))
            slope = slope * ((ctx.margin - picked + rows) * 2)
        slope = slope - _make(np.eye(c, dtype=bool)[ctx.target]) * slope.sum(1, keepdim=True)
        return (slope * _per_row(grad, ctx.reduction, n, x.dtype)).reshape(x.shape), *(None,) * 5


class MultilabelMarginLossBackward0(Function):
    """loss_i = sum_{j in targets_i} sum_{k not in targets_i} max(0, 1 - x_{i,j} + x_{ik}) / C
    (targets_i: the entries of target_i before its first -1)

    grad_x_ik = grad_i (number of active pairs with k as the non-target) / C,
    grad_x_ij = -grad_i (number of active pairs with j as the target) / C
    """

    @staticmethod
    def forward(ctx, x, target, reduction):
        rows = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
        labels = target.reshape(rows.shape)
        n, c = rows.shape
        count = np.zeros(rows.shape, x.dtype)          # per element: the slope's numerator
        loss = np.zeros(n, x.dtype)
        for i in range(n):
            ends = np.flatnonzero(labels[i] == -1)
            chosen = labels[i, :ends[0] if ends.size else c]
            others = np.ones(c, bool)
            others[chosen] = False
            m = 1 - rows[i, chosen][:, None] + rows[i][None, :]   # (targets, C)
            active = (m > 0) & others[None, :]
            loss[i] = np.where(active, m, 0).sum(dtype=x.dtype) / c
            count[i] += active.sum(0)
            np.subtract.at(count[i], chosen, active.sum(1))
        ctx.count, ctx.shape, ctx.reduction = count / c, x.shape, reduction
        if reduction == "none":
            return loss.reshape(x.shape[:-1]) if x.ndim else loss.reshape(())
        total = loss.sum(dtype=x.dtype)
        return np.asarray(total / n if reduction == "mean" else total, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        n = ctx.count.shape[0]
        slope = _make(ctx.count) * _per_row(grad, ctx.reduction, n, ctx.count.dtype)
        return slope.reshape(ctx.shape), None, None
