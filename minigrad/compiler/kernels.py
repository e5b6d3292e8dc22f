"""The small functions a replayed program calls between the ops' own forwards and backwards.

Each does exactly what the eager code does at that point, on plain ndarrays: the engine's
reduction and sum of gradients, the addition into ``.grad``, an in-place write, the modes a
backward pass runs under.
"""
import os
import sysconfig

import numpy as np

from .. import _tensor
from ..autograd import engine, grad_mode
from ..autograd.function import _NO_CTX, AS_SAVED, on_arrays

NO_CTX = _NO_CTX
REDUCE = engine._reduce_to     # a gradient summed down to its input's shape and dtype
ADD = engine._sum              # two gradients of one input added


def AS_ARRAY(result):
    """A forward's single result as the array eager wraps (a NumPy scalar becomes 0-d)."""
    return result if type(result) is np.ndarray else np.asarray(result)


def AS_ARRAYS(results):
    return tuple(AS_ARRAY(r) for r in results)


def ACCUMULATE(leaf, grad):
    """AccumulateGrad: add grad into leaf.grad (making it on first use); its array."""
    leaf._accumulate_grad(grad, False)
    return leaf._grad._data


def WRITE(dst, src, region):
    """An in-place op's result written into its tensor (``assign_inplace``)."""
    if region is None:
        np.copyto(dst, src, casting="unsafe")
    else:
        dst[region] = src[region]


def FILL(dst, value):
    """``zero_``/``fill_`` outside autograd: the value written straight into the array."""
    with np.errstate(invalid="ignore", over="ignore"):
        dst[...] = value


def SCALE(dst, coef):
    """A tensor multiplied in place outside autograd (``clip_grad_norm_``'s plain path)."""
    np.multiply(dst, coef, out=dst)


def KEEP_OLD(ctx, slot):
    """Before an in-place write into a value the node saved: it keeps a copy of the old one."""
    saved = ctx._saved
    ctx._saved = saved[:slot] + (saved[slot].copy(),) + saved[slot + 1:]


def BUMP(t):
    t._bump_version()


def BEGIN_BACKWARD():
    """The modes the engine runs a backward pass under: no recording, formulas on arrays.
    Returns what to restore."""
    state = grad_mode._state
    saved = (state.enabled, on_arrays.active)
    state.enabled, on_arrays.active = False, True
    return saved


def END_BACKWARD(saved):
    grad_mode._state.enabled, on_arrays.active = saved


try:  # what np.errstate itself does, without building a context manager on every replay
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # another NumPy layout: the public (slower) way
    _extobj_contextvar = None


def FP_IGNORE():
    """A program runs with NumPy's floating-point warnings off, as every op and backward pass
    does eagerly (each under its own ``np.errstate``): set once here, restored at the end."""
    if _extobj_contextvar is None:
        return np.seterr(all="ignore")
    return _extobj_contextvar.set(_make_extobj(all="ignore"))


def FP_RESTORE(saved):
    if _extobj_contextvar is None:
        np.seterr(**saved)
    else:
        _extobj_contextvar.reset(saved)
_ERRSTATE_WRAPPER = np.errstate(all="ignore")(lambda: None).__code__


def unwrapped(fn):
    """fn without an ``np.errstate`` decorator (the program sets that state once for all)."""
    inner = getattr(fn, "__wrapped__", None)
    if inner is not None and getattr(fn, "__code__", None) is _ERRSTATE_WRAPPER:
        return inner
    return fn


WRAP = _tensor._make  # an array as a plain Tensor again (for zeros_like(x) and the like)


def MAKE(array, requires_grad, node, output_nr):
    """A tensor the compiled function returns, around this replay's array."""
    return _tensor._make(array, requires_grad, node, output_nr)


def replay_context(node):
    """A fresh ctx of the node's class for replay: forward fills it, backward reads it.

    Saved values stay plain arrays, handed back as they are (``AS_SAVED``: their versions are
    not checked, as in a replayed program nothing but its own kernels runs between a forward
    and its backward)."""
    ctx = object.__new__(type(node))
    ctx._needs = node._needs
    ctx._saved = ()
    ctx._saved_versions = AS_SAVED
    ctx._pre_hooks = ctx._hooks = None
    ctx._edges = node._edges
    return ctx


def numpy_backward(cls, edges):
    """The kernel for a node whose formula runs on ndarrays."""
    backward = unwrapped(cls.backward)
    edges = tuple(edges)

    def kernel(ctx, *grads):
        return engine.per_edge_gradients(backward(ctx, *grads), edges)
    kernel.__name__ = f"{cls.__name__}_backward"
    return kernel


def tensor_backward(cls, edges):
    """The kernel for a node whose formula runs minigrad ops: given Tensors, as the engine's
    ``_on_tensors`` gives them, and its results turned back into arrays."""
    backward, make = cls.backward, _tensor._make
    edges = tuple(edges)

    def kernel(ctx, *grads):
        saved = ctx._saved
        ctx._saved = tuple(make(s) if isinstance(s, (np.ndarray, np.generic)) else s
                           for s in saved)
        on_arrays.active = False
        try:
            out = backward(ctx, *[None if g is None else make(g) for g in grads])
        finally:
            on_arrays.active = True
            ctx._saved = saved
        out = out if isinstance(out, tuple) else (out,)
        return engine.per_edge_gradients(tuple(None if g is None else g._data for g in out),
                                         edges)
    kernel.__name__ = f"{cls.__name__}_backward"
    return kernel


# ---- effects: what replay repeats as the same call on the same objects ------------------
EFFECTS = {
    "Optimizer.step": "optimizer.step()",
    "Optimizer.zero_grad": "optimizer.zero_grad()",
    "Module.zero_grad": "module.zero_grad()",
    "Tensor.grad": "tensor.grad = None",
}


def replayable_effect(fn, args, kwargs):
    """Effects replay can repeat: a step without closure, zeroing, ``.grad = None``."""
    name = fn.__qualname__
    if name == "Optimizer.step":
        return len(args) == 1 and kwargs.get("closure") is None
    if name == "Tensor.grad":
        return len(args) == 1 or args[1] is None
    return name in EFFECTS


# ---- whose code is it? ------------------------------------------------------------------
_LIBRARY_DIRS = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep
                      for m in (_tensor, np))
_STDLIB = sysconfig.get_paths()["stdlib"] + os.sep


def is_user_file(filename):
    """Code of the program being compiled (not minigrad's, NumPy's or the standard library's)."""
    if filename.startswith("<frozen") or filename.startswith(_STDLIB):
        return False
    return not any(filename.startswith(d) for d in _LIBRARY_DIRS)
