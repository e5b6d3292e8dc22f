"""Adadelta."""

from ..creation import zeros_like
from ._kernels import sqrt, add_, addcmul_, decayed_grad, scalar
from .optimizer import Optimizer, check_nonnegative

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """With g the gradient (negated if maximize, plus weight_decay * p):

        v = rho v + (1 - rho) g²
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho u + (1 - rho) delta²
        p = p - lr delta
    """

    _capturable_devices = "['cuda', 'xpu', 'hpu', 'privateuseone']"

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_nonnegative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative(eps=eps, weight_decay=weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        state, _ = self._advance(p, lambda: {"square_avg": zeros_like(p),
                                             "acc_delta": zeros_like(p)})
        data, rho, eps = p._data, group["rho"], scalar(group["eps"], p._data)
        grad = decayed_grad(data, grad, group["maximize"], group["weight_decay"])
        square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
        square_avg *= scalar(rho, square_avg)
        addcmul_(square_avg, grad, grad, 1 - rho)
        std = sqrt(square_avg + eps)
        delta = sqrt(acc_delta + eps)
        delta /= std
        delta *= grad
        acc_delta *= scalar(rho, acc_delta)
        addcmul_(acc_delta, delta, delta, 1 - rho)
        add_(data, delta, -group["lr"])
