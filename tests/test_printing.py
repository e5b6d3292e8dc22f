"""minigrad's tensor printing compared byte for byte with torch's.

The printer only needs a duck-typed tensor, so these tests wrap NumPy arrays in a small
stand-in class and compare ``tensor_repr`` of it with ``repr`` of the same values as a
real torch tensor.
"""
import contextlib
import math
import time

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minigrad import _dtype
from minigrad import _printing as printing
from minigrad._dtype import _BY_NAME

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DTYPE_NAMES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
               "bool"]


# ---- helpers -----------------------------------------------------------------------------------
class Tensor:
    """Stand-in for minigrad.Tensor: just the attributes the printer reads.

    Named ``Tensor`` so that ``object.__format__`` errors read like torch's.
    """

    def __init__(self, data, requires_grad=False, grad_fn=None):
        self._data = data
        self.dtype = _BY_NAME[data.dtype.name]
        self.requires_grad = requires_grad
        self.grad_fn = grad_fn

    def __repr__(self):
        return printing.tensor_repr(self)

    def __format__(self, format_spec):
        return printing.tensor_format(self, format_spec)


def fake_grad_fn(name):
    """An object whose class is called ``name``, like torch's autograd nodes."""
    return type(name, (), {})()


def from_torch(t):
    """The stand-in for a torch tensor: same values, dtype, requires_grad and grad_fn name."""
    grad_fn = None if t.grad_fn is None else fake_grad_fn(type(t.grad_fn).__name__)
    return Tensor(t.detach().numpy().copy(), t.requires_grad, grad_fn)


def to_torch(data):
    """A torch tensor holding the values of a NumPy array (of any layout)."""
    return torch.from_numpy(data.copy(order="C"))


def assert_same(t):
    """minigrad prints the stand-in for torch tensor ``t`` exactly as torch prints ``t``."""
    assert printing.tensor_repr(from_torch(t)) == repr(t)


@contextlib.contextmanager
def both_printoptions(**kwargs):
    """Set the same printing options in torch and minigrad, restoring both afterwards."""
    torch.set_printoptions(**kwargs)
    printing.set_printoptions(**kwargs)
    try:
        yield
    finally:
        torch.set_printoptions(profile="default")
        printing.set_printoptions(profile="default")


@pytest.fixture(autouse=True)
def default_printoptions():
    """Every test starts and ends with the default options in both libraries."""
    torch.set_printoptions(profile="default")
    printing.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    printing.set_printoptions(profile="default")


# ---- strategies --------------------------------------------------------------------------------
SPECIAL_FLOATS = [
    0.0, -0.0, math.nan, math.inf, -math.inf, 1.0, -1.0, 0.5, 2.5, 10.0, 100.0, 1000.0,
    1001.0, -5.0, 1e8, 1.5e8, 123456789.0, 1e-4, 1.0001e-4, 9.9999e-5, 1e-5, 0.12355,
    123456.789, 9.99995, 0.99995, 99999.5, 65504.0, 6e-8, 1e-300, 1e300, 5e-324, -1.5e-10,
    1.7976931348623157e308,
]


def float_values():
    return st.one_of(
        st.sampled_from(SPECIAL_FLOATS),
        st.integers(-(10 ** 6), 10 ** 6).map(float),
        st.integers(-(10 ** 12), 10 ** 12).map(float),
        st.floats(-1e4, 1e4),
        st.floats(-1e-2, 1e-2),
        st.floats(allow_nan=True, allow_infinity=True),
    )


def values_for(dtype_name):
    """Python values for one dtype (floats are cast afterwards and may overflow to inf)."""
    if dtype_name == "bool":
        return st.booleans()
    if dtype_name.startswith("float"):
        return float_values()
    info = np.iinfo(dtype_name)
    return st.one_of(st.integers(max(info.min, -12), min(info.max, 12)),
                     st.integers(int(info.min), int(info.max)))


def cast(values, dtype_name):
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype_name.startswith("float"):
            return np.asarray(values, dtype=np.float64).astype(dtype_name)
        return np.asarray(values, dtype=dtype_name)


