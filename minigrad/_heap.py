"""Freed array memory kept for reuse instead of being handed back to the OS after every step.

A training step allocates and frees the same large temporaries over and over (unfolded inputs,
activations, gradients: tens of MB for a small CNN). glibc's malloc returns the free memory at
the top of its heap to the OS as soon as more than a little is free there, so the next step
gets it back as fresh pages, each zero-filled by the kernel on first touch: for a LeNet step
about 3,000 page faults, a third of its time. Asking malloc to keep a pad of ``PAD_BYTES`` at
the top of the heap (``mallopt(M_TOP_PAD)``) lets the next step reuse those pages.

Only the process's memory behaviour changes (up to ``PAD_BYTES`` of freed memory stays
resident), never a value. Set ``MINIGRAD_HEAP_PAD=0`` in the environment to leave malloc as
it is; other C libraries than glibc are left alone.
"""
import ctypes
import os
import sys

__all__ = ["keep_heap_pad", "PAD_BYTES"]

PAD_BYTES = 64 << 20
_M_TOP_PAD = -2   # glibc's mallopt parameter number


def keep_heap_pad(nbytes=PAD_BYTES):
    """Ask glibc's malloc to keep ``nbytes`` free at the top of its heap; True if it agreed."""
    if not sys.platform.startswith("linux") or os.environ.get("MINIGRAD_HEAP_PAD") == "0":
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):   # no glibc (musl, ...)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(_M_TOP_PAD, nbytes) == 1


keep_heap_pad()
