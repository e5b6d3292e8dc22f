"""torch.linalg and torch's classic matrix functions (det, inverse, svd, cholesky, ...) against
real torch: values, grad_fn names, gradients (first and second order), finite differences and
errors. LAPACK results agree to rounding, not bit for bit: float32 within 1e-4 relative,
float64 within 1e-9. Eigenvectors and singular vectors are compared through quantities that do
not depend on their signs (U * U, U @ Vh, V diag(L) V^T)."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_same_error, catch, fd_check

TOL = {np.float32: (2e-4, 2e-5), np.float64: (1e-9, 1e-11)}


def well_conditioned(rng, shape, dtype=np.float64):
    """Square matrices (batch allowed) with singular values kept away from 0."""
    n = shape[-1]
    return (rng.standard_normal(shape) + n * np.eye(n)).astype(dtype)


def rand(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def spd(lib, x):
    """A symmetric positive-definite matrix made from x (so gradients flow through x)."""
    n = x.shape[-1]
    return x @ x.mT + n * lib.eye(n, dtype=x.dtype)


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def run_both(fn, arrays, grad=True, second=False):
    """fn(lib, *tensors) in both libraries: same values, grad_fn names and input gradients
    (``second``: and the gradients of those gradients)."""
    dtype = arrays[0].dtype.type
    rtol, atol = TOL[dtype]
    ins = {lib: [lib.from_numpy(a.copy()).requires_grad_(grad and a.dtype.kind == "f")
                 for a in arrays] for lib in (minigrad, torch)}
    outs = {lib: _flat(fn(lib, *ins[lib])) for lib in (minigrad, torch)}
    assert len(outs[minigrad]) == len(outs[torch])
    rng = np.random.default_rng(5)
    cots = []
    for m, t in zip(outs[minigrad], outs[torch]):
        assert tuple(m.shape) == tuple(t.shape) and str(m.dtype) == str(t.dtype), (m, t)
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
        assert type(m.grad_fn).__name__ == type(t.grad_fn).__name__
        cots.append(rng.standard_normal(tuple(t.shape)).astype(dtype))
    if not grad:
        return
    live = [k for k, t in enumerate(outs[torch]) if t.requires_grad]
    grads = {}
    for lib in (minigrad, torch):
        leaves = [x for x in ins[lib] if x.requires_grad]
        grads[lib] = lib.autograd.grad([outs[lib][k] for k in live], leaves,
                                       [lib.from_numpy(cots[k].copy()) for k in live],
                                       create_graph=second, allow_unused=True)
    for gm, gt in zip(grads[minigrad], grads[torch]):
        assert (gm is None) == (gt is None)
        if gt is not None:
            np.testing.assert_allclose(gm.detach().numpy(), gt.detach().numpy(),
                                       rtol=rtol * 10, atol=atol * 10)
    if second:
        for lib in (minigrad, torch):
            leaves = [x for x in ins[lib] if x.requires_grad]
            for x in leaves:
                x.grad = None
            total = sum((g * g).sum() for g in grads[lib] if g is not None and g.requires_grad)
            total.backward()
        for xm, xt in zip(ins[minigrad], ins[torch]):
            if xt.grad is not None:
                np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-8,
                                           atol=1e-10)


# ---- the cases: name -> (fn(lib, *tensors), [input makers(rng, batch, dtype)]) --------------
def sq(n):
    return lambda rng, batch, dt: well_conditioned(rng, batch + (n, n), dt)


def mat(m, n):
    return lambda rng, batch, dt: rand(rng, batch + (m, n), dt)


def tri(n, upper):
    return lambda rng, batch, dt: (np.triu if upper else np.tril)(well_conditioned(
        rng, batch + (n, n), dt))


def _eigh(lib, x):
    values, vectors = lib.linalg.eigh(spd(lib, x))
    return values, vectors * vectors, (vectors * values.unsqueeze(-2)) @ vectors.mT


def _svd(lib, a):
    u, s, vh = lib.linalg.svd(a, full_matrices=False)
    return s, u * u, vh * vh, u @ vh


def _svd_full(lib, a):
    u, s, vh = lib.linalg.svd(a)
    k = s.shape[-1]
    return s, (u[..., :k] * s.unsqueeze(-2)) @ vh[..., :k, :]


def _torch_svd(lib, a):
    u, s, v = lib.svd(a)
    return s, u @ v.mT


def _qr(lib, a):
    q, r = lib.linalg.qr(a)
    sign = r.diagonal(0, -2, -1).sign()   # LAPACKs may choose other signs: normalise them
    return q * sign.unsqueeze(-2), r * sign.unsqueeze(-1)


def _qr_complete(lib, a):
    q, r = lib.linalg.qr(a, mode="complete")
    return q @ r, q.mT @ q


CASES = {
    "solve": (lambda lib, a, b: lib.linalg.solve(a, b), [sq(3), mat(3, 2)]),
    "solve_vector": (lambda lib, a, b: lib.linalg.solve(a, b[..., 0]), [sq(3), mat(3, 1)]),
    "solve_right": (lambda lib, a, b: lib.linalg.solve(a, b.mT, left=False), [sq(3), mat(3, 2)]),
    "solve_broadcast": (lambda lib, a, b: lib.linalg.solve(a, b),
                        [lambda rng, batch, dt: well_conditioned(rng, batch + (2, 3, 3), dt),
                         mat(3, 2)]),
    "inv": (lambda lib, a: lib.linalg.inv(a), [sq(4)]),
    "inverse": (lambda lib, a: lib.inverse(a), [sq(3)]),
    "inv_ex": (lambda lib, a: lib.linalg.inv_ex(a), [sq(3)]),
    "det": (lambda lib, a: lib.linalg.det(a), [sq(4)]),
    "det_method": (lambda lib, a: a.det(), [sq(2)]),
    "slogdet": (lambda lib, a: lib.linalg.slogdet(-a), [sq(3)]),
    "torch_slogdet": (lambda lib, a: lib.slogdet(a), [sq(3)]),
    "logdet": (lambda lib, x: lib.logdet(spd(lib, x)), [mat(3, 3)]),
    "cholesky": (lambda lib, x: lib.linalg.cholesky(spd(lib, x)), [mat(3, 3)]),
    "cholesky_upper": (lambda lib, x: lib.linalg.cholesky(spd(lib, x), upper=True), [mat(3, 3)]),
    "cholesky_ex": (lambda lib, x: lib.linalg.cholesky_ex(spd(lib, x)), [mat(4, 4)]),
    "eigh": (_eigh, [mat(4, 4)]),
    "eigh_upper": (lambda lib, x: lib.linalg.eigh(spd(lib, x), UPLO="U")[0], [mat(3, 3)]),
    "eigvalsh": (lambda lib, x: lib.linalg.eigvalsh(spd(lib, x)), [mat(4, 4)]),
    "svd_tall": (_svd, [mat(5, 3)]),
    "svd_wide": (_svd, [mat(3, 5)]),
    "svd_square": (_svd, [mat(4, 4)]),
    "svd_full": (_svd_full, [mat(4, 3)]),
    "torch_svd": (_torch_svd, [mat(4, 3)]),
    "svdvals": (lambda lib, a: lib.linalg.svdvals(a), [mat(3, 5)]),
    "qr_tall": (_qr, [mat(5, 3)]),
    "qr_square": (_qr, [mat(3, 3)]),
    "qr_wide": (_qr, [mat(3, 5)]),
    "qr_complete_wide": (_qr_complete, [mat(3, 4)]),
    "pinv_tall": (lambda lib, a: lib.linalg.pinv(a), [mat(5, 3)]),
    "pinv_wide": (lambda lib, a: lib.linalg.pinv(a), [mat(3, 5)]),
    "pinv_hermitian": (lambda lib, x: lib.linalg.pinv(spd(lib, x), hermitian=True), [mat(3, 3)]),
    "pinverse": (lambda lib, a: lib.pinverse(a), [mat(4, 2)]),
    "lstsq": (lambda lib, a, b: lib.linalg.lstsq(a, b), [mat(5, 3), mat(5, 2)]),
    "lstsq_gelsd": (lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelsd")[:2],
                    [mat(5, 3), mat(5, 2)]),
    "lstsq_gels": (lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gels")[:3:2],
                   [mat(5, 3), mat(5, 2)]),
    "lstsq_gels_wide": (lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gels").solution,
                        [mat(2, 4), mat(2, 2)]),
    "lstsq_gelss_wide": (lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelss")[::2],
                         [mat(2, 4), mat(2, 2)]),
    "lstsq_vector": (lambda lib, a, b: lib.linalg.lstsq(a, b[..., 0]).solution,
                     [mat(5, 3), mat(5, 1)]),
    "matrix_rank": (lambda lib, a: lib.linalg.matrix_rank(a @ a.mT), [mat(4, 2)]),
    "matrix_power_3": (lambda lib, a: lib.linalg.matrix_power(a, 3), [sq(3)]),
    "matrix_power_5": (lambda lib, a: lib.linalg.matrix_power(a, 5) / 100, [sq(3)]),
    "matrix_power_neg": (lambda lib, a: lib.linalg.matrix_power(a, -2), [sq(3)]),
    "matrix_power_1": (lambda lib, a: a.matrix_power(1), [sq(3)]),
    "matrix_power_0": (lambda lib, a: lib.linalg.matrix_power(a, 0), [sq(3)]),
    "svd_values_only": (lambda lib, a: lib.svd(a, compute_uv=False), [mat(4, 3)]),
    "matrix_exp": (lambda lib, a: lib.linalg.matrix_exp(a / 4), [mat(3, 3)]),
    "matrix_exp_big": (lambda lib, a: lib.matrix_exp(a * 2), [mat(4, 4)]),
    "cross": (lambda lib, a, b: lib.linalg.cross(a, b), [mat(4, 3), mat(4, 3)]),
    "torch_cross": (lambda lib, a, b: lib.cross(a, b, dim=-1), [mat(2, 3), mat(1, 3)]),
    "multi_dot": (lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]),
                  [mat(2, 3), mat(3, 5), mat(5, 2)]),
    "multi_dot_vectors": (lambda lib, a, b, c: lib.linalg.multi_dot([a[0], b, c[:, 0]]),
                          [mat(2, 3), mat(3, 4), mat(4, 2)]),
    "vecdot": (lambda lib, a, b: lib.linalg.vecdot(a, b), [mat(3, 4), mat(3, 4)]),
    "tensordot": (lambda lib, a, b: lib.tensordot(a, b, dims=([1], [0])), [mat(3, 4), mat(4, 2)]),
    "solve_triangular": (lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True),
                         [tri(3, True), mat(3, 2)]),
    "solve_triangular_right": (lambda lib, a, b: lib.linalg.solve_triangular(
        a, b, upper=False, left=False), [tri(3, False), mat(2, 3)]),
    "solve_triangular_unit": (lambda lib, a, b: lib.linalg.solve_triangular(
        a, b, upper=False, unitriangular=True), [mat(3, 3), mat(3, 2)]),
    "triangular_solve": (lambda lib, a, b: lib.triangular_solve(b, a, upper=False, transpose=True),
                         [tri(3, False), mat(3, 2)]),
    "cholesky_solve": (lambda lib, x, b: lib.cholesky_solve(b, lib.linalg.cholesky(spd(lib, x))),
                       [mat(3, 3), mat(3, 2)]),
    "cholesky_inverse": (lambda lib, x: lib.cholesky_inverse(lib.linalg.cholesky(spd(lib, x))),
                         [mat(3, 3)]),
    "matrix_norm_nuc": (lambda lib, a: lib.linalg.matrix_norm(a, "nuc"), [mat(3, 4)]),
    "matrix_norm_2": (lambda lib, a: lib.linalg.matrix_norm(a, 2), [mat(3, 4)]),
    "matrix_norm_-2": (lambda lib, a: lib.linalg.matrix_norm(a, -2, keepdim=True), [mat(3, 4)]),
    "matrix_norm_1": (lambda lib, a: lib.linalg.matrix_norm(a, 1), [mat(3, 4)]),
    "matrix_norm_-inf": (lambda lib, a: lib.linalg.matrix_norm(a, -float("inf"), keepdim=True),
                         [mat(3, 4)]),
    "matrix_norm_fro": (lambda lib, a: lib.linalg.matrix_norm(a), [mat(3, 4)]),
    "norm_inf_dims": (lambda lib, a: lib.linalg.norm(a, float("inf"), dim=(-1, -2)), [mat(3, 4)]),
    "norm_vector": (lambda lib, a: lib.linalg.norm(a[..., 0, :], 3), [mat(2, 4)]),
    "vector_norm": (lambda lib, a: lib.linalg.vector_norm(a, 1, dim=-1, keepdim=True),
                    [mat(2, 4)]),
    "cond": (lambda lib, a: lib.linalg.cond(a), [sq(3)]),
    "torch_norm_nuc": (lambda lib, a: lib.norm(a, "nuc"), [mat(3, 4)]),
    "tensorinv": (lambda lib, a: lib.linalg.tensorinv(a.reshape(4, 2, 2), ind=1), [sq(4)]),
    "tensorsolve": (lambda lib, a, b: lib.linalg.tensorsolve(a.reshape(2, 3, 6), b.reshape(2, 3)),
                    [sq(6), mat(6, 1)]),
    "tensorsolve_dims": (lambda lib, a, b: lib.linalg.tensorsolve(
        a.reshape(6, 2, 3), b.reshape(2, 3), dims=(0,)), [sq(6), mat(6, 1)]),
    "vander": (lambda lib, x: lib.linalg.vander(x[..., 0, :], N=4), [mat(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_case_matches_torch(name, dtype):
    fn, makers = CASES[name]
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    run_both(fn, [make(rng, (), dtype) for make in makers])


BATCHED = ["solve", "solve_vector", "solve_right", "inv", "det", "slogdet", "cholesky", "eigh",
           "svd_tall", "svd_wide", "qr_tall", "qr_wide", "pinv_tall", "lstsq", "matrix_exp",
           "solve_triangular", "cholesky_solve", "matrix_norm_2", "matrix_norm_1",
           "matrix_power_5"]


@settings(max_examples=12, deadline=None)
@given(name=st.sampled_from(BATCHED), batch=st.lists(st.integers(1, 3), max_size=2),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**16))
def test_batches_match_torch(name, batch, dtype, seed):
    fn, makers = CASES[name]
    rng = np.random.default_rng(seed)
    run_both(fn, [make(rng, tuple(batch), dtype) for make in makers])


SECOND_ORDER = ["solve", "inv", "det", "slogdet", "cholesky", "eigh", "svd_tall", "qr_tall",
                "pinv_wide", "lstsq", "matrix_exp", "cross", "solve_triangular",
                "triangular_solve", "cholesky_solve", "cholesky_inverse"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_order_matches_torch(name):
    fn, makers = CASES[name]
    rng = np.random.default_rng(7)
    run_both(fn, [make(rng, (), np.float64) for make in makers], second=True)


FD = ["solve", "det", "slogdet", "cholesky_upper", "eigh", "svd_wide", "qr_wide", "qr_tall",
      "pinv_tall", "lstsq", "matrix_exp_big", "cholesky_inverse", "solve_triangular_right"]


@pytest.mark.parametrize("name", FD)
def test_gradients_match_finite_differences(name):
    fn, makers = CASES[name]
    rng = np.random.default_rng(11)

    def scalar(*xs):
        return sum((o * (k + 1.5)).sum() for k, o in enumerate(_flat(fn(minigrad, *xs)))
                   if o.dtype == minigrad.float64)
    fd_check(lambda *xs: scalar(*xs), [make(rng, (2,), np.float64) for make in makers],
             rtol=1e-5, atol=1e-7)


def test_det_of_singular_matrices_gives_the_cofactor_gradient():
    a = np.array([[[1.0, 2, 3], [2, 4, 6], [1, 1, 1]], [[2.0, 0, 0], [0, 3, 0], [0, 0, 0]],
                  [[1.0, 2, 0], [3, 1, 0], [0, 0, 0]]])
    run_both(lambda lib, x: lib.linalg.det(x), [a])


def test_named_tuples_and_methods():
    a = well_conditioned(np.random.default_rng(0), (3, 3))
    for lib in (minigrad, torch):
        x = lib.from_numpy(a.copy())
        u, s, vh = lib.linalg.svd(x)
        assert lib.linalg.svd(x).Vh is not None and type(lib.linalg.svd(x)).__name__ == \
            "linalg_svd"
        assert type(lib.linalg.eigh(x + x.mT)).__name__ == "linalg_eigh"
        assert lib.linalg.qr(x).R.shape == (3, 3)
        assert lib.slogdet(x).logabsdet.shape == ()
        assert type(lib.svd(x)).__name__ == "svd" and lib.svd(x).V.shape == (3, 3)
        assert lib.linalg.lstsq(x, x).solution.shape == (3, 3)
    q_m = minigrad.linalg.qr(minigrad.from_numpy(a), mode="r")
    q_t = torch.linalg.qr(torch.from_numpy(a), mode="r")
    assert tuple(q_m.Q.shape) == tuple(q_t.Q.shape) == (0,)
    x = minigrad.from_numpy(a)
    for name in ("det", "logdet", "inverse", "pinverse", "matrix_exp"):
        np.testing.assert_allclose(getattr(x, name)().numpy(),
                                   getattr(torch.from_numpy(a), name)().numpy(), rtol=1e-9)


# ---- errors ---------------------------------------------------------------------------------
SINGULAR = [[1.0, 2, 3], [2, 4, 6], [1, 1, 1]]
NOT_PD = [[1.0, 2, 3], [2, 4, 6], [3, 6, 1]]
ERRORS = [
    lambda lib: lib.linalg.inv(lib.tensor(SINGULAR)),
    lambda lib: lib.linalg.inv(lib.stack([lib.eye(3), lib.tensor(SINGULAR)])),
    lambda lib: lib.linalg.inv(lib.tensor([[1.0, 0, 0], [0, 1, 0], [0, 0, 0]])),
    lambda lib: lib.linalg.inv(lib.ones(2, 3)),
    lambda lib: lib.linalg.inv(lib.ones(3)),
    lambda lib: lib.linalg.inv(lib.ones(3, 3, dtype=lib.int64)),
    lambda lib: lib.inverse(lib.tensor(SINGULAR)),
    lambda lib: lib.linalg.solve(lib.tensor(SINGULAR), lib.ones(3)),
    lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(4)),
    lambda lib: lib.linalg.solve(lib.eye(3).expand(2, 3, 3), lib.ones(3, 3, 2)),
    lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(3, 2, dtype=lib.float64)),
    lambda lib: lib.linalg.det(lib.ones(2, 3)),
    lambda lib: lib.linalg.det(lib.ones(3, 3, dtype=lib.int64)),
    lambda lib: lib.linalg.cholesky(lib.tensor(NOT_PD)),
    lambda lib: lib.linalg.cholesky(lib.stack([lib.eye(3), -lib.eye(3)])),
    lambda lib: lib.linalg.cholesky(lib.ones(2, 3)),
    lambda lib: lib.linalg.eigh(lib.ones(2, 3)),
    lambda lib: lib.linalg.eigh(lib.ones(3, 3, dtype=lib.int64)),
    lambda lib: lib.linalg.eigvalsh(lib.eye(3), UPLO="X"),
    lambda lib: lib.linalg.svd(lib.ones(3, 3, dtype=lib.int64)),
    lambda lib: lib.linalg.svd(lib.ones(3)),
    lambda lib: lib.linalg.qr(lib.ones(3)),
    lambda lib: lib.linalg.qr(lib.ones(3, 3), mode="x"),
    lambda lib: lib.linalg.lstsq(lib.ones(3, 2), lib.ones(4, 2)),
    lambda lib: lib.linalg.lstsq(lib.ones(3, 2), lib.ones(3, 1), driver="foo"),
    lambda lib: lib.linalg.pinv(lib.ones(3)),
    lambda lib: lib.linalg.matrix_power(lib.ones(2, 3), 2),
    lambda lib: lib.linalg.matrix_power(lib.tensor(SINGULAR), -1),
    lambda lib: lib.linalg.cross(lib.ones(2, 4), lib.ones(2, 4)),
    lambda lib: lib.linalg.cross(lib.ones(2, 3), lib.ones(4, 3)),
    lambda lib: lib.linalg.multi_dot([lib.ones(2, 3)]),
    lambda lib: lib.linalg.multi_dot([lib.ones(2, 3), lib.ones(4, 3)]),
    lambda lib: lib.linalg.matrix_norm(lib.ones(3)),
    lambda lib: lib.linalg.matrix_norm(lib.ones(3, 3), 3),
    lambda lib: lib.linalg.vector_norm(lib.ones(3, dtype=lib.int64)),
    lambda lib: lib.linalg.vector_norm(lib.ones(3, dtype=lib.float64), dtype=lib.float32),
    lambda lib: lib.linalg.norm(lib.ones(3, 3, 3), 2),
    lambda lib: lib.linalg.norm(lib.ones(3), "fro"),
    lambda lib: lib.linalg.matrix_exp(lib.ones(2, 3)),
    lambda lib: lib.tensordot(lib.ones(2, 3), lib.ones(4, 3), dims=1),
    lambda lib: lib.linalg.vecdot(lib.ones(2, 3), lib.ones(4, 3)),
    lambda lib: lib.linalg.tensorinv(lib.ones(4, 3), ind=1),
    lambda lib: lib.linalg.tensorinv(lib.ones(4, 2, 2), ind=0),
    lambda lib: lib.linalg.tensorsolve(lib.ones(2, 3, 5), lib.ones(2, 3)),
    lambda lib: lib.linalg.vander(lib.tensor(1.0)),
    lambda lib: lib.linalg.vander(lib.ones(3), N=1),
    *[(lambda lib, call=call: call(lib, lib.eye(3, dtype=lib.float16)))   # float16: refused
      for call in (lambda lib, e: lib.linalg.solve(e, e), lambda lib, e: lib.linalg.inv(e),
                   lambda lib, e: lib.inverse(e), lambda lib, e: lib.linalg.det(e),
                   lambda lib, e: lib.linalg.slogdet(e), lambda lib, e: lib.linalg.eigh(e),
                   lambda lib, e: lib.linalg.qr(e), lambda lib, e: lib.linalg.svd(e),
                   lambda lib, e: lib.linalg.svdvals(e), lambda lib, e: lib.linalg.cholesky(e),
                   lambda lib, e: lib.cholesky_solve(e, e), lambda lib, e: lib.cholesky_inverse(e),
                   lambda lib, e: lib.linalg.solve_triangular(e, e, upper=True),
                   lambda lib, e: lib.linalg.lstsq(e, e), lambda lib, e: lib.linalg.pinv(e),
                   lambda lib, e: lib.linalg.matrix_rank(e),
                   lambda lib, e: lib.linalg.matrix_norm(e, 2))],
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors_match_torch(k):
    assert_same_error(lambda: ERRORS[k](minigrad), lambda: ERRORS[k](torch))


def test_linalg_error_is_torchs_class():
    with pytest.raises(minigrad.linalg.LinAlgError):
        minigrad.linalg.inv(minigrad.zeros(2, 2))
    assert issubclass(minigrad.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("fn", [
    lambda lib, a: lib.linalg.qr(a, mode="r")[1].sum(),
    lambda lib, a: lib.linalg.qr(a, mode="complete")[0].sum(),
])
def test_qr_backward_errors_match_torch(fn):
    a = rand(np.random.default_rng(1), (4, 3))

    def go(lib):
        fn(lib, lib.from_numpy(a.copy()).requires_grad_()).backward()
    assert_same_error(lambda: go(minigrad), lambda: go(torch))


def test_cholesky_ex_and_inv_ex_report_info_as_torch():
    for lib in (minigrad, torch):
        x = lib.tensor([NOT_PD, np.eye(3).tolist()])
        assert lib.linalg.cholesky_ex(x).info.tolist() == [2, 0]
        assert lib.linalg.cholesky_ex(x).info.dtype == lib.int32
        y = lib.tensor([np.eye(3).tolist(), SINGULAR])
        assert lib.linalg.inv_ex(y).info.tolist() == [0, 3]
    m = minigrad.linalg.cholesky_ex(minigrad.tensor(NOT_PD)).L
    t = torch.linalg.cholesky_ex(torch.tensor(NOT_PD)).L
    np.testing.assert_allclose(m.numpy(), t.numpy())


@pytest.mark.parametrize("call", [
    lambda lib, a, b: lib.triangular_solve(b, a)[0],
    lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True),
])
def test_triangular_forward_mode_ignores_the_other_triangle(call):
    """A tangent in the triangle the op does not read changes nothing (finite differences);
    torch's forward formula for triangular_solve counts it."""
    import minigrad.autograd.forward_ad as fwad
    rng = np.random.default_rng(0)
    b, tb = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    a, ta = np.triu(rng.standard_normal((3, 3))) + 3 * np.eye(3), rng.standard_normal((3, 3))
    with fwad.dual_level():
        duals = [fwad.make_dual(minigrad.from_numpy(x.copy()), minigrad.from_numpy(t.copy()))
                 for x, t in ((a, ta), (b, tb))]
        tangent = fwad.unpack_dual(call(minigrad, *duals)).tangent.numpy()
    eps = 1e-6
    plus, minus = (call(minigrad, minigrad.from_numpy(a + s * eps * ta),
                        minigrad.from_numpy(b + s * eps * tb)).numpy() for s in (1, -1))
    np.testing.assert_allclose(tangent, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-8)


