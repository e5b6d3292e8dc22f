"""Linear solves, inverses, determinants and the Cholesky factor, each a Function with torch's
node name; ``ops/spectral.py`` has the eigen, singular-value and QR decompositions.

Forwards call LAPACK through NumPy (``np.linalg``), so results agree with torch's to rounding,
not bit for bit. Backwards are written with minigrad ops (solve, inverse, matmul, transpose,
triangles), so double backward records like any other computation. ``A^-T`` reads "the inverse
of A transposed"; every matrix formula acts on the last two dims, batch dims broadcast.

Failures say what torch says: a singular matrix raises ``LinAlgError`` (a RuntimeError, as
``torch.linalg.LinAlgError``) naming LAPACK's first zero pivot, a matrix that is not
positive-definite names its leading minor; a batch names its element.
"""
import numpy as np

from .._dtype import from_numpy_dtype
from ..autograd.function import Function
from ..creation import eye
from .clamp import where
from .linalg import matmul
from .shape import transpose, unsqueeze

__all__ = ["LinAlgError"]


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a matrix LAPACK could not factor (singular, not definite)."""


LinAlgError.__name__ = LinAlgError.__qualname__ = "_LinAlgError"   # torch._C._LinAlgError


# ---- argument checks, with torch's messages ---------------------------------------------------
def check_matrix(name, a, square=True, floating=True, kernel=None):
    """At least 2-D, square (unless ``square=False``), floating and not float16 (``kernel``:
    see ``refuse_half``), or torch's error."""
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if floating:
        check_floating(name, a)
    if kernel:
        refuse_half(a, kernel)


def refuse_half(a, kernel):
    """torch's refusal of float16 by the kernel it names: ``"lu_cpu" not implemented for
    'Half'`` (a ``..._cpu`` kernel), ``linalg.inv: Low precision dtypes not supported`` (a
    ``linalg.`` name), or the whole message given."""
    if a.dtype != np.float16:
        return
    if kernel.endswith("_cpu"):
        raise NotImplementedError(f'"{kernel}" not implemented for \'Half\'')
    if kernel.startswith("linalg."):
        raise RuntimeError(f"{kernel}: Low precision dtypes not supported. Got Half")
    raise RuntimeError(kernel)


def check_floating(name, a):
    if a.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{from_numpy_dtype(a.dtype).short_name}")


def broadcast_batch(a_shape, b_shape):
    """The broadcast of two batch shapes, with torch's message when they do not broadcast."""
    n = max(len(a_shape), len(b_shape))
    pa, pb = (1,) * (n - len(a_shape)) + tuple(a_shape), (1,) * (n - len(b_shape)) + tuple(b_shape)
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and 1 not in (x, y):
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
    return tuple(max(x, y) if 0 not in (x, y) else 0 for x, y in zip(pa, pb))


def batch_prefix(a, index):
    """"(Batch element k): " for a batch, "" for a single matrix, as torch's messages read."""
    return f"(Batch element {index}): " if a.ndim > 2 else ""


def first_zero_pivot(m):
    """1-based position of the first exactly-zero pivot of m's LU with partial pivoting (as
    LAPACK's getrf chooses pivots), or 0 when there is none."""
    u = np.array(m, dtype=np.float64 if m.dtype == np.float64 else m.dtype, copy=True)
    n = u.shape[0]
    for j in range(n):
        p = j + int(np.argmax(np.abs(u[j:, j])))
        if u[p, j] == 0:
            return j + 1
        u[[j, p]] = u[[p, j]]
        u[j + 1:, j:] -= np.outer(u[j + 1:, j] / u[j, j], u[j, j:])
    return 0


def singular_element(a):
    """(batch index, pivot) of the first singular matrix of the batch a, or None."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for k, m in enumerate(flat):
        pivot = first_zero_pivot(m)
        if pivot:
            return k, pivot
    return None


def _inverse(a, name="linalg.inv"):
    """A^-1 per matrix, or torch's LinAlgError for the first singular one."""
    with np.errstate(all="ignore"):
        try:
            return np.linalg.inv(a)
        except np.linalg.LinAlgError:
            found = singular_element(a)
            k, pivot = found if found else (0, a.shape[-1])
            raise LinAlgError(
                f"{name}: {batch_prefix(a, k)}The diagonal element {pivot} is zero, the "
                "inversion could not be completed because the input matrix is singular.") from None


