"""torch.finfo / iinfo, anomaly detection, and the elementwise and BLAS-style functions of
ops/pointwise_more.py and ops/blas_more.py against torch: values (bit for bit where torch's
kernels fuse a multiply-add), dtypes, grad_fn names and every input's gradient over
hypothesis-drawn shapes and arguments in float32/float64, float64 finite differences, errors,
in-place forms."""
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
DTYPES = ["float16", "float32", "float64", "bfloat16", "uint8", "int8", "int16", "int32",
          "int64", "bool"]


# ---- finfo / iinfo -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", DTYPES)
def test_finfo_and_iinfo_match_torch(name):
    mg, th = getattr(minigrad, name), getattr(torch, name)
    for info in ("finfo", "iinfo"):
        def get(lib, d, info=info):
            return getattr(lib, info)(d)
        try:
            expected = get(torch, th)
        except TypeError:
            assert_same_error(lambda: get(minigrad, mg), lambda: get(torch, th))
            continue
        got = get(minigrad, mg)
        assert repr(got) == repr(expected)
        for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution",
                      "dtype"):
            if hasattr(expected, field):
                assert getattr(got, field) == getattr(expected, field), field
                assert type(getattr(got, field)) is type(getattr(expected, field)), field


def test_finfo_defaults_and_bad_arguments():
    assert repr(minigrad.finfo()) == repr(torch.finfo())
    minigrad.set_default_dtype(minigrad.float64)
    try:
        assert minigrad.finfo().eps == torch.finfo(torch.float64).eps
    finally:
        minigrad.set_default_dtype(minigrad.float32)
    assert minigrad.finfo(minigrad.float32) == minigrad.finfo(minigrad.float32)
    assert minigrad.finfo(minigrad.float32) != minigrad.finfo(minigrad.float64)
    assert_same_error(lambda: minigrad.finfo("float32"), lambda: torch.finfo("float32"))
    assert_same_error(lambda: minigrad.iinfo(1), lambda: torch.iinfo(1))
    with pytest.raises(TypeError):
        hash(minigrad.finfo())


# ---- anomaly detection ---------------------------------------------------------------------------
def _nan_program(lib, x, y):
    return (y * x.sqrt()).sum()