def test_cholesky_inverse_forward_mode_matches_finite_differences():
    """With a full triangular factor (torch's own forward formula differs from the finite
    differences there; minigrad's tangent is the transposed VJP, which agrees with them)."""
    import minigrad.autograd.forward_ad as fwad
    rng = np.random.default_rng(0)
    a = np.tril(rng.standard_normal((3, 3))) + 3 * np.eye(3)
    t = np.tril(rng.standard_normal((3, 3)))
    with fwad.dual_level():
        dual = fwad.make_dual(minigrad.from_numpy(a.copy()), minigrad.from_numpy(t.copy()))
        tangent = fwad.unpack_dual(minigrad.cholesky_inverse(dual)).tangent.numpy()
    eps = 1e-6
    plus, minus = (minigrad.cholesky_inverse(minigrad.from_numpy(a + s * eps * t)).numpy()
                   for s in (1, -1))
    np.testing.assert_allclose(tangent, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-8)


OUT_CALLS = [
    lambda lib, a, o: lib.linalg.inv(a, out=o()),
    lambda lib, a, o: lib.linalg.solve(a, a[0], out=o()),
    lambda lib, a, o: lib.linalg.det(a, out=o()),
    lambda lib, a, o: lib.linalg.svd(a, out=(o(), o(), o())).S,
    lambda lib, a, o: lib.linalg.eigh(a + a.mT, out=(o(), o())).eigenvalues,
    lambda lib, a, o: lib.linalg.cholesky(a @ a.mT, out=o()),
    lambda lib, a, o: lib.linalg.vector_norm(a, out=o()),
    lambda lib, a, o: lib.linalg.matrix_norm(a, "nuc", out=o()),
    lambda lib, a, o: lib.linalg.multi_dot([a, a, a], out=o()),
    lambda lib, a, o: lib.inverse(a, out=o()),
    lambda lib, a, o: lib.cholesky_inverse(a.tril(), out=o()),
    lambda lib, a, o: lib.tensordot(a, a, out=o()),
]


