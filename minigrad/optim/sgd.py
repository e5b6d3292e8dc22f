"""Stochastic gradient descent with momentum, dampening, Nesterov, weight decay, maximize."""
from .._tensor import _make
from .._fma import fma
from ._joined import Flat, joinable, joined, write_back
from .optimizer import Optimizer, scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    """p <- p - lr * d, where (g = grad, negated if maximize)

        g = g + weight_decay * p
        b = g (first step), else b = momentum * b + (1 - dampening) * g
        d = g + momentum * b (nesterov) or b (momentum) or g (no momentum)
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update_params(self, params, group):
        """Without momentum a step is elementwise and keeps no state: the small float32
        parameters (more than one element each: one-element ones have their own quick route)
        are then stepped together as one array, the same bits with far fewer NumPy calls."""
        together = [p for p in params if _joinable(p)] if group["momentum"] == 0 else []
        if len(together) < 2:
            return super()._update_params(params, group)
        super()._update_params([p for p in params if not _joinable(p)], group)
        flat = Flat(joined([p._data for p in together]))
        self._update(flat, joined([p._grad._data for p in together]), group)
        write_back(flat._data, [p._data for p in together])
        for p in together:
            p._bump_version()

    def _update(self, p, grad, group):
        data = p._data
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = fma(data, scalar(group["weight_decay"], data), grad)
        momentum = group["momentum"]
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = _make(grad.copy())
            else:
                b = buf._data
                b *= scalar(momentum, b)
                fma(grad, scalar(1 - group["dampening"], b), b, out=b)
            grad = fma(buf._data, scalar(momentum, data), grad) if group["nesterov"] \
                else buf._data
        fma(grad, scalar(-group["lr"], data), data, out=data)


# float32 parameters of 2 to this many elements are stepped together (_update_params)
_JOIN_SIZE = 1 << 15


def _joinable(p):
    return joinable(p, 2, _JOIN_SIZE)
