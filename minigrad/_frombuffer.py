"""``torch.frombuffer``: a 1-D tensor over the memory of an object with the buffer protocol
(``bytearray``, ``array.array``, ``memoryview``, ...), without copying: writing to the tensor
writes to the buffer, and the other way round."""
import warnings

import numpy as np

from . import _dtype
from ._tensor import _make

__all__ = ["frombuffer"]


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """``count`` elements of ``dtype`` (all that fit, by default) read from ``buffer``'s bytes
    from byte ``offset`` on."""
    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"frombuffer(): argument 'dtype' must be torch.dtype, not "
                        f"{type(dtype).__name__}")
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    length, size = view.nbytes, dtype.itemsize
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than "
                         f"buffer length ({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % size:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} "
                             f"bytes) must be a multiple of element size ({size})")
        count = (length - offset) // size
    elif offset + count * size > length:
        raise ValueError(f"requested buffer length ({count} * {size} bytes) after offset "
                         f"({offset} bytes) must not be greater than actual buffer length "
                         f"({length} bytes)")
    if view.readonly:
        warnings.warn(
            "The given buffer is not writable, and PyTorch does not support non-writable "
            "tensors. This means you can write to the underlying (supposedly non-writable) "
            "buffer using the tensor. You may want to copy the buffer to protect its data or "
            "make it writable before converting it to a tensor. This type of warning will be "
            "suppressed for the rest of this program.", UserWarning, stacklevel=2)
    array = np.frombuffer(view.cast("B"), dtype=dtype.np, count=count, offset=offset)
    tensor = _make(array)
    return tensor.requires_grad_() if requires_grad else tensor
