"""``torch.linalg``: solves, inverses, determinants, decompositions and norms of (batches of)
matrices, with gradients.

The nodes live in ``ops/decompositions.py`` (solve, inv, det, slogdet, Cholesky, triangular
solves) and ``ops/spectral.py`` (eigh, svd, qr, pinv, lstsq, matrix_exp, cross); the rest is
composed of them and of ordinary ops, with the graph torch records (``matrix_norm(A, 2)`` is
``svdvals(A).amax(-1)``: an AmaxBackward0 over a LinalgSvdBackward0). ``eig``/``eigvals`` are
not here: their results are complex, and minigrad has no complex dtypes.
"""
import builtins
import functools
import warnings

import numpy as np

from . import return_types as _rt
from ._dtype import int32
from ._tensor import _C_NAME, Tensor
from .autograd import grad_mode
from .creation import eye, tensor, zeros
from .ops.clamp import where
from .ops import decompositions as _dec
from .ops import spectral as _sp
from .ops.decompositions import (LinAlgError, cholesky_inverse, cholesky_solve, det, inv,
                                 solve, solve_triangular)
from .ops.join import cat
from .ops.linalg import diagonal as _diagonal, matmul
from .ops.reduction import amax, amin
from .ops.statistics import LinalgVectorNormBackward0
from .ops.out import _NO_AUTOGRAD, _check_out_tensor, _write
from .ops.shape import reshape, unsqueeze

__all__ = ["LinAlgError", "solve", "solve_ex", "inv", "inv_ex", "det", "slogdet", "eigh",
           "eigvalsh", "svd", "svdvals", "qr", "cholesky", "cholesky_ex", "lstsq", "pinv",
           "matrix_rank", "matrix_power", "matrix_exp", "cross", "multi_dot", "vecdot",
           "diagonal", "solve_triangular", "norm", "vector_norm", "matrix_norm", "matmul", "cond",
           "tensorinv", "tensorsolve", "vander"]

# the named tuples torch returns (torch.return_types.linalg_svd, ...)
for _name, _fields in (("linalg_svd", ("U", "S", "Vh")), ("linalg_eigh", ("eigenvalues",
                       "eigenvectors")), ("linalg_qr", ("Q", "R")),
                       ("linalg_slogdet", ("sign", "logabsdet")), ("slogdet", ("sign",
                       "logabsdet")), ("linalg_inv_ex", ("inverse", "info")),
                       ("linalg_cholesky_ex", ("L", "info")), ("linalg_solve_ex", ("result",
                       "info")), ("linalg_lstsq", ("solution", "residuals", "rank",
                       "singular_values")), ("svd", ("U", "S", "V")), ("qr", ("Q", "R")),
                       ("triangular_solve", ("solution", "cloned_coefficient"))):
    setattr(_rt, _name, _rt._structseq(_name, _fields))


def _int32_zeros(shape):
    return zeros(shape, dtype=int32)


def solve_ex(A, B, *, left=True, check_errors=False):
    """(result, info) of ``solve``; a singular A raises (info would say which pivot)."""
    x = solve(A, B, left=left)
    return _rt.linalg_solve_ex((x, _int32_zeros(tuple(A.shape[:-2]))))


def inv_ex(A, *, check_errors=False):
    """(inverse, info): info > 0 names the first zero pivot of a singular matrix, whose
    inverse is then not finite (``check_errors=True``: it raises instead)."""
    _dec.check_matrix("linalg.inv_ex", A._data)
    found = _dec.singular_element(A._data) if not check_errors else None
    if found is None:
        return _rt.linalg_inv_ex((inv(A), _int32_zeros(tuple(A.shape[:-2]))))
    info = np.zeros(A.shape[:-2], np.int32)
    for k, m in enumerate(A._data.reshape((-1,) + A.shape[-2:])):
        info.reshape(-1)[k] = _dec.first_zero_pivot(m)
    with np.errstate(all="ignore"):
        values = np.full(A.shape, np.nan, A._data.dtype)
    return _rt.linalg_inv_ex((tensor(values), tensor(info)))


def slogdet(A):
    """(sign, log|det A|); a singular A gives (0, -inf)."""
    return _rt.linalg_slogdet(_dec.LinalgSlogdetBackward0.apply(A))


