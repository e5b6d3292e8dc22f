"""Which of several equal values ``topk`` and ``kthvalue`` report, as torch's CPU kernels do.

Where the values along a slice are distinct the answer is the stable sort's; where some are
equal (or several NaN, which count as equal and as the largest value) it is wherever torch's
algorithm leaves them, so those slices replay it (``_std_sort``):

* ``kthvalue``: torch's quickselect for position k - 1 on the slice, NaN largest;
* ``sort`` (``stable=False``): ``std::sort`` (a stable radix sort for 1-D integer tensors of
  32768 elements or more, ascending);
* ``topk``: with k * 64 <= n, ``std::partial_sort`` of the first k; otherwise
  ``std::nth_element`` at k - 1, then (``sorted=True``) ``std::sort`` of the first k - 1. The
  order ``sorted=False`` returns is the algorithm's, so those slices are always replayed.
Largest first puts NaN first; smallest first puts it last.
"""
import numpy as np

from ._std_sort import std_nth_element, std_partial_sort, std_sort, torch_quick_select

__all__ = ["kthvalue_indices", "topk_indices", "sort_indices"]

# torch sorts a long 1-D integer (not bool) tensor ascending with a stable radix sort from here on
_RADIX_SORT_SIZE = 32768


def _ascending_keys(row):
    """Integer keys ordering ``row`` ascending with NaN last (equal values, equal keys)."""
    distinct = np.unique(row[~np.isnan(row)] if row.dtype.kind == "f" else row)
    return np.searchsorted(distinct, row), len(distinct)


def _rows(x, dim):
    """x with ``dim`` last, as (rows, n), and the function putting (rows, m) results back."""
    moved = np.moveaxis(x, dim, -1)
    lead = moved.shape[:-1]

    def back(flat):
        return np.moveaxis(flat.reshape(lead + flat.shape[-1:]), -1, dim)
    return moved.reshape(-1, moved.shape[-1]), back


def _same(a, b):
    """Elementwise: equal, or both NaN."""
    same = a == b
    return same | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else same


def kthvalue_indices(x, k, dim, stable_order):
    """Indices (keepdim form) of the k-th smallest element of each slice along ``dim``.
    ``stable_order``: x's stable ascending argsort along dim (NaN last)."""
    rows, back = _rows(x, dim)
    order, _ = _rows(stable_order, dim)
    ordered = np.take_along_axis(rows, order, axis=1)
    picked = order[:, k - 1].copy()
    tied = np.zeros(len(rows), bool)
    if k > 1:
        tied |= _same(ordered[:, k - 1], ordered[:, k - 2])
    if k < rows.shape[1]:
        tied |= _same(ordered[:, k - 1], ordered[:, k])
    for r in np.flatnonzero(tied):
        keys, _ = _ascending_keys(rows[r])
        picked[r] = torch_quick_select(keys.tolist(), k - 1)[k - 1]
    return back(picked[:, None])


def topk_indices(x, k, dim, largest, sorted_, stable_order):
    """Indices (keepdim form) of the k largest (smallest) elements of each slice along ``dim``
    in torch's order. ``stable_order``: x's stable argsort along dim, largest first if
    ``largest`` (NaN counted largest)."""
    rows, back = _rows(x, dim)
    order, _ = _rows(stable_order, dim)
    picked = order[:, :k].copy()
    n = rows.shape[1]
    if k == 0:
        return back(picked)
    ordered = np.take_along_axis(rows, order, axis=1)
    replay = _same(ordered[:, 1:], ordered[:, :-1]).any(axis=1)
    if not sorted_ and k * 64 > n:
        replay[:] = True   # (distinct values: the stable sort's answer is the only one)
    for r in np.flatnonzero(replay):
        keys, count = _ascending_keys(rows[r])
        keys = (count - keys if largest else keys).tolist()
        if k * 64 <= n:
            chosen = std_partial_sort(keys, k)[:k]
        else:
            chosen = std_nth_element(keys, k - 1)[:k]
            if sorted_:
                head = chosen[:k - 1]
                chosen = [head[i] for i in std_sort([keys[j] for j in head])] + chosen[k - 1:]
        picked[r] = chosen
    return back(picked)


def sort_indices(x, dim, descending, stable_order):
    """The indices ``sort(stable=False)`` gives along ``dim``: ``stable_order`` (x's stable
    argsort, largest first if ``descending``) where a slice's values are distinct, else the
    order torch's ``std::sort`` leaves."""
    if x.ndim == 1 and x.dtype.kind in "iu" and x.size >= _RADIX_SORT_SIZE and not descending:
        return stable_order
    rows, back = _rows(x, dim)
    order, _ = _rows(stable_order, dim)
    ordered = np.take_along_axis(rows, order, axis=1)
    picked = order.copy()
    for r in np.flatnonzero(_same(ordered[:, 1:], ordered[:, :-1]).any(axis=1)):
        keys, count = _ascending_keys(rows[r])
        picked[r] = std_sort((count - keys if descending else keys).tolist())
    return back(picked)
