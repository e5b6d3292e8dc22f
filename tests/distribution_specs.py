"""Distributions built the same way in torch and minigrad, for tests/test_distributions*.py.

Each spec gives the parameters as NumPy arrays (``params(rng, batch, dtype)``), how to build the
distribution from a library's ``distributions`` module and the parameter tensors
(``make(D, p)``), and values inside its support (``values(rng, shape, p)``, where ``shape`` is
``sample_shape + batch_shape`` and ``p`` the parameter arrays) for log_prob.
"""
import numpy as np
import torch

import minigrad


def _positive(rng, shape, dtype):
    return rng.uniform(0.5, 2.0, shape).astype(dtype)


def _probs(rng, batch, k, dtype):
    p = rng.uniform(0.05, 1.0, batch + (k,)).astype(dtype)
    return p / p.sum(-1, keepdims=True)


def _lower_cholesky(rng, batch, n, dtype):
    m = np.tril(rng.standard_normal(batch + (n, n)) * 0.3)
    idx = np.arange(n)
    m[..., idx, idx] = rng.uniform(0.5, 1.5, batch + (n,))
    return m.astype(dtype)


def _covariance(rng, batch, n, dtype):
    lower = _lower_cholesky(rng, batch, n, np.float64)
    return (lower @ np.swapaxes(lower, -1, -2)).astype(dtype)


ROUNDED_MVN = (np.float32, np.float64)
K = 4        # categories
N = 3        # MVN dimension


class Spec:
    def __init__(self, name, params, make, values, sampler=True, rsample=False, event=(),
                 rounded=()):
        self.name, self.params, self.make, self.values = name, params, make, values
        self.sampler, self.rsample, self.event = sampler, rsample, event
        # dtypes whose samples may differ from torch's in the last bit: the noise is torch's,
        # but an op applied to it rounds differently (MVN's L @ eps sums in another order;
        # log1p in Laplace is 1 ulp off torch's on some inputs)
        self.rounded = rounded

    def __repr__(self):
        return self.name


def _mvn_spec(kind, matrix):
    """MultivariateNormal given ``loc`` and the matrix ``kind`` (made by ``matrix``)."""
    return Spec(f"MultivariateNormal({kind})",
                lambda r, b, d: {"loc": r.standard_normal(b + (N,)).astype(d),
                                 kind: matrix(r, b, N, d)},
                lambda D, p: D.MultivariateNormal(p["loc"], **{kind: p[kind]}),
                lambda r, s, p: r.standard_normal(s + (N,)), rsample=True, event=(N,),
                rounded=ROUNDED_MVN)


def _normal_values(rng, shape, p):
    return rng.standard_normal(shape)


def _unit_values(rng, shape, p):
    return rng.uniform(0.05, 0.95, shape)


def _positive_values(rng, shape, p):
    return rng.uniform(0.1, 3.0, shape)