BIG_SHAPES = [(1001,), (2000,), (40, 50), (3, 400), (400, 3), (1, 1001), (1001, 1), (11, 10, 10),
              (2, 3, 200), (7, 7, 7, 7), (2, 1, 1, 600), (13, 9, 9)]

dims = st.one_of(st.integers(0, 4), st.integers(5, 12))
ANY_DTYPE = st.sampled_from(DTYPE_NAMES)
shapes = st.one_of(st.lists(dims, min_size=0, max_size=4).map(tuple),
                   st.sampled_from(BIG_SHAPES))


@st.composite
def arrays(draw, dtype_names=ANY_DTYPE):
    """A NumPy array of any dtype and shape: small ones element by element, big ones
    from a random palette of drawn values (so summarized tensors mix values too);
    sometimes a non-contiguous view."""
    dtype_name = draw(dtype_names)
    shape = draw(shapes)
    size = math.prod(shape)
    if size <= 64:
        data = cast(draw(st.lists(values_for(dtype_name), min_size=size, max_size=size)),
                    dtype_name).reshape(shape)
    else:
        palette = cast(draw(st.lists(values_for(dtype_name), min_size=1, max_size=6)),
                       dtype_name)
        rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
        data = palette[rng.integers(0, len(palette), size=shape)]
    layout = draw(st.sampled_from(["contiguous", "transposed", "reversed"]))
    if layout == "transposed":
        data = data.T
    elif layout == "reversed" and data.ndim:
        data = data[::-1]
    return data


printoption_sets = st.fixed_dictionaries({}, optional={
    "precision": st.integers(0, 8),
    "threshold": st.sampled_from([0, 5, 50, 1000, math.inf]),
    "edgeitems": st.integers(0, 4),
    "linewidth": st.integers(10, 200),
    "profile": st.sampled_from(["default", "short", "full"]),
    "sci_mode": st.sampled_from([None, True, False]),
})


# ---- property tests ----------------------------------------------------------------------------
@SETTINGS
@given(arrays())
def test_matches_torch_for_any_array(data):
    assert printing.tensor_repr(Tensor(data)) == repr(to_torch(data))


@SETTINGS
@given(arrays(st.sampled_from(["float16", "float32", "float64"])))
def test_matches_torch_for_float_arrays(data):
    assert printing.tensor_repr(Tensor(data)) == repr(to_torch(data))


@SETTINGS
@given(arrays(), printoption_sets)
def test_matches_torch_under_any_printoptions(data, options):
    with both_printoptions(**options):
        assert printing.get_printoptions() == torch._tensor_str.get_printoptions()
        assert printing.tensor_repr(Tensor(data)) == repr(to_torch(data))


@settings(max_examples=100, deadline=None)
@given(arrays(st.sampled_from(["float16", "float32", "float64"])),
       st.sampled_from(["requires_grad", "MulBackward0", "CloneBackward0"]),
       st.integers(20, 120))
def test_matches_torch_with_autograd_suffixes(data, kind, linewidth):
    t = to_torch(data).requires_grad_()
    if kind == "MulBackward0":
        t = t * 1          # same values, new MulBackward0 node
    elif kind == "CloneBackward0":
        t = t.clone()
    with both_printoptions(linewidth=linewidth):
        assert_same(t)


