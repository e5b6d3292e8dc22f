"""clamp, maximum / minimum, fmax / fmin, where, lerp: ops that pick or blend their inputs.

Each class: the op and its derivative in one line, then ``forward`` on ndarrays and ``backward``
in minigrad ops. Ties keep the first operand as torch's kernels do (``_compat._maximum``).
"""

import numpy as np

from .. import _dtype
from .._dtype import promote_values
from .._layout import in_torch_layout
from .._tensor import Tensor
from ..autograd import formulas
from ..autograd.function import Function
from .registry import declare
from ._compat import (_binary_dtype, _cast, _broadcast_error, _binary, _maximum, _minimum, _fmax,
                      _fmin, _check_not_bool, _tensor_or_scalar)

__all__ = ["clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "fmax", "fmin",
           "where", "lerp"]


class ClampBackward1(Function):
    """out = min(max(x, lo), hi)        grad_x = grad where lo <= x <= hi, else 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        dt = promote_values(x, *[v for v in (lo, hi) if v is not None])
        formulas.on_tensors_if_mixed(ctx, dt, x, lo, hi)
        out = _cast(x, dt)
        if lo is not None:
            out = _maximum(out, lo, dtype=dt)
        if hi is not None:
            out = _minimum(out, hi, dtype=dt)
        return out if out is not x else x.copy()

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        mask = None
        if ctx.lo is not None:
            mask = x >= ctx.lo
        if ctx.hi is not None:
            m = x <= ctx.hi
            mask = m if mask is None else mask & m
        return formulas.where(mask, grad, 0.0), None, None


class ClampBackward0(Function):
    """out = min(max(x, lo), hi) with tensor bounds   grad_x = grad where lo <= x <= hi
    grad_lo = grad where x < lo < hi        grad_hi = grad where x > hi or lo > hi
    (where lo > hi the output is hi, so hi takes the gradient; where lo == hi > x, nobody)"""

    unpack_order = (2, 1, 0)  # torch unpacks max, min, self

    numpy_backward = True

    edge_args = (0, 1, 2)  # a missing bound is (None, 0)

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        dt = promote_values(x, *[v for v in (lo, hi) if v is not None])
        formulas.on_tensors_if_mixed(ctx, dt, x, lo, hi)
        out = _cast(x, dt)
        if lo is not None:
            out = _maximum(out, _cast(lo, dt))
        if hi is not None:
            out = _minimum(out, _cast(hi, dt))
        return out

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.saved_tensors
        below = x < lo if lo is not None else None
        above = x > hi if hi is not None else None
        keep = x >= lo if lo is not None else None
        if hi is not None:
            keep = x <= hi if keep is None else keep & (x <= hi)
        if lo is not None and hi is not None:  # torch: lo gets nothing unless lo < hi
            below = below & (lo < hi)
            above = above | (lo > hi)
        where = formulas.where
        return (where(keep, grad, 0.0), where(below, grad, 0.0) if below is not None else None,
                where(above, grad, 0.0) if above is not None else None)


class ClampMinBackward0(ClampBackward1):
    """out = max(x, lo) (lo a number)        grad_x = grad where x >= lo"""


class ClampMaxBackward0(ClampBackward1):
    """out = min(x, hi) (hi a number)        grad_x = grad where x <= hi"""


class ClampMinBackward1(ClampBackward0):
    """out = max(x, lo) (lo a tensor)   grad_x = grad where x >= lo   grad_lo = grad where x < lo"""

    edge_args = None


class ClampMaxBackward1(ClampBackward0):
    """out = min(x, hi) (hi a tensor)   grad_x = grad where x <= hi   grad_hi = grad where x > hi"""

    edge_args = None


def _pairwise_forward(ctx, kernel, a, b):
    """The forward of maximum / minimum / fmax / fmin: kernel(a, b) in the promoted dtype, the
    operands saved for the backward."""
    ctx.save_for_backward(a, b)
    dt = _binary_dtype(a, b)
    formulas.on_tensors_if_mixed(ctx, dt, a, b)
    return _binary(kernel, a, b, dt)


def _split_at_ties(grad, a, b, a_loses, b_loses):
    """(grad_a, grad_b): grad to the side that does not lose, halved where a == b."""
    shared = formulas.where(a == b, grad / 2, grad)
    return formulas.where(a_loses, 0.0, shared), formulas.where(b_loses, 0.0, shared)


def _to_the_winner(grad, a_wins):
    """(grad_a, grad_b): grad to a where a_wins, else to b."""
    return formulas.where(a_wins, grad, 0.0), formulas.where(a_wins, 0.0, grad)


class MaximumBackward0(Function):
    """out = max(a, b)     grad_a = grad where a > b, grad/2 where a == b   (b likewise)
    (a nan propagates, and both sides then take the whole grad, as in torch)"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        return _pairwise_forward(ctx, _maximum, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_at_ties(grad, a, b, a < b, a > b)


class MinimumBackward0(Function):
    """out = min(a, b)     grad_a = grad where a < b, grad/2 where a == b   (b likewise)"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        return _pairwise_forward(ctx, _minimum, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_at_ties(grad, a, b, a > b, a < b)


class FmaxBackward0(Function):
    """out = fmax(a, b) (nan loses)    grad_a = grad where a >= b or b is nan    grad_b = rest"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        return _pairwise_forward(ctx, _fmax, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _to_the_winner(grad, (a >= b) | formulas.isnan(b))


