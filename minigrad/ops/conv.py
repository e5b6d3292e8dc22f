"""Convolution in 1, 2 and 3 dims, plain and transposed, and ``unfold``/``fold`` (im2col).

For input x (N, C, *S), weight w (Cout, C/groups, *K), stride s, padding p, dilation d:

    y[n, co, o] = b[co] + sum_{ci in co's group, k} w[co, ci, k] * xp[n, ci, o * s + k * d]

with xp = x zero-padded by p on both sides; out size O = (S + 2p - d (K - 1) - 1) // s + 1.
Computed as matrix products per sample and group: the windows of xp (a strided view) are copied
into a (C/groups * K, O) matrix per sample (``im2col``), then ``w`` (Cout/groups, C/groups * K)
times it; with stride 1 along the first spatial dim, only the other kernel dims are copied and
each kernel row is a product of its own (see "the three NumPy kernels" below). The batch is
processed in pieces so that the copied matrix stays small (``_windows.CHUNK_BYTES``); a sample
too big on its own is refused with its size.

Gradients (all three are convolutions again, which is how double backward works):

    grad_x = conv_transpose(grad, w)          (w^T grad, then each window added back: col2im)
    grad_w[co, ci, k] = sum_{n, o} grad[n, co, o] * xp[n, ci, o * s + k * d]
    grad_b = sum_{n, o} grad[n, co, o]

A transposed convolution is the adjoint of a convolution: its forward is the grad_x formula above
(output size (S - 1) s - 2p + d (K - 1) + output_padding + 1), its grad_x is a convolution of
grad with w, its grad_w the grad_w formula with grad and x swapped.
"""
import itertools

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _buffers
from ..autograd import formulas
from ..autograd.function import Function
from ._windows import check_buffer, expand, prod
from .registry import register
from .activation_gated import _cat
from .padding import pad

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "convolution"]


# ---- the three NumPy kernels ----------------------------------------------------------------
# The batch is unfolded a piece at a time (``_windows.CHUNK_BYTES``, sized so that a piece stays
# in the cache and its buffers are reused rather than freshly allocated), and the products are
# computed sample by sample, so that the forward writes straight into its (N, Cout, *O) result
# and the weight gradient needs no transposed copy of grad.
#
# With stride 1 along the first spatial dim, only the other kernel dims are unfolded: the
# buffer u[i, c, k', h, o'] = xp[i, c, h, o' s' + k' d'] keeps every padded row h, and the
# windows of kernel row k1 are then the strided matrix u[i, :, :, k1 d1 + o1, :], rows (c, k')
# and columns (o1, o') — K1 products on a buffer K1 times smaller than the full unfolding.
# Otherwise the whole kernel is unfolded and there is one product (K1 counts as 1).
#
# The adjoint (col2im) adds the windows back with the batch as the last axis instead: its
# strided adds then run over long rows.
def _out_sizes(size, kernel, stride, padding, dilation):
    return tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, k, st, p, d in zip(size, kernel, stride, padding, dilation))


