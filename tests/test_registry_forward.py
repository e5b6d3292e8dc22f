"""Forward mode of every differentiable op in the registry, read from its declaration, against
torch.autograd.forward_ad: every float input dual (tangents drawn), in float32 and float64, on
hypothesis-drawn inputs -- shapes drawn for an op described by a domain (broadcast against each
other for the binary family), one of its written-out calls for an op with a ``sample`` (values
drawn) -- primals and tangents as torch's, float64 tangents as central finite differences.
Where torch has no forward formula, its error. (``test_forward_ad`` holds the hand-written cases
and their coverage of every node; this file reaches every registered op the same way.)
"""
import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as th_fwad
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.autograd.forward_ad as mg_fwad
from helpers import assert_same_error, assert_tensor_equal
from minigrad.ops.registry import DOMAINS, ops_in
from test_forward_ad import _tolerance
from test_registry import _call

FLOATS = ("float32", "float64")
OPS = [op for op in ops_in() if op.differentiable and set(op.dtypes) & set(FLOATS)
       and not op.no_drawn_tangents]
FWAD = {minigrad: mg_fwad, torch: th_fwad}
FORMS = ("function", "functional", "method", "special")


def _form(op):
    """The form the op is called by here, and the name it has there."""
    form = next(f for f in FORMS if f in op.forms or (f == "special" and op.special_names))
    return form, op.special_names[0] if form == "special" else op.name


def _shapes(data, op):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), max_size=3), label="shape"))
    shapes = [shape]
    for _ in op.args[1:]:
        other = shape
        if op.family == "binary" and data.draw(st.booleans(), label="broadcast"):
            other = tuple(1 if data.draw(st.booleans(), label="size 1") else n for n in shape)
            other = other[data.draw(st.integers(0, len(shape)), label="leading dims dropped"):]
        shapes.append(other)
    return shapes


def draw_call(data, op):
    """A function of (rng, dtype) giving one call's (args, kwargs), drawn once for both dtypes."""
    if op.sample is not None:
        n_calls = len(list(op.sample(np.random.default_rng(0), np.dtype("float64"))))
        k = data.draw(st.integers(0, n_calls - 1), label="sample call")
        return lambda rng, dtype: list(op.sample(rng, dtype))[k]
    shapes = _shapes(data, op)
    return lambda rng, dtype: ([np.asarray(DOMAINS[op.domain](rng, s)).astype(dtype)
                                for s in shapes], {})


def _tangents(rng, value):
    """A tangent for each float array in value (nested lists too), None elsewhere."""
    if isinstance(value, (list, tuple)):
        return type(value)(_tangents(rng, v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return np.asarray(rng.standard_normal(value.shape)).astype(value.dtype)
    return None


def _no_tangents(value):
    if isinstance(value, (list, tuple)):
        return type(value)(_no_tangents(v) for v in value)
    return None


def _duals(lib, value, tangent):
    if isinstance(value, (list, tuple)):
        return type(value)(_duals(lib, v, t) for v, t in zip(value, tangent))
    if tangent is None:
        return lib.from_numpy(value.copy()) if isinstance(value, np.ndarray) else value
    return FWAD[lib].make_dual(lib.from_numpy(value.copy()), lib.from_numpy(tangent.copy()))


def _float_outputs(out):
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [o for o in outs if isinstance(o, (minigrad.Tensor, torch.Tensor))
            and o.dtype.is_floating_point]


def run(lib, op, args, kwargs, tangents):
    """[(primal, tangent)] of the op's float outputs, every float input dual."""
    form, name = _form(op)
    with FWAD[lib].dual_level():
        out = _call(form, lib, name, _duals(lib, args, tangents), kwargs, op)
        return [tuple(FWAD[lib].unpack_dual(o)) for o in _float_outputs(out)]


def _shifted(value, tangent, step):
    if isinstance(value, (list, tuple)):
        return type(value)(_shifted(v, t, step) for v, t in zip(value, tangent))
    return value if tangent is None else np.asarray(value + step * tangent, value.dtype)


def finite_differences(op, args, kwargs, tangents, eps=1e-6):
    form, name = _form(op)

    def plain(step):
        shifted = _duals(minigrad, _shifted(args, tangents, step), _no_tangents(args))
        return [o.numpy() for o in _float_outputs(_call(form, minigrad, name, shifted, kwargs,
                                                        op))]
    return [(p - m) / (2 * eps) for p, m in zip(plain(eps), plain(-eps))]


# a sample's tangent is 0 by definition (as its gradient), not the derivative of the draw;
# mode's calls hold repeated values by design (a step along the tangent splits the tie)
_NO_FINITE_DIFFERENCES = {op.name for op in OPS if op.family == "random"} | {"mode"}


# float arguments that are parameters of the op, which torch does not differentiate (a tangent
# given to them is ignored; a step along it would leave their range)
_NOT_DIFFERENTIATED = {"quantile": (1,), "nanquantile": (1,)}


def _torch_drops_the_tangent(op, args):
    """scatter_reduce(reduce="prod"): torch's forward AD gives its result no tangent at all
    (it has no formula for prod, and says nothing), where the tangent is well defined; minigrad
    gives it, checked against finite differences."""
    return op.name == "scatter_reduce" and any(isinstance(a, str) and a == "prod" for a in args)


def check_op(op, data):
    draw = draw_call(data, op)
    seed = data.draw(st.integers(0, 2**16), label="seed")
    for dtype in (d for d in FLOATS if d in op.dtypes):
        rng = np.random.default_rng(seed)
        args, kwargs = draw(rng, np.dtype(dtype))
        tangents = [None if i in _NOT_DIFFERENTIATED.get(op.name, ()) else t
                    for i, t in enumerate(_tangents(rng, list(args)))]

        def attempt(lib, call=(args, kwargs, tangents)):
            return run(lib, op, *call)
        try:
            expected = attempt(torch)
        except NotImplementedError:  # torch has no forward formula: its error here too
            assert_same_error(lambda: attempt(minigrad), lambda: attempt(torch))
            continue
        got = attempt(minigrad)
        assert len(got) == len(expected)
        for (p_mg, t_mg), (p_th, t_th) in zip(got, expected):
            assert_tensor_equal(p_mg, p_th, **_tolerance(np.dtype(dtype), p_th))
            if _torch_drops_the_tangent(op, args):
                assert t_th is None and t_mg is not None  # (checked by finite differences)
                continue
            assert (t_mg is None) == (t_th is None)
            if t_th is not None:
                assert_tensor_equal(t_mg, t_th, **_tolerance(np.dtype(dtype), t_th))
        if dtype == "float64" and op.name not in _NO_FINITE_DIFFERENCES:
            fd = finite_differences(op, args, kwargs, tangents)
            for (p_mg, t_mg), d in zip(got, fd):
                if p_mg.dtype != minigrad.float64:  # (a cast to float16 rounds the step away)
                    continue
                t = np.zeros_like(d) if t_mg is None else t_mg.detach().numpy()
                np.testing.assert_allclose(t, d, rtol=1e-5, atol=1e-6, err_msg=op.name)


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_registered_op_forward_mode_matches_torch(op, data):
    check_op(op, data)


@pytest.mark.slow
@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_registered_op_forward_mode_many_draws(op, data):
    check_op(op, data)
