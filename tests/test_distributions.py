"""minigrad.distributions against torch.distributions: samples (bytes, after the same seed),
log_prob / entropy / moments / cdf (values and gradients), shapes, expand, repr."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import minigrad
from tests.distribution_specs import SPECS, build, value_pair
from tests.helpers import assert_tensor_equal

DTYPES = [np.float32, np.float64]
batch_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)
sample_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)


def _seeded(fn, seed):
    minigrad.manual_seed(seed)
    torch.manual_seed(seed)
    return fn()


def assert_same_bits(mg, th):
    assert tuple(mg.shape) == tuple(th.shape)
    assert str(mg.dtype) == str(th.dtype)
    assert mg.detach().numpy().tobytes() == th.detach().numpy().tobytes()


def _compare_attr(mg_dist, th_dist, attr):
    try:
        expected = getattr(th_dist, attr)
        expected = expected() if callable(expected) else expected
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            got = getattr(mg_dist, attr)
            got() if callable(got) else got
        return
    got = getattr(mg_dist, attr)
    got = got() if callable(got) else got
    assert_tensor_equal(got, expected)


# ---- samples ------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", [s for s in SPECS if s.sampler], ids=repr)
@settings(max_examples=8, deadline=None)
@given(batch=batch_shapes, sample_shape=sample_shapes, seed=st.integers(0, 2 ** 31),
       dtype=st.sampled_from(DTYPES))
def test_samples_are_torchs_bits(spec, batch, sample_shape, seed, dtype):
    rng = np.random.default_rng(seed)
    mg, th, _, _ = build(spec, spec.params(rng, batch, dtype))
    assert tuple(mg.batch_shape) == tuple(th.batch_shape)
    assert tuple(mg.event_shape) == tuple(th.event_shape)
    for method in ("sample", "rsample") if spec.rsample else ("sample",):
        # a second draw checks that the stream is left where torch leaves it
        got = _seeded(lambda m=method: (getattr(mg, m)(sample_shape), mg.sample()), seed)
        expected = _seeded(lambda m=method: (getattr(th, m)(sample_shape), th.sample()), seed)
        for g, e in zip(got, expected):
            if dtype in spec.rounded:
                assert_tensor_equal(g, e)
            else:
                assert_same_bits(g, e)
        assert tuple(got[0].shape) == tuple(sample_shape) + tuple(th.batch_shape
                                                                  + th.event_shape)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multivariate_normal_noise_is_torchs(dtype):
    """With L = I the sample is loc + eps exactly: the noise is torch's to the bit."""
    loc = np.arange(6, dtype=dtype).reshape(2, 3)
    mg = minigrad.distributions.MultivariateNormal(
        minigrad.from_numpy(loc.copy()), scale_tril=minigrad.eye(3, dtype=mg_dtype(dtype)))
    th = torch.distributions.MultivariateNormal(
        torch.from_numpy(loc.copy()), scale_tril=torch.eye(3, dtype=th_dtype(dtype)))
    assert_same_bits(_seeded(lambda: mg.rsample((4,)), 2), _seeded(lambda: th.rsample((4,)), 2))


def mg_dtype(np_dtype):
    return getattr(minigrad, np.dtype(np_dtype).name)


def th_dtype(np_dtype):
    return getattr(torch, np.dtype(np_dtype).name)


def test_categorical_sample_with_generator_state_shared_with_multinomial():
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]], dtype=np.float32)
    mg = minigrad.distributions.Categorical(minigrad.from_numpy(probs))
    th = torch.distributions.Categorical(torch.from_numpy(probs))
    got = _seeded(lambda: (mg.sample((5,)), minigrad.rand(3), mg.sample()), 7)
    expected = _seeded(lambda: (th.sample((5,)), torch.rand(3), th.sample()), 7)
    for g, e in zip(got, expected):
        assert_same_bits(g, e)


