"""Memory layouts as torch chooses them: the result of an elementwise op on operands of mixed
layouts, and a leaf's new ``.grad``.

NumPy and torch agree when every operand is row-major (the result is row-major) or when there is
one operand (the result follows its dim order). With several operands of different layouts they
differ: NumPy falls back to row-major, while torch's TensorIterator orders the result's dims by
the strides of the operands, the first operand deciding first (``reorder_dimensions``):

* a dim of stride 0 (broadcast, or of size 1 against a larger size) says nothing;
* of two dims, the one with the smaller stride in the first operand that tells them apart is the
  faster one; equal strides put the smaller dim first;
* the result is dense in that order, e.g. ``F + C`` (column-major first) is column-major.

Before that, operands all of the result's shape that are all channels-last (4-D, 5-D), or all
dense with equal strides, give a result laid out the same way (torch's fast set-up). The strides
of dims of size 1, which order nothing, are not always torch's.
"""
import numpy as np


def in_torch_layout(result, *operands):
    """``result`` (computed by NumPy from ``operands``), laid out as torch lays it out."""
    arrays = [x for x in operands if isinstance(x, np.ndarray) and x.ndim]
    if result.ndim < 2 or all(x.flags.c_contiguous for x in arrays):
        return result
    out = _like_every_operand(result, arrays, len(arrays) == len(operands))
    if out is None:
        slow_to_fast = fastest_first(result.shape, arrays)[::-1]
        out = np.empty([result.shape[d] for d in slow_to_fast], result.dtype)
        out = out.transpose(np.argsort(slow_to_fast))
    if out.strides == result.strides:
        return result
    np.copyto(out, result)
    return out


def _like_every_operand(result, arrays, no_numbers):
    """torch's fast set-up: operands all of the result's shape (no Python numbers among them)
    and all channels-last, or all dense with equal strides, give a result laid out likewise.
    Otherwise None."""
    shape = result.shape
    if not no_numbers or any(x.shape != shape for x in arrays):
        return None
    if len(shape) in (4, 5) and all(_channels_last(x) for x in arrays):
        order = (0, 2, 3, 1) if len(shape) == 4 else (0, 2, 3, 4, 1)   # N, (D,) H, W, C
        out = np.empty([shape[d] for d in order], result.dtype)
        return out.transpose(np.argsort(order))
    last = arrays[-1]
    if all(x.strides == last.strides for x in arrays) and non_overlapping_and_dense(last):
        out = np.empty_like(last, dtype=result.dtype)   # "K": last's own strides
        return out if out.strides == last.strides else None
    return None


def _channels_last(a):
    """torch's is_contiguous(memory_format=channels_last(_3d)): dense in the order C, W, H,
    (D,) N, dims of size 1 aside."""
    dims = (1, 3, 2, 0) if a.ndim == 4 else (1, 4, 3, 2, 0)
    expected = a.itemsize
    for d in dims:
        if a.shape[d] != 1:
            if a.strides[d] != expected:
                return False
            expected *= a.shape[d]
    return True


def fastest_first(shape, arrays):
    """The dims of the result, fastest-varying first (torch's ``perm_``)."""
    ndim = len(shape)
    strides = [_broadcast_strides(a, shape) for a in arrays]

    def should_swap(d0, d1):
        for s in strides:
            s0, s1 = s[d0], s[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return 1 if s0 > s1 else -1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = list(range(ndim - 1, -1, -1))
    for i in range(1, ndim):   # insertion sort that stops at an ambiguous comparison
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm


def _broadcast_strides(a, shape):
    """a's strides over the broadcast ``shape``: 0 for new leading dims and stretched dims."""
    lead = len(shape) - a.ndim
    return [0] * lead + [0 if n == 1 and shape[lead + i] != 1 else s
                         for i, (n, s) in enumerate(zip(a.shape, a.strides))]


def empty_in_layout_of(like, dtype=None):
    """An uninitialized array shaped like ``like``, with its strides when it is non-overlapping
    and dense, else row-major: the layout torch gives a new ``.grad`` (its layout contract)."""
    dtype = like.dtype if dtype is None else dtype
    if like.flags.c_contiguous or not non_overlapping_and_dense(like):
        return np.empty(like.shape, dtype)
    return np.empty_like(like, dtype=dtype)  # order "K": like's own strides


def dense_in_stride_order(like, dtype=None, memory=None):
    """An uninitialized dense array shaped like ``like``, its dims laid out in like's order of
    strides (torch's ``infer_dense_strides``: where ``preserve_format`` puts a tensor that is
    not dense). ``memory``: a 1-d array of like.size elements of ``dtype`` to lay it over."""
    dtype = np.dtype(like.dtype if dtype is None else dtype)
    memory = np.empty(like.size, dtype) if memory is None else memory
    strides, step = [0] * like.ndim, dtype.itemsize
    for d in fastest_first(like.shape, [like]):
        strides[d] = step
        step *= max(like.shape[d], 1)
    return np.ndarray(like.shape, dtype, buffer=memory, strides=tuple(strides))


def copy_in_layout_of(x, dtype=None):
    """A copy of x (cast to ``dtype``) laid out as torch's ``preserve_format`` lays it out
    (clone, to): with x's strides when x is non-overlapping and dense, else dense in x's order
    of strides."""
    if x.flags.c_contiguous or non_overlapping_and_dense(x):
        return x.astype(x.dtype if dtype is None else dtype)  # order "K": x's own strides
    out = dense_in_stride_order(x, dtype)
    np.copyto(out, x, casting="unsafe")
    return out


def non_overlapping_and_dense(a):
    """Every element once and no gaps (torch's is_non_overlapping_and_dense), in any dim order."""
    if a.flags.f_contiguous:
        return True
    expected = a.itemsize
    for stride, n in sorted((s, n) for s, n in zip(a.strides, a.shape) if n != 1):
        if stride != expected:
            return False
        expected *= n
    return True


def row_major(a):
    """a, copied into row-major order if it is not: torch's reductions and ``cat`` allocate
    their results row-major whatever their inputs' layout (NumPy follows the input's)."""
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)
