"""The Python forms an index can take, brought to the ones the indexing code reads.

torch accepts, besides ints, slices, None, ``...``, bools and tensors:

* a ``range`` (a sequence of ints): ``y_hat[range(n), y]`` picks one element per row;
* lists, tuples and NumPy arrays of numbers, nested to any depth; floating values are truncated
  to integer indices as torch does when it turns such a sequence into an index tensor (a float
  *tensor* stays an error);
* a non-tuple sequence of at most 31 items that holds a tensor, a sequence, a slice, None or
  ``...`` is read as a tuple of indices (with torch's deprecation warning), so
  ``x[[range(2), range(1, 3)]]`` is ``x[[0, 1], [1, 2]]``;
* a NumPy bool *scalar* is refused, as torch refuses it (a 0-d bool array is a mask).

``normalize_index(index)`` returns an index made only of ints, slices, None, ``...``, bools,
tensors, index lists and integer/bool ndarrays — or a tuple of those.
"""
import warnings

import numpy as np

from .._tensor import Tensor
from . import indexing

__all__ = ["normalize_index"]

_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
              "are valid indices (got {})")
_TUPLE_LIKE_LIMIT = 32   # NumPy's and torch's bound on a sequence read as a tuple of indices


def _is_sequence(obj):
    return isinstance(obj, (list, tuple, range, np.ndarray, str))


def _reads_as_tuple(seq):
    """torch's rule for a non-tuple sequence used as the whole index."""
    return len(seq) < _TUPLE_LIKE_LIMIT and any(
        isinstance(i, (Tensor, slice)) or _is_sequence(i) or i is None or i is Ellipsis
        for i in seq)


def _holds_tensor(seq):
    return any(isinstance(i, Tensor) or (isinstance(i, (list, tuple)) and _holds_tensor(i))
               for i in seq)


def _raise_ragged(seq):
    """torch's error for a nesting whose lengths differ from those of its first elements."""
    shape, first = [], seq
    while _is_sequence(first):
        shape.append(len(first))
        first = first[0] if len(first) else None

    def check(obj, dim):
        if dim == len(shape):
            if _is_sequence(obj):
                raise TypeError(f"'{type(obj).__name__}' object cannot be interpreted as an "
                                "integer")
            return
        if not _is_sequence(obj):
            raise TypeError("not a sequence")
        if len(obj) != shape[dim]:
            raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} "
                             f"(got {len(obj)})")
        for element in obj:
            check(element, dim + 1)
    check(seq, 0)
    raise ValueError(f"cannot index with the nested sequence {seq!r}")


def _item(item):
    """One item of a tuple index (or a whole non-tuple index)."""
    if isinstance(item, np.bool_):
        raise IndexError(_BAD_INDEX.format("numpy.bool"))
    if isinstance(item, bytes):
        raise TypeError("new(): invalid data type 'bytes'")
    if isinstance(item, np.ndarray):
        return item.astype(np.int64) if item.dtype.kind == "f" else item
    if isinstance(item, range):
        return list(item)
    if isinstance(item, (list, tuple)) and not _holds_tensor(item):
        try:
            values = np.asarray(item)
        except ValueError:   # a ragged nesting
            _raise_ragged(item)
        return values.astype(np.int64) if values.dtype.kind == "f" else item  # truncated
    return item


def normalize_index(index):
    """``index`` in the forms the indexing code reads (see the module docstring)."""
    if isinstance(index, tuple):
        return tuple(_item(i) for i in index)
    if isinstance(index, (list, range)) and _reads_as_tuple(index):
        warnings.warn(indexing._SEQUENCE_WARNING, UserWarning, stacklevel=4)
        return tuple(_item(i) for i in index)
    return _item(index)


def torch_layout_key(shape, ops, advanced_key, key):
    """The key writing ``x[index] = v`` in torch's layout of the indexed region.

    torch applies the basic items first (ints select, ``None`` unsqueezes) and the index arrays
    on that view, so ``x[0, :, [1, 2]]`` has shape ``(n, 2)``; NumPy counts the int as an index
    array too and puts the indexed dims first, ``(2, n)``. When an int or ``None`` meets index
    arrays, this returns one coordinate array per dim of ``x``, each shaped like torch's region
    (an all-array key, which NumPy lays out as given); otherwise ``key`` itself, keeping only
    its first ``...`` (torch lets later ones match no dims; NumPy refuses a second one).
    """
    ellipses = [i for i, k in enumerate(key) if k is Ellipsis]
    key = tuple(k for i, k in enumerate(key) if k is not Ellipsis or i == ellipses[0])
    if not advanced_key or not shape or all(op[0] == "slice" for op in ops):
        return key          # (a 0-d x has no coordinates: NumPy's key is already torch's)
    coordinates = []
    for d, size in enumerate(shape):
        strides = [0] * len(shape)
        strides[d] = np.dtype(np.int64).itemsize
        c = np.lib.stride_tricks.as_strided(np.arange(size, dtype=np.int64), shape, strides)
        for op in ops:   # the same basic ops the read applies, on the coordinates
            if op[0] == "unsqueeze":
                c = np.expand_dims(c, op[1])
            else:
                item = op[2] if op[0] == "select" else slice(*op[2:])
                c = c[(slice(None),) * op[1] + (item,)]
        coordinates.append(c[advanced_key])
    return tuple(coordinates)
