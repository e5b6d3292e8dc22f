"""More losses of ``nn.functional``: divergence, robust regression, ranking and embedding,
margin and likelihood losses.

Most are compositions of existing ops, written in torch's order so that the graph records
torch's nodes (``kl_div`` is ``xlogy(t, t) - t x`` then the reduction, ``triplet_margin_loss``
is ``clamp_min(margin + d(a, p) - d(a, n), 0)``, ...). Smooth L1, Huber, soft margin,
multi-margin and multi-label margin have nodes of their own (``_loss_nodes.py``). A number
subtracted from a tensor (``1 - cos``) is written as a filled tensor minus it, as torch's C++
code does, and a number added to one goes through ``add_scalar`` (torch's Scalar overload).
"""
import math
import warnings

from .. import _dtype
from ..autograd.grad_mode import no_grad
from ..ops import distance
from ..ops.activation import logsigmoid
from ..ops.distance import add_scalar, sub_scalar
from ..ops.registry import arr, case, cases, declare, idx
from . import _loss_nodes as nodes
from .functional import _reduce_tensor, _reduction, _warn_target_size

__all__ = [
    "kl_div", "smooth_l1_loss", "huber_loss", "margin_ranking_loss", "hinge_embedding_loss",
    "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
    "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
    "multilabel_margin_loss", "poisson_nll_loss", "gaussian_nll_loss",
]

_EPSILON = 1e-12    # what cosine_embedding_loss adds to each squared length


def _filled_minus(number, tensor):
    """``number - tensor`` as torch's C++ code computes it (a filled tensor, SubBackward0)."""
    return tensor.new_full(tuple(tensor.shape), number) - tensor


def _expanded(input, target):
    """input and target broadcast to one shape (each expanded only where it differs)."""
    return distance._broadcast_pair(input, target)


def _not_differentiable(name, target):
    if target.requires_grad:
        raise RuntimeError(f"The function '{name}' is not differentiable with respect to "
                           "argument 'target'. This input cannot have requires_grad True.")


# ---- divergence ---------------------------------------------------------------------------------
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target ‖ exp(input)) pointwise: t (log t - x) (or exp(t) (t - x) for a log target);
    'batchmean' sums and divides by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.", UserWarning, stacklevel=2)
    summed = reduction == "batchmean"
    reduction = _reduction("sum" if summed else reduction)
    if not (input.is_floating_point() and target.is_floating_point()):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target.xlogy(target) - target * input
    loss = _reduce_tensor(loss, reduction)
    return loss / input.shape[0] if summed and input.ndim != 0 else loss


# ---- robust regression --------------------------------------------------------------------------
def _promoted_pair(input, target, kernel):
    """input and target in their promoted dtype (a float one, else torch's error for the
    kernel): an integer target becomes float, as torch's kernels read it."""
    dt = _dtype.promote_types(input.dtype, target.dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt.short_name}'")
    return [x if x.dtype == dt else x.to(dt) for x in (input, target)]


def _in_input_dtype(input, target, kernel=None):
    """input and target in input's dtype, the dtype of torch's result for huber_loss and
    soft_margin_loss (a float target of another dtype is cast to it). ``kernel``: refuse two
    integer operands with that kernel's error first (huber's; soft margin computes in float)."""
    dt = _dtype.promote_types(input.dtype, target.dtype)
    if kernel is not None and not dt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt.short_name}'")
    dt = dt if dt.is_floating_point else _dtype.get_default_dtype()
    if not input.is_floating_point():
        raise RuntimeError(f"result type {dt.short_name.capitalize()} can't be cast to the "
                           f"desired output type {input.dtype.short_name.capitalize()}")
    return input, target if target.dtype == input.dtype else target.to(input.dtype)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d² / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target);
    beta = 0 is the L1 loss."""
    _warn_target_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _expanded(input, target)
    if beta == 0.0:
        return _reduce_tensor((input - target).abs(), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _promoted_pair(input, target, "smooth_l1_cpu")
    return nodes.SmoothL1LossBackward0.apply(input, target, reduction, float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d² where |d| < delta, delta (|d| - 0.5 delta) elsewhere; optional elementwise weight."""
    _warn_target_size(input, target)
    expanded = _expanded(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    expanded = _in_input_dtype(*expanded, "huber_cpu")
    if weight is None:
        return nodes.HuberLossBackward0.apply(*expanded, _reduction(reduction), float(delta))
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = nodes.HuberLossBackward0.apply(*expanded, "none", float(delta)) * weight
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                         "'sum'.")
    return _reduce_tensor(loss, reduction)


# ---- ranking and embedding losses ---------------------------------------------------------------
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target (input1 - input2) + margin): input1 should rank higher where target = 1."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce_tensor(add_scalar(-target * (input1 - input2), margin).clamp_min(0),
                          reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """input where target = 1, max(0, margin - input) where target = -1."""
    reduction = _reduction(reduction, size_average, reduce)
    zeros = input.new_zeros(tuple(input.shape))
    margin_part = _filled_minus(margin, input).clamp_min(0).where(target != 1, zeros)
    return _reduce_tensor(margin_part + input.where(target != -1, zeros), reduction)