def eigh(A, UPLO="L"):
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric A, read from its lower
    (``UPLO="U"``: upper) triangle."""
    return _rt.linalg_eigh(_sp.LinalgEighBackward0.apply(A, UPLO))


def eigvalsh(A, UPLO="L"):
    """The eigenvalues of a symmetric A, ascending."""
    return _sp.LinalgEighBackward0.apply(A, UPLO, "linalg.eigvalsh")[0]


def svd(A, full_matrices=True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh; S descending."""
    return _rt.linalg_svd(_sp.LinalgSvdBackward0.apply(A, full_matrices))


def svdvals(A, *, driver=None):
    """The singular values of A, descending."""
    return _sp.LinalgSvdBackward0.apply(A, False, "linalg.svdvals")[1]


def qr(A, mode="reduced"):
    """(Q, R) with A = QR: ``reduced`` (k = min(m, n) columns), ``complete`` or ``r`` (Q empty)."""
    return _rt.linalg_qr(_sp.LinalgQrBackward0.apply(A, mode))


def cholesky_ex(A, *, upper=False, check_errors=False):
    """(L, info): info > 0 is the order of the first leading minor that is not
    positive-definite (``check_errors=True``: it raises instead)."""
    low, info = _dec.LinalgCholeskyExBackward0.apply(A, upper, check_errors, "linalg.cholesky_ex")
    return _rt.linalg_cholesky_ex((low, info.detach()))   # info: no node, as in torch


def cholesky(A, *, upper=False):
    """L with A = L L^T (``upper``: U with A = U^T U) of a symmetric positive-definite A."""
    return _dec.LinalgCholeskyExBackward0.apply(A, upper, True, "linalg.cholesky")[0]


def lstsq(A, B, rcond=None, *, driver=None):
    """(solution, residuals, rank, singular_values) of min ||A X - B||: the minimum-norm
    solution; what else is filled in depends on the driver, as in torch on the CPU."""
    solution, residuals, rank, values = _sp.LinalgLstsqBackward0.apply(A, B, rcond, driver)
    return _rt.linalg_lstsq((solution, residuals, rank.detach(), values.detach()))


def _tolerance(value):
    return float(value.item()) if isinstance(value, Tensor) else value


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse; singular values at or below max(atol, rtol * largest)
    count as zero."""
    return _sp.LinalgPinvBackward0.apply(A, _tolerance(atol), _tolerance(rtol), hermitian)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """How many singular values exceed max(atol, rtol * largest) (int64)."""
    _dec.check_matrix("linalg.matrix_rank", A._data, square=hermitian,
                      kernel="This function doesn't handle types other than float and double")
    a = A._data
    atol, rtol = _tolerance(atol), _tolerance(rtol)
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(a.dtype).eps * max(a.shape[-2:])
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    cut = np.maximum(0.0 if atol is None else atol, rtol * np.max(s, axis=-1, initial=0.0))
    return tensor(np.sum(s > cut[..., None], axis=-1).astype(np.int64))


def matrix_power(A, n):
    """A @ A @ ... (n factors; n < 0: of inv(A); n = 0: the identity), by repeated squaring."""
    _dec.check_matrix("linalg.matrix_power", A._data, floating=False)
    if n == 0:   # the identity written over a copy of A, as torch does (CopyBackwards)
        result = A.clone()
        result.copy_(eye(A.shape[-1], dtype=A.dtype).expand(A.shape))
        return result
    base = inv(A) if n < 0 else A
    n = builtins.abs(n)
    if n == 1:
        return base.clone()
    if n == 2:
        return matmul(base, base)
    if n == 3:
        return matmul(matmul(base, base), base)
    result, square = None, None
    while n > 0:
        square = base if square is None else matmul(square, square)
        if n % 2:
            result = square if result is None else matmul(result, square)
        n //= 2
    return result


def matrix_exp(A):
    """exp(A) = I + A + A^2/2! + ... (scaling and squaring)."""
    return _sp.LinalgMatrixExpBackward0.apply(A)


def cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along ``dim`` (batch dims broadcast)."""
    return _sp.LinalgCrossBackward0.apply(input, other, dim)


