"""The eigen, singular-value and QR decompositions, the pseudo-inverse, least squares, the
matrix exponential and the cross product: each a Function with torch's node name.

As in ``ops/decompositions.py``: LAPACK through NumPy forward, minigrad ops backward (double
backward works). Eigenvectors and singular vectors are defined up to sign: their gradients are
those of torch's formulas, which hold for losses that do not depend on the sign chosen.
"""
import numpy as np

from .._dtype import from_numpy_dtype
from ..autograd.function import Function
from ..creation import eye
from .join import cat
from .decompositions import (broadcast_batch, check_floating, check_matrix, column_major,
                             is_vector_rhs, mT, refuse_half, solve_triangular,
                             triangular_solve_arrays)
from .linalg import diag_embed, matmul
from .shape import unsqueeze

__all__ = []


def _skew(x):
    return x - mT(x)


# ---- symmetric eigendecomposition ---------------------------------------------------------------
class LinalgEighBackward0(Function):
    """L, V = eigh(A)        grad_A = V (diag(grad_L) + skew(V^T grad_V) / 2 / E) V^T,
    E_ij = L_j - L_i (1 on the diagonal)"""

    n_outputs = 2

    @staticmethod
    def forward(ctx, a, uplo="L", name="linalg.eigh"):
        check_matrix(name, a, floating=False)
        if a.dtype.kind != "f" or a.dtype == np.float16:
            raise NotImplementedError(f'"linalg_eigh_cpu" not implemented for '
                                      f"'{from_numpy_dtype(a.dtype).short_name}'")
        if uplo not in ("L", "U"):
            raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
        values, vectors = np.linalg.eigh(a, UPLO=uplo)
        values = np.ascontiguousarray(values.astype(a.dtype, copy=False))
        vectors = column_major(vectors.astype(a.dtype, copy=False))
        ctx.save_for_backward(values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx, grad_values, grad_vectors):
        values, vectors = ctx.saved_tensors
        if grad_vectors is None:
            middle = diag_embed(grad_values)
        else:
            gaps = unsqueeze(values, -2) - unsqueeze(values, -1)
            n = values.shape[-1]
            eye_n = eye(n, dtype=values.dtype)
            middle = 0.5 * _skew(matmul(mT(vectors), grad_vectors)) / (gaps + eye_n)
            if grad_values is not None:
                middle = middle + diag_embed(grad_values)
        return matmul(vectors, matmul(middle, mT(vectors))), None, None


# ---- singular value decomposition ---------------------------------------------------------------
class LinalgSvdBackward0(Function):
    """U, S, Vh = svd(A)        grad_A = U (diag(grad_S) + (skew(U^T grad_U) S + S skew(Vh
    grad_Vh^T)) / E) Vh  (+ the parts of grad_U, grad_Vh outside U's and V's span), E_ij =
    S_j^2 - S_i^2"""

    n_outputs = 3

    @staticmethod
    def forward(ctx, a, full_matrices=True, name="linalg.svd"):
        check_matrix(name, a, square=False, kernel="linalg_svd_cpu")
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        u, vh = (column_major(x.astype(a.dtype, copy=False)) for x in (u, vh))
        s = np.ascontiguousarray(s.astype(a.dtype, copy=False))
        ctx.save_for_backward(u, s, vh)
        ctx.full = full_matrices
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        m, n = u.shape[-2], vh.shape[-1]
        k = s.shape[-1]
        if ctx.full and (gu is not None or gvh is not None):   # only the first k vectors count
            u, vh = u[..., :k], vh[..., :k, :]
            gu = gu[..., :k] if gu is not None else None
            gvh = gvh[..., :k, :] if gvh is not None else None
        if gu is None and gvh is None:
            return matmul(u * unsqueeze(gs, -2), vh), None, None
        s_row, s_col = unsqueeze(s, -2), unsqueeze(s, -1)
        gaps = s_row * s_row - s_col * s_col + eye(k, dtype=s.dtype)
        inner = 0
        if gu is not None:
            inner = _skew(matmul(mT(u), gu)) * s_row
        if gvh is not None:
            inner = inner + s_col * _skew(matmul(vh, mT(gvh)))
        inner = inner / gaps
        if gs is not None:
            inner = inner + diag_embed(gs)
        if m > n and gu is not None:      # grad_A = [U inner + (I - U U^T) grad_U S^-1] Vh
            gu_s = gu / s_row
            ga = matmul(u, inner) + gu_s - matmul(u, matmul(mT(u), gu_s))
            return matmul(ga, vh), None, None
        if m < n and gvh is not None:     # grad_A = U [inner Vh + S^-1 grad_Vh (I - V Vh)]
            s_gvh = gvh / s_col
            ga = matmul(inner, vh) + s_gvh - matmul(matmul(s_gvh, mT(vh)), vh)
            return matmul(u, ga), None, None
        return matmul(u, matmul(inner, vh)), None, None


