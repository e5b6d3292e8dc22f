"""Rprop: resilient backpropagation (per-weight step sizes from gradient signs)."""
import numpy as np

from ..creation import full_like, zeros_like
from ._kernels import addcmul_, scalar
from .optimizer import Optimizer, check_nonnegative

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """With g the gradient (negated if maximize), s the per-weight step size (starting at lr):

        f = etaplus where g * g_prev > 0, etaminus where < 0, else 1
        s = clamp(s f, step_size_min, step_size_max)
        g = 0 where f is etaminus
        p = p - sign(g) s,   g_prev = g
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_nonnegative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        state, _ = self._advance(p, lambda: {"prev": zeros_like(p),
                                             "step_size": full_like(p, group["lr"])})
        data = p._data
        etaminus, etaplus = (scalar(eta, data) for eta in group["etas"])
        step_size_min, step_size_max = (scalar(s, data) for s in group["step_sizes"])
        if group["maximize"]:
            grad = -grad
        prev, step_size = state["prev"]._data, state["step_size"]._data
        sign = np.sign(grad * prev)
        sign[sign > 0] = etaplus
        sign[sign < 0] = etaminus
        sign[sign == 0] = 1
        step_size *= sign
        np.minimum(np.maximum(step_size, step_size_min), step_size_max, out=step_size)
        grad = grad.copy()
        grad[sign == etaminus] = 0
        addcmul_(data, np.sign(grad), step_size, -1)
        prev[...] = grad