def multi_dot(tensors):
    """The product of a chain of matrices, multiplied in the cheapest order; the first may be
    a row vector and the last a column vector (1-D)."""
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first_vec, last_vec = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = list(tensors)
    if first_vec:
        mats[0] = unsqueeze(mats[0], 0)
    if last_vec:
        mats[-1] = unsqueeze(mats[-1], -1)
    for i, m in enumerate(mats):
        if m.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {tensors[i].ndim}D")
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i].shape)} and {list(tensors[i + 1].shape)} "
                               "cannot be multiplied")
    out = _chain(mats, _chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]]), 0, n - 1)
    shape = (() if first_vec else (mats[0].shape[0],)) + (() if last_vec else
                                                           (mats[-1].shape[1],))
    return out.view(shape)


def _chain_order(dims):
    """split[i][j]: where the cheapest product of matrices i..j splits (dynamic programming)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return _chain(mats, split, i, k).mm(_chain(mats, split, k + 1, j))


def vecdot(x, y, *, dim=-1):
    """sum(x * y) along ``dim`` (batch dims broadcast)."""
    return (x * y).sum(dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices of A (a view)."""
    return _diagonal(A, offset, dim1, dim2)


def tensorinv(A, ind=2):
    """The inverse of A read as a matrix of its first ``ind`` dims by the rest: shaped
    ``A.shape[ind:] + A.shape[:ind]``."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    if int(np.prod(rows)) != int(np.prod(cols)):
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {int(np.prod(cols))} != "
                           f"{int(np.prod(rows))}")
    return inv(reshape(A, (int(np.prod(rows)), -1))).reshape(cols + rows)


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B: A read as a matrix of B's dims by the rest
    (``dims``: A's dims moved to the end first)."""
    if dims is not None:
        A = A.movedim(list(dims), list(range(A.ndim - len(dims), A.ndim)))
    rest = tuple(A.shape[B.ndim:])
    rows, cols = int(np.prod(A.shape[:B.ndim])), int(np.prod(rest))
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:])"
                           f" == prod(self.shape[:other.ndim]), but got {cols} != {rows}")
    return solve(reshape(A, (rows, cols)), reshape(B, (rows,))).view(rest)


def vander(x, N=None):
    """Columns x^0, x^1, ..., x^(N-1) (N = x.size(-1) by default), as cumulative products."""
    n = (x.shape[-1] if x.ndim else 1) if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = unsqueeze(x, -1).expand(*x.shape, n - 1).cumprod(-1)
    return cat([unsqueeze(x.new_ones(tuple(x.shape)), -1), powers], -1)