def column_major(x):
    """x with each matrix stored column by column (batch dims outermost): the layout LAPACK
    writes and torch hands back (``linalg.inv(A).stride()`` is ``(1, n)``), so that views,
    ``is_contiguous()`` and the nodes of a later reshape are torch's."""
    return np.swapaxes(np.ascontiguousarray(np.swapaxes(x, -1, -2)), -1, -2)


def mT(x):  # noqa: N802 - torch's name for the transposed matrices
    return transpose(x, -2, -1)


# ---- solve ------------------------------------------------------------------------------------
def is_vector_rhs(a, b):
    """torch's rule: B is a vector (or a batch of them) when it is 1-D, or has A's batch shape
    and A's row count as its last dim."""
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])


class LinalgSolveExBackward0(Function):
    """out = A^-1 B  (left) or B A^-1        grad_B = A^-T grad (left) or grad A^-T,
    grad_A = -grad_B out^T (left) or -out^T grad_B"""

    @staticmethod
    def forward(ctx, a, b, left=True):
        check_matrix("linalg.solve", a, kernel="lu_cpu")
        if a.dtype != b.dtype:
            raise RuntimeError("linalg.solve: Expected A and B to have the same dtype, but found "
                               f"A of type {from_numpy_dtype(a.dtype).short_name} and B of type "
                               f"{from_numpy_dtype(b.dtype).short_name} instead")
        vector = is_vector_rhs(a, b)
        bm = b[..., None] if vector else b
        if not left:   # X A = B  is  A^T X^T = B^T
            bm = np.swapaxes(bm, -1, -2)
        n = a.shape[-1]
        if bm.shape[-2] != n:
            raise RuntimeError("linalg.solve: Incompatible shapes of A and B for the equation "
                               f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                               f"{bm.shape[-2]}x{bm.shape[-1]})")
        batch = broadcast_batch(bm.shape[:-2], a.shape[:-2])
        am = np.broadcast_to(a if left else np.swapaxes(a, -1, -2), batch + (n, n))
        bm = np.broadcast_to(bm, batch + bm.shape[-2:])
        with np.errstate(all="ignore"):
            try:
                x = np.linalg.solve(am, bm)
            except np.linalg.LinAlgError:
                k = singular_element(am)
                raise LinAlgError(f"torch.linalg.solve: {batch_prefix(am, k[0] if k else 0)}The "
                                  "solver failed because the input matrix is singular.") from None
        if not left:
            x = np.ascontiguousarray(np.swapaxes(x, -1, -2))
        x = np.ascontiguousarray(x[..., 0]) if vector else column_major(x) if left else x
        ctx.save_for_backward(a, x)
        ctx.left, ctx.vector = left, vector
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        left, vector = ctx.left, ctx.vector
        need_a, need_b = ctx.needs_input_grad[:2]
        gb = solve(mT(a), grad, left=left)
        ga = None
        if need_a:
            if vector:
                ga = -(unsqueeze(gb, -1) * unsqueeze(x, -2))
            else:
                ga = -matmul(gb, mT(x)) if left else -matmul(mT(x), gb)
        return ga, (gb if need_b else None), None


def solve(A, B, *, left=True):
    """X with A X = B (``left=False``: X A = B); B may be a vector or a batch of them."""
    return LinalgSolveExBackward0.apply(A, B, left)


# ---- inverse, determinant ---------------------------------------------------------------------
class LinalgInvExBackward0(Function):
    """out = A^-1        grad_A = -out^T grad out^T"""

    @staticmethod
    def forward(ctx, a, name="linalg.inv"):
        check_matrix(name, a, kernel=name)
        out = column_major(_inverse(a, name))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        inv_t = mT(out)
        return -matmul(inv_t, matmul(grad, inv_t)), None


def inv(A):
    """A^-1 (batches too); a singular matrix raises torch's LinAlgError."""
    return LinalgInvExBackward0.apply(A)


class LinalgDetBackward0(Function):
    """out = det(A)        grad_A = grad * out * A^-T  (a singular A: 0, as torch gives)"""

    @staticmethod
    def forward(ctx, a):
        check_matrix("linalg.det", a, kernel="lu_cpu")
        out = np.asarray(np.linalg.det(a)).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        scale = unsqueeze(unsqueeze(grad * out, -1), -1)
        singular = out == 0
        if bool(singular.any()):   # 0 for a singular matrix (scale is 0), as torch gives
            keep = unsqueeze(unsqueeze(singular, -1), -1)
            a = where(keep, eye(a.shape[-1], dtype=a.dtype), a)
        return scale * mT(inv(a))


