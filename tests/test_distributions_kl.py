"""minigrad.distributions against torch.distributions: kl_divergence (every registered pair,
values and gradients), validation errors, constructor errors, constraints; and
WeightedRandomSampler's indices."""
import warnings

import numpy as np
import pytest
import torch

import minigrad
from tests.distribution_specs import BY_NAME, build
from tests.helpers import assert_same_error, assert_tensor_equal

MG, TH = minigrad.distributions, torch.distributions

# same-family pairs (p, q), and families across which a KL formula is registered
SAME = ["Categorical(probs)", "Categorical(logits)", "OneHotCategorical", "Bernoulli(probs)",
        "Bernoulli(logits)", "Normal", "Laplace", "Uniform", "Exponential", "Poisson",
        "Gamma", "Beta", "Dirichlet", "MultivariateNormal(scale_tril)",
        "MultivariateNormal(covariance_matrix)", "MultivariateNormal(precision_matrix)",
        "Independent(Normal, 1)", "Binomial"]
ACROSS = [("Bernoulli(probs)", "Poisson"), ("Beta", "Exponential"), ("Beta", "Gamma"),
          ("Beta", "Normal"), ("Beta", "Uniform"), ("Exponential", "Gamma"),
          ("Exponential", "Normal"), ("Gamma", "Exponential"), ("Gamma", "Normal"),
          ("Laplace", "Normal"), ("Normal", "Laplace"), ("Uniform", "Normal"),
          ("Uniform", "Exponential"), ("Uniform", "Gamma"), ("Uniform", "Beta"),
          ("Exponential", "Beta"), ("Exponential", "Uniform"), ("Gamma", "Beta"),
          ("Gamma", "Uniform"), ("Laplace", "Beta"), ("Laplace", "Exponential"),
          ("Laplace", "Gamma"), ("Laplace", "Uniform"), ("Normal", "Beta"),
          ("Normal", "Exponential"), ("Normal", "Gamma"), ("Normal", "Uniform"),
          ("Poisson", "Bernoulli(probs)"), ("Poisson", "Binomial")]


def _uniform_inside_unit(rng, batch, dtype):
    low = rng.uniform(0.05, 0.4, batch)
    return {"low": low.astype(dtype), "high": (low + rng.uniform(0.1, 0.5, batch)).astype(dtype)}


def _kl_pair(p_name, q_name, rng, batch, requires_grad):
    dists, params = [], []
    for name in (p_name, q_name):
        spec = BY_NAME[name]
        arrays = spec.params(rng, batch, np.float64)
        if name == "Uniform" and p_name == "Uniform" and q_name != "Uniform":
            arrays = _uniform_inside_unit(rng, batch, np.float64)   # finite KL
        mg, th, mg_p, th_p = build(spec, arrays, requires_grad)
        dists.append((mg, th))
        params.append((mg_p, th_p))
    return dists, params


@pytest.mark.parametrize("pair", [(n, n) for n in SAME] + ACROSS, ids=lambda p: "-".join(p))
def test_kl_divergence_value_and_gradient(pair):
    rng = np.random.default_rng(0)
    (p, q), params = _kl_pair(*pair, rng, (2,), requires_grad=True)
    got, expected = MG.kl_divergence(p[0], q[0]), TH.kl_divergence(p[1], q[1])
    assert_tensor_equal(got, expected)
    assert type(got.grad_fn).__name__ == type(expected.grad_fn).__name__
    if not expected.requires_grad or not np.isfinite(expected.detach().numpy()).all():
        return
    mg_inputs = [t for d in params for t in d[0].values()]
    th_inputs = [t for d in params for t in d[1].values()]
    mg_grads = minigrad.autograd.grad(got.sum(), mg_inputs, allow_unused=True)
    th_grads = torch.autograd.grad(expected.sum(), th_inputs, allow_unused=True)
    for g, e in zip(mg_grads, th_grads):
        assert (g is None) == (e is None)
        if e is not None:
            assert_tensor_equal(g, e, rtol=1e-8, atol=1e-10)


