"""``MultivariateNormal``: a Gaussian over vectors, given by ``loc`` and one of
``covariance_matrix``, ``precision_matrix`` or ``scale_tril`` (the lower Cholesky factor L
of the covariance, L L^T = Sigma).

``rsample`` is ``loc + L @ eps`` with ``eps = empty(shape).normal_()``, so its draws are
torch's after the same ``manual_seed``. ``log_prob`` is
``-(n log(2 pi) + |L^-1 (x - loc)|^2) / 2 - sum log diag(L)``.
"""
import math

from .._tensor import Size
from ..creation import eye
from ..ops.shape import flip
from . import constraints
from ._linalg import cholesky, solve_triangular
from .distribution import CenteredAtLoc, Distribution
from .utils import broadcast_shapes, lazy_property, standard_normal

__all__ = ["MultivariateNormal"]


def _batch_mv(matrices, vectors):
    """matrices @ vectors over broadcast batch dims."""
    return (matrices @ vectors.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(scale_tril, x):
    """|L^-1 x|^2 for each vector x (batch dims of L and x broadcast)."""
    return solve_triangular(scale_tril, x.unsqueeze(-1), upper=False).squeeze(-1).pow(2).sum(-1)


def _precision_to_scale_tril(precision):
    """L with L L^T = P^-1: from the Cholesky factor of P with rows and columns reversed."""
    flipped_factor = cholesky(flip(precision, (-2, -1)))
    inverse_l = flip(flipped_factor, (-2, -1)).mT
    identity = eye(precision.shape[-1], dtype=precision.dtype)
    return solve_triangular(inverse_l, identity, upper=False)


def _log_diagonal_sum(scale_tril):
    """sum log diag(L) = log det(Sigma) / 2."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


class MultivariateNormal(CenteredAtLoc, Distribution):
    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True
    _params = ("loc", "covariance_matrix", "scale_tril", "precision_matrix")
    _carried = ("_unbroadcasted_scale_tril",)

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {"covariance_matrix": covariance_matrix, "precision_matrix": precision_matrix,
                 "scale_tril": scale_tril}
        given = {name: m for name, m in given.items() if m is not None}
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        ((name, matrix),) = given.items()
        if matrix.dim() < 2:
            what = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(f"{what} must be at least two-dimensional, with optional leading "
                             "batch dimensions")
        batch_shape = Size(broadcast_shapes(matrix.shape[:-2], loc.shape[:-1]))
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def _matrix_shape(self):
        return self._batch_shape + self._event_shape + self._event_shape

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        lower = self._unbroadcasted_scale_tril
        return (lower @ lower.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        lower = self._unbroadcasted_scale_tril
        identity = eye(lower.shape[-1], dtype=lower.dtype)
        inverse = solve_triangular(lower, identity, upper=False)          # L^-1
        return (inverse.mT @ inverse).expand(self._matrix_shape())

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(
            self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=Size()):
        eps = standard_normal(self._extended_shape(sample_shape), self.loc.dtype)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        mahalanobis = _batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        half_log_det = _log_diagonal_sum(self._unbroadcasted_scale_tril)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + mahalanobis) - half_log_det

    def entropy(self):
        half_log_det = _log_diagonal_sum(self._unbroadcasted_scale_tril)
        entropy = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        return entropy if len(self._batch_shape) == 0 else entropy.expand(self._batch_shape)