def det(A):
    """The determinant of A (batches too)."""
    return LinalgDetBackward0.apply(A)


class LinalgSlogdetBackward0(Function):
    """sign, logabsdet = slogdet(A)        grad_A = grad_logabsdet * A^-T  (sign: no gradient)"""

    n_outputs = 2

    @staticmethod
    def forward(ctx, a, name="linalg.slogdet"):
        check_matrix(name, a, kernel=name)
        sign, logabs = np.linalg.slogdet(a)
        sign = np.asarray(sign).astype(a.dtype, copy=False)
        logabs = np.asarray(logabs).astype(a.dtype, copy=False)
        ctx.save_for_backward(a)
        return sign, logabs

    @staticmethod
    def backward(ctx, _grad_sign, grad_logabs):
        if grad_logabs is None:
            return None, None
        (a,) = ctx.saved_tensors
        return unsqueeze(unsqueeze(grad_logabs, -1), -1) * mT(inv(a)), None


# ---- Cholesky ---------------------------------------------------------------------------------
def _cholesky_rows(m):
    """LAPACK's unblocked Cholesky (potf2) of one matrix's lower triangle: (L, info), with info
    the order of the first leading minor that is not positive-definite (0: none). On failure L
    holds what potf2 leaves: the columns done, the failed pivot's value, A's lower triangle."""
    lo = np.tril(np.array(m, copy=True))
    n = lo.shape[0]
    for j in range(n):
        pivot = lo[j, j] - lo[j, :j] @ lo[j, :j]
        if not pivot > 0:
            lo[j, j] = pivot
            return lo, j + 1
        lo[j, j] = np.sqrt(pivot)
        lo[j + 1:, j] = (lo[j + 1:, j] - lo[j + 1:, :j] @ lo[j, :j]) / lo[j, j]
    return lo, 0


def cholesky_factor(a, upper, name, check_errors=True):
    """(L, info) of A = L L^T (U^T U with ``upper``): the lower (upper) triangle of A is read;
    with check_errors a matrix that is not positive-definite raises torch's LinAlgError."""
    src = np.swapaxes(a, -1, -2) if upper else a
    info = np.zeros(a.shape[:-2], np.int32)
    try:
        with np.errstate(all="ignore"):
            low = np.linalg.cholesky(src)
    except np.linalg.LinAlgError:
        flat = src.reshape((-1,) + src.shape[-2:])
        parts = [_cholesky_rows(m) for m in flat]
        low = np.stack([p[0] for p in parts]).reshape(src.shape)
        info = np.array([p[1] for p in parts], np.int32).reshape(info.shape)
        if check_errors:
            k = int(np.flatnonzero(info.reshape(-1))[0])
            raise LinAlgError(
                f"{name}: {batch_prefix(a, k)}The factorization could not be completed because "
                "the input is not positive-definite (the leading minor of order "
                f"{info.reshape(-1)[k]} is not positive-definite).") from None
    low = low.astype(a.dtype, copy=False)
    return column_major(np.swapaxes(low, -1, -2) if upper else low), info


def cholesky_grad(grad, factor, upper):
    """grad_A = L^-T Phi(L^T grad_L) L^-1, Phi(X) = (tril(X) + tril(X, -1)^T) / 2: symmetric."""
    low, g = (mT(factor), mT(grad)) if upper else (factor, grad)
    inner = matmul(mT(low), g).tril()
    inner = 0.5 * (inner + mT(inner.tril(-1)))
    inner = solve_triangular(mT(low), inner, upper=True, left=True)
    return solve_triangular(low, inner, upper=False, left=False)


class LinalgCholeskyExBackward0(Function):
    """L, info = cholesky_ex(A), A = L L^T        grad_A = L^-T Phi(L^T grad_L) L^-1,
    Phi(X) = (tril(X) + tril(X, -1)^T) / 2"""

    n_outputs = 2

    @classmethod
    def differentiable_outputs(cls):
        return (True, False)

    @staticmethod
    def forward(ctx, a, upper=False, check_errors=False, name="linalg.cholesky"):
        check_matrix(name, a, kernel="cholesky_cpu")
        low, info = cholesky_factor(a, upper, name, check_errors)
        ctx.save_for_backward(low)
        ctx.upper = upper
        return low, info

    @staticmethod
    def backward(ctx, grad, _grad_info=None):
        (low,) = ctx.saved_tensors
        return cholesky_grad(grad, low, ctx.upper), None, None, None