# ---- the everyday printing cases, spelled out -------------------------------------------------
API_EXAMPLES = {
    "tensor(10)": lambda: torch.tensor(10),
    "tensor(10.)": lambda: torch.tensor(10.),
    "tensor(2.5000)": lambda: torch.tensor(2.5),
    "tensor(10., dtype=torch.float64)": lambda: torch.tensor(10., dtype=torch.float64),
    "tensor([ True, False])": lambda: torch.tensor([True, False]),
    "tensor(True)": lambda: torch.tensor(True),
    "tensor([1, 2], dtype=torch.int32)": lambda: torch.tensor([1, 2], dtype=torch.int32),
    "tensor([1.5000], dtype=torch.float16)": lambda: torch.tensor([1.5], dtype=torch.float16),
    "tensor([1., 2.], requires_grad=True)": lambda: torch.tensor([1., 2.], requires_grad=True),
    "tensor([1., 2.], dtype=torch.float64, requires_grad=True)":
        lambda: torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True),
    "tensor([2., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)":
        lambda: torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True) * 2,
    "tensor(6., grad_fn=<MulBackward0>)": lambda: torch.tensor(3., requires_grad=True) * 2,
    "tensor([[3., 3., 3., 3., 3., 3., 3., 3., 3., 3., 3., 3.],\n"
    "        [3., 3., 3., 3., 3., 3., 3., 3., 3., 3., 3., 3.]],\n"
    "       grad_fn=<MulBackward0>)":
        lambda: torch.full((2, 12), 1.5, requires_grad=True) * 2,
    "tensor([])": lambda: torch.zeros(0),
    "tensor([], dtype=torch.int64)": lambda: torch.zeros(0, dtype=torch.int64),
    "tensor([], size=(0, 3))": lambda: torch.zeros(0, 3),
    "tensor([], size=(2, 0), dtype=torch.float64)": lambda: torch.zeros(2, 0, dtype=torch.float64),
    "tensor([], dtype=torch.int16)": lambda: torch.ShortTensor(),
    "tensor([], size=(0, 5), dtype=torch.int64)": lambda: torch.zeros(0, 5, dtype=torch.int64),
    "tensor([], dtype=torch.bool)": lambda: torch.zeros(1, 0, dtype=torch.bool)[0],
    "tensor([   1., 1000.])": lambda: torch.tensor([1., 1000.]),
    "tensor([1.0000e+00, 1.0010e+03])": lambda: torch.tensor([1., 1001.]),
    "tensor([5.0000e-01, 6.0000e+02])": lambda: torch.tensor([0.5, 600.]),
    "tensor([1.0000e-04, 1.0000e+00])": lambda: torch.tensor([0.0001, 1.]),
    "tensor(100000000.)": lambda: torch.tensor(1e8),
    "tensor(1.2346e+08)": lambda: torch.tensor(123456789.),
    "tensor(1.0000e-05)": lambda: torch.tensor(1e-5),
    "tensor([123456.7891])": lambda: torch.tensor([123456.789]),
    "tensor([0.1235])": lambda: torch.tensor([0.12355]),
    "tensor([1.5000,    nan,   -inf])": lambda: torch.tensor([1.5, math.nan, -math.inf]),
    "tensor([100.,  -5.])": lambda: torch.tensor([100., -5.]),
    "tensor([-1.5000e-10,  3.0000e+00])": lambda: torch.tensor([-1.5e-10, 3.]),
    "tensor([0., -0.])": lambda: torch.tensor([0., -0.]),
    "tensor([   1, -100, 1000])": lambda: torch.tensor([1, -100, 1000]),
    "tensor([0., 0.])": lambda: torch.zeros(2),
    "tensor([nan])": lambda: torch.tensor([math.nan]),
    "tensor([1., nan, inf])": lambda: torch.tensor([1., math.nan, math.inf]),
    "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
    "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])": lambda: torch.arange(30),
    "tensor([   0,    1,    2,  ...,  998,  999, 1000])": lambda: torch.arange(1001),
    "tensor([[[[1., 1.]],\n\n         [[1., 1.]]]])": lambda: torch.ones(1, 2, 1, 2),
}


@pytest.mark.parametrize("expected", list(API_EXAMPLES))
def test_api_examples(expected):
    t = API_EXAMPLES[expected]()
    assert repr(t) == expected          # the catalogue still describes this torch
    assert printing.tensor_repr(from_torch(t)) == expected