@pytest.mark.parametrize("mode", ["context", "set", "set_context"])
def test_anomaly_mode_raises_torchs_error_on_nan_gradients(mode):
    def run(lib):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        y = lib.tensor([0.0, 2.0], requires_grad=True)
        loss = _nan_program(lib, x, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if mode == "context":
                with lib.autograd.detect_anomaly():
                    loss.backward()
            elif mode == "set_context":
                with lib.autograd.set_detect_anomaly(True):
                    loss.backward()
            else:
                lib.autograd.set_detect_anomaly(True)
                try:
                    loss.backward()
                finally:
                    lib.autograd.set_detect_anomaly(False)
    assert_same_error(lambda: run(minigrad), lambda: run(torch))
    assert not minigrad.is_anomaly_enabled() and minigrad.is_anomaly_check_nan_enabled()


def test_anomaly_mode_names_the_output_that_holds_nan():
    def run(lib):
        x = lib.tensor([1.0, 0.0], requires_grad=True)
        y = lib.tensor([0.0, 0.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.set_detect_anomaly(True):
                (x / y).sum().backward()
        return caught
    assert_same_error(lambda: run(minigrad), lambda: run(torch))   # "... in its 1th output."


def _training_grads(lib, anomaly, check_nan=True, with_nan=False):
    lib.manual_seed(0)
    w = lib.randn(4, 3, requires_grad=True)
    x = lib.tensor([[0.0, 1.0, 4.0]])
    with lib.autograd.set_detect_anomaly(anomaly, check_nan=check_nan):
        assert lib.is_anomaly_enabled() == anomaly
        assert lib.is_anomaly_check_nan_enabled() == check_nan
        (x.sqrt() @ w.t()).tanh().sum().backward()
        if with_nan:
            zero = lib.tensor([0.0], requires_grad=True)
            (zero.sqrt() * 0).sum().backward()       # a NaN gradient: not checked
            assert np.isnan(zero.grad.numpy()).all()
    return w.grad.numpy()


def test_anomaly_mode_is_a_no_op_for_correct_programs_and_with_check_nan_false():
    plain = _training_grads(minigrad, False)
    np.testing.assert_array_equal(plain, _training_grads(minigrad, True))
    np.testing.assert_array_equal(plain, _training_grads(minigrad, True, False, with_nan=True))
    np.testing.assert_allclose(plain, _training_grads(torch, True, False, with_nan=True),
                               rtol=1e-5, atol=1e-6)
    assert not minigrad.is_anomaly_enabled() and minigrad.is_anomaly_check_nan_enabled()


def test_detect_anomaly_warns_when_entered_as_torch_does():
    for lib in (minigrad, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly(check_nan=False):
                assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
        assert [str(w.message) for w in caught] == [
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging."]
        assert not lib.is_anomaly_enabled()


# ---- addcmul / addcdiv: torch's rounding, bit for bit -----------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["addcmul", "addcdiv"]),
       hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=8), FLOATS,
       st.sampled_from([1, -1, 0.37, 2.5, -1e-3]), st.integers(0, 2**32 - 1))
def test_addcmul_addcdiv_values_and_gradients(name, shapes, dtype, value, seed):
    rng = np.random.default_rng(seed)
    a, b, c = (rng.standard_normal(s).astype(dtype) for s in shapes.input_shapes)
    c = np.asarray(c + np.where(c < 0, -0.5, 0.5)).astype(dtype)     # away from 0 (addcdiv)
    compare_call(lambda lib, x, y, z: getattr(lib, name)(x, y, z, value=value),
                 [np.asarray(a), np.asarray(b), c], seed, bitwise=True)


def test_addc_in_place_integer_and_mixed_dtypes():
    a = np.arange(6).reshape(2, 3)
    for call in (lambda lib, x, y: lib.addcmul(x, y, y, value=0.5),     # value truncated to 0
                 lambda lib, x, y: lib.addcmul(x, y, y, value=3),
                 lambda lib, x, y: lib.addcmul(x.double(), y.float(), y),
                 lambda lib, x, y: lib.addcdiv(x, y.float(), y.float() + 1, value=2),
                 lambda lib, x, y: x.float().addcmul_(y.float(), y.float(), value=-2),
                 lambda lib, x, y: x.float().addcdiv_(y.float(), y.float() + 1)):
        out = [call(lib, lib.from_numpy(a.copy()), lib.from_numpy(a.copy()))
               for lib in (minigrad, torch)]
        assert_tensor_equal(*out)
    errors = [lambda lib, x: lib.addcdiv(x, x, x),
              lambda lib, x: lib.addcmul(x, x[:, :2], x),
              lambda lib, x: x.clone().addcmul_(x.float(), x.float()),
              lambda lib, x: lib.addcmul(x, x, 2)]
    for call in errors:
        assert_same_error(lambda c=call: c(minigrad, minigrad.from_numpy(a.copy())),
                          lambda c=call: c(torch, torch.from_numpy(a.copy())))


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addc_fd_gradcheck(name):
    rng = np.random.default_rng(3)
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.uniform(0.5, 2, (2, 1))
    fd_check(lambda x, y, z: getattr(minigrad, name)(x, y, z, value=-0.7), [a, b, c])


# ---- the unary and binary elementwise ops ------------------------------------------------------
UNARY = {
    "rad2deg": lambda lib, x: lib.rad2deg(x),
    "deg2rad": lambda lib, x: x.deg2rad(),
    "sgn": lambda lib, x: lib.sgn(x),
    "logit": lambda lib, x: lib.logit(x.sigmoid()),
    "logit_eps": lambda lib, x: x.sigmoid().logit(eps=0.2),
    "logit_outside": lambda lib, x: lib.logit(x, 0.25),
}


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(UNARY)), hnp.array_shapes(min_dims=0, max_dims=3, max_side=5),
       FLOATS, st.integers(0, 2**32 - 1))
def test_unary_values_and_gradients(name, shape, dtype, seed):
    x = np.asarray(np.random.default_rng(seed).standard_normal(shape) * 2).astype(dtype)
    if name == "sgn":      # torch's gradient is a ZeroTensor: compare as numbers
        for lib in (minigrad, torch):
            t = lib.from_numpy(x.copy()).requires_grad_()
            out = UNARY[name](lib, t)
            assert type(out.grad_fn).__name__ == "SgnBackward0"
            out.sum().backward()
            assert not np.asarray(t.grad.detach().numpy(force=True) if lib is torch
                                  else t.grad.numpy()).any()
        return
    compare_call(UNARY[name], [x], seed, bitwise=name in ("rad2deg", "deg2rad"))


def test_unary_on_integers_signbit_and_in_place():
    ints = np.array([-3, 0, 2, 7, 1, -1])
    floats = np.array([-1.5, -0.0, 0.0, 2.0, np.nan, -np.inf], np.float32)
    calls = [lambda lib, i, f: lib.rad2deg(i), lambda lib, i, f: lib.deg2rad(i > 0),
             lambda lib, i, f: lib.sgn(i), lambda lib, i, f: lib.sgn(i > 0),
             lambda lib, i, f: lib.signbit(f), lambda lib, i, f: f.signbit(),
             lambda lib, i, f: lib.signbit(i), lambda lib, i, f: lib.sgn(f),
             lambda lib, i, f: lib.logit(i), lambda lib, i, f: lib.logit(f / 4 + 0.5, 1e-2),
             lambda lib, i, f: f.clone().rad2deg_(), lambda lib, i, f: f.clone().sgn_(),
             lambda lib, i, f: f.clone().logit_(0.3),
             lambda lib, i, f: lib.ldexp(f, i), lambda lib, i, f: lib.ldexp(i, i),
             lambda lib, i, f: f.clone().ldexp_(i), lambda lib, i, f: lib.ldexp(f, f.double()),
             lambda lib, i, f: lib.heaviside(f, f.flip(0)), lambda lib, i, f: lib.heaviside(i, i),
             lambda lib, i, f: f.clone().heaviside_(lib.tensor(0.5)),
             lambda lib, i, f: lib.nextafter(f, f.flip(0)),
             lambda lib, i, f: lib.nextafter(f, f.double()),
             lambda lib, i, f: f.clone().nextafter_(lib.tensor(np.float32(np.inf)))]
    for call in calls:
        got = call(minigrad, minigrad.from_numpy(ints.copy()), minigrad.from_numpy(floats.copy()))
        want = call(torch, torch.from_numpy(ints.copy()), torch.from_numpy(floats.copy()))
        assert_tensor_equal(got, want)     # (logit: torch's log is an ulp off NumPy's at times)


def test_elementwise_errors():
    ints, floats = np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0], np.float32)
    calls = [lambda lib, i, f: i.clone().rad2deg_(), lambda lib, i, f: lib.heaviside(f, 1.0),
             lambda lib, i, f: lib.heaviside(f, f.double()), lambda lib, i, f: lib.heaviside(i, f),
             lambda lib, i, f: lib.heaviside(f, f[:2]), lambda lib, i, f: lib.nextafter(i, i),
             lambda lib, i, f: lib.nextafter(f, 1.0), lambda lib, i, f: lib.ldexp(f, 2),
             lambda lib, i, f: i.clone().ldexp_(i), lambda lib, i, f: lib.nextafter(f, f[:2]),
             lambda lib, i, f: lib.heaviside(f.requires_grad_(), f).sum().backward()]
    for call in calls:
        assert_same_error(lambda c=call: c(minigrad, minigrad.from_numpy(ints.copy()),
                                           minigrad.from_numpy(floats.copy())),
                          lambda c=call: c(torch, torch.from_numpy(ints.copy()),
                                           torch.from_numpy(floats.copy())))


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["ldexp", "nextafter"]),
       hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3), FLOATS,
       st.integers(0, 2**32 - 1))