# ---- norms ------------------------------------------------------------------------------------
def _as_dims(dim, ndim):
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return tuple(d % ndim if ndim else 0 for d in dims)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The vector ord-norm of x over ``dim`` (all elements by default)."""
    if dtype is not None and x.dtype.is_floating_point and dtype.itemsize < x.dtype.itemsize:
        raise RuntimeError("linalg.vector_norm: the dtype of the input "
                           f"({x.dtype.short_name}) should be convertible without narrowing to "
                           f"the specified dtype ({dtype.short_name})")
    dims = tuple(range(x.ndim)) if dim is None else _as_dims(dim, x.ndim)
    return LinalgVectorNormBackward0.apply(x, float(ord), dims, keepdim, dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """The matrix norm over the two dims ``dim``: 'fro', 'nuc', +-1, +-2, +-inf."""
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    dims = list(_as_dims(dim, A.ndim))
    if len(dims) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in dim))
    if ord == "fro":
        return vector_norm(A, 2, dims, keepdim, dtype=dtype)
    if ord not in ("nuc", 1, -1, 2, -2, float("inf"), -float("inf")):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "nuc" or builtins.abs(ord) == 2:   # from the singular values of dims moved last
        _dec.refuse_half(A._data, "linalg.matrix_norm")
        order = [d for d in range(A.ndim) if d not in dims] + dims
        values = svdvals(A.permute(order))
        if ord == "nuc":
            out = values.sum(-1, keepdim=keepdim)
        else:
            out = (amax if ord > 0 else amin)(values, -1, keepdim)
        if keepdim:
            out = unsqueeze(out, -1).permute([order.index(d) for d in range(A.ndim)])
        return out
    first, second = (dims[1], dims[0]) if builtins.abs(ord) == float("inf") else dims
    if not keepdim and first < second:
        second -= 1
    sums = vector_norm(A, 1, first, keepdim)
    return (amax if ord > 0 else amin)(sums, second, keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The vector norm (``dim`` an int, or A 1-D) or the matrix norm (``dim`` two ints, or A
    2-D with ``ord`` given); with neither ord nor dim, the 2-norm of all elements."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    if A.ndim == 2 or isinstance(ord, str):
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, ord, None, keepdim, dtype=dtype)


def cond(A, p=None):
    """The condition number: ||A|| ||A^-1|| (p None or 2: largest / smallest singular value)."""
    if p is None or builtins.abs(p) == 2:
        values = svdvals(A)
        first, last = values[..., :1], values[..., -1:]
        return (first / last if p != -2 else last / first).squeeze(-1)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


_CALLER = 3   # warnings name the user's line: past the function and its out= wrapper


def _torch_level():
    """torch.det, torch.svd, ... and their Tensor methods (torch's older names)."""
    def logdet(input):
        sign, logabs = _dec.LinalgSlogdetBackward0.apply(input, "linalg.slogdet")
        return where(sign == -1, float("nan"), logabs)

    def torch_slogdet(input):
        return _rt.slogdet(_dec.LinalgSlogdetBackward0.apply(input))

    def inverse(input):
        return _dec.LinalgInvExBackward0.apply(input, "linalg.inv")

    def pinverse(input, rcond=1e-15):
        return pinv(input, rtol=rcond)

    def torch_svd(input, some=True, compute_uv=True):
        u, s, vh = _sp.LinalgSvdBackward0.apply(input, not some, "linalg.svd")
        if not compute_uv:   # U and V come back as zeros, full-sized
            m, n = input.shape[-2:]
            batch = tuple(input.shape[:-2])
            return _rt.svd((zeros(batch + (m, m), dtype=s.dtype), s,
                            zeros(batch + (n, n), dtype=s.dtype)))
        return _rt.svd((u, s, vh.mT))

    def torch_cholesky(input, upper=False):
        warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will "
                      "be removed in a future PyTorch release.", UserWarning, stacklevel=_CALLER)
        return _dec.CholeskyBackward0.apply(input, upper)

    def torch_qr(input, some=True):
        return _rt.qr(_sp.LinalgQrBackward0.apply(input, "reduced" if some else "complete"))

    def torch_cross(input, other, dim=None):
        if dim is None:
            dim = next(d for d, size in enumerate(input.shape) if size == 3)
        return cross(input, other, dim=dim)

    def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):
        warnings.warn("torch.triangular_solve is deprecated in favor of "
                      "torch.linalg.solve_triangularand will be removed in a future PyTorch "
                      "release.\ntorch.linalg.solve_triangular has its arguments reversed and "
                      "does not return a copy of one of the inputs.\nX = "
                      "torch.triangular_solve(B, A).solution\nshould be replaced with\nX = "
                      "torch.linalg.solve_triangular(A, B).", UserWarning, stacklevel=_CALLER)
        return _rt.triangular_solve(_dec.TriangularSolveBackward0.apply(
            input, A, upper, transpose, unitriangular))

    def chain_matmul(*matrices):
        warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                      "release. Use torch.linalg.multi_dot instead, which accepts a list of two "
                      "or more tensors rather than multiple parameters.", UserWarning,
                      stacklevel=_CALLER)
        return multi_dot(matrices) if len(matrices) > 1 else matrices[0].clone()

    def tensordot(a, b, dims=2):
        if isinstance(dims, int):
            named_a, named_b = list(range(-dims, 0)), list(range(dims))
        else:
            named_a, named_b = ([d] if isinstance(d, int) else list(d) for d in dims)
        dims_a = [d % a.ndim for d in named_a]
        dims_b = [d % b.ndim for d in named_b]
        for da, db in zip(named_a, named_b):
            if a.shape[da] != b.shape[db]:
                raise RuntimeError(f"contracted dimensions need to match, but first has size "
                                   f"{a.shape[da]} in dim {da} and second has size "
                                   f"{b.shape[db]} in dim {db}")
        free_a = [d for d in range(a.ndim) if d not in dims_a]
        free_b = [d for d in range(b.ndim) if d not in dims_b]
        size = int(np.prod([a.shape[d] for d in dims_a]))
        left = reshape(a.permute(free_a + dims_a), (-1, size))
        right = reshape(b.permute(dims_b + free_b), (size, -1))
        shape = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
        return left.mm(right).reshape(shape)

    return {"det": det, "logdet": logdet, "slogdet": torch_slogdet, "inverse": inverse,
            "pinverse": pinverse, "svd": torch_svd, "cholesky": torch_cholesky,
            "cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse,
            "qr": torch_qr, "matrix_exp": matrix_exp, "matrix_power": matrix_power,
            "cross": torch_cross, "chain_matmul": chain_matmul, "tensordot": tensordot,
            "triangular_solve": triangular_solve}


