"""Rearranging ops: ``roll``, ``rot90``, ``fliplr``/``flipud``, ``repeat_interleave``,
``meshgrid``, ``kron``, ``Tensor.unfold`` (sliding windows along one dim) and ``F.unfold`` /
``F.fold`` (im2col and col2im).

    roll:     y[i] = x[(i - shift) mod n] along each dim      grad_x = roll(grad, -shift)
    rot90:    k quarter turns from dims[0] towards dims[1]    grad_x = rot90(grad, -k)
    Tensor.unfold(d, size, step): y[..., i, ..., j] = x[..., i * step + j, ...]
              grad_x = each window's gradient added back (UnfoldBackward0)
    F.unfold: (N, C, H, W) -> (N, C * kh * kw, L), column l holding the l-th window (row-major
              over window positions), rows ordered (c, i, j);  F.fold is its adjoint (overlapping
              entries summed), so each is the other's gradient.

The rest are compositions of existing ops, recording the nodes torch records
(``FlipBackward0``, ``ViewBackward0`` / ``IndexSelectBackward0``, ``ExpandBackward0``,
``UnsafeViewBackward0``).
"""
import warnings

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._tensor import Tensor, _make
from ..autograd import formulas
from ..autograd.function import Function
from ._util import register_methods
from ._windows import scatter_windows, windows
from .registry import register
from .shape import UnsafeViewBackward0, _view_op, flip

__all__ = ["roll", "rot90", "fliplr", "flipud", "repeat_interleave", "meshgrid", "kron"]


def _dims(value):
    return (value,) if isinstance(value, int) else tuple(value)


class RollBackward0(Function):
    """y = x rolled by shifts along dims (all of x, flattened, when dims is empty)."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        if not dims:
            return np.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
        return np.ascontiguousarray(np.roll(x, shifts, dims))

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts)
        return formulas.call(RollBackward0, grad, back, ctx.dims), None, None


def roll(input, shifts, dims=None):
    shifts = _dims(shifts)
    dims = () if dims is None else tuple(input._wrap_dim(d) for d in _dims(dims))
    if len(shifts) != max(len(dims), 1):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                           f"{len(dims)}")
    return RollBackward0.apply(input, shifts, dims)


class Rot90Backward0(Function):
    """y = k quarter turns of x in the plane of dims."""

    @staticmethod
    def forward(ctx, x, k, dims):
        ctx.k, ctx.dims = k, dims
        return np.ascontiguousarray(np.rot90(x, k, dims))

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(Rot90Backward0, grad, -ctx.k, ctx.dims), None, None


def rot90(input, k=1, dims=(0, 1)):
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (input._wrap_dim(d) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    return Rot90Backward0.apply(input, k % 4, (d0, d1))


def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, [1])


def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, [0])


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along dim) repeated ``repeats`` times, in place."""
    if dim is None:
        input, dim = input.flatten(), 0
    dim = input._wrap_dim(dim)
    if isinstance(repeats, Tensor):
        counts = repeats._data.astype(np.int64).reshape(-1)
        if counts.size == 1:      # one count for every slice, still through index_select
            counts = np.repeat(counts, input.shape[dim])
        if (counts < 0).any():
            raise RuntimeError("repeats can not be negative")
        if counts.size != input.shape[dim]:
            raise RuntimeError("repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.size} and input.size({dim}) = "
                               f"{input.shape[dim]}")
        index = _make(np.repeat(np.arange(counts.size), counts))
        return input.index_select(dim, index)
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = list(input.shape)
    expanded = shape[:dim + 1] + [repeats] + shape[dim + 1:]
    out = input.unsqueeze(dim + 1).expand(*expanded).clone()
    shape[dim] *= repeats
    return out.view(*shape)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: the i-th output varies along dim i ('ij'); with 'xy' the first two
    inputs trade places in the grid's dims (the outputs keep the inputs' order)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    sizes = [t.numel() for t in order]
    grids = []
    for i, t in enumerate(order):
        shape = [1] * len(order)
        shape[i] = -1
        grids.append(t.view(*shape).expand(*sizes))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def kron(input, other):
    """Kronecker product: blocks input[i] * other, laid out like torch (UnsafeViewBackward0)."""
    nd = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (nd - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (nd - other.ndim) + tuple(other.shape))
    a_shape, b_shape = [], []
    for i in range(nd):
        a_shape += [a.shape[i], 1]
        b_shape += [1, b.shape[i]]
    product = a.reshape(a_shape) * b.reshape(b_shape)
    return UnsafeViewBackward0.apply(product, tuple(a.shape[i] * b.shape[i] for i in range(nd)))


