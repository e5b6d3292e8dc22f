"""``F.pad``: constant, reflect, replicate and circular padding of the last dims.

``pad`` lists (left, right) amounts for the last dim first, then the one before, ...; a negative
amount crops. For an axis of size S padded by (l, r), output position j in [-l, S + r) reads

    constant:   x[j] inside, ``value`` outside            (ConstantPadNdBackward0)
    reflect:    x[|j|] mirrored at both ends, edge not repeated: j -> 2 (S - 1) - j past the end
    replicate:  x[clip(j, 0, S - 1)]
    circular:   x[j mod S]        (written into slices of a new tensor, as torch does: CopySlices)

Reflect and replicate are gathers (``_taps``): their gradient adds each output's gradient back
onto the input it read. Constant padding's gradient is the gradient cropped back (constant
padding by the negated amounts).
"""
import numpy as np

from ..autograd.function import Function
from ._taps import node_pair
from .registry import register
from ..autograd import formulas

__all__ = []  # F.pad only (through the registry)

_COMBOS = ("Padding size {n} is not supported for {d}D input tensor.\n"
           "Supported combinations for non-constant padding:\n"
           "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
           "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
           "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _pairs(pad):
    """(left, right) per padded dim, outermost padded dim first."""
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]
    return pairs[::-1]


class ConstantPadNdBackward0(Function):
    """y = x padded with ``value`` (negative amounts crop)      grad_x = grad cropped back"""

    @staticmethod
    def forward(ctx, x, pairs, value):
        ctx.pairs = pairs
        first = x.ndim - len(pairs)
        crop = [slice(None)] * x.ndim
        widths = [(0, 0)] * x.ndim
        for i, (lo, hi) in enumerate(pairs):
            crop[first + i] = slice(max(-lo, 0), x.shape[first + i] - max(-hi, 0))
            widths[first + i] = (max(lo, 0), max(hi, 0))
        return np.pad(x[tuple(crop)], widths, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        back = tuple((-lo, -hi) for lo, hi in ctx.pairs)
        return formulas.call(ConstantPadNdBackward0, grad, back, 0), None, None


ReflectionPad1DBackward0 = node_pair("ReflectionPad1DBackward0", __name__, True)
ReflectionPad1DBackwardBackward0 = ReflectionPad1DBackward0.adjoint
ReflectionPad2DBackward0 = node_pair("ReflectionPad2DBackward0", __name__, True)
ReflectionPad2DBackwardBackward0 = ReflectionPad2DBackward0.adjoint
ReflectionPad3DBackward0 = node_pair("ReflectionPad3DBackward0", __name__, True)
ReflectionPad3DBackwardBackward0 = ReflectionPad3DBackward0.adjoint
ReplicationPad1DBackward0 = node_pair("ReplicationPad1DBackward0", __name__, True)
ReplicationPad1DBackwardBackward0 = ReplicationPad1DBackward0.adjoint
ReplicationPad2DBackward0 = node_pair("ReplicationPad2DBackward0", __name__, True)
ReplicationPad2DBackwardBackward0 = ReplicationPad2DBackward0.adjoint
ReplicationPad3DBackward0 = node_pair("ReplicationPad3DBackward0", __name__, True)
ReplicationPad3DBackwardBackward0 = ReplicationPad3DBackward0.adjoint
_NODES = {(mode, nd): globals()[f"{name}Pad{nd}DBackward0"]
          for mode, name in (("reflect", "Reflection"), ("replicate", "Replication"))
          for nd in (1, 2, 3)}


def _index(size, lo, hi, mode):
    j = np.arange(-lo, size + hi)
    if mode == "replicate":
        return np.clip(j, 0, size - 1)
    j = np.abs(j)
    return np.where(j > size - 1, 2 * (size - 1) - j, j)


def _check_reflect(input, pairs):
    first = input.ndim - len(pairs)
    for i, (lo, hi) in enumerate(pairs):
        if lo >= input.shape[first + i] or hi >= input.shape[first + i]:
            raise RuntimeError(
                "Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {first + i} of input "
                f"{list(input.shape)}")


def _circular(input, pairs):
    """torch's circular padding: the centre copied into a new tensor, then each border copied
    from the opposite side of what is already written (in-place slice writes)."""
    first = input.ndim - len(pairs)
    for i, (lo, hi) in enumerate(pairs):
        size = input.shape[first + i]
        if lo > size or hi > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
    shape = list(input.shape)
    src, dst = [slice(None)] * input.ndim, [slice(None)] * input.ndim
    for i, (lo, hi) in enumerate(pairs):
        d = first + i
        shape[d] += lo + hi
        src[d] = slice(max(-lo, 0), input.shape[d] - max(-hi, 0))
        dst[d] = slice(max(lo, 0), shape[d] - max(hi, 0))
    out = input.new_empty(shape)
    out[tuple(dst)] = input[tuple(src)]
    for i, (lo, hi) in enumerate(pairs):
        d, n, lo, hi = first + i, shape[first + i], max(lo, 0), max(hi, 0)
        head = (slice(None),) * d
        if lo > 0:
            out[head + (slice(0, lo),)] = out[head + (slice(n - hi - lo, n - hi),)]
        if hi > 0:
            out[head + (slice(n - hi, n),)] = out[head + (slice(lo, lo + hi),)]
    return out


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad) // 2 dims of input (see the module docstring)."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of "
                           f"dimension {input.ndim}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pairs = tuple(_pairs(pad))
    if mode == "constant":
        for i, (lo, hi) in enumerate(pairs):
            if input.shape[input.ndim - len(pairs) + i] + lo + hi < 0:
                raise RuntimeError("narrow(): length must be non-negative.")
        return ConstantPadNdBackward0.apply(input, pairs, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    nd = len(pad) // 2
    if nd not in (1, 2, 3) or input.ndim not in (nd + 1, nd + 2):
        raise NotImplementedError(_COMBOS.format(n=len(pad), d=input.ndim))
    if mode == "circular":
        return _circular(input, pairs)
    if mode == "reflect":
        _check_reflect(input, pairs)
    first = input.ndim - nd
    taps = tuple((_index(input.shape[first + i], lo, hi, mode)[:, None], None)
                 for i, (lo, hi) in enumerate(pairs))
    return _NODES[mode, nd].apply(input, taps)


def _pad_sample(rng, dtype):
    x = rng.standard_normal((2, 3, 4, 5)).astype(dtype)
    yield [x, (1, 2)], {}
    yield [x, (-1, 2, 0, 1)], {"value": 1.5}
    yield [x, (1, 2, 3, 1)], {"mode": "reflect"}
    yield [x, (2, 0, 1, 3)], {"mode": "replicate"}
    yield [x, (1, 2, 3, 0)], {"mode": "circular"}
    yield [x, (1, 1, 1, 1, 1, 1)], {"mode": "reflect"}


register("pad", nodes=("ConstantPadNdBackward0", "CopySlices")
         + tuple(cls.__name__ for cls in _NODES.values()),
         forms=("functional",), args=("input", "pad"), family="padding",
         sample=_pad_sample)(pad)
