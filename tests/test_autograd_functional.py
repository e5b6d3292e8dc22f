"""minigrad.autograd.functional (vjp, jvp, jacobian, hessian, hvp, vhp) against torch's:
values, the tuple structure of the results, create_graph, strict mode and the errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error, assert_tensor_equal


def assert_nested_equal(mg, th):
    """Same nesting of tuples, equal tensors at the leaves."""
    if isinstance(th, (tuple, list)):
        assert type(mg) is type(th) and len(mg) == len(th), (type(mg), mg)
        for a, b in zip(mg, th):
            assert_nested_equal(a, b)
    else:
        assert_tensor_equal(mg, th, check_grad_flag=True)


# functions written once for both libraries: (name, fn(lib) -> func, input shapes)
FUNCS = {
    "one_to_one": (lambda lib: lambda x: (x.sin() * x).exp(), [(3,)]),
    "one_to_scalar": (lambda lib: lambda x: (x ** 3).sum() + x.prod(), [(2, 2)]),
    "two_to_two": (lambda lib: lambda x, y: (x @ y, (x * 2).tanh()), [(2, 3), (3, 2)]),
    "two_to_scalar": (lambda lib: lambda x, y: ((x.sin() * y.exp()) ** 2).sum(), [(3,), (3,)]),
    "single_element": (lambda lib: lambda x: (x * x).exp(), [(1,)]),
}


def _inputs(lib, shapes, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(lib.from_numpy(rng.uniform(0.2, 1.2, s).astype(dtype)) for s in shapes)


def _call(lib, name, op, pack, **kw):
    """op from lib's autograd.functional on FUNCS[name]; pack: tuple of inputs or the single."""
    fn, shapes = FUNCS[name]
    xs = _inputs(lib, shapes)
    inputs = xs if pack or len(xs) > 1 else xs[0]
    if "v" in kw and kw["v"] == "inputs":
        kw["v"] = tuple(x * 0.5 + 0.1 for x in xs) if pack or len(xs) > 1 else xs[0] * 0.5 + 0.1
    if "v" in kw and kw["v"] == "outputs":
        out = fn(lib)(*xs)
        kw["v"] = tuple(o * 0 + 0.3 for o in out) if isinstance(out, tuple) else out * 0 + 0.3
    return getattr(lib.autograd.functional, op)(fn(lib), inputs, **kw)


CALLS = [
    *[(name, "jacobian", {}) for name in FUNCS],
    *[(name, "jacobian", {"vectorize": True}) for name in FUNCS],
    *[(name, "jacobian", {"vectorize": True, "strategy": "forward-mode"}) for name in FUNCS],
    *[(name, "vjp", {"v": "outputs"}) for name in FUNCS],
    *[(name, "jvp", {"v": "inputs"}) for name in FUNCS],
    *[(name, op, kw) for name in ("one_to_scalar", "two_to_scalar")
      for op, kw in (("hessian", {}), ("hessian", {"vectorize": True}),
                     ("hessian", {"vectorize": True, "outer_jacobian_strategy": "forward-mode"}),
                     ("hvp", {"v": "inputs"}), ("vhp", {"v": "inputs"}))],
    ("single_element", "vjp", {}), ("single_element", "jvp", {}),
    ("single_element", "hessian", {"create_graph": True}),
]


@pytest.mark.parametrize("pack", [False, True], ids=["bare", "tuple"])
@pytest.mark.parametrize("name,op,kw", CALLS, ids=[f"{n}-{o}-{'-'.join(map(str, k.values()))}"
                                                    for n, o, k in CALLS])
def test_functional_matches_torch(name, op, kw, pack):
    assert_nested_equal(_call(minigrad, name, op, pack, **kw), _call(torch, name, op, pack, **kw))


@pytest.mark.parametrize("op", ["jacobian", "hessian"])
def test_create_graph_gives_a_differentiable_result(op):
    def run(lib):
        x = _inputs(lib, [(3,)])[0].requires_grad_()
        fn = FUNCS["one_to_scalar" if op == "hessian" else "one_to_one"][0](lib)
        fn_in = (lambda v: fn(v.view(2, 2)) if op == "hessian" else fn(v))
        if op == "hessian":
            x = _inputs(lib, [(4,)])[0].requires_grad_()
        result = getattr(lib.autograd.functional, op)(fn_in, x, create_graph=True)
        (g,) = lib.autograd.grad(result.sum(), x)
        return result, g
    (r_mg, g_mg), (r_th, g_th) = run(minigrad), run(torch)
    assert_tensor_equal(r_mg, r_th, check_grad_flag=True)
    assert_tensor_equal(g_mg, g_th)


