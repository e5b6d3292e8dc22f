"""ASGD: averaged stochastic gradient descent."""
from ..creation import ones, tensor, zeros_like
from ._kernels import add_, decayed_grad, scalar
from .optimizer import Optimizer, check_nonnegative

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """With g the gradient (negated if maximize, plus weight_decay * p), t the step count, and
    eta (starting at lr) and mu (starting at 1) from the previous step:

        p = p (1 - lambd eta) - eta g
        ax = ax + (p - ax) mu          (ax = p while mu is 1)
        eta = lr / (1 + lambd lr t)^alpha,   mu = 1 / max(1, t - t0)
    """

    _capturable_names = "params, mus, etas, and state_steps"

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_nonnegative(lr=lr, weight_decay=weight_decay)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        state, step = self._advance(p, lambda: {"eta": tensor(float(group["lr"])),
                                                "mu": ones(()), "ax": zeros_like(p)})
        data, lr, lambd = p._data, group["lr"], group["lambd"]
        grad = decayed_grad(data, grad, group["maximize"], group["weight_decay"])
        eta = state["eta"]._data.item()
        data *= scalar(1 - lambd * eta, data)
        add_(data, grad, -eta)
        ax, mu = state["ax"]._data, state["mu"]._data.item()
        if mu != 1:
            change = data - ax
            change *= scalar(mu, change)
            ax += change
        else:
            ax[...] = data
        # torch makes each a tensor of the default dtype, then copies it into the state's
        state["eta"]._data[...] = tensor(lr / ((1 + lambd * lr * step) ** group["alpha"]))._data
        state["mu"]._data[...] = tensor(1 / max(1, step - group["t0"]))._data
