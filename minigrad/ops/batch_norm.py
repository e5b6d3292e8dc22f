"""Normalization: ``F.batch_norm``, ``F.group_norm``, ``F.instance_norm``,
``F.local_response_norm``.

Batch norm over x (N, C, *S), per channel c, statistics over the other dims (M values each):

    training:  mean = sum x / M,  var = sum (x - mean)^2 / M   (biased; the running variance is
               updated with the unbiased var * M / (M - 1)):
               running = (1 - momentum) * running + momentum * batch statistic
    eval:      mean, var = the running statistics
    y = (x - mean) * invstd * w + b,   invstd = 1 / sqrt(var + eps)

Gradient (xhat = (x - mean) * invstd, gxhat = grad * w, means over the M values):

    training:  grad_x = invstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat))
    eval:      grad_x = invstd * gxhat
    grad_w = sum grad * xhat,   grad_b = sum grad

Group norm is the same with statistics per (sample, group of C / G channels) and no running
statistics. Instance norm is batch norm of x viewed as (1, N * C, *S), as torch computes it;
local response norm is torch's composition of pad, average pooling, pow and div.
"""
import numpy as np

from .._layout import _channels_last, row_major
from .._tensor import _make
from ..autograd import grad_mode
from ..autograd.function import Function
from ._norm_double_backward import batch_norm_double_backward
from .registry import register
from .padding import pad
from .pooling import avg_pool2d, avg_pool3d

__all__ = []


def _stats(x, axes):
    """(mean, biased var) over axes, accumulated in float64, in x's dtype, dims kept."""
    wide = x.astype(np.float64)
    mean = wide.mean(axis=axes, keepdims=True)
    var = ((wide - mean) ** 2).mean(axis=axes, keepdims=True)
    return mean, var


def _channel(a, ndim):
    """A per-channel vector shaped to broadcast against (N, C, *S)."""
    return a.reshape((1, -1) + (1,) * (ndim - 2))


def _norm_grad(grad, x, w, axes, shape, eps, training, running):
    """(grad_x, grad_w, grad_b) on Tensors: statistics over ``axes`` of x viewed as ``shape``
    (recomputed from x, so that a graph of this backward differentiates through them)."""
    ndim = x.ndim
    gxhat = grad if w is None else grad * w.reshape((1, -1) + (1,) * (ndim - 2))
    if training:
        xv = x.reshape(shape)
        mean = xv.mean(axes, keepdim=True)
        invstd = ((xv - mean) ** 2).mean(axes, keepdim=True).add(eps).rsqrt()
        xhat = ((xv - mean) * invstd).reshape(x.shape)
        gv, hv = gxhat.reshape(shape), xhat.reshape(shape)
        gx = invstd * (gv - gv.mean(axes, keepdim=True)
                       - hv * (gv * hv).mean(axes, keepdim=True))
        gx = gx.reshape(x.shape)
    else:
        mean, var = running
        invstd = (var + eps).rsqrt().reshape((1, -1) + (1,) * (ndim - 2))
        xhat = (x - mean.reshape((1, -1) + (1,) * (ndim - 2))) * invstd
        gx = gxhat * invstd
    per_channel = (0,) + tuple(range(2, ndim))
    return gx, (grad * xhat).sum(per_channel), grad.sum(per_channel)


class NativeBatchNormBackward0(Function):
    """y = (x - mean) * invstd * w + b per channel (the module docstring has the gradient)."""

    @staticmethod
    def forward(ctx, x, w, b, running_mean, running_var, training, momentum, eps):
        axes = (0,) + tuple(range(2, x.ndim))
        if training:
            mean, var = _stats(x, axes)
            count = x.size // x.shape[1]
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += (momentum * mean.ravel()).astype(running_mean.dtype)
            if running_var is not None:
                unbiased = var.ravel() * count / max(count - 1, 1)
                running_var *= 1 - momentum
                running_var += (momentum * unbiased).astype(running_var.dtype)
        else:
            mean = _channel(running_mean.astype(np.float64), x.ndim)
            var = _channel(running_var.astype(np.float64), x.ndim)
        invstd = 1.0 / np.sqrt(var + eps)
        scale = invstd if w is None else invstd * _channel(w, x.ndim)
        shift = -mean * scale if b is None else _channel(b, x.ndim) - mean * scale
        ctx.training, ctx.eps = training, eps
        ctx.save_for_backward(x, w)
        ctx.stats = _saved_stats(x, axes, eps) if training else \
            (running_mean.copy(), running_var.copy())
        out = (x * scale + shift).astype(x.dtype)
        # torch allocates the result in x's suggested memory format: channels-last for a
        # channels-last 4-D/5-D x, else row-major (whatever x's own strides)
        return out if x.ndim in (4, 5) and _channels_last(x) else row_major(out)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        mask = (needs[0], needs[1], needs[2])
        grads = NativeBatchNormBackwardBackward0.apply(grad, x, w, ctx.stats, None,
                                                       ctx.training, ctx.eps, mask)
        return tuple(g if m else None for g, m in zip(grads, mask)) + (None,) * 5