@settings(max_examples=8, deadline=None)
@given(shape_in=st.sampled_from([(1,), (3,), (2, 2)]), shape_w=st.integers(1, 3),
       seed=st.integers(0, 1000))
def test_jacobian_strategies_agree_with_each_other_and_torch(shape_in, shape_w, seed):
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal(shape_in)
    w0 = rng.standard_normal((shape_w,) + shape_in)

    def jacobians(lib):
        w = lib.from_numpy(w0)
        fn = (lambda x: (w * x).tanh().sum(-1) if x.ndim == 1 else (w * x).tanh().sum((-1, -2)))
        x = lib.from_numpy(x0.copy())
        jf = lib.autograd.functional
        return (jf.jacobian(fn, x), jf.jacobian(fn, x, vectorize=True, strategy="forward-mode"),
                jf.hessian(lambda x: fn(x).sum(), x),
                jf.hessian(lambda x: fn(x).sum(), x, vectorize=True,
                           outer_jacobian_strategy="forward-mode"))
    mg, th = jacobians(minigrad), jacobians(torch)
    for a, b in zip(mg, th):
        assert_tensor_equal(a, b)
    np.testing.assert_allclose(mg[0].numpy(), mg[1].numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mg[2].numpy(), mg[3].detach().numpy(), rtol=1e-12, atol=1e-14)


def test_forward_mode_jacobian_really_runs_forward_mode():
    """One dual pass for all the input's elements (vmapped over the basis), and no backward
    pass at all."""
    from minigrad.autograd import forward_ad
    seen = []
    with forward_ad.trace(verbose=False) as tr, minigrad.autograd.trace(verbose=False) as bw:
        x = minigrad.tensor([1.0, 2.0, 3.0])
        minigrad.autograd.functional.jacobian(lambda x: x.exp() * 2, x, vectorize=True,
                                              strategy="forward-mode")
        seen = [name for name, _, _ in tr.events]
    assert seen == ["ExpBackward0", "MulBackward0"]
    assert bw.events == []


# ---- errors -----------------------------------------------------------------------------------
def _independent(lib):
    return lambda x, y: x * 2


