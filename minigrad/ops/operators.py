"""Tensor's operators (``a * b``, ``2 - x``, ``a += b``...) and the elementwise methods.

Operators dispatch to the public functions of ``arithmetic``, ``unary``, ``clamp`` and
``comparison``; ``x * 1.5`` and ``a + b`` go straight to the Function (the fast path W2 measures).
The method tables at the end give Tensor its elementwise methods and in-place forms; the full
list of Tensor's methods, wherever they are defined, is ``minigrad/_tensor.pyi``.
"""
import numpy as np

from .._tensor import Tensor
from ._util import inplace_variant, register_methods
from .arithmetic import (AddBackward0, DivBackward0, MulBackward0, PowBackward2, RsubBackward1,
                         SubBackward0, add, div, floor_divide, fmod, mul, pow, remainder, rsub,
                         square, sub)
from .broadcast import sum_to_size
from .clamp import clamp, clamp_max, clamp_min, fmax, fmin, lerp, maximum, minimum, where
from .comparison import (allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, equal, ge,
                         gt, isclose, isfinite, isinf, isnan, le, logical_and, logical_not,
                         logical_or, logical_xor, lt, ne)
from .unary import (_method_without_arguments, abs, acos, asin, atan, atan2, ceil, cos, cosh, erf,
                    exp, exp2, expm1, floor, frac, log, log1p, log2, log10, neg, reciprocal, relu,
                    round, rsqrt, sigmoid, sign, sin, sinh, sqrt, tan, tanh, trunc)

_SCALAR_TYPES = (bool, int, float, np.number, np.bool_)
_FAST_OPERANDS = frozenset((Tensor, int, float))  # exact types: bool is not an int here


def _binary_operator(fn, reflected=False, node=None):
    """``self <op> other`` as ``fn(self, other)``. ``node``: the Function ``fn`` calls for a Tensor
    or Python number operand (``x * 1.5``, ``a + b``), used directly to save the dispatch."""
    def op(self, other):
        if node is not None and type(other) in _FAST_OPERANDS:
            return node.apply(self, other)  # fast path: what fn would do, without the checks
        if isinstance(other, np.ndarray):
            return NotImplemented  # numpy takes over (torch does the same)
        if not isinstance(other, (Tensor,) + _SCALAR_TYPES):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)
    return op


def _rtruediv(self, other):
    if isinstance(other, np.ndarray) or not isinstance(other, _SCALAR_TYPES):
        return NotImplemented
    return reciprocal(self) * other  # torch: MulBackward0 after ReciprocalBackward0


def _rpow(self, other):
    if isinstance(other, np.ndarray) or not isinstance(other, _SCALAR_TYPES):
        return NotImplemented
    return PowBackward2.apply(other, self)


def _rsub(self, other):
    if isinstance(other, np.ndarray) or not isinstance(other, _SCALAR_TYPES):
        return NotImplemented
    return RsubBackward1.apply(self, other, 1)


def _radd(self, other):
    if isinstance(other, np.ndarray) or not isinstance(other, _SCALAR_TYPES):
        return NotImplemented
    return AddBackward0.apply(self, other, 1)


def _rmul(self, other):
    if isinstance(other, np.ndarray) or not isinstance(other, _SCALAR_TYPES):
        return NotImplemented
    return MulBackward0.apply(self, other)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


def _invert(self):
    if self._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    if self._data.dtype == np.bool_:
        return logical_not(self)
    return bitwise_not(self)


