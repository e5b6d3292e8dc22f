"""Variable-length batches for recurrent layers: ``PackedSequence``, ``pack_padded_sequence``,
``pad_packed_sequence``, ``pad_sequence``, ``pack_sequence``.

A packed batch lists, step by step, the elements of the sequences still running at that step
(longest first): ``data`` (sum of lengths, *), ``batch_sizes[t]`` = how many run at step t.
"""
from collections import namedtuple

import numpy as np

from ... import creation
from ..._tensor import Tensor, _make
from ...autograd import formulas, forward_ad
from ...autograd.function import Function
from ...ops import join

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """(data, batch_sizes, sorted_indices, unsorted_indices), as torch's namedtuple."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes,
                                                         self.sorted_indices,
                                                         self.unsorted_indices)


def _invert(permutation):
    out = np.empty_like(permutation._data)
    out[permutation._data] = np.arange(out.size)
    return _make(out)


def _positions(batch_sizes):
    """(step, row) of each packed element, in packed order."""
    steps = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    starts = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    rows = np.arange(steps.size) - starts[steps]
    return steps, rows


class PackPaddedSequenceBackward0(Function):
    """data[j] = padded[step_j, row_j]        grad_padded[step_j, row_j] = grad[j], 0 elsewhere"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, padded, steps, rows):
        ctx.shape, ctx.steps, ctx.rows = padded.shape, steps, rows
        return padded[steps, rows]

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(PadPackedSequence, grad, ctx.steps, ctx.rows, ctx.shape, 0.0), \
            None, None


class PadPackedSequence(Function):
    """padded[step_j, row_j] = data[j], padding_value elsewhere      grad_data[j] = grad at
    (step_j, row_j) (PackPaddedSequenceBackward0's formula)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, data, steps, rows, shape, padding_value):
        ctx.steps, ctx.rows = steps, rows
        out = np.full(tuple(shape[:2]) + data.shape[1:], padding_value, data.dtype)
        out[steps, rows] = data
        return out

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(PackPaddedSequenceBackward0, grad, ctx.steps, ctx.rows), \
            None, None, None, None


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded (T, B, *) batch (``batch_first``: (B, T, *)) of sequences of ``lengths``."""
    lengths = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths,
                         dtype=np.int64)
    sorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = _make(order)
        lengths = lengths[order]
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if batch_first:
        input = input.transpose(0, 1)
    batch_sizes = (lengths[None, :] > np.arange(int(lengths[0]))[:, None]).sum(1)
    steps, rows = _positions(batch_sizes)
    if forward_ad.has_tangent(input):  # torch's _pack_padded_sequence has no forward formula
        raise forward_ad.not_implemented("_pack_padded_sequence")
    data = PackPaddedSequenceBackward0.apply(input, steps, rows)
    return PackedSequence(data, _make(batch_sizes.astype(np.int64)), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The padded (T, B, *) batch (``batch_first``: (B, T, *)) and the lengths, in the order the
    sequences were given."""
    data, batch_sizes, _, unsorted = sequence
    sizes = batch_sizes._data
    steps_max = sizes.size
    if total_length is not None:
        if total_length < steps_max:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps_max}")
        steps_max = total_length
    _, rows = _positions(sizes)
    # step by step into a filled tensor, as torch writes it (its grad_fn is CopySlices)
    padded = creation.full((steps_max, int(sizes[0])) + tuple(data.shape[1:]), padding_value,
                           dtype=data.dtype)
    offset = 0
    for t, n in enumerate(sizes.tolist()):
        padded[t, :n] = data[offset:offset + n]
        offset += n
    lengths = np.bincount(rows, minlength=int(sizes[0])).astype(np.int64)
    if batch_first:
        padded = padded.transpose(0, 1)
    if unsorted is not None:
        padded = padded.index_select(0 if batch_first else 1, unsorted)
        lengths = lengths[unsorted._data]
    return padded, _make(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of different lengths (L_i, *) into (T, B, *) (or (B, T, *)), padded."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    longest = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        pad = creation.full((longest - s.shape[0],) + tuple(s.shape[1:]), padding_value,
                            dtype=s.dtype)
        rows.append(join.cat([s, pad] if padding_side == "right" else [pad, s]))
    return join.stack(rows, 0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """pad_sequence then pack_padded_sequence."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)] for seq, n in zip(padded_sequences, lengths)]


def unpack_sequence(packed_sequences):
    """The list of sequences of a packed batch."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


# ---- for the recurrent layers -------------------------------------------------------------------
def packed_steps(data, batch_sizes):
    """(x (T, B, *) padded with zeros, per step a (B, 1) bool Tensor of the running rows, or
    None where all run) from packed data."""
    sizes = batch_sizes._data
    batch = int(sizes[0])
    steps, rows = _positions(sizes)
    x = PadPackedSequence.apply(data, steps, rows, (sizes.size, batch), 0.0)
    running = [None if n == batch else _make((np.arange(batch) < n)[:, None]) for n in sizes]
    return x, running


def to_packed(output, batch_sizes, sorted_indices, unsorted_indices):
    """A (T, B, H) output of a packed run as a PackedSequence again."""
    steps, rows = _positions(batch_sizes._data)
    data = PackPaddedSequenceBackward0.apply(output, steps, rows)
    return PackedSequence(data, batch_sizes, sorted_indices, unsorted_indices)
