"""minigrad's square root against torch's, byte for byte (``minigrad/_torch_sqrt.py``).

torch's CPU sqrt is MKL's, which is not correctly rounded; on the processors whose MKL kernel
minigrad reproduces (``ESTIMATE_KERNEL``) every result must carry torch's exact bytes: every
float32 in [1, 4) (all 2**24 of them: every mantissa for both exponent parities), random bit
patterns over the whole range of both dtypes, the edges of the kernel's fast path, sizes,
unaligned and strided arrays, 0-d arrays. The optimizers use it; the ``sqrt`` op
(``Tensor.sqrt``/``sqrt_``, ``out=``, ``pow(x, 0.5)``) stays NumPy's correctly rounded root,
within one ulp of torch's. On other processors the module's sqrt is NumPy's too, and the tests
ask for torch's results within one ulp.
"""
import numpy as np
import pytest
import torch

import minigrad
from minigrad import _torch_sqrt

KNOWN = _torch_sqrt.ESTIMATE_KERNEL is not None
UNSIGNED = {np.float32: np.uint32, np.float64: np.uint64}


def torch_roots(x):
    return torch.from_numpy(np.ascontiguousarray(x)).sqrt().numpy().reshape(x.shape)


def assert_torchs_roots(got, x):
    """``got`` holds torch's square roots of ``x``: the same bytes (within an ulp on processors
    whose kernel minigrad does not reproduce)."""
    want = torch_roots(x)
    assert got.dtype == want.dtype and got.shape == want.shape
    if KNOWN:
        unsigned = UNSIGNED[want.dtype.type]
        differ = np.flatnonzero(got.view(unsigned) != want.view(unsigned))
        assert differ.size == 0, (f"{differ.size} of {x.size} differ, first at "
                                  f"{x.reshape(-1)[differ[0]]!r}: {got.reshape(-1)[differ[0]]!r}"
                                  f" instead of {want.reshape(-1)[differ[0]]!r}")
    else:
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        finite = np.isfinite(want)
        assert (np.abs(got[finite] - want[finite]) <= np.spacing(want[finite])).all()


def random_bits(rng, dtype, n):
    """n floats drawn as random bit patterns: both signs, every exponent, subnormals, infinities
    and NaNs in proportion to their share of the bit patterns."""
    unsigned = UNSIGNED[dtype]
    return rng.integers(0, np.iinfo(unsigned).max, n, dtype=unsigned, endpoint=True).view(dtype)


def edge_cases(dtype):
    """Zeros, infinities, NaNs (quiet, signalling, with payloads, negative), every power of two
    (normal and subnormal) with its neighbours, and the ends of the kernel's fast path."""
    unsigned = UNSIGNED[dtype]
    info = np.finfo(dtype)
    bits = info.bits
    exponent_one = np.array(1, unsigned) << unsigned(info.nmant)
    powers = np.concatenate([
        np.arange(1, info.maxexp - info.minexp + 1, dtype=unsigned) * exponent_one,   # normal
        np.array(1, unsigned) << np.arange(info.nmant, dtype=unsigned)])               # subnormal
    around = np.concatenate([powers - unsigned(1), powers, powers + unsigned(1)])
    _, _, low, high = _torch_sqrt._KERNELS[np.dtype(dtype)]
    ends = np.array([low - 1, low, low + 1, high - 2, high - 1, high, high + 1], unsigned)
    sign = np.array(1, unsigned) << unsigned(bits - 1)
    infinity = np.array(np.inf, dtype).view(unsigned)
    quiet = np.array(1, unsigned) << unsigned(info.nmant - 1)
    nans = infinity | np.array([1, 0x5A5A, quiet, quiet | 1, quiet | 0x5A5A], unsigned)
    special = np.concatenate([np.array([0, 1], dtype).view(unsigned), [infinity], nans])
    everything = np.concatenate([around, ends, special])
    return np.concatenate([everything, everything | sign]).view(dtype)