# ---- densities, moments and their gradients -----------------------------------------------------
@pytest.mark.parametrize("spec", SPECS, ids=repr)
@settings(max_examples=6, deadline=None)
@given(batch=batch_shapes, sample_shape=sample_shapes, seed=st.integers(0, 2 ** 31),
       dtype=st.sampled_from(DTYPES))
def test_log_prob_entropy_moments(spec, batch, sample_shape, seed, dtype):
    rng = np.random.default_rng(seed)
    arrays = spec.params(rng, batch, dtype)
    mg, th, _, _ = build(spec, arrays)
    mg_v, th_v = value_pair(spec, rng, tuple(sample_shape) + tuple(th.batch_shape), arrays,
                            dtype)
    assert_tensor_equal(mg.log_prob(mg_v), th.log_prob(th_v))
    for attr in ("entropy", "mean", "mode", "variance", "stddev"):
        _compare_attr(mg, th, attr)
    if spec.name in ("Normal", "Laplace", "Uniform", "Exponential"):
        assert_tensor_equal(mg.cdf(mg_v), th.cdf(th_v))
        u = rng.uniform(0.05, 0.95, tuple(th.batch_shape)).astype(dtype)
        assert_tensor_equal(mg.icdf(minigrad.from_numpy(u.copy())), th.icdf(torch.from_numpy(u)))


@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_gradients_and_grad_fn(spec):
    rng = np.random.default_rng(3)
    arrays = spec.params(rng, (2,), np.float64)
    mg, th, mg_p, th_p = build(spec, arrays, requires_grad=True)
    mg_v, th_v = value_pair(spec, rng, (3, 2), arrays, np.float64)
    outputs = [(mg.log_prob(mg_v), th.log_prob(th_v))]
    if spec.name not in ("Poisson",):
        outputs.append((mg.entropy(), th.entropy()))
    if spec.rsample:
        outputs.append(_seeded(lambda: (mg.rsample((3,)), th.rsample((3,))), 11))
    for mg_out, th_out in outputs:
        assert_tensor_equal(mg_out, th_out)
        assert type(mg_out.grad_fn).__name__ == type(th_out.grad_fn).__name__
        weights = rng.standard_normal(tuple(th_out.shape))
        mg_grads = minigrad.autograd.grad((mg_out * minigrad.from_numpy(weights)).sum(),
                                          list(mg_p.values()), allow_unused=True,
                                          retain_graph=True)
        th_grads = torch.autograd.grad((th_out * torch.from_numpy(weights)).sum(),
                                       list(th_p.values()), allow_unused=True,
                                       retain_graph=True)
        for g, e in zip(mg_grads, th_grads):
            assert (g is None) == (e is None)
            if e is not None:
                assert_tensor_equal(g, e, rtol=1e-8, atol=1e-10)


def test_categorical_normalises_and_grad_fns():
    logits = np.array([[1.0, 2.0, -1.0], [0.5, 0.5, 0.0]])
    mg_l = minigrad.from_numpy(logits.copy()).requires_grad_()
    th_l = torch.from_numpy(logits.copy()).requires_grad_()
    mg = minigrad.distributions.Categorical(logits=mg_l)
    th = torch.distributions.Categorical(logits=th_l)
    for attr in ("logits", "probs"):
        got, expected = getattr(mg, attr), getattr(th, attr)
        assert_tensor_equal(got, expected)
        assert type(got.grad_fn).__name__ == type(expected.grad_fn).__name__
    probs = minigrad.tensor([2.0, 6.0]), torch.tensor([2.0, 6.0])
    assert_tensor_equal(minigrad.distributions.Categorical(probs[0]).probs,
                        torch.distributions.Categorical(probs[1]).probs)
    assert_tensor_equal(minigrad.distributions.Categorical(probs[0]).logits,
                        torch.distributions.Categorical(probs[1]).logits)


