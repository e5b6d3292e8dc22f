"""Arithmetic: add, sub, mul, div, remainder, fmod, pow (and their reflected forms).

Each class is named like torch's grad_fn. Its docstring gives the op and its derivative in one
line, in the style of torch's ``derivatives.yaml`` (``grad`` is the gradient flowing in from the
output); then ``forward`` on ndarrays and ``backward`` in minigrad ops. Broadcasting is undone by
the engine (it sums a gradient down to its input's shape), so the formulas are written as if
shapes were equal. Dtype, layout and torch's error texts come from ``_compat``.
"""
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import formulas
from ..autograd.function import Function
from ._util import silent_fp
from .registry import declare
from ._compat import (_binary_dtype, _cast, _binary, _wrap_int, _save_alpha, _plus_scaled,
                      _check_sub_bool, _check_not_bool, _check_int_zero_division, _power,
                      _float_power, _tensor_or_scalar, _as_tensor_like, _write_out, _zeros,
                      _not_implemented_for)
from .unary import ExpBackward0, FloorBackward0, LogBackward0, TruncBackward0

__all__ = [
    "add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide",
    "floor_divide", "remainder", "fmod", "pow", "square",
]


class AddBackward0(Function):
    """out = a + alpha * b        grad_a = grad        grad_b = alpha * grad"""

    numpy_backward = True

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        dt = _binary_dtype(a, b)
        _save_alpha(ctx, alpha, dt)
        return _plus_scaled(np.add, a, b, alpha, dt)

    @staticmethod
    def backward(ctx, grad):
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha), None


class SubBackward0(Function):
    """out = a - alpha * b        grad_a = grad        grad_b = -alpha * grad"""

    numpy_backward = True

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        dt = _binary_dtype(a, b)
        _check_sub_bool(a, b)
        _save_alpha(ctx, alpha, dt)
        return _plus_scaled(np.subtract, a, b, alpha, dt)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.alpha == 1 else grad * -ctx.alpha), None


class RsubBackward1(Function):
    """out = b - alpha * a   (``2 - x``)        grad_a = -alpha * grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        dt = _binary_dtype(a, b)
        _check_sub_bool(a, b)
        _save_alpha(ctx, alpha, dt)
        return _plus_scaled(np.subtract, b, a, alpha, dt)

    @staticmethod
    def backward(ctx, grad):
        return (-grad if ctx.alpha == 1 else grad * -ctx.alpha), None, None


class RsubBackward0(RsubBackward1):
    """out = b - alpha * a with b a tensor        grad_a = -alpha * grad   grad_b = grad"""

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    def backward(ctx, grad):
        return (-grad if ctx.alpha == 1 else grad * -ctx.alpha), grad, None


class MulBackward0(Function):
    """out = a * b        grad_a = grad * b        grad_b = grad * a"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        dt = _binary_dtype(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.multiply, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if a is None:  # only a's gradient
            return formulas.times(grad, b), None
        # torch computes its inputs' gradients in the alphabetical order of their names (other,
        # then self): the order of the nodes a double backward runs, so of its sums' rounding
        grad_b = formulas.product(grad, a)
        grad_a = None if b is None else formulas.times(grad, b)  # (may write over grad: last)
        return grad_a, grad_b


