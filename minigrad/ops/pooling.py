"""Pooling over the trailing 1, 2 or 3 dims: max, average, adaptive average, adaptive max, Lp,
and max-unpooling.

Windows (``_windows``) along each pooled dim of size S, kernel k, stride s, padding p,
dilation d: out size O = (S + 2p - d (k - 1) - 1) / s + 1, rounded down, or up with
``ceil_mode`` (a last window must then still start inside the input or the left padding).

    max:  y[o] = max_k x[o s + k d - p]  (padding never wins: it is -inf); ``indices`` holds the
          flat position (within one plane) of the first maximum, as torch's kernel picks it.
          grad_x = grad added onto each output's argmax position.
    avg:  y[o] = sum_k x[o s + k - p] / divisor, divisor = the window's size clipped to the
          padded input (count_include_pad) or to the input itself, or ``divisor_override``.
          grad_x = each grad / divisor spread back over its window.

1-d pooling runs as 2-d pooling of an unsqueezed input (torch's graph: ``SqueezeBackward1``).
Adaptive pooling's windows are [floor(i S / O), ceil((i + 1) S / O)) per dim.
"""
import itertools
import math

import numpy as np

from .._tensor import _make
from ..autograd import formulas
from ..autograd.function import Function
from ._taps import node_pair
from ._windows import expand, scatter_windows, windows
from .registry import register

__all__ = []


def _tuple(value, nd, name, fn):
    if value is None:
        return None
    value = expand(value, nd)
    if len(value) != nd:
        words = {1: "one int", 2: "two ints", 3: "three ints"}[nd]
        raise RuntimeError(f"{fn}: {name} must either be a single int, or a tuple of {words}")
    return value


def _out_size(size, k, s, p, d, ceil_mode):
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _plan(x_shape, nd, kernel, stride, padding, dilation, ceil_mode):
    """Output sizes and the (left, right) padding that makes every window fit."""
    sizes = x_shape[-nd:]
    outs = tuple(_out_size(*a, ceil_mode) for a in zip(sizes, kernel, stride, padding, dilation))
    pads = tuple((p, max((o - 1) * s + d * (k - 1) + 1 - n - p, 0))
                 for n, o, k, s, p, d in zip(sizes, outs, kernel, stride, padding, dilation))
    return outs, pads


