"""Small helpers shared by the op modules: attaching methods, in-place variants."""
import numpy as np

from .._dtype import from_numpy_dtype
from ..autograd.views import inplace_prepare, rebase_history


def register_methods(cls, methods):
    """Attach functions as methods (ops live in their modules; Tensor gets them here)."""
    for name, fn in methods.items():
        setattr(cls, name, fn)


def inplace_variant(fn):
    """``x.op_(...)``: compute ``op(x, ...)`` out of place, then write it into x.

    torch's rules: the result must fit x's shape (no broadcasting of x) and x's dtype (no
    float result into an integer tensor); a leaf that requires grad refuses outside no_grad.
    x takes the result's graph node, so gradients keep flowing through it.
    """
    def method(self, *args, **kwargs):
        self._check_inplace()
        result = fn(self, *args, **kwargs)
        assign_inplace(self, result)
        return self
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of ``{fn.__name__}``."
    return method


def assign_inplace(self, result):
    """Write result's values into self and move self onto result's place in the graph."""
    src, dst = result._data, self._data
    if src.dtype != dst.dtype and _category(src.dtype) > _category(dst.dtype):
        raise RuntimeError(f"result type {from_numpy_dtype(src.dtype).short_name} can't be cast "
                           f"to the desired output type {from_numpy_dtype(dst.dtype).short_name}")
    if src.shape != dst.shape:
        raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast "
                           f"shape {list(src.shape)}")
    track = inplace_prepare(self, result)
    np.copyto(dst, src, casting="unsafe")
    self._bump_version()
    if track:
        rebase_history(self, result)


def _category(np_dtype):
    k = np_dtype.kind
    return 2 if k == "f" else (0 if k == "b" else 1)