def test_kl_infinite_where_support_differs():
    cases = [(lambda D, T: D.Uniform(T([0.0, 0.0]), T([1.0, 1.0])),
              lambda D, T: D.Uniform(T([0.0, 0.5]), T([2.0, 1.0]))),
             (lambda D, T: D.Categorical(T([[0.5, 0.5], [1.0, 0.0]])),
              lambda D, T: D.Categorical(T([[1.0, 0.0], [0.5, 0.5]]))),
             (lambda D, T: D.Bernoulli(T(0.0)), lambda D, T: D.Bernoulli(T(1.0))),
             (lambda D, T: D.Bernoulli(T([0.3, 1.0])), lambda D, T: D.Bernoulli(T([0.0, 1.0]))),
             (lambda D, T: D.Binomial(T([5.0, 3.0]), T([0.5, 0.5])),
              lambda D, T: D.Binomial(T([3.0, 3.0]), T([0.5, 0.2])))]
    for make_p, make_q in cases:
        got = MG.kl_divergence(make_p(MG, minigrad.tensor), make_q(MG, minigrad.tensor))
        expected = TH.kl_divergence(make_p(TH, torch.tensor), make_q(TH, torch.tensor))
        assert_tensor_equal(got, expected)


def test_kl_errors():
    for make_p, make_q in [(lambda D, T: D.Normal(T(0.0), T(1.0)),
                            lambda D, T: D.Categorical(T([0.5, 0.5]))),
                           (lambda D, T: D.Normal(T(0.0), T(1.0)),
                            lambda D, T: D.Bernoulli(T(0.5))),
                           (lambda D, T: D.Independent(D.Normal(T([0.0]), T([1.0])), 1),
                            lambda D, T: D.Normal(T(0.0), T(1.0))),
                           (lambda D, T: D.Binomial(T(2.0), T(0.5)),
                            lambda D, T: D.Binomial(T(3.0), T(0.5))),
                           (lambda D, T: D.MultivariateNormal(T([0.0]), T([[1.0]])),
                            lambda D, T: D.MultivariateNormal(T([0.0, 0.0]),
                                                              T([[1.0, 0.0], [0.0, 1.0]])))]:
        assert_same_error(
            lambda p=make_p, q=make_q: MG.kl_divergence(p(MG, minigrad.tensor),
                                                        q(MG, minigrad.tensor)),
            lambda p=make_p, q=make_q: TH.kl_divergence(p(TH, torch.tensor), q(TH, torch.tensor)))


def test_register_kl_most_specific_and_ambiguity_warning():
    class MyNormal(MG.Normal):
        pass

    calls = []
    MG.register_kl(MyNormal, MG.Normal)(lambda p, q: calls.append("mine") or q.loc)
    p, q = MyNormal(0.0, 1.0), MG.Normal(0.0, 1.0)
    MG.kl_divergence(p, q)
    assert calls == ["mine"]
    MG.register_kl(MG.Normal, MyNormal)(lambda p, q: p.loc)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MG.kl_divergence(MyNormal(0.0, 1.0), MyNormal(0.0, 1.0))
    assert "Ambiguous kl_divergence(MyNormal, MyNormal)" in str(caught[0].message)


# ---- validation --------------------------------------------------------------------------------
BAD_PARAMETERS = [
    lambda D, T: D.Normal(T([0.0, 1.0]), T([1.0, -1.0])),
    lambda D, T: D.Normal(T([float("nan")]), T([1.0])),
    lambda D, T: D.Normal(0.0, 0.0),
    lambda D, T: D.Categorical(T([[0.5, -0.5]])),
    lambda D, T: D.Categorical(logits=T([float("nan"), 0.0])),
    lambda D, T: D.Bernoulli(T([1.5])),
    lambda D, T: D.Uniform(T([1.0]), T([0.0])),
    lambda D, T: D.Exponential(T([-1.0])),
    lambda D, T: D.Laplace(T([0.0]), T([0.0])),
    lambda D, T: D.Poisson(T([-1.0])),
    lambda D, T: D.Binomial(T([2.5]), T([0.5])),
    lambda D, T: D.Gamma(T([1.0]), T([-1.0])),
    lambda D, T: D.Beta(T([1.0]), T([-1.0])),
    lambda D, T: D.Dirichlet(T([1.0, 0.0])),
    lambda D, T: D.OneHotCategorical(T([0.5, -0.5]), validate_args=True),
    lambda D, T: D.MultivariateNormal(T([0.0, 0.0]), scale_tril=T([[1.0, 1.0], [0.0, 1.0]])),
    lambda D, T: D.MultivariateNormal(T([0.0, 0.0]), T([[1.0, 2.0], [0.0, 1.0]])),
    lambda D, T: D.MultivariateNormal(T([0.0, 0.0]), T([[1.0, 2.0], [2.0, 1.0]])),
    lambda D, T: D.MultivariateNormal(T(0.0), T([[1.0]])),
    lambda D, T: D.MultivariateNormal(T([0.0]), T([[1.0]]), scale_tril=T([[1.0]])),
    lambda D, T: D.MultivariateNormal(T([0.0]), T([1.0])),
    lambda D, T: D.MultivariateNormal(T([[0.0, 0.0]] * 2), T([[[1.0, 0.0], [0.0, 1.0]]] * 3)),
    lambda D, T: D.Categorical(),
    lambda D, T: D.Categorical(T(0.5)),
    lambda D, T: D.Bernoulli(T(0.5), T(0.0)),
    lambda D, T: D.Dirichlet(T(1.0)),
    lambda D, T: D.Independent(D.Normal(T([0.0]), T([1.0])), 2),
    lambda D, T: D.Normal("a", 1.0),
]


