"""Forward-mode AD (minigrad.autograd.forward_ad) against torch.autograd.forward_ad.

Every case of ``forward_cases.CASES`` runs in both libraries on hypothesis-drawn shapes and
inputs, in float32 and float64: the primal results and their tangents must agree, and (float64)
the tangents must agree with central finite differences. A coverage test checks that the cases
reach every differentiable op's node, and that each has a forward formula.
"""
import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as th_fwad
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.autograd.forward_ad as mg_fwad
from forward_cases import CASES
from forward_cases_nn import NN_CASES
from forward_cases_losses import LOSS_CASES
from helpers import assert_same_error, assert_tensor_equal
from minigrad.autograd import forward_formulas
from minigrad.autograd.function import Function
from minigrad.ops.registry import DOMAINS

SHAPES = {"any": [(), (3,), (2, 3), (2, 1, 3)], "nd": [(4,), (2, 3), (3, 2, 2)]}
FWAD = {minigrad: mg_fwad, torch: th_fwad}


def _draw_inputs(data, case, dtype):
    if isinstance(case.shapes, str):
        shape = data.draw(st.sampled_from(SHAPES[case.shapes]), label="shape")
        shapes = [shape] * len(case.domains)
    else:
        shapes = case.shapes
    seed = data.draw(st.integers(0, 2**16), label="seed")
    rng = np.random.default_rng(seed)
    xs = [np.asarray(DOMAINS[d](rng, s)).astype(dtype) for d, s in zip(case.domains, shapes)]
    ts = [np.asarray(rng.standard_normal(s)).astype(dtype) for s in shapes]
    return xs, ts


def _float_outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if o.dtype.is_floating_point]


def run(lib, case, xs, ts):
    """[(primal, tangent)] of each float output of case in lib (the gradient's, for hvp)."""
    fwad = FWAD[lib]
    leaves = [lib.from_numpy(x.copy()).requires_grad_(case.hvp) for x in xs]
    with fwad.dual_level():
        duals = [fwad.make_dual(x, lib.from_numpy(t.copy())) for x, t in zip(leaves, ts)]
        out = case.fn(lib, *duals)
        if case.hvp:
            out = lib.autograd.grad(out, leaves, create_graph=True)
        return [tuple(fwad.unpack_dual(o)) for o in _float_outputs(out)]


def _plain(lib, case, xs):
    """case's float outputs (or gradients) as arrays, without forward AD."""
    leaves = [lib.from_numpy(x.copy()).requires_grad_(case.hvp) for x in xs]
    out = case.fn(lib, *leaves)
    if case.hvp:
        out = lib.autograd.grad(out, leaves)
    return [o.detach().numpy() for o in _float_outputs(out)]


def finite_differences(case, xs, ts, eps=1e-6):
    plus = _plain(minigrad, case, [np.asarray(x + eps * t) for x, t in zip(xs, ts)])
    minus = _plain(minigrad, case, [np.asarray(x - eps * t) for x, t in zip(xs, ts)])
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def _scale(t):
    """The size of a float32 result's largest finite entry (at least 1): its sums run in
    another order than torch's kernels, so an entry that cancels to nearly 0 carries an error
    the size of the terms it was summed from."""
    a = np.abs(t.detach().numpy())
    a = a[np.isfinite(a)]
    return max(1.0, float(a.max())) if a.size else 1.0


def _tolerance(dtype, expected, second_order=False):
    """float32: 1e-4 relative, and an absolute slack of 1e-5 of ``_scale`` -- 1e-4 of it for a
    second derivative (forward over reverse: a normalization's, say, sums terms scaled by
    1/std); float64: the default tolerances."""
    if dtype != np.float32:
        return {}
    return dict(rtol=1e-4, atol=(1e-4 if second_order else 1e-5) * _scale(expected))