def test_binary_values_and_gradients(name, shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    a, b = (np.asarray(rng.standard_normal(s)).astype(dtype) for s in shapes.input_shapes)
    compare_call(lambda lib, x, y: getattr(lib, name)(x, y), [a, b], seed,
                 bitwise=name == "nextafter")
    e = rng.integers(-4, 5, shapes.input_shapes[1])
    compare_call(lambda lib, x, y: lib.ldexp(x, y), [a, np.asarray(e)], seed)


def test_pointwise_fd_gradcheck():
    rng = np.random.default_rng(4)
    p = rng.uniform(0.05, 0.95, (2, 3))
    fd_check(lambda x: minigrad.logit(x), [p])
    fd_check(lambda x: minigrad.logit(x, eps=0.1), [np.clip(p, 0.12, 0.88)])
    fd_check(lambda x, e: minigrad.ldexp(x, e), [rng.standard_normal((2, 3)),
                                                 rng.standard_normal(3)])
    fd_check(lambda x: minigrad.rad2deg(x) + minigrad.deg2rad(x), [rng.standard_normal(4)])


# ---- baddbmm / addbmm / addmv / addr -----------------------------------------------------------
def _blas_arrays(name, rng, dtype, b, n, k, m, input_shape):
    shapes = {"baddbmm": [(b, n, k), (b, k, m)], "addbmm": [(b, n, k), (b, k, m)],
              "addmv": [(n, k), (k,)], "addr": [(n,), (m,)]}[name]
    return [rng.standard_normal(s).astype(dtype) for s in (input_shape, *shapes)]


def _full_shape(name, b, n, m):
    return {"baddbmm": (b, n, m), "addbmm": (n, m), "addmv": (n,), "addr": (n, m)}[name]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["baddbmm", "addbmm", "addmv", "addr"]), st.integers(1, 3),
       st.integers(1, 4), st.integers(1, 4), st.integers(1, 19), FLOATS,
       st.sampled_from([(1, 1), (0.5, -2.0), (0, 1.5), (-1.5, 1), (2, 0.25)]),
       st.booleans(), st.integers(0, 2**32 - 1))
