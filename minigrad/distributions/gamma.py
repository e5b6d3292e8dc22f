"""Gamma, Dirichlet and Beta: densities, entropies and moments (no sampling).

torch draws these with its own rejection samplers (``torch._standard_gamma``,
``torch._sample_dirichlet``), which minigrad does not have, so ``sample``/``rsample`` say so
instead of giving numbers that would differ from torch's. Beta is a two-category Dirichlet over
(x, 1 - x), as in torch.
"""
import numbers

from .._tensor import Size
from ..creation import as_tensor, tensor
from ..nn import functional as F
from ..ops.join import stack
from . import constraints
from .distribution import ExponentialFamily
from .utils import broadcast_all, broadcast_params

__all__ = ["Gamma", "Dirichlet", "Beta"]


class _NoSampler:
    """``rsample`` (hence ``sample``) explains that torch's sampler is not reproduced."""

    has_rsample = True

    def rsample(self, sample_shape=Size()):
        raise NotImplementedError(f"{type(self).__name__}.rsample needs torch's gamma sampler, "
                                  "which minigrad does not have: its draws could not be "
                                  "torch's")


class Gamma(_NoSampler, ExponentialFamily):
    """Density rate^a x^(a-1) e^(-rate x) / Gamma(a), a = ``concentration``."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    _params = ("concentration", "rate")

    def __init__(self, concentration, rate, validate_args=None):
        (self.concentration, self.rate), batch_shape = broadcast_params(concentration, rate)
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def log_prob(self, value):
        """a log rate + (a - 1) log x - rate x - lgamma(a)."""
        value = as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return a.xlogy(self.rate) + (a - 1).xlogy(value) - self.rate * value - a.lgamma()

    def entropy(self):
        """a - log rate + lgamma(a) + (1 - a) digamma(a)."""
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()


class Dirichlet(_NoSampler, ExponentialFamily):
    """Density on the simplex proportional to prod x_i^(a_i - 1)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    _params = ("concentration",)

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def log_prob(self, value):
        """sum (a_i - 1) log x_i + lgamma(sum a_i) - sum lgamma(a_i)."""
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return (a - 1.0).xlogy(value).sum(-1) + a.sum(-1).lgamma() - a.lgamma().sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        a_minus_1 = (self.concentration - 1).clamp(min=0.0)
        mode = a_minus_1 / a_minus_1.sum(-1, True)
        all_below_one = (self.concentration < 1).all(dim=-1)
        mode[all_below_one] = F.one_hot(mode[all_below_one].argmax(dim=-1),
                                        a_minus_1.shape[-1]).to(mode)
        return mode

    @property
    def variance(self):
        total = self.concentration.sum(-1, True)
        return self.concentration * (total - self.concentration) / (total.pow(2) * (total + 1))

    def entropy(self):
        """log B(a) + (a0 - k) digamma(a0) - sum (a_i - 1) digamma(a_i), a0 = sum a_i."""
        a = self.concentration
        k = a.size(-1)
        a0 = a.sum(-1)
        return (a.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((a - 1.0) * a.digamma()).sum(-1))


class Beta(_NoSampler, ExponentialFamily):
    """Density x^(c1 - 1) (1 - x)^(c0 - 1) / B(c1, c0) on [0, 1]."""

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    _params = ()

    def __init__(self, concentration1, concentration0, validate_args=None):
        if isinstance(concentration1, numbers.Number) and \
                isinstance(concentration0, numbers.Number):
            both = tensor([float(concentration1), float(concentration0)])
        else:
            concentration1, concentration0 = broadcast_all(concentration1, concentration0)
            both = stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        ExponentialFamily.__init__(new, Size(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self):
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self):
        return self._dirichlet.entropy()
