"""minigrad.testing.assert_close / assert_allclose against torch.testing: the same inputs give the
same outcome, the same exception class and the same message, byte for byte."""
import pathlib
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from minigrad.testing import assert_allclose, assert_close

from helpers import catch


def outcome(lib, build, **kwargs):
    """(exception class name, message) of lib.testing.assert_close on what ``build(lib)`` makes."""
    actual, expected = build(lib)
    return catch(lambda: lib.testing.assert_close(actual, expected, **kwargs))


def assert_same_outcome(build, **kwargs):
    expected = outcome(torch, build, **kwargs)
    got = outcome(minigrad, build, **kwargs)
    assert got == expected


def tensors(a, e, dtype="float32"):
    return lambda L: (L.tensor(a, dtype=getattr(L, dtype)), L.tensor(e, dtype=getattr(L, dtype)))


nan, inf = float("nan"), float("inf")

# name -> (build(lib) -> (actual, expected), keyword arguments)
CASES = {
    "close": (tensors([1.0, 2.0], [1.0, 2.0 + 1e-6]), {}),
    "float32 mismatch": (tensors([1.0, 2.0, 3.0], [1.0, 2.5, 3.0]), {}),
    "float64 mismatch": (tensors([1.0, 2.0, 3.0], [1.0, 2.5, 3.0], "float64"), {}),
    "float16 mismatch": (tensors([1.0, 2.0], [1.0, 3.0], "float16"), {}),
    "int64 mismatch": (tensors([1, 2], [1, 3], "int64"), {}),
    "uint8 mismatch": (tensors([1, 2], [3, 1], "uint8"), {}),
    "int32 with tolerance": (tensors([1, 2], [1, 3], "int32"), dict(rtol=0.5, atol=0)),
    "bool mismatch": (tensors([True, False], [True, True], "bool"), {}),
    "0-dim": (tensors(3.0, 4.0), {}),
    "0-dim int": (tensors(3, 4, "int64"), {}),
    "0-dim bool": (tensors(True, False, "bool"), {}),
    "0-dim nan": (tensors(nan, nan), {}),
    "0-dim nan equal_nan": (tensors(nan, nan), dict(equal_nan=True)),
    "nan and inf": (tensors([1.0, nan, inf], [1.0, 2.0, 3.0]), {}),
    "nan both": (tensors([nan, 1.0], [nan, 1.0]), {}),
    "nan both equal_nan": (tensors([nan, 1.0], [nan, 1.0]), dict(equal_nan=True)),
    "nan swapped": (tensors([nan, 1.0], [1.0, nan]), {}),
    "inf equal": (tensors([inf, -inf], [inf, -inf]), {}),
    "inf opposite": (tensors([inf], [-inf]), {}),
    "zero expected": (tensors([0.0, 1.0], [0.0, 0.0]), {}),
    "all mismatch ties": (tensors([5, 5, 5], [1, 1, 1], "int64"), {}),
    "2-d index": (lambda L: (L.arange(12.0).reshape(3, 4),
                             L.arange(12.0).reshape(3, 4) * L.tensor([1.0, 1.0, 1.1, 1.0])), {}),
    "empty": (lambda L: (L.zeros(0), L.zeros(0)), {}),
    "shape": (lambda L: (L.zeros(3), L.zeros(3, 1)), {}),
    "dtype": (lambda L: (L.zeros(3), L.zeros(3, dtype=L.float64)), {}),
    "dtype unchecked": (lambda L: (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.5], dtype=L.float64)),
                        dict(check_dtype=False)),
    "int vs float unchecked": (lambda L: (L.tensor([1, 2], dtype=L.int32), L.tensor([1.0, 2.5])),
                               dict(check_dtype=False)),
    "stride": (lambda L: (L.zeros(2, 3).t(), L.zeros(3, 2)), dict(check_stride=True)),
    "stride unchecked": (lambda L: (L.zeros(2, 3).t(), L.zeros(3, 2)), {}),
    "rtol only": (tensors([1.0], [1.0]), dict(rtol=1e-3)),
    "atol only": (tensors([1.0], [1.0]), dict(atol=1e-3)),
    "rtol only, msg": (tensors([1.0], [1.0]), dict(rtol=1e-3, msg="ignored")),
    "loose": (tensors([1.0, 2.0], [1.0, 2.1]), dict(rtol=0.1, atol=0.0)),
    "exact": (tensors([1.0, 2.0], [1.0, 2.1]), dict(rtol=0.0, atol=0.0)),
    "msg str": (tensors([1.0, 2.0], [1.0, 3.0]), dict(msg="custom")),
    "msg callable": (tensors([1.0, 2.0], [1.0, 3.0]), dict(msg=lambda m: f"Head\n\n{m}\n\nFoot")),
    "msg callable in list": (lambda L: ([L.ones(2)], [L.zeros(2)]), dict(msg=lambda m: m + "!")),
    "list": (lambda L: ([L.ones(3), L.ones(3)], [L.ones(3), L.tensor([1.0, 2.0, 1.0])]), {}),
    "tuple vs list": (lambda L: ((L.ones(2), 2.0), [L.ones(2), 2.0]), {}),
    "nested": (lambda L: ([[L.tensor(1.0)], {"a": 1}], [[L.tensor(2.0)], {"a": 1}]), {}),
    "dict": (lambda L: ({"x": L.ones(2), "y": 1}, {"y": 1, "x": L.zeros(2)}), {}),
    "dict keys": (lambda L: ({"x": L.ones(2)}, {"y": L.ones(2)}), {}),
    "length": (lambda L: ([L.ones(1)], [L.ones(1), L.ones(1)]), {}),
    "length, msg": (lambda L: ([1], [1, 2]), dict(msg="m")),
    "tensor vs list": (lambda L: (L.ones(3), [1.0, 1.0, 1.0]), {}),
    "tensor vs float": (lambda L: (L.ones(()), 1.0), {}),
    "strings": (lambda L: ("a", "a"), {}),
    "string in list": (lambda L: ([L.ones(1), "a"], [L.zeros(1), "a"]), {}),
    "numpy arrays": (lambda L: (np.array([1.0, 2.0]), np.array([1.0, 3.0])), {}),
    "numpy vs tensor": (lambda L: (np.ones(2), L.ones(2, dtype=L.float64)), {}),
    "subclass": (lambda L: (L.nn.Parameter(L.ones(2)), L.ones(2)), {}),
    "subclass refused": (lambda L: (L.nn.Parameter(L.ones(2)), L.ones(2)),
                         dict(allow_subclasses=False)),
    "requires_grad": (lambda L: (L.ones(2, requires_grad=True), L.zeros(2)), {}),
    "none": (lambda L: (None, None), {}),
    "none vs tensor": (lambda L: (None, L.tensor([1.0])), {}),
    "floats": (lambda L: (1.0, 1.5), {}),
    "floats close": (lambda L: (1.0, 1.0 + 1e-8), {}),
    "ints": (lambda L: (1, 2), {}),
    "int vs float": (lambda L: (1, 1.0), {}),
    "int vs float unchecked scalar": (lambda L: (1.0, 1), dict(check_dtype=False)),
    "nan floats": (lambda L: (nan, nan), {}),
    "nan floats equal_nan": (lambda L: (nan, nan), dict(equal_nan=True)),
    "inf floats": (lambda L: (inf, -inf), {}),
    "complex": (lambda L: (1 + 2j, 1 + 2.5j), {}),
    "complex vs int": (lambda L: (1 + 2j, 1), {}),
    "bools": (lambda L: (True, False), {}),
    "numpy bools": (lambda L: (np.bool_(True), True), {}),
    "numpy scalars": (lambda L: (np.float32(1.0), np.float32(1.5)), {}),
    "numpy scalar vs float": (lambda L: (np.float64(1.0), 1.0), {}),
    "bool vs int": (lambda L: (True, 1), {}),
    "empty containers, rtol only": (lambda L: ([], []), dict(rtol=1.0)),
}