@pytest.mark.parametrize("k", range(len(OUT_CALLS)))
def test_out_matches_torch(k):
    """out=: written in place and returned; refused when an input requires grad (naming
    torch's op), or when out has another dtype."""
    a = well_conditioned(np.random.default_rng(k), (3, 3), np.float32)
    got = {}
    for lib in (minigrad, torch):
        held = []

        def empty(lib=lib, held=held):
            held.append(lib.empty(0))
            return held[-1]
        result = OUT_CALLS[k](lib, lib.from_numpy(a.copy()), empty)
        assert any(result is t for t in held)
        got[lib] = result.numpy()
    np.testing.assert_allclose(got[minigrad], got[torch], rtol=1e-4, atol=1e-5)

    def with_grad(lib):   # torch's composites (matrix_norm, tensordot) compute it anyway
        out = OUT_CALLS[k](lib, lib.from_numpy(a.copy()).requires_grad_(), lambda: lib.empty(0))
        return out.detach().numpy()
    if catch(lambda: with_grad(torch))[0] is None:
        np.testing.assert_allclose(with_grad(minigrad), with_grad(torch), rtol=1e-4, atol=1e-5)
    else:
        assert_same_error(lambda: with_grad(minigrad), lambda: with_grad(torch))


def test_out_of_another_dtype_is_refused_as_torch():
    def go(lib):
        return lib.linalg.inv(lib.eye(3), out=lib.empty(3, 3, dtype=lib.float64))
    assert_same_error(lambda: go(minigrad), lambda: go(torch))


