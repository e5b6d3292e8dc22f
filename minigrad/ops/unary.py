"""Unary math: exp, log, sqrt, trig, tanh, sigmoid, relu, sign, floor... and neg, reciprocal.

Each class: the op and its derivative in one line (``out = exp(x)   grad_x = grad * out``), then
``forward`` on ndarrays and ``backward`` in minigrad ops. Integer inputs compute in the default
float dtype (``_compat._as_float``); torch's errors for dtypes a kernel lacks come from
``_compat``. The public functions (``exp = _unary(ExpBackward0)``) end the module.
"""
import math

import numpy as np

from .. import _buffers, _dtype
from ..autograd import formulas
from ..autograd.function import Function
from ._util import silent_fp
from .registry import declare
from ._compat import (_binary_dtype, _as_float, _binary, _zero_where, _not_implemented_for,
                      _write_out, _zeros)

__all__ = [
    "neg", "negative", "abs", "absolute", "exp", "exp2", "expm1", "log", "log2", "log10",
    "log1p", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan",
    "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "sigmoid", "relu", "sign", "floor",
    "ceil", "round", "trunc", "frac", "atan2", "arctan2", "erf",
]


class NegBackward0(Function):
    """out = -x        grad_x = -grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                "to invert a mask, use the `~` or `logical_not()` operator instead.")
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class ReciprocalBackward0(Function):
    """out = 1 / x        grad_x = -grad * out²"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        out = np.reciprocal(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return -grad * (out * out)


# ---- unary math -------------------------------------------------------------------------------
class ExpBackward0(Function):
    """out = exp(x)        grad_x = grad * out"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        x = _as_float(x)
        out = _buffers.unary(np.exp, x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return formulas.times(grad, out)


class Exp2Backward0(Function):
    """out = 2 ** x        grad_x = grad * out * ln 2"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        out = np.exp2(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out * math.log(2.0)


class Expm1Backward0(Function):
    """out = exp(x) - 1        grad_x = grad * (out + 1)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        out = np.expm1(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out + 1)


class LogBackward0(Function):
    """out = ln(x)        grad_x = grad / x"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        x = _as_float(x)
        return _buffers.unary(np.log, x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formulas.over(grad, x)


class Log2Backward0(Function):
    """out = log2(x)        grad_x = grad / (x * ln 2)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * math.log(2.0))


class Log10Backward0(Function):
    """out = log10(x)        grad_x = grad / (x * ln 10)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * math.log(10.0))


class Log1PBackward0(Function):
    """out = ln(1 + x)        grad_x = grad / (1 + x)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x + 1)


class SqrtBackward0(Function):
    """out = sqrt(x)        grad_x = grad / (2 * out)      (inf at x = 0, as in torch)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        x = _as_float(x)
        out = _buffers.unary(np.sqrt, x)  # correctly rounded (torch's MKL root: within one ulp)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return formulas.divide_into(grad, formulas.product(out, 2))


class RsqrtBackward0(Function):
    """out = 1 / sqrt(x)        grad_x = -grad * out³ / 2"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        out = 1 / np.sqrt(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return -0.5 * grad * formulas.pow(out, 3)


class AbsBackward0(Function):
    """out = |x|        grad_x = grad * sign(x)      (0 at x = 0)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise _not_implemented_for("abs_cpu", x.dtype)
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * formulas.call(SignBackward0, x)


class SignBackward0(Function):
    """out = sign(x)        grad_x = 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            return x.copy()
        # torch's (0 < x) - (x < 0): sign(nan) = 0 and sign(-0.0) = +0.0 (np.sign differs)
        return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad)


def _zero_grad_unary(name, np_fn, doc):
    """Piecewise-constant ops (floor, ceil, round, trunc): the gradient is zero."""
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise _not_implemented_for(f"{np_fn.__name__}_vml_cpu", x.dtype)
        return np_fn(x) if x.dtype.kind == "f" else x.copy()

    def backward(ctx, grad):
        return _zeros(grad)
    return type(name, (Function,), {"__doc__": doc, "numpy_backward": True,
                                    "forward": staticmethod(forward),
                                    "backward": staticmethod(backward)})


FloorBackward0 = _zero_grad_unary("FloorBackward0", np.floor, "out = floor(x)   grad_x = 0")
CeilBackward0 = _zero_grad_unary("CeilBackward0", np.ceil, "out = ceil(x)   grad_x = 0")
RoundBackward0 = _zero_grad_unary("RoundBackward0", np.round, "out = round(x)   grad_x = 0")
TruncBackward0 = _zero_grad_unary("TruncBackward0", np.trunc, "out = trunc(x)   grad_x = 0")


class RoundBackward1(Function):
    """out = round(x, decimals)        grad_x = 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, decimals):
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad), None


