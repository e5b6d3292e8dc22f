"""Gradient clipping, with torch's arithmetic:

* ``get_total_norm``: the p-norm of the per-tensor p-norms (tensors grouped by dtype, groups in
  order of first appearance, the norms stacked with type promotion);
* ``clip_grads_with_norm_``: every grad times ``min(max_norm / (total_norm + 1e-6), 1)``, a
  0-dim tensor (the multiply runs in each grad's dtype);
* ``clip_grad_norm_`` = the two in turn, returning the total norm;
* ``clip_grad_value_``: every grad clamped to ``[-clip_value, clip_value]``.

``foreach`` chooses torch's batched kernels, which compute the same values; here it is accepted
and the values are the same either way. Everything runs under no_grad.
"""
import types
import warnings

import numpy as np

from ... import _seam as seam
from ... import _tensor
from ..._dtype import get_default_dtype
from ...autograd import forward_ad, function
from ...autograd.function import _NO_CTX
from ...autograd.grad_mode import no_grad
from ...ops.join import stack
from ...ops.statistics import LinalgVectorNormBackward0, _np_norm, norm
from ...ops.elementwise import clamp

_make = _tensor._make
_vector_norm = LinalgVectorNormBackward0.forward

__all__ = ["get_total_norm", "clip_grads_with_norm_", "clip_grad_norm_", "clip_grad_norm",
           "clip_grad_value_"]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, _tensor.Tensor) else list(tensors)


def _grouped_by_dtype(tensors):
    """torch's _group_tensors_by_device_and_dtype on one device: lists per dtype, in order."""
    groups = {}
    for t in tensors:
        groups.setdefault(t.dtype, []).append(t)
    return list(groups.values())


@no_grad()
def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` seen as one vector (a 0-dim tensor)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _tensor.Tensor._from_array(np.zeros((), get_default_dtype().np))  # tensor(0.)
    in_order = [t for group in _grouped_by_dtype(tensors) for t in group]
    if not _unrecorded(in_order):
        total_norm = norm(stack([norm(t, norm_type) for t in in_order]), norm_type)
    elif norm_type == 2.0 and len({t._data.dtype for t in in_order}) == 1 and \
            in_order[0]._data.dtype in _SQUARES_SUMMED:
        total_norm = _make(_two_norm_of_two_norms([t._data for t in in_order]))
    else:   # each norm straight from its array: the same bytes
        norms = [_make(_vector_norm(_NO_CTX, t._data, norm_type, tuple(range(t._data.ndim)),
                                    False)) for t in in_order]
        total_norm = norm(stack(norms), norm_type)
    if error_if_nonfinite and (total_norm.isnan() | total_norm.isinf()).item():
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total_norm


_SQUARES_SUMMED = (np.dtype(np.float32), np.dtype(np.float64))


def _two_norm_of_two_norms(arrays):
    """The 2-norm of the arrays' 2-norms (all of one float dtype, float32 or float64): what
    ``norm(stack([norm(t) for t in tensors]))`` computes, each norm by LinalgVectorNormBackward0's
    own kernel (``_np_norm``), without the tensors."""
    norms = np.empty(len(arrays), arrays[0].dtype)
    for i, x in enumerate(arrays):
        norms[i] = _np_norm(x, 2.0, tuple(range(x.ndim)), False)
    return _vector_norm(_NO_CTX, norms, 2.0, (0,), False)


@no_grad()
def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by ``min(max_norm / (total_norm + 1e-6), 1)``, in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return
    clip_coef_clamped = clamp(max_norm / (total_norm + 1e-6), max=1.0)
    coef = clip_coef_clamped._data
    plain = not forward_ad.dual_hook_open()
    for group in _grouped_by_dtype(grads):
        for g in group:
            if plain and _plain(g, coef):   # nothing to record: the same product, in place
                if seam.recorder is not None:  # minigrad.compile records the write
                    seam.recorder.scale(g, coef)
                np.multiply(g._data, coef, out=g._data)
                g._bump_version()
            else:
                g.mul_(clip_coef_clamped)


def _unrecorded(tensors):
    """Is ``norm(t)`` of each of these just its forward on t's array? No op is seen by forward
    AD, vmap or minigrad.compile's capture, and each t is a plain tensor of floats (so the
    forward raises no error)."""
    return (function.dual_hook is None and function.batch_hook is None
            and function.capture_hook is None
            and all(type(t) is _tensor.Tensor and type(t._data) is np.ndarray
                    and t._data.dtype.kind == "f" for t in tensors))


def _plain(g, coef):
    """Can ``g.mul_(coef)`` be a bare in-place multiply (forward AD being off)? g owns its
    writeable memory, needs no graph, and has coef's dtype (so the product is rounded once,
    in it)."""
    return (g._base is None and not g._requires_grad and g._data.dtype == coef.dtype
            and g._data.flags.writeable)


@no_grad()
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients so that their total ``norm_type``-norm is at most ``max_norm``;
    returns the total norm before clipping."""
    if isinstance(parameters, _tensor.Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated name of ``clip_grad_norm_`` (warns as torch does)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@no_grad()
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient to ``[-clip_value, clip_value]`` in place; returns None."""
    clip_value = float(clip_value)
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:   # torch's grouping of the (empty) list of gradients refuses it
        raise RuntimeError("Expected !nested_tensorlist[0].empty() to be true, but got false.  "
                           "(Could this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")
    for g in grads:
        g.clamp_(min=-clip_value, max=clip_value)
