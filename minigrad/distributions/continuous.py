"""Distributions over the reals with reparameterised samples: Normal, Uniform, Exponential,
Laplace.

Every ``rsample`` draws its noise exactly as torch does, from the same global stream, so after
the same ``manual_seed`` the samples are torch's to the bit:

* Normal: ``sample`` is ``torch.normal(loc, scale)`` (expanded); ``rsample`` is
  ``loc + eps * scale`` with ``eps = empty(shape).normal_()``;
* Uniform: ``low + rand(shape) * (high - low)``;
* Exponential: ``empty(shape).exponential_() / rate``;
* Laplace: ``u = empty(shape).uniform_(eps - 1, 1)``, ``loc - scale * sign(u) * log1p(-|u|)``.
"""
import math

from .._tensor import Size
from ..autograd.grad_mode import no_grad
from ..creation import empty, zeros_like
from ..random import normal, rand
from . import constraints
from .distribution import CenteredAtLoc, Distribution, ExponentialFamily, RateParameter
from .utils import broadcast_params, finfo, standard_normal

__all__ = ["Normal", "Uniform", "Exponential", "Laplace"]

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


class _LocScale(CenteredAtLoc):
    """``loc`` and ``scale`` broadcast together; a batch shape unless both are numbers."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None):
        (self.loc, self.scale), batch_shape = broadcast_params(loc, scale)
        super().__init__(batch_shape, validate_args=validate_args)


class Normal(_LocScale, ExponentialFamily):
    """Gaussian with mean ``loc`` and standard deviation ``scale``."""

    _params = ("loc", "scale")

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape=Size()):
        """loc + eps * scale, eps ~ N(0, 1): differentiable in loc and scale."""
        eps = standard_normal(self._extended_shape(sample_shape), self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        """-(x - loc)^2 / (2 scale^2) - log scale - log sqrt(2 pi)."""
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale ** 2
        return -(value - self.loc) ** 2 / (2 * var) - self.scale.log() - _LOG_SQRT_2PI

    def cdf(self, value):
        """(1 + erf((x - loc) / (scale sqrt 2))) / 2."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)).erf())

    def icdf(self, value):
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    def entropy(self):
        """1/2 + log(2 pi)/2 + log scale."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Laplace(_LocScale, Distribution):
    """Density exp(-|x - loc| / scale) / (2 scale)."""

    _params = ("loc", "scale")

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return 2 ** 0.5 * self.scale

    def rsample(self, sample_shape=Size()):
        """loc - scale * sign(u) * log1p(-|u|), u ~ U(eps - 1, 1)."""
        eps = float(finfo(self.loc.dtype).eps)
        shape = self._extended_shape(sample_shape)
        u = empty(tuple(shape), dtype=self.loc.dtype).uniform_(eps - 1, 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = value - self.loc
        return 0.5 - 0.5 * z.sign() * (-z.abs() / self.scale).expm1()

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self):
        return 1 + (2 * self.scale).log()


class Uniform(Distribution):
    """Uniform on [low, high)."""

    has_rsample = True
    _params = ("low", "high")

    def __init__(self, low, high, validate_args=None):
        (self.low, self.high), batch_shape = broadcast_params(low, high)
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def arg_constraints(self):
        return {"low": constraints.less_than(self.high),
                "high": constraints.greater_than(self.low)}

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.interval(self.low, self.high)

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return math.nan * self.high

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=Size()):
        u = rand(tuple(self._extended_shape(sample_shape)), dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        """-log(high - low) inside [low, high), -inf outside."""
        if self._validate_args:
            self._validate_sample(value)
        inside_low = self.low.le(value).type_as(self.low)
        inside_high = self.high.gt(value).type_as(self.low)
        return inside_low.mul(inside_high).log() - (self.high - self.low).log()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return (self.high - self.low).log()


class Exponential(RateParameter, ExponentialFamily):
    """Density rate * exp(-rate x) on x >= 0."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    @property
    def mean(self):
        return self.rate.reciprocal()

    stddev = mean

    @property
    def mode(self):
        return zeros_like(self.rate)

    @property
    def variance(self):
        return self.rate.pow(-2)

    def rsample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        return empty(shape, dtype=self.rate.dtype).exponential_() / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value):
        return -(-value).log1p() / self.rate

    def entropy(self):
        return 1.0 - self.rate.log()
