"""Distances (ops/distance.py), bilinear, channel_shuffle, rrelu and the new modules against
torch in the same test: values, dtypes, grad_fn graphs, every input's gradient on drawn shapes
(float32 and float64), finite differences for float64, errors with torch's class and message,
random draws compared as bytes; modules' reprs, state_dict names, initialization and training."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal, fd_check, graph_signature
from forward_cases_losses import LOSS_CASES, NO_FORWARD_FORMULA
from test_forward_ad import check_case
from test_losses_more import run_both

DTYPES = [np.float32, np.float64]
FAST = settings(max_examples=25, deadline=None)
P_VALUES = st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0, float("inf")])


def _draw(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def _same_graph(call, arrays):
    """call(lib, *tensors) records the same graph (two levels of grad_fn names) in both."""
    sigs = []
    for lib in (torch, minigrad):
        tensors = [lib.from_numpy(a.copy()).requires_grad_() for a in arrays]
        sigs.append(graph_signature(call(lib, *tensors), depth=3))
    assert sigs[0] == sigs[1]


# ---- distances ----------------------------------------------------------------------------------
@FAST
@given(rows=st.integers(1, 4), cols=st.integers(1, 5), dtype=st.sampled_from(DTYPES),
       dim=st.sampled_from([0, 1, -1]), broadcast=st.booleans(), seed=st.integers(0, 99))
def test_cosine_similarity(rows, cols, dtype, dim, broadcast, seed):
    rng = np.random.default_rng(seed)
    x1, x2 = _draw(rng, (rows, cols), dtype), _draw(rng, (1 if broadcast else rows, cols), dtype)
    x1[0] = 0 if rows > 1 else x1[0]                 # a zero vector: its norm clamps at eps
    run_both(lambda F, a, b: F.cosine_similarity(a, b, dim=dim), [x1, x2], [True, True])
    run_both(lambda F, a, b: F.cosine_similarity(a, b, dim, 0.5), [x1, x2], [True, True])
    _same_graph(lambda lib, a, b: lib.cosine_similarity(a, b, dim), [x1, x2])


@FAST
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 5)), dtype=st.sampled_from(DTYPES),
       p=P_VALUES, keepdim=st.booleans(), vector=st.booleans(), seed=st.integers(0, 99))
def test_pairwise_distance(shape, dtype, p, keepdim, vector, seed):
    rng = np.random.default_rng(seed)
    x1, x2 = _draw(rng, shape, dtype), _draw(rng, shape[1:] if vector else shape, dtype)
    run_both(lambda F, a, b: F.pairwise_distance(a, b, p=p, keepdim=keepdim), [x1, x2],
             [True, True])
    _same_graph(lambda lib, a, b: lib.pairwise_distance(a, b, p), [x1, x2])


@FAST
@given(rows=st.integers(1, 5), cols=st.integers(1, 4), dtype=st.sampled_from(DTYPES), p=P_VALUES,
       seed=st.integers(0, 99))
def test_pdist(rows, cols, dtype, p, seed):
    rng = np.random.default_rng(seed)
    run_both(lambda F, a: F.pdist(a, p), [_draw(rng, (rows, cols), dtype)], [True])


@FAST
@given(batch=st.sampled_from([(), (2,), (2, 1)]), other_batch=st.sampled_from([(), (1,), (2,)]),
       rows=st.integers(1, 4), rows2=st.integers(1, 4), cols=st.integers(1, 4),
       dtype=st.sampled_from(DTYPES), p=P_VALUES,
       mode=st.sampled_from(["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                             "donot_use_mm_for_euclid_dist"]), seed=st.integers(0, 99))
def test_cdist(batch, other_batch, rows, rows2, cols, dtype, p, mode, seed):
    rng = np.random.default_rng(seed)
    x1, x2 = _draw(rng, batch + (rows, cols), dtype), _draw(rng, other_batch + (rows2, cols),
                                                            dtype)
    by_product = p == 2 and mode != "donot_use_mm_for_euclid_dist"
    run_both(lambda F, a, b: torch_or_mg(a).cdist(a, b, p, mode), [x1, x2], [True, True],
             atol=_PRODUCT_ATOL[dtype] if by_product else None)


# The matrix-product form cancels ‖a‖² + ‖b‖² against 2 a·b: its float32 gradients agree with
# torch's to about 1e-5 of the inputs' scale, not elementwise.
_PRODUCT_ATOL = {np.float32: 5e-5, np.float64: 1e-10}


def torch_or_mg(tensor):
    return torch if isinstance(tensor, torch.Tensor) else minigrad


def test_cdist_takes_the_matrix_product_past_25_rows():
    rng = np.random.default_rng(3)
    for dtype in DTYPES:
        x1, x2 = _draw(rng, (30, 3), dtype), _draw(rng, (4, 3), dtype)
        run_both(lambda F, a, b: torch_or_mg(a).cdist(a, b), [x1, x2], [True, True],
                 atol=_PRODUCT_ATOL[dtype])
        _same_graph(lambda lib, a, b: lib.cdist(a, b), [x1, x2])
        x1, x2 = _draw(rng, (2, 26, 3), dtype), _draw(rng, (1, 4, 3), dtype)
        _same_graph(lambda lib, a, b: lib.cdist(a, b), [x1, x2])


FD_CASES = {
    "cosine_similarity": (lambda a, b: minigrad.cosine_similarity(a, b), [(3, 4), (3, 4)]),
    "pairwise_distance_p3": (lambda a, b: minigrad.pairwise_distance(a, b, 3), [(3, 4), (4,)]),
    "pdist": (lambda a: minigrad.pdist(a), [(4, 3)]),
    "pdist_p1.5": (lambda a: minigrad.pdist(a, 1.5), [(4, 3)]),
    "cdist": (lambda a, b: minigrad.cdist(a, b), [(2, 3, 2), (4, 2)]),
    "cdist_mm": (lambda a, b: minigrad.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
                 [(3, 2), (4, 2)]),
    "cdist_p3": (lambda a, b: minigrad.cdist(a, b, 3.0), [(3, 2), (4, 2)]),
    "bilinear": (lambda a, b, w: minigrad.nn.functional.bilinear(a, b, w),
                 [(3, 2), (3, 4), (5, 2, 4)]),
}


@pytest.mark.parametrize("name", sorted(FD_CASES))
def test_finite_differences(name):
    fn, shapes = FD_CASES[name]
    rng = np.random.default_rng(2)
    fd_check(fn, [rng.standard_normal(s) for s in shapes], rtol=1e-5, atol=1e-7)


def test_second_derivatives_of_the_distances_match_torch():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    grads = []
    for lib in (torch, minigrad):
        x, y = lib.from_numpy(a.copy()).requires_grad_(), lib.from_numpy(b.copy())
        first, = lib.autograd.grad(lib.cdist(x, y, compute_mode="use_mm_for_euclid_dist").sum(),
                                   x, create_graph=True)
        second, = lib.autograd.grad((first ** 2).sum(), x)
        grads.append(second)
    assert_tensor_equal(grads[1], grads[0])


# ---- bilinear, channel_shuffle, rrelu -----------------------------------------------------------
@FAST
@given(batch=st.sampled_from([(), (3,), (2, 2)]), sizes=st.tuples(*[st.integers(1, 4)] * 3),
       bias=st.booleans(), dtype=st.sampled_from(DTYPES), seed=st.integers(0, 99))
def test_bilinear(batch, sizes, bias, dtype, seed):
    rng = np.random.default_rng(seed)
    n1, n2, out = sizes
    arrays = [_draw(rng, batch + (n1,), dtype), _draw(rng, batch + (n2,), dtype),
              _draw(rng, (out, n1, n2), dtype)] + ([_draw(rng, (out,), dtype)] if bias else [])
    run_both(lambda F, *t: F.bilinear(*t), arrays, [True] * len(arrays))


@FAST
@given(n=st.integers(1, 2), groups=st.integers(1, 3), per_group=st.integers(1, 3),
       rest=st.sampled_from([(1,), (2, 3)]), dtype=st.sampled_from(DTYPES),
       seed=st.integers(0, 99))
def test_channel_shuffle(n, groups, per_group, rest, dtype, seed):
    rng = np.random.default_rng(seed)
    x = _draw(rng, (n, groups * per_group) + rest, dtype)
    run_both(lambda F, a: F.channel_shuffle(a, groups), [x], [True])
    run_both(lambda F, a: torch_or_mg(a).nn.ChannelShuffle(groups)(a), [x], [True])


@FAST
@given(shape=st.sampled_from([(5,), (3, 4), (2, 3, 4)]), dtype=st.sampled_from(DTYPES),
       bounds=st.sampled_from([(1 / 8, 1 / 3), (0.1, 0.9), (0.3, 0.3)]),
       training=st.booleans(), seed=st.integers(0, 99))
def test_rrelu_draws_torchs_slopes(shape, dtype, bounds, training, seed):
    rng = np.random.default_rng(seed)
    x = _draw(rng, shape, dtype)
    x.flat[0] = 0.0                                   # x = 0 draws a slope too (x <= 0)
    results = []
    for lib in (torch, minigrad):
        lib.manual_seed(seed)
        t = lib.from_numpy(x.copy()).requires_grad_()
        out = lib.nn.functional.rrelu(t, *bounds, training=training)
        out.backward(lib.ones_like(out))
        after = lib.rand(2)                           # the generator moved on alike
        results.append((out, t.grad, after, out.grad_fn.name()))
    for mine, theirs in zip(results[1][:3], results[0][:3]):
        assert mine.detach().numpy().tobytes() == theirs.detach().numpy().tobytes()
    assert results[1][3] == results[0][3]


def test_rrelu_module_and_in_place_form():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    outs = []
    for lib in (torch, minigrad):
        lib.manual_seed(7)
        layer = lib.nn.RReLU(0.1, 0.3)
        trained = layer(lib.from_numpy(x.copy()))
        evaluated = layer.eval()(lib.from_numpy(x.copy()))
        leaf = lib.from_numpy(x.copy()).requires_grad_()
        inplace = lib.nn.functional.rrelu(leaf * 1, training=True, inplace=True)
        outs.append((trained, evaluated, inplace, inplace.grad_fn.name(), repr(layer)))
    for mine, theirs in zip(outs[1][:3], outs[0][:3]):
        assert_tensor_equal(mine, theirs, rtol=0, atol=0)
    assert outs[1][3:] == outs[0][3:]


# ---- modules ------------------------------------------------------------------------------------
MODULES = [
    lambda nn: nn.KLDivLoss(reduction="batchmean", log_target=True),
    lambda nn: nn.SmoothL1Loss(beta=0.5), lambda nn: nn.HuberLoss(delta=2.0),
    lambda nn: nn.SoftMarginLoss(reduction="sum"), lambda nn: nn.MultiLabelSoftMarginLoss(),
    lambda nn: nn.PoissonNLLLoss(full=True), lambda nn: nn.GaussianNLLLoss(full=True),
    lambda nn: nn.MarginRankingLoss(0.2), lambda nn: nn.HingeEmbeddingLoss(2.0),
    lambda nn: nn.CosineEmbeddingLoss(0.1), lambda nn: nn.TripletMarginLoss(swap=True),
    lambda nn: nn.TripletMarginWithDistanceLoss(margin=0.5),
    lambda nn: nn.MultiMarginLoss(p=2), lambda nn: nn.MultiLabelMarginLoss(),
    lambda nn: nn.CosineSimilarity(dim=0), lambda nn: nn.PairwiseDistance(p=1.0, keepdim=True),
    lambda nn: nn.SmoothL1Loss(size_average=False),
]


def _module_inputs(name, lib, rng):
    x = [lib.from_numpy(rng.standard_normal((3, 4)).astype(np.float32)) for _ in range(3)]
    signs = lib.from_numpy(np.sign(rng.standard_normal(3)).astype(np.float32))
    return {"GaussianNLLLoss": (x[0], x[1], x[2].abs()),
            "MarginRankingLoss": (x[0], x[1], x[2].sign()),
            "HingeEmbeddingLoss": (x[0], x[2].sign()), "SoftMarginLoss": (x[0], x[1].sign()),
            "CosineEmbeddingLoss": (x[0], x[1], signs), "TripletMarginLoss": tuple(x),
            "TripletMarginWithDistanceLoss": tuple(x),
            "MultiLabelSoftMarginLoss": (x[0], (x[1] > 0).float()),
            "MultiMarginLoss": (x[0], lib.tensor([0, 3, 1])),
            "MultiLabelMarginLoss": (x[0], lib.tensor([[3, 0, -1, 1]] * 3)),
            "PoissonNLLLoss": (x[0], x[1].abs())}.get(name, (x[0], x[1]))


@pytest.mark.parametrize("index", range(len(MODULES)))
def test_modules_match_torch(index):
    results = []
    for lib in (torch, minigrad):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = MODULES[index](lib.nn)
            rng = np.random.default_rng(index)
            inputs = _module_inputs(type(module).__name__, lib, rng)
            inputs[0].requires_grad_()
            out = module(*inputs)
        out.sum().backward()
        results.append((out, inputs[0].grad, repr(module), list(module.state_dict()),
                        dict((k, v) for k, v in vars(module).items() if not k.startswith("_")
                             and not hasattr(v, "forward"))))
    (th_out, th_grad, *th_rest), (mg_out, mg_grad, *mg_rest) = results
    assert_tensor_equal(mg_out, th_out)
    assert_tensor_equal(mg_grad, th_grad)
    assert mg_rest == th_rest


PADS = [(kind, n, padding) for kind in ("Zero", "Constant", "Reflection", "Replication",
                                        "Circular")
        for n in (1, 2, 3) for padding in (1, tuple(i % 3 + 1 for i in range(2 * n)))]


@pytest.mark.parametrize("kind,n,padding", PADS)
def test_padding_layers(kind, n, padding):
    x = np.random.default_rng(n).standard_normal((2, 2) + (4,) * n)
    results = []
    for lib in (torch, minigrad):
        cls = getattr(lib.nn, f"{kind}Pad{n}d")
        layer = cls(padding, 1.5) if kind == "Constant" else cls(padding)
        t = lib.from_numpy(x.copy()).requires_grad_()
        out = layer(t)
        out.backward(lib.ones_like(out))
        unbatched = layer(lib.from_numpy(x[0].copy()))
        results.append((out, t.grad, unbatched, repr(layer), layer.padding))
    for mine, theirs in zip(results[1][:3], results[0][:3]):
        assert_tensor_equal(mine, theirs)
    assert results[1][3:] == results[0][3:]
    if kind == "Circular":
        assert_same_error(lambda: minigrad.nn.CircularPad2d(1)(minigrad.zeros(3, 3)),
                          lambda: torch.nn.CircularPad2d(1)(torch.zeros(3, 3)))


def test_fold_unfold_bilinear_and_channel_shuffle_modules():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    results = []
    for lib in (torch, minigrad):
        lib.manual_seed(0)
        unfold = lib.nn.Unfold(2, padding=1, stride=(1, 2))
        cols = unfold(lib.from_numpy(x.copy()))
        fold = lib.nn.Fold((4, 5), 2, padding=1, stride=(1, 2))
        layer = lib.nn.Bilinear(3, 5, 2)
        b = layer(lib.from_numpy(x[:, :, 0, :3].reshape(6, 3).copy()),
                  lib.from_numpy(x[:, :, 1].reshape(6, 5).copy()))
        results.append((cols, fold(cols), layer.weight, layer.bias, b,
                        repr(unfold), repr(fold), repr(layer), list(layer.state_dict())))
    for mine, theirs in zip(results[1][:5], results[0][:5]):
        assert_tensor_equal(mine, theirs)
    assert results[1][5:] == results[0][5:]


def _parameter_containers_run(lib):
    """A model holding a ParameterList and a ParameterDict, one SGD step, then what torch
    shows of it: reprs, state_dict names, parameter names and values, container operations."""
    nn = lib.nn
    lib.manual_seed(0)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = nn.ParameterList([nn.Parameter(lib.randn(2, 3)), lib.zeros(3)])
            self.ps.append(lib.ones(2, dtype=lib.float64))
            self.ps += [nn.Parameter(lib.randn(1))]
            self.pd = nn.ParameterDict({"b": lib.randn(3), "a": nn.Parameter(lib.ones(1))})
            self.pd["c"] = nn.Parameter(lib.zeros(2))
            self.pd.update([("d", lib.ones(1))])

        def forward(self, x):
            return (self.ps[0].sum() * x).sum() + sum(p.sum() for p in self.pd.values())

    model = Model()
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    model(lib.ones(2)).backward()
    opt.step()
    popped = model.pd.pop("d")
    return (repr(model), list(model.state_dict()), [n for n, _ in model.named_parameters()],
            [type(p).__name__ for p in model.ps], len(model.ps), len(model.pd),
            list(model.pd.keys()), "c" in model.pd, repr(model.ps[1:]),
            [p.detach().numpy().tolist() for p in model.parameters()],
            popped.detach().numpy().tolist(), model.pd.get("zz"),
            repr(nn.ParameterList([nn.Parameter(lib.ones(1)), "text", 3])))


def test_parameter_list_and_dict():
    assert _parameter_containers_run(minigrad) == _parameter_containers_run(torch)


# ---- errors -------------------------------------------------------------------------------------
def _t(lib, *shape, dtype="float32"):
    return lib.from_numpy(np.random.default_rng(0).standard_normal(shape).astype(dtype))


ERRORS = [
    lambda L: L.cosine_similarity(_t(L, 3, 4), _t(L, 2, 4)),
    lambda L: L.cosine_similarity(_t(L, 3, 4), _t(L, 3, 4), dim=2),
    lambda L: L.pairwise_distance(_t(L, 3, 4), _t(L, 2, 4)),
    lambda L: L.pdist(_t(L, 3, 4, 2)),
    lambda L: L.pdist(_t(L, 3, 4), p=-1),
    lambda L: L.cdist(_t(L, 3, 4), _t(L, 2, 5)),
    lambda L: L.cdist(_t(L, 3), _t(L, 2, 3)),
    lambda L: L.cdist(_t(L, 3, 4), _t(L, 2, 4), p=-1),
    lambda L: L.cdist(_t(L, 3, 4), _t(L, 2, 4), compute_mode="x"),
    lambda L: L.cdist(_t(L, 3, 4, dtype="int32"), _t(L, 2, 4, dtype="int32")),
    lambda L: L.nn.functional.channel_shuffle(_t(L, 1, 5, 2), 2),
    lambda L: L.nn.functional.channel_shuffle(_t(L, 1, 4, 2), 0),
    lambda L: L.nn.functional.channel_shuffle(_t(L, 4, 2), 2),
    lambda L: L.nn.functional.rrelu(_t(L, 3), 0.5, 0.2),
    lambda L: L.nn.functional.rrelu(_t(L, 3, dtype="int32")),
    lambda L: L.nn.functional.rrelu(_t(L, 3, dtype="int32"), training=True),
    lambda L: L.nn.functional.bilinear(_t(L, 2, 3), _t(L, 2, 4, 1), _t(L, 5, 3, 4)),
    lambda L: L.nn.functional.bilinear(_t(L, 2, 3), _t(L, 3, 4), _t(L, 5, 3, 4)),
    lambda L: L.nn.functional.bilinear(_t(L, 2, 2), _t(L, 2, 4), _t(L, 5, 3, 4)),
    lambda L: L.nn.functional.bilinear(_t(L, 2, 3), _t(L, 2, 3), _t(L, 5, 3, 4)),
    lambda L: L.nn.functional.bilinear(_t(L, 2, 3), _t(L, 2, 4), _t(L, 5, 3, 4), _t(L, 4)),
    lambda L: L.nn.CircularPad1d(1)(_t(L, 3)),
    lambda L: L.nn.ReflectionPad1d(3)(_t(L, 1, 3)),
    lambda L: L.nn.TripletMarginLoss(margin=0),
    lambda L: L.nn.TripletMarginWithDistanceLoss(margin=-1),
    lambda L: L.nn.MultiMarginLoss(p=3),
    lambda L: L.nn.MultiMarginLoss(weight=_t(L, 2, 2)),
    lambda L: L.nn.ParameterList().extend(3),
    lambda L: L.nn.ParameterList([L.nn.Parameter(_t(L, 1))])[1],
    lambda L: L.nn.ParameterDict({"a": _t(L, 1)})["b"],
    lambda L: L.nn.ParameterDict().update([("a", _t(L, 1), 1)]),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_match_torch(index):
    assert_same_error(lambda: ERRORS[index](minigrad), lambda: ERRORS[index](torch))


@pytest.mark.slow
def test_metric_learning_example_agrees_with_torch():
    """examples/siamese_metric_learning.py (triplet and cosine embedding losses, cdist,
    cosine_similarity, pdist, pairwise_distance, RReLU, ParameterList) under compare."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "compare", "run",
                           "examples/siamese_metric_learning.py"], capture_output=True, text=True,
                          cwd=root, env=dict(os.environ, PYTHONPATH=str(root)), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(("same output", "agrees to")), proc.stdout


