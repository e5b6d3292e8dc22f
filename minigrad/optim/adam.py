"""Adam and AdamW (decoupled weight decay), with amsgrad and maximize."""
import numpy as np

from ..creation import tensor, zeros_like
from .._fma import fma
from ._joined import Flat, joinable, joined, write_back
from ._kernels import lerp as _lerp, sqrt
from .optimizer import Optimizer, scalar

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """With g = grad (negated if maximize), t the step count:

        g = g + weight_decay * p            (Adam)   or   p = p * (1 - lr * weight_decay) (AdamW)
        m = m + (1 - beta1) (g - m)         v = beta2 v + (1 - beta2) g²
        v_hat = max(v_hat, v) with amsgrad, else v
        p = p - lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _state(self, p, group):
        state = self.state[p]
        if not state:
            state["step"] = tensor(0.0)
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p)
        return state

    def _update_params(self, params, group):
        """The small float32 parameters (biases, norms' weights) stepped together, as one
        array: every step below is elementwise, so this computes the same bits with far fewer
        NumPy calls; the others one by one."""
        small = [p for p in params if _joinable(p)]
        if len(small) < 2 or abs(1 - group["betas"][0]) >= 0.5:   # (lerp's other form)
            return super()._update_params(params, group)
        super()._update_params([p for p in params if not _joinable(p)], group)
        states = [self._state(p, group) for p in small]
        if len({state["step"]._data.item() for state in states}) != 1:
            return super()._update_params(small, group)
        keys = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if group["amsgrad"] else [])
        together = _JoinedParameter(small, states, keys)
        self._update(together, joined([p._grad._data for p in small]), group, together.state)
        together.write_back()
        for p in small:
            p._bump_version()

    def _update(self, p, grad, group, state=None):
        data = p._data
        state = self._state(p, group) if state is None else state
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        count = state["step"]._data
        count += 1
        step = count.item()
        if group["maximize"]:
            grad = -grad
        if wd != 0:
            if group["decoupled_weight_decay"]:
                data *= scalar(1 - lr * wd, data)
            else:
                grad = fma(data, scalar(wd, data), grad)
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        _lerp(m, grad, scalar(1 - beta1, m), out=m)
        v *= scalar(beta2, v)
        fma(scalar(1 - beta2, v) * grad, grad, v, out=v)
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"]._data
            np.maximum(v_max, v, out=v_max)
            v = v_max
        step_size = lr / (1 - beta1**step)
        denom = sqrt(v)
        denom /= scalar((1 - beta2**step) ** 0.5, v)
        denom += scalar(group["eps"], v)
        update = scalar(-step_size, data) * m
        update /= denom
        data += update


# parameters of up to this many float32 elements are stepped together (_update_params)
_JOIN_SIZE = 4096


def _joinable(p):
    return joinable(p, 0, _JOIN_SIZE) and p._data.flags.c_contiguous


class _JoinedParameter:
    """Several parameters and their Adam state as flat arrays, one after another (state: the
    first's step count, which they share, and the joined buffers); write_back() copies the
    results into each parameter's and state's own arrays and advances every step count."""

    def __init__(self, params, states, keys):
        self.params, self.states, self.keys = params, states, keys
        self._data = joined([p._data for p in params])
        self.state = {"step": tensor(states[0]["step"]._data.item())}
        for key in keys:
            self.state[key] = Flat(joined([s[key]._data for s in states]))

    def write_back(self):
        write_back(self._data, [p._data for p in self.params])
        for key in self.keys:
            write_back(self.state[key]._data, [state[key]._data for state in self.states])
        for state in self.states:
            state["step"]._data[...] = self.state["step"]._data


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01): p <- p (1 - lr wd) before the step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