def _padded(x, nd, pads, fill):
    if not any(lo or hi for lo, hi in pads):
        return x
    return np.pad(x, [(0, 0)] * (x.ndim - nd) + list(pads), constant_values=fill)


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _check(x, nd, kernel, stride, padding, dilation, ceil_mode, name):
    """torch's argument checks, in its order."""
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got "
                           + " ".join(f"k{a}: {k}" for a, k in zip("DHW"[3 - nd:], kernel)))
    if any(s <= 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    for k, p, d in zip(kernel, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError("pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    outs, _ = _plan(tuple(x.shape), nd, kernel, stride, padding, dilation, ceil_mode)
    if any(o <= 0 for o in outs):
        lead = x.shape[-nd - 1]
        given = "x".join(map(str, x.shape[-nd - 1:]))
        raise RuntimeError(f"Given input size: ({given}). Calculated output size: "
                           f"({'x'.join(map(str, (lead,) + outs))}). Output size is too small")


# ---- max --------------------------------------------------------------------------------------
def _scan_max(win, nd):
    """(max, arg) over the last nd (kernel) dims of a windows view, as torch's kernels choose:
    scanning the kernel positions in order, a value replaces the best only when greater (so the
    first maximum wins ties) or NaN (so the last NaN wins). ``arg``: flat kernel position.

    Computed as the maximum (one pass per kernel position), then the first position equal to
    it: the count of the leading positions that differ from it (a running "all differ so far"
    added up); windows holding a NaN are then given their last NaN's position."""
    values = [win[(Ellipsis,) + off]
              for off in itertools.product(*(range(n) for n in win.shape[-nd:]))]
    best = values[0].copy() if len(values) == 1 else np.maximum(values[0], values[1])
    for v in values[2:]:
        np.maximum(best, v, out=best)
    arg = np.zeros(best.shape, np.uint8 if len(values) < 256 else np.int64)
    differ, run = np.empty(best.shape, bool), np.ones(best.shape, bool)
    for v in values[:-1]:
        np.not_equal(v, best, out=differ)
        run &= differ
        np.add(arg, run, out=arg)
    if best.dtype.kind == "f" and np.isnan(best.sum()):
        for k, v in enumerate(values):
            arg[np.isnan(v)] = k
    return best, arg


def _kernel_deltas(kernel, dilation, sizes):
    """Flat distance in the unpadded plane from a window's first element to each kernel
    position (indexed by the flat kernel position)."""
    delta = 0
    for k, d, n in zip(kernel, dilation, sizes):
        delta = (np.multiply.outer(delta, np.ones(k, np.int64)) * n
                 + np.arange(k, dtype=np.int64) * d)
    return np.asarray(delta).ravel()


def _window_starts(outs, stride, pads, sizes):
    """Flat position in the unpadded plane of each window's first element."""
    flat = 0
    for i, (o, s, (lo, _), n) in enumerate(zip(outs, stride, pads, sizes)):
        shape = [1] * len(outs)
        shape[i] = o
        flat = flat * n + (np.arange(o) * s - lo).reshape(shape)
    return flat


class _MaxPoolWithIndices(Function):
    """y = max over each window, indices = its flat input position; grad_x: grad added there."""

    n_outputs = 2

    @classmethod
    def differentiable_outputs(cls):
        return (True, False)

    @staticmethod
    def forward(ctx, x, nd, kernel, stride, padding, dilation, ceil_mode):
        outs, pads = _plan(x.shape, nd, kernel, stride, padding, dilation, ceil_mode)
        win = windows(_padded(x, nd, pads, _lowest(x.dtype)), kernel, stride, dilation)
        out, arg = _scan_max(win, nd)
        # kept as the kernel position (a byte per output for kernels under 256 positions), the
        # flat indices (8 bytes each) rebuilt by backward
        ctx.arg = argmax = (arg, _kernel_deltas(kernel, dilation, x.shape[-nd:]),
                            _window_starts(outs, stride, pads, x.shape[-nd:]))
        ctx.in_shape, ctx.nd = x.shape, nd
        # windows that cannot overlap: each input position is the argmax of one window at most
        ctx.distinct = not any(padding) and all(
            s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
        ctx.save_for_backward(x)
        return np.ascontiguousarray(out), _flat_indices(*argmax)

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        x, = ctx.saved_tensors
        return (formulas.call(MaxPoolScatter, grad, x, _flat_indices(*ctx.arg), ctx.in_shape,
                              ctx.nd, ctx.distinct), None, None, None, None, None, None)


def _flat_indices(arg, deltas, starts):
    """Each window's argmax as its flat position in the input plane."""
    idx = deltas[arg]
    idx += starts
    return idx


def _gather_planes(g, idx, nd):
    """g[..., idx] within each plane of the last nd dims (a differentiable gather)."""
    flat_idx = idx.reshape(tuple(idx.shape[:-nd]) + (-1,))
    return g.flatten(g.ndim - nd).gather(-1, flat_idx).reshape(tuple(idx.shape))


class MaxPoolScatter(Function):
    """grad_x[..., idx[..., o]] += grad[..., o] (within each plane); its gradient is the gather
    gg[..., idx[..., o]]."""

    @staticmethod
    def forward(ctx, grad, x, idx, in_shape, nd, distinct=False):
        planes = int(np.prod(in_shape[:-nd], dtype=np.int64))
        plane = int(np.prod(in_shape[-nd:], dtype=np.int64))
        ctx.nd = nd
        ctx.save_for_backward(idx, x)     # (x: torch's backward takes it; its gradient is 0)
        if distinct:   # one value per position at most: 0 + value (-0.0 becomes +0.0), stored
            out = np.zeros((planes, plane), grad.dtype)
            np.put_along_axis(out, idx.reshape(planes, -1),
                              grad.reshape(planes, -1) + grad.dtype.type(0), 1)
            return out.reshape(in_shape)
        where = idx.reshape(planes, -1) + (np.arange(planes) * plane)[:, None]
        out = np.bincount(where.ravel(), weights=grad.reshape(-1), minlength=planes * plane)
        return out.astype(grad.dtype).reshape(in_shape)

    @staticmethod
    def backward(ctx, gg):
        idx, x = ctx.saved_tensors
        gx = formulas.zeros_like(x) if ctx.needs_input_grad[1] else None
        return _gather_planes(gg, idx, ctx.nd), gx, None, None, None, None


_MAX_BODY = {"__module__": __name__, "__doc__": _MaxPoolWithIndices.__doc__}
MaxPool2DWithIndicesBackward0 = type("MaxPool2DWithIndicesBackward0", (_MaxPoolWithIndices,),
                                     dict(_MAX_BODY))
MaxPool3DWithIndicesBackward0 = type("MaxPool3DWithIndicesBackward0", (_MaxPoolWithIndices,),
                                     dict(_MAX_BODY))
_MAX_NODES = {2: MaxPool2DWithIndicesBackward0, 3: MaxPool3DWithIndicesBackward0}


def _plain(indices):
    """The indices output as a tensor of its own, outside the graph (it has no gradient)."""
    return _make(indices._data)


def _as_2d(fn_2d, input, *args, **kwargs):
    """Run a 2-d pooling on (…, 1, L) and squeeze the dim back out (torch's 1-d pooling)."""
    out = fn_2d(input.unsqueeze(-2), *args, **kwargs)
    if isinstance(out, tuple):
        return tuple(o.squeeze(-2) for o in out)
    return out.squeeze(-2)


def _check_rank(input, nd, name, lo_words):
    if input.ndim not in (nd + 1, nd + 2) or input.numel() == 0 and input.ndim == nd + 1:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for "
                           f"input" if lo_words is None else lo_words)


def _max_pool(nd):
    name = f"max_pool{nd}d"

    def max_pool(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                 return_indices=False):
        kernel = _tuple(kernel_size, nd, "kernel_size", name)
        stride = kernel if stride is None or stride == [] or stride == () else \
            _tuple(stride, nd, "stride", name)
        padding = _tuple(padding, nd, "padding", name)
        dilation = _tuple(dilation, nd, "dilation", name)
        _check_rank(input, nd, name, None)
        _check(input, nd, kernel, stride, padding, dilation, ceil_mode, name)
        out, idx = _MAX_NODES[nd].apply(input, nd, kernel, stride, padding, dilation,
                                        bool(ceil_mode))
        return (out, _plain(idx)) if return_indices else out
    max_pool.__name__ = name
    return max_pool


max_pool2d, max_pool3d = _max_pool(2), _max_pool(3)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if input.ndim not in (2, 3):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{list(input.shape)}")
    one = (lambda v: v if v is None or isinstance(v, int) else tuple(v)[0])
    return _as_2d(max_pool2d, input, (1, one(kernel_size)),
                  None if stride is None else (1, one(stride)), (0, one(padding)),
                  (1, one(dilation)), ceil_mode, return_indices)


# ---- average ----------------------------------------------------------------------------------
def _divisors(sizes, outs, kernel, stride, padding, count_include_pad):
    """The divisor of each output position: a product over dims (torch's pool_size rule)."""
    total = 1
    for i, (n, o, k, s, p) in enumerate(zip(sizes, outs, kernel, stride, padding)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            length = end - start
        else:
            length = np.minimum(end, n) - np.maximum(start, 0)
        shape = [1] * len(outs)
        shape[i] = o
        total = total * length.reshape(shape)
    return total


class _AvgPool(Function):
    """y = window sum / divisor; grad_x = grad / divisor spread over each window (the adjoint)."""

    adjoint = None

    @staticmethod
    def forward(ctx, x, nd, kernel, stride, padding, ceil_mode, count_include_pad, divisor):
        one = (1,) * nd
        outs, pads = _plan(x.shape, nd, kernel, stride, padding, one, ceil_mode)
        win = windows(_padded(x, nd, pads, 0), kernel, stride, one)
        if divisor is None:
            divisor = _divisors(x.shape[-nd:], outs, kernel, stride, padding, count_include_pad)
        ctx.args = (nd, kernel, stride, padding, ceil_mode, count_include_pad, divisor)
        ctx.in_shape = x.shape
        ctx.save_for_backward(x)      # torch's backward takes the input (its gradient: 0)
        total = win.sum(axis=tuple(range(-nd, 0)))
        return (total / divisor).astype(x.dtype, copy=False)

    @classmethod
    def backward(cls, ctx, grad):
        x, = ctx.saved_tensors
        return (formulas.call(cls.adjoint, grad, x, ctx.in_shape, *ctx.args),) + (None,) * 7


class _AvgPoolAdjoint(Function):
    """grad_x = grad / divisor added over each window; its gradient is the average pool again."""

    forward_cls = None

    @staticmethod
    def forward(ctx, grad, x, in_shape, nd, kernel, stride, padding, ceil_mode,
                count_include_pad, divisor):
        one = (1,) * nd
        ctx.save_for_backward(x)
        _, pads = _plan(in_shape, nd, kernel, stride, padding, one, ceil_mode)
        ctx.args = (nd, kernel, stride, padding, ceil_mode, count_include_pad, divisor)
        share = (grad / divisor).astype(grad.dtype, copy=False)
        spread = np.broadcast_to(share.reshape(share.shape + one), share.shape + tuple(kernel))
        padded = tuple(n + lo + hi for n, (lo, hi) in zip(in_shape[-nd:], pads))
        full = scatter_windows(spread, padded, stride, one)
        crop = (Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(in_shape[-nd:], pads))
        return np.ascontiguousarray(full[crop])

    @classmethod
    def backward(cls, ctx, gg):
        gx = formulas.zeros_like(ctx.saved_tensors[0]) if ctx.needs_input_grad[1] else None
        return (formulas.call(cls.forward_cls, gg, *ctx.args), gx) + (None,) * 8


def _avg_nodes(nd):
    fwd = type(f"AvgPool{nd}DBackward0", (_AvgPool,),
               {"__module__": __name__, "__doc__": _AvgPool.__doc__})
    bwd = type(f"AvgPool{nd}DBackwardBackward0", (_AvgPoolAdjoint,),
               {"__module__": __name__, "__doc__": _AvgPoolAdjoint.__doc__})
    fwd.adjoint, bwd.forward_cls = bwd, fwd
    return fwd


AvgPool2DBackward0 = _avg_nodes(2)
AvgPool2DBackwardBackward0 = AvgPool2DBackward0.adjoint
AvgPool3DBackward0 = _avg_nodes(3)
AvgPool3DBackwardBackward0 = AvgPool3DBackward0.adjoint
_AVG_NODES = {2: AvgPool2DBackward0, 3: AvgPool3DBackward0}


def _avg_pool(nd):
    name = f"avg_pool{nd}d"

    def avg_pool(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        kernel = _tuple(kernel_size, nd, "kernel_size", name)
        stride = kernel if stride is None or stride == [] or stride == () else \
            _tuple(stride, nd, "stride", name)
        padding = _tuple(padding, nd, "padding", name)
        _check_rank(input, nd, name, None)
        if divisor_override is not None and divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        one = (1,) * nd
        _check(input, nd, kernel, stride, padding, one, ceil_mode, name)
        return _AVG_NODES[nd].apply(input, nd, kernel, stride, padding, bool(ceil_mode),
                                    bool(count_include_pad), divisor_override)
    avg_pool.__name__ = name
    return avg_pool


avg_pool2d, avg_pool3d = _avg_pool(2), _avg_pool(3)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    one = (lambda v: v if v is None or isinstance(v, int) else tuple(v)[0])
    return _as_2d(avg_pool2d, input, (1, one(kernel_size)),
                  None if stride is None else (1, one(stride)), (0, one(padding)), ceil_mode,
                  count_include_pad)


# ---- adaptive ---------------------------------------------------------------------------------
def _adaptive_windows(size, out):
    """(starts (O,), taps (O, T)): window i covers [floor(i S / O), ceil((i + 1) S / O));
    short windows repeat their first index (with weight 0 when averaging)."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    longest = int((end - start).max()) if out else 0
    taps = start[:, None] + np.arange(longest)[None, :]
    inside = taps < end[:, None]
    return np.where(inside, taps, start[:, None]), inside, end - start


AdaptiveAvgPool2DBackward0 = node_pair("AdaptiveAvgPool2DBackward0", __name__, True)
AdaptiveAvgPool2DBackwardBackward0 = AdaptiveAvgPool2DBackward0.adjoint
AdaptiveAvgPool3DBackward0 = node_pair("AdaptiveAvgPool3DBackward0", __name__, True)
AdaptiveAvgPool3DBackwardBackward0 = AdaptiveAvgPool3DBackward0.adjoint
_ADAPTIVE_AVG = {2: AdaptiveAvgPool2DBackward0, 3: AdaptiveAvgPool3DBackward0}


def _adaptive_sizes(input, output_size, nd, name):
    if input.ndim not in (nd + 1, nd + 2):
        colon = ":" if "max" in name else ""
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got"
                           f"{colon} {list(input.shape)}")
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    return tuple(input.shape[input.ndim - nd + i] if o is None else o
                 for i, o in enumerate(output_size))


def _adaptive_avg(nd):
    name = f"adaptive_avg_pool{nd}d"

    def adaptive_avg_pool(input, output_size):
        outs = _adaptive_sizes(input, output_size, nd, name)
        if all(o == 1 for o in outs):     # torch takes the mean here (MeanBackward1)
            return input.mean(tuple(range(-nd, 0)), keepdim=True)
        taps = []
        for i, o in enumerate(outs):
            idx, inside, length = _adaptive_windows(input.shape[input.ndim - nd + i], o)
            taps.append((idx, np.where(inside, 1.0 / length[:, None], 0.0)))
        return _ADAPTIVE_AVG[nd].apply(input, tuple(taps))
    adaptive_avg_pool.__name__ = name
    return adaptive_avg_pool


adaptive_avg_pool2d, adaptive_avg_pool3d = _adaptive_avg(2), _adaptive_avg(3)


def adaptive_avg_pool1d(input, output_size):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d() argument 'input' (position 1) must be 2D or "
                           f"3D, but got {input.ndim}D")
    size = output_size if isinstance(output_size, int) else tuple(output_size)[0]
    return _as_2d(adaptive_avg_pool2d, input, (1, size))


class _AdaptiveMax(_MaxPoolWithIndices):
    """y = max over each adaptive window, indices its flat position; grad_x as max pooling."""

    @staticmethod
    def forward(ctx, x, nd, outs):
        sizes = x.shape[-nd:]
        gathered, wins = x, []
        for i, o in enumerate(outs):
            idx, _, _ = _adaptive_windows(sizes[i], o)
            axis = x.ndim - nd + 2 * i          # each earlier dim became (O, T)
            gathered = np.take(gathered, idx, axis=axis)
            wins.append(idx)
        lead = x.ndim - nd
        order = (tuple(range(lead)) + tuple(lead + 2 * i for i in range(nd))
                 + tuple(lead + 2 * i + 1 for i in range(nd)))
        out, arg = _scan_max(gathered.transpose(order), nd)
        offsets = np.unravel_index(arg, tuple(w.shape[1] for w in wins))
        flat = 0
        for i, (w, k_off) in enumerate(zip(wins, offsets)):
            shape = [1] * nd
            shape[i] = w.shape[0]
            rows = np.arange(w.shape[0]).reshape(shape)
            flat = flat * sizes[i] + w[rows, k_off]
        idx = np.ascontiguousarray(flat.astype(np.int64))
        ctx.in_shape, ctx.nd, ctx.indices = x.shape, nd, idx
        ctx.save_for_backward(x)
        return np.ascontiguousarray(out), idx

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        x, = ctx.saved_tensors
        return (formulas.call(MaxPoolScatter, grad, x, ctx.indices, ctx.in_shape, ctx.nd),
                None, None)


AdaptiveMaxPool2DBackward0 = type("AdaptiveMaxPool2DBackward0", (_AdaptiveMax,),
                                  {"__module__": __name__, "__doc__": _AdaptiveMax.__doc__})
AdaptiveMaxPool3DBackward0 = type("AdaptiveMaxPool3DBackward0", (_AdaptiveMax,),
                                  {"__module__": __name__, "__doc__": _AdaptiveMax.__doc__})
_ADAPTIVE_MAX = {2: AdaptiveMaxPool2DBackward0, 3: AdaptiveMaxPool3DBackward0}


def _adaptive_max(nd):
    name = f"adaptive_max_pool{nd}d"

    def adaptive_max_pool(input, output_size, return_indices=False):
        outs = _adaptive_sizes(input, output_size, nd, name)
        out, idx = _ADAPTIVE_MAX[nd].apply(input, nd, outs)
        return (out, _plain(idx)) if return_indices else out
    adaptive_max_pool.__name__ = name
    return adaptive_max_pool


adaptive_max_pool2d, adaptive_max_pool3d = _adaptive_max(2), _adaptive_max(3)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    size = output_size if isinstance(output_size, int) else tuple(output_size)[0]
    return _as_2d(adaptive_max_pool2d, input, (1, size), return_indices)


# ---- Lp and unpooling -------------------------------------------------------------------------
def _lp_pool(nd, avg):
    def lp_pool(input, norm_type, kernel_size, stride=None, ceil_mode=False):
        """(sum over each window of x^p)^(1/p), computed as torch does: through avg pooling."""
        kernel = _tuple(kernel_size, nd, "kernel_size", f"lp_pool{nd}d")
        out = avg(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
        return (out.sign() * out.abs().relu()).mul(math.prod(kernel)).pow(1.0 / norm_type)
    lp_pool.__name__ = f"lp_pool{nd}d"
    return lp_pool


lp_pool1d, lp_pool2d, lp_pool3d = (_lp_pool(1, avg_pool1d), _lp_pool(2, avg_pool2d),
                                   _lp_pool(3, avg_pool3d))


class _MaxUnpool(Function):
    """y = zeros(out size) with y[..., idx] = x (per plane)      grad_x = grad[..., idx]"""

    @staticmethod
    def forward(ctx, x, idx, out_size):
        nd = len(out_size)
        planes = int(np.prod(x.shape[:-nd], dtype=np.int64))
        plane = math.prod(out_size)
        if idx.size and (idx.min() < 0 or idx.max() >= plane):
            bad = idx.max() if idx.max() >= plane else idx.min()
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                               f"{'x'.join(map(str, out_size))}")
        out = np.zeros((planes, plane), x.dtype)
        rows = np.arange(planes)[:, None]
        out[rows, idx.reshape(planes, -1)] = x.reshape(planes, -1)
        ctx.nd = nd
        ctx.save_for_backward(idx)
        return out.reshape(x.shape[:-nd] + tuple(out_size))

    @staticmethod
    def backward(ctx, grad):
        idx, = ctx.saved_tensors
        return _gather_planes(grad, idx, ctx.nd), None, None


MaxUnpool2DBackward0 = type("MaxUnpool2DBackward0", (_MaxUnpool,),
                            {"__module__": __name__, "__doc__": _MaxUnpool.__doc__})
MaxUnpool3DBackward0 = type("MaxUnpool3DBackward0", (_MaxUnpool,),
                            {"__module__": __name__, "__doc__": _MaxUnpool.__doc__})
_UNPOOL_NODES = {2: MaxUnpool2DBackward0, 3: MaxUnpool3DBackward0}


def max_unpool(input, indices, kernel_size, stride, padding, output_size, nd):
    """The inverse of max pooling: each value written back at its index, zeros elsewhere.
    Default output size per dim: (in - 1) * stride + kernel - 2 * padding."""
    name = f"max_unpool{nd}d"
    kernel = _tuple(kernel_size, nd, "kernel_size", name)
    stride = kernel if stride is None else _tuple(stride, nd, "stride", name)
    padding = _tuple(padding, nd, "padding", name)
    sizes = [(input.shape[input.ndim - nd + i] - 1) * stride[i] + kernel[i] - 2 * padding[i]
             for i in range(nd)]
    if output_size is not None:
        sizes = list(output_size)[-nd:]
    if nd == 1:      # as torch: a 2-d unpool of (..., L, 1)
        out = _UNPOOL_NODES[2].apply(input.unsqueeze(-1), indices.unsqueeze(-1),
                                     (sizes[0], 1))
        return out.squeeze(-1)
    return _UNPOOL_NODES[nd].apply(input, indices, tuple(sizes))


def _max_unpool(nd):
    def max_unpool_nd(input, indices, kernel_size, stride=None, padding=0, output_size=None):
        return max_unpool(input, indices, kernel_size, stride, padding, output_size, nd)
    max_unpool_nd.__name__ = f"max_unpool{nd}d"
    return max_unpool_nd


max_unpool1d, max_unpool2d, max_unpool3d = _max_unpool(1), _max_unpool(2), _max_unpool(3)


# ---- registry ---------------------------------------------------------------------------------
def _pool_sample(nd, kind):
    def sample(rng, dtype):
        x = rng.standard_normal((2, 3) + (7,) * nd).astype(dtype)
        if kind == "max":
            yield [x, 3], {"stride": 2, "padding": 1, "ceil_mode": True}
            yield [x, 2], {"dilation": 2}
        elif kind == "avg":
            yield [x, 3], {"stride": 2, "padding": 1, "ceil_mode": True,
                           "count_include_pad": False}
            yield [x, 2], {}
        else:
            yield [x, 3], {}
            yield [x, 5], {}
    return sample


def _register_all():
    names = {"max": ("MaxPool{}DWithIndicesBackward0",), "avg": ("AvgPool{}DBackward0",),
             "adaptive_avg": ("AdaptiveAvgPool{}DBackward0",),
             "adaptive_max": ("AdaptiveMaxPool{}DBackward0",)}
    for kind, nodes in names.items():
        for nd in (1, 2, 3):
            fn = globals().get(f"{kind}_pool{nd}d")
            if fn is None:
                continue
            found = ("SqueezeBackward1",) if nd == 1 else tuple(n.format(nd) for n in nodes)
            # torch.X too for max pooling and for every 1-d pool
            forms = ("function", "functional") if kind == "max" or nd == 1 and kind != \
                "adaptive_max" else ("functional",)
            register(f"{kind}_pool{nd}d", nodes=found, forms=forms, args=("input",),
                     family="pooling", kinks=("ties",), sample=_pool_sample(nd, kind))(fn)
    for nd in (1, 2, 3):
        register(f"lp_pool{nd}d", nodes=("PowBackward0",), forms=("functional",),
                 args=("input",), family="pooling", sample=_lp_sample(nd))(
            globals()[f"lp_pool{nd}d"])
    for nd in (1, 2, 3):
        register(f"max_unpool{nd}d", nodes=(f"MaxUnpool{max(nd, 2)}DBackward0",
                                             "SqueezeBackward1"), forms=("functional",),
                 args=("input",), family="pooling", sample=_unpool_sample(nd))(
            globals()[f"max_unpool{nd}d"])


def _lp_sample(nd):
    def sample(rng, dtype):
        yield [rng.uniform(0.5, 2.0, (2, 3) + (6,) * nd).astype(dtype), 2.0, 2], {}
        yield [rng.uniform(0.5, 2.0, (2, 3) + (7,) * nd).astype(dtype), 3, 3], {"stride": 2}
    return sample


def _unpool_sample(nd):
    def sample(rng, dtype):
        where = rng.permutation(4 ** nd)[:2 ** nd].reshape((1, 1) + (2,) * nd)
        x = rng.standard_normal((1, 1) + (2,) * nd).astype(dtype)
        yield [x, where.astype(np.int64), 2], {}
    return sample


_register_all()