@pytest.mark.parametrize("name", CASES)
def test_assert_close_matches_torch(name):
    build, kwargs = CASES[name]
    expected = outcome(torch, build, **kwargs)
    got = outcome(minigrad, build, **kwargs)
    if name == "bool vs int":
        # torch fails inside its own pairing code here; only the class is kept
        assert got[0] == expected[0] == "RuntimeError"
        return
    assert got == expected


def test_torch_testing_resolves_to_minigrad():
    import minigrad as mg_torch
    assert mg_torch.testing.assert_close is assert_close
    program = ("import minigrad, torch, torch.testing\n"
               "from torch.testing import assert_close, make_tensor\n"
               "assert torch is minigrad and torch.testing is minigrad.testing\n"
               "assert make_tensor is minigrad.testing.make_tensor\n"
               "print(assert_close.__module__)\n")
    script = pathlib.Path(tempfile.mkdtemp()) / "uses_testing.py"
    script.write_text(program)
    out = subprocess.run([sys.executable, "-m", "minigrad.torch_alias", str(script)],
                         capture_output=True, text=True, check=True)
    assert out.stdout == "minigrad.testing._comparison\n"


DTYPES = ["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"]


@st.composite
def mismatching_pairs(draw):
    """Two same-shape arrays: a random one and a copy with some elements perturbed (some by
    NaN/inf for floats), in a drawn dtype."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5))
    if dtype == "bool":
        elements = st.booleans()
    elif dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        elements = st.integers(max(int(info.min), -100), min(int(info.max), 100))
    else:
        elements = st.sampled_from([0.0, 1.0, -2.5, 3.25, 1e-3, 7.0, nan, inf, -inf]) | \
            st.floats(-100, 100, width=16)
    expected = draw(hnp.arrays(dtype, shape, elements=elements))
    actual = expected.copy()
    mask = draw(hnp.arrays(np.bool_, shape))
    noise = draw(hnp.arrays(dtype, shape, elements=elements))
    actual[mask] = noise[mask]
    equal_nan = draw(st.booleans())
    tolerances = draw(st.sampled_from([{}, dict(rtol=0.0, atol=0.0), dict(rtol=0.1, atol=0.5)]))
    return actual, expected, dict(equal_nan=equal_nan, **tolerances)


@settings(max_examples=150, deadline=None)
@given(mismatching_pairs())
def test_drawn_mismatches_match_torch(drawn):
    actual, expected, kwargs = drawn
    build = lambda L: (L.from_numpy(actual.copy()), L.from_numpy(expected.copy()))  # noqa: E731
    assert_same_outcome(build, **kwargs)


@pytest.mark.parametrize("name", ["float32 mismatch", "float64 mismatch", "int64 mismatch",
                                  "list", "0-dim nan", "numpy arrays", "nan both"])
@pytest.mark.parametrize("kwargs", [{}, dict(rtol=0.5, atol=0.5), dict(msg="custom")])
def test_assert_allclose_matches_torch(name, kwargs):
    build = CASES[name][0]

    def run(lib, fn):
        actual, expected = build(lib)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = catch(lambda: fn(actual, expected, **kwargs))
        return result, [type(w.message).__name__ for w in caught]

    assert run(minigrad, assert_allclose) == run(torch, torch.testing.assert_allclose)