def check_case(case, data):
    """Both dtypes: primals and tangents as torch's; float64 tangents as finite differences."""
    for dtype in (np.float32, np.float64):
        xs, ts = _draw_inputs(data, case, dtype)
        got, expected = run(minigrad, case, xs, ts), run(torch, case, xs, ts)
        assert len(got) == len(expected)
        for (p_mg, t_mg), (p_th, t_th) in zip(got, expected):
            # (forward over reverse: the primal is a gradient, as float32-rounded as a tangent)
            assert_tensor_equal(p_mg, p_th, **(_tolerance(dtype, p_th, True) if case.hvp else {}))
            assert t_th is not None and t_mg is not None
            assert_tensor_equal(t_mg, t_th, **_tolerance(dtype, t_th, case.hvp))
        if case.fd and dtype == np.float64:
            for (_, t_mg), fd in zip(got, finite_differences(case, xs, ts)):
                np.testing.assert_allclose(t_mg.detach().numpy(), fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_forward_mode_matches_torch(case, data):
    check_case(case, data)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_forward_mode_matches_torch_many_draws(case, data):
    check_case(case, data)


def node_classes():
    """Every Function subclass of minigrad that an op records (private bases excluded)."""
    import minigrad.random  # noqa: F401  (the sampling ops)
    found, stack = set(), [Function]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("minigrad.") and not sub.__name__.startswith("_"):
                found.add(sub)
    return found


def _differentiable_nodes():
    return {cls.__name__ for cls in node_classes()} - {"NotImplemented"}


def _nodes_reached():
    reached = set()
    rng = np.random.default_rng(0)
    for case in CASES + NN_CASES + LOSS_CASES:
        shapes = (case.shapes if not isinstance(case.shapes, str)
                  else [SHAPES[case.shapes][1]] * len(case.domains))
        xs = [np.asarray(DOMAINS[d](rng, s), np.float32) for d, s in zip(case.domains, shapes)]
        ts = [np.asarray(rng.standard_normal(s), np.float32) for s in shapes]
        with mg_fwad.trace(verbose=False) as tr:
            run(minigrad, case, xs, ts)
        reached.update(name for name, _, _ in tr.events)
    return reached


# The nodes without a forward formula, each with the reason. A new op without one fails below.
WITHOUT_FORMULA = {
    # torch has none either: forward AD raises torch's error (test_forward_ad_nn)
    "ScaledDotProductFlashAttentionForCpuBackward0": "torch: not implemented",
    "EmbeddingBagBackward0": "torch: not implemented",
    "MkldnnRnnLayerBackward0": "torch: not implemented (the fused float32 LSTM layer)",
    "HardsigmoidBackwardBackward0": "torch: hardsigmoid_backward has no derivative formulas",
    **dict.fromkeys(("PdistBackward0", "CdistBackward0", "EuclideanDistBackward0",
                     "MultiMarginLossBackward0", "MultilabelMarginLossBackward0",
                     "RreluWithNoiseBackward1"), "torch: not implemented"),
    "CholeskyBackward0": "torch: not implemented (torch.cholesky; linalg.cholesky has one)",
    # base classes of the padding / upsampling / adaptive pooling nodes, never applied themselves
    "TapsFunction": "a base class", "TapsAdjoint": "a base class",
}


def test_nodes_without_formula_are_the_listed_ones():
    for name in WITHOUT_FORMULA:
        assert forward_formulas.jvp_formula(name) is None
    torch_refuses = {n for n, why in WITHOUT_FORMULA.items() if why.startswith("torch")}
    assert {n for n in torch_refuses if forward_formulas.unsupported_op(n)} == torch_refuses


def test_every_differentiable_op_has_a_forward_formula_and_a_case():
    nodes = _differentiable_nodes()
    missing_formula = {n for n in nodes if forward_formulas.jvp_formula(n) is None
                       and n not in WITHOUT_FORMULA}
    assert not missing_formula, f"no forward formula: {sorted(missing_formula)}"
    # view.CopySlices is the node an in-place write into a view leaves on the base: it runs
    # only in backward (the write itself is recorded by the op's own node)
    unreached = nodes - _nodes_reached() - set(WITHOUT_FORMULA) - {
        "CopySlices", "AliasBackward0", "AsStridedScatterBackward0"}
    assert not unreached, f"no forward-mode case reaches: {sorted(unreached)}"


def test_formula_texts_are_exposed():
    assert forward_formulas.jvp_formula("MulBackward0") == "t_self * other + self * t_other"
    assert forward_formulas.jvp_formula("NoSuchBackward0") is None
    assert "ExpBackward0" in forward_formulas.covered()


# ---- dual_level, make_dual, unpack_dual: the API and its errors ------------------------------
def _both(fn):
    """fn(lib, fwad) in both libraries."""
    return fn(minigrad, mg_fwad), fn(torch, th_fwad)


def test_unpack_dual_is_a_named_tuple_forgotten_after_the_level():
    def fn(lib, fwad):
        x = lib.tensor([1.0, 2.0])
        with fwad.dual_level():
            d = fwad.make_dual(x, lib.tensor([3.0, 4.0]))
            inside = fwad.unpack_dual(d * d)
            assert inside.primal is inside[0] and inside.tangent is inside[1]
            plain = fwad.unpack_dual(lib.tensor([1.0]))
        return inside, plain, fwad.unpack_dual(d), type(inside).__name__, inside._fields
    mg, th = _both(fn)
    assert_tensor_equal(mg[0].tangent, th[0].tangent)
    assert mg[1].tangent is None and th[1].tangent is None
    assert mg[2].tangent is None and th[2].tangent is None
    assert mg[3:] == th[3:]


def test_levels_are_numbered_as_torch_numbers_them():
    def fn(lib, fwad):
        numbers = []
        for _ in range(2):
            with fwad.dual_level() as level:
                numbers.append(level)
        return numbers
    assert _both(fn)[0] == _both(fn)[1]


def test_make_dual_keeps_the_graph_and_tangent_dtype():
    def fn(lib, fwad):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with fwad.dual_level():
            d = fwad.make_dual(x, lib.tensor([1.0, 1.0], dtype=lib.float64))
            y = (d * d).sum()
            return type(d.grad_fn).__name__, fwad.unpack_dual(d).tangent.dtype, \
                y.requires_grad, fwad.unpack_dual(y).tangent
    mg, th = _both(fn)
    assert mg[0] == th[0] and str(mg[1]) == str(th[1]) == "torch.float64"
    assert mg[2] == th[2]
    assert_tensor_equal(mg[3], th[3])


@pytest.mark.parametrize("bad", ["no_level", "nested", "int_primal", "int_tangent", "size",
                                 "exit_none"])
def test_forward_ad_errors_match_torch(bad):
    def attempt(lib, fwad):
        x, t = lib.tensor([1.0, 2.0]), lib.tensor([1.0, 1.0])
        if bad == "no_level":
            return fwad.make_dual(x, t)
        if bad == "exit_none":
            return fwad.exit_dual_level()
        with fwad.dual_level():
            if bad == "nested":
                with fwad.dual_level():
                    pass
            if bad == "int_primal":
                fwad.make_dual(lib.tensor([1, 2]), t)
            if bad == "int_tangent":
                fwad.make_dual(x, lib.tensor([1, 2]))
            if bad == "size":
                fwad.make_dual(x, lib.tensor([1.0]))
    assert_same_error(lambda: attempt(minigrad, mg_fwad), lambda: attempt(torch, th_fwad))


def test_op_without_formula_raises_torchs_error():
    def attempt(lib, fwad):
        with fwad.dual_level():
            d = fwad.make_dual(lib.tensor([3.0, 5.0]), lib.tensor([1.0, 1.0]))
            return lib.floor_divide(d, 2)
    assert_same_error(lambda: attempt(minigrad, mg_fwad), lambda: attempt(torch, th_fwad))


def test_trace_shows_a_forward_pass(capsys):
    with mg_fwad.dual_level(), mg_fwad.trace() as tr:
        x = mg_fwad.make_dual(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 0.0]))
        (x * x).exp()
    assert [e[0] for e in tr.events] == ["MulBackward0", "ExpBackward0"]
    text = capsys.readouterr().out
    assert "MulBackward0" in text and "tensor([2., 0.])" in text


