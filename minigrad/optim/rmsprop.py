"""RMSprop, with momentum and the centered variant."""

from ..creation import zeros_like
from ._kernels import sqrt, addcdiv_, addcmul, addcmul_, add_, decayed_grad, lerp_, scalar
from .optimizer import Optimizer, check_nonnegative

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """With g the gradient (negated if maximize, plus weight_decay * p):

        v = alpha v + (1 - alpha) g²
        centered:  g_avg = lerp(g_avg, g, 1 - alpha),  avg = sqrt(v - g_avg²) + eps
        else:      avg = sqrt(v) + eps
        momentum:  b = momentum b + g / avg,  p = p - lr b
        else:      p = p - lr g / avg
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                          alpha=alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        def initial():
            names = ["square_avg"] + ["momentum_buffer"] * (group["momentum"] > 0) \
                + ["grad_avg"] * bool(group["centered"])
            return {name: zeros_like(p) for name in names}
        state, _ = self._advance(p, initial)
        data, alpha = p._data, group["alpha"]
        grad = decayed_grad(data, grad, group["maximize"], group["weight_decay"])
        square_avg = state["square_avg"]._data
        square_avg *= scalar(alpha, square_avg)
        addcmul_(square_avg, grad, grad, 1 - alpha)
        if group["centered"]:
            grad_avg = lerp_(state["grad_avg"]._data, grad, 1 - alpha)
            avg = sqrt(addcmul(square_avg, grad_avg, grad_avg, -1))
        else:
            avg = sqrt(square_avg)
        avg += scalar(group["eps"], avg)
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]._data
            buf *= scalar(group["momentum"], buf)
            add_(data, addcdiv_(buf, grad, avg), -group["lr"])
        else:
            addcdiv_(data, grad, avg, -group["lr"])
