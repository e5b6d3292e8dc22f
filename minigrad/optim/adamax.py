"""Adamax: Adam with the infinity norm."""
import numpy as np

from ..creation import zeros_like
from ._kernels import addcdiv_, decayed_grad, lerp_, scalar
from .optimizer import Optimizer, check_betas, check_nonnegative

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """With g the gradient (negated if maximize, plus weight_decay * p), t the step count:

        m = lerp(m, g, 1 - beta1)
        u = max(beta2 u, |g| + eps)
        p = p - lr / (1 - beta1^t) * m / u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        state, step = self._advance(p, lambda: {"exp_avg": zeros_like(p),
                                                "exp_inf": zeros_like(p)})
        data, (beta1, beta2) = p._data, group["betas"]
        grad = decayed_grad(data, grad, group["maximize"], group["weight_decay"])
        exp_avg = lerp_(state["exp_avg"]._data, grad, 1 - beta1)
        exp_inf = state["exp_inf"]._data
        exp_inf *= scalar(beta2, exp_inf)
        norm = np.abs(grad)
        norm += scalar(group["eps"], norm)
        np.maximum(exp_inf, norm, out=exp_inf)
        clr = group["lr"] / (1 - beta1 ** step)
        addcdiv_(data, exp_avg, exp_inf, -clr)
