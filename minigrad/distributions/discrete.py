"""Distributions over integers: Categorical, OneHotCategorical, Bernoulli, Binomial, Poisson.

Categorical and Bernoulli take ``probs`` or ``logits`` (exactly one); the other is derived on
first use. Categorical normalises what it is given: ``probs / probs.sum(-1)``, or
``logits - logsumexp(logits)``. Its samples are ``torch.multinomial(probs_2d, n, True).T``,
so after the same ``manual_seed`` they are torch's indices.
"""
import math

from .._tensor import Size
from ..autograd.grad_mode import no_grad
from ..creation import arange, eye, full
from ..nn import functional as F
from ..ops.sampling import multinomial
from ..random import bernoulli
from . import constraints
from .distribution import Distribution, ExponentialFamily, RateParameter, sample_count
from .utils import (broadcast_all, broadcast_params, broadcast_tensors, finfo, lazy_property,
                    logits_to_probs, probs_to_logits)

__all__ = ["Categorical", "OneHotCategorical", "Bernoulli", "Binomial", "Poisson"]


def _exactly_one(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _no_sampler(name, torch_fn):
    return NotImplementedError(f"{name}.sample needs torch.{torch_fn}, which minigrad does not "
                               f"have: its draws could not be torch's")


class _ProbsOrLogits:
    """The parameter a distribution was given (``probs`` or ``logits``) and its shape."""

    @property
    def _param(self):
        return getattr(self, self._given)

    @property
    def param_shape(self):
        return self._param.size()

    def _enumerate(self, values):
        """``values`` (one per outcome) laid out along dim 0 before the batch dims."""
        return values.view((-1,) + (1,) * len(self._batch_shape))


class Categorical(_ProbsOrLogits, Distribution):
    """One of ``K`` categories, ``P(i) = probs[..., i]``; batch shape ``probs.shape[:-1]``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True
    _params = ("probs", "logits")
    _carried = ("_given", "_num_events")

    def __init__(self, probs=None, logits=None, validate_args=None):
        _exactly_one(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._given = "probs"
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self._given = "logits"
        param = self._param
        self._num_events = param.size()[-1]
        batch_shape = param.size()[:-1] if param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def mean(self):
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    variance = mean

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)

    def sample(self, sample_shape=Size()):
        probs_2d = self.probs.reshape(-1, self._num_events)
        with no_grad():
            samples_2d = multinomial(probs_2d, sample_count(sample_shape), True).T
        return samples_2d.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        """log probs[value] (``value`` broadcast against the batch shape)."""
        if self._validate_args:
            self._validate_sample(value)
        value, log_pmf = broadcast_tensors(value.long().unsqueeze(-1), self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        """-sum p log p (logits clamped at the dtype's lowest finite value, so 0 log 0 = 0)."""
        logits = self.logits.clamp(min=float(finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = self._enumerate(arange(self._num_events))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class OneHotCategorical(Distribution):
    """A Categorical draw as a one-hot vector of length ``K`` (the event)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True
    _params = ()

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(OneHotCategorical, _instance)
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, Size(batch_shape), self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def _param(self):
        return self._categorical._param

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        return F.one_hot(self.probs.argmax(dim=-1), num_classes=self.probs.shape[-1]).to(
            self.probs)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        indices = self._categorical.sample(sample_shape)
        return F.one_hot(indices, self._categorical._num_events).to(self.probs)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.max(-1)[1])

    def entropy(self):
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        n = self._event_shape[0]
        values = eye(n, dtype=self._param.dtype)
        values = values.view((n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand((n,) + tuple(self._batch_shape) + (n,)) if expand else values


class Bernoulli(_ProbsOrLogits, ExponentialFamily):
    """1 with probability ``probs`` (= sigmoid(logits)), else 0."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _params = ("probs", "logits")
    _carried = ("_given",)

    def __init__(self, probs=None, logits=None, validate_args=None):
        _exactly_one(probs, logits)
        self._given = "probs" if probs is not None else "logits"
        (param,), batch_shape = broadcast_params(probs if probs is not None else logits)
        setattr(self, self._given, param)
        super().__init__(batch_shape, validate_args=validate_args)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        mode = (self.probs >= 0.5).to(self.probs)
        mode[self.probs == 0.5] = math.nan
        return mode

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        with no_grad():
            return bernoulli(self.probs.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        """value log p + (1 - value) log(1 - p), as -BCE-with-logits."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        values = self._enumerate(arange(2, dtype=self._param.dtype))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


def _clamp_by_zero(x):
    """max(x, 0) with gradient 1/2 at 0."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(_ProbsOrLogits, Distribution):
    """Successes in ``total_count`` Bernoulli trials of probability ``probs``.

    ``sample`` is not available (minigrad has no ``torch.binomial``)."""

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True
    _params = ("total_count", "probs", "logits")
    _carried = ("_given",)

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        _exactly_one(probs, logits)
        self._given = "probs" if probs is not None else "logits"
        count, param = broadcast_all(total_count, probs if probs is not None else logits)
        self.total_count = count.type_as(param)
        setattr(self, self._given, param)
        super().__init__(param.size(), validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    logits = Bernoulli.logits
    probs = Bernoulli.probs

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        raise _no_sampler("Binomial", "binomial")

    def log_prob(self, value):
        """log C(n, k) + k logit - n log(1 + e^logit), the last written stably."""
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_factorial_n = (n + 1).lgamma()
        log_factorial_k = (value + 1).lgamma()
        log_factorial_nmk = (n - value + 1).lgamma()
        normalizer = (n * _clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p()
                      - log_factorial_n)
        return value * logits - log_factorial_k - log_factorial_nmk - normalizer

    def entropy(self):
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by "
                                      "`enumerate_support`.")
        values = self._enumerate(arange(1 + total_count, dtype=self._param.dtype))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class Poisson(RateParameter, ExponentialFamily):
    """Counts with mean ``rate``: P(k) = rate^k e^-rate / k!.

    ``sample`` is not available (minigrad has no ``torch.poisson``)."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=Size()):
        raise _no_sampler("Poisson", "poisson")

    def log_prob(self, value):
        """k log rate - rate - log k!  (0 log 0 = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()
