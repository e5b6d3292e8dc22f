"""``Optimizer``: the base class (param_groups, state, zero_grad, state_dict).

Subclasses implement ``step()`` by updating each ``p._data`` in place with NumPy, reproducing
the arithmetic of torch's single-tensor CPU kernels (in the parameter's dtype, with the fused
multiply-adds torch's vectorized kernels use for ``add(alpha=)``, ``lerp`` and ``addcmul``: see
``minigrad/_fma.py``), so that training runs follow torch's trajectory closely.
"""
from collections import defaultdict
from copy import deepcopy

from .._tensor import Tensor
from .. import _seam as seam
from ..autograd.grad_mode import enable_grad
from ..creation import tensor
from ._kernels import scalar  # noqa: F401  (sgd and adam import it from here)

__all__ = ["Optimizer", "required", "check_nonnegative", "check_betas", "new_step"]


class _RequiredParameter:
    """Marks a default that every param group must give (torch's ``optim.optimizer.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()



_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def check_nonnegative(**values):
    """torch's argument checks, in the order given: ``ValueError("Invalid learning rate: -1")``,
    ``"Invalid epsilon value: ..."``, ``"Invalid <name> value: ..."``."""
    for name, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_LABELS.get(name, name + ' value')}: {value}")


def check_betas(betas):
    """Each of (beta1, beta2) in [0, 1)."""
    for i, beta in enumerate(betas[:2]):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def new_step():
    """A step counter as torch keeps it: a 0-dim tensor of the default float dtype."""
    return tensor(0.0)


def _typename(obj):
    return obj.type() if isinstance(obj, Tensor) else type(obj).__qualname__


class Optimizer:
    """Holds ``param_groups`` (dicts: 'params' plus the hyper-parameters) and per-param state.

    ``foreach=True`` computes with the single-tensor arithmetic (torch's CPU foreach path
    rounds the same, except NAdam's, RAdam's and ASGD's);
    ``capturable=True`` (CUDA graphs) fails at the step as on a machine without a GPU;
    ``differentiable=True`` is accepted, but its step is not implemented (a leaf that requires
    grad raises torch's in-place error first).
    """

    # the state tensors torch names in its capturable error (optimizers that take capturable)
    _capturable_names = "params and state_steps"
    _capturable_devices = "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla']"

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    def add_param_group(self, param_group):
        """Append a group; missing hyper-parameters come from the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or
                                                                      p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    @seam.effect
    def zero_grad(self, set_to_none=True):
        """Drop the gradients (default), or zero them in place with set_to_none=False."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g._data[...] = 0
                g._bump_version()

    @seam.effect
    def step(self, closure=None):
        """Update every parameter that has a gradient; closure() recomputes the loss first."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p._grad is not None]
            self._check_group_flags(group, params)
            self._update_params(params, group)
        return loss

    def _update_params(self, params, group):
        """Update each of ``params`` (those of ``group`` with a gradient) in turn; an optimizer
        may instead update several at once where that computes the same values."""
        update = self._update
        for p in params:
            update(p, p._grad._data, group)
            p._bump_version()

    def _check_group_flags(self, group, params):
        """capturable needs a GPU; differentiable cannot step a tensor that requires grad."""
        if params and group.get("capturable"):
            raise AssertionError(f"If capturable=True, {self._capturable_names} must be on "
                                 f"supported devices: {self._capturable_devices}.")
        if group.get("differentiable"):
            if any(p.requires_grad and p.is_leaf for p in params):
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
            if params:
                raise NotImplementedError(
                    "minigrad's optimizers do not implement differentiable=True (torch then "
                    "records the step in the autograd graph, with its own arithmetic)")

    def _advance(self, p, initial):
        """(state of p, its step count after this step). The state is created on first use as
        torch creates it, ``{'step': 0-dim tensor, **initial()}`` (its keys in torch's order);
        the count then goes up by one in place, as torch's ``step += 1``."""
        state = self.state[p]
        if not state:
            state["step"] = new_step()
            state.update(initial())
        count = state["step"]._data
        count += 1
        return state, count.item()

    def _update(self, p, grad, group):
        """Update ``p._data`` in place from the gradient array ``grad`` (the state it keeps
        goes in ``self.state[p]``, created only by optimizers that keep some, as in torch)."""
        raise NotImplementedError

    # ---- state dict -------------------------------------------------------------------------
    def state_dict(self):
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}"""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and state saved by ``state_dict`` (params matched by order)."""
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(self.param_groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"])
               for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = {saved: p for g, s in zip(self.param_groups, saved_groups)
                  for saved, p in zip(s["params"], g["params"])}
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {key: _cast_state(param, key, value) for key, value in v.items()}
            else:
                state[k] = v
        for group, new_group in zip(self.param_groups, saved_groups):
            new_group["params"] = group["params"]
        self.__setstate__({"state": state, "param_groups": saved_groups})


def _cast_state(param, key, value):
    """A state tensor copied to the parameter's dtype ('step' keeps its own)."""
    if not isinstance(value, Tensor):
        return value
    if key != "step" and value.is_floating_point():
        return value.to(param.dtype).clone()
    return value.clone()