# ---- QR ---------------------------------------------------------------------------------------
def _upper_mirrored(x):
    """The upper triangle of x with its strict part mirrored below the diagonal."""
    return x.triu() + mT(x.triu(1))


class LinalgQrBackward0(Function):
    """Q, R = qr(A)        grad_A = (grad_Q + Q sym_u(M)) R^-T, M = grad_R R^T - Q^T grad_Q,
    sym_u: upper triangle mirrored (m < n: the first m columns so, grad_A2 = Q grad_R2)"""

    n_outputs = 2

    @staticmethod
    def forward(ctx, a, mode="reduced"):
        if mode not in ("reduced", "complete", "r"):
            raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                               "'reduced' (default), 'r', or 'complete'")
        check_matrix("linalg.qr", a, square=False, kernel="geqrf_cpu")
        if mode == "r":
            q = np.zeros((0,), a.dtype)
            r = np.linalg.qr(a, mode="r")
        else:
            q, r = np.linalg.qr(a, mode=mode)
        q, r = (column_major(x.astype(a.dtype, copy=False)) if x.ndim > 1 else x for x in (q, r))
        ctx.save_for_backward(q, r)
        ctx.mode = mode
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        q, r = ctx.saved_tensors
        n = r.shape[-1]
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        if ctx.mode == "complete" and q.shape[-2] > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        rows = q.shape[-2]
        if rows < n:           # A = Q [R1 R2]: R2 = Q^T A2 adds A2 grad_R2^T to grad_Q
            r1 = r[..., :, :rows]
            extra = None
            if gr is not None:
                g2 = gr[..., :, rows:]
                gr = gr[..., :, :rows]
                extra = matmul(q, g2)
                a2 = matmul(q, r[..., :, rows:])
                more = matmul(a2, mT(g2))
                gq = more if gq is None else gq + more
            ga1 = _qr_square_grad(q, r1, gq, gr)
            return cat([ga1, extra if extra is not None else 0 * r[..., :, rows:]], -1), None
        return _qr_square_grad(q, r, gq, gr), None


def _qr_square_grad(q, r, gq, gr):
    """grad_A for A = QR with R square: (grad_Q + Q sym_u(grad_R R^T - Q^T grad_Q)) R^-T."""
    m = 0
    if gr is not None:
        m = matmul(gr, mT(r))
    if gq is not None:
        m = m - matmul(mT(q), gq)
    ga = matmul(q, _upper_mirrored(m))
    if gq is not None:
        ga = ga + gq
    return solve_triangular(mT(r), ga, upper=False, left=False)


# ---- pseudo-inverse and least squares ---------------------------------------------------------
def pinv_arrays(a, atol, rtol, hermitian):
    """The pseudo-inverse from the SVD (eigh when hermitian): singular values at or below
    max(atol, rtol * largest) count as zero; rtol defaults to eps * max(m, n) (0 with atol)."""
    m, n = a.shape[-2:]
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(a.dtype).eps * max(m, n)
    atol = 0.0 if atol is None else atol
    if hermitian:
        values, vectors = np.linalg.eigh(a)
        big = np.abs(values)
        cut = np.maximum(atol, rtol * np.max(big, axis=-1, initial=0.0))[..., None]
        with np.errstate(divide="ignore"):
            scale = np.where(big > cut, 1 / values, 0)
        out = (vectors * scale[..., None, :]) @ np.swapaxes(vectors, -1, -2)
    else:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        cut = np.maximum(atol, rtol * np.max(s, axis=-1, initial=0.0))[..., None]
        with np.errstate(divide="ignore"):
            scale = np.where(s > cut, 1 / s, 0)
        out = (np.swapaxes(vh, -1, -2) * scale[..., None, :]) @ np.swapaxes(u, -1, -2)
    return np.ascontiguousarray(out.astype(a.dtype, copy=False))


class LinalgPinvBackward0(Function):
    """P = pinv(A)        grad_A = -P^T grad P^T + (I - A P) grad^T P P^T + P^T P grad^T (I - P A)
    (A of locally constant rank)"""

    @staticmethod
    def forward(ctx, a, atol=None, rtol=None, hermitian=False):
        if a.ndim < 2 or a.dtype.kind != "f" or a.dtype == np.float16:
            raise RuntimeError(f"linalg.pinv({from_numpy_dtype(a.dtype).short_name}"
                               f"{{{list(a.shape)}}}): expected a tensor with 2 or more "
                               "dimensions of float, double, cfloat or cdouble types")
        out = pinv_arrays(a, atol, rtol, hermitian)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, p = ctx.saved_tensors
        return pinv_grad(grad, p, a), None, None, None


