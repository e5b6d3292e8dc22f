"""Small helpers shared by the op modules: attaching methods, in-place variants."""
import numpy as np

from .._dtype import from_numpy_dtype
from .._tensor import Tensor
from .. import _seam as seam
from ..autograd import forward_ad, function
from ..autograd.views import REPEATED_WRITE_ERROR, has_repeats, inplace_prepare, rebase_history


# torch computes overflow, division by zero and invalid values (log(-1), 0/0) silently; NumPy
# would warn. An op's forward that can meet them is decorated with this: the whole call runs
# with NumPy's floating-point errors ignored. (One errstate object as a decorator serves every
# call; it costs about half of a ``with np.errstate(...)`` block, which builds one per call.)
silent_fp = np.errstate(all="ignore")


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
        check_overlap(self._data, [a._data for a in (*args, *kwargs.values())
                                   if isinstance(a, Tensor)])
        refuse_overlapping_update(self._data)
        result = fn(self, *args, **kwargs)
        assign_inplace(self, result)
        return self
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place version of ``{fn.__name__}``."
    return method


def assign_inplace(self, result, region=None):
    """Write result's values into self and move self onto result's place in the graph.

    ``region`` (an index): only that part changed, and only it is written, as torch's
    ``self[index] = v`` writes it (into an expanded view, the shared element only once)."""
    if function.batch_hook is not None:  # inside vmap
        from ..func.batching import assign_batched, is_batched
        if is_batched(self) or is_batched(result):
            return assign_batched(self, result, region, assign_inplace)
    src, dst = result._data, self._data
    if src.dtype != dst.dtype and _category(src.dtype) > _category(dst.dtype):
        raise RuntimeError(f"result type {from_numpy_dtype(src.dtype).short_name} can't be cast "
                           f"to the desired output type {from_numpy_dtype(dst.dtype).short_name}")
    if src.shape != dst.shape:
        raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast "
                           f"shape {list(src.shape)}")
    if seam.recorder is not None:  # minigrad.compile records the write
        seam.recorder.write(self, result, region)
    track = inplace_prepare(self, result)
    if region is None:
        np.copyto(dst, src, casting="unsafe")
    else:
        dst[region] = src[region]
    self._bump_version()
    if track:
        rebase_history(self, result)
    if forward_ad.dual_hook_open():
        forward_ad.inplace_update(self, result)


def refuse_overlapping_update(out):
    """An op that reads x and writes it back cannot run in place on overlapping windows (an
    ``unfold`` with step < size): torch updates each shared element once per window that holds
    it, the computed-then-written result here only once. Refused rather than answered wrongly."""
    if out.ndim < 2 or out.flags.c_contiguous or out.flags.f_contiguous:
        return
    dims = sorted((abs(st), n) for st, n in zip(out.strides, out.shape) if n > 1)
    extent = out.itemsize
    for stride, n in dims:
        if stride < extent:
            raise NotImplementedError(
                "in-place update of a tensor whose elements overlap in memory (windows of an "
                "unfold with step < size) is not supported; clone() it first")
        extent = stride * (n - 1) + extent


def _category(np_dtype):
    k = np_dtype.kind
    return 2 if k == "f" else (0 if k == "b" else 1)


# ---- torch's memory-overlap checks before an in-place write -------------------------------------
def check_overlap(out, inputs):
    """Before writing into the array ``out`` computed from the arrays ``inputs`` (torch's
    TensorIterator): no element of out may be written twice (a stride-0 dim of size > 1), and no
    input may overlap out's memory partly (the very same layout is fine)."""
    if has_repeats(out):
        raise RuntimeError(REPEATED_WRITE_ERROR)
    span = _dense_span(out)
    if span is None:
        return
    for a in inputs:
        other = None if a is out else _dense_span(a)
        if other is None:
            continue
        same = other == span and a.shape == out.shape and all(
            n == 1 or sa == so for n, sa, so in zip(out.shape, a.strides, out.strides))
        if not same and span[0] < other[1] and other[0] < span[1]:
            raise RuntimeError("unsupported operation: some elements of the input tensor and "
                               "the written-to tensor refer to a single memory location. Please "
                               "clone() the tensor before performing the operation.")


def _dense_span(a):
    """[first, end) byte addresses of an array whose elements fill a gapless block, or None
    (empty, gaps, repeats or negative strides: torch does not judge those)."""
    if a.size == 0:
        return None
    expected = a.itemsize
    for st, n in sorted((st, n) for st, n in zip(a.strides, a.shape) if n > 1):
        if st != expected:
            return None
        expected *= n
    begin = a.__array_interface__["data"][0]
    return begin, begin + a.size * a.itemsize
