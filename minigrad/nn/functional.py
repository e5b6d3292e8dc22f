"""``nn.functional``: layers and losses as plain functions.

The ops with their own graph node (softmax, log_softmax, mse_loss, nll_loss, the binary cross
entropies) are written like ``ops/elementwise.py``: a ``Function`` named like torch's grad_fn,
forward in NumPy (numerically stable forms), backward in minigrad ops, the derivative in the
docstring. ``N`` below is the number of elements averaged by ``reduction='mean'``.

The others are compositions of existing ops, as in torch: ``linear`` is ``addmm``, ``l1_loss``
is ``abs`` then ``mean``, ``cross_entropy`` is ``log_softmax`` then ``nll_loss``, ``dropout``
multiplies by a random mask.
"""
import math
import warnings

import numpy as np

from .. import _buffers, _dtype, _generator
from .. import _seam as seam
from .._layout import non_overlapping_and_dense
from .._tensor import _make
from ..autograd import formulas
from ..autograd.function import Function
from ..ops.elementwise import (AbsBackward0, ClampMaxBackward0, ClampMinBackward0, ExpBackward0,
                               Log1PBackward0, LogBackward0, SigmoidBackward0, _broadcast_error)
from ..ops.linalg import addmm
from ..ops.softmax import LogSoftmaxBackward0, SoftmaxBackward0, softmax_args

__all__ = [
    "linear", "relu", "relu_", "sigmoid", "tanh", "softmax", "log_softmax", "dropout",
    "mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "nll_loss", "one_hot", "flatten", "identity",
]


# ---- reduction argument -----------------------------------------------------------------------
def _reduction(reduction, size_average=None, reduce=None):
    """The reduction string, also from torch's deprecated size_average/reduce flags."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if reduce and size_average else ("sum" if reduce else "none")
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                      f"{reduction}' instead.", UserWarning, stacklevel=3)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    """Apply 'mean' / 'sum' / 'none' to a NumPy array of per-element losses."""
    if reduction == "none":
        return loss
    # np.add.reduce is what ndarray.sum/.mean call, minus their Python wrappers; float16
    # accumulates in float32 as they (and torch) do; mean divides the sum by the count
    total = np.add.reduce(loss, axis=None, dtype=np.float32 if loss.dtype == np.float16
                          else None)
    if reduction == "mean" and loss.size:
        total = total / loss.size
    elif reduction == "mean":
        with np.errstate(invalid="ignore"):  # an empty loss: 0 / 0 = nan, as torch gives
            total = total / 0
    return np.asarray(total, dtype=loss.dtype)


def _scale(ctx):
    """1/N for 'mean', 1 otherwise (the factor a reduced loss's gradient carries). With no
    elements it is inf, as torch's double division gives (the gradient is empty anyway)."""
    if ctx.reduction != "mean":
        return 1.0
    return 1.0 / ctx.numel if ctx.numel else math.inf


def _warn_target_size(input, target, stacklevel=3):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", UserWarning, stacklevel=stacklevel)


def _broadcast_shape(a, b):
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise _broadcast_error(a, b) from None


# ---- activations --------------------------------------------------------------------------------
def relu(input, inplace=False):
    return input.relu_() if inplace else input.relu()


def relu_(input):
    return input.relu_()


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def identity(input):
    return input


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim`` (computed stably)."""
    input, dim = softmax_args(input, dim, dtype, "softmax", _stacklevel)
    return SoftmaxBackward0.apply(input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, without overflow for huge logits."""
    input, dim = softmax_args(input, dim, dtype, "log_softmax", _stacklevel)
    return LogSoftmaxBackward0.apply(input, dim)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only).

    The mask is ``bernoulli(1 - p) / (1 - p)`` drawn from the global generator, as torch does
    on CPUs without MKL (see ``_generator.dropout_mask``); the result is ``input * mask``.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0 or input.numel() == 0:
        return input
    mask = _make(_mask_in_memory_order(input._data, p))
    return input.mul_(mask) if inplace else input * mask


