"""nn.functional against torch: activations, softmax family, dropout, one_hot and every loss.

Each case runs the same call on copies of the same data in minigrad and torch, then compares
the value (shape, dtype, values), the grad_fn name and the gradient of every float input under
a random upstream gradient.
"""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from helpers import assert_same_error, assert_tensor_equal, to_mg

RNG = np.random.default_rng(1234)
REDUCTIONS = ["mean", "sum", "none"]
DTYPES = [np.float32, np.float64]


def _convert(value, to):
    """Tensors (given as torch tensors) copied to the other library; others unchanged."""
    if isinstance(value, torch.Tensor):
        return to_mg(value) if to == "mg" else value.detach().clone().requires_grad_(
            value.requires_grad)
    return value


def _to_mg_arg(v):
    if isinstance(v, torch.Tensor):
        return to_mg(v)
    if isinstance(v, torch.dtype):
        return getattr(minigrad, str(v).replace("torch.", ""))
    return v


def check(fname, *args, rtol=None, atol=None, check_grad_fn=True, **kwargs):
    """Run F.fname and TF.fname on the same inputs; compare output, grad_fn and input grads."""
    th_args = [_convert(a, "th") for a in args]
    mg_args = [to_mg(a) if isinstance(a, torch.Tensor) else a for a in th_args]
    th_kwargs = {k: _convert(v, "th") for k, v in kwargs.items()}
    mg_kwargs = {k: _to_mg_arg(v) for k, v in th_kwargs.items()}
    out_t = getattr(TF, fname)(*th_args, **th_kwargs)
    out_m = getattr(F, fname)(*mg_args, **mg_kwargs)
    assert_tensor_equal(out_m, out_t, rtol=rtol, atol=atol)
    if check_grad_fn:
        assert type(out_m.grad_fn).__name__ == type(out_t.grad_fn).__name__
    if not out_t.requires_grad:
        return out_m, out_t
    g = torch.from_numpy(RNG.standard_normal(tuple(out_t.shape)).astype(
        np.dtype(str(out_t.dtype).replace("torch.", ""))))
    out_t.backward(g)
    out_m.backward(to_mg(g))
    leaves = [(m, t) for m, t in zip(mg_args + list(mg_kwargs.values()),
                                     th_args + list(th_kwargs.values()))
              if isinstance(t, torch.Tensor) and t.requires_grad]
    assert leaves
    for m, t in leaves:
        assert_tensor_equal(m.grad, t.grad, rtol=rtol, atol=atol)
    return out_m, out_t


def randn(*shape, dtype=np.float32, scale=1.0, grad=True):
    t = torch.from_numpy((RNG.standard_normal(shape) * scale).astype(dtype))
    return t.requires_grad_(grad)


def rand(*shape, dtype=np.float32, grad=True):
    return torch.from_numpy(RNG.random(shape).astype(dtype)).requires_grad_(grad)


def labels(n_classes, *shape):
    return torch.from_numpy(RNG.integers(0, n_classes, shape))


# ---- activations and the softmax family ---------------------------------------------------------
@pytest.mark.parametrize("fname", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_pointwise_activations(fname, dtype):
    check(fname, randn(3, 5, dtype=dtype, scale=3))


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=4), data=st.data(),
       scale=st.sampled_from([1.0, 30.0, 1e4]), dtype=st.sampled_from(DTYPES),
       fname=st.sampled_from(["softmax", "log_softmax"]))
def test_softmax_family(shape, data, scale, dtype, fname):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    rtol, atol = (1e-5, 1e-5) if dtype == np.float32 else (None, None)
    check(fname, randn(*shape, dtype=dtype, scale=scale), dim, rtol=rtol, atol=atol)


def test_softmax_huge_logits_stay_finite():
    out, _ = check("log_softmax", torch.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]],
                                               requires_grad=True), 1)
    assert np.isfinite(out.detach().numpy()).all()
    check("softmax", torch.tensor([[1e4, -1e4, 0.0]], requires_grad=True), -1)


def test_softmax_implicit_dim_warns_like_torch():
    for ndim in (1, 2, 3):
        x = randn(*([2] * ndim))
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter("always")
            expected = TF.softmax(x)
        with warnings.catch_warnings(record=True) as wm:
            warnings.simplefilter("always")
            got = F.softmax(to_mg(x))
        assert [str(w.message) for w in wm] == [str(w.message) for w in wt]
        assert_tensor_equal(got, expected)


