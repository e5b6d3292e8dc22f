"""minigrad.testing.make_tensor against torch.testing.make_tensor: ranges, dtypes, layouts,
excluded zeros and errors, checked by property on both; under the same manual_seed the numbers
are torch's too (except float16: minigrad draws it in float32 and rounds)."""
import warnings

import numpy as np
import pytest
import torch

import minigrad

from helpers import assert_same_error, assert_tensor_equal

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
# the interval [low, high) each dtype draws from by default
DEFAULT_RANGE = {"bool": (0, 2), "uint8": (0, 10), "float16": (-9, 9), "float32": (-9, 9),
                 "float64": (-9, 9)}


def draw(lib, *shape, dtype, **kwargs):
    lib.manual_seed(0)
    return lib.testing.make_tensor(*shape, dtype=getattr(lib, dtype), device="cpu", **kwargs)


def assert_same_numbers(mg, th):
    """Under the same seed, torch's numbers -- float16 is drawn another way (see the module)."""
    if mg.dtype != minigrad.float16:
        assert_tensor_equal(mg, th)


def properties(t):
    """What a drawn tensor must share with torch's: shape, dtype, layout, grad flag."""
    return (tuple(t.shape), str(t.dtype), t.is_contiguous(), t.requires_grad)


@pytest.mark.parametrize("dtype", DTYPES)
def test_default_range_and_dtype(dtype):
    low, high = DEFAULT_RANGE.get(dtype, (-9, 10))
    mg = draw(minigrad, 40, 50, dtype=dtype)
    th = draw(torch, 40, 50, dtype=dtype)
    assert properties(mg) == properties(th)
    values = mg.numpy().astype(np.float64)
    assert values.min() >= low and values.max() < high
    # 2000 draws cover the small integer ranges entirely, as torch's do
    if dtype not in ("float16", "float32", "float64"):
        assert set(np.unique(values)) == set(np.unique(th.numpy().astype(np.float64)))
    assert_same_numbers(mg, th)


@pytest.mark.parametrize("dtype,low,high", [
    ("float32", -1, 1), ("float64", 0.5, 0.75), ("int64", -3, 4), ("int8", -1000, 1000),
    ("uint8", -5, 3), ("int32", 0.2, 3.7), ("float32", -3e38, 3e38), ("float16", -1e5, 10),
    ("bool", 1, 2),
])
def test_given_range_is_clamped_like_torch(dtype, low, high):
    mg = draw(minigrad, 300, dtype=dtype, low=low, high=high)
    th = draw(torch, 300, dtype=dtype, low=low, high=high)
    assert properties(mg) == properties(th)
    values, reference = mg.numpy().astype(np.float64), th.numpy().astype(np.float64)
    assert np.isfinite(values).all()
    # torch's interval, clamped to the dtype and rounded up for integers, bounds both
    assert values.min() >= min(reference.min(), 0 if low < 0 else low) - 1e-30
    if dtype in ("int8", "uint8", "int32", "int64", "bool"):
        info = np.iinfo(dtype) if dtype != "bool" else None
        lo = int(np.ceil(low)) if info is None else max(int(np.ceil(low)), int(info.min))
        hi = int(np.ceil(high)) if info is None else min(int(np.ceil(high)), int(info.max) + 1)
        assert lo <= values.min() and values.max() < hi
        assert set(np.unique(values)) <= set(range(lo, hi))
    else:
        finfo = np.finfo(dtype)
        assert max(low, float(finfo.min)) <= values.min()
        assert values.max() < min(high, float(finfo.max))
    assert_same_numbers(mg, th)


@pytest.mark.parametrize("shape", [(3, 4), (5,), (2, 3, 2), (1, 1), (1,), ()])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_noncontiguous(shape, dtype):
    mg = draw(minigrad, shape, dtype=dtype, noncontiguous=True)
    th = draw(torch, shape, dtype=dtype, noncontiguous=True)
    assert properties(mg) == properties(th)
    assert mg.stride() == th.stride()
    assert_same_numbers(mg, th)


@pytest.mark.parametrize("dtype", DTYPES)
def test_exclude_zero(dtype):
    # a range that holds zero often: [0, 2) for every dtype
    mg = draw(minigrad, 400, dtype=dtype, low=0, high=2 if dtype != "bool" else None,
              exclude_zero=True)
    th = draw(torch, 400, dtype=dtype, low=0, high=2 if dtype != "bool" else None,
              exclude_zero=True)
    assert properties(mg) == properties(th)
    assert (mg.numpy() != 0).all()
    if dtype.startswith("float"):
        assert (np.abs(mg.numpy()) >= np.finfo(dtype).tiny).all()
    assert_same_numbers(mg, th)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_requires_grad(dtype):
    mg = draw(minigrad, 3, dtype=dtype, requires_grad=True)
    assert mg.requires_grad and mg.is_leaf
    assert properties(mg) == properties(draw(torch, 3, dtype=dtype, requires_grad=True))


def test_shape_forms():
    for shape in [(2, 3), ((2, 3),), ([2, 3],), (minigrad.Size([2, 3]),)]:
        assert tuple(draw(minigrad, *shape, dtype="float32").shape) == (2, 3)


@pytest.mark.parametrize("kwargs", [
    dict(dtype="int64", requires_grad=True),
    dict(dtype="bool", requires_grad=True),
    dict(dtype="float32", low=1.0, high=0.0),
    dict(dtype="int64", low=5, high=5),
    dict(dtype="float32", low=float("nan")),
    dict(dtype="uint8", low=300, high=400),
    dict(dtype="int8", low=-1000, high=-200),
])
def test_errors_match_torch(kwargs):
    dtype = kwargs.pop("dtype")
    assert_same_error(lambda: draw(minigrad, 3, dtype=dtype, **kwargs),
                      lambda: draw(torch, 3, dtype=dtype, **kwargs))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_cuda_device_error_matches_torch_cpu_build(dtype):
    make = lambda lib: lib.testing.make_tensor(3, dtype=getattr(lib, dtype), device="cuda")  # noqa: E731
    if torch.cuda.is_available():
        pytest.skip("torch has CUDA here: only a CPU build refuses the device")
    assert_same_error(lambda: make(minigrad), lambda: make(torch))


def test_noncontiguous_with_memory_format_is_refused():
    with pytest.raises(ValueError, match="mutually exclusive"):
        draw(minigrad, 2, 2, dtype="float32", noncontiguous=True, memory_format="channels_last")
    with pytest.raises(ValueError, match="row-major"):
        draw(minigrad, 2, 2, dtype="float32", memory_format="channels_last")


def test_low_equal_high_warns_like_torch():
    for lib in (minigrad, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t = draw(lib, 4, dtype="float32", low=2.0, high=2.0)
        assert [type(w.message) for w in caught] == [FutureWarning]
        assert (t.numpy() == 2.0).all()