def _saved_stats(x, axes, eps):
    """(mean, invstd) per channel as torch's CPU kernel saves them: the sums in float64, the
    results in x's dtype (float32 for float16)."""
    acc = np.float32 if x.dtype == np.float16 else x.dtype
    wide = x.astype(np.float64)
    mean = (wide.sum(axis=axes) / (x.size // x.shape[1])).astype(acc)
    centred = x.astype(acc) - _channel(mean, x.ndim)
    var = (centred * centred).sum(axis=axes, dtype=np.float64) / (x.size // x.shape[1])
    return mean, (1.0 / np.sqrt(var + eps)).astype(acc)


def _train_grad(g, x, w, stats, mask):
    """(grad_x, grad_w, grad_b) of training-mode batch norm as torch's CPU kernel computes
    them, from its saved statistics, per channel (sums over the other dims, M values):
        s = Σ g,  dotp = Σ (x - mean) g,  k = dotp invstd² / M
        grad_x = (g - s / M - (x - mean) k) invstd w,   grad_w = dotp invstd,   grad_b = s"""
    axes = (0,) + tuple(range(2, x.ndim))
    acc = np.dtype(np.float32) if x.dtype == np.float16 else x.dtype
    count = acc.type(x.size // x.shape[1])
    mean, invstd = (_channel(v, x.ndim) for v in stats)
    g, centred = g.astype(acc, copy=False), x.astype(acc, copy=False) - mean
    total = g.sum(axis=axes, keepdims=True)
    dotp = (centred * g).sum(axis=axes, keepdims=True)
    unwanted = np.empty(0, x.dtype)
    grad_x = unwanted
    if mask[0]:
        k = dotp * invstd * invstd / count
        grad_x = (g - total / count - centred * k) * invstd
        grad_x = (grad_x if w is None else grad_x * _channel(w, x.ndim)).astype(x.dtype)
    grad_w = (dotp * invstd).reshape(-1).astype(x.dtype) if mask[1] else unwanted
    grad_b = total.reshape(-1).astype(x.dtype) if mask[2] else unwanted
    return grad_x, grad_w, grad_b


class NativeBatchNormBackwardBackward0(Function):
    """torch's native_batch_norm_backward as one node: (grad_x, grad_w, grad_b) for the output
    gradient g (the module docstring's formulas; in training as torch's kernel computes them,
    from its saved statistics), each where ``mask`` asks for it. Its inputs are (g, x, w,
    saved statistics): every output requires grad when g, x or w does, as in torch.

    Double backward: torch's, from the saved statistics (ops/_norm_double_backward.py; the
    running ones, fixed, in eval mode)."""

    n_outputs = 3
    edge_args = (0, 1, 2, 3, 4)   # grad_output, input, weight, save_mean, save_invstd

    @staticmethod
    def forward(ctx, g, x, w, stats, unused, training, eps, mask):
        """``stats``: the saved (mean, invstd) in training, else the running (mean, var)."""
        ctx.save_for_backward(g, x, w)
        ctx.stats, ctx.training, ctx.eps = stats, training, eps
        if training:
            return _train_grad(g, x, w, stats, mask)
        with grad_mode.no_grad():
            grads = _norm_grad(_make(g), _make(x), None if w is None else _make(w),
                               (0,) + tuple(range(2, x.ndim)), x.shape, eps, False,
                               tuple(_make(a) for a in stats))
        return tuple(r._data if m else np.empty(0, x.dtype) for r, m in zip(grads, mask))

    @staticmethod
    def backward(ctx, ggx, ggw, ggb):
        g, x, w = ctx.saved_tensors
        gg, gx, gw = batch_norm_double_backward(g, x, w, (ggx, ggw, ggb), ctx.stats,
                                                ctx.training, ctx.eps, ctx.needs_input_grad)
        return gg, gx, gw, None, None, None, None, None


class NativeGroupNormBackward0(Function):
    """y = (x - mean) * invstd * w + b, statistics per (sample, group of channels)."""

    @staticmethod
    def forward(ctx, x, w, b, groups, eps):
        n = x.shape[0]
        xv = x.reshape(n, groups, -1)
        mean, var = _stats(xv, (2,))
        xhat = ((xv - mean) / np.sqrt(var + eps)).reshape(x.shape)
        if w is not None:
            xhat = xhat * _channel(w, x.ndim)
        if b is not None:
            xhat = xhat + _channel(b, x.ndim)
        ctx.groups, ctx.eps = groups, eps
        ctx.save_for_backward(x, w)
        return xhat.astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        shape = (x.shape[0], ctx.groups, -1)
        gx, gw, gb = _norm_grad(grad, x, w, (2,), shape, ctx.eps, True, None)
        return gx, gw, gb, None, None


def _check_channels(name, vector, channels):
    if vector is not None and vector.numel() != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {vector.numel()}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    """Normalize each channel (dim 1) over the other dims; see the module docstring."""
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode")
    if training:
        count = input.numel() // input.shape[1] if input.ndim > 1 else 1
        if count <= 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
    channels = input.shape[1]
    for name, v in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channels(name, v, channels)
    return NativeBatchNormBackward0.apply(
        input, weight, bias, None if running_mean is None else running_mean._data,
        None if running_var is None else running_var._data, bool(training),
        0.0 if momentum is None else momentum, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Normalize each (sample, group of channels) over its values."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and v.numel() != input.shape[1]:
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape "
                               f"{list(v.shape)} and input of shape {list(input.shape)}")
    return NativeGroupNormBackward0.apply(input, weight, bias, num_groups, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-05):
    """Batch norm of input viewed as (1, N * C, *S); running statistics averaged over N."""
    if use_input_stats:
        spatial = input.numel() // (input.shape[0] * input.shape[1])
        if spatial <= 1:
            raise ValueError("Expected more than 1 spatial element when training, got input "
                             f"size {input.shape}")
    n, c = input.shape[:2]
    shape = (1, n * c) + tuple(input.shape[2:])
    repeat = (lambda v: None if v is None else v.repeat(n))
    rm, rv = repeat(running_mean), repeat(running_var)
    out = batch_norm(input.reshape(shape), rm, rv, repeat(weight), repeat(bias),
                     use_input_stats, momentum, eps)
    for running, repeated in ((running_mean, rm), (running_var, rv)):
        if running is not None and use_input_stats:
            running._data[...] = repeated._data.reshape(n, c).mean(0)
    return out.view(input.shape)


def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over ``size`` neighbouring channels)^beta (torch's recipe)."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if input.ndim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


def _bn_sample(rng, dtype):
    x = rng.standard_normal((4, 3, 5)).astype(dtype)
    w, b = rng.standard_normal(3).astype(dtype), rng.standard_normal(3).astype(dtype)
    yield [x, None, None, w, b], {"training": True}     # (running statistics: test_norm.py)


def _gn_sample(rng, dtype):
    x = rng.standard_normal((2, 4, 3, 2)).astype(dtype)
    yield [x, 2, rng.standard_normal(4).astype(dtype), rng.standard_normal(4).astype(dtype)], {}


def _in_sample(rng, dtype):
    yield [rng.standard_normal((2, 3, 6)).astype(dtype)], {}


def _lrn_sample(rng, dtype):
    yield [rng.standard_normal((2, 5, 4)).astype(dtype), 3], {}
    yield [rng.standard_normal((2, 5, 3, 2)).astype(dtype), 2], {}


register("batch_norm", nodes=("NativeBatchNormBackward0",), forms=("functional",),
         args=("input", "running_mean", "running_var", "weight", "bias"), family="normalization",
         sample=_bn_sample)(batch_norm)
register("group_norm", nodes=("NativeGroupNormBackward0",), forms=("functional",),
         args=("input", "num_groups", "weight", "bias"), family="normalization",
         sample=_gn_sample)(group_norm)
register("instance_norm", nodes=("ViewBackward0",), forms=("functional",),
         family="normalization", sample=_in_sample)(instance_norm)
register("local_response_norm", nodes=("DivBackward0",), forms=("functional",),
         family="normalization", sample=_lrn_sample)(local_response_norm)
