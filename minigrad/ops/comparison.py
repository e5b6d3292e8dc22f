"""Comparisons, logic and bitwise ops: bool (or integer) results, no gradient."""

import numpy as np

from .._dtype import promote_values
from .._tensor import _make
from .registry import declare
from ._compat import (_binary_dtype, _value, _binary, _wrap_int, _not_implemented_for,
                      _tensor_or_scalar)

__all__ = [
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal", "less_equal",
    "not_equal", "equal", "isnan", "isinf", "isfinite", "logical_not", "logical_and",
    "logical_or", "logical_xor", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "allclose", "isclose",
]


def _compare(ufunc):
    def fn(input, other):
        a = _value(input)
        b = _value(_tensor_or_scalar(other))
        dt = _binary_dtype(a, b) if isinstance(a, np.ndarray) else promote_values(a, b)
        if dt.kind in "iu":  # torch casts an out-of-range int to the dtype first (300 -> 44)
            a, b = _wrap_int(a, dt), _wrap_int(b, dt)
        with np.errstate(invalid="ignore"):
            return _make(_binary(ufunc, a, b, dt))
    return fn


eq = _compare(np.equal)
ne = not_equal = _compare(np.not_equal)
lt = less = _compare(np.less)
le = less_equal = _compare(np.less_equal)
gt = greater = _compare(np.greater)
ge = greater_equal = _compare(np.greater_equal)


def equal(input, other):
    """True if same shape and same values."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def isnan(input):
    return _make(np.isnan(input._data))


def isinf(input):
    return _make(np.isinf(input._data))


def isfinite(input):
    return _make(np.isfinite(input._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _make(np.isclose(input._data, _value(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(input._data, _value(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def logical_not(input):
    return _make(np.logical_not(input._data))


def _logical(ufunc):
    def fn(input, other):
        return _make(ufunc(_value(input), _value(other)))
    return fn


logical_and = _logical(np.logical_and)
logical_or = _logical(np.logical_or)
logical_xor = _logical(np.logical_xor)


def _bitwise(ufunc, name):
    def fn(input, other):
        a, b = _value(input), _value(_tensor_or_scalar(other))
        dt = promote_values(a, b)
        if dt.kind == "f":
            raise _not_implemented_for(f"{name}_cpu", dt)
        return _make(_binary(ufunc, a, b, dt))
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise _not_implemented_for("bitwise_not_cpu", input._data.dtype)
    return _make(np.invert(input._data))


# ---- what each op is to the tests, the fuzzer and the docs (ops/registry.py) --------------------
_WITH_INPLACE = ("function", "method", "inplace")
for _name, _fn, _aliases, _args, _forms, _dtypes in (
        ("eq", eq, (), 2, _WITH_INPLACE, ("float32", "float64")),
        ("ne", ne, ("not_equal",), 2, _WITH_INPLACE, ("float32", "float64")),
        ("lt", lt, ("less",), 2, _WITH_INPLACE, ("float32", "float64")),
        ("le", le, ("less_equal",), 2, _WITH_INPLACE, ("float32", "float64")),
        ("gt", gt, ("greater",), 2, _WITH_INPLACE, ("float32", "float64")),
        ("ge", ge, ("greater_equal",), 2, _WITH_INPLACE, ("float32", "float64")),
        ("logical_not", logical_not, (), 1, _WITH_INPLACE, ("float32", "bool")),
        ("logical_and", logical_and, (), 2, _WITH_INPLACE, ("float32", "bool")),
        ("logical_or", logical_or, (), 2, _WITH_INPLACE, ("float32", "bool")),
        ("logical_xor", logical_xor, (), 2, _WITH_INPLACE, ("float32", "bool")),
        ("bitwise_not", bitwise_not, (), 1, _WITH_INPLACE, ("int32", "int64", "bool")),
        ("bitwise_and", bitwise_and, (), 2, _WITH_INPLACE, ("int32", "int64", "bool")),
        ("bitwise_or", bitwise_or, (), 2, _WITH_INPLACE, ("int32", "int64", "bool")),
        ("bitwise_xor", bitwise_xor, (), 2, _WITH_INPLACE, ("int32", "int64", "bool")),
        ("isnan", isnan, (), 1, ("function", "method"), ("float32", "float64")),
        ("isinf", isinf, (), 1, ("function", "method"), ("float32", "float64")),
        ("isfinite", isfinite, (), 1, ("function", "method"), ("float32", "float64"))):
    declare(_name, _fn, aliases=_aliases, args=("input", "other")[:_args], forms=_forms,
            dtypes=_dtypes, family="comparison", differentiable=False)