@seam.replayed  # (minigrad.compile draws the mask again on replay)
def _mask_in_memory_order(data, p):
    """dropout's mask, drawn in the order data's elements lie in memory (torch draws into
    ``empty_like(input)``, which keeps a permuted dense layout, e.g. a transposed view's)."""
    strides = data.strides
    if data.flags.c_contiguous or not non_overlapping_and_dense(data):
        return _generator.dropout_mask(data.shape, p, data.dtype)
    order = sorted(range(data.ndim), key=lambda d: -strides[d])      # outermost first
    drawn = _generator.dropout_mask(tuple(data.shape[d] for d in order), p, data.dtype)
    return np.transpose(drawn, np.argsort(order))


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def linear(input, weight, bias=None):
    """y = x W^T + b: ``addmm(b, x, W.t())`` for 2-D x; other ranks go through a 2-D view."""
    if input.ndim == 2:
        if bias is None:
            return input.mm(weight.t())
        return addmm(bias, input, weight.t())
    if bias is not None and input.ndim >= 1 and input.is_contiguous():
        lead = tuple(input.shape[:-1])
        out = linear(input.reshape(-1, input.shape[-1]), weight, bias)
        return out.view(*lead, out.shape[-1])
    out = input.matmul(weight.t())
    return out if bias is None else out + bias