def test_softmax_dtype_argument_and_second_order_grad():
    x = randn(3, 4)
    check("softmax", x, 1, dtype=torch.float64)
    # d/dx of sum(grad_x * v), grad_x from create_graph=True
    xt = randn(3, 4, dtype=np.float64)
    xm = to_mg(xt)
    w = RNG.standard_normal((3, 4))
    for lib, x, fn in ((torch, xt, TF.log_softmax), (minigrad, xm, F.log_softmax)):
        out = (fn(x, 1) ** 2 * lib.from_numpy(w)).sum()
        (g,) = lib.autograd.grad(out, x, create_graph=True)
        (g * lib.from_numpy(w)).sum().backward()
    assert_tensor_equal(xm.grad, xt.grad)


# ---- dropout ------------------------------------------------------------------------------------
def test_dropout_eval_and_p0_return_input():
    x = minigrad.ones(4, 4, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_dropout_scales_survivors_and_backward():
    minigrad.manual_seed(3)
    x = minigrad.ones(1000, requires_grad=True)
    y = F.dropout(x, 0.25)
    kept = y.detach().numpy() != 0
    np.testing.assert_allclose(y.detach().numpy()[kept], np.float32(1) / np.float32(0.75))
    assert 600 < kept.sum() < 900
    assert type(y.grad_fn).__name__ == "MulBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    assert (F.dropout(x, 1.0).detach().numpy() == 0).all()


def test_dropout_errors():
    x = randn(3)
    assert_same_error(lambda: F.dropout(to_mg(x), 1.5), lambda: TF.dropout(x, 1.5))
    assert_same_error(lambda: F.dropout(to_mg(x), -0.1), lambda: TF.dropout(x, -0.1))


# ---- one_hot ------------------------------------------------------------------------------------
def test_one_hot():
    t = labels(5, 2, 3)
    for n in (-1, 5, 7):
        assert_tensor_equal(F.one_hot(to_mg(t), n), TF.one_hot(t, n))
    cases = [(torch.tensor([0.0, 1.0]), -1), (torch.tensor([0, 3]), 2),
             (torch.tensor([0, -1]), -1), (torch.tensor([], dtype=torch.int64), -1)]
    for t, n in cases:
        assert_same_error(lambda t=t, n=n: F.one_hot(to_mg(t), n),
                          lambda t=t, n=n: TF.one_hot(t, n))


# ---- regression losses --------------------------------------------------------------------------
@pytest.mark.parametrize("fname", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_regression_losses(fname, reduction, dtype):
    check(fname, randn(4, 3, dtype=dtype), randn(4, 3, dtype=dtype), reduction=reduction)


@pytest.mark.parametrize("fname", ["mse_loss", "l1_loss", "binary_cross_entropy",
                                   "binary_cross_entropy_with_logits"])
def test_mean_losses_of_empty_inputs(fname):
    """No elements: the mean is nan, and backward gives empty gradients (1/N is inf)."""
    check(fname, rand(0, 3, dtype=np.float64), rand(0, 3, dtype=np.float64, grad=False))


def test_mse_loss_seed_example():
    """The value, grad_fn and gradient of a tutorial's loss."""
    p = minigrad.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    loss = minigrad.nn.MSELoss()(p, minigrad.tensor([[1.5], [2.0], [5.0]]))
    assert repr(loss) == "tensor(1.4167, grad_fn=<MseLossBackward0>)"
    loss.backward()
    assert repr(p.grad) == "tensor([[-0.3333],\n        [ 0.0000],\n        [-1.3333]])"


@pytest.mark.parametrize("fname", ["mse_loss", "l1_loss"])
def test_target_size_warning_and_broadcast(fname):
    x, t = randn(3, 1), randn(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(fname, x, t)
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        getattr(TF, fname)(x, t)
    with warnings.catch_warnings(record=True) as wm:
        warnings.simplefilter("always")
        getattr(F, fname)(to_mg(x), to_mg(t))
    assert [str(w.message) for w in wm] == [str(w.message) for w in wt]
    assert str(wm[0].message) == (
        "Using a target size (torch.Size([3])) that is different to the input size "
        "(torch.Size([3, 1])). This will likely lead to incorrect results due to "
        "broadcasting. Please ensure they have the same size.")
    assert wm[0].filename == __file__
    x, t = randn(3), randn(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(lambda: getattr(F, fname)(to_mg(x), to_mg(t)),
                          lambda: getattr(TF, fname)(x, t))


def test_mse_loss_mixed_dtypes_and_errors():
    check("mse_loss", randn(3, dtype=np.float32), randn(3, dtype=np.float64))
    a = torch.tensor([1, 2])
    assert_same_error(lambda: F.mse_loss(to_mg(a), to_mg(a)), lambda: TF.mse_loss(a, a))
    x = randn(2)
    assert_same_error(lambda: F.mse_loss(to_mg(x), to_mg(x), reduction="foo"),
                      lambda: TF.mse_loss(x, x, reduction="foo"))


# ---- binary classification ----------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, dtype, weighted):
    x = torch.sigmoid(randn(4, 3, dtype=dtype, grad=False)).requires_grad_()
    kwargs = {"weight": rand(3, dtype=dtype, grad=False)} if weighted else {}
    check("binary_cross_entropy", x, rand(4, 3, dtype=dtype), reduction=reduction, **kwargs)


def test_binary_cross_entropy_at_0_and_1():
    x = torch.tensor([0.0, 1.0, 0.5, 1e-30], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    check("binary_cross_entropy", x, t, reduction="none")
    check("binary_cross_entropy", x, t)


def test_binary_cross_entropy_errors():
    x, t = torch.tensor([0.5, 1.5]), torch.tensor([1.0, 0.0])
    assert_same_error(lambda: F.binary_cross_entropy(to_mg(x), to_mg(t)),
                      lambda: TF.binary_cross_entropy(x, t))
    x, t = torch.tensor([0.5, 0.5]), torch.tensor([1.0, 0.0, 1.0])
    assert_same_error(lambda: F.binary_cross_entropy(to_mg(x), to_mg(t)),
                      lambda: TF.binary_cross_entropy(x, t))
    assert_same_error(lambda: F.binary_cross_entropy_with_logits(to_mg(x), to_mg(t)),
                      lambda: TF.binary_cross_entropy_with_logits(x, t))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight", "both"])
def test_binary_cross_entropy_with_logits(reduction, dtype, options):
    kwargs = {}
    if options in ("weight", "both"):
        kwargs["weight"] = rand(5, 3, dtype=dtype, grad=False)
    if options in ("pos_weight", "both"):
        kwargs["pos_weight"] = rand(3, dtype=dtype, grad=False) * 3
    check("binary_cross_entropy_with_logits", randn(5, 3, dtype=dtype, scale=4),
          rand(5, 3, dtype=dtype), reduction=reduction, **kwargs)


def test_binary_cross_entropy_with_huge_logits():
    x = torch.tensor([1e4, -1e4, 50.0, -50.0, 0.0], requires_grad=True)
    t = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.3], requires_grad=True)
    out, _ = check("binary_cross_entropy_with_logits", x, t, reduction="none")
    assert np.isfinite(out.detach().numpy()).all()
    check("binary_cross_entropy_with_logits", x, t, pos_weight=torch.tensor([2.0]))


# ---- multi-class --------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [{}, {"ignore_index": 1}, {"label_smoothing": 0.2},
                                     {"weight": True}, {"weight": True, "ignore_index": 2,
                                                        "label_smoothing": 0.1}])
def test_cross_entropy_class_indices(reduction, dtype, options):
    kwargs = dict(options)
    if kwargs.get("weight"):
        kwargs["weight"] = rand(5, dtype=dtype, grad=False) + 0.5
    check("cross_entropy", randn(6, 5, dtype=dtype, scale=3), labels(5, 6),
          reduction=reduction, check_grad_fn="label_smoothing" not in kwargs, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.3}, {"weight": True}])
