"""The losses of nn/_losses_more.py and nn/_loss_nodes.py against torch, in the same test:
values, dtypes, grad_fn names, warnings and every input's gradient on hypothesis-drawn shapes,
arguments and reductions (float32 and float64); finite differences for float64; errors with
torch's class and message; the loss modules' options, reprs and results."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check

DTYPES = [np.float32, np.float64]
REDUCTIONS = st.sampled_from(["none", "mean", "sum"])
FAST = settings(max_examples=25, deadline=None)


def run_both(call, arrays, needs_grad, seed=0, atol=None):
    """call(F, *tensors) in torch and in minigrad: the same value, dtype, grad_fn name,
    warnings and gradient of every input that requires grad (for one random upstream
    gradient; ``atol`` loosens the gradients' comparison). Returns minigrad's result."""
    rng = np.random.default_rng(seed)
    outs = []
    for lib in (torch, minigrad):
        tensors = [lib.from_numpy(np.array(a, copy=True)) for a in arrays]
        for t, wanted in zip(tensors, needs_grad):
            if wanted:
                t.requires_grad_()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minigrad(\.|$)")
            out = call(lib.nn.functional, *tensors)
        messages = [str(w.message) for w in caught if "Triggered internally" not in str(w)]
        outs.append((tensors, out, messages))
    (th_in, th_out, th_warn), (mg_in, mg_out, mg_warn) = outs
    assert_tensor_equal(mg_out, th_out)
    assert mg_warn == th_warn
    th_name = th_out.grad_fn.name() if th_out.grad_fn is not None else None
    mg_name = mg_out.grad_fn.name() if mg_out.grad_fn is not None else None
    assert mg_name == th_name
    if th_out.requires_grad:
        upstream = rng.standard_normal(tuple(th_out.shape)).astype(arrays[0].dtype)
        th_out.backward(torch.from_numpy(upstream.copy()))
        mg_out.backward(minigrad.from_numpy(upstream.copy()))
        for i, (m, t) in enumerate(zip(mg_in, th_in)):
            if t.grad is None:
                assert m.grad is None, f"input {i}"
            else:
                assert_tensor_equal(m.grad, t.grad, atol=atol)
    return mg_out


def _normal(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def _signs(rng, shape, dtype):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0).astype(dtype)


shapes = st.tuples(st.integers(1, 4), st.integers(1, 5))


# ---- divergence and robust regression -----------------------------------------------------------
@FAST
@given(shape=shapes, dtype=st.sampled_from(DTYPES),
       reduction=st.sampled_from(["none", "mean", "sum", "batchmean"]), log_target=st.booleans(),
       seed=st.integers(0, 99))
def test_kl_div(shape, dtype, reduction, log_target, seed):
    rng = np.random.default_rng(seed)
    x = np.log(rng.uniform(0.05, 1, shape)).astype(dtype)
    t = rng.uniform(0.0, 1, shape).astype(dtype)
    if log_target:
        t = np.log(t + 0.05).astype(dtype)
    t[0, 0] = 0 if not log_target else t[0, 0]   # xlogy(0, 0) = 0
    run_both(lambda F, a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
             [x, t], [True, True])


@FAST
@given(shape=shapes, dtype=st.sampled_from(DTYPES), reduction=REDUCTIONS,
       beta=st.sampled_from([0.0, 0.5, 1.0, 2.0]), broadcast=st.booleans(),
       seed=st.integers(0, 99))
def test_smooth_l1_and_huber(shape, dtype, reduction, beta, broadcast, seed):
    rng = np.random.default_rng(seed)
    x, t = _normal(rng, shape, dtype), _normal(rng, shape[1:] if broadcast else shape, dtype)
    run_both(lambda F, a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
             [x, t], [True, True])
    delta = beta or 1.5
    run_both(lambda F, a, b: F.huber_loss(a, b, reduction=reduction, delta=delta),
             [x, t], [True, True])
    w = rng.uniform(0.5, 2, shape).astype(dtype)
    run_both(lambda F, a, b, c: F.huber_loss(a, b, reduction=reduction, delta=delta, weight=c),
             [x, t, w], [True, True, True])


@pytest.mark.parametrize("flags", [{"size_average": False}, {"reduce": False},
                                   {"size_average": True}])
def test_legacy_size_average_and_reduce_flags(flags):
    rng = np.random.default_rng(0)
    x, t = _normal(rng, (3, 4), np.float32), _normal(rng, (3, 4), np.float32)
    run_both(lambda F, a, b: F.smooth_l1_loss(a, b, **flags), [x, t], [True, True])
    run_both(lambda F, a, b: F.kl_div(a, b, **flags), [x, t], [True, True])
    run_both(lambda F, a, b: F.soft_margin_loss(a, b, **flags), [x, np.sign(t)], [True, False])


def test_mixed_dtypes_give_torchs_result_dtype():
    """smooth L1 computes in the promoted dtype; Huber and soft margin in the input's (torch's
    Huber then refuses to run backward with mixed dtypes: forward only here)."""
    rng = np.random.default_rng(5)
    x32, t64 = _normal(rng, (3, 4), np.float32), _normal(rng, (3, 4), np.float64)
    labels = rng.integers(0, 2, (3, 4))
    run_both(lambda F, a, b: F.smooth_l1_loss(a, b), [x32, t64], [True, True])
    run_both(lambda F, a, b: F.smooth_l1_loss(a, b), [x32, labels], [True, False])
    run_both(lambda F, a, b: F.soft_margin_loss(a, b), [x32, labels], [True, False])
    run_both(lambda F, a, b: F.soft_margin_loss(a, b), [x32, t64], [True, False])
    run_both(lambda F, a, b: F.huber_loss(a, b), [x32, t64], [False, False])
    run_both(lambda F, a, b: F.huber_loss(a, b), [t64, x32], [False, False])


# ---- ranking and embedding losses ---------------------------------------------------------------
@FAST
@given(shape=shapes, dtype=st.sampled_from(DTYPES), reduction=REDUCTIONS,
       margin=st.sampled_from([0.0, 0.3, 1.0]), seed=st.integers(0, 99))
def test_margin_ranking_hinge_and_cosine_embedding(shape, dtype, reduction, margin, seed):
    rng = np.random.default_rng(seed)
    x1, x2 = _normal(rng, shape, dtype), _normal(rng, shape, dtype)
    y = _signs(rng, shape, dtype)
    run_both(lambda F, a, b, c: F.margin_ranking_loss(a, b, c, margin=margin,
                                                      reduction=reduction),
             [x1, x2, y], [True, True, True])
    y3 = rng.choice([-1.0, 0.0, 1.0], shape).astype(dtype)
    run_both(lambda F, a, c: F.hinge_embedding_loss(a, c, margin=margin + 0.5,
                                                    reduction=reduction), [x1, y3], [True, False])
    rows = _signs(rng, shape[:1], dtype)
    # (cosines of vectors of two or more values: one value's cosine is ±1 whatever it is, its
    # gradient 0 up to rounding, and torch's square root is an ulp from NumPy's at times, so
    # that rounding noise would be compared)
    x1, x2 = (_normal(rng, (shape[0], shape[1] + 1), dtype) for _ in range(2))
    run_both(lambda F, a, b, c: F.cosine_embedding_loss(a, b, c, margin=margin / 2,
                                                        reduction=reduction),
             [x1, x2, rows], [True, True, False])
    run_both(lambda F, a, b, c: F.cosine_embedding_loss(a, b, c, reduction=reduction),
             [x1[0], x2[0], rows[0]], [True, True, False])


@FAST
@given(shape=shapes, dtype=st.sampled_from(DTYPES), reduction=REDUCTIONS,
       p=st.sampled_from([1, 2, 3]), swap=st.booleans(), seed=st.integers(0, 99))
def test_triplet_margin_losses(shape, dtype, reduction, p, swap, seed):
    rng = np.random.default_rng(seed)
    a, pos, neg = (_normal(rng, shape, dtype) for _ in range(3))
    run_both(lambda F, x, y, z: F.triplet_margin_loss(x, y, z, margin=2.0, p=p, swap=swap,
                                                      reduction=reduction),
             [a, pos, neg], [True, True, True])
    run_both(lambda F, x, y, z: F.triplet_margin_with_distance_loss(
        x, y, z, swap=swap, reduction=reduction, margin=1.5), [a, pos, neg], [True] * 3)

    def cosine_distance(F):
        return lambda u, v: 1.0 - F.cosine_similarity(u, v)
    run_both(lambda F, x, y, z: F.triplet_margin_with_distance_loss(
        x, y, z, distance_function=cosine_distance(F), reduction=reduction),
        [a, pos, neg], [True] * 3)


# ---- margin losses for classification -----------------------------------------------------------
@FAST
@given(shape=shapes, dtype=st.sampled_from(DTYPES), reduction=REDUCTIONS,
       weighted=st.booleans(), seed=st.integers(0, 99))
def test_soft_margin_and_multilabel_soft_margin(shape, dtype, reduction, weighted, seed):
    rng = np.random.default_rng(seed)
    x, y = _normal(rng, shape, dtype), _signs(rng, shape, dtype)
    run_both(lambda F, a, b: F.soft_margin_loss(a, b, reduction=reduction), [x, y],
             [True, False])
    labels = (y > 0).astype(dtype)
    w = rng.uniform(0.5, 2, shape[1:]).astype(dtype)
    if weighted:
        run_both(lambda F, a, b, c: F.multilabel_soft_margin_loss(a, b, weight=c,
                                                                  reduction=reduction),
                 [x, labels, w], [True, True, True])
    else:
        run_both(lambda F, a, b: F.multilabel_soft_margin_loss(a, b, reduction=reduction),
                 [x, labels], [True, True])


@FAST
@given(shape=shapes, dtype=st.sampled_from(DTYPES), reduction=REDUCTIONS,
       p=st.sampled_from([1, 2]), margin=st.sampled_from([0.5, 1.0, 2.0]),
       weighted=st.booleans(), vector=st.booleans(), seed=st.integers(0, 99))
def test_multi_margin(shape, dtype, reduction, p, margin, weighted, vector, seed):
    rng = np.random.default_rng(seed)
    x = _normal(rng, shape, dtype)
    target = rng.integers(0, shape[1], shape[0])
    if vector:
        x, target = x[0], target[:1]
    arrays, grads = [x, target], [True, False]
    if weighted:
        arrays, grads = arrays + [rng.uniform(0.5, 2, shape[1]).astype(dtype)], grads + [False]
    run_both(lambda F, a, t, *w: F.multi_margin_loss(a, t, p=p, margin=margin,
                                                     weight=w[0] if w else None,
                                                     reduction=reduction), arrays, grads)


@FAST
@given(shape=shapes, dtype=st.sampled_from(DTYPES), reduction=REDUCTIONS,
       vector=st.booleans(), seed=st.integers(0, 99))
def test_multilabel_margin(shape, dtype, reduction, vector, seed):
    rng = np.random.default_rng(seed)
    x = _normal(rng, shape, dtype)
    target = np.full(shape, -1, np.int64)
    for row in target:                      # some classes, then -1 (and rubbish after it)
        k = rng.integers(0, shape[1] + 1)
        row[:k] = rng.permutation(shape[1])[:k]
        if k + 1 < shape[1]:
            row[k + 1:] = rng.integers(0, shape[1], shape[1] - k - 1)
    if vector:
        x, target = x[0], target[0]
    run_both(lambda F, a, t: F.multilabel_margin_loss(a, t, reduction=reduction), [x, target],
             [True, False])


# ---- likelihood losses --------------------------------------------------------------------------
@FAST
@given(shape=shapes, dtype=st.sampled_from(DTYPES), reduction=REDUCTIONS,
       log_input=st.booleans(), full=st.booleans(), seed=st.integers(0, 99))
def test_poisson_nll(shape, dtype, reduction, log_input, full, seed):
    rng = np.random.default_rng(seed)
    x = _normal(rng, shape, dtype) if log_input else rng.uniform(0.1, 3, shape).astype(dtype)
    t = rng.integers(0, 5, shape).astype(dtype)
    run_both(lambda F, a, b: F.poisson_nll_loss(a, b, log_input=log_input, full=full,
                                                reduction=reduction), [x, t], [True, True])


@FAST
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(2, 4)),
       dtype=st.sampled_from(DTYPES), reduction=REDUCTIONS, full=st.booleans(),
       var_kind=st.sampled_from(["same", "row", "one", "float"]), seed=st.integers(0, 99))
def test_gaussian_nll(shape, dtype, reduction, full, var_kind, seed):
    rng = np.random.default_rng(seed)
    x, t = _normal(rng, shape, dtype), _normal(rng, shape, dtype)
    var_shape = {"same": shape, "row": shape[:-1], "one": shape[:1] + (1,) + shape[2:],
                 "float": shape}[var_kind]
    var = rng.uniform(0, 2, var_shape).astype(dtype)
    var.flat[0] = 1e-8                            # below eps: clamped
    if var_kind == "float":
        run_both(lambda F, a, b: F.gaussian_nll_loss(a, b, 0.7, full=full, reduction=reduction),
                 [x, t], [True, True])
    else:
        run_both(lambda F, a, b, v: F.gaussian_nll_loss(a, b, v, full=full,
                                                        reduction=reduction),
                 [x, t, var], [True, True, True])


# ---- finite differences (float64, minigrad alone) -----------------------------------------------
FD_CASES = {
    "kl_div": (lambda F, a, b: F.kl_div(a, b, reduction="batchmean"), (3, 4), "positive_t"),
    "smooth_l1": (lambda F, a, b: F.smooth_l1_loss(a, b, beta=0.7), (3, 4), None),
    "huber": (lambda F, a, b: F.huber_loss(a, b, delta=0.6, reduction="sum"), (3, 4), None),
    "triplet": (lambda F, a, b: F.triplet_margin_loss(a, b, a.flip(0) * 0.5, margin=3.0),
                (3, 4), None),
    "cosine_embedding": (lambda F, a, b: F.cosine_embedding_loss(
        a, b, minigrad.tensor([1.0, -1.0, 1.0], dtype=minigrad.float64), margin=-1.0),
        (3, 4), None),
    "gaussian_nll": (lambda F, a, b: F.gaussian_nll_loss(a, b, b * b + 0.5), (3, 4), None),
    "poisson_nll": (lambda F, a, b: F.poisson_nll_loss(a, b * b, full=True), (3, 4), None),
    "multi_margin_p2": (lambda F, a, b: F.multi_margin_loss(
        a + b, minigrad.tensor([0, 2, 1]), p=2, margin=3.0), (3, 4), None),
}


@pytest.mark.parametrize("name", sorted(FD_CASES))
def test_finite_differences(name):
    fn, shape, kind = FD_CASES[name]
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(shape), rng.standard_normal(shape)
    if kind == "positive_t":
        b = rng.uniform(0.1, 1, shape)
    fd_check(lambda x, y: fn(minigrad.nn.functional, x, y), [a, b], rtol=1e-5, atol=1e-7)


# ---- errors -------------------------------------------------------------------------------------
def _t(lib, *shape, dtype=None, values=None):
    data = np.random.default_rng(0).standard_normal(shape) if values is None else values
    out = lib.tensor(np.asarray(data, dtype=np.float32).tolist())
    return out if dtype is None else out.to(getattr(lib, dtype))


ERRORS = [
    lambda L, F: F.kl_div(_t(L, 3), _t(L, 3), reduction="bad"),
    lambda L, F: F.kl_div(_t(L, 3, dtype="int32"), _t(L, 3), reduction="sum"),
    lambda L, F: F.kl_div(_t(L, 3), _t(L, 4), reduction="none"),
    lambda L, F: F.smooth_l1_loss(_t(L, 3), _t(L, 3), beta=-1),
    lambda L, F: F.smooth_l1_loss(_t(L, 3, dtype="int64"), _t(L, 3, dtype="int64")),
    lambda L, F: F.smooth_l1_loss(_t(L, 3), _t(L, 4)),
    lambda L, F: F.huber_loss(_t(L, 3), _t(L, 3), delta=0),
    lambda L, F: F.huber_loss(_t(L, 3), _t(L, 3), weight=_t(L, 2)),
    lambda L, F: F.huber_loss(_t(L, 3, dtype="int64"), _t(L, 3)),
    lambda L, F: F.huber_loss(_t(L, 3, dtype="int64"), _t(L, 3, dtype="int64")),
    lambda L, F: F.soft_margin_loss(_t(L, 3, dtype="int64"), _t(L, 3)),
    lambda L, F: F.soft_margin_loss(_t(L, 3, dtype="int64"), _t(L, 3, dtype="int64")),
    lambda L, F: F.margin_ranking_loss(_t(L, 3), _t(L, 3, 1), _t(L, 3)),
    lambda L, F: F.cosine_embedding_loss(_t(L, 3, 4), _t(L, 3, 4), _t(L, 3, 1)),
    lambda L, F: F.cosine_embedding_loss(_t(L, 3, 4, 2), _t(L, 3, 4, 2), _t(L, 3)),
    lambda L, F: F.cosine_embedding_loss(_t(L, 4, 3), _t(L, 4), _t(L, values=1.0)),
    lambda L, F: F.triplet_margin_loss(_t(L, 3), _t(L, 3, 1), _t(L, 3)),
    lambda L, F: F.triplet_margin_loss(_t(L, 3), _t(L, 3), _t(L, 3), margin=0),
    lambda L, F: F.triplet_margin_with_distance_loss(_t(L, 3), _t(L, 3), _t(L, 3),
                                                     reduction="x"),
    lambda L, F: F.soft_margin_loss(_t(L, 3), _t(L, 3).requires_grad_()),
    lambda L, F: F.soft_margin_loss(_t(L, 3), _t(L, 4)),
    lambda L, F: F.multilabel_soft_margin_loss(_t(L, 3), _t(L, 3), reduction="x"),
    lambda L, F: F.multi_margin_loss(_t(L, 3, 4), L.tensor([0, 1, 4])),
    lambda L, F: F.multi_margin_loss(_t(L, 3, 4), L.tensor([0, 1])),
    lambda L, F: F.multi_margin_loss(_t(L, 4), L.tensor([0, 1])),
    lambda L, F: F.multi_margin_loss(_t(L, 3, 4), L.tensor([0, 1, 2]), p=3),
    lambda L, F: F.multi_margin_loss(_t(L, 3, 4, 5), L.tensor([0, 1, 2])),
    lambda L, F: F.multi_margin_loss(_t(L, 3, 0), L.tensor([0, 0, 0])),
    lambda L, F: F.multi_margin_loss(_t(L, 3, 4), L.tensor([0, 1, 2]), weight=_t(L, 3)),
    lambda L, F: F.multi_margin_loss(_t(L, 3, 4), L.tensor([0, 1, 2]), weight=_t(L, 2, 2)),
    lambda L, F: F.multi_margin_loss(_t(L, 3, 4), L.tensor([0.0, 1, 2])),
    lambda L, F: F.multi_margin_loss(_t(L, 3, 4), L.tensor([0, 1, 2]),
                                     weight=_t(L, 4, dtype="float64")),
    lambda L, F: F.multilabel_margin_loss(_t(L, 3, 4), L.tensor([0, 1, 2])),
    lambda L, F: F.multilabel_margin_loss(_t(L, 2, 4), L.tensor([[0, 1, -2, 2]] * 2)),
    lambda L, F: F.multilabel_margin_loss(_t(L, 2, 4), L.tensor([[0, 1, 4, 2]] * 2)),
    lambda L, F: F.multilabel_margin_loss(_t(L, 2, 4, 1), L.tensor([[0, 1, -1, 2]] * 2)),
    lambda L, F: F.multilabel_margin_loss(_t(L, 2, 4), _t(L, 2, 4)),
    lambda L, F: F.poisson_nll_loss(_t(L, 3), _t(L, 3), reduction="x"),
    lambda L, F: F.gaussian_nll_loss(_t(L, 3, 4), _t(L, 3, 4), _t(L, 2).abs()),
    lambda L, F: F.gaussian_nll_loss(_t(L, 3, 4), _t(L, 3, 4), -_t(L, 3).abs()),
    lambda L, F: F.gaussian_nll_loss(_t(L, 3, 4), _t(L, 3, 4), -1.0),
    lambda L, F: F.gaussian_nll_loss(_t(L, 3, 4), _t(L, 3, 4), _t(L, 3).abs(), reduction="x"),
    lambda L, F: F.gaussian_nll_loss(_t(L, 3, 4, 2), _t(L, 3, 4, 2), _t(L, 1, 4, 1).abs()),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_match_torch(index):
    make = ERRORS[index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(lambda: make(minigrad, minigrad.nn.functional),
                          lambda: make(torch, torch.nn.functional))