class CholeskyBackward0(Function):
    """out = cholesky(A) (torch.cholesky)        grad_A = L^-T Phi(L^T grad_L) L^-1"""

    @staticmethod
    def forward(ctx, a, upper=False):
        check_matrix("cholesky", a, kernel="cholesky_cpu")
        low, _ = cholesky_factor(a, upper, "cholesky")
        ctx.save_for_backward(low)
        ctx.upper = upper
        return low

    @staticmethod
    def backward(ctx, grad):
        (low,) = ctx.saved_tensors
        return cholesky_grad(grad, low, ctx.upper), None


# ---- triangular systems -----------------------------------------------------------------------
def _substitute(t, b, lower):
    """X with T X = B by forward (lower) or back substitution: inf and nan where T has a zero
    on its diagonal, as LAPACK's trtrs gives (np.linalg.solve refuses such a T)."""
    x = np.zeros(np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:], b.dtype)
    n = t.shape[-1]
    with np.errstate(all="ignore"):
        for i in (range(n) if lower else range(n - 1, -1, -1)):
            done = slice(0, i) if lower else slice(i + 1, n)
            rest = b[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, done], x[..., done, :])
            x[..., i, :] = rest / t[..., i, i, None]
    return x


def triangular_solve_arrays(a, b, upper, left, unitriangular):
    """X with T X = B (``left``) or X T = B, T the upper or lower triangle of A."""
    t = np.triu(a) if upper else np.tril(a)
    if unitriangular:
        t = t.copy()
        np.einsum("...ii->...i", t)[...] = 1
    if not left:   # X T = B  is  T^T X^T = B^T
        t, b, upper = np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2), not upper
    batch = broadcast_batch(t.shape[:-2], b.shape[:-2])
    try:
        with np.errstate(all="ignore"):
            x = np.linalg.solve(np.broadcast_to(t, batch + t.shape[-2:]),
                                np.broadcast_to(b, batch + b.shape[-2:]))
    except np.linalg.LinAlgError:
        x = _substitute(t, b, lower=not upper)
    x = np.swapaxes(x, -1, -2) if not left else x
    return np.ascontiguousarray(x.astype(a.dtype, copy=False))


