"""diff, gradient, trapezoid, cumulative_trapezoid (ops/numeric_more.py) and nansum, nanmean,
nanmedian, aminmax, msort, renorm, cov, corrcoef, isin (ops/stats_more.py) against torch:
values, dtypes, grad_fn names (two levels: the composites' graphs are torch's), every input's
gradient over hypothesis-drawn shapes and arguments in float32/float64, float64 finite
differences, errors."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check
from more_functions_common import compare_call

FLOATS = st.sampled_from([np.float32, np.float64])
SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, max_side=5)


def _same_error(call, *arrays):
    assert_same_error(lambda: call(minigrad, *[minigrad.from_numpy(a.copy()) for a in arrays]),
                      lambda: call(torch, *[torch.from_numpy(a.copy()) for a in arrays]))


# ---- diff / gradient -------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(SHAPES, st.data(), FLOATS, SEEDS)
def test_diff(shape, data, dtype, seed):
    rng = np.random.default_rng(seed)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    n = data.draw(st.integers(0, 6), label="n")
    arrays = [rng.standard_normal(shape).astype(dtype)]
    extra = []
    for name in ("prepend", "append"):
        if data.draw(st.booleans(), label=name):
            other = list(shape)
            other[dim] = data.draw(st.integers(0, 3), label=name + " size")
            arrays.append(rng.standard_normal(other).astype(dtype))
            extra.append(name)

    def call(lib, x, *others):
        return lib.diff(x, n, dim, **dict(zip(extra, others)))
    compare_call(call, arrays, seed, depth=2)


def test_diff_of_integers_and_bools_and_the_method():
    ints = np.array([[3, -1, 4, 1], [5, 9, 2, 6]])
    for call in (lambda lib, x: lib.diff(x), lambda lib, x: x.diff(2, 0),
                 lambda lib, x: lib.diff(x > 2), lambda lib, x: (x > 2).diff(3),
                 lambda lib, x: lib.diff(x, prepend=x.double())):
        assert_tensor_equal(call(minigrad, minigrad.from_numpy(ints)),
                            call(torch, torch.from_numpy(ints)))


@settings(max_examples=40, deadline=None)
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=3, max_side=5), st.data(), FLOATS,
       SEEDS)
def test_gradient(shape, data, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    edge_order = data.draw(st.sampled_from([1, 2]), label="edge_order")
    dims = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                               st.lists(st.integers(0, len(shape) - 1), min_size=1,
                                        max_size=len(shape), unique=True)), label="dim")
    listed = list(range(len(shape))) if dims is None else [dims] if isinstance(dims, int) \
        else dims
    kind = data.draw(st.sampled_from(["none", "number", "numbers", "coordinates"]), label="dx")
    arrays = [x]
    if kind == "coordinates":    # increasing sample points, one vector per dim
        arrays += [np.cumsum(rng.uniform(0.3, 2.0, shape[d])).astype(dtype) for d in listed]
    spacing = {"none": None, "number": 0.5, "numbers": [0.5 + i for i in range(len(listed))],
               "coordinates": None}[kind]

    def call(lib, t, *coordinates):
        kwargs = {} if dims is None else {"dim": dims}
        if kind == "coordinates":
            kwargs["spacing"] = list(coordinates)
        elif spacing is not None:
            kwargs["spacing"] = spacing
        return lib.gradient(t, edge_order=edge_order, **kwargs)
    compare_call(call, arrays, seed, depth=2)


@pytest.mark.parametrize("call, shape", [
    (lambda lib, x: lib.diff(x), ()), (lambda lib, x: lib.diff(x, n=-1), (3, 4)),
    (lambda lib, x: lib.diff(x, prepend=x[0]), (3, 4)),
    (lambda lib, x: lib.diff(x, prepend=x[:2]), (3, 4)),
    (lambda lib, x: lib.diff(x, dim=0, append=x[:, :3]), (3, 4)),
    (lambda lib, x: lib.diff(x, dim=2), (3, 4)), (lambda lib, x: lib.diff(x, prepend=1.0), (3,)),
    (lambda lib, x: lib.gradient(x, spacing=[1.0]), (3, 4)),
    (lambda lib, x: lib.gradient(x, spacing=[1.0, 2.0], dim=1), (3, 4)),
    (lambda lib, x: lib.gradient(x, edge_order=3), (3, 4)),
    (lambda lib, x: lib.gradient(x, edge_order=2), (2, 4)),
    (lambda lib, x: lib.gradient(x, spacing=[lib.ones(2, 4)], dim=1), (3, 4)),
    (lambda lib, x: lib.gradient(x, dim=(0, 0)), (3, 4)),
])
def test_diff_and_gradient_errors(call, shape):
    _same_error(call, np.zeros(shape, np.float32))


# ---- trapezoid / cumulative_trapezoid ----------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(SHAPES, st.data(), FLOATS, SEEDS)
def test_trapezoid_rules(shape, data, dtype, seed):
    rng = np.random.default_rng(seed)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    y = rng.standard_normal(shape).astype(dtype)
    kind = data.draw(st.sampled_from(["none", "dx", "x1", "xfull", "xshort"]), label="x")
    dx = data.draw(st.sampled_from([0.25, 2, -1.5]), label="dx") if kind == "dx" else None
    if kind == "x1":
        arrays = [y, np.cumsum(rng.uniform(0.1, 1, shape[dim])).astype(dtype)]
    elif kind in ("xfull", "xshort"):
        xs = np.cumsum(rng.uniform(0.1, 1, shape), axis=dim).astype(dtype)
        arrays = [y, xs[(0,) * (len(shape) - 1)] if kind == "xshort" and dim in (-1, len(
            shape) - 1) else xs]
    else:
        arrays = [y]
    for name in ("trapezoid", "cumulative_trapezoid", "trapz"):
        if name == "cumulative_trapezoid" and shape[dim] == 0:
            continue

        def call(lib, t, *x, name=name):
            if x:
                return getattr(lib, name)(t, x[0], dim=dim)
            return getattr(lib, name)(t, dim=dim) if dx is None else \
                getattr(lib, name)(t, dx=dx, dim=dim)
        compare_call(call, arrays, seed, depth=3)


def test_trapezoid_of_integers_and_empty_samples():
    ints = np.arange(12).reshape(3, 4)
    for call in (lambda lib, y: lib.trapezoid(y), lambda lib, y: lib.trapezoid(y, y[0]),
                 lambda lib, y: lib.cumulative_trapezoid(y, dx=3),
                 lambda lib, y: lib.trapezoid(y[:, :0].float()),
                 lambda lib, y: lib.cumulative_trapezoid(y[:, :0].float())):
        assert_tensor_equal(call(minigrad, minigrad.from_numpy(ints)),
                            call(torch, torch.from_numpy(ints)))


@pytest.mark.parametrize("call", [
    lambda lib, y: lib.trapezoid(y, lib.arange(3.0)),
    lambda lib, y: lib.trapezoid(y, lib.ones(4), dim=0), lambda lib, y: lib.trapezoid(y > 0),
    lambda lib, y: lib.trapezoid(y[0, 0]), lambda lib, y: lib.trapezoid(y, dx=True),
    lambda lib, y: lib.trapezoid(y, lib.ones(2, 3, 4)),
    lambda lib, y: lib.cumulative_trapezoid(y, lib.arange(3.0)),
    lambda lib, y: lib.cumulative_trapezoid(y[0, 0]),
])
def test_trapezoid_errors(call):
    _same_error(call, np.ones((3, 4), np.float32))


def test_numeric_fd_gradcheck():
    rng = np.random.default_rng(11)
    y, xs = rng.standard_normal((3, 5)), np.cumsum(rng.uniform(0.3, 1, 5))
    fd_check(lambda t, p: minigrad.diff(t, 2, -1, prepend=p), [y, rng.standard_normal((3, 2))])
    fd_check(lambda t, c: minigrad.gradient(t, spacing=[c], dim=1, edge_order=2)[0], [y, xs])
    fd_check(lambda t, c: minigrad.trapezoid(t, c), [y, xs])
    fd_check(lambda t, c: minigrad.cumulative_trapezoid(t, c), [y, xs])


# ---- the nan-reductions, aminmax, msort ---------------------------------------------------
def _with_nans(rng, shape, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    x[rng.random(shape) < 0.3] = np.nan
    return x


@settings(max_examples=40, deadline=None)
@given(hnp.array_shapes(min_dims=0, max_dims=3, max_side=5), st.data(), FLOATS, SEEDS)
def test_nan_reductions_aminmax_and_msort(shape, data, dtype, seed):
    rng = np.random.default_rng(seed)
    x = np.asarray(_with_nans(rng, shape, dtype))
    dim = data.draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    # (distinct values: which of tied medians torch's nth_element picks is its own)
    compare_call(lambda lib, t: lib.nanmedian(t), [x], seed)
    compare_call(lambda lib, t: t.nanmedian(dim, keepdim), [x], seed)
    if x.ndim:
        x.reshape(-1)[rng.integers(0, x.size, x.size)] = x.reshape(-1)[0]   # ties
    compare_call(lambda lib, t: lib.nansum(t), [x], seed)
    compare_call(lambda lib, t: t.nansum(dim, keepdim), [x], seed)
    compare_call(lambda lib, t: lib.nanmean(t, dim, keepdim), [x], seed, depth=2)
    compare_call(lambda lib, t: lib.nanmean(t), [x], seed, depth=2)
    x = np.nan_to_num(x)
    if x.size:
        compare_call(lambda lib, t: lib.aminmax(t), [x], seed)
        compare_call(lambda lib, t: t.aminmax(dim=dim, keepdim=keepdim), [x], seed)
    compare_call(lambda lib, t: t.msort(), [x], seed)


def test_nan_reductions_of_integers_and_all_nan_slices():
    ints, nans = np.arange(6).reshape(2, 3), np.full((2, 3), np.nan, np.float32)
    for call in (lambda lib, x, n: lib.nansum(x), lambda lib, x, n: lib.nansum(x > 2, 1),
                 lambda lib, x, n: lib.nansum(n, dtype=lib.float64),
                 lambda lib, x, n: lib.nanmean(n, 1), lambda lib, x, n: lib.nanmedian(x),
                 lambda lib, x, n: lib.nanmedian(n), lambda lib, x, n: lib.nanmedian(n, 0)[1],
                 lambda lib, x, n: lib.aminmax(x > 2).max, lambda lib, x, n: lib.msort(x),
                 lambda lib, x, n: lib.nanmedian(lib.zeros(0))):
        assert_tensor_equal(call(minigrad, minigrad.from_numpy(ints), minigrad.from_numpy(nans)),
                            call(torch, torch.from_numpy(ints), torch.from_numpy(nans)))
    assert repr(minigrad.aminmax(minigrad.tensor([[1.0, 2.0]]), dim=0)) == repr(
        torch.aminmax(torch.tensor([[1.0, 2.0]]), dim=0))


# ---- renorm / cov / corrcoef ----------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(hnp.array_shapes(min_dims=2, max_dims=3, max_side=4), st.data(), FLOATS, SEEDS)
def test_renorm(shape, data, dtype, seed):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    p = data.draw(st.sampled_from([1, 2, 3, 1.5]), label="p")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    maxnorm = data.draw(st.sampled_from([0.0, 0.5, 1.0, 2.5, 100.0]), label="maxnorm")
    compare_call(lambda lib, t: lib.renorm(t, p, dim, maxnorm), [x], seed)
    compare_call(lambda lib, t: t.clone().renorm_(p, dim, maxnorm), [x], seed)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2), st.integers(1, 4), st.integers(1, 6), st.integers(0, 2),
       st.sampled_from(["none", "f", "a", "fa"]), FLOATS, SEEDS)
def test_cov_and_corrcoef(ndim, variables, observations, correction, weights, dtype, seed):
    rng = np.random.default_rng(seed)
    shape = [(), (observations,), (variables, observations)][ndim]
    n = 1 if ndim == 0 else observations
    arrays = [rng.standard_normal(shape).astype(dtype)]
    names = []
    if n == 1:     # torch fails on one observation with weights ("a view of a leaf ... in-place")
        weights = "none"
    if "f" in weights:
        arrays.append(rng.integers(1, 4, n))
        names.append("fweights")
    if "a" in weights:
        arrays.append(rng.uniform(0.2, 2.0, n).astype(dtype))
        names.append("aweights")

    def call(lib, x, *w):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # degrees of freedom <= 0
            return lib.cov(x, correction=correction, **dict(zip(names, w)))
    compare_call(call, arrays, seed, depth=2)
    if observations > 2:      # (with two, every coefficient is +-1: its gradient is noise)
        compare_call(lambda lib, x: x.corrcoef(), arrays[:1], seed, depth=2)


def test_cov_warns_on_no_degrees_of_freedom_and_takes_integers():
    for lib in (minigrad, torch):
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            lib.cov(lib.ones(3, 1))
    ints = np.array([[1, 2, 4], [3, 1, 0]])
    for fn in ("cov", "corrcoef"):
        assert_tensor_equal(getattr(minigrad, fn)(minigrad.from_numpy(ints)),
                            getattr(torch, fn)(torch.from_numpy(ints)))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.cov(x[None]), lambda lib, x: lib.cov(x > 0),
    lambda lib, x: lib.cov(x, fweights=lib.tensor([1.0, 2, 1, 1])),
    lambda lib, x: lib.cov(x, fweights=lib.tensor([1, 2, 1])),
    lambda lib, x: lib.cov(x, fweights=lib.tensor([1, -2, 1, 1])),
    lambda lib, x: lib.cov(x, aweights=lib.tensor([1, 2, 1, 1])),
    lambda lib, x: lib.cov(x, aweights=lib.zeros(4)),
    lambda lib, x: lib.cov(x, aweights=lib.ones(1, 4)),
    lambda lib, x: lib.corrcoef(x[None]),
    lambda lib, x: lib.renorm(x, 0, 1, 1.0), lambda lib, x: lib.renorm(x, 2, 0, -1.0),
    lambda lib, x: lib.renorm(x[0], 2, 0, 1.0), lambda lib, x: lib.renorm(x.long(), 2, 0, 1.0),
    lambda lib, x: lib.renorm(x, 2, 2, 1.0),
    lambda lib, x: lib.nanmean(x.long()), lambda lib, x: lib.nanmedian(x, dim=None),
    lambda lib, x: lib.nanmedian(x[:, :0], 1), lambda lib, x: lib.aminmax(x[:0]),
    lambda lib, x: lib.aminmax(x[:, :0], dim=1),
    lambda lib, x: lib.isin(x > 0, lib.tensor([True])), lambda lib, x: lib.isin(3, 4),
])
def test_statistics_errors(call):
    _same_error(call, np.arange(12, dtype=np.float32).reshape(3, 4) - 5)


def test_isin():
    ints = np.array([[1, 4, 7], [2, 4, 9]])
    for call in (lambda lib, x: lib.isin(x, lib.tensor([4, 9])),
                 lambda lib, x: lib.isin(x, 4), lambda lib, x: lib.isin(4, x),
                 lambda lib, x: lib.isin(x, lib.tensor([4.0, 2.5])),
                 lambda lib, x: lib.isin(x.float(), x[0], invert=True),
                 lambda lib, x: lib.isin(elements=x, test_elements=x[1], assume_unique=True)):
        assert_tensor_equal(call(minigrad, minigrad.from_numpy(ints)),
                            call(torch, torch.from_numpy(ints)))


def test_statistics_fd_gradcheck():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((3, 4))
    fd_check(lambda t: minigrad.nansum(t, 1), [x])
    fd_check(lambda t: minigrad.nanmean(t, 0), [x])
    fd_check(lambda t: minigrad.nanmedian(t, 1).values + minigrad.nanmedian(t), [x])
    fd_check(lambda t: minigrad.aminmax(t, dim=0).min - 2 * minigrad.aminmax(t).max, [x])
    for p in (1, 2, 3):
        fd_check(lambda t, p=p: minigrad.renorm(t, p, 0, 0.7), [x])
    aw = rng.uniform(0.5, 2, 4)
    fd_check(lambda t, a: minigrad.cov(t, fweights=minigrad.tensor([1, 2, 1, 3]), aweights=a),
             [x, aw])
    fd_check(lambda t: minigrad.corrcoef(t), [x])
