"""``minigrad.distributions``: torch.distributions for policy gradients, VAEs and Bayesian
models.

Samples come from the same global stream as torch's (``manual_seed`` gives the same draws);
``log_prob``, ``entropy``, ``rsample`` and ``kl_divergence`` are compositions of minigrad ops,
so gradients flow to the parameters.
"""
import sys as _sys

from . import constraints
from .continuous import Exponential, Laplace, Normal, Uniform
from .discrete import Bernoulli, Binomial, Categorical, OneHotCategorical, Poisson
from .distribution import Distribution, ExponentialFamily
from .gamma import Beta, Dirichlet, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Dirichlet", "Distribution",
           "Exponential", "ExponentialFamily", "Gamma", "Independent", "Laplace",
           "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "Uniform",
           "constraints", "kl_divergence", "register_kl"]

# torch's one-module-per-distribution paths (``torch.distributions.normal.Normal``) name the
# modules that hold them here
for _name, _module in {"normal": "continuous", "uniform": "continuous",
                       "exponential": "continuous", "laplace": "continuous",
                       "categorical": "discrete", "one_hot_categorical": "discrete",
                       "bernoulli": "discrete", "binomial": "discrete", "poisson": "discrete",
                       "beta": "gamma", "dirichlet": "gamma",
                       "exp_family": "distribution"}.items():
    _sys.modules.setdefault(f"{__name__}.{_name}", _sys.modules[f"{__name__}.{_module}"])
