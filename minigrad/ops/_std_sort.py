"""libstdc++'s ``std::sort`` step for step, for kernels whose result depends on where it leaves
equal (or NaN) keys: introsort (median-of-three pivot, unguarded partition, heap sort past the
depth limit) on ranges longer than 16, then a final insertion sort.

``std_sort(keys)`` returns the permutation it produces with the comparator ``keys[a] < keys[b]``
(NaN compares false with everything, so it stays wherever the algorithm leaves it). Plain Python:
meant for slices whose ties matter, not for speed.
"""
import math

__all__ = ["std_sort"]

_THRESHOLD = 16


def std_sort(keys):
    """The order of ``range(len(keys))`` after ``std::sort`` with ``keys[a] < keys[b]``."""
    keys = [float(k) if isinstance(k, float) else k for k in keys]
    a = list(range(len(keys)))

    def less(i, j):          # compares the elements at positions i and j of ``a``
        return keys[a[i]] < keys[a[j]]

    def swap(i, j):
        a[i], a[j] = a[j], a[i]

    def insertion_sort(first, last):
        for i in range(first + 1, last):
            val = a[i]
            if keys[val] < keys[a[first]]:
                a[first + 1:i + 1] = a[first:i]
                a[first] = val
            else:
                unguarded_linear_insert(i)

    def unguarded_linear_insert(last):
        val, nxt = a[last], last - 1
        while keys[val] < keys[a[nxt]]:
            a[last] = a[nxt]
            last, nxt = nxt, nxt - 1
        a[last] = val

    def move_median_to_first(result, x, y, z):
        if less(x, y):
            pick = y if less(y, z) else (z if less(x, z) else x)
        else:
            pick = x if less(x, z) else (z if less(y, z) else y)
        swap(result, pick)

    def unguarded_partition(first, last, pivot):
        while True:
            while less(first, pivot):
                first += 1
            last -= 1
            while less(pivot, last):
                last -= 1
            if not first < last:
                return first
            swap(first, last)
            first += 1

    def adjust_heap(first, hole, length, value):
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

    def heap_sort(first, last):
        length = last - first
        for parent in range((length - 2) // 2, -1, -1):
            adjust_heap(first, parent, length, a[first + parent])
        while last - first > 1:
            last -= 1
            value = a[last]
            a[last] = a[first]
            adjust_heap(first, 0, last - first, value)

    def introsort_loop(first, last, depth):
        while last - first > _THRESHOLD:
            if depth == 0:
                heap_sort(first, last)
                return
            depth -= 1
            move_median_to_first(first, first + 1, first + (last - first) // 2, last - 1)
            cut = unguarded_partition(first + 1, last, first)
            introsort_loop(cut, last, depth)
            last = cut

    n = len(a)
    if n > 1:
        introsort_loop(0, n, 2 * int(math.log2(n)))
        if n > _THRESHOLD:
            insertion_sort(0, _THRESHOLD)
            for i in range(_THRESHOLD, n):
                unguarded_linear_insert(i)
        else:
            insertion_sort(0, n)
    return a