# ---- windows along one dim, and im2col ---------------------------------------------------------
class UnfoldBackward0(Function):
    """y[..., i, ..., j] = x[..., i * step + j, ...] (windows of dim d moved to a new last dim):
    a view of x's memory, as in torch (windows overlap when step < size)."""

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.args, ctx.shape = (dim, size, step), x.shape
        count = (x.shape[dim] - size) // step + 1 if x.ndim else 1
        if x.ndim == 0:
            return x.reshape(1)
        shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
        strides = (x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:]
                   + (x.strides[dim],))
        return as_strided(x, shape, strides, writeable=x.flags.writeable)

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(_UnfoldAdjoint, grad, ctx.shape, *ctx.args), None, None, None


class _UnfoldAdjoint(Function):
    """grad_x: every window's gradient added back onto the elements it covered."""

    @staticmethod
    def forward(ctx, g, shape, dim, size, step):
        ctx.args = (dim, size, step)
        if len(shape) == 0:
            return g.reshape(())
        moved = np.moveaxis(g, dim, -2)             # (..., count, size)
        lead = moved.shape[:-2]
        full = scatter_windows(moved, (shape[dim],), (step,), (1,))
        return np.ascontiguousarray(np.moveaxis(full.reshape(lead + (shape[dim],)), -1, dim))

    @staticmethod
    def backward(ctx, gg):
        return formulas.call(UnfoldBackward0, gg, *ctx.args), None, None, None, None


def tensor_unfold(self, dimension, size, step):
    """``Tensor.unfold``: all windows of ``size`` along ``dimension``, ``step`` apart."""
    dim = self._wrap_dim(dimension) if self.ndim else 0
    length = self.shape[dim] if self.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return _view_op(UnfoldBackward0, self, dim, size, step,
                    rebuild=lambda b: tensor_unfold(b, dimension, size, step))


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class Im2ColBackward0(Function):
    """F.unfold: (N, C, H, W) -> (N, C * kh * kw, L) (see the module docstring)."""

    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride):
        ctx.args, ctx.size = (kernel, dilation, padding, stride), x.shape[-2:]
        batched = x.ndim == 4
        x = x if batched else x[None]
        xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
        win = windows(xp, kernel, stride, dilation)          # (N, C, oh, ow, kh, kw)
        n, c = x.shape[:2]
        out = np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(
            n, c * kernel[0] * kernel[1], -1)
        return out if batched else out[0]

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(Col2ImBackward0, grad, ctx.size, *ctx.args), None, None, None, None


class Col2ImBackward0(Function):
    """F.fold: the adjoint of F.unfold (values of overlapping windows summed)."""

    @staticmethod
    def forward(ctx, cols, size, kernel, dilation, padding, stride):
        ctx.args = (kernel, dilation, padding, stride)
        batched = cols.ndim == 3
        cols = cols if batched else cols[None]
        n = cols.shape[0]
        padded = tuple(s + 2 * p for s, p in zip(size, padding))
        outs = tuple((s - d * (k - 1) - 1) // st + 1
                     for s, k, d, st in zip(padded, kernel, dilation, stride))
        c = cols.shape[1] // (kernel[0] * kernel[1])
        values = cols.reshape((n, c) + tuple(kernel) + outs).transpose(0, 1, 4, 5, 2, 3)
        full = scatter_windows(values, padded, stride, dilation)
        crop = (slice(None),) * 2 + tuple(slice(p, p + s) for p, s in zip(padding, size))
        out = np.ascontiguousarray(full[crop])
        return out if batched else out[0]

    @staticmethod
    def backward(ctx, grad):
        return (formulas.call(Im2ColBackward0, grad, *ctx.args),) + (None,) * 5