TORCH_LEVEL = _torch_level()


# ---- out=: the result written into the caller's tensors -----------------------------------------
def _takes_out(fn, aten):
    """fn with torch's ``out=``: a tensor (a tuple of them for a tuple result) of the result's
    dtype, resized if need be, written in place and returned. ``aten`` is the op torch's
    message names when an argument requires grad (None: torch computes such a function without
    the check, as a composite, and so does minigrad)."""
    @functools.wraps(fn)
    def call(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        for o in outs:
            _check_out_tensor(fn.__name__, o)
        inputs = [t for a in (*args, *kwargs.values())
                  for t in (a if isinstance(a, (list, tuple)) else (a,)) if isinstance(t, Tensor)]
        if aten and grad_mode.is_grad_enabled() and any(t.requires_grad
                                                        for t in (*inputs, *outs)):
            raise RuntimeError(_NO_AUTOGRAD.format(name=aten))
        with grad_mode.no_grad():
            result = fn(*args, **kwargs)
        results = tuple(result) if isinstance(result, tuple) else (result,)
        if len(results) != len(outs):
            raise TypeError(f"{fn.__name__}(): expected {len(results)} out tensors, got "
                            f"{len(outs)}")
        for o, r in zip(outs, results):
            if o.dtype != r.dtype:
                raise RuntimeError(f"Expected out tensor to have dtype {_C_NAME[r.dtype.np]}, "
                                   f"but got {_C_NAME[o.dtype.np]} instead")
            _write(o, r, fn.__name__)
        return type(result)(outs) if isinstance(result, tuple) else out
    return call


for _name, _aten in {
        "solve": "_linalg_solve_ex", "solve_ex": "_linalg_solve_ex", "inv": "linalg_inv_ex",
        "inv_ex": "linalg_inv_ex", "det": "_linalg_det", "slogdet": "_linalg_slogdet",
        "eigh": "_linalg_eigh", "eigvalsh": "_linalg_eigh", "svd": "_linalg_svd",
        "svdvals": "_linalg_svd", "qr": "linalg_qr", "cholesky": "linalg_cholesky_ex",
        "cholesky_ex": "linalg_cholesky_ex", "pinv": "linalg_pinv", "matrix_rank": None,
        "matrix_power": "matmul", "cross": "linalg_cross", "multi_dot": "mm", "vecdot": "sum",
        "solve_triangular": "linalg_solve_triangular", "norm": None,
        "vector_norm": "linalg_vector_norm", "matrix_norm": None, "cond": None}.items():
    globals()[_name] = _takes_out(globals()[_name], _aten)
for _name, _aten in {"inverse": "linalg_inv_ex", "svd": "_linalg_svd", "cholesky": "cholesky",
                     "cholesky_solve": "cholesky_solve", "cholesky_inverse": "cholesky_inverse",
                     "qr": "linalg_qr", "cross": "linalg_cross", "chain_matmul": "mm",
                     "triangular_solve": "triangular_solve",
                     "tensordot": None}.items():
    TORCH_LEVEL[_name] = _takes_out(TORCH_LEVEL[_name], _aten)
