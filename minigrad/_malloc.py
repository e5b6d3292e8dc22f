"""The C allocator keeps freed heap memory for the next step instead of giving it back.

A training step allocates and frees the same few hundred-kilobyte arrays every time (an LSTM
layer's gates, their gradients). With glibc's defaults, memory freed at the top of the heap is
returned to the system once more than a few hundred kilobytes are free, and arrays above the
mmap threshold are mapped afresh: either way the next step touches new pages, and each first
touch is a page fault (W8 measured 335 faults a step, a quarter of its CPU time in the kernel).
Asking glibc to keep ``TOP_PAD`` bytes at the top of the heap (``mallopt(M_TOP_PAD)``) serves
those arrays from memory already mapped. Very large arrays (above 32 MiB) are still mapped and
unmapped on their own; the cost is at most ``TOP_PAD`` of address space kept mapped.

Nothing is changed where the C library has no ``mallopt`` (not glibc) or where the user has
tuned the allocator through the environment (``MALLOC_TOP_PAD_``, ``GLIBC_TUNABLES``, ...).
"""
import ctypes
import os

TOP_PAD = 16 << 20
_M_TOP_PAD = -2   # glibc's malloc.h


def keep_heap():
    """Set glibc's top pad to TOP_PAD; returns whether it was set."""
    if any(k.startswith("MALLOC_") or k == "GLIBC_TUNABLES" for k in os.environ):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt   # the C library the process already runs on
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(_M_TOP_PAD, TOP_PAD))


keep_heap()