def test_enumerate_support_and_perplexity():
    for name, args in (("Categorical", ([[0.2, 0.8], [0.5, 0.5]],)),
                       ("Bernoulli", ([0.3, 0.9],)), ("OneHotCategorical", ([[0.2, 0.8]],))):
        mg = getattr(minigrad.distributions, name)(minigrad.tensor(*args))
        th = getattr(torch.distributions, name)(torch.tensor(*args))
        for expand in (True, False):
            assert_tensor_equal(mg.enumerate_support(expand), th.enumerate_support(expand))
        assert_tensor_equal(mg.perplexity(), th.perplexity())


# ---- expand, repr -------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_expand(spec):
    rng = np.random.default_rng(5)
    arrays = spec.params(rng, (2,), np.float32)
    mg, th, _, _ = build(spec, arrays)
    mg_e, th_e = mg.expand((3, 2)), th.expand((3, 2))
    assert type(mg_e) is type(mg)
    assert tuple(mg_e.batch_shape) == tuple(th_e.batch_shape) == (3, 2)
    assert tuple(mg_e.event_shape) == tuple(th_e.event_shape)
    assert mg_e._validate_args == th_e._validate_args
    mg_v, th_v = value_pair(spec, rng, (3, 2), arrays, np.float32)
    assert_tensor_equal(mg_e.log_prob(mg_v), th_e.log_prob(th_v))
    if spec.sampler:
        got = _seeded(lambda: mg_e.sample((2,)), 1)
        expected = _seeded(lambda: th_e.sample((2,)), 1)
        if np.float32 in spec.rounded:
            assert_tensor_equal(got, expected)
        else:
            assert_same_bits(got, expected)


@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_repr(spec):
    for batch in ((), (2,)):
        arrays = spec.params(np.random.default_rng(0), batch, np.float32)
        mg, th, _, _ = build(spec, arrays)
        assert repr(mg) == repr(th)


def test_repr_of_numbers_and_lazy_parameters():
    D, T = minigrad.distributions, torch.distributions
    assert repr(D.Normal(0.0, 1.0)) == repr(T.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    mg, th = D.Bernoulli(logits=minigrad.tensor([0.3])), T.Bernoulli(logits=torch.tensor([0.3]))
    assert_tensor_equal(mg.probs, th.probs)     # derived on first use, then shown too
    assert repr(mg) == repr(th)
    assert repr(D.Uniform(0.0, 2.0)) == repr(T.Uniform(0.0, 2.0))


def test_scalar_parameters_take_default_dtype():
    for make in (lambda D: D.Normal(0.5, 2), lambda D: D.Exponential(3),
                 lambda D: D.Uniform(0, minigrad.tensor([1.0], dtype=minigrad.float64))
                 if D is minigrad.distributions else
                 D.Uniform(0, torch.tensor([1.0], dtype=torch.float64))):
        mg, th = make(minigrad.distributions), make(torch.distributions)
        assert tuple(mg.batch_shape) == tuple(th.batch_shape)
        assert_tensor_equal(mg.mean, th.mean)


# ---- the example program ----------------------------------------------------------------------
def test_reinforce_example_prints_torchs_output():
    """examples/reinforce_bandit.py: the same sampled actions, rewards and policy as torch."""
    from tests.test_examples import ROOT, assert_same_output
    assert_same_output(ROOT / "examples" / "reinforce_bandit.py")


def test_torch_module_paths_resolve():
    code = ("from torch.distributions.normal import Normal\n"
            "from torch.distributions.categorical import Categorical\n"
            "from torch.distributions.kl import kl_divergence\n"
            "from torch.distributions.utils import logits_to_probs\n"
            "import torch.distributions.constraints as c\n"
            "print(Normal.__module__, Categorical.__module__, kl_divergence.__name__, c.real)")
    import subprocess
    import sys
    from tests.test_examples import ROOT
    proc = subprocess.run([sys.executable, "-c", "from minigrad import torch_alias\n"
                           "torch_alias.install()\n" + code], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[2:] == ["kl_divergence", "Real()"]
