"""Several small parameters stepped as one array.

An update that is elementwise computes the same bits on the parameters laid end to end as on
each one alone, with far fewer NumPy calls: ``joined`` lays arrays end to end, ``write_back``
copies the result into each one's own array, ``Flat`` holds a joined buffer where an update
reads a tensor's ``._data``.
"""
import numpy as np

from .. import _buffers

__all__ = ["Flat", "joinable", "joined", "write_back"]


class Flat:
    """A joined buffer, read as ``._data`` like a parameter or state tensor."""

    def __init__(self, data):
        self._data = data


def joinable(p, smallest, largest):
    """Whether p (which has a gradient) is a float32 parameter of smallest..largest elements."""
    data, grad = p._data, p._grad._data
    return smallest <= data.size <= largest and data.dtype == np.float32 and \
        grad.dtype == np.float32


def joined(arrays):
    """The arrays' elements end to end, one flat array (a kept one: _buffers.py)."""
    out = _buffers.empty((sum(a.size for a in arrays),), np.result_type(*arrays))
    return np.concatenate([a.reshape(-1) for a in arrays], out=out)


def write_back(flat, arrays):
    """Copy consecutive parts of ``flat`` into each of ``arrays`` (in their shapes)."""
    start = 0
    for a in arrays:
        a[...] = flat[start:start + a.size].reshape(a.shape)
        start += a.size