class LinalgSolveTriangularBackward0(Function):
    """out = T^-1 B (left) or B T^-1, T = triu(A) or tril(A)        grad_B = T^-T grad (left)
    or grad T^-T,  grad_A = triangle of -grad_B out^T (left) or -out^T grad_B"""

    @staticmethod
    def forward(ctx, a, b, upper, left=True, unitriangular=False):
        check_matrix("linalg.solve_triangular", a, kernel="triangular_solve_cpu")
        if b.ndim < 2:
            raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                               "dimensions.")
        if a.dtype != b.dtype:
            raise RuntimeError("linalg.solve_triangular: Expected A and B to have the same dtype, "
                               f"but found A of type {from_numpy_dtype(a.dtype).short_name} and "
                               f"B of type {from_numpy_dtype(b.dtype).short_name} instead")
        rows = b.shape[-2] if left else b.shape[-1]
        if rows != a.shape[-1]:
            raise RuntimeError("linalg.solve_triangular: Incompatible shapes of A and B for the "
                               f"equation {'AX = B' if left else 'XA = B'} ({a.shape[-2]}x"
                               f"{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
        x = triangular_solve_arrays(a, b, upper, left, unitriangular)
        x = column_major(x) if left else x
        ctx.save_for_backward(a, x)
        ctx.upper, ctx.left, ctx.unit = upper, left, unitriangular
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        upper, left, unit = ctx.upper, ctx.left, ctx.unit
        gb = solve_triangular(mT(a), grad, upper=not upper, left=left, unitriangular=unit)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -matmul(gb, mT(x)) if left else -matmul(mT(x), gb)
            ga = ga.triu(int(unit)) if upper else ga.tril(-int(unit))
        return ga, (gb if ctx.needs_input_grad[1] else None), None, None, None


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with T X = B (``left=False``: X T = B), T the upper or lower triangle of A."""
    return LinalgSolveTriangularBackward0.apply(A, B, upper, left, unitriangular)


class TriangularSolveBackward0(Function):
    """solution, cloned_coefficient = triangular_solve(B, A): out = T^-1 B (transpose: T^-T B)
    grad_B = T^-T grad (transpose: T^-1 grad),  grad_A = triangle of -grad_B out^T (transpose:
    -out grad_B^T) + grad_cloned_coefficient"""

    n_outputs = 2

    @staticmethod
    def forward(ctx, b, a, upper=True, transpose=False, unitriangular=False):
        check_matrix("triangular_solve", a, kernel="triangular_solve_cpu")
        if b.ndim < 2:
            raise RuntimeError(f"torch.triangular_solve: Expected b to have at least 2 dimensions,"
                               f" but it has {b.ndim} dimensions instead")
        tri = np.swapaxes(a, -1, -2) if transpose else a
        x = column_major(triangular_solve_arrays(tri, b, upper != transpose, True, unitriangular))
        ctx.save_for_backward(a, x)
        ctx.upper, ctx.transpose, ctx.unit = upper, transpose, unitriangular
        batch = broadcast_batch(b.shape[:-2], a.shape[:-2])   # the copy is A broadcast too
        return x, column_major(np.array(np.broadcast_to(a, batch + a.shape[-2:])))   # a copy

    @staticmethod
    def backward(ctx, grad, grad_coefficient):
        a, x = ctx.saved_tensors
        upper, transpose, unit = ctx.upper, ctx.transpose, ctx.unit
        if grad is None:
            return None, grad_coefficient, None, None, None
        gb = triangular_solve(grad, a, upper, not transpose, unit)[0]
        ga = None
        if ctx.needs_input_grad[1]:
            ga = -matmul(x, mT(gb)) if transpose else -matmul(gb, mT(x))
            ga = ga.triu(int(unit)) if upper else ga.tril(-int(unit))
            if grad_coefficient is not None:
                ga = ga + grad_coefficient
        return (gb if ctx.needs_input_grad[0] else None), ga, None, None, None


def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):
    """(X, A's copy) with T X = B (``transpose``: T^T X = B), T A's upper or lower triangle."""
    return TriangularSolveBackward0.apply(input, A, upper, transpose, unitriangular)


# ---- solves and inverses from a Cholesky factor -----------------------------------------------
def _factor_low(factor, upper):
    return np.swapaxes(factor, -1, -2) if upper else factor


class CholeskySolveBackward0(Function):
    """out = (L L^T)^-1 B        grad_B = (L L^T)^-1 grad,
    grad_L = -(grad_B out^T + out grad_B^T) L  (upper: -U (grad_B out^T + out grad_B^T))"""

    @staticmethod
    def forward(ctx, b, factor, upper=False):
        check_matrix("cholesky_solve", factor, kernel="cholesky_solve_cpu")
        low = _factor_low(factor, upper)
        y = triangular_solve_arrays(low, b, False, True, False)
        x = column_major(triangular_solve_arrays(np.swapaxes(low, -1, -2), y, True, True, False))
        ctx.save_for_backward(factor, x)
        ctx.upper = upper
        return x

    @staticmethod
    def backward(ctx, grad):
        factor, x = ctx.saved_tensors
        gb = cholesky_solve(grad, factor, ctx.upper)
        gl = None
        if ctx.needs_input_grad[1]:
            common = matmul(gb, mT(x))
            common = common + mT(common)
            gl = -matmul(factor, common) if ctx.upper else -matmul(common, factor)
        return (gb if ctx.needs_input_grad[0] else None), gl, None


def cholesky_solve(input, input2, upper=False):
    """X with (L L^T) X = B (L = input2, lower; ``upper``: U^T U)."""
    return CholeskySolveBackward0.apply(input, input2, upper)


class CholeskyInverseBackward0(Function):
    """out = (L L^T)^-1        grad_L = -out (grad + grad^T) out L  (upper: -U out (grad +
    grad^T) out)"""

    @staticmethod
    def forward(ctx, factor, upper=False):
        check_matrix("cholesky_inverse", factor, kernel="cholesky_inverse_out_cpu")
        low = _factor_low(factor, upper)
        out = _inverse(low @ np.swapaxes(low, -1, -2), "cholesky_inverse")
        out = column_major(out.astype(factor.dtype, copy=False))
        ctx.save_for_backward(factor, out)
        ctx.upper = upper
        return out

    @staticmethod
    def backward(ctx, grad):
        factor, out = ctx.saved_tensors
        common = matmul(out, matmul(grad + mT(grad), out))
        return (-matmul(factor, common) if ctx.upper else -matmul(common, factor)), None


def cholesky_inverse(input, upper=False):
    """(L L^T)^-1 from the Cholesky factor L (``upper``: (U^T U)^-1)."""
    return CholeskyInverseBackward0.apply(input, upper)