def test_no_level_costs_nothing_in_apply():
    """With no level open, Function.apply's hook is off; inside one it is on, and off after."""
    from minigrad.autograd import function
    assert function.dual_hook is None
    with mg_fwad.dual_level():
        assert function.dual_hook is mg_fwad.apply_with_tangents
    assert function.dual_hook is None


def test_inplace_write_into_a_detached_dual_gives_it_no_tangent():
    """x.detach() shares x's memory but is no view: writing into it in place leaves it without
    a tangent, as in torch (found by ``compare fuzz --forward``)."""
    def fn(lib, fwad):
        x = fwad.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 1.0]))
        d = (x * 2).detach()
        d.div_(3)
        return fwad.unpack_dual(d).tangent, fwad.unpack_dual(lib.maximum(d, d)).tangent

    def in_level(lib, fwad):
        with fwad.dual_level():
            return fn(lib, fwad)
    assert _both(in_level) == ((None, None), (None, None))


def test_copysign_by_its_sign_source_alone_has_no_tangent():
    """torch differentiates copysign by self only: a tangent on ``other`` alone leaves the
    result without one (found by ``compare fuzz --forward``)."""
    def in_level(lib, fwad):
        with fwad.dual_level():
            other = fwad.make_dual(lib.tensor([1.0, -2.0]), lib.tensor([1.0, 1.0]))
            out = lib.copysign(lib.tensor([3.0, 4.0]), other)
            both = lib.copysign(fwad.make_dual(lib.tensor([3.0, 4.0]), lib.ones(2)), other)
            return fwad.unpack_dual(out).tangent, fwad.unpack_dual(both).tangent
    mg, th = _both(in_level)
    assert mg[0] is None and th[0] is None
    assert_tensor_equal(mg[1], th[1])


