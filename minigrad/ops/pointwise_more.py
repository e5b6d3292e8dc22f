"""More elementwise ops: ``addcmul``, ``addcdiv`` (the optimizers' fused updates), ``rad2deg``,
``deg2rad``, ``sgn``, ``signbit``, ``heaviside``, ``nextafter``, ``ldexp`` and ``logit``.

Each differentiable op is a Function named like torch's grad_fn, with its derivative in the
docstring; the engine undoes broadcasting and casts each gradient to its input's dtype. Values
are rounded as torch's CPU kernels round them: ``addcmul`` is ``fma(value * t1, t2, input)``
(one rounding for the multiply-add, ``_fma.py``), ``addcdiv`` is ``input + (value * t1) / t2``.
Python numbers are cast to the result's dtype first (an integer ``addcmul`` truncates
``value``), as torch casts a Scalar.
"""
import math

import numpy as np

from .. import _dtype
from .._dtype import from_numpy_dtype, promote_values
from .._fma import fma
from .._tensor import Tensor, _make
from ..autograd import formulas
from ..autograd.function import Function
from ._compat import _broadcast_error
from .arithmetic import _not_implemented
from .registry import arr, case, cases, idx, register
from .unary import SignBackward0
from ._util import inplace_variant, register_methods, silent_fp

__all__ = ["addcmul", "addcdiv", "rad2deg", "deg2rad", "sgn", "signbit", "heaviside",
           "nextafter", "ldexp", "logit"]


def _require_tensor(fname, name, position, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}")


def _float_dtype(x):
    """x's dtype if floating, else the default dtype (torch's int-to-float ops)."""
    return x.dtype if x.dtype.kind == "f" else _dtype.get_default_dtype().np


def _common_shape(*arrays):
    """The operands' broadcast shape, or torch's error naming the first dimension that clashes
    (the shape is grown operand by operand, as torch's TensorIterator grows it)."""
    shape = arrays[0].shape
    for a in arrays[1:]:
        try:
            shape = np.broadcast_shapes(shape, a.shape)
        except ValueError:
            raise _broadcast_error(np.empty(shape), a) from None
    return shape


# ---- addcmul / addcdiv ---------------------------------------------------------------------
class AddcmulBackward0(Function):
    """out = input + value * t1 * t2        grad_input = grad
    grad_t1 = grad * (t2 * value)        grad_t2 = grad * (t1 * value)"""

    @staticmethod
    def forward(ctx, x, t1, t2, value):
        _common_shape(x, t1, t2)
        dt = promote_values(x, t1, t2)
        x, t1, t2 = (a.astype(dt, copy=False) for a in (x, t1, t2))
        v = dt.type(value)
        ctx.value = value
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None,
                              t2 if ctx.needs_input_grad[1] else None)
        if dt.kind == "f":
            return np.asarray(fma(v * t1, t2, x))
        return x + v * t1 * t2

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        v = ctx.value
        return (grad, None if t2 is None else grad * (t2 * v),
                None if t1 is None else grad * (t1 * v), None)


_INTEGER_ADDCDIV = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
    "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
    "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
    "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
    "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
    "for all dtypes.")


class AddcdivBackward0(Function):
    """out = input + value * t1 / t2        grad_input = grad
    grad_t1 = grad * (value / t2)        grad_t2 = -grad * (value * t1 / (t2 * t2))"""

    @staticmethod
    @silent_fp
    def forward(ctx, x, t1, t2, value):
        _common_shape(x, t1, t2)
        dt = promote_values(x, t1, t2)
        x, t1, t2 = (a.astype(dt, copy=False) for a in (x, t1, t2))
        ctx.value = value
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None, t2)
        return x + (dt.type(value) * t1) / t2

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        v = ctx.value
        g1 = grad * (v / t2) if ctx.needs_input_grad[1] else None
        g2 = -grad * (v * t1 / (t2 * t2)) if t1 is not None else None
        return grad, g1, g2, None


def _check_addc(fname, input, tensor1, tensor2):
    for position, (name, t) in enumerate((("input", input), ("tensor1", tensor1),
                                          ("tensor2", tensor2)), 1):
        _require_tensor(fname, name, position, t)


