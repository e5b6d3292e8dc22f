"""The two factorisations a multivariate normal needs, differentiable: the Cholesky factor of
a symmetric positive-definite matrix and the solution of a triangular system.

Both work on batches of matrices (leading dims broadcast) in NumPy; their gradients and their
forward-mode tangents are written with minigrad ops, so they can be differentiated again.
"""
import numpy as np

from .._tensor import Tensor
from ..autograd.forward_formulas import formula
from ..autograd.function import Function

__all__ = ["cholesky", "solve_triangular"]


class LinalgCholeskyExBackward0(Function):
    """L = cholesky(A), A = L L^T, L lower triangular with a positive diagonal.

    grad_A = sym(L^-T phi(L^T grad_L) L^-1), phi(X) = tril(X) with its diagonal halved,
    sym(S) = (S + S^T) / 2.
    """

    @staticmethod
    def forward(ctx, a):
        try:
            lower = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.cholesky: The factorization could not be completed "
                               "because the input is not positive-definite.") from None
        out = lower.astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (lower,) = ctx.saved_tensors
        x = lower.mT @ grad.tril()
        phi = x.tril() - 0.5 * x.diagonal(dim1=-2, dim2=-1).diag_embed()
        left = solve_triangular(lower.mT, phi, upper=True)                  # L^-T phi
        s = solve_triangular(lower.mT, left.mT, upper=True).mT              # (L^-T phi) L^-1
        return (s + s.mT) * 0.5


class LinalgSolveTriangularBackward0(Function):
    """X = A^-1 B for triangular A (``upper`` says which triangle is used).

    grad_B = A^-T grad_X        grad_A = -grad_B X^T, kept to A's triangle.
    """

    @staticmethod
    def forward(ctx, a, b, upper):
        ctx.upper = upper
        triangle = np.triu(a) if upper else np.tril(a)
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        x = np.linalg.solve(np.broadcast_to(triangle, batch + a.shape[-2:]),
                            np.broadcast_to(b, batch + b.shape[-2:]))
        x = x.astype(np.result_type(a, b), copy=False)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        grad_b = solve_triangular(a.mT, grad, upper=not ctx.upper)
        grad_a = None
        if ctx.needs_input_grad[0]:
            product = -(grad_b @ x.mT)
            grad_a = product.triu() if ctx.upper else product.tril()
        return grad_a, grad_b, None


def cholesky(a):
    """The lower Cholesky factor of each matrix of ``a``."""
    return LinalgCholeskyExBackward0.apply(a)


def solve_triangular(a, b, *, upper):
    """``X`` with ``A X = B``, A triangular (batch dims broadcast)."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("solve_triangular expects Tensors")
    return LinalgSolveTriangularBackward0.apply(a, b, upper)


def _cholesky_tangent(c):
    """t_L = L phi(L^-1 t_A L^-T)."""
    lower, tangent = c.out, c.t[0]
    left = solve_triangular(lower, tangent, upper=False)                     # L^-1 t_A
    inner = solve_triangular(lower, left.mT, upper=False).mT                 # ... L^-T
    phi = inner.tril() - 0.5 * inner.diagonal(dim1=-2, dim2=-1).diag_embed()
    return lower @ phi


def _solve_triangular_tangent(c):
    """t_X = A^-1 (t_B - t_A X), t_A kept to A's triangle."""
    a, _, upper = c.args
    t_a = c.t[0].triu() if upper else c.t[0].tril()
    return solve_triangular(a, c.t[1] - t_a @ c.out, upper=upper)


formula("LinalgCholeskyExBackward0", "L phi(L^-1 t_self L^-T), phi = tril with the diagonal "
        "halved", _cholesky_tangent)
formula("LinalgSolveTriangularBackward0", "A^-1 (t_B - tri(t_A) X), tri = A's triangle",
        _solve_triangular_tangent)