register_methods(Tensor, {
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
    "divide": div, "true_divide": div, "floor_divide": floor_divide, "remainder": remainder,
    "fmod": fmod, "pow": pow, "neg": neg, "negative": neg, "abs": abs, "absolute": abs,
    "exp": exp, "exp2": exp2, "expm1": expm1, "log": log, "log2": log2, "log10": log10,
    "log1p": log1p, "sqrt": sqrt, "rsqrt": rsqrt, "square": square, "reciprocal": reciprocal,
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
    "arcsin": asin, "arccos": acos, "arctan": atan, "atan2": atan2, "arctan2": atan2,
    "sinh": sinh, "cosh": cosh, "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "sign": sign,
    "floor": floor, "ceil": ceil, "round": round, "trunc": trunc, "frac": frac, "erf": erf,
    "clamp": clamp, "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max,
    "maximum": maximum, "minimum": minimum, "fmax": fmax, "fmin": fmin,
    "where": lambda self, condition, other: where(condition, self, other), "lerp": lerp,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "greater": gt, "less": lt,
    "greater_equal": ge, "less_equal": le, "not_equal": ne, "equal": equal,
    "isnan": isnan, "isinf": isinf, "isfinite": isfinite, "isclose": isclose,
    "allclose": allclose, "logical_not": logical_not,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
    "bitwise_not": bitwise_not, "bitwise_and": bitwise_and, "bitwise_or": bitwise_or,
    "bitwise_xor": bitwise_xor, "sum_to_size": sum_to_size, "expand_as":
    lambda self, other: self.expand(other.shape),
    "rsub": rsub,
    # operators
    "__add__": _binary_operator(add, node=AddBackward0), "__radd__": _radd,
    "__sub__": _binary_operator(sub, node=SubBackward0), "__rsub__": _rsub,
    "__mul__": _binary_operator(mul, node=MulBackward0), "__rmul__": _rmul,
    "__truediv__": _binary_operator(div, node=DivBackward0), "__rtruediv__": _rtruediv,
    "__floordiv__": _binary_operator(floor_divide), "__rfloordiv__": _rfloordiv,
    "__mod__": _binary_operator(remainder), "__rmod__": _rmod,
    "__pow__": _binary_operator(pow), "__rpow__": _rpow,
    "__neg__": neg, "__pos__": lambda self: self, "__abs__": abs, "__invert__": _invert,
    "__eq__": _binary_operator(eq), "__ne__": _binary_operator(ne),
    "__lt__": _binary_operator(lt), "__le__": _binary_operator(le),
    "__gt__": _binary_operator(gt), "__ge__": _binary_operator(ge),
    "__and__": _binary_operator(bitwise_and), "__or__": _binary_operator(bitwise_or),
    "__xor__": _binary_operator(bitwise_xor),
    "__rand__": _binary_operator(bitwise_and, True), "__ror__": _binary_operator(bitwise_or, True),
    "__rxor__": _binary_operator(bitwise_xor, True),
})
# the methods made from _unary functions (t.sqrt(), t.abs(), ...) take no arguments
register_methods(Tensor, {name: _method_without_arguments(name, getattr(Tensor, name))
                          for name, fn in list(vars(Tensor).items())
                          if getattr(fn, "node", None) is not None})
Tensor.__hash__ = lambda self: id(self)

# In-place forms: compute out of place, then write into self (see _util.inplace_variant).
register_methods(Tensor, {name + "_": inplace_variant(fn) for name, fn in {
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
    "divide": div, "true_divide": div, "floor_divide": floor_divide, "remainder": remainder,
    "fmod": fmod, "pow": pow, "neg": neg, "negative": neg, "abs": abs, "absolute": abs,
    "exp": exp, "exp2": exp2, "expm1": expm1, "log": log, "log2": log2, "log10": log10,
    "log1p": log1p, "sqrt": sqrt, "rsqrt": rsqrt, "square": square, "reciprocal": reciprocal,
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
    "atan2": atan2, "sinh": sinh, "cosh": cosh, "tanh": tanh, "sigmoid": sigmoid, "relu": relu,
    "sign": sign, "floor": floor, "ceil": ceil, "round": round, "trunc": trunc, "frac": frac,
    "clamp": clamp, "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max,
    "lerp": lerp, "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "logical_not": logical_not, "logical_and": logical_and, "logical_or": logical_or,
    "logical_xor": logical_xor, "bitwise_not": bitwise_not, "bitwise_and": bitwise_and,
    "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor,
    "erf": erf,
}.items()})
register_methods(Tensor, {
    "__iadd__": Tensor.add_, "__isub__": Tensor.sub_, "__imul__": Tensor.mul_,
    "__itruediv__": Tensor.div_, "__ifloordiv__": Tensor.floor_divide_,
    "__imod__": Tensor.remainder_, "__ipow__": Tensor.pow_, "__iand__": Tensor.bitwise_and_,
    "__ior__": Tensor.bitwise_or_, "__ixor__": Tensor.bitwise_xor_,
})