ERRORS = {
    "strict_vjp": lambda lib: lib.autograd.functional.vjp(
        _independent(lib), (lib.ones(2), lib.ones(2)), lib.ones(2), strict=True),
    "strict_jacobian": lambda lib: lib.autograd.functional.jacobian(
        _independent(lib), (lib.ones(2), lib.ones(2)), strict=True),
    "strict_constant_output": lambda lib: lib.autograd.functional.jacobian(
        lambda x: lib.ones(2), lib.ones(2), strict=True),
    "strict_jvp": lambda lib: lib.autograd.functional.jvp(
        _independent(lib), (lib.ones(2), lib.ones(2)), (lib.ones(2), lib.ones(2)), strict=True),
    "strict_hessian_linear": lambda lib: lib.autograd.functional.hessian(
        lambda x: x.sum(), lib.ones(2), strict=True),
    "strict_hvp": lambda lib: lib.autograd.functional.hvp(
        lambda x: x.sum(), lib.ones(2), lib.ones(2), strict=True),
    "strict_vhp": lambda lib: lib.autograd.functional.vhp(
        lambda x, y: (x * x).sum(), (lib.ones(2), lib.ones(2)), (lib.ones(2), lib.ones(2)),
        strict=True),
    "strict_vectorize": lambda lib: lib.autograd.functional.jacobian(
        lambda x: x * 2, lib.ones(2), strict=True, vectorize=True),
    "strict_forward": lambda lib: lib.autograd.functional.jacobian(
        lambda x: x * 2, lib.ones(2), strict=True, strategy="forward-mode"),
    "forward_not_vectorized": lambda lib: lib.autograd.functional.jacobian(
        lambda x: x * 2, lib.ones(2), strategy="forward-mode"),
    "forward_create_graph": lambda lib: lib.autograd.functional.jacobian(
        lambda x: x * 2, lib.ones(2), create_graph=True, strategy="forward-mode"),
    "bad_strategy": lambda lib: lib.autograd.functional.jacobian(
        lambda x: x * 2, lib.ones(2), strategy="sideways"),
    "bad_outer_strategy": lambda lib: lib.autograd.functional.hessian(
        lambda x: x.sum(), lib.ones(2), outer_jacobian_strategy="sideways"),
    "v_none_not_scalar": lambda lib: lib.autograd.functional.vjp(lambda x: x * 2, lib.ones(2)),
    "jvp_v_none": lambda lib: lib.autograd.functional.jvp(lambda x: x * 2, lib.ones(2)),
    "v_wrong_size": lambda lib: lib.autograd.functional.vjp(lambda x: x * 2, lib.ones(2),
                                                            lib.ones(3)),
    "v_tuple_length": lambda lib: lib.autograd.functional.jvp(
        lambda x, y: x * y, (lib.ones(2), lib.ones(2)), (lib.ones(2),)),
    "v_entry_size": lambda lib: lib.autograd.functional.hvp(
        lambda x, y: (x * y).sum(), (lib.ones(2), lib.ones(2)), (lib.ones(2), lib.ones(3))),
    "input_not_tensor": lambda lib: lib.autograd.functional.jacobian(lambda x: x, [1.0]),
    "tuple_item_not_tensor": lambda lib: lib.autograd.functional.vjp(
        lambda x, y: x, (lib.ones(1), 2.0)),
    "output_not_tensor": lambda lib: lib.autograd.functional.jacobian(lambda x: 3.0, lib.ones(1)),
    "hessian_two_outputs": lambda lib: lib.autograd.functional.hessian(
        lambda x: (x.sum(), x.sum()), lib.ones(2)),
    "hessian_not_scalar": lambda lib: lib.autograd.functional.hessian(lambda x: x * x,
                                                                      lib.ones(2)),
    "empty_output": lambda lib: lib.autograd.functional.jacobian(
        lambda x: x[x > 5], lib.ones(2)),
    "empty_output_vectorized": lambda lib: lib.autograd.functional.jacobian(
        lambda x: x[x > 5], lib.ones(2), vectorize=True),
    "hvp_not_scalar": lambda lib: lib.autograd.functional.hvp(lambda x: x * x, lib.ones(2),
                                                              lib.ones(2)),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_match_torch(case):
    assert_same_error(lambda: ERRORS[case](minigrad), lambda: ERRORS[case](torch))


def test_non_strict_independent_gives_zeros():
    def run(lib):
        jf = lib.autograd.functional
        xs = (lib.ones(2), lib.ones(3))
        return (jf.jacobian(_independent(lib), xs), jf.vjp(_independent(lib), xs, lib.ones(2)),
                jf.hessian(lambda x: x.sum(), lib.ones(2)))
    assert_nested_equal(run(minigrad), run(torch))


def test_vectorized_jacobian_is_one_batched_backward_pass(monkeypatch):
    """vectorize=True: one (vmapped) VJP per output instead of one per output element, with
    the looped rows' values."""
    from minigrad.autograd import functional
    calls = []
    real = functional._grad

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(functional, "_grad", counting)
    fn, shapes = FUNCS["two_to_two"]
    xs = _inputs(minigrad, shapes)
    batched = functional.jacobian(fn(minigrad), xs, vectorize=True)
    assert len(calls) == 2   # one per output
    looped = functional.jacobian(fn(minigrad), xs)
    assert len(calls) == 2 + 4 + 6   # then one per output element
    for row_b, row_l in zip(batched, looped):
        for b, l_ in zip(row_b, row_l):
            np.testing.assert_allclose(b.numpy(), l_.numpy(), rtol=1e-14, atol=0)


@pytest.mark.parametrize("strategy, vectorize", [("reverse-mode", False), ("reverse-mode", True),
                                                 ("forward-mode", True)])
@pytest.mark.parametrize("detached", [True, False])
def test_jacobian_dtype_of_an_output_in_another_dtype(strategy, vectorize, detached):
    """A float32 output of a float64 input: torch's reverse-mode Jacobian is in the input's
    dtype (also for an output that does not depend on it), its forward-mode one in the
    output's."""
    results = []
    for T in (torch, minigrad):
        a = T.tensor([0.5, -1.0, 2.0], dtype=T.float64, requires_grad=True)
        f = (lambda a: a.detach().float() * 2) if detached else (lambda a: (a * a).float())
        results.append(T.autograd.functional.jacobian(f, a, strategy=strategy,
                                                      vectorize=vectorize))
    assert str(results[1].dtype) == str(results[0].dtype)
    assert results[1].requires_grad == results[0].requires_grad
    np.testing.assert_array_equal(results[1].detach().numpy(), results[0].detach().numpy())