def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape (*, num_classes) with a 1 at each index."""
    if tensor.dtype != _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor._data
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size:
        if idx.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if idx.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return _make(out)


# ---- regression losses --------------------------------------------------------------------------
class MseLossBackward0(Function):
    """loss = reduce((x - t)²)        grad_x = 2 (x - t) / N * grad        grad_t = -grad_x"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, t, reduction):
        diff = x - t
        ctx.reduction, ctx.numel = reduction, diff.size
        ctx.save_for_backward(x, t)
        formulas.on_tensors_if_mixed(ctx, diff.dtype, x, t)
        return _reduce(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        grad_x = (x - t) * (2.0 * _scale(ctx)) * grad
        return grad_x, -grad_x, None


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error; a target of a different size broadcasts, with torch's warning."""
    same_shape = target.shape == input.shape
    if not same_shape:
        _warn_target_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    if not same_shape:
        _broadcast_shape(input._data, target._data)
    dtype = input._data.dtype
    if target._data.dtype != dtype or dtype.kind != "f":   # one floating dtype: nothing to check
        dt = _dtype.promote_types(input.dtype, target.dtype)
        if not dt.is_floating_point:
            raise NotImplementedError(f"\"mse_cpu\" not implemented for '{dt.short_name}'")
    if weight is not None:
        return _reduce_tensor(weight * (input - target) ** 2, reduction)
    return MseLossBackward0.apply(input, target, reduction)


def _reduce_tensor(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error: ``(input - target).abs()`` then the reduction."""
    _warn_target_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    loss = (input - target).abs()
    return _reduce_tensor(loss if weight is None else loss * weight, reduction)


# ---- binary classification losses --------------------------------------------------------------
def _weight_array(weight, shape, dtype):
    return None if weight is None else np.broadcast_to(weight._data, shape).astype(dtype)


_BCE_EPS = float(np.float32(1e-12))  # torch's EPSILON is a C++ float


class BinaryCrossEntropyBackward0(Function):
    """loss = -w (t log x + (1 - t) log(1 - x)), each log clamped at -100

    grad_x = grad * w (x - t) / max(x (1 - x), eps) / N      (eps = float32(1e-12))
    grad_t = grad * w (log(1 - x) - log x) / N
    """

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, t, weight, reduction):
        if np.any((x < 0) | (x > 1)):
            raise RuntimeError("all elements of input should be between 0 and 1")
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = -(t * log_x + (1 - t) * log_1mx)
        if weight is not None:
            loss = loss * weight
        ctx.reduction, ctx.numel = reduction, loss.size
        ctx.save_for_backward(x, t, weight)
        formulas.on_tensors_if_mixed(ctx, x.dtype, t)
        return _reduce(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t, w = ctx.saved_tensors
        scale = _scale(ctx) if w is None else w * _scale(ctx)
        grad_x = grad_t = None
        call = formulas.call
        if ctx.needs_input_grad[0]:
            grad_x = (x - t) / call(ClampMinBackward0, (1 - x) * x, _BCE_EPS, None) * scale * grad
        if ctx.needs_input_grad[1]:
            log_1mx = call(ClampMinBackward0, call(Log1PBackward0, -x), -100, None)
            grad_t = (log_1mx - call(ClampMinBackward0, call(LogBackward0, x), -100, None)) \
                * scale * grad
        return grad_x, grad_t, None, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(t log x + (1 - t) log(1 - x)) for probabilities x in [0, 1]."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    if weight is not None:
        weight = _make(_weight_array(weight, input._data.shape, input._data.dtype))
    return BinaryCrossEntropyBackward0.apply(input, target, weight, reduction)


def _log_sigmoid(x):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), NumPy, no overflow."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


class BinaryCrossEntropyWithLogitsBackward0(Function):
    """loss = w ((1 - t) x - (1 + (pw - 1) t) log sigmoid(x))      (stable for any logit x)

    grad_x = grad * w ((1 + (pw - 1) t) sigmoid(x) - pw t) / N
    grad_t = grad * w (-x - (pw - 1) log sigmoid(x)) / N
    """

    unpack_order = (3, 0, 1, 2)  # torch: pos_weight, self, target, weight

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, t, weight, pos_weight, reduction):
        log_sig = _log_sigmoid(x)
        if pos_weight is not None:
            log_sig = log_sig * ((pos_weight - 1) * t + 1)
        loss = (1 - t) * x - log_sig
        if weight is not None:
            loss = loss * weight
        ctx.reduction, ctx.numel = reduction, loss.size
        ctx.save_for_backward(x, t, weight, pos_weight)
        formulas.on_tensors_if_mixed(ctx, x.dtype, t, pos_weight)
        return _reduce(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t, w, pw = ctx.saved_tensors
        scale = _scale(ctx) if w is None else w * _scale(ctx)
        grad_x = grad_t = None
        call = formulas.call
        if ctx.needs_input_grad[0]:
            if pw is None:
                d = call(SigmoidBackward0, x) - t
            else:
                d = ((pw - 1) * t + 1) * call(SigmoidBackward0, x) - pw * t
            grad_x = d * scale * grad
        if ctx.needs_input_grad[1]:
            d = -x
            if pw is not None:  # log sigmoid(x) = min(x, 0) - log1p(exp(-|x|))
                log_sig = call(ClampMaxBackward0, x, None, 0) - call(
                    Log1PBackward0, call(ExpBackward0, -call(AbsBackward0, x)))
                d = d - (pw - 1) * log_sig
            grad_t = d * scale * grad
        return grad_x, grad_t, None, None, None


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    if weight is not None:
        weight = _make(_weight_array(weight, input._data.shape, input._data.dtype))
    return BinaryCrossEntropyWithLogitsBackward0.apply(input, target, weight, pos_weight,
                                                       reduction)


# ---- multi-class losses -------------------------------------------------------------------------
def _check_class_target(input, target):
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if target.dtype not in (_dtype.int64, _dtype.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{target.dtype.short_name}")
    shape, target_shape = tuple(input.shape), tuple(target.shape)
    if len(shape) >= 2 and (not target_shape or target_shape[0] != shape[0]):
        n = target_shape[0] if target_shape else 1
        raise ValueError(f"Expected input batch_size ({shape[0]}) to match target "
                         f"batch_size ({n}).")
    expected = shape[:1] + shape[2:] if len(shape) >= 2 else ()
    if target_shape != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target_shape)}")


class NllLossBackward0(Function):
    """loss_i = -w[t_i] x[i, t_i]  (0 where t_i == ignore_index);  'mean' divides the sum by
    sum_i w[t_i] (over kept i)

    grad_x[i, t_i] = -w[t_i] * grad_i  (divided by that total weight for 'mean'), 0 elsewhere
    """

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, target, weight, reduction, ignore_index):
        class_dim = 0 if x.ndim == 1 else 1
        last = class_dim == x.ndim - 1
        xs = x if last else np.moveaxis(x, class_dim, -1)         # classes last: (..., C)
        n_classes = xs.shape[-1]
        keep = target != ignore_index
        bad = keep & ((target < 0) | (target >= n_classes))
        if bad.any():
            raise IndexError(f"Target {target[bad].flat[0]} is out of bounds.")
        safe = np.where(keep, target, 0).astype(np.int64)
        w = keep.astype(x.dtype) if weight is None else np.where(keep, weight[safe], 0)
        w = w.astype(x.dtype, copy=False)
        rows = np.arange(safe.size)                  # one row of C classes per target
        picked = xs.reshape(-1, n_classes)[rows, safe.reshape(-1)].reshape(safe.shape)
        loss = -w * picked
        coef = -w
        if reduction == "mean":
            total = w.sum()
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.asarray(loss.sum() / total, dtype=x.dtype)
                coef = coef / total if total != 0 else coef
        elif reduction == "sum":
            out = np.asarray(loss.sum(), dtype=x.dtype)
        else:
            out = loss
        # (zeros in a kept array up to 1 MiB; larger, np.zeros' fresh pages are zero already,
        # and only those the targets touch get mapped)
        zeros = _buffers.zeros if safe.size * n_classes * x.itemsize <= 1 << 20 else np.zeros
        grad_coef = zeros((safe.size, n_classes), x.dtype)
        grad_coef[rows, safe.reshape(-1)] = coef.reshape(-1)
        grad_coef = grad_coef.reshape(xs.shape)
        ctx.coef = grad_coef if last else np.moveaxis(grad_coef, -1, class_dim)
        ctx.class_dim, ctx.reduction = class_dim, reduction
        return out

    @staticmethod
    def backward(ctx, grad):
        if ctx.reduction == "none" and grad.ndim:
            grad = formulas.unsqueeze(grad, ctx.class_dim)
        return grad * formulas.constant(ctx.coef), None, None, None, None


class NllLoss2DBackward0(NllLossBackward0):
    """nll_loss for inputs with spatial dims (N, C, d1, ...): same formula as NllLossBackward0"""


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood: ``-input[i, target[i]]`` (input holds log-probabilities)."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_class_target(input, target)
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    if weight is not None and tuple(weight.shape) != (n_classes,):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    cls = NllLoss2DBackward0 if input.ndim >= 3 else NllLossBackward0
    w = None if weight is None else weight._data
    return cls.apply(input, target._data, w, reduction, ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim, then nll_loss (class indices) or -sum(p log q)
    (class probabilities: a float target of the input's shape); optional label smoothing."""
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    logp = log_softmax(input, class_dim)
    if target.shape == input.shape:
        if ignore_index != -100:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim)
    loss = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return loss
    # torch's cross_entropy_loss_label_smoothing: mix in the loss against the uniform target
    keep = target._data != ignore_index
    smooth = -(logp if weight is None else logp * _class_weight(weight, input.ndim, class_dim))
    smooth = smooth.sum(class_dim).masked_fill(_make(~keep), 0.0)   # no NaN from ignored rows
    if reduction == "mean":
        if weight is None:
            smooth = smooth.sum() / int(keep.sum())
        else:
            smooth = smooth.sum() / float(weight._data[target._data[keep]].sum())
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * loss + smooth * (label_smoothing / n_classes)


def _class_weight(weight, ndim, class_dim):
    """weight (C,) shaped to broadcast along the class dim of an ndim-dim input."""
    if ndim <= 2:
        return weight
    return weight.reshape((-1,) + (1,) * (ndim - class_dim - 1))


def _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim):
    if not target.is_floating_point():
        raise RuntimeError("Expected floating point type for target with class probabilities, "
                           f"got {target.dtype.short_name}")
    n_classes = logp.shape[class_dim]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        prod = prod * _class_weight(weight, logp.ndim, class_dim)
    if reduction == "mean":
        return -prod.sum() / (logp.numel() // n_classes)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum(class_dim)


# activations declared in ops/activation.py reach this module through the registry; the
# in-place spellings torch also has are plain names here
from ..ops.activation import celu_, elu_, hardtanh_, leaky_relu_, selu_, threshold_  # noqa: E402,F401
from ._multi_head import multi_head_attention_forward  # noqa: E402,F401
from ._losses_more import *  # noqa: E402,F401,F403  (kl_div, smooth_l1_loss, triplet_margin_loss, ...)
from ._losses_more import __all__ as _losses_more_all  # noqa: E402

__all__ += _losses_more_all
from ..ops.rrelu import rrelu_  # noqa: E402,F401  (rrelu, bilinear, ... come from the registry)
