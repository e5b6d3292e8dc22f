"""NAdam: Adam with Nesterov momentum (momentum_decay schedule, decoupled weight decay)."""

from ..creation import tensor, zeros_like
from ._kernels import sqrt, addcdiv_, addcmul_, lerp_, scalar
from .optimizer import Optimizer, check_betas, check_nonnegative
from .radam import decay_weights

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """With g the gradient (negated if maximize; weight decay as in RAdam), t the step count:

        mu_t = beta1 (1 - 0.96^(t momentum_decay) / 2),   P_t = mu_1 ... mu_t
        m = lerp(m, g, 1 - beta1),   v = beta2 v + (1 - beta2) g²
        d = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr (1 - mu_t) / (1 - P_t) g / d - lr mu_{t+1} / (1 - P_t mu_{t+1}) m / d
    """

    _capturable_names = "params, mu_products and state_steps"

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        state, step = self._advance(p, lambda: {"mu_product": tensor(1.0),
                                                "exp_avg": zeros_like(p),
                                                "exp_avg_sq": zeros_like(p)})
        data, lr, (beta1, beta2) = p._data, group["lr"], group["betas"]
        grad = decay_weights(data, grad, group)
        decay = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * decay)))
        mu_product = state["mu_product"]._data
        mu_product *= scalar(mu, mu_product)
        product = mu_product.item()
        exp_avg = lerp_(state["exp_avg"]._data, grad, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"]._data
        exp_avg_sq *= scalar(beta2, exp_avg_sq)
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2)
        denom = sqrt(exp_avg_sq / scalar(1 - beta2 ** step, exp_avg_sq))
        denom += scalar(group["eps"], denom)
        addcdiv_(data, grad, denom, -lr * (1.0 - mu) / (1.0 - product))
        addcdiv_(data, exp_avg, denom, (-lr * mu_next) / (1.0 - product * mu_next))
