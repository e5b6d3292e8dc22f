"""RAdam: Adam with the variance of the adaptive learning rate rectified."""
import numpy as np

from ..creation import zeros_like
from ._kernels import sqrt, addcmul_, decayed_grad, lerp_, scalar
from .optimizer import Optimizer, check_betas, check_nonnegative

__all__ = ["RAdam", "decay_weights"]


def decay_weights(data, grad, group):
    """maximize, then weight decay: decoupled (p = p (1 - lr wd), in place) or added to g."""
    wd = group["weight_decay"]
    if wd != 0 and group["decoupled_weight_decay"]:
        data *= scalar(1 - group["lr"] * wd, data)
        wd = 0
    return decayed_grad(data, grad, group["maximize"], wd)


class RAdam(Optimizer):
    """With g the gradient (negated if maximize; weight decay added to g, or decoupled:
    p = p (1 - lr wd)), t the step count:

        m = lerp(m, g, 1 - beta1),   v = beta2 v + (1 - beta2) g²
        rho_inf = 2 / (1 - beta2) - 1,   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        rho_t > 5:  p = p - lr m / (1 - beta1^t) * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t,
                    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
        else:       p = p - lr m / (1 - beta1^t)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        state, step = self._advance(p, lambda: {"exp_avg": zeros_like(p),
                                                "exp_avg_sq": zeros_like(p)})
        data, lr, (beta1, beta2) = p._data, group["lr"], group["betas"]
        grad = decay_weights(data, grad, group)
        exp_avg = lerp_(state["exp_avg"]._data, grad, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"]._data
        exp_avg_sq *= scalar(beta2, exp_avg_sq)
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        update = exp_avg / scalar(bias_correction1, exp_avg)
        update *= scalar(lr, update)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            root = sqrt(exp_avg_sq)
            root += scalar(group["eps"], root)
            # torch computes number / tensor as tensor.reciprocal() * number
            adaptive_lr = np.reciprocal(root)
            adaptive_lr *= scalar(bias_correction2 ** 0.5, root)
            update *= adaptive_lr
            update *= scalar(rect, update)
        data -= update
