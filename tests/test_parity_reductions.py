"""The reductions and a few unary ops, written once with the parity plugin
(pytest_minigrad): each body runs on minigrad and on torch (and torch's CUDA when
present); the plugin compares values, dtypes, grad_fn names, the inputs' gradients (from a seeded
random upstream gradient) and raised errors with torch's CPU run.

    python -m pytest tests/test_parity_reductions.py --parity-fuzz 20   # plus drawn shapes
"""
import pytest

SHAPES = [(), (5,), (3, 4), (2, 3, 4)]
MATRIX_SHAPES = [(3, 4), (2, 3, 4), (1, 5)]


@pytest.mark.parity(shapes=SHAPES)
@pytest.mark.parametrize("op", ["sum", "mean", "prod", "amax", "amin", "logsumexp_all", "std",
                                "var", "norm"])
def test_full_reduction(T, make_input, shape, op):
    x = make_input(shape, dtype=T.float64, low=0.5, high=2.0, requires_grad=True)
    if op == "logsumexp_all":
        return T.logsumexp(x.reshape(-1), 0)
    if op in ("std", "var") and x.numel() < 2:
        return getattr(x, op)(correction=0)
    return getattr(T, op)(x)


@pytest.mark.parity(shapes=MATRIX_SHAPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean", "amax", "logsumexp", "std", "var", "prod"])
def test_reduction_over_last_dim(T, make_input, shape, op, keepdim):
    x = make_input(shape, requires_grad=True)
    return getattr(T, op)(x, -1, keepdim=keepdim)


@pytest.mark.parity(shapes=MATRIX_SHAPES)
@pytest.mark.parametrize("op", ["max", "min", "median", "sort"])
def test_values_and_indices(T, make_input, shape, op):
    # distinct values (a permutation), so that the indices do not depend on tie-breaking
    x = T.randperm(int(T.tensor(shape).prod())).reshape(shape).double().requires_grad_()
    values, indices = getattr(T, op)(x, dim=-1)
    return values, indices, x


@pytest.mark.parity(shapes=MATRIX_SHAPES)
@pytest.mark.parametrize("op", ["argmax", "argmin", "count_nonzero"])
def test_integer_results(T, make_input, shape, op):
    x = make_input(shape, dtype=T.int64, low=-2, high=3)
    return getattr(T, op)(x, dim=0)


@pytest.mark.parity(shapes=MATRIX_SHAPES)
@pytest.mark.parametrize("op", ["cumsum", "cumprod", "softmax", "log_softmax"])
def test_scans_and_softmax(T, make_input, shape, op):
    x = make_input(shape, dtype=T.float64, low=-1.0, high=1.0, requires_grad=True)
    return getattr(T, op)(x, dim=-1)


@pytest.mark.parity(shapes=SHAPES)
@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "abs", "sin", "square"])
def test_unary(T, make_input, shape, op):
    return getattr(T, op)(make_input(shape, requires_grad=True))


@pytest.mark.parity(shapes=[(3, 4)])
@pytest.mark.parametrize("op", ["log", "sqrt", "rsqrt", "reciprocal"])
def test_unary_on_positive_inputs(T, make_input, shape, op):
    return getattr(T, op)(make_input(shape, low=0.1, high=4.0, requires_grad=True))


@pytest.mark.parity
def test_sum_with_dtype_and_a_backward_of_its_own(T, make_input):
    x = make_input(2, 3, requires_grad=True)
    y = x.sum(dim=(0, 1), dtype=T.float64)
    y.backward()
    return y


@pytest.mark.parity(raises=(RuntimeError, IndexError))
@pytest.mark.parametrize("call", ["amax of an empty dim", "dim out of range", "mean of int"])
def test_reduction_errors(T, make_input, call):
    if call == "amax of an empty dim":
        return T.amax(make_input(0, 3), dim=0)
    if call == "dim out of range":
        return make_input(2, 3).sum(dim=2)
    return make_input(2, 3, dtype=T.int64).mean()


def test_reductions_agree_under_the_T_fixture(T, make_input):
    """The T fixture alone: one ordinary test per backend, no comparison between them."""
    x = make_input(4, 5, dtype=T.float64)
    assert T.allclose(x.sum(0).sum(), x.sum())
    assert x.amax(1).shape == (4,)
    assert str(x.mean().dtype) == "torch.float64"