def _blocks(size, kernel, dilation, padding, stride):
    return tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, k, d, p, st in zip(size, kernel, dilation, padding, stride))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks: (N, C, H, W) -> (N, C * kh * kw, L)."""
    args = tuple(_pair(v) for v in (kernel_size, dilation, padding, stride))
    if input.ndim not in (3, 4):
        raise RuntimeError("Input Error: Only 3D or 4D input Tensors are supported (got "
                           f"{input.ndim}D)")
    x = input
    blocks = _blocks(x.shape[-2:], *args)
    if any(b <= 0 for b in blocks):
        raise RuntimeError(f"Given input with spatial size {tuple(x.shape[-2:])}, kernel_size="
                           f"{args[0]}, dilation={args[1]}, padding={args[2]}, calculated shape "
                           "of the array of sliding blocks as "
                           f"{blocks}, but its components must be at least one.")
    return Im2ColBackward0.apply(x, *args)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding blocks into (N, C, *output_size), summing overlaps (F.unfold's adjoint)."""
    size = _pair(output_size)
    args = tuple(_pair(v) for v in (kernel_size, dilation, padding, stride))
    if input.ndim not in (2, 3):
        raise RuntimeError("Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                           f"supported (got {input.ndim}D)")
    x = input if input.ndim == 3 else input.unsqueeze(0)     # (only for the checks)
    kernel = args[0]
    if x.shape[1] % (kernel[0] * kernel[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size={kernel}.")
    blocks = _blocks(size, *args)
    if blocks[0] * blocks[1] != x.shape[2]:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={args[1]}, "
                           f"padding={args[2]}, stride={args[3]}, expected size of input's "
                           "dimension 2 to match the calculated number of sliding blocks "
                           f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={x.shape[2]}.")
    return Col2ImBackward0.apply(input, size, *args)


def _sample(kind):
    def sample(rng, dtype):
        x = rng.standard_normal((3, 4, 5)).astype(dtype)
        yield {"roll": ([x, (1, -2)], {"dims": (0, 2)}), "rot90": ([x, 3, (2, 0)], {}),
               "fliplr": ([x], {}), "flipud": ([x], {}),
               "repeat_interleave": ([x, 2], {"dim": 1}), "kron": ([x[0], x[1, :2]], {}),
               "unfold": ([x, 2], {"padding": 1, "stride": (1, 2)}),
               "fold": ([rng.standard_normal((2, 8, 8)).astype(dtype), (4, 5), 2],
                        {"stride": (2, 1), "dilation": 1})}[kind]
        if kind == "roll":
            yield [x, 3], {}
    return sample


for _fn, _node in ((roll, "RollBackward0"), (rot90, "Rot90Backward0"), (fliplr, "FlipBackward0"),
                   (flipud, "FlipBackward0"), (repeat_interleave, "ViewBackward0"),
                   (kron, "UnsafeViewBackward0")):
    register(_fn.__name__, nodes=(_node,), family="rearrange", sample=_sample(_fn.__name__))(_fn)
register("unfold", nodes=("Im2ColBackward0",), forms=("functional",), family="rearrange",
         sample=_sample("unfold"))(unfold)
register("fold", nodes=("Col2ImBackward0",), forms=("functional",), family="rearrange",
         sample=_sample("fold"))(fold)
register_methods(Tensor, {"unfold": tensor_unfold})