MORE_TORCH_CASES = [
    lambda: torch.arange(30.) / 7,
    lambda: torch.arange(1000),
    lambda: torch.arange(2000.).reshape(40, 50),
    lambda: torch.tensor([[5., 9., 3.], [3., 4., 0.]], dtype=torch.float64).exp(),
    lambda: torch.tensor([[5., 9., 3.], [3., 4., 0.]], dtype=torch.float64).log(),
    lambda: torch.arange(24).reshape(2, 3, 4),
    lambda: torch.arange(120.).reshape(2, 3, 4, 5) - 60,
    lambda: torch.arange(5000).reshape(10, 10, 50),
    lambda: torch.tensor([0.1, 0.2, 0.3], dtype=torch.float16),
    lambda: torch.tensor([65504., 6e-8, -1e-3], dtype=torch.float16),
    lambda: torch.tensor([0, 255], dtype=torch.uint8),
    lambda: torch.tensor([-128, 127], dtype=torch.int8),
    lambda: torch.tensor([-(2 ** 63), 2 ** 63 - 1]),
    lambda: torch.tensor([True] * 30),
    lambda: torch.tensor([1e-300, 1e300], dtype=torch.float64),
    lambda: torch.tensor(float("-inf")),
    lambda: torch.tensor(-0.0),
    lambda: torch.linspace(-1, 1, 1500).reshape(3, 500),
    lambda: torch.tensor([1.0, 2.0], requires_grad=True).sum(),
    lambda: torch.ones(3, 4, requires_grad=True).t(),
]


@pytest.mark.parametrize("make", MORE_TORCH_CASES)
def test_more_torch_cases(make):
    assert_same(make())


# ---- suffixes ----------------------------------------------------------------------------------
def test_grad_fn_suffix_uses_class_name():
    t = torch.tensor([1., 2.], requires_grad=True) * 2
    fake = Tensor(np.array([2., 4.], dtype=np.float32), grad_fn=fake_grad_fn("MulBackward0"))
    assert printing.tensor_repr(fake) == repr(t) == "tensor([2., 4.], grad_fn=<MulBackward0>)"


def test_grad_fn_suffix_is_the_class_name_not_name():
    """CopySlices / CopyBackwards print their class name; name() is the full C++ name."""
    import minigrad
    for lib in (minigrad, torch):
        x = lib.ones(2, requires_grad=True)
        y = x * 1
        y[0] = 5
        z = x.clone()
        z.copy_(lib.zeros(2))
        assert y.grad_fn.name() == "torch::autograd::CopySlices"
        assert repr(y) == "tensor([5., 1.], grad_fn=<CopySlices>)"
        assert repr(z) == "tensor([0., 0.], grad_fn=<CopyBackwards>)"


def test_grad_fn_wins_over_requires_grad():
    fake = Tensor(np.zeros(2, dtype=np.float64), requires_grad=True,
                  grad_fn=fake_grad_fn("SumBackward0"))
    assert printing.tensor_repr(fake) == (
        "tensor([0., 0.], dtype=torch.float64, grad_fn=<SumBackward0>)")


def test_requires_grad_on_empty_tensor():
    assert_same(torch.zeros(0, 2, dtype=torch.float64, requires_grad=True))


@pytest.mark.parametrize("length", range(1, 16))
def test_suffix_wrapping_quirk(length):
    # Around the 80-column boundary the "+ 2" quirk in torch's line measure matters.
    assert_same(torch.ones(length, dtype=torch.float64, requires_grad=True) * 1.5)
    assert_same(torch.arange(length * 2, dtype=torch.int16).reshape(2, length))


def test_custom_prefix_sets_the_indent():
    fake = Tensor(np.ones((2, 2), dtype=np.float32))
    assert printing.tensor_repr(fake, prefix="nested(") == (
        "nested([[1., 1.],\n"
        "        [1., 1.]])")


def test_parameter_repr():
    p = torch.nn.Parameter(torch.tensor([[-0.0075]]))
    fake = Tensor(p.detach().numpy().copy(), requires_grad=True)
    assert printing.parameter_repr(fake) == repr(p)
    frozen = torch.nn.Parameter(torch.tensor([1.]), requires_grad=False)
    assert printing.parameter_repr(Tensor(np.array([1.], dtype=np.float32))) == repr(frozen)


@pytest.mark.parametrize("make", [
    lambda: torch.tensor([1., 2.]),
    lambda: torch.tensor([1., 2.], dtype=torch.float64),
    lambda: torch.zeros(0),
    lambda: torch.zeros(0, dtype=torch.float64),
])
def test_default_dtype_float64(make):
    t = make()
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    _dtype.set_default_dtype(_dtype.float64)
    try:
        assert_same(t)
    finally:
        torch.set_default_dtype(previous)
        _dtype.set_default_dtype(_dtype.float32)