def _check_cosine_embedding(input1, input2, target):
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    wanted = target.ndim + 1
    if input1.ndim != wanted or input2.ndim != wanted:
        raise RuntimeError(
            f"{target.ndim}D target tensor expects {wanted}D input tensors, but found inputs "
            f"with sizes {list(input1.shape)} and {list(input2.shape)}.")


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(input1, input2) where target = 1, max(0, cos - margin) where target = -1
    (cos from the squared lengths, each plus 1e-12)."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_cosine_embedding(input1, input2, target)
    dim = target.ndim
    lengths = [add_scalar((x * x).sum(dim), _EPSILON) for x in (input1, input2)]
    cos = (input1 * input2).sum(dim) / (lengths[0] * lengths[1]).sqrt()
    zeros = cos.new_zeros(tuple(cos.shape))
    similar = _filled_minus(1, cos).where(target == 1, zeros)
    dissimilar = sub_scalar(cos, margin).clamp_min(0).where(target == -1, zeros)
    return _reduce_tensor(similar + dissimilar, reduction)


def _check_triplet(anchor, positive, negative, margin):
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not a == p == n:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the pairwise p-distance;
    ``swap`` takes min(d(a, n), d(p, n)) as the negative distance."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_triplet(anchor, positive, negative, margin)
    near = distance.pairwise_distance(anchor, positive, p, eps)
    far = distance.pairwise_distance(anchor, negative, p, eps)
    if swap:
        far = far.minimum(distance.pairwise_distance(positive, negative, p, eps))
    return _reduce_tensor((add_scalar(near, margin) - far).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """triplet_margin_loss with any distance function (pairwise_distance by default)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _check_triplet(anchor, positive, negative, margin)
    measure = distance.pairwise_distance if distance_function is None else distance_function
    near, far = measure(anchor, positive), measure(anchor, negative)
    if swap:
        far = far.minimum(measure(positive, negative))
    return _reduce_tensor((margin + near - far).clamp_min(0), reduction)


# ---- margin losses for classification -----------------------------------------------------------
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target input)), targets ±1."""
    reduction = _reduction(reduction, size_average, reduce)
    _not_differentiable("soft_margin_loss", target)
    input, target = _in_input_dtype(*_expanded(input, target))
    return nodes.SoftMarginLossBackward0.apply(input, target, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """-(t log sigmoid(x) + (1 - t) log sigmoid(-x)), averaged over the classes (last dim)."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce_tensor(loss, reduction)


def _check_margin_input(input):
    shape = tuple(input.shape)
    if not ((len(shape) == 2 and shape[1] != 0) or (len(shape) == 1 and shape[0] != 0)
            or len(shape) == 0):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(shape)}")


def _check_long(target):
    if target.dtype != _dtype.int64:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.short_name}")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C per sample (p = 1 or 2)."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    _check_margin_input(input)
    classes = input.shape[-1] if input.ndim else 1
    rows = input.shape[0] if input.ndim == 2 else 1
    if target.ndim > 1 or target.numel() != rows:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{rows}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}.")
    _check_long(target)
    labels = target._data
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise RuntimeError("target out of range")
    w = None
    if weight is not None:
        if weight.numel() != classes:
            raise RuntimeError(f"inconsistent weight size, expected {classes} but got "
                               f"{list(weight.shape)}")
        if weight.dtype != input.dtype:
            raise RuntimeError(f"expected scalar type {input.dtype.short_name} but found "
                               f"{weight.dtype.short_name}")
        w = weight._data
    return nodes.MultiMarginLossBackward0.apply(input, labels, p, float(margin), w, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """sum over target classes j and other classes k of max(0, 1 - (x_j - x_k)) / C; each
    target row lists its classes and ends at the first -1."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_margin_input(input)
    _check_long(target)
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    labels = target._data
    classes = input.shape[-1] if input.ndim else 1
    if labels.size and (labels.min() < -1 or labels.max() >= classes):
        raise RuntimeError("argument #2 'target' is out of range")
    return nodes.MultilabelMarginLossBackward0.apply(input, labels, reduction)


# ---- likelihood losses --------------------------------------------------------------------------
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(x) - t x (log_input) or x - t log(x + eps); ``full`` adds Stirling's approximation
    t log t - t + 0.5 log(2π t) where t > 1."""
    reduction = _reduction(reduction, size_average, reduce)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * add_scalar(input, eps).log()
    if full:
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce_tensor(loss, reduction)


def _gaussian_variance(input, var):
    """var checked and shaped as torch's gaussian_nll_loss does (see its docstring)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return var * input.new_ones(tuple(input.shape))
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    in_shape, var_shape = tuple(input.shape), tuple(var.shape)
    if var_shape == in_shape:
        return var
    if in_shape[:-1] == var_shape:                     # one variance per row: (N, D) and (N,)
        return var.unsqueeze(-1)
    if input.ndim == var.ndim and sum(v for i, v in zip(in_shape, var_shape) if i != v) == 1:
        return var                                     # one dim of size 1 broadcasts
    raise ValueError("var is of incorrect size")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log var + (input - target)² / var) (+ 0.5 log 2π if ``full``), var clamped at eps
    outside the graph."""
    var = _gaussian_variance(input, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce_tensor(loss, reduction)



# ---- what each loss is to the tests, the fuzzer and the docs (ops/registry.py) -----------------
_REDUCED = ("MeanBackward0", "SumBackward0")
_PAIR = ("input", "target")
_TRIPLET = cases(case(arr(3, 4), arr(3, 4), arr(3, 4)),
                 case(arr(2, 3), arr(2, 3), arr(2, 3), swap=True, reduction="none"))
for _fn, _nodes, _args, _sample in (
        (kl_div, _REDUCED + ("DivBackward0", "SubBackward0", "MulBackward0"), _PAIR,
         cases(case(arr(3, 4), arr(3, 4, domain="probability"), reduction="batchmean"),
               case(arr(5), arr(5), reduction="sum", log_target=True),
               case(arr(2, 3), arr(2, 3, domain="probability"), reduction="none"))),
        (smooth_l1_loss, ("SmoothL1LossBackward0", "MeanBackward0"), _PAIR,
         cases(case(arr(3, 4), arr(3, 4)), case(arr(5), arr(5), reduction="sum", beta=0.5),
               case(arr(2, 3), arr(3), reduction="none", beta=2.0), case(arr(4), arr(4),
                                                                         beta=0.0))),
        (huber_loss, ("HuberLossBackward0",), _PAIR,
         cases(case(arr(3, 4), arr(3, 4)), case(arr(5), arr(5), reduction="none", delta=0.5))),
        (margin_ranking_loss, _REDUCED + ("ClampMinBackward0",), ("input1", "input2", "target"),
         cases(case(arr(4), arr(4), arr(4, domain="nonzero")),
               case(arr(2, 3), arr(2, 3), arr(2, 3, domain="nonzero"), margin=0.5,
                    reduction="none"))),
        (hinge_embedding_loss, _REDUCED + ("AddBackward0",), _PAIR,
         cases(case(arr(3, 4), arr(3, 4, domain="nonzero")),
               case(arr(5), idx(2, 5), margin=2.0, reduction="none"))),
        (cosine_embedding_loss, _REDUCED + ("AddBackward0",), ("input1", "input2", "target"),
         cases(case(arr(3, 4), arr(3, 4), idx(2, 3)),
               case(arr(4), arr(4), idx(2), margin=0.2, reduction="sum"))),
        (triplet_margin_loss, _REDUCED + ("ClampMinBackward0",),
         ("anchor", "positive", "negative"), _TRIPLET),
        (triplet_margin_with_distance_loss, _REDUCED + ("ClampMinBackward0",),
         ("anchor", "positive", "negative"), _TRIPLET),
        (soft_margin_loss, ("SoftMarginLossBackward0",), _PAIR,
         cases(case(arr(3, 4), idx(2, 3, 4)), case(arr(5), idx(2, 5), reduction="none"))),
        (multilabel_soft_margin_loss, _REDUCED + ("DivBackward0",), _PAIR,
         cases(case(arr(3, 4), arr(3, 4, domain="probability")),
               case(arr(2, 3), arr(2, 3, domain="probability"), reduction="none"))),
        (multi_margin_loss, ("MultiMarginLossBackward0",), _PAIR,
         cases(case(arr(3, 4), idx(4, 3)),
               case(arr(3, 4), idx(4, 3), p=2, margin=0.5, reduction="none"))),
        (multilabel_margin_loss, ("MultilabelMarginLossBackward0",), _PAIR,
         cases(case(arr(3, 4), idx(4, 3, 4)), case(arr(4), idx(4, 4), reduction="sum"))),
        (poisson_nll_loss, _REDUCED + ("SubBackward0", "AddBackward0"), _PAIR,
         cases(case(arr(3, 4), arr(3, 4, domain="positive")),
               case(arr(3, 4, domain="positive"), arr(3, 4, domain="positive"),
                    log_input=False, full=True, reduction="none"))),
        (gaussian_nll_loss, _REDUCED + ("MulBackward0",), ("input", "target", "var"),
         cases(case(arr(3, 4), arr(3, 4), arr(3, 4, domain="positive")),
               case(arr(3, 4), arr(3, 4), arr(3, domain="positive"), full=True,
                    reduction="sum")))):
    declare(_fn.__name__, _fn, nodes=_nodes, forms=("functional",), args=_args, family="loss",
            sample=_sample)
