"""Adagrad, with lr_decay and initial_accumulator_value."""

from ..creation import full_like
from ._kernels import sqrt, addcdiv_, addcmul_, decayed_grad, scalar
from .optimizer import Optimizer, check_nonnegative, new_step

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """With g the gradient (negated if maximize, plus weight_decay * p), t the step count:

        s = s + g²                              (s starts at initial_accumulator_value)
        p = p - lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)

    State is created for every parameter given to the constructor, as torch does.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(step=new_step(), **self._initial(p))

    def _initial(self, p):
        # torch fills with the constructor's value, whatever the group says
        return {"sum": full_like(p, self.defaults["initial_accumulator_value"])}

    def _update(self, p, grad, group):
        state, step = self._advance(p, lambda: self._initial(p))
        data = p._data
        grad = decayed_grad(data, grad, group["maximize"], group["weight_decay"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        state_sum = addcmul_(state["sum"]._data, grad, grad)
        std = sqrt(state_sum)
        std += scalar(group["eps"], std)
        addcdiv_(data, grad, std, -clr)
