"""Normalization layers (BatchNorm1d/2d/3d, GroupNorm, InstanceNorm1d/2d/3d, LocalResponseNorm
and their functionals) against torch: outputs, gradients, running statistics over several
training steps (momentum and cumulative averaging), eval mode, state_dict, errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import fd_check
from layer_compare import check, close, same_error


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([("BatchNorm1d", (4, 3)), ("BatchNorm1d", (4, 3, 5)),
                        ("BatchNorm2d", (3, 3, 4, 2)), ("BatchNorm3d", (2, 3, 2, 3, 2))]),
       st.sampled_from([0.1, 0.5, None]), st.booleans(), st.booleans(),
       st.sampled_from(["float32", "float64"]), st.integers(0, 999))
def test_batchnorm_train_then_eval_matches_torch(layer, momentum, affine, track, dtype, seed):
    name, shape = layer
    rng = np.random.default_rng(seed)
    batches = [(rng.standard_normal(shape) * 2 + 1).astype(dtype) for _ in range(3)]
    modules = {}

    def fn(lib, *xs):
        bn = getattr(lib.nn, name)(3, momentum=momentum, affine=affine,
                                   track_running_stats=track, dtype=getattr(lib, dtype))
        modules[lib.__name__] = bn
        outs = [bn(x) for x in xs[:-1]]
        bn.eval()
        return [sum((o ** 3).sum() for o in outs).reshape(1), bn(xs[-1])]
    check(fn, batches)
    mg, th = modules["minigrad"], modules["torch"]
    assert list(mg.state_dict()) == list(th.state_dict())
    for key, value in th.state_dict().items():
        close(mg.state_dict()[key].numpy(), value.numpy(), key)
    assert str(mg) == str(th)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_functional_batch_norm_eval_and_training(dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 4, 3)).astype(dtype)
    w, b = rng.standard_normal(4).astype(dtype), rng.standard_normal(4).astype(dtype)
    rm, rv = rng.standard_normal(4).astype(dtype), rng.uniform(0.5, 2, 4).astype(dtype)
    for training in (False, True):
        def fn(lib, x, w, b, training=training):
            mean, var = lib.from_numpy(rm.copy()), lib.from_numpy(rv.copy())
            out = lib.nn.functional.batch_norm(x, mean, var, w, b, training, 0.3, 1e-3)
            return out, mean, var
        check(fn, (x, w, b))


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([(2, 4, 3), (3, 6, 2, 2), (2, 6, 5), (1, 4, 2, 3, 2)]),
       st.sampled_from([1, 2]), st.booleans(), st.sampled_from(["float32", "float64"]),
       st.integers(0, 999))
def test_group_norm_matches_torch(shape, groups, affine, dtype, seed):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    check(lambda lib, x: lib.nn.GroupNorm(groups, shape[1], affine=affine,
                                          dtype=getattr(lib, dtype))(x), (x,))


@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (3, 4, 5)), ("InstanceNorm1d", (4, 5)),
                                        ("InstanceNorm2d", (2, 4, 3, 3)),
                                        ("InstanceNorm3d", (2, 4, 2, 2, 3))])
@pytest.mark.parametrize("affine,track", [(False, False), (True, True), (True, False)])
def test_instance_norm_matches_torch(name, shape, affine, track):
    rng = np.random.default_rng(2)
    xs = [rng.standard_normal(shape) * 3 + 1 for _ in range(2)]

    def fn(lib, x1, x2):
        layer = getattr(lib.nn, name)(4, affine=affine, track_running_stats=track,
                                      dtype=lib.float64)
        y = layer(x1)
        layer.eval()
        extra = [layer.running_mean, layer.running_var] if track else []
        return [y, layer(x2)] + extra
    check(fn, xs)


@pytest.mark.parametrize("shape,size", [((2, 5, 4), 3), ((2, 6, 3, 2), 2), ((1, 4, 2, 2, 2), 5)])
def test_local_response_norm_matches_torch(shape, size):
    x = np.random.default_rng(3).standard_normal(shape)
    check(lambda lib, x: lib.nn.LocalResponseNorm(size, alpha=0.1, beta=0.6, k=2.0)(x), (x,))
    assert str(minigrad.nn.LocalResponseNorm(size)) == str(torch.nn.LocalResponseNorm(size))


@pytest.mark.parametrize("case", [
    lambda lib: lib.nn.functional.batch_norm(lib.ones(3, 4), None, None, training=False),
    lambda lib: lib.nn.functional.batch_norm(lib.ones(1, 4), None, None, training=True),
    lambda lib: lib.nn.BatchNorm2d(4)(lib.ones(2, 4, 3)),
    lambda lib: lib.nn.BatchNorm1d(4)(lib.ones(2, 4, 3, 3)),
    lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, 3), 3),
    lambda lib: lib.nn.functional.batch_norm(lib.ones(3, 4), lib.zeros(3), lib.ones(4)),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(1, 4, 1)),
    lambda lib: lib.nn.GroupNorm(3, 4),
])
def test_norm_errors_match_torch(case):
    same_error(case)


def test_norm_gradients_by_finite_differences_and_double_backward():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((4, 3, 2)), rng.standard_normal(3), rng.standard_normal(3)
    F = minigrad.nn.functional
    fd_check(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), [x, w, b])
    fd_check(lambda x, w, b: F.group_norm(x.reshape(2, 6, 2), 3, w.repeat(2), b.repeat(2)),
             [x, w, b])

    def second(lib, x, w):
        y = lib.nn.functional.batch_norm(x, None, None, w, None, True)
        gx, = lib.autograd.grad((y ** 3).sum(), x, create_graph=True)
        return (gx ** 2).sum().reshape(1)
    check(second, (x, w))