SPECS = [
    Spec("Categorical(probs)", lambda r, b, d: {"probs": _probs(r, b, K, d)},
         lambda D, p: D.Categorical(probs=p["probs"]),
         lambda r, s, p: r.integers(0, K, s).astype(np.int64)),
    Spec("Categorical(logits)", lambda r, b, d: {"logits": r.standard_normal(b + (K,)).astype(d)},
         lambda D, p: D.Categorical(logits=p["logits"]),
         lambda r, s, p: r.integers(0, K, s).astype(np.int64)),
    Spec("OneHotCategorical", lambda r, b, d: {"probs": _probs(r, b, K, d)},
         lambda D, p: D.OneHotCategorical(probs=p["probs"]),
         lambda r, s, p: np.eye(K)[r.integers(0, K, s)], event=(K,)),
    Spec("Bernoulli(probs)", lambda r, b, d: {"probs": r.uniform(0.05, 0.95, b).astype(d)},
         lambda D, p: D.Bernoulli(probs=p["probs"]),
         lambda r, s, p: r.integers(0, 2, s).astype(np.float64)),
    Spec("Bernoulli(logits)", lambda r, b, d: {"logits": r.standard_normal(b).astype(d)},
         lambda D, p: D.Bernoulli(logits=p["logits"]),
         lambda r, s, p: r.integers(0, 2, s).astype(np.float64)),
    Spec("Normal", lambda r, b, d: {"loc": r.standard_normal(b).astype(d),
                                    "scale": _positive(r, b, d)},
         lambda D, p: D.Normal(p["loc"], p["scale"]), _normal_values, rsample=True),
    Spec("Laplace", lambda r, b, d: {"loc": r.standard_normal(b).astype(d),
                                     "scale": _positive(r, b, d)},
         lambda D, p: D.Laplace(p["loc"], p["scale"]), _normal_values, rsample=True,
         rounded=(np.float32, np.float64)),
    Spec("Uniform", lambda r, b, d: {"low": r.uniform(-2, -1, b).astype(d),
                                     "high": r.uniform(1, 2, b).astype(d)},
         lambda D, p: D.Uniform(p["low"], p["high"]),
         lambda r, s, p: r.uniform(-0.9, 0.9, s), rsample=True),
    Spec("Exponential", lambda r, b, d: {"rate": _positive(r, b, d)},
         lambda D, p: D.Exponential(p["rate"]), _positive_values, rsample=True),
    Spec("Poisson", lambda r, b, d: {"rate": _positive(r, b, d)},
         lambda D, p: D.Poisson(p["rate"]),
         lambda r, s, p: r.integers(0, 6, s).astype(np.float64), sampler=False),
    Spec("Binomial", lambda r, b, d: {"total_count": np.full(b, 5.0, d),
                                      "probs": r.uniform(0.1, 0.9, b).astype(d)},
         lambda D, p: D.Binomial(p["total_count"], probs=p["probs"]),
         lambda r, s, p: r.integers(0, 6, s).astype(np.float64), sampler=False),
    Spec("Gamma", lambda r, b, d: {"concentration": _positive(r, b, d),
                                   "rate": _positive(r, b, d)},
         lambda D, p: D.Gamma(p["concentration"], p["rate"]), _positive_values, sampler=False),
    Spec("Beta", lambda r, b, d: {"concentration1": _positive(r, b, d),
                                  "concentration0": _positive(r, b, d)},
         lambda D, p: D.Beta(p["concentration1"], p["concentration0"]), _unit_values,
         sampler=False),
    Spec("Dirichlet", lambda r, b, d: {"concentration": _positive(r, b + (K,), d)},
         lambda D, p: D.Dirichlet(p["concentration"]),
         lambda r, s, p: _probs(r, s, K, np.float64), sampler=False, event=(K,)),
    *[_mvn_spec(kind, matrix) for kind, matrix in (("scale_tril", _lower_cholesky),
                                                   ("covariance_matrix", _covariance),
                                                   ("precision_matrix", _covariance))],
    Spec("Independent(Normal, 1)",
         lambda r, b, d: {"loc": r.standard_normal(b + (N,)).astype(d),
                          "scale": _positive(r, b + (N,), d)},
         lambda D, p: D.Independent(D.Normal(p["loc"], p["scale"]), 1),
         lambda r, s, p: r.standard_normal(s + (N,)), rsample=True, event=(N,)),
]
BY_NAME = {spec.name: spec for spec in SPECS}


def build(spec, arrays, requires_grad=False):
    """(minigrad distribution, torch distribution, minigrad params, torch params)."""
    mg_p, th_p = {}, {}
    for name, a in arrays.items():
        mg_p[name] = minigrad.from_numpy(np.array(a, copy=True)).requires_grad_(requires_grad)
        th_p[name] = torch.from_numpy(np.array(a, copy=True)).requires_grad_(requires_grad)
    return (spec.make(minigrad.distributions, mg_p), spec.make(torch.distributions, th_p),
            mg_p, th_p)


def value_pair(spec, rng, shape, arrays, dtype):
    """A value in the support, as (minigrad tensor, torch tensor) of ``dtype`` (int64 stays)."""
    v = spec.values(rng, shape, arrays)
    if v.dtype != np.int64:
        v = v.astype(dtype)
    return minigrad.from_numpy(v.copy()), torch.from_numpy(v.copy())
