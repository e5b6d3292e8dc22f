"""Keep the C heap from handing memory back to the system after every training step.

glibc's ``malloc`` serves a block above its mmap threshold (128 KiB to begin with) by mapping
fresh pages, and gives the top of its heap back to the system once more than its trim threshold
(twice the mmap threshold) lies free there. Both thresholds rise by themselves when a mapped
block is freed: the mmap threshold to that block's size (at most 32 MiB on 64-bit systems), so
that later blocks of that size come from the heap and are reused. A training step allocates and
frees the same activations every step; with the thresholds that its own blocks leave, the heap
shrinks after each backward and grows again in the next forward, or each large array is mapped
afresh, and every page of that is a page fault on its first write: about 700 faults (over 1 ms)
per step of the tiny-GPT benchmark (W7), about 4800 (9 ms) per step of the 1e6-element
expression (W5).

At import, minigrad allocates and frees one array of ``BLOCK`` bytes (never written, so it costs
no page), which raises glibc's thresholds as a program that once freed such an array would:
arrays up to ``BLOCK`` come from the heap, and up to ``2 * BLOCK`` free bytes stay there for
reuse. Larger arrays are still mapped and unmapped as before. Elsewhere (another C library,
thresholds fixed by ``MALLOC_MMAP_THRESHOLD_`` or ``mallopt``, a threshold already higher) this
changes nothing.
"""
import numpy as np

BLOCK = 16 << 20   # the mmap threshold becomes 16 MiB, the trim threshold 32 MiB


def raise_heap_thresholds(size=BLOCK):
    """Allocate and free one ``size``-byte array (glibc then keeps up to 2 * size free bytes)."""
    block = np.empty(size, np.uint8)
    del block


raise_heap_thresholds()