def pinv_grad(grad, p, a):
    """The gradient through P = pinv(A) (A of locally constant rank), in the product order of
    the smaller dimension."""
    m, n = a.shape[-2], a.shape[-1]
    p_t, grad_t = mT(p), mT(grad)
    if m <= n:
        k = matmul(grad_t, p)
        k_p_t = matmul(k, p_t)
        return (-mT(matmul(p, k)) + k_p_t - matmul(matmul(a, p), k_p_t)
                + matmul(matmul(p_t, p), grad_t - matmul(k, a)))
    k = matmul(p, grad_t)
    p_t_k = matmul(p_t, k)
    return (-mT(matmul(k, p)) + matmul(matmul(grad_t - matmul(a, k), p), p_t) + p_t_k
            - matmul(matmul(p_t_k, p), a))


LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class LinalgLstsqBackward0(Function):
    """X = pinv(A) B        grad_B = pinv(A)^T grad,  grad_A = pinv's gradient at grad B^T;
    through residuals (g): grad_A = 2 (A X - B) g X^T, grad_B = -2 (A X - B) g"""

    n_outputs = 4

    @classmethod
    def differentiable_outputs(cls):
        return (True, True, False, False)

    @staticmethod
    def forward(ctx, a, b, rcond=None, driver=None):
        check_matrix("torch.linalg.lstsq", a, square=False, floating=False)
        check_floating("linalg.lstsq", a)
        refuse_half(a, "This function doesn't handle types other than float and double")
        driver = "gelsy" if driver is None else driver
        if driver not in LSTSQ_DRIVERS:
            raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of "
                               "(gels, gelsy, gelsd, gelss)")
        vector = is_vector_rhs(a, b)
        bm = b[..., None] if vector else b
        if bm.shape[-2] != a.shape[-2]:
            raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
        m, n = a.shape[-2:]
        batch = broadcast_batch(a.shape[:-2], bm.shape[:-2])
        am = np.broadcast_to(a, batch + (m, n))
        bm = np.broadcast_to(bm, batch + bm.shape[-2:])
        if driver == "gels":   # QR, assuming full rank: residuals whenever m > n
            x, rank, s = _gels(am, bm), None, None
            full = m > n
        else:
            x, rank, s = _min_norm_solution(am, bm, rcond)
            full = driver != "gelsy" and m > n and bool(np.all(rank == n))
        residuals = np.zeros((0,), a.dtype)
        if full:
            residuals = np.sum((am @ x - bm) ** 2, axis=-2)
            residuals = residuals[..., 0] if vector else residuals
        x = np.ascontiguousarray((x[..., 0] if vector else x).astype(a.dtype, copy=False))
        rank_out = rank if rank is not None else np.zeros((0,), np.int64)
        values = s.astype(a.dtype) if driver in ("gelsd", "gelss") else np.zeros((0,), a.dtype)
        ctx.save_for_backward(a, b, x)
        return x, np.asarray(residuals, a.dtype), rank_out, values

    @staticmethod
    def backward(ctx, grad, grad_residuals=None, _g_rank=None, _g_values=None):
        a, b, x = ctx.saved_tensors
        vector = is_vector_rhs(a, b)
        ga, gb = _residuals_grad(a, b, x, grad_residuals, vector)
        if grad is None:
            return ga, gb, None, None
        gm = unsqueeze(grad, -1) if vector else grad
        bm = unsqueeze(b, -1) if vector else b
        p = LinalgPinvBackward0.apply(a, None, None, False)
        if ctx.needs_input_grad[0]:
            more = pinv_grad(matmul(gm, mT(bm)), p, a)
            ga = more if ga is None else ga + more
        if ctx.needs_input_grad[1]:
            more = matmul(mT(p), gm)
            more = more[..., 0] if vector else more
            gb = more if gb is None else gb + more
        return ga, gb, None, None


def _min_norm_solution(a, b, rcond):
    """(X, rank, singular values): the minimum-norm least-squares solution from the SVD,
    singular values at or below rcond * largest counting as zero (default eps * max(m, n))."""
    if rcond is None:
        rcond = np.finfo(a.dtype).eps * max(a.shape[-2:])
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    keep = s > rcond * np.max(s, axis=-1, initial=0.0)[..., None]
    with np.errstate(divide="ignore"):
        scale = np.where(keep, 1 / np.where(keep, s, 1), 0)
    x = np.swapaxes(vh, -1, -2) @ ((np.swapaxes(u, -1, -2) @ b) * scale[..., :, None])
    return x, keep.sum(-1).astype(np.int64), s