def test_cross_entropy_class_probabilities(reduction, options):
    kwargs = dict(options)
    if kwargs.get("weight"):
        kwargs["weight"] = rand(4, grad=False)
    target = torch.softmax(randn(3, 4, grad=False), 1).requires_grad_()
    check("cross_entropy", randn(3, 4), target, reduction=reduction, check_grad_fn=False,
          **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial_and_unbatched(reduction):
    check("cross_entropy", randn(2, 4, 3), labels(4, 2, 3), reduction=reduction,
          check_grad_fn=reduction != "none")
    check("cross_entropy", randn(2, 4, 3, 2), labels(4, 2, 3, 2), reduction=reduction,
          check_grad_fn=reduction != "none")
    check("cross_entropy", randn(4), torch.tensor(2), reduction=reduction)


def test_cross_entropy_huge_logits():
    x = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [3.0, 2.0, 1.0]], requires_grad=True)
    out, _ = check("cross_entropy", x, torch.tensor([1, 0, 2]), reduction="none")
    assert np.isfinite(out.detach().numpy()).all()
    check("cross_entropy", x, torch.tensor([0, 1, 2]))


def test_cross_entropy_all_ignored_is_nan():
    x = randn(3, 4)
    out, _ = check("cross_entropy", x, torch.tensor([-100, -100, -100]))
    assert np.isnan(out.item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    logp = torch.log_softmax(randn(5, 3, grad=False), 1).requires_grad_()
    check("nll_loss", logp, labels(3, 5), reduction=reduction)
    check("nll_loss", logp, labels(3, 5), reduction=reduction, ignore_index=0,
          weight=rand(3, grad=False))


def test_multiclass_errors():
    x = randn(3, 4)
    bad_targets = [torch.tensor([0, 1, 2], dtype=torch.int32), torch.tensor([0.0, 1.0, 2.0]),
                   torch.tensor([0, 1, 7]), torch.tensor([0, 1, -1]), torch.tensor([0, 1])]
    for t in bad_targets:
        assert_same_error(lambda t=t: F.cross_entropy(to_mg(x), to_mg(t)),
                          lambda t=t: TF.cross_entropy(x, t))
        assert_same_error(lambda t=t: F.nll_loss(to_mg(x), to_mg(t)),
                          lambda t=t: TF.nll_loss(x, t))
    t = torch.tensor([0, 1, 2])
    assert_same_error(lambda: F.cross_entropy(to_mg(x), to_mg(t), label_smoothing=1.5),
                      lambda: TF.cross_entropy(x, t, label_smoothing=1.5))
    w = torch.ones(3)
    assert_same_error(lambda: F.nll_loss(to_mg(x), to_mg(t), weight=to_mg(w)),
                      lambda: TF.nll_loss(x, t, weight=w))


# ---- finite differences (float64), independent of torch ---------------------------------------
def _gradcheck_cases():
    rng = np.random.default_rng(0)

    def leaf(*shape, lo=-1.0, hi=1.0):
        return minigrad.tensor(rng.uniform(lo, hi, shape), dtype=minigrad.float64,
                               requires_grad=True)

    MF = minigrad.nn.functional
    x, w, b = leaf(4, 3), leaf(5, 3), leaf(5)
    p = leaf(4, 3, lo=0.05, hi=0.95)
    target = minigrad.tensor(rng.uniform(-1, 1, (4, 3)))
    y01 = minigrad.tensor(rng.uniform(0, 1, (4, 3)))
    idx = minigrad.tensor([0, 2, 1, 2])
    return {
        "linear": (lambda x, w, b: MF.linear(x, w, b), (x, w, b)),
        "mse_loss": (lambda x: MF.mse_loss(x, target), (x,)),
        "mse_loss_none": (lambda x: MF.mse_loss(x, target, reduction="none"), (x,)),
        "binary_cross_entropy": (lambda p: MF.binary_cross_entropy(p, y01), (p,)),
        "bce_with_logits": (lambda x: MF.binary_cross_entropy_with_logits(x, y01), (x,)),
        "cross_entropy_indices": (lambda x: MF.cross_entropy(x, idx), (x,)),
        "cross_entropy_probabilities": (lambda x: MF.cross_entropy(x, y01.softmax(1)), (x,)),
        "cross_entropy_smoothing": (lambda x: MF.cross_entropy(x, idx, label_smoothing=0.2),
                                    (x,)),
        "nll_loss": (lambda x: MF.nll_loss(MF.log_softmax(x, 1), idx, reduction="sum"), (x,)),
        "softmax": (lambda x: MF.softmax(x, 1), (x,)),
        "log_softmax": (lambda x: MF.log_softmax(x, 0), (x,)),
        "sigmoid_tanh": (lambda x: MF.sigmoid(x) * MF.tanh(x), (x,)),
    }


@pytest.mark.parametrize("name", sorted(_gradcheck_cases()))
def test_functional_gradients_match_finite_differences(name):
    """First and second derivatives of each loss/activation against central differences."""
    from minigrad.autograd import gradcheck, gradgradcheck
    fn, inputs = _gradcheck_cases()[name]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
