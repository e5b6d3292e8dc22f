"""Shape ops (minigrad/ops/shape.py) against torch: values, dtypes, shapes, strides, grad_fn
chains, view-ness (shared memory, ``_base``) and gradients of every input with random upstream
gradients; torch's errors (class and message); a float64 finite-difference check.

``run_both`` is shared with test_indexing.py and test_join.py.
"""
import numpy as np
import pytest
import torch
from helpers import (assert_same_error, assert_tensor_equal, fd_check, graph_signature, pair)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4)


# ---- the comparison every test uses -------------------------------------------------------------
def _outputs(out):
    """A flat list of the tensors in a (nested) tuple of results."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _outputs(o)]
    return [out]


def _shares(a, b):
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def run_both(fn, *arrays, grad=True, depth=2, seed=0):
    """Run ``fn(lib, *tensors)`` with lib = minigrad and torch on copies of ``arrays``.

    Compares every output (values, dtype, shape, strides, grad_fn chain to ``depth``, whether
    it is a view sharing an input's memory), then backpropagates the same random upstream
    gradients and compares the inputs' gradients. Returns (minigrad inputs, outputs).
    """
    pairs = [pair(a, requires_grad=grad and np.asarray(a).dtype.kind == "f") for a in arrays]
    mg_in = [p[0] for p in pairs]
    th_in = [p[1] for p in pairs]
    out_mg = _outputs(fn(minigrad, *mg_in))
    out_th = _outputs(fn(torch, *th_in))
    assert len(out_mg) == len(out_th)
    for m, t in zip(out_mg, out_th):
        assert_tensor_equal(m, t)
        if t.numel() and t._base is not None:   # a copy's layout is torch's own business
            assert m.stride() == t.stride(), f"strides {m.stride()} != {t.stride()}"
        assert graph_signature(m, depth) == graph_signature(t, depth)
        assert (m._base is None) == (t._base is None)
        for mi, ti in zip(mg_in, th_in):
            if t.numel():
                assert np.shares_memory(m._data, mi._data) == _shares(t, ti)
    diff = [(m, t) for m, t in zip(out_mg, out_th) if t.requires_grad]
    if diff:
        rng = np.random.default_rng(seed)
        ups = [rng.standard_normal(t.shape).astype(np.asarray(arrays[0]).dtype) for _, t in diff]
        minigrad.autograd.backward([m for m, _ in diff], [minigrad.tensor(u) for u in ups])
        torch.autograd.backward([t for _, t in diff], [torch.tensor(u) for u in ups])
        for mi, ti in zip(mg_in, th_in):
            if ti.grad is None:
                assert mi.grad is None
            else:
                assert_tensor_equal(mi.grad, ti.grad)
    return mg_in, out_mg


def both_raise(fn, *arrays):
    """``fn(lib, *tensors)`` raises the same error class and message in minigrad and torch."""
    mg = [minigrad.tensor(a) for a in arrays]
    th = [torch.tensor(a) for a in arrays]
    assert_same_error(lambda: fn(minigrad, *mg), lambda: fn(torch, *th))


def randn(*shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def compare_or_error(fn, *arrays):
    """Where torch raises, minigrad raises the same; otherwise ``run_both``."""
    th = [torch.tensor(a) for a in arrays]
    try:
        fn(torch, *th)
    except (RuntimeError, IndexError, TypeError, ValueError):
        mg = [minigrad.tensor(a) for a in arrays]
        assert_same_error(lambda: fn(minigrad, *mg), lambda: fn(torch, *th))
        return False
    run_both(fn, *arrays)
    return True


# ---- view / reshape ------------------------------------------------------------------------------
LAYOUTS = ["plain", "transpose", "slice", "step", "expand", "permute", "select"]


def layout(x, kind):
    """x (a leaf) seen through a view that is often non-contiguous."""
    nd = x.dim()
    if kind == "transpose" and nd >= 2:
        return x.transpose(0, -1)
    if kind == "slice" and nd >= 1:
        return x[..., : max(1, x.shape[-1] - 1)]
    if kind == "step" and nd >= 1:
        return x[::2]
    if kind == "expand":
        return x.unsqueeze(0).expand(2, *x.shape)
    if kind == "permute" and nd >= 3:
        return x.permute(1, 2, 0, *range(3, nd))
    if kind == "select" and nd >= 2:
        return x[:, 0]
    return x.view(x.shape)


def _factor_shape(draw, n):
    """A shape with n elements (possibly with 1s and one -1)."""
    dims = []
    rest = n
    for _ in range(draw(st.integers(0, 3))):
        d = draw(st.sampled_from([k for k in range(1, rest + 1) if rest % k == 0]))
        dims.append(d)
        rest //= d
    dims.append(rest)
    draw(st.randoms()).shuffle(dims)
    if draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


@SETTINGS
@given(shape=SHAPES, kind=st.sampled_from(LAYOUTS), data=st.data())
def test_view_fails_exactly_when_torch_does(shape, kind, data):
    """Drawn strided layouts and target shapes: ``view`` works (same strides, shared memory,
    ViewBackward0) or raises torch's error exactly when torch's does; ``reshape`` always works,
    as a view (ViewBackward0 / ReshapeAliasBackward0) or a copy (UnsafeViewBackward0)."""
    n = layout(torch.zeros(shape), kind).numel()
    new = _factor_shape(data.draw, n)
    compare_or_error(lambda lib, x: layout(x, kind).view(new), randn(*shape))
    run_both(lambda lib, x: layout(x, kind).reshape(new), randn(*shape), depth=3)
    run_both(lambda lib, x: lib.reshape(layout(x, kind), new), randn(*shape), depth=3)


def test_view_and_reshape_cases_from_the_api_notes():
    data = np.array([[10, 20, 30], [40, 50, 60]])
    run_both(lambda lib, x: x.t().reshape(6), data)
    run_both(lambda lib, x: lib.transpose(x, 0, 1).view(3, 2), data)
    run_both(lambda lib, x: lib.transpose(x, 0, 1).view(3, 1, 2), data)
    run_both(lambda lib, x: x[:2].view(8), np.zeros((3, 4)))
    run_both(lambda lib, x: x.t().is_contiguous() and x.t().view(4), np.zeros((4, 1)))
    run_both(lambda lib, x: x.view(torch.Size([60]) if lib is torch else minigrad.Size([60])),
             randn(3, 4, 5))
    run_both(lambda lib, x: (x.view([3, 20]), x.view((3, 20)), x.reshape([2, -1])),
             randn(3, 4, 5))
    run_both(lambda lib, x: x.reshape(lib.tensor(60)), randn(3, 4, 5))
    run_both(lambda lib, x: (x.view(1, 1), x.view(-1), x.view([]), x.reshape(())), randn())
    run_both(lambda lib, x: (x.view(0, 3), x.t().view(3, 0), x.t().reshape(0, 3)),
             np.zeros((0, 3), np.float32))
    run_both(lambda lib, x: (x.view_as(x.t()), x.reshape_as(x.t().contiguous()),
                             x.t().reshape_as(x)), randn(3, 4))


def test_view_dtype_reinterprets_bits():
    for dtype in ("int32", "float32"):
        mg = minigrad.tensor(randn(3, 4)).view(getattr(minigrad, dtype))
        th = torch.tensor(randn(3, 4)).view(getattr(torch, dtype))
        assert_tensor_equal(mg, th)
    mg = minigrad.tensor(randn(3, 4)).view(minigrad.int16)
    assert_tensor_equal(mg, torch.tensor(randn(3, 4)).view(torch.int16))
    assert_same_error(lambda: minigrad.tensor(randn(3, 4)).t().view(minigrad.int16),
                      lambda: torch.tensor(randn(3, 4)).t().view(torch.int16))


# ---- transposes, permutes, squeezes, ...: fixed cases -------------------------------------------
OPS = {
    "transpose": lambda lib, x: x.transpose(0, 2),
    "transpose_neg": lambda lib, x: lib.transpose(x, -1, 0),
    "transpose_same": lambda lib, x: x.transpose(1, 1),
    "swapaxes": lambda lib, x: (x.swapaxes(0, 1), lib.swapaxes(x, 2, 1)),
    "swapdims": lambda lib, x: (x.swapdims(0, 1), lib.swapdims(x, 2, 1)),
    "t_2d": lambda lib, x: x[0].t(),
    "t_1d": lambda lib, x: (x[0, 0].t(), lib.t(x[0, 0])),
    "t_0d": lambda lib, x: x[0, 0, 0].t(),
    "T_2d": lambda lib, x: x[0].T,
    "mT": lambda lib, x: (x.mT, x[0].mT),
    "permute_varargs": lambda lib, x: x.permute(2, 0, 1),
    "permute_list": lambda lib, x: (x.permute([1, 2, 0]), x.permute((0, -1, 1))),
    "permute_fn": lambda lib, x: (lib.permute(x, (2, 1, 0)), lib.permute(x, [0, 1, 2])),
    "movedim": lambda lib, x: (x.movedim(0, 2), lib.movedim(x, (0, 1), (2, 0)),
                               lib.moveaxis(x, -1, 0), x.moveaxis(0, 0)),
    "unsqueeze": lambda lib, x: (x.unsqueeze(0), x.unsqueeze(-1), lib.unsqueeze(x, 2),
                                 x.unsqueeze(dim=1)),
    "squeeze_all": lambda lib, x: (x[:, :1].squeeze(), lib.squeeze(x), x[:1, :1, :1].squeeze()),
    "squeeze_dim": lambda lib, x: (x[:, :1].squeeze(1), x.squeeze(1), x[:1].squeeze(dim=0),
                                   x[:, :1].squeeze(-2)),
    "squeeze_dims": lambda lib, x: (x[:1, :1].squeeze((0, 1, 2)), x[:1].squeeze((0, 1)),
                                    x[:1].squeeze((0,))),
    "flatten": lambda lib, x: (x.flatten(), x.flatten(1), x.flatten(0, 1), lib.flatten(x, -2)),
    "flatten_noop": lambda lib, x: (x.flatten(1, 1), x[0, 0].flatten(), x[0, 0, 0].flatten()),
    "flatten_noncontiguous": lambda lib, x: (x.transpose(0, 1).flatten(),
                                             x.transpose(1, 2).flatten(0, 1)),
    "unflatten": lambda lib, x: (x.unflatten(1, (2, 2)), lib.unflatten(x, -1, (1, -1, 1))),
    "expand": lambda lib, x: (x[:, :1].expand(3, 4, 5), x.expand(2, -1, -1, -1),
                              x.expand(3, 4, 5), x[:1].expand((2, 3, 4, 5))),
    "expand_as": lambda lib, x: x[:1, :, :1].expand_as(x),
    "repeat": lambda lib, x: (x.repeat(1, 2, 1), x.repeat(2, 1, 1, 3), x[0, 0, 0].repeat(2, 3)),
    "flip": lambda lib, x: (x.flip(0), x.flip(0, 2), x.flip([1, -1]), lib.flip(x, (1,))),
    "narrow": lambda lib, x: (x.narrow(1, 1, 2), lib.narrow(x, -1, -2, 2), x.narrow(0, 3, 0),
                              x.narrow(1, lib.tensor(1), 2)),
    "contiguous": lambda lib, x: (x.transpose(0, 1).contiguous(), x.contiguous()),
    "unbind": lambda lib, x: x.unbind(1),
}


@pytest.mark.parametrize("name", list(OPS))
def test_shape_op_matches_torch(name):
    run_both(OPS[name], randn(3, 4, 5))


def test_T_on_other_than_2d_warns_and_reverses_dims():
    with pytest.warns(UserWarning):
        import minigrad.ops.shape as shape_module
        shape_module._T_WARNED[:] = [False, False]
        run_both(lambda lib, x: x.T, randn(2, 3, 4))


ERRORS = {
    "view_two_inferred": lambda lib, x: x.view(-1, -1),
    "view_negative": lambda lib, x: x.view(-2, 3),
    "view_bad_size": lambda lib, x: x.view(7, -1),
    "view_zero_inferred": lambda lib, x: x.view(0, -1),
    "view_stride": lambda lib, x: x.transpose(0, 1).view(-1),
    "view_slice_stride": lambda lib, x: x[:, :2].view(-1),
    "view_float": lambda lib, x: x.view(3, 20.0),
    "view_empty": lambda lib, x: lib.zeros(0, 3).view(-1, 0),
    "reshape_bad": lambda lib, x: x.reshape(4, 2),
    "reshape_two_inferred": lambda lib, x: x.reshape(-1, -1),
    "reshape_float": lambda lib, x: x.reshape(60.0),
    "reshape_missing": lambda lib, x: x.reshape(),
    "torch_reshape_int": lambda lib, x: lib.reshape(x, 60),
    "transpose_range": lambda lib, x: x.transpose(0, 3),
    "t_3d": lambda lib, x: x.t(),
    "permute_len": lambda lib, x: x.permute(1, 2),
    "permute_dup": lambda lib, x: x.permute(1, 1, 0),
    "permute_range": lambda lib, x: x.permute([1, 2, 3]),
    "permute_fn_varargs": lambda lib, x: lib.permute(x, 1, 2, 0),
    "permute_0d": lambda lib, x: lib.tensor(1.0).permute(0),
    "squeeze_range": lambda lib, x: x.squeeze(3),
    "squeeze_tuple_range": lambda lib, x: x.squeeze((0, 3)),
    "squeeze_dup": lambda lib, x: x.squeeze((0, 0)),
    "unsqueeze_range": lambda lib, x: x.unsqueeze(4),
    "unsqueeze_range_neg": lambda lib, x: x.unsqueeze(-5),
    "unsqueeze_missing": lambda lib, x: x.unsqueeze(),
    "unsqueeze_1d": lambda lib, x: lib.tensor([1, 2, 3, 4, 5]).unsqueeze(2),
    "flatten_order": lambda lib, x: x.flatten(2, 0),
    "flatten_range": lambda lib, x: x.flatten(0, 3),
    "unflatten_product": lambda lib, x: x.unflatten(1, (2, 3)),
    "unflatten_inferred": lambda lib, x: x.unflatten(1, (3, -1)),
    "unflatten_empty": lambda lib, x: x.unflatten(1, ()),
    "expand_few": lambda lib, x: x.expand(2, 3),
    "expand_mismatch": lambda lib, x: x.expand(3, 5, 5),
    "expand_leading_minus": lambda lib, x: x.expand(-1, 3, 4, 5),
    "expand_minus2": lambda lib, x: x.expand(3, 4, -2),
    "expand_missing": lambda lib, x: x.expand(),
    "expand_missing_0d": lambda lib, x: x[0, 0, 0].expand(),
    "repeat_missing": lambda lib, x: x.repeat(),
    "repeat_few": lambda lib, x: x.repeat(2),
    "repeat_negative": lambda lib, x: x.repeat(-1, 1, 1),
    "flip_missing": lambda lib, x: x.flip(),
    "flip_dup": lambda lib, x: x.flip(0, 0),
    "flip_range": lambda lib, x: x.flip(3),
    "torch_flip_int": lambda lib, x: lib.flip(x, 0),
    "narrow_exceeds": lambda lib, x: x.narrow(1, 3, 2),
    "narrow_start": lambda lib, x: x.narrow(1, 5, 0),
    "narrow_start_neg": lambda lib, x: x.narrow(1, -5, 1),
    "narrow_length": lambda lib, x: x.narrow(1, 1, -1),
    "narrow_dim": lambda lib, x: x.narrow(3, 0, 1),
    "movedim_range": lambda lib, x: x.movedim(0, 3),
    "movedim_len": lambda lib, x: x.movedim((0, 1), (1,)),
    "movedim_repeated_src": lambda lib, x: x.movedim((0, 0), (1, 2)),
    "movedim_repeated_dst": lambda lib, x: x.movedim((0, 1), (2, 2)),
    "mT_1d": lambda lib, x: x[0, 0].mT,
    "unbind_range": lambda lib, x: x.unbind(3),
    "size_range": lambda lib, x: x.size(3),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    both_raise(ERRORS[name], np.arange(60.0).reshape(3, 4, 5))


# ---- hypothesis-drawn dims ----------------------------------------------------------------------
@SETTINGS
@given(shape=SHAPES, data=st.data())
def test_drawn_permute_transpose_movedim(shape, data):
    nd = len(shape)
    perm = data.draw(st.permutations(range(nd)))
    neg = [p - nd if data.draw(st.booleans()) else p for p in perm]
    dims = st.integers(-max(nd, 1), max(nd, 1) - 1)
    d0, d1 = data.draw(dims), data.draw(dims)
    run_both(lambda lib, x: (lib.permute(x, neg), x.permute(neg), x.transpose(d0, d1)),
             randn(*shape))
    compare_or_error(lambda lib, x: x.permute(*neg), randn(*shape))
    compare_or_error(lambda lib, x: lib.movedim(x, d0, d1), randn(*shape))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3), data=st.data())
def test_drawn_squeeze_unsqueeze_flatten(shape, data):
    nd = len(shape)
    d = data.draw(st.integers(-max(nd, 1), max(nd, 1) - 1))
    u = data.draw(st.integers(-nd - 1, nd))
    dims = tuple(data.draw(st.sets(st.integers(0, max(nd, 1) - 1), max_size=3)))
    run_both(lambda lib, x: (x.squeeze(), x.squeeze(d), x.squeeze(dims), x.unsqueeze(u)),
             randn(*shape))
    if nd:
        start = data.draw(st.integers(0, nd - 1))
        end = data.draw(st.integers(start, nd - 1))
        run_both(lambda lib, x: x.transpose(0, -1).flatten(start, end), randn(*shape))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3), data=st.data())
def test_drawn_expand_repeat_flip_narrow(shape, data):
    nd = len(shape)
    ones = tuple(1 if data.draw(st.booleans()) else s for s in shape)
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2))
    target = tuple(lead) + tuple(data.draw(st.integers(1, 3)) if o == 1 and s == 1 else
                                 (-1 if data.draw(st.booleans()) else s)
                                 for o, s in zip(ones, shape))
    reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=nd, max_size=nd + 2)))
    flips = data.draw(st.sets(st.integers(-nd, nd - 1), min_size=1, max_size=nd))
    if len({f % nd for f in flips}) != len(flips):
        flips = {f % nd for f in flips}
    d = data.draw(st.integers(0, nd - 1))
    start = data.draw(st.integers(-shape[d], shape[d]))
    length = data.draw(st.integers(0, shape[d] - (start % shape[d] if start else 0)))

    def ops(lib, x):
        base = x[tuple(slice(0, o) for o in ones)]
        return (base.expand(*target), x.repeat(*reps), x.flip(tuple(flips)),
                x.narrow(d, start, length))
    compare_or_error(ops, randn(*shape))


# ---- views share memory, version counter and base ------------------------------------------------
VIEW_CHAINS = {
    "view": lambda x: x.view(4, 6),
    "transpose_slice": lambda x: x.transpose(0, 2)[1:],
    "permute_select": lambda x: x.permute(2, 0, 1)[1],
    "unsqueeze_expand": lambda x: x.unsqueeze(0).expand(2, 2, 3, 4)[1],
    "squeeze_narrow": lambda x: x[:1].squeeze(0).narrow(1, 1, 2),
    "unflatten_t": lambda x: x.flatten().unflatten(0, (6, 4)).t(),
    "reshape_alias": lambda x: x.transpose(0, 1).reshape(3, 2, 2, 2),
    "split": lambda x: x.split(1, dim=2)[2],
    "unbind": lambda x: x.unbind(1)[1],
}


@pytest.mark.parametrize("name", list(VIEW_CHAINS))
def test_inplace_write_through_a_view_changes_the_base(name):
    chain = VIEW_CHAINS[name]
    mg, th = pair(np.arange(24.0).reshape(2, 3, 4))
    v_mg, v_th = chain(mg), chain(th)
    assert v_mg._base is mg and v_th._base is th
    v_mg.mul_(-1)
    v_th.mul_(-1)
    assert_tensor_equal(mg, th)
    assert mg._version == th._version == v_mg._version == v_th._version == 1
    # the view can be rebuilt from any tensor shaped like its base
    other = minigrad.tensor(randn(2, 3, 4, dtype=np.float64))
    rebuilt = v_mg._view_fn(other)
    assert_tensor_equal(rebuilt, chain(torch.tensor(randn(2, 3, 4, dtype=np.float64))))


def test_views_of_views_point_at_the_first_base():
    x = minigrad.zeros(2, 3)
    v = x.t()[0].unsqueeze(0)
    assert v._base is x
    v.add_(5)
    assert x[0, 0].item() == 5 and x._version == 1


def test_reshape_copy_is_not_a_view():
    x = minigrad.zeros(2, 3)
    y = x.t().reshape(6)
    assert y._base is None and not np.shares_memory(y._data, x._data)


@pytest.mark.parametrize("leaf", [True, False])
def test_view_of_detached_tensor_is_a_view_of_it(leaf):
    """``b.detach()`` is not a view for autograd: its views have it as base, so writing into
    them is allowed even when b is a leaf that requires grad (torch)."""
    def run(lib):
        b = lib.tensor([[1.0, -2.0, 3.0]], requires_grad=True)
        src = b if leaf else b * 2
        d = src.detach()
        v = d[:, 1:]
        v.neg_()
        w = lib.tensor([0.5, 2.0], requires_grad=True)
        d[0, :2].mul_(w)  # a tracked in-place write into the detached tensor
        d.sum().backward()
        return [v._base is d, d.requires_grad, src._version, d.detach(), w.grad, b.grad is None]
    got, expected = run(minigrad), run(torch)
    for g, e in zip(got, expected):
        if isinstance(e, torch.Tensor):
            assert_tensor_equal(g, e)
        else:
            assert g == e


# ---- finite differences -------------------------------------------------------------------------
def test_finite_differences_through_a_chain_of_shape_ops():
    def fn(x):
        y = x.transpose(0, 1).reshape(-1).view(4, 6).permute(1, 0).flip(0)
        y = y.repeat(2, 1)[:, None].expand(12, 3, 4).unflatten(2, (2, 2)).squeeze()
        return (y.narrow(0, 1, 9).movedim(2, 0).flatten(1) * 1.5).mT
    fd_check(fn, [randn(2, 3, 4, dtype=np.float64)])
