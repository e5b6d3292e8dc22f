"""The two factorisations a multivariate normal needs, differentiable: the Cholesky factor of
a symmetric positive-definite matrix and the solution of a triangular system -- torch.linalg's
own (``ops/decompositions.py``: their nodes, gradients, forward-mode tangents and errors are
torch's), under the names the distributions call them by.
"""
from ..ops.decompositions import LinalgCholeskyExBackward0
from ..ops.decompositions import solve_triangular as _solve_triangular

__all__ = ["cholesky", "solve_triangular"]


def cholesky(a):
    """The lower Cholesky factor of each matrix of ``a`` (torch.linalg.cholesky)."""
    return LinalgCholeskyExBackward0.apply(a, False, True, "linalg.cholesky")[0]


def solve_triangular(a, b, *, upper):
    """``X`` with ``A X = B``, A triangular, batch dims broadcast (linalg.solve_triangular)."""
    return _solve_triangular(a, b, upper=upper)
