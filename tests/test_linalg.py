"""Matrix products (matmul / @, mm, bmm, dot, mv, outer, addmm) against real torch: values,
dtypes, shapes, grad_fn names and next_functions, gradients, double backward, errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import (assert_same_error, assert_tensor_equal, compare_result_or_error, fd_check,
                     graph_signature, pair)

RNG = np.random.default_rng(99)


def check(fn, *arrays, requires_grad=None, depth=4, seed=0):
    """fn(lib, *tensors) in both libraries: same output, graph (``depth`` levels) and grads."""
    if requires_grad is None:
        requires_grad = [a.dtype.kind == "f" for a in arrays]
    pairs = [pair(a, requires_grad=rg) for a, rg in zip(arrays, requires_grad)]
    mg = [p[0] for p in pairs]
    th = [p[1] for p in pairs]
    out_t = fn(torch, *th)
    out_m = fn(minigrad, *mg)
    assert_tensor_equal(out_m, out_t)
    assert graph_signature(out_m, depth) == graph_signature(out_t, depth)
    if out_t.requires_grad:
        up = np.random.default_rng(seed).standard_normal(out_t.shape)
        up = up.astype(out_t.detach().numpy().dtype)
        out_t.backward(torch.from_numpy(up.copy()))
        out_m.backward(minigrad.from_numpy(up.copy()))
        for m, t in zip(mg, th):
            if t.grad is None:
                assert m.grad is None
            else:
                assert_tensor_equal(m.grad, t.grad)
    return out_m, out_t


def rand(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


MATMUL_SHAPES = [
    ((3,), (3,)),            # DotBackward0
    ((2, 3), (3,)),          # MvBackward0
    ((3,), (3, 4)),          # SqueezeBackward4 <- MmBackward0
    ((2, 3), (3, 4)),        # MmBackward0
    ((5, 2, 3), (3, 4)),     # UnsafeViewBackward0 <- MmBackward0 (folded)
    ((2, 3), (5, 3, 4)),     # CloneBackward0 <- TransposeBackward0 <- UnsafeViewBackward0
    ((5, 2, 3), (5, 3, 4)),  # UnsafeViewBackward0 <- BmmBackward0 <- ViewBackward0 <- Expand
    ((1, 2, 3), (5, 3, 4)),
    ((5, 2, 3), (1, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((3,), (5, 3, 4)),
    ((5, 1, 3), (3, 4)),
    ((4, 5, 2, 3), (4, 5, 3, 2)),
    ((2, 0, 3), (3, 4)),
    ((0,), (0,)),
]


@pytest.mark.parametrize("grads", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_cases(sa, sb, grads):
    check(lambda T, a, b: a @ b, rand(*sa), rand(*sb), requires_grad=grads, depth=5)
    check(lambda T, a, b: T.matmul(a, b), rand(*sa, dtype=np.float32),
          rand(*sb, dtype=np.float32), requires_grad=grads)


@st.composite
def matmul_shapes(draw):
    """Two shapes that matmul accepts: 1-D to 4-D, broadcastable batch dims."""
    n, k, p = (draw(st.integers(1, 4)) for _ in range(3))
    batch = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2))))

    def operand(core):
        nd = draw(st.integers(0, len(batch)))
        b = tuple(1 if draw(st.booleans()) else s for s in batch[len(batch) - nd:])
        return b + core

    a = (k,) if draw(st.booleans()) else operand((n, k))
    b = (k,) if draw(st.booleans()) else operand((k, p))
    return a, b


@settings(max_examples=40, deadline=None)
@given(shapes=matmul_shapes(), dt=st.sampled_from([np.float32, np.float64]),
       grads=st.sampled_from([(True, True), (True, False), (False, True)]))
def test_matmul_broadcasting(shapes, dt, grads):
    sa, sb = shapes
    check(lambda T, a, b: a.matmul(b), rand(*sa, dtype=dt), rand(*sb, dtype=dt),
          requires_grad=grads)


def test_matmul_seed_examples():
    a = np.array([[1, 2], [3, 4], [5, 6]])
    b = np.array([[5, 6], [7, 8]])
    expected = "tensor([[19, 22],\n        [43, 50],\n        [67, 78]])"
    for fn in (lambda T, x, y: x @ y, lambda T, x, y: T.matmul(x, y), lambda T, x, y: x.mm(y)):
        out_m, out_t = check(fn, a, b)
        assert repr(out_m) == repr(out_t) == expected
    check(lambda T, x, y: x @ y, np.array([1, 2]), np.array([3, 4]))
    check(lambda T, x, y: x @ y, np.array([1, 2]), np.array([[1, 2], [3, 4]]))
    check(lambda T, x, y: x @ y, np.ones((4, 3, 2)), np.ones((2, 5)))
    check(lambda T, x, y: x @ y, np.ones((2, 1, 3, 4)), np.ones((5, 4, 2)))


@pytest.mark.parametrize("dt", [np.int64, np.int32, np.int16, np.uint8, np.float16])
def test_matmul_keeps_dtype(dt):
    a = RNG.integers(0, 4, (2, 3)).astype(dt)
    b = RNG.integers(0, 4, (3, 2)).astype(dt)
    check(lambda T, x, y: x @ y, a, b, requires_grad=[False, False])
    check(lambda T, x, y: x @ y, a[0], b, requires_grad=[False, False])
    check(lambda T, x, y: x @ y, a, b[:, 0], requires_grad=[False, False])
    check(lambda T, x, y: x @ y, a[0], b[:, 0], requires_grad=[False, False])
    check(lambda T, x, y: x @ y, np.stack([a, a]), np.stack([b, b]), requires_grad=[False, False])


@pytest.mark.parametrize("a,b", [
    ((2, 2), (3, 2)), ((3,), (4,)), ((2, 3), (4,)), ((3,), (4, 2)), ((5, 2, 3), (4, 2)),
    ((5, 2, 3), (4, 3, 2)), ((2, 3), (5, 4, 2)), ((5, 2, 3), (5, 4, 2)), ((5, 2, 3), (4,)),
    ((3,), (5, 4, 2)), ((), ()), ((), (3,)), ((3,), ()),
])
def test_matmul_shape_errors(a, b):
    ma, ta = pair(np.ones(a, np.float32))
    mb, tb = pair(np.ones(b, np.float32))
    assert_same_error(lambda: ma @ mb, lambda: ta @ tb)


@pytest.mark.parametrize("a,b", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2)),
                                 ((5, 2, 3), (3, 2)), ((5, 2, 3), (5, 3, 2))])
@pytest.mark.parametrize("dts", [(np.float32, np.int64), (np.int64, np.float32),
                                 (np.float64, np.float32), (np.int32, np.int64),
                                 (np.float32, np.float16), (np.float32, np.bool_),
                                 (np.bool_, np.bool_), (np.float32, np.int16),
                                 (np.float32, np.int8), (np.float32, np.uint8)])
def test_matmul_dtype_errors(a, b, dts):
    ma, ta = pair(np.ones(a, dts[0]))
    mb, tb = pair(np.ones(b, dts[1]))
    assert_same_error(lambda: ma @ mb, lambda: ta @ tb)


# ---- the primitives ---------------------------------------------------------------------------
def test_mm_bmm_dot_mv():
    check(lambda T, a, b: T.mm(a, b), rand(2, 3), rand(3, 4))
    check(lambda T, a, b: a.bmm(b), rand(5, 2, 3), rand(5, 3, 4))
    check(lambda T, a, b: T.bmm(a, b), rand(5, 2, 3, dtype=np.float32),
          rand(5, 3, 4, dtype=np.float32))
    check(lambda T, a, b: T.dot(a, b), rand(4), rand(4))
    check(lambda T, a, b: a.mv(b), rand(2, 4), rand(4))
    check(lambda T, a, b: T.mm(a.t(), b), rand(3, 2), rand(3, 4))  # non-contiguous input


def test_outer():
    check(lambda T, a, b: T.outer(a, b), rand(3), rand(4))
    check(lambda T, a, b: a.outer(b), rand(3, dtype=np.float32), rand(4))  # promotes
    check(lambda T, a, b: T.ger(a, b), rand(2), rand(2))
    ma, ta = pair(np.ones((2, 1)))
    mb, tb = pair(np.ones(3))
    assert_same_error(lambda: minigrad.outer(ma, mb), lambda: torch.outer(ta, tb))
    assert_same_error(lambda: minigrad.outer(mb, ma), lambda: torch.outer(tb, ta))


@pytest.mark.parametrize("fn,a,b", [
    ("mm", (3,), (3, 2)), ("mm", (2, 3), (3,)), ("mm", (2, 3), (4, 2)), ("mm", (1, 2, 3), (3, 2)),
    ("bmm", (2, 3), (3, 2)), ("bmm", (5, 2, 3), (3, 2)), ("bmm", (5, 2, 3), (5, 4, 2)),
    ("bmm", (5, 2, 3), (4, 3, 2)), ("dot", (2, 3), (3,)), ("dot", (3,), (4,)),
    ("dot", (3,), (3, 1)), ("mv", (3,), (3,)), ("mv", (2, 3), (4,)), ("mv", (2, 3), (3, 1)),
])
def test_primitive_shape_errors(fn, a, b):
    ma, ta = pair(np.ones(a, np.float32))
    mb, tb = pair(np.ones(b, np.float32))
    assert_same_error(lambda: getattr(minigrad, fn)(ma, mb), lambda: getattr(torch, fn)(ta, tb))


@pytest.mark.parametrize("fn,a,b", [("mm", (2, 3), (3, 2)), ("bmm", (1, 2, 3), (1, 3, 2)),
                                    ("dot", (3,), (3,)), ("mv", (2, 3), (3,))])
@pytest.mark.parametrize("dts", [(np.float32, np.int64), (np.int64, np.float32),
                                 (np.bool_, np.bool_), (np.int32, np.float64)])
def test_primitive_dtype_errors(fn, a, b, dts):
    ma, ta = pair(np.ones(a, dts[0]))
    mb, tb = pair(np.ones(b, dts[1]))
    assert_same_error(lambda: getattr(minigrad, fn)(ma, mb), lambda: getattr(torch, fn)(ta, tb))


# ---- addmm (nn.Linear) ------------------------------------------------------------------------
@pytest.mark.parametrize("bias_shape", [(4,), (1, 4), (2, 4), (2, 1), ()])
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1)])
def test_addmm(bias_shape, beta, alpha):
    check(lambda T, c, a, b: T.addmm(c, a, b, beta=beta, alpha=alpha),
          rand(*bias_shape), rand(2, 3), rand(3, 4))
    check(lambda T, c, a, b: c.addmm(a, b, beta=beta, alpha=alpha),
          rand(*bias_shape, dtype=np.float32), rand(2, 3, dtype=np.float32),
          rand(3, 4, dtype=np.float32), requires_grad=[True, False, True])


def test_addmm_linear_graph_and_beta_zero_ignores_nan():
    check(lambda T, b, x, w: T.addmm(b, x, w.t()), rand(3), rand(2, 4), rand(3, 4), depth=2)
    check(lambda T, b, x, w: T.addmm(b, x, w, beta=0), np.full(3, np.nan), rand(2, 4), rand(4, 3))


@pytest.mark.parametrize("c,a,b,dts", [
    ((3,), (2, 3), (3, 3), (np.float32, np.float32, np.float32)),  # fine: no error
    ((4,), (2, 3), (3, 3), (np.float32,) * 3),
    ((3,), (2, 3), (4, 3), (np.float32,) * 3),
    ((3,), (3,), (3, 3), (np.float32,) * 3),
    ((3,), (2, 3), (3,), (np.float32,) * 3),
    ((3,), (2, 3), (3, 3), (np.float64, np.float32, np.float32)),
    ((3,), (2, 3), (3, 3), (np.float32, np.float64, np.float32)),
    ((3,), (2, 3), (3, 3), (np.float32, np.float32, np.float64)),
    ((3,), (2, 3), (3, 3), (np.int64, np.float32, np.float32)),
    ((2, 1, 3), (2, 3), (3, 3), (np.float32,) * 3),
])
def test_addmm_errors(c, a, b, dts):
    arrays = [np.ones(s, d) for s, d in zip((c, a, b), dts)]
    mg = [pair(x)[0] for x in arrays]
    th = [pair(x)[1] for x in arrays]
    if c == (3,) and a == (2, 3) and b == (3, 3) and dts == (np.float32,) * 3:
        assert_tensor_equal(minigrad.addmm(*mg), torch.addmm(*th))
        return
    assert_same_error(lambda: minigrad.addmm(*mg), lambda: torch.addmm(*th))


# ---- autograd details -------------------------------------------------------------------------
@pytest.mark.parametrize("fn,shapes", [
    (lambda T, a, b: a @ b, ((3, 4), (4, 2))),
    (lambda T, a, b: a @ b, ((2, 3, 4), (2, 4, 2))),
    (lambda T, a, b: a @ b, ((2, 3, 4), (4, 2))),
    (lambda T, a, b: a @ b, ((4,), (4, 3))),
    (lambda T, a, b: T.dot(a, b), ((4,), (4,))),
    (lambda T, a, b: T.mv(a, b), ((3, 4), (4,))),
    (lambda T, a, b: T.addmm(b[0], a, b), ((3, 4), (4, 4))),
    (lambda T, a, b: T.outer(a, b), ((3,), (4,))),
])
def test_double_backward(fn, shapes):
    arrays = [rand(*s) for s in shapes]
    results = []
    for lib in (minigrad, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = fn(lib, *xs)
        grads = lib.autograd.grad((y * y).sum(), xs, create_graph=True)
        total = sum((g * g).sum() for g in grads)
        second = lib.autograd.grad(total, xs)
        results.append([g.detach().numpy() for g in grads] + [g.numpy() for g in second])
    for m, t in zip(*results):
        np.testing.assert_allclose(m, t, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("fn,shapes", [
    (lambda a, b: a @ b, ((3, 4), (4, 2))),
    (lambda a, b: a @ b, ((2, 1, 3, 4), (3, 4, 2))),
    (lambda a, b: a @ b, ((2, 3, 4), (4,))),
    (lambda a, b: a @ b, ((4,), (2, 4, 3))),
    (lambda a, b: a @ b, ((3, 4), (2, 4, 3))),
    (lambda a, b: minigrad.dot(a, b), ((4,), (4,))),
    (lambda a, b: minigrad.addmm(b[:, 0], a, b, beta=0.5, alpha=-2.0), ((3, 4), (4, 4))),
])
def test_finite_differences(fn, shapes):
    fd_check(fn, [rand(*s) for s in shapes])


def test_modified_saved_operand_is_detected():
    def run(lib):
        x = lib.tensor(rand(2, 3), requires_grad=True)
        w = lib.tensor(rand(3, 2), requires_grad=True) * 1
        y = x @ w
        w.add_(1)
        y.sum().backward()
    assert_same_error(lambda: run(minigrad), lambda: run(torch))


def test_no_graph_without_grad():
    a, b = minigrad.ones(2, 3), minigrad.ones(3, 2)
    assert (a @ b).grad_fn is None
    with minigrad.no_grad():
        x = minigrad.ones(2, 3, requires_grad=True)
        y = x @ b
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                                    ((3,), (5, 3, 2)), ((5, 2, 3), (3, 4))])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_matmul_result_version(shapes, requires_grad):
    """1-D @ 2-D squeezes the mm result in place in torch: the result starts at version 1, which
    shows in the modified-saved-tensor message."""
    def run(lib):
        a, b = (lib.tensor(rand(*s), requires_grad=requires_grad) for s in shapes)
        out = a @ b
        version = out._version
        y = out.sin()  # saves out
        with lib.no_grad():
            out.add_(1)
        if requires_grad:
            y.sum().backward()
        return version
    if requires_grad:
        assert_same_error(lambda: run(minigrad), lambda: run(torch))
    else:
        assert run(minigrad) == run(torch)


@pytest.mark.parametrize("op", ["dot", "mv", "mm", "bmm", "addmm", "matmul_2d_3d"])
@pytest.mark.parametrize("which", [0, 1])
def test_only_the_operand_backward_reads_is_saved(op, which):
    """torch saves b only for a's gradient and a only for b's: modifying in place the operand
    whose gradient is computed (no backward reads it) is no error."""
    shapes = {"dot": ((3,), (3,)), "mv": ((2, 3), (3,)), "mm": ((2, 3), (3, 4)),
              "bmm": ((2, 2, 3), (2, 3, 4)), "addmm": ((2, 3), (3, 4)),
              "matmul_2d_3d": ((2, 3), (5, 3, 4))}[op]

    arrays = [rand(*s) for s in shapes]

    def run(lib):
        leaves = [lib.tensor(v, requires_grad=(i == which)) for i, v in enumerate(arrays)]
        a, b = [x * 1 if x.requires_grad else x.clone() for x in leaves]
        if op == "addmm":
            out = lib.addmm(lib.zeros(2, 4), a, b)
        elif op == "matmul_2d_3d":
            out = a @ b
        else:
            out = getattr(lib, op)(a, b)
        (a if which == 0 else b).mul_(2)   # the operand whose gradient is computed: not read
        out.sum().backward()
        return leaves[which].grad
    compare_result_or_error(run)


SIGNED_ZERO_PRODUCTS = {
    "mm": lambda L, z: z.reshape(3, 1) @ L.ones(1, 2, dtype=z.dtype),
    "addmm": lambda L, z: L.addmm(L.full((3, 2), -0.0, dtype=z.dtype), z.reshape(3, 1),
                                  L.ones(1, 2, dtype=z.dtype)),
    "addmm_alpha": lambda L, z: L.addmm(L.zeros(3, 2, dtype=z.dtype), z.reshape(3, 1),
                                        -L.ones(1, 2, dtype=z.dtype), alpha=2, beta=0),
    "matmul_3d": lambda L, z: L.matmul(z.reshape(1, 3, 1), L.ones(1, 2, dtype=z.dtype)),
    "linear": lambda L, z: L.nn.functional.linear(z.reshape(3, 1), L.ones(2, 1, dtype=z.dtype),
                                                  L.full((2,), -0.0, dtype=z.dtype)),
    "bmm": lambda L, z: L.bmm(z.reshape(1, 3, 1), L.ones(1, 1, 2, dtype=z.dtype)),
    "mv": lambda L, z: L.mv(z.reshape(3, 1), L.ones(1, dtype=z.dtype)),
    "dot": lambda L, z: L.dot(z[:1], L.ones(1, dtype=z.dtype)),
    "mm_two_columns": lambda L, z: L.stack([z, z], 1) @ L.ones(2, 2, dtype=z.dtype),
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("op", SIGNED_ZERO_PRODUCTS)
def test_signed_zeros_of_single_products_as_torch(op, dtype):
    """A product over one column is the product itself in torch's mm and addmm (-0.0 stays,
    and prints as -0.); bmm, mv, dot, float16 and longer sums start from +0.0."""
    def run(L):
        z = L.tensor([-0.0, 0.0, -0.0], dtype=getattr(L, dtype))
        out = SIGNED_ZERO_PRODUCTS[op](L, z)
        return np.signbit(np.asarray(out.detach().float())).tolist(), repr(out)
    assert run(minigrad) == run(torch)