@pytest.mark.parametrize("case", range(len(BAD_PARAMETERS)))
def test_parameter_errors(case):
    make = BAD_PARAMETERS[case]
    assert_same_error(lambda: make(MG, minigrad.tensor), lambda: make(TH, torch.tensor))


BAD_VALUES = [
    (lambda D, T: D.Normal(T([0.0, 0.0]), T([1.0, 1.0])), lambda T: T([float("nan"), 0.0])),
    (lambda D, T: D.Normal(T([0.0, 0.0]), T([1.0, 1.0])), lambda T: T([0.0, 0.0, 0.0])),
    (lambda D, T: D.Normal(T([0.0, 0.0]), T([1.0, 1.0])), lambda T: [0.0, 0.0]),
    (lambda D, T: D.Categorical(T([0.5, 0.5])), lambda T: T(2)),
    (lambda D, T: D.Categorical(T([0.5, 0.5])), lambda T: T(0.5)),
    (lambda D, T: D.Bernoulli(T([0.5, 0.5])), lambda T: T([0.5, 1.0])),
    (lambda D, T: D.Uniform(T([0.0]), T([1.0])), lambda T: T([1.5])),
    (lambda D, T: D.Exponential(T([1.0])), lambda T: T([-1.0])),
    (lambda D, T: D.Poisson(T([1.0])), lambda T: T([1.5])),
    (lambda D, T: D.Binomial(T([3.0]), T([0.5])), lambda T: T([4.0])),
    (lambda D, T: D.Beta(T([1.0]), T([1.0])), lambda T: T([1.5])),
    (lambda D, T: D.Dirichlet(T([1.0, 1.0])), lambda T: T([0.5, 0.6])),
    (lambda D, T: D.OneHotCategorical(T([0.5, 0.5])), lambda T: T([1.0, 1.0])),
    (lambda D, T: D.OneHotCategorical(T([0.5, 0.5])), lambda T: T([1.0, 0.0, 0.0])),
    (lambda D, T: D.MultivariateNormal(T([0.0, 0.0]), T([[1.0, 0.0], [0.0, 1.0]])),
     lambda T: T([0.0])),
    (lambda D, T: D.Independent(D.Exponential(T([1.0, 1.0])), 1), lambda T: T([1.0, -1.0])),
]


@pytest.mark.parametrize("case", range(len(BAD_VALUES)))
def test_value_errors(case):
    make, value = BAD_VALUES[case]
    assert_same_error(lambda: make(MG, minigrad.tensor).log_prob(value(minigrad.tensor)),
                      lambda: make(TH, torch.tensor).log_prob(value(torch.tensor)))


def test_validation_switches():
    assert_same_error(lambda: MG.Distribution.set_default_validate_args(1.5),
                      lambda: TH.Distribution.set_default_validate_args(1.5))
    got = MG.Normal(minigrad.tensor([0.0]), minigrad.tensor([-1.0]), validate_args=False)
    expected = TH.Normal(torch.tensor([0.0]), torch.tensor([-1.0]), validate_args=False)
    assert_tensor_equal(got.log_prob(minigrad.tensor([0.5])),
                        expected.log_prob(torch.tensor([0.5])))
    try:
        MG.Distribution.set_default_validate_args(False)
        TH.Distribution.set_default_validate_args(False)
        got = MG.Exponential(minigrad.tensor([-1.0]))           # not checked
        expected = TH.Exponential(torch.tensor([-1.0]))
        assert got._validate_args is expected._validate_args is False
        assert_tensor_equal(got.log_prob(minigrad.tensor([-1.0])),
                            expected.log_prob(torch.tensor([-1.0])))
    finally:
        MG.Distribution.set_default_validate_args(True)
        TH.Distribution.set_default_validate_args(True)
    assert_same_error(lambda: MG.Exponential(minigrad.tensor([-1.0])),
                      lambda: TH.Exponential(torch.tensor([-1.0])))


