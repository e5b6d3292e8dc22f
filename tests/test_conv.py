"""Convolutions (F.conv*/conv_transpose*, nn.Conv*, nn.ConvTranspose*) and F.pad against torch:
values, dtypes, grad_fn names and every input's gradient over hypothesis-drawn shapes, strides,
paddings, dilations, groups and modes; finite differences in float64; torch's errors; default
initialization bit for bit."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import fd_check
from layer_compare import check, close, same_error


@st.composite
def conv_case(draw, transposed=False):
    nd = draw(st.sampled_from([1, 2, 3]))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    span = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    size = tuple(max(s - 2 * p, 1) + draw(st.integers(0, 4)) for s, p in zip(span, padding))
    batch = draw(st.integers(1, 2))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    bias = draw(st.booleans())
    out_pad = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    return dict(nd=nd, groups=groups, cin=cin, cout=cout, kernel=kernel, stride=stride,
                dilation=dilation, padding=padding, size=size, batch=batch, dtype=dtype,
                bias=bias, output_padding=out_pad, seed=draw(st.integers(0, 2**16)))


def _arrays(c, transposed):
    rng = np.random.default_rng(c["seed"])
    x = rng.standard_normal((c["batch"], c["cin"]) + c["size"]).astype(c["dtype"])
    wshape = ((c["cin"], c["cout"] // c["groups"]) if transposed
              else (c["cout"], c["cin"] // c["groups"]))
    w = rng.standard_normal(wshape + c["kernel"]).astype(c["dtype"])
    b = rng.standard_normal(c["cout"]).astype(c["dtype"]) if c["bias"] else None
    return x, w, b


@settings(max_examples=60, deadline=None)
@given(conv_case())
def test_conv_matches_torch(c):
    def fn(lib, x, w, b):
        f = getattr(lib.nn.functional, f"conv{c['nd']}d")
        return f(x, w, b, stride=c["stride"], padding=c["padding"], dilation=c["dilation"],
                 groups=c["groups"])
    check(fn, _arrays(c, False))


@settings(max_examples=50, deadline=None)
@given(conv_case())
def test_conv_transpose_matches_torch(c):
    def fn(lib, x, w, b):
        f = getattr(lib.nn.functional, f"conv_transpose{c['nd']}d")
        return f(x, w, b, stride=c["stride"], padding=c["padding"],
                 output_padding=c["output_padding"], dilation=c["dilation"], groups=c["groups"])
    x, w, b = _arrays(c, True)
    size = [(s - 1) * st - 2 * p + d * (k - 1) + op + 1 for s, st, p, d, k, op in zip(
        c["size"], c["stride"], c["padding"], c["dilation"], c["kernel"], c["output_padding"])]
    if min(size) <= 0:     # torch refuses, though with a message that depends on its backend
        with pytest.raises(RuntimeError, match="Output size is too small"):
            fn(minigrad, *[None if a is None else minigrad.from_numpy(a) for a in (x, w, b)])
        return
    check(fn, (x, w, b))


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("kernel,dilation", [(3, 1), (4, 1), (2, 3), (4, 2)])
def test_string_padding(padding, kernel, dilation):
    rng = np.random.default_rng(kernel)
    x = rng.standard_normal((2, 3, 9, 8))
    w = rng.standard_normal((4, 3, kernel, kernel - 1))
    check(lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=padding, dilation=dilation),
          (x, w))


def test_unbatched_and_integer_input():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((3, 7, 6)), rng.standard_normal((2, 3, 2, 2))
    check(lambda lib, x, w: lib.nn.functional.conv2d(x, w, stride=2), (x, w))
    xi, wi = rng.integers(-3, 3, (1, 2, 5)), rng.integers(-3, 3, (3, 2, 2))
    check(lambda lib, x, w: lib.conv1d(x, w), (xi, wi))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv2d_module_padding_modes_and_init(mode, padding):
    x = np.random.default_rng(2).standard_normal((2, 4, 7, 6)).astype(np.float32)

    def fn(lib, x):
        lib.manual_seed(5)
        conv = lib.nn.Conv2d(4, 6, (3, 2), padding=padding, padding_mode=mode, groups=2)
        assert str(conv) == str(torch.nn.Conv2d(4, 6, (3, 2), padding=padding,
                                                padding_mode=mode, groups=2))
        return conv(x), conv.weight, conv.bias
    (_, w_mg, b_mg), (_, w_th, b_th) = check(fn, (x,))
    assert w_mg.detach().numpy().tobytes() == w_th.detach().numpy().tobytes()
    assert b_mg.detach().numpy().tobytes() == b_th.detach().numpy().tobytes()
    close(w_mg.grad.numpy(), w_th.grad.numpy(), "weight grad")
    close(b_mg.grad.numpy(), b_th.grad.numpy(), "bias grad")


@pytest.mark.parametrize("name,args", [
    ("Conv1d", (3, 4, 2)), ("Conv3d", (2, 4, (1, 2, 3))), ("ConvTranspose1d", (3, 4, 2)),
    ("ConvTranspose2d", (4, 6, 3, 2, 1, 1, 2, False)), ("ConvTranspose3d", (2, 2, 2)),
    ("Conv2d", (3, 3, 3, 1, 1, 1, 3, False))])
def test_module_init_bits_and_repr(name, args):
    modules = []
    for lib in (torch, minigrad):
        lib.manual_seed(11)
        modules.append(getattr(lib.nn, name)(*args))
    th, mg = modules
    assert str(mg) == str(th)
    assert mg.weight.detach().numpy().tobytes() == th.weight.detach().numpy().tobytes()
    assert (mg.bias is None) == (th.bias is None)
    if th.bias is not None:
        assert mg.bias.detach().numpy().tobytes() == th.bias.detach().numpy().tobytes()
    assert list(mg.state_dict()) == list(th.state_dict())


def test_conv_transpose_output_size():
    x = np.random.default_rng(3).standard_normal((1, 4, 5, 5)).astype(np.float32)

    def fn(lib, x):
        lib.manual_seed(0)
        return lib.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)(x, output_size=(10, 10))
    check(fn, (x,))
    same_error(lambda lib: lib.nn.ConvTranspose2d(4, 2, 3, stride=2)(
        lib.ones(1, 4, 5, 5), output_size=(20, 20)))


@pytest.mark.parametrize("case", [
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 3), lib.ones(3, 4, 2, 2)),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 3, 2, 2)),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 4, 9, 9)),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 2, 2, 2), groups=2),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 4, 2, 2), lib.ones(4)),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 4, 2, 2),
                                         padding="same", stride=2),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 4, 2, 2),
                                         padding="foo"),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 4, 2, 2), padding=-1),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 4, 2, 2), stride=0),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 4, 2, 2), dilation=0),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 4, 2, 2), groups=0),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8),
                                         lib.ones(3, 4, 2, 2, dtype=lib.float64)),
    lambda lib: lib.nn.functional.conv2d(lib.ones(2, 4, 8, 8), lib.ones(3, 4, 2, 2),
                                         stride=(1, 1, 1)),
    lambda lib: lib.nn.functional.conv_transpose2d(lib.ones(2, 4, 8, 8), lib.ones(3, 4, 2, 2)),
    lambda lib: lib.nn.Conv2d(4, 6, 3, groups=4),
    lambda lib: lib.nn.Conv2d(4, 6, 3, padding="foo"),
    lambda lib: lib.nn.Conv2d(4, 6, 3, padding="same", stride=2),
    lambda lib: lib.nn.Conv2d(4, 6, 3, padding_mode="foo"),
    lambda lib: lib.nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"),
])
def test_conv_errors_match_torch(case):
    same_error(case)


def test_conv_output_padding_error():
    """torch names every dim's numbers; the class is the same and the message says what."""
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride"):
        minigrad.nn.functional.conv_transpose2d(minigrad.ones(1, 4, 3, 3),
                                                minigrad.ones(4, 4, 2, 2), output_padding=1)
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride"):
        torch.nn.functional.conv_transpose2d(torch.ones(1, 4, 3, 3), torch.ones(4, 4, 2, 2),
                                             output_padding=1)


