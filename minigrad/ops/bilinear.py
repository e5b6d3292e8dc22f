"""``bilinear``: y_o = x1ᵀ W_o x2 + b_o, and ``channel_shuffle``, each with torch's node.

bilinear flattens both inputs to (B, features) rows, applies the three-way product
(``TrilinearBackward0``), views the result back to the batch shape and adds the bias, as torch
does. channel_shuffle splits the channels into ``groups`` and interleaves them.
"""
import numpy as np

from ..autograd.function import Function
from .linalg import einsum
from .registry import arr, case, cases, register

__all__ = ["bilinear", "channel_shuffle"]


class TrilinearBackward0(Function):
    """out_bo = sum_ij x1_bi W_oij x2_bj

    grad_x1_bi = sum_oj grad_bo W_oij x2_bj,  grad_W_oij = sum_b grad_bo x1_bi x2_bj,
    grad_x2_bj = sum_oi grad_bo W_oij x1_bi
    """

    @staticmethod
    def forward(ctx, x1, weight, x2):
        ctx.save_for_backward(x1, weight, x2)
        return np.ascontiguousarray(np.einsum("bi,oij,bj->bo", x1, weight, x2, optimize=True))

    @staticmethod
    def backward(ctx, grad):
        x1, weight, x2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (einsum("bo,oij,bj->bi", grad, weight, x2) if need[0] else None,
                einsum("bo,bi,bj->oij", grad, x1, x2) if need[1] else None,
                einsum("bo,oij,bi->bj", grad, weight, x1) if need[2] else None)


def _check_bilinear(input1, input2, weight, bias):
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim}")
    for d in range(input1.ndim - 1):
        if input1.shape[d] != input2.shape[d]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: "
                               f"got {input1.shape[d]} and {input2.shape[d]}")
    for name, x, d in (("input1", input1, 1), ("input2", input2, 2)):
        if x.shape[-1] != weight.shape[d]:
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got "
                               f"{x.shape[-1]} but expected {weight.shape[d]}")
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[0]} but expected {weight.shape[0]}")


@register(nodes=("AddBackward0", "ViewBackward0", "TrilinearBackward0"),
          forms=("function", "functional"), args=("input1", "input2", "weight", "bias"),
          family="linear",
          sample=cases(case(arr(3, 2), arr(3, 4), arr(5, 2, 4), arr(5)),
                       case(arr(2, 3, 2), arr(2, 3, 3), arr(4, 2, 3)),
                       case(arr(2), arr(3), arr(4, 2, 3), arr(4))))
def bilinear(input1, input2, weight, bias=None):
    """y = x1ᵀ W x2 + b for each of W's out_features slices (the batch dims are kept)."""
    _check_bilinear(input1, input2, weight, bias)
    shape = tuple(input1.shape[:-1]) + (weight.shape[0],)
    rows1 = input1.reshape(-1, input1.shape[-1])
    rows2 = input2.reshape(-1, input2.shape[-1])
    out = TrilinearBackward0.apply(rows1, weight, rows2).reshape(shape)
    return out if bias is None else out + bias


class ChannelShuffleBackward0(Function):
    """out[:, c·g + k] = x[:, k·(C/g) + c]  (C channels in g groups)

    grad_x = channel_shuffle(grad, C/g)  (the inverse permutation)
    """

    @staticmethod
    def forward(ctx, x, groups):
        n, c = x.shape[0], x.shape[1]
        ctx.inverse = c // groups
        grouped = x.reshape((n, groups, c // groups) + x.shape[2:])
        return np.ascontiguousarray(np.swapaxes(grouped, 1, 2)).reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        return ChannelShuffleBackward0.apply(grad, ctx.inverse), None


@register(nodes=("ChannelShuffleBackward0",), forms=("function", "functional"),
          args=("input", "groups"), family="rearrange",
          sample=cases(case(arr(2, 6, 3), 2), case(arr(1, 4, 2, 2), 4), case(arr(2, 3, 1), 1)))
def channel_shuffle(input, groups):
    """Split the C channels (dim 1) into ``groups`` and interleave them."""
    if input.ndim <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got "
                           f"{input.shape[1]} channels and {groups} groups.")
    return ChannelShuffleBackward0.apply(input, int(groups))