class FminBackward0(Function):
    """out = fmin(a, b) (nan loses)    grad_a = grad where a <= b or b is nan    grad_b = rest"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        return _pairwise_forward(ctx, _fmin, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _to_the_winner(grad, (a <= b) | formulas.isnan(b))


class WhereBackward0(Function):
    """out = cond ? a : b        grad_a = grad where cond        grad_b = grad where not cond"""

    numpy_backward = True

    edge_args = (1, 2)  # the condition gets no edge; a number does

    @staticmethod
    def forward(ctx, cond, a, b):
        if cond.dtype != np.bool_:
            if cond.dtype == np.uint8:
                cond = cond.astype(bool)
            else:
                name = _dtype.from_numpy_dtype(cond.dtype).short_name
                raise RuntimeError("where expected condition to be a boolean tensor, but got a "
                                   f"tensor with dtype {name}")
        ctx.save_for_backward(cond)
        dt = promote_values(a, b)
        _check_not_bool(dt, "lerp_kernel_scalar")
        try:
            out = np.where(cond, _cast(a, dt), _cast(b, dt)).astype(dt, copy=False)
            return in_torch_layout(out, cond, a, b)
        except ValueError:
            raise _broadcast_error(cond, np.broadcast_to(a, np.shape(b)) if False else a) from None

    @staticmethod
    def backward(ctx, grad):
        cond, = ctx.saved_tensors
        return None, formulas.where(cond, grad, 0.0), formulas.where(cond, 0.0, grad)


def _lerp(a, b, w):
    dt = promote_values(a, b)
    out = (_cast(a, dt) + _cast(w, dt) * (_cast(b, dt) - _cast(a, dt))).astype(dt)
    return in_torch_layout(out, a, b, w)


class LerpBackward0(Function):
    """out = a + w * (b - a)      grad_a = grad * (1 - w)   grad_b = grad * w"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.weight = w  # a number: a and b are not saved
        out = _lerp(a, b, w)
        formulas.on_tensors_if_mixed(ctx, out.dtype, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * (1 - ctx.weight), grad * ctx.weight, None


class LerpBackward1(Function):
    """out = a + w * (b - a), w a tensor    grad_a = grad * (1 - w)   grad_b = grad * w
    grad_w = grad * (b - a)"""

    unpack_order = (1, 0, 2)  # torch unpacks end, self, weight

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b, w):
        need_ab, need_w = any(ctx.needs_input_grad[:2]), ctx.needs_input_grad[2]
        ctx.save_for_backward(a if need_w else None, b if need_w else None,
                              w if need_ab else None)
        out = _lerp(a, b, w)
        formulas.on_tensors_if_mixed(ctx, out.dtype, a, b, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, w = ctx.saved_tensors
        return ((grad * (1 - w), grad * w) if w is not None else (None, None)) + (
            grad * (b - a) if a is not None else None,)


# ---- the public functions --------------------------------------------------------------------
def clamp(input, min=None, max=None):
    """min(max(input, min), max); ClampBackward1 for number bounds, ClampBackward0 for tensors"""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return ClampBackward0.apply(input, min, max)
    return ClampBackward1.apply(input, min, max)


clip = clamp


def clamp_min(input, min):
    """max(input, min)"""
    return (ClampMinBackward1 if isinstance(min, Tensor) else ClampMinBackward0).apply(
        input, min, None)


def clamp_max(input, max):
    """min(input, max)"""
    return (ClampMaxBackward1 if isinstance(max, Tensor) else ClampMaxBackward0).apply(
        input, None, max)


def maximum(input, other):
    return MaximumBackward0.apply(input, other)


def minimum(input, other):
    return MinimumBackward0.apply(input, other)


def fmax(input, other):
    return FmaxBackward0.apply(input, other)


def fmin(input, other):
    return FminBackward0.apply(input, other)


def where(condition, input=None, other=None):
    """condition ? input : other (numbers allowed for input/other)"""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    return WhereBackward0.apply(condition, _tensor_or_scalar(input), _tensor_or_scalar(other))


def lerp(input, end, weight):
    """input + weight * (end - input)"""
    cls = LerpBackward1 if isinstance(weight, Tensor) else LerpBackward0
    return cls.apply(input, end, weight)


# ---- what each op is to the tests, the fuzzer and the docs (ops/registry.py) --------------------
def _clamp_sample(rng, dtype):
    for shape in ((), (3,), (2, 3)):
        yield [np.asarray(rng.standard_normal(shape), dtype)], {"min": -0.5, "max": 0.5}


def _where_sample(rng, dtype):
    for shape in ((), (3,), (2, 3)):
        yield [np.asarray(rng.random(shape) < 0.5), np.asarray(rng.standard_normal(shape), dtype),
               np.asarray(rng.standard_normal(shape), dtype)], {}


_WITH_INPLACE = ("function", "method", "inplace")
declare("clamp", clamp, nodes=("ClampBackward1", "ClampBackward0"), aliases=("clip",),
        args=("input", "min", "max"), kinks=(-0.5, 0.5), forms=_WITH_INPLACE, family="binary",
        sample=_clamp_sample)
for _name, _fn, _node in (("maximum", maximum, "MaximumBackward0"),
                          ("minimum", minimum, "MinimumBackward0"),
                          ("fmax", fmax, "FmaxBackward0"), ("fmin", fmin, "FminBackward0")):
    declare(_name, _fn, nodes=(_node,), args=("input", "other"), family="binary",
            notes="ties (a == b) split the gradient in half")
declare("lerp", lerp, nodes=("LerpBackward1", "LerpBackward0"), args=("input", "end", "weight"),
        forms=_WITH_INPLACE, family="binary")
declare("where", where, nodes=("WhereBackward0",), args=("condition", "input", "other"),
        forms=("function",), family="binary", sample=_where_sample)