@register(nodes=("AddcmulBackward0",), args=("input", "tensor1", "tensor2"),
          forms=("function", "method", "inplace"), family="pointwise",
          sample=cases(case(arr(2, 3), arr(2, 3), arr(2, 3)),
                       case(arr(2, 3), arr(3), arr(2, 1), value=-0.37),
                       case(arr(), arr(), arr(), value=3)))
def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2`` (one rounding for the multiply-add on floats)."""
    _check_addc("addcmul", input, tensor1, tensor2)
    return AddcmulBackward0.apply(input, tensor1, tensor2, value)


@register(nodes=("AddcdivBackward0",), args=("input", "tensor1", "tensor2"),
          forms=("function", "method", "inplace"), family="pointwise",
          sample=cases(case(arr(2, 3), arr(2, 3), arr(2, 3, domain="nonzero")),
                       case(arr(2, 3), arr(3), arr(2, 1, domain="nonzero"), value=0.1),
                       case(arr(), arr(), arr(domain="positive"), value=-2)))
def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2`` (floats only: integer division is refused)."""
    _check_addc("addcdiv", input, tensor1, tensor2)
    if tensor1._data.dtype.kind in "iub" and tensor2._data.dtype.kind in "iub":
        raise RuntimeError(_INTEGER_ADDCDIV)
    return AddcdivBackward0.apply(input, tensor1, tensor2, value)


# ---- rad2deg / deg2rad -----------------------------------------------------------------------
class Rad2DegBackward0(Function):
    """out = x * (180 / pi)        grad_x = grad * (180 / pi)"""

    factor = 180.0 / math.pi
    numpy_backward = True

    @classmethod
    def forward(cls, ctx, x):
        dt = _float_dtype(x)
        return x.astype(dt, copy=False) * dt.type(cls.factor)

    @classmethod
    def backward(cls, ctx, grad):
        return grad * cls.factor


class Deg2RadBackward0(Rad2DegBackward0):
    """out = x * (pi / 180)        grad_x = grad * (pi / 180)"""

    factor = math.pi / 180.0


@register(nodes=("Rad2DegBackward0",), forms=("function", "method", "inplace"),
          family="pointwise")
def rad2deg(input):
    """Angles from radians to degrees (integers give the default float dtype)."""
    return Rad2DegBackward0.apply(input)


@register(nodes=("Deg2RadBackward0",), forms=("function", "method", "inplace"),
          family="pointwise")
def deg2rad(input):
    """Angles from degrees to radians (integers give the default float dtype)."""
    return Deg2RadBackward0.apply(input)


# ---- sgn / signbit -----------------------------------------------------------------------------
class SgnBackward0(SignBackward0):
    """out = sgn(x) = x / |x| (0 at 0; for real x the sign)        grad_x = 0 (real x)"""


@register(nodes=("SgnBackward0",), forms=("function", "method", "inplace"), domain="nonzero",
          family="pointwise", differentiable=False,
          notes="its gradient is zero; torch's is a ZeroTensor, which the registry test cannot "
                "read: tests/test_torch_functions_more.py checks it")
def sgn(input):
    """The sign of each element: -1, 0 or 1 (the complex ``x / |x|`` on real numbers)."""
    return SgnBackward0.apply(input)


@register(forms=("function", "method"), differentiable=False, family="pointwise")
def signbit(input):
    """True where the sign bit is set (negative numbers and -0.0)."""
    return _make(np.signbit(input._data))


# ---- heaviside / nextafter: values of the same dtype --------------------------------------------
def _heaviside(ctx, x, values):
    _common_shape(x, values)
    return np.where(x == 0, values, (x > 0).astype(x.dtype)).astype(x.dtype, copy=False)


HeavisideNotImplemented = _not_implemented("heaviside", _heaviside)
HeavisideNotImplemented.__module__ = __name__    # the derivative table finds it here


@register(nodes=("NotImplemented",), args=("input", "values"),
          forms=("function", "method", "inplace"), differentiable=False, family="pointwise",
          sample=cases(case(arr(2, 3), arr(2, 3)), case(arr(3), arr()),
                       case(arr(2, 3), arr(3))))
def heaviside(input, values):
    """The step function: 0 where input < 0, 1 where input > 0, ``values`` where input == 0."""
    _require_tensor("heaviside", "values", 2, values)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return HeavisideNotImplemented.apply(input, values)