def test_blas_updates_values_and_gradients(name, b, n, k, m, dtype, scales, broadcast, seed):
    rng = np.random.default_rng(seed)
    shape = _full_shape(name, b, n, m)
    if broadcast:          # input broadcast against the product: trailing dims, or ones
        shape = tuple(1 if i % 2 else s for i, s in enumerate(shape))[-max(1, len(shape) - 1):]
    arrays = _blas_arrays(name, rng, dtype, b, n, k, m, shape)
    beta, alpha = scales
    compare_call(lambda lib, c, x, y: getattr(lib, name)(c, x, y, beta=beta, alpha=alpha),
                 arrays, seed, bitwise=name == "addr")


def test_addr_rounds_as_torchs_vector_and_scalar_loops():
    rng = np.random.default_rng(7)
    for dtype in (np.float32, np.float64):
        for shapes in [((30, 40), (30,), (40,)), ((40,), (30,), (40,)), ((5, 1), (5,), (1,)),
                       ((), (3,), (70,)), ((3, 1), (3,), (70,)), ((40, 1), (40,), (1,)),
                       ((1,), (5,), (50,))]:
            for beta, alpha in [(1, 1), (0.5, 3.0), (0, 2.0), (-1.5, 1), (0.3, -0.7)]:
                arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
                got, want = (lib.addr(*map(lib.from_numpy, arrays), beta=beta, alpha=alpha)
                             for lib in (minigrad, torch))
                np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_blas_updates_ignore_input_when_beta_is_zero_and_in_place():
    nan = np.full((2, 2), np.nan, np.float32)
    m, v = np.ones((2, 2), np.float32), np.ones(2, np.float32)
    calls = [lambda lib: lib.addr(lib.from_numpy(nan), lib.from_numpy(v), lib.from_numpy(v),
                                  beta=0),
             lambda lib: lib.addmv(lib.from_numpy(nan[0]), lib.from_numpy(m), lib.from_numpy(v),
                                   beta=0),
             lambda lib: lib.from_numpy(nan[None].copy()).baddbmm_(
                 lib.from_numpy(m[None]), lib.from_numpy(m[None]), beta=0),
             lambda lib: lib.from_numpy(m.copy()).addr_(lib.from_numpy(v), lib.from_numpy(v),
                                                        alpha=2),
             lambda lib: lib.from_numpy(m[None].copy()).baddbmm_(
                 lib.from_numpy(m[None]), lib.from_numpy(m[None]), beta=0.5),
             lambda lib: lib.from_numpy(m.copy()).addbmm_(lib.from_numpy(m[None]),
                                                          lib.from_numpy(m[None])),
             lambda lib: lib.from_numpy(v.copy()).addmv_(lib.from_numpy(m), lib.from_numpy(v)),
             lambda lib: lib.addr(lib.ones(2, 2, dtype=lib.int64), lib.arange(2),
                                  lib.arange(2), beta=2, alpha=3),
             lambda lib: lib.addr(lib.ones(2, 2, dtype=lib.bool), lib.ones(2, dtype=lib.bool),
                                  lib.zeros(2, dtype=lib.bool)),
             lambda lib: lib.addmv(lib.ones(2, dtype=lib.int64),
                                   lib.ones(2, 2, dtype=lib.int64), lib.arange(2))]
    for call in calls:
        assert_tensor_equal(call(minigrad), call(torch))