def _step(batch, per_sample, itemsize):
    """Samples per piece, the pieces as even as their count allows (at least one sample; a
    sample too big on its own is refused)."""
    step = check_buffer(per_sample, batch, itemsize, "convolution")
    return -(-batch // -(-batch // step)) if batch else step


def _rows_split(kernel, stride):
    """Whether the kernel rows (first spatial dim) are multiplied one at a time."""
    return stride[0] == 1 and kernel[0] > 1


def _unfolded(x, kernel, out_sp, stride, padding, dilation, groups, split):
    """(start, mats) per piece of the batch: mats[r] (m, G, C/G * K', prod(O)) is the strided
    matrix of the windows of kernel row r (of the whole kernel when not ``split``):
    mats[r][i, g, (ci, k'), o] = xp[start + i, g C/G + ci, o s + (r, k') d]. The matrices view
    one buffer, overwritten by the next piece."""
    n, c = x.shape[:2]
    sizes = tuple(s + 2 * p for s, p in zip(x.shape[2:], padding))
    rows, unfolded = (kernel[0], kernel[1:]) if split else (1, kernel)
    positions = ((sizes[0],) + out_sp[1:]) if split else out_sp
    per_sample = c * prod(unfolded) * prod(positions)
    step = _step(n, max(per_sample, prod(out_sp) * c), x.itemsize)
    buf = _buffers.empty((min(step, n), per_sample), x.dtype)
    source = x
    if any(padding):   # the borders of this buffer stay 0; each piece fills its interior
        source = _buffers.zeros((min(step, n), c) + sizes, x.dtype)
        interior = (slice(None),) * 2 + tuple(slice(p, p + s)
                                             for p, s in zip(padding, x.shape[2:]))
    sn, sc, *sp = source.strides
    k_strides = tuple(a * d for a, d in zip(sp, dilation))
    o_strides = tuple(a * st for a, st in zip(sp, stride))
    if split:   # every padded row h, not only the window starts
        k_strides, o_strides = k_strides[1:], (sp[0],) + o_strides[1:]
    windows = as_strided(source, source.shape[:2] + tuple(unfolded) + tuple(positions),
                         (sn, sc) + k_strides + o_strides, writeable=False)
    item, inner = x.itemsize, prod(positions[1:])
    mats = as_strided(buf, (rows,) + buf.shape[:1] + (groups, c // groups * prod(unfolded),
                                                      prod(out_sp)),
                      (dilation[0] * inner * item, per_sample * item,
                       per_sample // groups * item, prod(positions) * item, item),
                      writeable=False)
    for s in range(0, n, step):
        m = min(step, n - s)
        if source is x:
            piece = windows[s:s + m]
        else:
            source[:m][interior] = x[s:s + m]
            piece = windows[:m]
        np.copyto(buf[:m].reshape(piece.shape), piece)
        yield s, mats[:, :m]


def _weight_rows(w, groups, split):
    """The weight as one (G, Cout/G, C/G * K') matrix per kernel row (or one for the whole
    kernel)."""
    cout = w.shape[0]
    rows = [w[:, :, r] for r in range(w.shape[2])] if split else [w]
    return [r.reshape(groups, cout // groups, -1) for r in rows]


def conv_forward(x, w, stride, padding, dilation, groups):
    """y = conv(x, w) without bias: (N, C, *S) and (Cout, C/groups, *K) -> (N, Cout, *O)."""
    cout, kernel = w.shape[0], w.shape[2:]
    out_sp = _out_sizes(x.shape[2:], kernel, stride, padding, dilation)
    split = _rows_split(kernel, stride)
    w_rows = _weight_rows(w, groups, split)
    y = _buffers.empty((x.shape[0], groups, cout // groups, prod(out_sp)),
                       np.result_type(x.dtype, w.dtype))
    term = None
    for s, mats in _unfolded(x, kernel, out_sp, stride, padding, dilation, groups, split):
        out = y[s:s + mats[0].shape[0]]
        np.matmul(w_rows[0], mats[0], out=out)
        if len(mats) > 1 and (term is None or term.shape != out.shape):
            term = _buffers.empty(out.shape, out.dtype)
        for wr, mat in zip(w_rows[1:], mats[1:]):
            out += np.matmul(wr, mat, out=term)
    return y.reshape((x.shape[0], cout) + out_sp)


def conv_input_grad(gy, w, size, stride, padding, dilation, groups):
    """The adjoint of ``conv_forward`` in x: (N, Cout, *O) -> (N, C, *size).

    For a piece of the batch, and one kernel row k1 at a time, the windows' values
    w[:, :, k1]^T gy are computed with the batch as their last axis, then added back where they
    were read: one strided slice per kernel offset, whose rows run over (position, sample)."""
    n, cout, out_sp, kernel = gy.shape[0], gy.shape[1], gy.shape[2:], w.shape[2:]
    c, per_group = w.shape[1] * groups, cout // groups
    padded = tuple(s + 2 * p for s, p in zip(size, padding))
    crop = (slice(None),) + tuple(slice(p, p + s) for p, s in zip(padding, size))
    gx = _buffers.empty((n, c) + tuple(size), np.result_type(gy.dtype, w.dtype))
    # per kernel row: w^T (G, C/G * K', Cout/G), and (where to add, which values) per offset
    reads = [[slice(k * d, k * d + (o - 1) * st + 1, st) for k in range(size_k)]
             for size_k, d, o, st in zip(kernel, dilation, out_sp, stride)]   # per dim, offset
    inner = list(zip(itertools.product(*reads[1:]),
                     itertools.product(*(range(k) for k in kernel[1:]))))
    rows = [(np.ascontiguousarray(w[:, :, r].reshape(groups, per_group, -1).transpose(0, 2, 1)),
             [((slice(None), reads[0][r]) + target, (slice(None),) + offset)
              for target, offset in inner])
            for r in range(kernel[0])]
    step = _step(n, c * prod(kernel[1:]) * prod(out_sp), gy.itemsize)
    for s in range(0, n, step):
        part = gy[s:s + step]
        m = part.shape[0]
        # (G, Cout/G, O * m): the columns ordered (position, sample)
        g = np.moveaxis(part, 0, -1).reshape(groups, per_group, -1)
        full = _buffers.zeros((c,) + padded + (m,), gx.dtype)
        cols = _buffers.empty((groups, rows[0][0].shape[1], g.shape[2]), gx.dtype)
        window = (c,) + tuple(kernel[1:]) + tuple(out_sp) + (m,)
        for wt, adds in rows:
            values = np.matmul(wt, g, out=cols).reshape(window)
            for target, offset in adds:
                full[target] += values[offset]
        gx[s:s + m] = np.moveaxis(full[crop], -1, 0)
    return gx


def conv_weight_grad(x, gy, kernel, stride, padding, dilation, groups):
    """grad_w[co, ci, k] = sum_{n, o} gy[n, co, o] xp[n, ci, o s + k d]: (Cout, C/G, *K)."""
    n, c = x.shape[:2]
    cout, out_sp = gy.shape[1], gy.shape[2:]
    split = _rows_split(kernel, stride)
    rows, unfolded = (kernel[0], kernel[1:]) if split else (1, kernel)
    g = gy.reshape(n, groups, cout // groups, -1)
    gw = np.zeros((rows, groups, cout // groups, c // groups * prod(unfolded)),
                  np.result_type(x.dtype, gy.dtype))
    for s, mats in _unfolded(x, kernel, out_sp, stride, padding, dilation, groups, split):
        part = g[s:s + mats.shape[1]]
        gw += np.matmul(part, mats.transpose(0, 1, 2, 4, 3)).sum(1)
    gw = gw.reshape((rows, cout, c // groups) + tuple(unfolded))
    return np.ascontiguousarray(np.moveaxis(gw, 0, 2)) if split else gw[0]


def _transposed_size(size, kernel, stride, padding, dilation, output_padding):
    return tuple((s - 1) * st - 2 * p + d * (k - 1) + op + 1 for s, k, st, p, d, op
                 in zip(size, kernel, stride, padding, dilation, output_padding))


# ---- the graph nodes --------------------------------------------------------------------------
class ConvolutionBackward0(Function):
    """y = conv(x, w) + b (or its transpose); the module docstring has the formulas.
    backward is one ConvolutionBackwardBackward0 node for the three gradients, as in torch."""

    numpy_backward = True
    edge_args = (0, 1, 2)   # the bias too, None or not, as in torch

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, transposed, output_padding, groups):
        if transposed:
            size = _transposed_size(x.shape[2:], w.shape[2:], stride, padding, dilation,
                                    output_padding)
            y = conv_input_grad(x, w, size, stride, padding, dilation, groups)
        else:
            y = conv_forward(x, w, stride, padding, dilation, groups)
        if b is not None:
            y += b.reshape((-1,) + (1,) * (y.ndim - 2))
        ctx.params = (stride, padding, dilation, groups)
        ctx.transposed, ctx.output_padding = transposed, output_padding
        ctx.has_bias = b is not None
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        mask = (needs[0], needs[1], ctx.has_bias and needs[2])
        grads = formulas.call(ConvolutionBackwardBackward0, grad, x, w, ctx.params,
                              ctx.transposed, ctx.output_padding, mask)
        return tuple(g if m else None for g, m in zip(grads, mask)) + (None,) * 6


def _unwanted(dtype):
    """The placeholder for a gradient that ``output_mask`` does not ask for."""
    return np.empty(0, dtype)


class ConvolutionBackwardBackward0(Function):
    """torch's convolution_backward as one node: (grad_x, grad_w, grad_b) of y = conv(x, w) + b
    (or its transpose) for the output gradient g, each computed where ``mask`` asks for it.
    Every output requires grad when g, x or w does, as in torch, even one that does not depend
    on them (grad_b = sum g, grad_x of a convolution, which is linear in x).

    Bilinear: grad_x = A(g, w), grad_w = W(x, g), grad_b = sum g, where A is the adjoint of the
    convolution in x and W its adjoint in w. For upstream gradients (G_x, G_w, G_b):
        grad_g = conv(G_x, w) + conv(x, G_w) + G_b       grad_x = A(g, G_w)       grad_w = W(G_x, g)
    (the same three formulas for the transposed convolution, with its own conv, A and W)."""

    numpy_backward = True
    n_outputs = 3

    @staticmethod
    def forward(ctx, g, x, w, params, transposed, output_padding, mask):
        stride, padding, dilation, groups = params
        ctx.args = params, transposed, output_padding
        ctx.save_for_backward(g, x, w)
        gx = gw = gb = _unwanted(g.dtype)
        if transposed:
            if mask[0]:   # output_padding >= stride: conv(g) has extra rows
                gx = conv_forward(g, w, stride, padding, dilation, groups)
                gx = gx[(slice(None),) * 2 + tuple(slice(0, s) for s in x.shape[2:])]
            if mask[1]:
                gw = conv_weight_grad(g, x, w.shape[2:], stride, padding, dilation, groups)
        else:
            if mask[0]:
                gx = conv_input_grad(g, w, x.shape[2:], stride, padding, dilation, groups)
            if mask[1]:
                gw = conv_weight_grad(x, g, w.shape[2:], stride, padding, dilation, groups)
        if mask[2]:
            gb = g.sum(axis=(0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb

    @staticmethod
    def backward(ctx, ggx, ggw, ggb):
        g, x, w = ctx.saved_tensors
        params, transposed, output_padding = ctx.args
        stride, padding, dilation, groups = params
        needs = ctx.needs_input_grad
        gg = gx = gw = None
        if needs[0]:
            for a, b in ((ggx, w), (x, ggw)):
                if a is not None and b is not None:
                    term = formulas.call(ConvolutionBackward0, a, b, None, stride, padding,
                                         dilation, transposed, output_padding, groups)
                    gg = term if gg is None else gg + term
            if ggb is not None:
                term = formulas.reshape(ggb, (1, ggb.shape[0]) + (1,) * (g.ndim - 2))
                gg = formulas.expand(term, tuple(g.shape)) if gg is None else gg + term
        if needs[1] and ggw is not None:   # A(g, G_w): a convolution in its other direction
            if transposed:
                gx = formulas.call(ConvolutionBackward0, g, ggw, None, stride, padding,
                                   dilation, False, (0,) * len(stride), groups)
                for d, size in enumerate(x.shape[2:], 2):
                    if gx.shape[d] > size:
                        gx = formulas.slice_dim(gx, d, 0, size)
            else:
                made = _transposed_size(g.shape[2:], w.shape[2:], stride, padding, dilation,
                                        (0,) * len(stride))
                extra = tuple(s - m for s, m in zip(x.shape[2:], made))
                gx = formulas.call(ConvolutionBackward0, g, ggw, None, stride, padding,
                                   dilation, True, extra, groups)
        if needs[2] and ggx is not None:
            gw = _weight_grad_as_conv(g, ggx, tuple(w.shape), params, transposed)
        return gg, gx, gw, None, None, None, None, None


def _weight_grad_as_conv(g, ggx, w_shape, params, transposed):
    """W(G_x, g) as torch's double backward computes it: a convolution over the batch (batch
    and channels swapped, stride and dilation swapped), per group, then transposed back and cut
    to the weight's size (so its graph is torch's: ConvolutionBackward0, TransposeBackward0)."""
    stride, padding, dilation, groups = params
    image, kernel = formulas.transpose(ggx, 0, 1), formulas.transpose(g, 0, 1)
    if transposed:
        image, kernel = kernel, image
    parts = []
    for k in range(groups):
        pieces = [formulas.slice_dim(t, 0, k * t.shape[0] // groups,
                                     (k + 1) * t.shape[0] // groups) if groups > 1 else t
                  for t in (image, kernel)]
        parts.append(formulas.call(ConvolutionBackward0, *pieces, None, dilation, padding,
                                   stride, False, (0,) * len(stride), 1))
    gw = formulas.transpose(parts[0] if groups == 1 else _cat(parts, 1), 0, 1)
    for d, size in enumerate(w_shape[2:], 2):
        if gw.shape[d] > size:
            gw = formulas.slice_dim(gw, d, 0, size)
    return gw


# ---- argument checks (torch's messages) -------------------------------------------------------
def _tuple(value, nd, name):
    value = expand(value, nd)
    if len(value) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(value)}")
    return value


def _check(input, weight, bias, nd, stride, padding, dilation, groups, transposed):
    if weight.ndim != nd + 2:
        raise RuntimeError("weight should have at least three dimensions" if weight.ndim < 3
                           else f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional "
                                f"input {list(input.shape)}, but got {weight.ndim}-dimensional "
                                f"weight of size {list(weight.shape)} instead")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) "
                           "should be the same or input should be a MKLDNN tensor and weight is "
                           "a dense tensor")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    ws = list(weight.shape)
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{ws}] instead")
    channels = weight.shape[0] if transposed else weight.shape[1] * groups
    if input.shape[1] != channels:
        head = "Given transposed=1, weight" if transposed else f"Given groups={groups}, weight"
        raise RuntimeError(f"{head} of size {ws}, expected input{list(input.shape)} to have "
                           f"{channels} channels, but got {input.shape[1]} channels instead")
    cout = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != cout):
        raise RuntimeError(f"Given weight of size {ws}, expected bias to be 1-dimensional with "
                           f"{cout} elements, but got bias of size {list(bias.shape)} instead")
    if not transposed:
        padded = [s + 2 * p for s, p in zip(input.shape[2:], padding)]
        span = [d * (k - 1) + 1 for d, k in zip(dilation, weight.shape[2:])]
        if any(k > s for k, s in zip(span, padded)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                f"Kernel size: ({' x '.join(map(str, span))}). Kernel size can't be greater "
                "than actual input size")


def _same_padding(input, weight, nd, stride, dilation):
    """'same': total padding d (K - 1) per dim, the odd one on the right (as an explicit pad)."""
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    total = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
    sym = tuple(t // 2 for t in total)
    if all(t % 2 == 0 for t in total):
        return input, sym
    extra = []
    for t in reversed(total):
        extra += [0, t % 2]
    return pad(input, extra), sym


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups, nd=None, name="convolution"):
    """torch.convolution: every conv and conv_transpose ends here."""
    nd = weight.ndim - 2 if nd is None else nd
    stride, dilation = _tuple(stride, nd, "stride"), _tuple(dilation, nd, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            input, padding = _same_padding(input, weight, nd, stride, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    padding = _tuple(padding, nd, "padding")
    output_padding = _tuple(output_padding, nd, "output_padding")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    unbatched = input.ndim == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    _check(input, weight, bias, nd, stride, padding, dilation, groups, transposed)
    if transposed and any(op >= s and op >= d
                          for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           f"got output_padding={list(output_padding)}")
    if transposed:
        size = _transposed_size(input.shape[2:], weight.shape[2:], stride, padding, dilation,
                                output_padding)
        if any(s <= 0 for s in size):
            lead = (1,) if nd == 1 else ()      # torch runs 1-d as 2-d here
            raise RuntimeError(
                "Given input size per channel: "
                f"({' x '.join(map(str, lead + tuple(input.shape[2:])))}). "
                f"Calculated output size per channel: ({' x '.join(map(str, lead + size))}). "
                "Output size is too small")
    out = ConvolutionBackward0.apply(input, weight, bias, stride, padding, dilation,
                                     bool(transposed), output_padding, groups)
    return out.squeeze(0) if unbatched else out


def _conv(nd):
    def conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        return convolution(input, weight, bias, stride, padding, dilation, False, 0, groups,
                           nd, f"conv{nd}d")
    conv.__name__ = f"conv{nd}d"
    conv.__doc__ = f"{nd}-d convolution (cross-correlation) of (N, C, *S) input by weight."
    return conv


def _conv_transpose(nd):
    def conv_transpose(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                       groups=1, dilation=1):
        return convolution(input, weight, bias, stride, padding, dilation, True, output_padding,
                           groups, nd, f"conv_transpose{nd}d")
    conv_transpose.__name__ = f"conv_transpose{nd}d"
    conv_transpose.__doc__ = f"{nd}-d transposed convolution (the adjoint of conv{nd}d)."
    return conv_transpose


conv1d, conv2d, conv3d = _conv(1), _conv(2), _conv(3)
conv_transpose1d, conv_transpose2d, conv_transpose3d = (_conv_transpose(1), _conv_transpose(2),
                                                        _conv_transpose(3))


# ---- registry -------------------------------------------------------------------------------
def _conv_sample(nd, transposed):
    """Inputs for the registry's test: (x, w, b) with strides, paddings, dilations, groups."""
    def sample(rng, dtype):
        for groups, stride, padding, dilation in ((1, 1, 0, 1), (2, 2, 1, 1), (1, 1, 1, 2)):
            cin, cout = 2 * groups, 3 * groups
            x = rng.standard_normal((2, cin) + (5,) * nd).astype(dtype)
            wshape = (cin, cout // groups) if transposed else (cout, cin // groups)
            w = rng.standard_normal(wshape + (2,) * nd).astype(dtype)
            b = rng.standard_normal(cout).astype(dtype)
            kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
            yield [x, w, b], kwargs
    return sample


# float64 only here: float32 sums run in another order than torch's kernels, so tests/test_conv.py
# compares them against a budget scaled by the result's size instead of the registry's fixed one
for _nd in (1, 2, 3):
    register(f"conv{_nd}d", nodes=("ConvolutionBackward0",), forms=("function", "functional"),
             args=("input", "weight", "bias"), family="convolution", dtypes=("float64",),
             sample=_conv_sample(_nd, False))(globals()[f"conv{_nd}d"])
    register(f"conv_transpose{_nd}d", nodes=("ConvolutionBackward0",),
             forms=("function", "functional"), args=("input", "weight", "bias"),
             family="convolution", dtypes=("float64",), sample=_conv_sample(_nd, True))(
        globals()[f"conv_transpose{_nd}d"])