class FracBackward0(Function):
    """out = x - trunc(x)        grad_x = grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind != "f":
            raise _not_implemented_for("frac_cpu", x.dtype)
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class SinBackward0(Function):
    """out = sin(x)        grad_x = grad * cos(x)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * formulas.call(CosBackward0, x)


class CosBackward0(Function):
    """out = cos(x)        grad_x = -grad * sin(x)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * -formulas.call(SinBackward0, x)


class TanBackward0(Function):
    """out = tan(x)        grad_x = grad * (1 + out²)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.tan(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out * out + 1)


class AsinBackward0(Function):
    """out = asin(x)        grad_x = grad / sqrt(1 - x²)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsin(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * formulas.call(RsqrtBackward0, -(x * x) + 1)


class AcosBackward0(Function):
    """out = acos(x)        grad_x = -grad / sqrt(1 - x²)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccos(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad * formulas.call(RsqrtBackward0, -(x * x) + 1)


class AtanBackward0(Function):
    """out = atan(x)        grad_x = grad / (1 + x²)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * x + 1)


class Atan2Backward0(Function):
    """out = atan2(a, b)     grad_a = grad * b / (a² + b²)     grad_b = -grad * a / (a² + b²)
    (1 / (a² + b²) taken as 0 where a = b = 0)"""

    unpack_order = (1, 0)  # torch unpacks other, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        dt = _binary_dtype(a, b)
        if dt.kind != "f":
            dt = _dtype.get_default_dtype().np
        ctx.save_for_backward(a, b)
        formulas.on_tensors_if_mixed(ctx, dt, a, b)
        return _binary(np.arctan2, a, b, dt)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        denom = a * a + b * b
        # torch: 0 (signed) at a = b = 0
        recip = formulas.where(denom == 0, 0.0, formulas.call(ReciprocalBackward0, denom))
        return grad * b * recip, grad * -a * recip


class SinhBackward0(Function):
    """out = sinh(x)        grad_x = grad * cosh(x)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinh(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * formulas.call(CoshBackward0, x)


class CoshBackward0(Function):
    """out = cosh(x)        grad_x = grad * sinh(x)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cosh(_as_float(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * formulas.call(SinhBackward0, x)


class TanhBackward0(Function):
    """out = tanh(x)        grad_x = grad * (1 - out²)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(_as_float(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (1 - out * out)


class SigmoidBackward0(Function):
    """out = 1 / (1 + exp(-x))        grad_x = grad * out * (1 - out)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        x = _as_float(x)
        # torch's formula; for x < -88 (float32) exp(-x) overflows to inf and out is 0, as it
        # should be. float16 computes in float32 and rounds once, as torch does.
        wide = x.astype(np.float32) if x.dtype == np.float16 else x
        out = (1 / (1 + np.exp(-wide))).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out * (1 - out))


class ReluBackward0(Function):
    """out = max(x, 0)        grad_x = grad where out > 0, else 0      (0 at x = 0)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
        out = _zero_where(x < 0, x)  # torch's x < 0 ? 0 : x keeps -0.0 and NaN as they are
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return formulas.call(ThresholdBackwardBackward0, grad, out)


class ThresholdBackwardBackward0(Function):
    """out = 0 where y <= 0, else grad (relu's backward)     grad_grad = gg likewise    grad_y = 0
    (a node of its own, as torch's threshold_backward: a second derivative stays connected)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(y)
        return _zero_where(y <= 0, grad)  # torch's y <= 0 ? 0 : grad (a NaN y passes grad)

    @staticmethod
    def backward(ctx, gg):
        y, = ctx.saved_tensors
        return formulas.call(ThresholdBackwardBackward0, gg, y), _zeros(gg)


class ErfBackward0(Function):
    """out = erf(x)        grad_x = grad * 2/sqrt(pi) * exp(-x²)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        x = _as_float(x)
        return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * formulas.call(ExpBackward0, -(x * x))


# ---- the public functions --------------------------------------------------------------------
def neg(input):
    return NegBackward0.apply(input)


negative = neg


def _unary(cls):
    def fn(input, *, out=None):
        return _write_out(cls.apply(input), out)
    # named like torch's, so a wrong call reads "sqrt() takes 1 positional argument but 2 ..."
    fn.__name__ = fn.__qualname__ = cls.__name__.split("Backward")[0].lower()
    fn.__doc__ = cls.__doc__
    fn.node = cls
    return fn


def _method_without_arguments(name, fn):
    """``t.sqrt()`` & co: as in torch, the method takes no arguments (not even ``out=``)."""
    cls = fn.node

    def method(self, *args, **kwargs):
        if kwargs:
            raise TypeError(f"TensorBase.{name}() takes no keyword arguments")
        if args:
            raise TypeError(f"TensorBase.{name}() takes no arguments ({len(args)} given)")
        return cls.apply(self)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    return method


abs = absolute = _unary(AbsBackward0)
exp = _unary(ExpBackward0)
exp2 = _unary(Exp2Backward0)
expm1 = _unary(Expm1Backward0)
log = _unary(LogBackward0)
log2 = _unary(Log2Backward0)
log10 = _unary(Log10Backward0)
log1p = _unary(Log1PBackward0)
sqrt = _unary(SqrtBackward0)
rsqrt = _unary(RsqrtBackward0)
reciprocal = _unary(ReciprocalBackward0)
sin = _unary(SinBackward0)
cos = _unary(CosBackward0)
tan = _unary(TanBackward0)
asin = arcsin = _unary(AsinBackward0)
acos = arccos = _unary(AcosBackward0)
atan = arctan = _unary(AtanBackward0)
sinh = _unary(SinhBackward0)
cosh = _unary(CoshBackward0)
tanh = _unary(TanhBackward0)
sigmoid = _unary(SigmoidBackward0)
relu = _unary(ReluBackward0)
sign = _unary(SignBackward0)
floor = _unary(FloorBackward0)
ceil = _unary(CeilBackward0)
trunc = _unary(TruncBackward0)
frac = _unary(FracBackward0)
erf = _unary(ErfBackward0)


def round(input, *, decimals=0):
    """round half to even (as torch)"""
    if decimals:
        return RoundBackward1.apply(input, decimals)
    return RoundBackward0.apply(input)


def atan2(input, other):
    return Atan2Backward0.apply(input, other)


arctan2 = atan2


# ---- what each op is to the tests, the fuzzer and the docs (ops/registry.py) --------------------
# name, function, torch's node, aliases, domain test inputs come from, non-differentiable points
_WITH_INPLACE = ("function", "method", "inplace")
_SPECIAL_NAMES = {"erf": ("erf",), "exp2": ("exp2",), "expm1": ("expm1",), "log1p": ("log1p",),
                  "sigmoid": ("expit",)}    # their names in torch.special
for _name, _fn, _node, _aliases, _domain, _kinks in (
        ("neg", neg, "NegBackward0", ("negative",), "anywhere", ()),
        ("abs", abs, "AbsBackward0", ("absolute",), "nonzero", (0.0,)),
        ("exp", exp, "ExpBackward0", (), "anywhere", ()),
        ("exp2", exp2, "Exp2Backward0", (), "anywhere", ()),
        ("expm1", expm1, "Expm1Backward0", (), "anywhere", ()),
        ("log", log, "LogBackward0", (), "positive", ()),
        ("log2", log2, "Log2Backward0", (), "positive", ()),
        ("log10", log10, "Log10Backward0", (), "positive", ()),
        ("log1p", log1p, "Log1PBackward0", (), "positive", ()),
        ("sqrt", sqrt, "SqrtBackward0", (), "positive", ()),
        ("rsqrt", rsqrt, "RsqrtBackward0", (), "positive", ()),
        ("reciprocal", reciprocal, "ReciprocalBackward0", (), "nonzero", ()),
        ("sin", sin, "SinBackward0", (), "anywhere", ()),
        ("cos", cos, "CosBackward0", (), "anywhere", ()),
        ("tan", tan, "TanBackward0", (), "unit", ()),
        ("asin", asin, "AsinBackward0", ("arcsin",), "unit", ()),
        ("acos", acos, "AcosBackward0", ("arccos",), "unit", ()),
        ("atan", atan, "AtanBackward0", ("arctan",), "anywhere", ()),
        ("sinh", sinh, "SinhBackward0", (), "anywhere", ()),
        ("cosh", cosh, "CoshBackward0", (), "anywhere", ()),
        ("tanh", tanh, "TanhBackward0", (), "anywhere", ()),
        ("sigmoid", sigmoid, "SigmoidBackward0", (), "anywhere", ()),
        ("relu", relu, "ReluBackward0", (), "nonzero", (0.0,)),
        ("sign", sign, "SignBackward0", (), "nonzero", (0.0,)),
        ("floor", floor, "FloorBackward0", (), "away_from_integers", ()),
        ("ceil", ceil, "CeilBackward0", (), "away_from_integers", ()),
        ("round", round, "RoundBackward0", (), "away_from_integers", ()),
        ("trunc", trunc, "TruncBackward0", (), "away_from_integers", ()),
        ("frac", frac, "FracBackward0", (), "away_from_integers", ()),
        ("erf", erf, "ErfBackward0", (), "anywhere", ())):
    declare(_name, _fn, nodes=(_node,), aliases=_aliases, domain=_domain, kinks=_kinks,
            forms=_WITH_INPLACE + (("functional",) if _name in ("tanh", "sigmoid", "relu") else ()),
            special_names=_SPECIAL_NAMES.get(_name, ()), family="unary")
declare("atan2", atan2, nodes=("Atan2Backward0",), aliases=("arctan2",), args=("input", "other"),
        forms=_WITH_INPLACE, family="binary")