LAYOUTS = {   # torch hands LAPACK's results back column-major per matrix
    "inv": lambda lib, a, s, r, b: lib.linalg.inv(a),
    "solve": lambda lib, a, s, r, b: lib.linalg.solve(a, b),
    "solve_right": lambda lib, a, s, r, b: lib.linalg.solve(a, b.mT, left=False),
    "cholesky": lambda lib, a, s, r, b: lib.linalg.cholesky(s),
    "cholesky_upper": lambda lib, a, s, r, b: lib.linalg.cholesky(s, upper=True),
    "eigh": lambda lib, a, s, r, b: lib.linalg.eigh(s),
    "svd": lambda lib, a, s, r, b: lib.linalg.svd(r),
    "svd_reduced": lambda lib, a, s, r, b: lib.linalg.svd(r, full_matrices=False),
    "torch_svd": lambda lib, a, s, r, b: lib.svd(r),
    "qr": lambda lib, a, s, r, b: lib.linalg.qr(r),
    "solve_triangular": lambda lib, a, s, r, b: lib.linalg.solve_triangular(a, b, upper=True),
    "triangular_solve": lambda lib, a, s, r, b: lib.triangular_solve(b, a),
    "cholesky_solve": lambda lib, a, s, r, b: lib.cholesky_solve(b, lib.linalg.cholesky(s)),
    "cholesky_inverse": lambda lib, a, s, r, b: lib.cholesky_inverse(lib.linalg.cholesky(s)),
    "pinv": lambda lib, a, s, r, b: lib.linalg.pinv(r),
    "matrix_exp": lambda lib, a, s, r, b: lib.linalg.matrix_exp(a),
    "inv_reshaped": lambda lib, a, s, r, b: lib.linalg.inv(a.requires_grad_()).reshape(2, 9),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_results_have_torchs_layout(name):
    rng = np.random.default_rng(3)
    a, r, b = well_conditioned(rng, (2, 3, 3)), rand(rng, (2, 4, 3)), rand(rng, (2, 3, 2))
    s = a @ np.swapaxes(a, -1, -2)
    got = {lib: _flat(LAYOUTS[name](lib, *(lib.from_numpy(x.copy()) for x in (a, s, r, b))))
           for lib in (minigrad, torch)}
    for m, t in zip(got[minigrad], got[torch]):
        assert m.stride() == t.stride() and m.is_contiguous() == t.is_contiguous()
        assert type(m.grad_fn).__name__ == type(t.grad_fn).__name__