def test_missing_samplers_say_so():
    for dist in (MG.Gamma(1.0, 1.0), MG.Beta(1.0, 2.0), MG.Dirichlet(minigrad.ones(3)),
                 MG.Poisson(2.0), MG.Binomial(3, minigrad.tensor(0.5))):
        with pytest.raises(NotImplementedError, match="minigrad does not have"):
            dist.sample()


def test_constraint_reprs_and_checks():
    C, TC = MG.constraints, TH.constraints
    for name in ("real", "positive", "nonnegative", "unit_interval", "simplex", "boolean",
                 "real_vector", "nonnegative_integer", "lower_cholesky", "positive_definite",
                 "one_hot"):
        assert repr(getattr(C, name)) == repr(getattr(TC, name))
        assert getattr(C, name).event_dim == getattr(TC, name).event_dim
    assert repr(C.interval(0, 2)) == repr(TC.interval(0, 2))
    assert repr(C.integer_interval(0, 2)) == repr(TC.integer_interval(0, 2))
    assert repr(C.independent(C.positive, 2)) == repr(TC.independent(TC.positive, 2))
    x = np.array([[0.2, 0.8], [-0.1, 1.1]])
    for name in ("simplex", "unit_interval", "positive", "real_vector"):
        assert_tensor_equal(getattr(C, name).check(minigrad.tensor(x)),
                            getattr(TC, name).check(torch.tensor(x)))


# ---- WeightedRandomSampler ---------------------------------------------------------------------
@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("weights", [[0.1, 0.9, 0.4, 0.7, 3.0, 0.6], np.arange(1.0, 40.0)])
def test_weighted_random_sampler_indices(replacement, weights):
    mg_sampler = minigrad.utils.data.WeightedRandomSampler(weights, 6, replacement)
    th_sampler = torch.utils.data.WeightedRandomSampler(weights, 6, replacement)
    minigrad.manual_seed(3)
    torch.manual_seed(3)
    assert [list(mg_sampler) for _ in range(3)] == [list(th_sampler) for _ in range(3)]
    assert len(mg_sampler) == len(th_sampler) == 6
    mg_gen, th_gen = minigrad.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    mg_sampler = minigrad.utils.data.WeightedRandomSampler(
        minigrad.tensor(weights, dtype=minigrad.float32), 5, replacement, generator=mg_gen)
    th_sampler = torch.utils.data.WeightedRandomSampler(
        torch.tensor(weights, dtype=torch.float32), 5, replacement, generator=th_gen)
    assert [list(mg_sampler) for _ in range(2)] == [list(th_sampler) for _ in range(2)]
    assert mg_sampler.weights.dtype == minigrad.float64


def test_weighted_random_sampler_in_a_dataloader():
    data = np.arange(20, dtype=np.float32).reshape(10, 2)
    labels = np.array([0] * 8 + [1] * 2)
    weights = 1.0 / np.bincount(labels)[labels]

    def batches(lib):
        lib.manual_seed(0)
        dataset = lib.utils.data.TensorDataset(lib.tensor(data), lib.tensor(labels))
        sampler = lib.utils.data.WeightedRandomSampler(weights, num_samples=12)
        loader = lib.utils.data.DataLoader(dataset, batch_size=4, sampler=sampler)
        return [y.tolist() for _, y in loader]
    assert batches(minigrad) == batches(torch)


@pytest.mark.parametrize("args", [([1.0, 2.0], 0), ([1.0, 2.0], True), ([1.0, 2.0], 2.0),
                                  ([1.0, 2.0], 2, 1), ([[1.0, 2.0]], 2), ([1.0, 2.0], 3, False),
                                  ([1.0, -2.0], 2), ([0.0, 0.0], 2)])
def test_weighted_random_sampler_errors(args):
    assert_same_error(lambda: list(minigrad.utils.data.WeightedRandomSampler(*args)),
                      lambda: list(torch.utils.data.WeightedRandomSampler(*args)))
