"""minigrad.autograd: backward(), grad(), grad modes, Function, and graph nodes."""
import warnings

import numpy as np

from .. import _seam as seam
from .. import _tensor  # circular: Tensor and _make are looked up when called
from .engine import run_backward
from .function import Function, Node, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                        set_grad_enabled)
from .trace import trace
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from . import anomaly_mode  # noqa: F401  (torch.autograd.anomaly_mode)

__all__ = ["backward", "grad", "Function", "Node", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "inference_mode", "trace", "gradcheck", "gradgradcheck",
           "GradcheckError", "once_differentiable", "detect_anomaly", "set_detect_anomaly"]


def _as_tuple(x):
    if x is None:
        return None
    return (x,) if isinstance(x, _tensor.Tensor) else tuple(x)


@seam.replayed
def _root_ones(shape, dtype):
    """The gradient backward() starts from for a one-element output."""
    return np.ones(shape, dtype)


# (minigrad.compile: the same values every call, no need to make them again)
_root_ones.__wrapped__.replay_as_constant = True


def _make_grads(outputs, grad_outputs):
    """Default gradients: ones for one-element outputs; torch's errors otherwise."""
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out.requires_grad:
                if out._data.size != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                g = _tensor._make(_root_ones(out._data.shape, out._data.dtype))
            grads.append(g)
            continue
        if not isinstance(g, _tensor.Tensor):
            from ..creation import tensor
            g = tensor(g, dtype=out.dtype)
        if g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}.")
        if g._data.dtype != out._data.dtype:   # torch converts it first (validate_outputs)
            g = g.to(out.dtype)
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad`` (only ``inputs``' if given:
    a non-leaf among them gets its ``.grad`` too, as after ``retain_grad()``)."""
    if grad_variables is not None:
        if grad_tensors is not None:
            raise RuntimeError("`grad_tensors` and `grad_variables` (deprecated) arguments both "
                               "passed to `backward()`. Please only use `grad_tensors`.")
        grad_tensors = grad_variables
    inputs = _as_tuple(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grad_tensors)
    if create_graph:
        _warn_create_graph_once()
    results = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                           accumulate=True)
    for t, g in zip(inputs or (), results):
        if t.grad_fn is not None and g is not None:
            t._retains_grad = True
            g = g if create_graph else g.detach()
            t._grad = g if t._grad is None else t._grad + g


_CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the "
    "parameter and its gradient which can cause a memory leak. We recommend using autograd.grad "
    "when creating the graph to avoid this. If you have to use this function, make sure to "
    "reset the .grad fields of your parameters to None after use to break the cycle and avoid "
    "the leak.")
_warned = set()  # warnings torch gives once per process (TORCH_WARN_ONCE)


def _warn_create_graph_once():
    """torch's engine warns once per process when backward() (not grad()) records the graph:
    each parameter's .grad then refers back to the parameter through that graph."""
    if "create_graph" not in _warned:
        _warned.add("create_graph")
        warnings.warn(_CREATE_GRAPH_WARNING, UserWarning, stacklevel=3)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching any ``.grad``."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if is_grads_batched:
        raise NotImplementedError("minigrad has no vmap: is_grads_batched is not supported")
    grad_outputs = (_as_tuple(grad_outputs) if grad_outputs is not None
                    else (None,) * len(outputs))
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads = _make_grads(outputs, grad_outputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    # an input named twice gets its gradient twice: the walk captures each tensor once
    distinct = list({id(t): t for t in inputs}.values())
    captured = run_backward(outputs, grads, retain_graph, create_graph, inputs=distinct,
                            accumulate=False)
    by_id = {id(t): r for t, r in zip(distinct, captured)}
    results = [by_id[id(t)] for t in inputs]
    out = []
    from .. import creation
    for i, (t, r) in enumerate(zip(inputs, results)):
        if r is None:
            if materialize_grads:
                r = creation.zeros_like(t, requires_grad=create_graph)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            r = r.detach()
        out.append(r)
    return tuple(out)

from . import forward_ad  # noqa: E402, F401  (dual tensors: forward-mode AD)
from . import functional  # noqa: E402, F401  (vjp, jvp, jacobian, hessian, vhp, hvp)
