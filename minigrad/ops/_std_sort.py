"""libstdc++'s ``std::sort``, ``std::nth_element`` and ``std::partial_sort`` step for step, and
torch's own quickselect (``quick_select_template``), for kernels whose result depends on where
they leave equal (or NaN) keys: which of two tied values ``topk`` or ``kthvalue`` reports.

* ``std::sort``: introsort (median-of-three pivot moved to the front, unguarded partition, heap
  sort past the depth limit 2 log2 n) on ranges longer than 16, then a final insertion sort;
* ``std::nth_element``: introselect (the same partition while the range is longer than 3, a
  heap select past the depth limit), then an insertion sort of what is left;
* ``std::partial_sort``: a heap select of the first ``middle`` elements, then a heap sort;
* torch's quickselect: median of three on (L, L + 1, R) with the middle element swapped to
  L + 1, Sedgewick's partition, and (j <= k: L = i; j >= k: R = j - 1).

Each returns the permutation of ``range(len(keys))`` it leaves, ordering by ``keys[a] <
keys[b]`` (torch's selection compares ``keys[a] > keys[b]``; NaN compares false with
everything, so it stays wherever the algorithm leaves it). Plain Python: meant for slices whose
ties matter, not for speed.
"""
import math

__all__ = ["std_sort", "std_nth_element", "std_partial_sort", "torch_quick_select"]

_THRESHOLD = 16


class _Range:
    """The permutation ``a`` being rearranged, compared through ``keys``."""

    def __init__(self, keys):
        self.keys = [float(k) if isinstance(k, float) else k for k in keys]
        self.a = list(range(len(self.keys)))

    def less(self, i, j):          # compares the elements at positions i and j
        return self.keys[self.a[i]] < self.keys[self.a[j]]

    def swap(self, i, j):
        a = self.a
        a[i], a[j] = a[j], a[i]

    def insertion_sort(self, first, last):
        a, keys = self.a, self.keys
        for i in range(first + 1, last):
            val = a[i]
            if keys[val] < keys[a[first]]:
                a[first + 1:i + 1] = a[first:i]
                a[first] = val
            else:
                self.unguarded_linear_insert(i)

    def unguarded_linear_insert(self, last):
        a, keys = self.a, self.keys
        val, nxt = a[last], last - 1
        while keys[val] < keys[a[nxt]]:
            a[last] = a[nxt]
            last, nxt = nxt, nxt - 1
        a[last] = val

    def move_median_to_first(self, result, x, y, z):
        less = self.less
        if less(x, y):
            pick = y if less(y, z) else (z if less(x, z) else x)
        else:
            pick = x if less(x, z) else (z if less(y, z) else y)
        self.swap(result, pick)

    def unguarded_partition(self, first, last, pivot):
        less = self.less
        while True:
            while less(first, pivot):
                first += 1
            last -= 1
            while less(pivot, last):
                last -= 1
            if not first < last:
                return first
            self.swap(first, last)
            first += 1

    def partition_pivot(self, first, last):
        self.move_median_to_first(first, first + 1, first + (last - first) // 2, last - 1)
        return self.unguarded_partition(first + 1, last, first)

    def adjust_heap(self, first, hole, length, value):
        a, keys = self.a, self.keys
        top, child = hole, hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if keys[a[first + child]] < keys[a[first + child - 1]]:
                child -= 1
            a[first + hole] = a[first + child]
            hole = child
        if length % 2 == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            a[first + hole] = a[first + child - 1]
            hole = child - 1
        parent = (hole - 1) // 2
        while hole > top and keys[a[first + parent]] < keys[value]:
            a[first + hole] = a[first + parent]
            hole, parent = parent, (parent - 1) // 2
        a[first + hole] = value

    def pop_heap(self, first, last, result):
        a = self.a
        value = a[result]
        a[result] = a[first]
        self.adjust_heap(first, 0, last - first, value)

    def heap_select(self, first, middle, last):
        length = middle - first
        for parent in range((length - 2) // 2, -1, -1):
            self.adjust_heap(first, parent, length, self.a[first + parent])
        for i in range(middle, last):
            if self.less(i, first):
                self.pop_heap(first, middle, i)

    def sort_heap(self, first, last):
        while last - first > 1:
            last -= 1
            self.pop_heap(first, last, last)

    def introsort_loop(self, first, last, depth):
        while last - first > _THRESHOLD:
            if depth == 0:
                self.heap_select(first, last, last)
                self.sort_heap(first, last)
                return
            depth -= 1
            cut = self.partition_pivot(first, last)
            self.introsort_loop(cut, last, depth)
            last = cut


def _depth(n):
    return 2 * int(math.log2(n))


def std_sort(keys):
    """The order of ``range(len(keys))`` after ``std::sort`` with ``keys[a] < keys[b]``."""
    r = _Range(keys)
    n = len(r.a)
    if n > 1:
        r.introsort_loop(0, n, _depth(n))
        if n > _THRESHOLD:
            r.insertion_sort(0, _THRESHOLD)
            for i in range(_THRESHOLD, n):
                r.unguarded_linear_insert(i)
        else:
            r.insertion_sort(0, n)
    return r.a


def std_nth_element(keys, nth):
    """The order after ``std::nth_element(first, first + nth, last)``."""
    r = _Range(keys)
    first, last = 0, len(r.a)
    if nth >= last:
        return r.a
    depth = _depth(last)
    while last - first > 3:
        if depth == 0:
            r.heap_select(first, nth + 1, last)
            r.swap(first, nth)
            return r.a
        depth -= 1
        cut = r.partition_pivot(first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    r.insertion_sort(first, last)
    return r.a


def std_partial_sort(keys, middle):
    """The order after ``std::partial_sort(first, first + middle, last)``."""
    r = _Range(keys)
    r.heap_select(0, middle, len(r.a))
    r.sort_heap(0, middle)
    return r.a


def torch_quick_select(keys, k):
    """The order after torch's ``quick_select_template`` for position ``k`` with the comparator
    ``keys[a] > keys[b]``."""
    r = _Range(keys)
    a, keys = r.a, r.keys

    def greater(i, j):
        return keys[a[i]] > keys[a[j]]

    lo, hi = 0, len(a) - 1
    while hi > lo:
        if hi == lo + 1:
            if greater(lo, hi):
                r.swap(lo, hi)
            break
        r.swap((lo + hi) >> 1, lo + 1)
        if greater(lo + 1, hi):
            r.swap(lo + 1, hi)
        if greater(lo, hi):
            r.swap(lo, hi)
        if greater(lo + 1, lo):
            r.swap(lo + 1, lo)
        i, j, pivot = lo + 1, hi, keys[a[lo]]
        while True:
            i += 1
            while pivot > keys[a[i]]:
                i += 1
            j -= 1
            while keys[a[j]] > pivot:
                j -= 1
            if j < i:
                break
            r.swap(i, j)
        r.swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return a