def _gels(a, b):
    """LAPACK's gels: A = QR solved by R X = Q^T B (m >= n); a wide A through the QR of A^T,
    X = Q R^-T B (the minimum-norm solution). A rank-deficient A gives what the triangular
    solve gives, as in torch."""
    m, n = a.shape[-2:]
    with np.errstate(all="ignore"):
        if m >= n:
            q, r = np.linalg.qr(a)
            return triangular_solve_arrays(r, np.swapaxes(q, -1, -2) @ b, True, True, False)
        q, r = np.linalg.qr(np.swapaxes(a, -1, -2))
        return q @ triangular_solve_arrays(np.swapaxes(r, -1, -2), b, False, True, False)


def _residuals_grad(a, b, x, grad_residuals, vector):
    """The gradients through residuals = sum((A X - B)^2, rows): at the least-squares X only
    the direct terms remain, grad_A = 2 (A X - B) diag(g) X^T and grad_B = -2 (A X - B) diag(g).
    """
    if grad_residuals is None or grad_residuals.numel() == 0:
        return None, None
    xm, bm = (unsqueeze(x, -1), unsqueeze(b, -1)) if vector else (x, b)
    g = unsqueeze(unsqueeze(grad_residuals, -1), -1) if vector else unsqueeze(grad_residuals, -2)
    weighted = 2 * (matmul(a, xm) - bm) * g
    gb = -weighted
    return matmul(weighted, mT(xm)), (gb[..., 0] if vector else gb)


# ---- matrix exponential -----------------------------------------------------------------------
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
           129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
           40840800., 960960., 16380., 182., 1.)


def expm_arrays(a):
    """exp(A) by scaling and squaring with the degree-13 Pade approximant (Higham 2005)."""
    work = a.astype(np.float64)
    norm = np.max(np.sum(np.abs(work), axis=-2), axis=-1, initial=0.0)
    squarings = int(max(0, np.ceil(np.log2(max(float(np.max(norm, initial=0.0)), 1e-300)
                                           / 5.371920351148152)))) if work.size else 0
    work = work / (2.0 ** squarings)
    eye = np.broadcast_to(np.eye(a.shape[-1]), work.shape)
    a2 = work @ work
    a4 = a2 @ a2
    a6 = a4 @ a2
    c = _PADE13
    u = work @ (a6 @ (c[13] * a6 + c[11] * a4 + c[9] * a2)
                + c[7] * a6 + c[5] * a4 + c[3] * a2 + c[1] * eye)
    v = a6 @ (c[12] * a6 + c[10] * a4 + c[8] * a2) + c[6] * a6 + c[4] * a4 + c[2] * a2 + c[0] * eye
    out = np.linalg.solve(v - u, v + u)
    for _ in range(squarings):
        out = out @ out
    return np.ascontiguousarray(out.astype(a.dtype))


class LinalgMatrixExpBackward0(Function):
    """out = exp(A)        grad_A = the top-right block of exp([[A^T, grad], [0, A^T]])"""

    @staticmethod
    def forward(ctx, a):
        check_matrix("linalg.matrix_exp", a, floating=False)
        check_floating("linalg.matrix_exp", a)
        ctx.save_for_backward(a)
        return expm_arrays(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        a_t = mT(a)
        zeros = 0 * a_t
        block = cat([cat([a_t, grad], -1), cat([zeros, a_t], -1)], -2)
        return LinalgMatrixExpBackward0.apply(block)[..., :n, n:]


# ---- cross product ----------------------------------------------------------------------------
class LinalgCrossBackward0(Function):
    """out = a x b (along dim)        grad_a = b x grad,  grad_b = grad x a"""

    @staticmethod
    def forward(ctx, a, b, dim=-1):
        if a.ndim != b.ndim:
            raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions. "
                               f"Got {a.ndim} and {b.ndim}")
        if a.shape[dim] != 3 or b.shape[dim] != 3:
            raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                               f"{a.shape[dim]} and {b.shape[dim]}")
        shape = broadcast_batch(a.shape, b.shape)
        if a.dtype != b.dtype:
            raise RuntimeError("expected scalar type of both inputs to match")
        out = np.cross(np.broadcast_to(a, shape), np.broadcast_to(b, shape), axis=dim)
        ctx.save_for_backward(a, b)
        ctx.dim = dim
        return np.ascontiguousarray(out.astype(a.dtype, copy=False))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = LinalgCrossBackward0.apply(b, grad, ctx.dim) if need_a else None
        gb = LinalgCrossBackward0.apply(grad, a, ctx.dim) if need_b else None
        return ga, gb, None