# ---- forward mode -------------------------------------------------------------------------------
@pytest.mark.parametrize("case", LOSS_CASES, ids=[c.name for c in LOSS_CASES])
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_forward_mode_matches_torch(case, data):
    check_case(case, data)


@pytest.mark.parametrize("name", sorted(NO_FORWARD_FORMULA))
def test_forward_mode_refused_where_torch_refuses(name):
    def run_lib(lib, fwad):
        x = lib.from_numpy(np.random.default_rng(0).standard_normal((3, 3)))
        with fwad.dual_level():
            NO_FORWARD_FORMULA[name](lib, fwad.make_dual(x, lib.ones_like(x)))
    import minigrad.autograd.forward_ad as mg_fwad
    import torch.autograd.forward_ad as th_fwad
    # (torch words the error for its in-place rrelu_ a little differently: the class only)
    assert_same_error(lambda: run_lib(minigrad, mg_fwad), lambda: run_lib(torch, th_fwad),
                      match_message=name != "rrelu_")


def test_rrelu_training_under_compile_draws_like_eager():
    """minigrad.compile replays rrelu's draw anew, for each call's own input signs."""
    def f(x):
        return minigrad.nn.functional.rrelu(x, 0.1, 0.3, training=True) * 2

    compiled = minigrad.compile(f)
    inputs = [np.random.default_rng(i).standard_normal((4, 5)).astype(np.float32)
              for i in range(3)]
    runs = []
    for fn in (f, compiled):
        minigrad.manual_seed(0)
        runs.append([fn(minigrad.from_numpy(x.copy())).numpy().tobytes() for x in inputs])
    assert runs[0] == runs[1]
