"""Forward-mode cases of the matrix ops (torch.linalg, torch.det, ...): well-conditioned
matrices are built inside each case from the drawn inputs, and eigen/singular vectors enter
only through sign-free quantities (V * V, U @ Vh)."""
from forward_cases import Case

SQ = ((3, 3),)


def _well(lib, x):
    return x + 3 * lib.eye(x.shape[-1], dtype=x.dtype)


def _spd(lib, x):
    return x @ x.mT + 3 * lib.eye(x.shape[-1], dtype=x.dtype)


def _eigh(lib, x):
    values, vectors = lib.linalg.eigh(_spd(lib, x))
    return values, vectors * vectors


def _svd(lib, x):
    u, s, vh = lib.linalg.svd(x, full_matrices=False)
    return s, u @ vh


def _qr(lib, x):
    q, r = lib.linalg.qr(x)
    sign = r.diagonal(0, -2, -1).sign()
    return q * sign.unsqueeze(-2), r * sign.unsqueeze(-1)


LINALG_CASES = [
    Case("linalg_solve", lambda lib, a, b: lib.linalg.solve(_well(lib, a), b), ("anywhere",) * 2,
         ((3, 3), (3, 2))),
    Case("linalg_inv", lambda lib, a: lib.linalg.inv(_well(lib, a)), shapes=SQ),
    Case("linalg_det", lambda lib, a: lib.linalg.det(_well(lib, a)), shapes=SQ),
    Case("linalg_slogdet", lambda lib, a: lib.linalg.slogdet(_well(lib, a)).logabsdet, shapes=SQ),
    Case("linalg_cholesky", lambda lib, a: lib.linalg.cholesky(_spd(lib, a)), shapes=SQ),
    Case("linalg_solve_triangular", lambda lib, a, b: lib.linalg.solve_triangular(
        _well(lib, a).triu(), b, upper=True), ("anywhere",) * 2, ((3, 3), (3, 2))),
    Case("triangular_solve", lambda lib, b, a: lib.triangular_solve(b, _well(lib, a).triu()),
         ("anywhere",) * 2, ((3, 2), (3, 3))),
    Case("cholesky_solve", lambda lib, a, b: lib.cholesky_solve(b, _well(lib, a).tril()),
         ("anywhere",) * 2, ((3, 3), (3, 2))),
    # (a diagonal factor: torch's own forward formula disagrees with finite differences for a
    # full triangular one, where minigrad's agrees with them -- test_linalg_decompositions)
    Case("cholesky_inverse", lambda lib, a: lib.cholesky_inverse(lib.diag_embed(a.exp())),
         shapes=((3,),)),
    Case("linalg_eigh", _eigh, shapes=SQ),
    Case("linalg_svd", _svd, shapes=((4, 3),)),
    Case("linalg_qr", _qr, shapes=((4, 3),)),
    Case("linalg_pinv", lambda lib, a: lib.linalg.pinv(a), shapes=((4, 3),)),
    Case("linalg_lstsq", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, ("anywhere",) * 2,
         ((4, 3), (4, 2))),
    Case("linalg_matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a), shapes=SQ),
    Case("linalg_cross", lambda lib, a, b: lib.linalg.cross(a, b), ("anywhere",) * 2,
         ((2, 3), (2, 3))),
]
