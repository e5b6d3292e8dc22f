"""Type promotion against torch, exhaustively.

Every pair of dtypes, with each operand a dimensioned tensor, a 0-dim tensor or a Python
bool/int/float (on either side), through add/sub/mul/div/pow/floor_divide/remainder and the
comparisons: the result dtype and values, or the error class and message, must match torch.
"""
import itertools

import numpy as np
import pytest
import torch
from helpers import assert_same_error, assert_tensor_equal, catch

import minigrad

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
OPS = {
    "add": lambda lib, a, b: lib.add(a, b) if _is_tensor(a) else a + b,
    "sub": lambda lib, a, b: lib.sub(a, b) if _is_tensor(a) else a - b,
    "mul": lambda lib, a, b: lib.mul(a, b) if _is_tensor(a) else a * b,
    "div": lambda lib, a, b: lib.div(a, b) if _is_tensor(a) else a / b,
    "pow": lambda lib, a, b: lib.pow(a, b) if _is_tensor(a) else a ** b,
    "floor_divide": lambda lib, a, b: a // b,
    "remainder": lambda lib, a, b: a % b,
    "eq": lambda lib, a, b: a == b,
    "lt": lambda lib, a, b: a < b,
    "ge": lambda lib, a, b: a >= b,
}
# Operand kinds: a dimensioned tensor, a 0-dim tensor, or a Python scalar.
KINDS = ["dim", "zerodim"]
SCALARS = {"bool": True, "int": 3, "float": 1.5}


def _is_tensor(x):
    return isinstance(x, (torch.Tensor, minigrad.Tensor))


def _values(dtype, kind, which):
    """Small positive values valid in every dtype (no zero divisors)."""
    base = np.array([1, 2, 3]) if which == 0 else np.array([2, 1, 3])
    if dtype == "bool":
        base = np.array([True, True, False]) if which == 0 else np.array([True, True, True])
    arr = base.astype(dtype)
    return arr if kind == "dim" else arr[which]


def _operand(lib, spec, which):
    if spec in SCALARS:
        return SCALARS[spec]
    dtype, kind = spec
    a = np.array(_values(dtype, kind, which))
    return lib.from_numpy(a.copy()) if lib is minigrad else torch.from_numpy(a.copy())


def _compare(op, left, right):
    f = OPS[op]

    def run(lib):
        return f(lib, _operand(lib, left, 0), _operand(lib, right, 1))
    th_cls, _ = catch(lambda: run(torch))
    if th_cls is not None:
        assert_same_error(lambda: run(minigrad), lambda: run(torch))
        return
    got, want = run(minigrad), run(torch)
    # float16 pow/div: torch computes in float32 and rounds once, as NumPy does
    assert_tensor_equal(got, want, rtol=1e-3 if "float16" in str(want.dtype) else None)


TENSOR_SPECS = [(d, k) for d in DTYPES for k in KINDS]


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("left", TENSOR_SPECS, ids=lambda s: f"{s[0]}-{s[1]}")
def test_tensor_with_tensor(op, left):
    for right in TENSOR_SPECS:
        _compare(op, left, right)


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("scalar", sorted(SCALARS))
def test_tensor_with_python_scalar(op, scalar):
    for spec in TENSOR_SPECS:
        _compare(op, spec, scalar)
        _compare(op, scalar, spec)


def test_result_type_and_promote_types():
    """torch.result_type / torch.promote_types over the same grid."""
    for a, b in itertools.product(DTYPES, repeat=2):
        da, db = getattr(minigrad, a), getattr(minigrad, b)
        ta, tb = getattr(torch, a), getattr(torch, b)
        assert str(minigrad.promote_types(da, db)) == str(torch.promote_types(ta, tb))
        for ka, kb in itertools.product(KINDS, repeat=2):
            ma, mb = _operand(minigrad, (a, ka), 0), _operand(minigrad, (b, kb), 1)
            tta, ttb = _operand(torch, (a, ka), 0), _operand(torch, (b, kb), 1)
            assert str(minigrad.result_type(ma, mb)) == str(torch.result_type(tta, ttb))
        for s in SCALARS.values():
            ma = _operand(minigrad, (a, "dim"), 0)
            tta = _operand(torch, (a, "dim"), 0)
            assert str(minigrad.result_type(ma, s)) == str(torch.result_type(tta, s))
    for a, b in itertools.product(DTYPES, repeat=2):
        assert minigrad.can_cast(getattr(minigrad, a), getattr(minigrad, b)) == \
            torch.can_cast(getattr(torch, a), getattr(torch, b))


@pytest.mark.parametrize("expr", [
    "i + 10", "10 + i", "i - 100", "i * 100", "i ** 2", "2 ** i", "-i", "i // 2", "i % 3",
    "i + 2.5", "i * 2.5", "i ** 0.5", "torch.pow(i, 2.0)", "i / 100", "i.div(100)", "i / 2",
    "i32 + 7", "b + 1", "b + b", "f + d1", "f + d0", "i + d0", "i + f", "d1 * 2.5",
    "f * np.float64(2.0)", "f * np.array(2.0)", "i.sqrt()", "i.exp()", "i.log()",
    "f * np.float32(2)", "i * np.int32(2)", "b * np.bool_(True)", "i32 * np.int64(2)",
    "h + 1.5", "h + f", "u8 + i8", "u8 + 300", "i8 * 200", "u8 - 3", "b & True",
    "torch.tensor([-7]) // 2", "torch.tensor([-7]) % 3", "i / 0", "u8 < 300",
])
def test_api_table(expr):
    """The everyday promotion cases (and their neighbours), value and dtype."""
    def run(lib):
        return eval(expr, {
            "torch": lib, "np": np, "i": lib.tensor([[1, 2], [4, 0]]),
            "i32": lib.tensor([1, 2], dtype=lib.int32), "b": lib.tensor([True, False]),
            "f": lib.tensor([1.5, 2.5]), "d1": lib.tensor([1.0, 2.0], dtype=lib.float64),
            "d0": lib.tensor(2.0, dtype=lib.float64), "h": lib.tensor([1.0, 2.0], dtype=lib.half),
            "u8": lib.tensor([7, 200], dtype=lib.uint8),
            "i8": lib.tensor([7, -100], dtype=lib.int8),
        })
    got, want = run(minigrad), run(torch)
    assert_tensor_equal(got, want)