class NextafterBackward0(Function):
    """out = the next float after x towards other        grad_x = grad        grad_other = 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, other):
        _common_shape(x, other)
        dt = promote_values(x, other)
        if dt.kind != "f":
            raise NotImplementedError(f'"nextafter_cpu" not implemented for '
                                      f"'{from_numpy_dtype(dt).short_name}'")
        return np.asarray(np.nextafter(x.astype(dt, copy=False), other.astype(dt, copy=False)))

    @staticmethod
    def backward(ctx, grad):
        return grad, formulas.zeros_like(grad)


@register(nodes=("NextafterBackward0",), args=("input", "other"),
          forms=("function", "method", "inplace"), family="pointwise",
          sample=cases(case(arr(2, 3), arr(2, 3)), case(arr(2, 3), arr(3))))
def nextafter(input, other):
    """The next floating point number after ``input`` in the direction of ``other``."""
    _require_tensor("nextafter", "other", 2, other)
    return NextafterBackward0.apply(input, other)


# ---- ldexp / logit --------------------------------------------------------------------------
class LdexpBackward0(Function):
    """out = x * 2^e        grad_x = grad * 2^e        grad_e = grad * out * ln 2
    (torch takes 2^e for grad_x in e's dtype: for an integer e, 2^-k is the integer 0)"""

    @staticmethod
    @silent_fp
    def forward(ctx, x, e):
        _common_shape(x, e)
        dt = promote_values(x, e)
        dt = dt if dt.kind == "f" else _dtype.get_default_dtype().np
        out = np.asarray(x.astype(dt, copy=False)
                         * np.power(dt.type(2), e.astype(dt, copy=False)))
        ctx.save_for_backward(e, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        e, out = ctx.saved_tensors
        g_e = grad * out * math.log(2) if ctx.needs_input_grad[1] else None
        if e.dtype.is_floating_point:
            powers = 2 ** e
        else:       # integer powers of the integer 2: 0 for negative e
            powers = (2 ** e.clamp(min=0)).masked_fill(e < 0, 0)
        return grad * powers, g_e


@register(nodes=("LdexpBackward0",), args=("input", "other"),
          forms=("function", "method", "inplace"), family="pointwise",
          sample=cases(case(arr(2, 3), arr(2, 3)), case(arr(2, 3), idx(4, 3)),
                       case(arr(3), arr())))
def ldexp(input, other):
    """``input * 2 ** other``."""
    _require_tensor("ldexp", "other", 2, other)
    return LdexpBackward0.apply(input, other)


def _ldexp_(self, other):
    """In-place ldexp: an integer tensor cannot hold its float result (torch's message)."""
    if self._data.dtype.kind in "iub":
        raise RuntimeError(f"ldexp can't be cast to the desired output type "
                           f"{from_numpy_dtype(self._data.dtype).short_name}")
    return _ldexp_inplace(self, other)


_ldexp_inplace = inplace_variant(ldexp)
_ldexp_.__name__ = "ldexp_"
register_methods(Tensor, {"ldexp_": _ldexp_})


class LogitBackward0(Function):
    """out = log(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given
    grad_x = grad / (x (1 - x)) inside [eps, 1 - eps] (or [0, 1] without eps); outside it
    0 with eps, nan without"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x, eps):
        x = x.astype(_float_dtype(x), copy=False)
        z = x if eps is None else np.clip(x, x.dtype.type(eps), x.dtype.type(1 - eps))
        ctx.eps = eps
        ctx.save_for_backward(x)
        return np.asarray(np.log(z / (1 - z)))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        eps = ctx.eps
        lo, hi = (0.0, 1.0) if eps is None else (eps, 1 - eps)
        outside = (x < lo) | (x > hi)
        return formulas.where(outside, math.nan if eps is None else 0.0, grad / (x * (1 - x)))


@register(nodes=("LogitBackward0",), forms=("function", "method", "inplace"),
          domain="probability", family="pointwise",
          sample=cases(case(arr(2, 3, domain="probability")),
                       case(arr(2, 3, domain="probability"), eps=0.2),
                       case(arr(4, domain="probability"), 0.3)))
def logit(input, eps=None):
    """``log(p / (1 - p))``, the inverse of sigmoid; with ``eps``, p is first clamped to
    ``[eps, 1 - eps]``."""
    return LogitBackward0.apply(input, eps)