def test_every_float32_from_one_to_four():
    """All 2**24 floats in [1, 4): the processor's estimate is a table over the exponent's parity
    and the top 12 mantissa bits, so this reaches every entry, with every low-bit pattern."""
    x = np.arange(0x3F800000, 0x40800000, dtype=np.uint32).view(np.float32)
    assert_torchs_roots(_torch_sqrt.sqrt(x), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
def test_random_bits_and_edge_cases(dtype):
    rng = np.random.default_rng(17)
    x = np.concatenate([random_bits(rng, dtype, 1_000_000), edge_cases(dtype)])
    with np.errstate(invalid="ignore"):
        assert_torchs_roots(_torch_sqrt.sqrt(x), x)


def test_float64_over_every_exponent_of_the_fast_path():
    """Random mantissas under every exponent from 2**-1022 to 2**1021 (the refinement scales by
    a power of two built from the exponent)."""
    rng = np.random.default_rng(3)
    exponents = rng.integers(1, 0x7FD, 2_000_000, dtype=np.uint64)
    mantissas = rng.integers(0, 1 << 52, exponents.size, dtype=np.uint64)
    x = (exponents << np.uint64(52) | mantissas).view(np.float64)
    assert_torchs_roots(_torch_sqrt.sqrt(x), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
def test_every_size_offset_and_stride(dtype):
    """The last elements (fewer than MKL's vector), unaligned starts and strided views."""
    rng = np.random.default_rng(5)
    data = rng.uniform(0.01, 100, 4000).astype(dtype)
    for size in range(0, 70):
        for offset in (0, 1, 3):
            x = data[offset:offset + size]
            assert_torchs_roots(_torch_sqrt.sqrt(x), x)
    strided = data.reshape(40, 100)[::3, 1::7]
    assert_torchs_roots(_torch_sqrt.sqrt(strided), strided)
    for value in data[:300]:
        assert_torchs_roots(_torch_sqrt.sqrt(np.array(value)), np.array(value))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
def test_every_public_route(dtype):
    """torch.sqrt, Tensor.sqrt, sqrt_, out=, pow(x, 0.5), x ** 0.5, on strided and transposed
    tensors too (the result keeping torch's strides), within one ulp of torch's."""
    x = np.random.default_rng(6).uniform(0, 9, (64, 33)).astype(dtype)
    routes = {
        "sqrt": lambda lib, t: lib.sqrt(t),
        "method": lambda lib, t: t.sqrt(),
        "inplace": lambda lib, t: t.clone().sqrt_(),
        "out": lambda lib, t: lib.sqrt(t, out=lib.empty(t.shape, dtype=t.dtype)),
        "pow": lambda lib, t: lib.pow(t, 0.5),
        "operator": lambda lib, t: t ** 0.5,
        "strided": lambda lib, t: lib.sqrt(t[::2, 1::3]),
        "transposed": lambda lib, t: lib.sqrt(t.t()), "pow_transposed": lambda lib, t: t.t() ** 0.5,
    }
    for name, route in routes.items():
        got_tensor = route(minigrad, minigrad.from_numpy(x.copy()))
        want_tensor = route(torch, torch.from_numpy(x.copy()))
        assert got_tensor.stride() == want_tensor.stride(), name
        got, want = got_tensor.numpy(), want_tensor.numpy()
        assert got.dtype == want.dtype, name
        # the op is NumPy's correctly rounded root (the emulation is the optimizers'): within
        # one ulp of torch's
        np.testing.assert_allclose(got, want, rtol=np.finfo(dtype).eps, atol=0, err_msg=name)


def test_torchs_sqrt_is_not_numpys_here():
    """Why this module exists: on this processor torch's roots differ from the correctly rounded
    ones (a measurement; on a processor where they agree there is nothing to reproduce)."""
    x = np.random.default_rng(0).random(100_000).astype(np.float32)
    differ = (torch_roots(x) != np.sqrt(x)).mean()
    if KNOWN:
        assert 0.05 < differ < 0.3
        assert np.array_equal(_torch_sqrt.sqrt(x), torch_roots(x))
    else:
        assert np.array_equal(_torch_sqrt.sqrt(x), np.sqrt(x))


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
def test_ten_million_random_bits(dtype):
    rng = np.random.default_rng(2026)
    for _ in range(10):
        x = random_bits(rng, dtype, 1_000_000)
        with np.errstate(invalid="ignore"):
            assert_torchs_roots(_torch_sqrt.sqrt(x), x)


@pytest.mark.slow
def test_every_float32_subnormal_and_top_value():
    """Every subnormal float32 and every one from 0x1.ffep127 up (MKL's scalar path)."""
    x = np.concatenate([np.arange(0, 0x00800000, dtype=np.uint32),
                        np.arange(0x7F7FF000, 0x7F800001, dtype=np.uint32)]).view(np.float32)
    assert_torchs_roots(_torch_sqrt.sqrt(x), x)
