"""roll, rot90, fliplr/flipud, repeat_interleave, meshgrid, kron, Tensor.unfold, F.unfold and
F.fold against torch: values, grad_fn names, gradients (hypothesis-drawn shapes and arguments),
errors, finite differences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import fd_check
from layer_compare import check, same_error


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_roll_rot90_flips_match_torch(shape, data):
    x = np.random.default_rng(data.draw(st.integers(0, 99))).standard_normal(shape)
    nd = len(shape)
    dims = data.draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique=True))
    shifts = [data.draw(st.integers(-5, 5)) for _ in dims]
    check(lambda lib, x: lib.roll(x, shifts, dims) * 1.5, (x,))
    check(lambda lib, x: x.roll(shifts[0]) * 1.5, (x,))
    if nd >= 2:
        k = data.draw(st.integers(-5, 5))
        check(lambda lib, x: lib.rot90(x, k, (nd - 1, 0)), (x,))
        check(lambda lib, x: x.fliplr() * 2, (x,))
    check(lambda lib, x: lib.flipud(x) * 2, (x,))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
def test_repeat_interleave_and_tensor_unfold_match_torch(shape, data):
    x = np.random.default_rng(data.draw(st.integers(0, 99))).standard_normal(shape)
    dim = data.draw(st.integers(0, len(shape) - 1))
    r = data.draw(st.integers(0, 3))
    check(lambda lib, x: x.repeat_interleave(r, dim=dim), (x,))
    check(lambda lib, x: lib.repeat_interleave(x, r), (x,))
    counts = np.random.default_rng(1).integers(0, 3, shape[dim])
    check(lambda lib, x: x.repeat_interleave(lib.from_numpy(counts), dim), (x,))
    size = data.draw(st.integers(1, shape[dim]))
    step = data.draw(st.integers(1, 3))
    check(lambda lib, x: x.unfold(dim, size, step) * 1.5, (x,))


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_unfold_fold_match_torch(data):
    kernel = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    dilation = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    padding = (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
    stride = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    size = tuple(d * (k - 1) + 1 + data.draw(st.integers(0, 4)) for d, k in zip(dilation, kernel))
    batch = data.draw(st.sampled_from([(), (2,)]))
    dtype = data.draw(st.sampled_from(["float32", "float64"]))
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    x = rng.standard_normal(batch + (3,) + size).astype(dtype)
    kw = dict(dilation=dilation, padding=padding, stride=stride)
    mg, th = check(lambda lib, x: lib.nn.functional.unfold(x, kernel, **kw), (x,))
    cols = rng.standard_normal(tuple(th[0].shape)).astype(dtype)
    check(lambda lib, c: lib.nn.functional.fold(c, size, kernel, **kw), (cols,))


def test_meshgrid_and_kron_match_torch():
    rng = np.random.default_rng(2)
    a, b, c = rng.standard_normal(3), rng.standard_normal(4), rng.standard_normal(2)
    for indexing in ("ij", "xy"):
        check(lambda lib, a, b, c, i=indexing: [g * 1.0 for g in lib.meshgrid(a, b, c,
                                                                              indexing=i)],
              (a, b, c))
    check(lambda lib, a, b: lib.meshgrid(a, b, indexing="ij")[0], (a, b))
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((3, 1, 2))
    check(lambda lib, x, y: lib.kron(x, y), (x, y))
    check(lambda lib, a, b: lib.kron(a, b), (a, b))
    with pytest.warns(UserWarning, match="indexing argument"):
        minigrad.meshgrid(minigrad.ones(2), minigrad.ones(3))


@pytest.mark.parametrize("case", [
    lambda lib: lib.ones(2, 3).rot90(1, [0, 0]),
    lambda lib: lib.ones(3).rot90(),
    lambda lib: lib.ones(2, 3).rot90(1, [0, 1, 1]),
    lambda lib: lib.ones(3).fliplr(),
    lambda lib: lib.ones(()).flipud(),
    lambda lib: lib.ones(2, 3).unfold(1, 4, 1),
    lambda lib: lib.ones(2, 3).unfold(1, 2, 0),
    lambda lib: lib.ones(2, 3).repeat_interleave(-1),
    lambda lib: lib.roll(lib.ones(2, 3), (1, 2)),
    lambda lib: lib.nn.functional.fold(lib.ones(1, 4, 3), (3, 3), 2),
    lambda lib: lib.nn.functional.fold(lib.ones(1, 5, 4), (3, 3), 2),
])
def test_rearrange_errors_match_torch(case):
    same_error(case)


def test_rearrange_gradients_by_finite_differences():
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    F = minigrad.nn.functional
    fd_check(lambda t: t.unfold(2, 2, 1) ** 2, [x])
    fd_check(lambda t: F.fold(F.unfold(t, 2, padding=1) ** 2, (3, 4), 2, padding=1), [x])
    fd_check(lambda t: minigrad.kron(t[0], t[1]) ** 2, [x])
