"""Large work arrays kept for reuse, handed out again only when nothing else holds them.

A training step makes the same large arrays every time (an LSTM's gates, its saved cells, its
gradients). Each new array asks the C allocator for memory, and glibc gives large blocks back
to the kernel when they are freed (``munmap``, or trimming the top of the heap), so the next
step's arrays fault every page in again: a few microseconds per 4 KiB page, more than the
arithmetic on it costs. torch's CPU steps avoid this by allocating fewer temporaries.

``empty(shape, dtype)`` is ``np.empty`` that first looks for a kept array of that shape and
dtype whose only holder is this module: an array is free exactly when its reference count says
so. Every view of it (``a[t]``, ``a.reshape(...)``, ``a.T``) holds its base, a Tensor holds its
array, a saved-for-backward context holds what it saved, so any use anywhere keeps the array
out of reach; once the last holder lets go it is handed out again, with whatever values it had
(as ``np.empty`` would). Nothing about the process's allocator changes.

Bounds: only arrays of ``MIN_BYTES`` to ``MAX_BYTES`` are kept, at most ``PER_KEY`` per shape
and dtype, at most ``TOTAL_BYTES`` per thread (the least recently handed out are let go first).
Each thread keeps its own arrays. ``clear()`` lets go of all of this thread's arrays.
"""
import sys
import threading

import numpy as np

__all__ = ["empty", "empty_like", "zeros", "row_major_copy", "unary", "for_result", "clear",
           "kept_bytes"]

MIN_BYTES = 1 << 16        # smaller blocks come from the heap's free lists: no faults to save
MAX_BYTES = 1 << 25        # 32 MiB
PER_KEY = 16               # an elementwise chain holds many arrays of one shape at once
TOTAL_BYTES = 1 << 26      # 64 MiB per thread


def _free_count():
    """The reference count ``empty`` reads for a kept array nobody else holds (its list's
    reference and the call's argument on CPython 3.11), measured here the way ``empty`` reads
    it, so that an interpreter counting otherwise cannot make a held array look free."""
    arrays = [np.empty(0)]
    return sys.getrefcount(arrays[0])


_FREE = _free_count()


class _Kept(threading.local):
    def __init__(self):
        self.by_key = {}      # (shape, dtype) -> [arrays], most recently handed out last
        self.nbytes = 0


_kept = _Kept()


def empty(shape, dtype):
    """A C-ordered array of ``shape`` and ``dtype`` with arbitrary values, as ``np.empty``; a
    kept array nobody else holds when there is one (module docstring)."""
    dtype = np.dtype(dtype)
    shape = tuple(shape)
    nbytes = dtype.itemsize
    for n in shape:
        nbytes *= n
    if not MIN_BYTES <= nbytes <= MAX_BYTES:
        return np.empty(shape, dtype)
    key = (shape, dtype)
    arrays = _kept.by_key.get(key)
    if arrays is None:
        arrays = _kept.by_key[key] = []
    for position in range(len(arrays)):
        if sys.getrefcount(arrays[position]) == _FREE:
            array = arrays.pop(position)
            arrays.append(array)  # most recently handed out last
            return array
    array = np.empty(shape, dtype)
    if len(arrays) == PER_KEY:
        _kept.nbytes -= arrays.pop(0).nbytes
    arrays.append(array)
    _kept.nbytes += nbytes
    if _kept.nbytes > TOTAL_BYTES:
        _let_go(keep=array)
    return array


def _let_go(keep):
    """Drop kept arrays, oldest first within each key, until the total is within bounds."""
    for arrays in list(_kept.by_key.values()):
        while arrays and _kept.nbytes > TOTAL_BYTES and arrays[0] is not keep:
            _kept.nbytes -= arrays.pop(0).nbytes
        if _kept.nbytes <= TOTAL_BYTES:
            break
    _kept.by_key = {k: v for k, v in _kept.by_key.items() if v}


def clear():
    """Let go of every array this thread keeps (arrays still in use stay valid: their holders
    keep them alive)."""
    _kept.by_key = {}
    _kept.nbytes = 0


def kept_bytes():
    """Bytes of the arrays this thread keeps (in use or free)."""
    return _kept.nbytes


def empty_like(a, dtype=None):
    """``np.empty_like(a, dtype)``: laid out like ``a``, in a kept array when ``a`` is
    row-major (and the array large)."""
    if a.flags.c_contiguous:
        return empty(a.shape, a.dtype if dtype is None else dtype)
    return np.empty_like(a, dtype)


def zeros(shape, dtype):
    """``np.zeros(shape, dtype)``, in a kept array when there is one (filled with zeros)."""
    array = empty(shape, dtype)
    array.fill(0)
    return array


def row_major_copy(a):
    """``np.array(a, order="C")``: a row-major copy of ``a``, in a kept array when large."""
    out = empty(a.shape, a.dtype)
    np.copyto(out, a)
    return out


def unary(ufunc, a):
    """``ufunc(a)`` for a ufunc whose result has ``a``'s dtype, written into a kept array when
    ``a`` is large and row-major (else NumPy makes the result: laid out as it would be)."""
    if a.nbytes < MIN_BYTES or not a.flags.c_contiguous:
        return ufunc(a)
    return ufunc(a, out=empty(a.shape, a.dtype))


def for_result(a, b):
    """A kept array for ``ufunc(a, b)`` (``a`` an ndarray, ``b`` an ndarray or a Python number)
    when the result has ``a``'s shape and dtype and would be row-major anyway (``a`` row-major
    or a broadcast of one value, ``b`` a number, a 0-d array or a row-major array of ``a``'s
    shape); else None."""
    if a.nbytes < MIN_BYTES:
        return None
    if type(b) is np.ndarray:
        if b.dtype != a.dtype or b.shape != a.shape and b.ndim != 0:
            return None
        if b.ndim and not b.flags.c_contiguous:
            return None
        if not a.flags.c_contiguous and (not b.ndim or any(a.strides)):
            return None
    elif not a.flags.c_contiguous:
        return None
    return empty(a.shape, a.dtype)