def test_huge_unfold_is_refused():
    from minigrad.ops import _windows
    x = minigrad.zeros(1, 1, 2, 2)
    old = _windows.HARD_BYTES
    _windows.HARD_BYTES = 8
    try:
        with pytest.raises(RuntimeError, match="unfolding one sample would need"):
            minigrad.nn.functional.conv2d(x, minigrad.ones(1, 1, 2, 2))
    finally:
        _windows.HARD_BYTES = old


def test_chunked_batch_agrees_with_one_piece():
    from minigrad.ops import _windows
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((5, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    whole = minigrad.nn.functional.conv2d(minigrad.from_numpy(x), minigrad.from_numpy(w))
    old = _windows.CHUNK_BYTES
    _windows.CHUNK_BYTES = 2 * 18 * 16 * 8       # a few samples per piece
    try:
        pieces = minigrad.nn.functional.conv2d(minigrad.from_numpy(x), minigrad.from_numpy(w))
    finally:
        _windows.CHUNK_BYTES = old
    np.testing.assert_array_equal(whole.numpy(), pieces.numpy())


@pytest.mark.parametrize("transposed", [False, True])
def test_conv_gradients_by_finite_differences(transposed):
    rng = np.random.default_rng(5)
    if transposed:
        x, w = rng.standard_normal((2, 2, 3, 3)), rng.standard_normal((2, 2, 2, 2))
        f = lambda x, w, b: minigrad.nn.functional.conv_transpose2d(  # noqa: E731
            x, w, b, stride=2, padding=1, output_padding=1, dilation=1)
    else:
        x, w = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((4, 1, 2, 3))
        f = lambda x, w, b: minigrad.nn.functional.conv2d(  # noqa: E731
            x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    fd_check(f, [x, w, rng.standard_normal(4 if not transposed else 2)])


def test_conv_double_backward_matches_torch():
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 2, 2))

    def fn(lib, x, w):
        y = lib.nn.functional.conv2d(x, w, stride=2, padding=1)
        gx, gw = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        return (gx * gx).sum() + (gw ** 3).sum()
    mg, th = check(lambda lib, x, w: fn(lib, x, w).reshape(1), (x, w))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(1, 2), (2, 0, 1, 1), (-1, 1, 1, 0), (1, 1, 0, 2, 1, 0)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pad_matches_torch(mode, pad, dtype):
    x = np.random.default_rng(7).standard_normal((2, 3, 4, 5)).astype(dtype)
    kwargs = {"value": 0.5} if mode == "constant" else {}
    run = lambda lib, x: lib.nn.functional.pad(x, pad, mode=mode, **kwargs)  # noqa: E731
    try:
        run(torch, torch.from_numpy(x))
    except (RuntimeError, NotImplementedError):
        same_error(lambda lib: run(lib, lib.from_numpy(x)))
        return
    check(run, (x,))


@pytest.mark.parametrize("case", [
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 3), (1, 1, 1)),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 3), (1,) * 10),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 3), (1, 1), mode="foo"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 3), (3, 3, 1, 1), mode="reflect"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 3), (4, 4, 1, 1), mode="circular"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 3), (1, 1), mode="reflect", value=1.0),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 3), (1, 1), mode="replicate"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 3), (-2, -2)),
])
def test_pad_errors_match_torch(case):
    same_error(case)


def test_pad_gradients_by_finite_differences():
    x = np.random.default_rng(8).standard_normal((1, 2, 3, 4))
    for mode in ("constant", "reflect", "replicate", "circular"):
        fd_check(lambda t, m=mode: minigrad.nn.functional.pad(t, (2, 1, 1, 2), mode=m), [x])


@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("transposed", [False, True])
def test_long_output_rows_match_torch(nd, transposed):
    """Long output rows, strided along them (the whole kernel unfolded) or not: same
    results."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 4) + (5,) * (nd - 1) + (40,))
    w = rng.standard_normal(((4, 3) if transposed else (3, 4)) + (3,) * nd)
    name = "conv_transpose" if transposed else "conv"
    kwargs = dict(stride=2, padding=1, dilation=2, groups=1) if transposed else dict(
        stride=(1,) * (nd - 1) + (2,), padding=2, dilation=1, groups=1)
    f = (lambda lib, x, w: getattr(lib.nn.functional, f"{name}{nd}d")(x, w, **kwargs))
    check(f, (x, w))
    check(f, (x.astype(np.float32), w.astype(np.float32)))
