"""Forward-mode test cases: one or more per differentiable op, written once for both libraries.

``Case(name, fn, domains, shapes)``: ``fn(lib, *xs)`` runs the op in ``lib`` (minigrad or torch)
on the float inputs ``xs``; ``domains`` names where each input is drawn from (see
``minigrad/ops/registry.DOMAINS``); ``shapes`` is ``"any"`` (one shape drawn for all inputs, up to
3-d, scalars included), ``"nd"`` (at least 1-d) or a tuple with one fixed shape per input.
``fd=False``: finite differences do not apply (a random sample, whose tangent is 0 by definition).
``hvp=True``: the case is run forward-over-reverse (the tangent of the gradient), which exercises
the nodes that only backward formulas create (``ThresholdBackwardBackward0``, ...).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    fn: object
    domains: tuple = ("anywhere",)
    shapes: object = "any"
    fd: bool = True
    hvp: bool = False


def _f(lib):
    return lib.nn.functional


def _unary(name, domain="anywhere", **kw):
    return Case(name, lambda lib, x: getattr(x, name)(**kw), (domain,))


CASES = [
    *[_unary(n) for n in ("neg", "exp", "exp2", "expm1", "sin", "cos", "atan", "sinh", "cosh",
                          "tanh", "sigmoid", "erf")],
    *[_unary(n, "positive") for n in ("log", "log2", "log10", "log1p", "sqrt", "rsqrt")],
    *[_unary(n, "nonzero") for n in ("reciprocal", "abs", "relu", "sign")],
    *[_unary(n, "unit") for n in ("tan", "asin", "acos")],
    *[_unary(n, "away_from_integers") for n in ("frac", "ceil", "floor", "round", "trunc")],
    Case("nan_to_num", lambda lib, x: (x.log() * 1).nan_to_num(0.5, 2.0, -3.0)),
    Case("asinh", lambda lib, x: x.asinh()),
    Case("acosh", lambda lib, x: x.acosh(), ("above_one",)),
    Case("atanh", lambda lib, x: x.atanh(), ("unit",)),
    Case("lgamma", lambda lib, x: x.lgamma(), ("positive",)),
    Case("digamma", lambda lib, x: x.digamma(), ("positive",)),
    Case("polygamma", lambda lib, x: lib.polygamma(1, x), ("positive",)),
    Case("erfinv", lambda lib, x: x.erfinv(), ("unit",)),
    Case("xlogy", lambda lib, a, b: lib.xlogy(a, b), ("anywhere", "positive")),
    Case("xlogy_number_self", lambda lib, b: lib.xlogy(2.0, b), ("positive",)),
    Case("xlogy_number_other", lambda lib, a: lib.xlogy(a, 3.0)),
    Case("copysign", lambda lib, a, b: lib.copysign(a, b), ("nonzero", "nonzero")),
    Case("copysign_number", lambda lib, a: lib.copysign(a, -1.0), ("nonzero",)),
    Case("logaddexp", lambda lib, a, b: lib.logaddexp(a, b), ("anywhere",) * 2),
    Case("logaddexp2", lambda lib, a, b: lib.logaddexp2(a, b), ("anywhere",) * 2),
    Case("hypot", lambda lib, a, b: lib.hypot(a, b), ("nonzero",) * 2),
    Case("cummax", lambda lib, x: x.cummax(-1), shapes="nd"),
    Case("cummin", lambda lib, x: x.cummin(0), shapes="nd"),
    Case("logcumsumexp", lambda lib, x: x.logcumsumexp(-1), shapes="nd"),
    Case("mode", lambda lib, x: x.mode(-1), shapes="nd"),
    Case("scatter_reduce", lambda lib, x, s: x.scatter_reduce(0, lib.tensor([[1, 0, 1]]), s,
                                                              reduce="sum"),
         ("anywhere",) * 2, ((2, 3), (1, 3))),
    Case("round_decimals", lambda lib, x: x.round(decimals=1), ("away_from_integers",)),
    Case("clamp", lambda lib, x: x.clamp(-0.5, 0.5)),
    Case("clamp_min", lambda lib, x: x.clamp(min=0.1)),
    Case("clamp_max", lambda lib, x: x.clamp(max=0.1)),
    Case("clamp_min_method", lambda lib, x: x.clamp_min(0.1)),
    Case("clamp_max_method", lambda lib, x: x.clamp_max(0.1)),
    Case("clamp_min_method_tensor", lambda lib, x, lo: x.clamp_min(lo), ("anywhere",) * 2),
    Case("clamp_max_method_tensor", lambda lib, x, hi: x.clamp_max(hi), ("anywhere",) * 2),
    Case("clamp_tensors", lambda lib, x, lo, hi: x.clamp(lo, hi), ("anywhere",) * 3),
    Case("clamp_min_tensor", lambda lib, x, lo: x.clamp(min=lo), ("anywhere",) * 2),
    Case("clamp_max_tensor", lambda lib, x, hi: x.clamp(max=hi), ("anywhere",) * 2),
    # binary
    Case("add", lambda lib, a, b: a + b, ("anywhere",) * 2),
    Case("add_number", lambda lib, a: a + 2),
    Case("add_int_tensor", lambda lib, a: a + lib.tensor([[1, -2, 3]]), shapes=((2, 3),)),
    Case("add_alpha", lambda lib, a, b: a.add(b, alpha=2.5), ("anywhere",) * 2),
    Case("sub", lambda lib, a, b: a - b, ("anywhere",) * 2),
    Case("rsub_number", lambda lib, a: 2 - a),
    Case("rsub", lambda lib, a, b: lib.rsub(a, b, alpha=3), ("anywhere",) * 2),
    Case("mul", lambda lib, a, b: a * b, ("anywhere",) * 2),
    Case("mul_broadcast", lambda lib, a, b: a * b, ("anywhere",) * 2, ((2, 3), (3,))),
    Case("mul_number", lambda lib, a: a * 3),
    Case("div", lambda lib, a, b: a / b, ("anywhere", "nonzero")),
    Case("div_number", lambda lib, a: a / 4),
    Case("div_floor", lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
         ("away_from_integers", "positive")),
    Case("atan2", lambda lib, a, b: lib.atan2(a, b), ("anywhere", "nonzero")),
    Case("fmod", lambda lib, a: lib.fmod(a, 1.5), ("away_from_integers",)),
    Case("fmod_tensor", lambda lib, a, b: lib.fmod(a, b), ("anywhere", "positive")),
    Case("remainder", lambda lib, a: lib.remainder(a, 1.5), ("away_from_integers",)),
    Case("remainder_tensor", lambda lib, a, b: lib.remainder(a, b), ("anywhere", "positive")),
    Case("maximum", lambda lib, a, b: lib.maximum(a, b), ("anywhere",) * 2),
    Case("minimum", lambda lib, a, b: lib.minimum(a, b), ("anywhere",) * 2),
    Case("fmax", lambda lib, a, b: lib.fmax(a, b), ("anywhere",) * 2),
    Case("fmin", lambda lib, a, b: lib.fmin(a, b), ("anywhere",) * 2),
    Case("where", lambda lib, a, b: lib.where(a > 0, a, b), ("nonzero", "anywhere")),
    Case("lerp", lambda lib, a, b: lib.lerp(a, b, 0.3), ("anywhere",) * 2),
    Case("lerp_tensor", lambda lib, a, b, w: lib.lerp(a, b, w), ("anywhere",) * 3),
    Case("pow_number", lambda lib, x: x ** 2.5, ("positive",)),
    Case("pow_zero", lambda lib, x: x ** 0, ("positive",)),
    Case("pow_tensors", lambda lib, a, b: a ** b, ("positive", "anywhere")),
    Case("pow_base_number", lambda lib, x: 2 ** x),
    # reductions
    Case("sum", lambda lib, x: x.sum()),
    Case("sum_dim", lambda lib, x: x.sum(-1, keepdim=True), shapes="nd"),
    Case("mean", lambda lib, x: x.mean()),
    Case("mean_dim", lambda lib, x: x.mean(0), shapes="nd"),
    Case("cumsum", lambda lib, x: x.cumsum(-1), shapes="nd"),
    Case("prod", lambda lib, x: x.prod()),
    Case("prod_dim", lambda lib, x: x.prod(-1), shapes="nd"),
    Case("cumprod", lambda lib, x: x.cumprod(-1), shapes="nd"),
    Case("vector_norm", lambda lib, x: x.norm(), ("nonzero",)),
    Case("vector_norm_3", lambda lib, x: x.norm(3, -1), ("nonzero",), "nd"),
    Case("var", lambda lib, x: x.var(-1), shapes=((2, 3),)),
    Case("std", lambda lib, x: x.std(), shapes=((2, 3),)),
    Case("var_mean", lambda lib, x: lib.var_mean(x, -1), shapes=((2, 3),)),
    Case("std_mean", lambda lib, x: lib.std_mean(x, 0), shapes=((2, 3),)),
    Case("amax", lambda lib, x: x.amax(-1), shapes="nd"),
    Case("amin", lambda lib, x: x.amin(), shapes="nd"),
    Case("max", lambda lib, x: x.max()),
    Case("min", lambda lib, x: x.min()),
    Case("max_dim", lambda lib, x: x.max(-1), shapes="nd"),
    Case("min_dim", lambda lib, x: x.min(0, keepdim=True), shapes="nd"),
    Case("median", lambda lib, x: x.median(), shapes="nd"),
    Case("median_dim", lambda lib, x: x.median(-1), shapes="nd"),
    Case("kthvalue", lambda lib, x: x.kthvalue(1, -1), shapes="nd"),
    Case("sort", lambda lib, x: x.sort(-1, descending=True), shapes="nd"),
    Case("sort_stable", lambda lib, x: x.sort(stable=True), shapes="nd"),
    Case("topk", lambda lib, x: x.topk(1, -1), shapes="nd"),
    Case("logsumexp", lambda lib, x: x.logsumexp(-1), shapes="nd"),
    Case("softmax", lambda lib, x: x.softmax(-1), shapes="nd"),
    Case("log_softmax", lambda lib, x: x.log_softmax(-1), shapes="nd"),
    # losses
    Case("mse_loss", lambda lib, a, b: _f(lib).mse_loss(a, b), ("anywhere",) * 2),
    Case("bce", lambda lib, a, b: _f(lib).binary_cross_entropy(a.sigmoid(), b.sigmoid()),
         ("anywhere",) * 2),
    Case("bce_logits", lambda lib, a, b: _f(lib).binary_cross_entropy_with_logits(
        a, b.sigmoid()), ("anywhere",) * 2),
    Case("nll_loss", lambda lib, x: _f(lib).nll_loss(x.log_softmax(1), lib.tensor([1, 0, 2])),
         shapes=((3, 4),)),
    Case("nll_loss_2d", lambda lib, x: _f(lib).nll_loss(
        x, lib.tensor([[[1, 0], [2, 1]]]), reduction="sum"), shapes=((1, 3, 2, 2),)),
    # random samples (tangent 0, as the gradient)
    Case("bernoulli", lambda lib, x: _seeded(lib, lambda: lib.bernoulli(x.sigmoid())), shapes="nd",
         fd=False),
    Case("normal_mean", lambda lib, x: _seeded(lib, lambda: lib.normal(x, 1.0)), fd=False),
    Case("normal_std", lambda lib, x: _seeded(lib, lambda: lib.normal(1.0, x)), ("positive",),
         fd=False),
    Case("normal_both", lambda lib, a, b: _seeded(lib, lambda: lib.normal(a, b)),
         ("anywhere", "positive"), fd=False),
    # shape ops
    Case("view", lambda lib, x: x.view(3, 2), shapes=((2, 3),)),
    Case("reshape_copy", lambda lib, x: x.t().reshape(6), shapes=((2, 3),)),
    Case("reshape_alias", lambda lib, x: x[:, :2].reshape(2, 2, 1), shapes=((2, 3),)),
    Case("squeeze_", lambda lib, x: (x * 1).squeeze_(), shapes=((2, 1, 3),)),
    Case("squeeze_dim_", lambda lib, x: (x * 1).squeeze_(1), shapes=((2, 1, 3),)),
    Case("squeeze_dims_", lambda lib, x: (x * 1).squeeze_((0, 1)), shapes=((1, 1, 3),)),
    Case("unsqueeze_", lambda lib, x: (x * 1).unsqueeze_(0), shapes="nd"),
    Case("t_", lambda lib, x: (x * 1).t_(), shapes=((2, 3),)),
    Case("transpose_", lambda lib, x: (x * 1).transpose_(0, 1), shapes=((2, 3),)),
    Case("diag", lambda lib, x: lib.diag(x, 1), shapes=((3, 3),)),
    Case("fill_tensor", lambda lib, x, v: (x * 1).fill_(v.sum()), ("anywhere",) * 2,
         ((2, 3), (1,))),
    Case("vecmat", lambda lib, a, b: a @ b, ("anywhere",) * 2, ((3,), (3, 2))),
    Case("expand", lambda lib, x: x.expand(2, 3), shapes=((3,),)),
    Case("repeat", lambda lib, x: x.repeat(2, 1), shapes=((2, 3),)),
    Case("permute", lambda lib, x: x.permute(2, 0, 1), shapes=((2, 3, 2),)),
    Case("t", lambda lib, x: x.t(), shapes=((2, 3),)),
    Case("transpose", lambda lib, x: x.transpose(0, 2), shapes=((2, 3, 2),)),
    Case("squeeze", lambda lib, x: x.squeeze(), shapes=((2, 1, 3),)),
    Case("squeeze_dim", lambda lib, x: x.squeeze(1), shapes=((2, 1, 3),)),
    Case("squeeze_dims", lambda lib, x: x.squeeze((0, 1)), shapes=((1, 1, 3),)),
    Case("unsqueeze", lambda lib, x: x.unsqueeze(1), shapes="nd"),
    Case("flip", lambda lib, x: x.flip(-1), shapes="nd"),
    Case("diagonal", lambda lib, x: x.diagonal(), shapes=((3, 3),)),
    Case("diag_embed", lambda lib, x: lib.diag_embed(x), shapes=((2, 3),)),
    Case("trace", lambda lib, x: x.trace(), shapes=((3, 3),)),
    Case("tril", lambda lib, x: x.tril(), shapes=((3, 3),)),
    Case("triu", lambda lib, x: x.triu(1), shapes=((3, 3),)),
    Case("clone", lambda lib, x: x.clone()),
    Case("to_double", lambda lib, x: x.to(lib.float64) * 1),
    Case("zero_", lambda lib, x: (x * 1).zero_()),
    Case("fill_", lambda lib, x: (x * 1).fill_(2.0)),
    # indexing
    Case("select", lambda lib, x: x[1], shapes=((3, 2),)),
    Case("slice", lambda lib, x: x[:, 1:], shapes=((2, 3),)),
    Case("index", lambda lib, x: x[lib.tensor([2, 0, 2])], shapes=((3, 2),)),
    Case("take", lambda lib, x: x.take(lib.tensor([5, 0])), shapes=((2, 3),)),
    Case("gather", lambda lib, x: x.gather(1, lib.tensor([[0, 2], [1, 1]])), shapes=((2, 3),)),
    Case("index_select", lambda lib, x: x.index_select(0, lib.tensor([1, 1, 0])),
         shapes=((2, 3),)),
    Case("masked_select", lambda lib, x: x.masked_select(x > 0), ("nonzero",), "nd"),
    Case("scatter_add", lambda lib, x, s: x.scatter_add(0, lib.tensor([[1, 0, 1]]), s),
         ("anywhere",) * 2, ((2, 3), (1, 3))),
    Case("index_add", lambda lib, x, s: x.index_add(0, lib.tensor([1, 1]), s, alpha=2),
         ("anywhere",) * 2, ((2, 3), (2, 3))),
    Case("masked_fill", lambda lib, x: x.masked_fill(x > 0, 2.0), ("nonzero",)),
    Case("masked_fill_tensor", lambda lib, x, v: x.masked_fill(x > 0, v.sum()),
         ("nonzero", "anywhere"), ((2, 3), (1,))),
    Case("index_fill", lambda lib, x: x.index_fill(1, lib.tensor([0, 2]), 1.5),
         shapes=((2, 3),)),
    Case("scatter", lambda lib, x, s: x.scatter(1, lib.tensor([[2], [0]]), s),
         ("anywhere",) * 2, ((2, 3), (2, 1))),
    Case("scatter_number", lambda lib, x: x.scatter(1, lib.tensor([[2], [0]]), 0.5),
         shapes=((2, 3),)),
    Case("index_put", lambda lib, x, v: x.index_put((lib.tensor([1, 0]),), v),
         ("anywhere",) * 2, ((2, 3), (2, 3))),
    Case("setitem", lambda lib, x, v: _setitem(x, (slice(None), 1), v), ("anywhere",) * 2,
         ((2, 3), (2,))),
    Case("setitem_number", lambda lib, x: _setitem(x, 0, 1.5), shapes=((2, 3),)),
    Case("copy_", lambda lib, x, v: (x * 1).copy_(v), ("anywhere",) * 2, ((2, 3), (3,))),
    Case("inplace_mul", lambda lib, x, v: (x * 1).mul_(v), ("anywhere",) * 2),
    # joining
    Case("cat", lambda lib, a, b: lib.cat([a, b], 0), ("anywhere",) * 2, ((2, 3), (1, 3))),
    Case("stack", lambda lib, a, b: lib.stack([a, b], -1), ("anywhere",) * 2, "nd"),
    Case("split", lambda lib, x: x.split(2, -1), shapes=((2, 3),)),
    Case("split_sizes", lambda lib, x: x.split([1, 2], -1), shapes=((2, 3),)),
    Case("unbind", lambda lib, x: x.unbind(0), shapes=((2, 3),)),
    # products
    Case("mm", lambda lib, a, b: a @ b, ("anywhere",) * 2, ((2, 3), (3, 4))),
    Case("bmm", lambda lib, a, b: lib.bmm(a, b), ("anywhere",) * 2, ((2, 2, 3), (2, 3, 2))),
    Case("mv", lambda lib, a, b: a @ b, ("anywhere",) * 2, ((2, 3), (3,))),
    Case("dot", lambda lib, a, b: a @ b, ("anywhere",) * 2, ((3,), (3,))),
    Case("matmul_batched", lambda lib, a, b: a @ b, ("anywhere",) * 2, ((2, 2, 3), (3, 2))),
    Case("einsum", lambda lib, a, b: lib.einsum("ij,kj->ik", a, b), ("anywhere",) * 2,
         ((2, 3), (4, 3))),
    Case("addmm", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2),
         ("anywhere",) * 3, ((2, 4), (2, 3), (3, 4))),
    Case("linear", lambda lib, x, w, b: _f(lib).linear(x, w, b), ("anywhere",) * 3,
         ((2, 3), (4, 3), (4,))),
    # forward over reverse: nodes that backward formulas create
    Case("hvp_relu", lambda lib, x: (x.relu() * x).sum(), ("nonzero",), hvp=True),
    Case("hvp_select", lambda lib, x: (x[1] ** 3).sum(), shapes=((3, 2),), hvp=True),
    Case("hvp_slice", lambda lib, x: (x[:, 1:] ** 3).sum(), shapes=((2, 3),), hvp=True),
    Case("hvp_diagonal", lambda lib, x: (x.diagonal() ** 3).sum(), shapes=((3, 3),), hvp=True),
    Case("hvp_cumsum", lambda lib, x: (x.cumsum(0) ** 3).sum(), shapes="nd", hvp=True),
    Case("hvp_view_inplace", lambda lib, x: _view_inplace(x), shapes=((2, 3),), hvp=True),
    Case("hvp_softmax", lambda lib, x: (x.softmax(-1) * x).sum(), shapes="nd", hvp=True),
    Case("hvp_mlp", lambda lib, x, w: (x @ w).tanh().sum(), ("anywhere",) * 2,
         ((2, 3), (3, 2)), hvp=True),
    Case("multivariate_normal_log_prob", lambda lib, a, x: _mvn_log_prob(lib, a, x),
         ("anywhere",) * 2, ((3, 3), (2, 3))),
]


def _mvn_log_prob(lib, a, x):
    """Through a Cholesky factor and a triangular solve."""
    covariance = a @ a.mT + 3 * lib.eye(3, dtype=a.dtype)
    mvn = lib.distributions.MultivariateNormal(lib.zeros(3, dtype=a.dtype), covariance)
    return mvn.log_prob(x)


def _seeded(lib, draw):
    lib.manual_seed(0)
    return draw()


def _setitem(x, key, value):
    y = x * 1
    y[key] = value
    return y


def _view_inplace(x):
    y = x * 1
    v = y[0]
    v.mul_(2.0)
    return (y ** 3).sum() + (v ** 3).sum()

from forward_cases_more import MORE_CASES  # noqa: E402  (the functions of ops/*_more.py)

CASES += MORE_CASES

from forward_cases_linalg import LINALG_CASES  # noqa: E402  (the matrix ops' cases)
CASES += LINALG_CASES