class DivBackward0(Function):
    """out = a / b        grad_a = grad / b        grad_b = -grad * (a / b) / b"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    @silent_fp
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        if dt.kind != "f":
            dt = _dtype.get_default_dtype().np
        need_a, need_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if need_b else None, b if (need_a or need_b) else None)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.true_divide, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # (a / b) / b, not a / b²: b² overflows (float16 b = 300) where the quotients do not;
        # other's gradient first, as torch (MulBackward0)
        gb = -grad * ((a / b) / b) if ctx.needs_input_grad[1] else None
        ga = grad / b if ctx.needs_input_grad[0] else None
        return ga, gb


def _rounded_div(a, b, mode):
    """a / b rounded down ('floor') or toward zero ('trunc'), in the promoted dtype."""
    dt = _binary_dtype(a, b)
    if dt.kind in "iu":
        a, b = _wrap_int(a, dt), _wrap_int(b, dt)
    _check_not_bool(dt, f"div_{mode}_cpu")
    _check_int_zero_division(b, dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "floor":
            return _binary(np.floor_divide, a, b, dt)
        if dt.kind == "f":
            return np.trunc(_binary(np.true_divide, a, b, dt))
        q = _binary(np.floor_divide, a, b, dt)
        if dt.kind == "u":
            return q
        # floor -> trunc: one up where the division is inexact and the signs differ
        inexact = _binary(np.remainder, a, b, dt) != 0
        return q + (inexact & ((_cast(a, dt) < 0) != (_cast(b, dt) < 0))).astype(dt)


class DivBackward2(Function):
    """out = a / b rounded by rounding_mode ('floor', 'trunc')    grad_a = 0    grad_b = 0
    (rounding_mode=None: true division, with DivBackward0's gradients)"""

    numpy_backward = True

    edge_args = (0, 1)  # a Python number counts (as a wrapped tensor)

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.mode = mode
        if mode is None:
            return DivBackward0.forward(ctx, a, b)
        return _rounded_div(a, b, mode)

    @staticmethod
    def backward(ctx, grad):
        if ctx.mode is None:
            return DivBackward0.backward(ctx, grad) + (None,)
        return _zeros(grad), _zeros(grad), None


def _not_implemented(op_name, forward):
    """torch records ops without a derivative as a node named ``NotImplemented`` that raises."""
    def backward(ctx, grad):
        raise RuntimeError(f"derivative for aten::{op_name} is not implemented")
    return type("NotImplemented", (Function,), {
        "__doc__": f"out = {op_name}(a, b)        no derivative",
        "forward": staticmethod(forward), "backward": staticmethod(backward)})


FloorDivide = _not_implemented("floor_divide", lambda ctx, a, b: _rounded_div(a, b, "floor"))


class RemainderBackward0(Function):
    """out = a - floor(a / b) * b  (sign of b)      grad_a = grad    grad_b = -grad * floor(a/b)"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        _check_not_bool(dt, "remainder_cpu")
        _check_int_zero_division(b, dt)
        ctx.save_for_backward(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.remainder, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * formulas.call(FloorBackward0, a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


class RemainderBackward1(RemainderBackward0):
    """out = a - floor(a / b) * b (b a tensor)      grad_a = grad    grad_b = -grad * floor(a/b)"""


# ``2 % x`` (a number divided by a tensor) has no derivative in torch.
RemainderScalarTensor = _not_implemented("remainder", RemainderBackward0.forward)


class FmodBackward0(Function):
    """out = a - trunc(a / b) * b  (sign of a)      grad_a = grad    grad_b = -grad * trunc(a/b)"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        _check_not_bool(dt, "fmod_cpu")
        _check_int_zero_division(b, dt)
        ctx.save_for_backward(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.fmod, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * formulas.call(TruncBackward0, a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


class FmodBackward1(FmodBackward0):
    """out = a - trunc(a / b) * b (b a tensor)      grad_a = grad    grad_b = -grad * trunc(a/b)"""


class PowBackward0(Function):
    """out = x ** p (p a number)        grad_x = grad * p * x ** (p - 1)   (0 where p == 0)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x, p):
        dt = _binary_dtype(x, p)
        if dt == np.bool_:  # bool ** True / False: torch's special cases for 1 and 0
            return x.copy() if p else np.ones_like(x)
        if dt.kind in "iu" and isinstance(p, (int, np.integer)) and p < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        ctx.save_for_backward(x)
        ctx.p = p
        formulas.on_tensors_if_mixed(ctx, dt, x, p)
        if p == 2:
            x = _cast(x, dt)
            return x * x
        if dt == np.float32 or dt == np.float64:
            return _float_power(_cast(x, dt), p)
        return _binary(np.power, x, p, dt)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return _zeros(grad), None
        if p == 2:
            return grad * (x * 2), None
        # torch: grad * (p * x.pow(p - 1)), that pow with its kernel's special cases too
        return grad * (p * formulas.pow(x, p - 1)), None


class PowBackward1(Function):
    """out = a ** b (tensors)    grad_a = grad * b * a**(b-1)    grad_b = grad * out * log(a)"""

    unpack_order = (1, 0, 2)  # torch unpacks exponent, self, result

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        _check_not_bool(dt, "pow")
        out = _binary(_power, a, b, dt)
        ctx.save_for_backward(a, b, out)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = formulas.where(b == 0, 0.0, grad * b * a ** (b - 1))
        if ctx.needs_input_grad[1]:
            gb = formulas.where((a == 0) & (b >= 0), 0.0,
                                grad * out * formulas.call(LogBackward0, a))
        return ga, gb


class PowBackward2(Function):
    """out = s ** x (s a number)        grad_x = grad * out * log(s)
    (s == 0: 0 where x >= 0; s < 0: nan, the real log being undefined)"""

    unpack_order = (1, 0)  # torch unpacks exponent, result

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, s, x):
        dt = _binary_dtype(s, x)
        _check_not_bool(dt, "pow")
        out = _binary(_power, s, x, dt)
        ctx.s = s
        ctx.save_for_backward(out, x if s == 0 else None)
        formulas.on_tensors_if_mixed(ctx, dt, x)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, x = ctx.saved_tensors
        s = ctx.s
        log_s = math.log(s) if s > 0 else -math.inf if s == 0 else math.nan
        g = grad * (out * log_s)
        return None, formulas.where(x >= 0, 0.0, g) if s == 0 else g


class LogaddexpBackward0(Function):
    """out = log(exp(a) + exp(b))        grad_a = grad / (1 + exp(b - a))
    grad_b = grad / (1 + exp(a - b))"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        if dt.kind != "f":
            raise _not_implemented_for("logaddexp_cpu", dt)
        ctx.save_for_backward(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.logaddexp, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad / (1 + formulas.call(ExpBackward0, b - a)) if ctx.needs_input_grad[0] else None
        gb = grad / (1 + formulas.call(ExpBackward0, a - b)) if ctx.needs_input_grad[1] else None
        return ga, gb


# ---- the public functions --------------------------------------------------------------------
def add(input, other, *, alpha=1, out=None):
    """input + alpha * other"""
    if not isinstance(input, Tensor):
        return AddBackward0.apply(_tensor_or_scalar(other), input, alpha) if alpha == 1 else \
            add(_as_tensor_like(input, other), other, alpha=alpha)
    return _write_out(AddBackward0.apply(input, _tensor_or_scalar(other), alpha), out)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other"""
    if not isinstance(input, Tensor):
        return RsubBackward1.apply(_tensor_or_scalar(other), input, alpha)
    return _write_out(SubBackward0.apply(input, _tensor_or_scalar(other), alpha), out)


subtract = sub


def rsub(input, other, alpha=1):
    """other - alpha * input"""
    if isinstance(other, Tensor):
        return RsubBackward0.apply(input, other, alpha)
    return RsubBackward1.apply(input, other, alpha)


def mul(input, other, *, out=None):
    """input * other (elementwise, broadcasting)"""
    if not isinstance(input, Tensor):
        input, other = other, input
    other = _tensor_or_scalar(other)
    return _write_out(MulBackward0.apply(input, other), out)


multiply = mul


_NOT_GIVEN = object()


def div(input, other, *, rounding_mode=_NOT_GIVEN, out=None):
    """input / other: true division (float result), or 'trunc' / 'floor' rounding.

    Passing ``rounding_mode`` at all (even None) selects torch's other overload: DivBackward2.
    """
    if not isinstance(input, Tensor):
        input = _as_tensor_like(input, other)
    other = _tensor_or_scalar(other)
    if rounding_mode is _NOT_GIVEN:
        return _write_out(DivBackward0.apply(input, other), out)
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         f"found '{rounding_mode}'")
    return _write_out(DivBackward2.apply(input, other, rounding_mode), out)


divide = div
true_divide = div


def floor_divide(input, other):
    """floor(input / other); torch has no derivative for it (grad_fn NotImplemented)"""
    return FloorDivide.apply(input, _tensor_or_scalar(other))


def remainder(input, other):
    """input - floor(input / other) * other (Python's %, sign of the divisor)"""
    if not isinstance(input, Tensor):
        return RemainderScalarTensor.apply(input, other)
    cls = RemainderBackward1 if isinstance(other, Tensor) else RemainderBackward0
    return cls.apply(input, _tensor_or_scalar(other))


def fmod(input, other):
    """C's fmod (sign of the dividend)"""
    cls = FmodBackward1 if isinstance(other, Tensor) else FmodBackward0
    return cls.apply(input, _tensor_or_scalar(other))


def pow(input, exponent, *, out=None):
    """input ** exponent: PowBackward0 (tensor ** number), 1 (tensor ** tensor),
    2 (number ** tensor)"""
    if not isinstance(input, Tensor):
        return PowBackward2.apply(input, exponent)
    if isinstance(exponent, Tensor):
        return _write_out(PowBackward1.apply(input, exponent), out)
    return _write_out(PowBackward0.apply(input, _tensor_or_scalar(exponent, "pow")), out)


def square(input):
    """input * input (PowBackward0)"""
    return PowBackward0.apply(input, 2)


def logaddexp(input, other):
    """log(exp(input) + exp(other)), without overflow: both arguments tensors"""
    for position, (name, value) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(value, Tensor):
            raise TypeError(f"logaddexp(): argument '{name}' (position {position}) must be "
                            f"Tensor, not {type(value).__name__}")
    return LogaddexpBackward0.apply(input, other)


# ---- what each op is to the tests, the fuzzer and the docs (ops/registry.py) --------------------
# name, function, torch's nodes (the first when both operands are tensors), aliases, domain
_WITH_INPLACE = ("function", "method", "inplace")
for _name, _fn, _node, _aliases, _domain in (
        ("add", add, "AddBackward0", (), "anywhere"),
        ("sub", sub, "SubBackward0", ("subtract",), "anywhere"),
        ("mul", mul, "MulBackward0", ("multiply",), "anywhere"),
        ("div", div, ("DivBackward0", "DivBackward2"), ("divide", "true_divide"), "nonzero"),
        ("pow", pow, ("PowBackward1", "PowBackward0", "PowBackward2"), (), "positive"),
        ("remainder", remainder, ("RemainderBackward1", "RemainderBackward0"), (), "positive"),
        ("fmod", fmod, ("FmodBackward1", "FmodBackward0"), (), "positive")):
    declare(_name, _fn, nodes=(_node,) if isinstance(_node, str) else _node, aliases=_aliases,
            args=("input", "other"), domain=_domain, forms=_WITH_INPLACE, family="binary",
            operators={"add": ("__add__",), "sub": ("__sub__",), "mul": ("__mul__",),
                       "div": ("__truediv__",), "pow": ("__pow__",),
                       "remainder": ("__mod__",)}.get(_name, ()))
declare("square", square, nodes=("PowBackward0",), forms=_WITH_INPLACE, family="unary")
declare("logaddexp", logaddexp, nodes=("LogaddexpBackward0",), args=("input", "other"),
        family="binary")