BLAS_ERRORS = [   # (op, shapes of input and the two operands, dtypes if not float32, kwargs)
    ("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)], ["float32", "float32", "float64"], {}),
    ("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)], ["float64", "float32", "float32"], {}),
    ("baddbmm", [(4, 3, 5), (2, 3, 4), (2, 4, 5)], None, {}),
    ("baddbmm", [(2, 3, 5), (3, 4), (2, 4, 5)], None, {}),
    ("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 3, 5)], None, {}),
    ("addbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)], None, {}),
    ("addbmm", [(3, 5), (2, 3, 4), (2, 4, 5)], ["float64", "float32", "float32"], {}),
    ("addbmm", [(3, 5), (2, 3, 4), (3, 4, 5)], None, {}),
    ("addbmm", [(3, 5), (2, 3, 4), (2, 3, 5)], None, {}),
    ("addmv", [(2,), (3, 4), (4,)], None, {}),
    ("addmv", [(3,), (3, 4), (4,)], ["float64", "float32", "float32"], {}),
    ("addmv", [(3,), (3,), (4,)], None, {}),
    ("addmv", [(3,), (3, 4), (5,)], None, {}),
    ("addr", [(3, 4), (3, 1), (4,)], None, {}),
    ("addr", [(2, 4), (3,), (4,)], None, {}),
    ("addr", [(3, 4), (3,), (4,)], None, {"beta": True}),
    ("addr_", [(4,), (3,), (4,)], None, {}),
]


@pytest.mark.parametrize("name, shapes, dtypes, kwargs", BLAS_ERRORS)
def test_blas_update_errors(name, shapes, dtypes, kwargs):
    def call(lib):
        c, a, b = (lib.ones(*s, dtype=getattr(lib, d))
                   for s, d in zip(shapes, dtypes or ["float32"] * 3))
        fn = getattr(c, name) if name.endswith("_") else getattr(lib, name)
        return fn(a, b, **kwargs) if name.endswith("_") else fn(c, a, b, **kwargs)
    assert_same_error(lambda: call(minigrad), lambda: call(torch))


@pytest.mark.parametrize("name", ["baddbmm", "addbmm", "addmv", "addr"])
def test_blas_updates_fd_gradcheck(name):
    arrays = _blas_arrays(name, np.random.default_rng(5), np.float64, 2, 3, 2, 4,
                          _full_shape(name, 2, 3, 4))
    fd_check(lambda c, x, y: getattr(minigrad, name)(c, x, y, beta=0.5, alpha=-1.5), arrays)