def test_forward_mode_jacobian_runs_the_function_once():
    """jacobian(strategy="forward-mode", vectorize=True) runs func once, on every input's
    basis together, as torch does: an in-place write into an input happens once (it ran once
    for the outputs and once per input, the second run seeing the first one's write)."""
    def run(lib, fwad):
        a, b = lib.ones(2), lib.ones(3, dtype=lib.float64)
        calls = []

        def f(x, y):
            calls.append(1)
            out = (x * 2, y.sum() * x[0])
            x.div_(3)
            return out
        jac = lib.autograd.functional.jacobian(f, (a, b), vectorize=True,
                                               strategy="forward-mode")
        return len(calls), a, jac
    mg, th = _both(run)
    assert mg[0] == th[0] == 1
    assert_tensor_equal(mg[1], th[1])
    for mg_row, th_row in zip(mg[2], th[2]):
        for got, expected in zip(mg_row, th_row):
            assert_tensor_equal(got, expected)


def _dual_reprs(T):
    fw = T.autograd.forward_ad
    with fw.dual_level():
        a = fw.make_dual(T.tensor([-0.1, 2.0]), T.tensor([0.7, 1.0]))
        c = fw.make_dual(T.tensor(1.5, dtype=T.float64), T.tensor(2.0, dtype=T.float64))
        shown = [repr(a), repr(a * 2), repr(a.sum()), repr(a[0]), repr(a.view(2, 1)),
                 repr(fw.make_dual(T.zeros(2, 3), T.ones(2, 3))), repr(c), repr(c.exp())]
    return shown + [repr(a)]   # the level closed: a plain tensor again


def test_a_dual_tensor_prints_its_tangent_as_torch_does():
    assert _dual_reprs(minigrad) == _dual_reprs(torch)


def test_zero_on_an_expanded_view_reaches_the_base_tangent():
    """expand's tangent is a view of the base's tangent: writing the view writes the base."""
    results = []
    for T in (torch, minigrad):
        fw = T.autograd.forward_ad
        with fw.dual_level():
            a = fw.make_dual(T.tensor(-0.1, dtype=T.float64), T.tensor(0.7, dtype=T.float64))
            v1 = a.erf()
            v1.expand(2).zero_()
            b = fw.make_dual(T.tensor([1.0, 2.0], dtype=T.float64),
                             T.tensor([0.5, 3.0], dtype=T.float64))
            w1 = b * 1
            w1.expand(3, 2).fill_(2.0)
            w2 = b * 1
            w3 = w2.expand(3, 2) * 2
            results.append([fw.unpack_dual(t).tangent.numpy().copy() for t in (v1, w1, w3)])
    for mine, theirs in zip(results[1], results[0]):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("call", [lambda T, a: a.std(), lambda T, a: a.std(1),
                                  lambda T, a: T.std_mean(a, 1)[0], lambda T, a: a.var(1)])
def test_std_of_equal_values_has_tangent_zero_as_in_torch(call):
    """std's tangent divides by 2 std; torch sets it to 0 where std is 0 (not 0/0)."""
    results = []
    for T in (torch, minigrad):
        fw = T.autograd.forward_ad
        with fw.dual_level():
            a = fw.make_dual(T.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]], dtype=T.float64),
                             T.tensor([[1.0, 0.5, 0.2], [1.0, 2.0, 3.0]], dtype=T.float64))
            results.append(fw.unpack_dual(call(T, a)).tangent.numpy().copy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12, atol=0)
