"""Convolution kernels that work on pieces of the batch (``_windows.CHUNK_BYTES``) against torch:
values and the gradients of input, weight and bias, with the pieces made small enough that every
batch is split, evenly or not, on both unfolding paths (stride 1 along the first spatial dim:
kernel rows multiplied one at a time; otherwise the whole kernel unfolded), with padding (the
padded buffer reused from piece to piece), dilation and groups, in 1, 2 and 3 dims."""
import numpy as np
import pytest

import minigrad
from layer_compare import check
from minigrad.ops import _windows

CASES = [   # nd, stride, padding, dilation, groups
    (2, (1, 1), (0, 0), (1, 1), 1),     # LeNet's layers: rows one at a time
    (2, (1, 2), (2, 1), (2, 1), 2),     # rows one at a time, padded, dilated rows, groups
    (2, (2, 1), (1, 0), (1, 2), 1),     # the whole kernel unfolded
    (1, (1,), (1,), (2,), 3),
    (1, (3,), (0,), (1,), 1),
    (3, (1, 2, 1), (1, 0, 1), (1, 1, 2), 2),
]


@pytest.fixture(params=[1, 700], ids=["one-sample", "uneven"])
def small_pieces(request, monkeypatch):
    """Pieces of one sample each, or of a few samples (7 samples: uneven pieces)."""
    monkeypatch.setattr(_windows, "CHUNK_BYTES", request.param)


def _arrays(nd, groups, transposed, dtype, seed):
    rng = np.random.default_rng(seed)
    cin, cout = 2 * groups, 3 * groups
    x = rng.standard_normal((7, cin) + (7, 6, 5)[:nd]).astype(dtype)
    wshape = (cin, cout // groups) if transposed else (cout, cin // groups)
    w = rng.standard_normal(wshape + (3, 2, 3)[:nd]).astype(dtype)
    return x, w, rng.standard_normal(cout).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES)
def test_conv_in_pieces_matches_torch(small_pieces, case, dtype):
    nd, stride, padding, dilation, groups = case

    def fn(lib, x, w, b):
        return getattr(lib.nn.functional, f"conv{nd}d")(x, w, b, stride, padding, dilation,
                                                         groups)
    check(fn, _arrays(nd, groups, False, dtype, nd))


@pytest.mark.parametrize("case", CASES)
def test_conv_transpose_in_pieces_matches_torch(small_pieces, case):
    nd, stride, padding, dilation, groups = case
    padding = tuple(min(p, d) for p, d in zip(padding, dilation))

    def fn(lib, x, w, b):
        return getattr(lib.nn.functional, f"conv_transpose{nd}d")(
            x, w, b, stride, padding, 0, groups, dilation)
    check(fn, _arrays(nd, groups, True, "float64", nd + 10))


def test_pieces_do_not_change_the_forward(monkeypatch):
    """Each sample's product is its own, whatever piece it falls in: bit for bit."""
    x, w, b = (minigrad.from_numpy(a) for a in _arrays(2, 2, False, "float32", 3))

    def conv():
        return minigrad.nn.functional.conv2d(x, w, b, 1, 1, 2, 2).numpy()
    whole = conv()
    monkeypatch.setattr(_windows, "CHUNK_BYTES", 1)
    np.testing.assert_array_equal(conv(), whole)