# ---- options -----------------------------------------------------------------------------------
def test_printoption_defaults():
    assert printing.get_printoptions() == {
        "precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


@pytest.mark.parametrize("calls", [
    [{"precision": 2}],
    [{"profile": "short"}],
    [{"profile": "full"}],
    [{"profile": "full", "precision": 6}],
    [{"sci_mode": True}, {"precision": 3}],          # sci_mode is reset when left out
    [{"profile": "short"}, {"profile": "nonsense"}],  # unknown profiles are ignored
    [{"threshold": 5, "edgeitems": 1}, {"profile": "default"}],
])
def test_set_printoptions_matches_torch(calls):
    for kwargs in calls:
        torch.set_printoptions(**kwargs)
        printing.set_printoptions(**kwargs)
        assert printing.get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_manager_restores():
    printing.set_printoptions(precision=6)
    with printing.printoptions(precision=2, sci_mode=True):
        assert printing.get_printoptions()["precision"] == 2
        assert printing.get_printoptions()["sci_mode"] is True
    assert printing.get_printoptions()["precision"] == 6
    assert printing.get_printoptions()["sci_mode"] is None


@pytest.mark.parametrize("options", [
    {"precision": 2}, {"precision": 0}, {"precision": 10},
    {"sci_mode": True}, {"sci_mode": False},
    {"threshold": 5}, {"threshold": 5, "edgeitems": 1}, {"threshold": 3, "edgeitems": 0},
    {"edgeitems": 0}, {"linewidth": 20}, {"linewidth": 1}, {"profile": "short"},
    {"profile": "full"},
])
@pytest.mark.parametrize("make", [
    lambda: torch.tensor([1.12345, -200.5, 3e-3]),
    lambda: torch.tensor([1., 2., 1000.]),
    lambda: torch.tensor([0., 0., math.nan]),
    lambda: torch.arange(10),
    lambda: torch.arange(60.).reshape(3, 4, 5) / 3,
    lambda: torch.tensor(3.),
    lambda: torch.tensor([1e-5, 1.0], dtype=torch.float16),
])
def test_printoption_cases(options, make):
    with both_printoptions(**options):
        assert_same(make())


def test_set_printoptions_docstring_examples():
    printing.set_printoptions(precision=2)
    assert printing.tensor_repr(Tensor(np.array([1.12345], dtype=np.float32))) == "tensor([1.12])"
    printing.set_printoptions(threshold=5)
    assert printing.tensor_repr(Tensor(np.arange(10))) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    printing.set_printoptions(profile="default")
    assert printing.tensor_repr(Tensor(np.array([1.12345], dtype=np.float32))) == (
        "tensor([1.1235])")


# ---- __format__ --------------------------------------------------------------------------------
@pytest.mark.parametrize("value, dtype", [
    (3.0, torch.float32), (1.2345, torch.float32), (0.1, torch.float16), (7, torch.int64),
    (True, torch.bool), (-2.5, torch.float64),
])
@pytest.mark.parametrize("spec", ["", ".2f", ">10", "e", ".3g"])
def test_format_of_0dim_uses_item(value, dtype, spec):
    if dtype == torch.bool and spec in (".2f", "e", ".3g"):
        spec = ""
    t = torch.tensor(value, dtype=dtype)
    assert format(from_torch(t), spec) == format(t, spec)


def test_format_of_nd_tensor():
    t = torch.tensor([1.2345])
    fake = from_torch(t)
    assert format(fake, "") == format(t, "") == "tensor([1.2345])"
    with pytest.raises(TypeError) as torch_error:
        format(t, ".2f")
    with pytest.raises(TypeError) as our_error:
        format(fake, ".2f")
    assert str(our_error.value) == str(torch_error.value) == (
        "unsupported format string passed to Tensor.__format__")


# ---- speed -------------------------------------------------------------------------------------
def test_huge_tensor_is_summarized_before_formatting():
    data = np.random.default_rng(0).standard_normal((2000, 2000)).astype(np.float32)
    start = time.perf_counter()
    text = printing.tensor_repr(Tensor(data))
    assert time.perf_counter() - start < 1.0
    assert text == repr(torch.from_numpy(data))
