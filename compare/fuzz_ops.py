"""The fuzzer's vocabulary: each op knows how to pick operands from the graph built so far.

An op's ``make(g, rng)`` returns the Python expression of one new step (written against
``torch``) or None when no operand fits. ``g`` is the graph under construction (see
``fuzz.Builder``): it knows every variable's shape and dtype, and can add new leaves. An op is
only used when minigrad has every name in ``needs`` (methods of Tensor, or ``torch.X``).
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class Op:
    name: str
    family: str
    make: object
    needs: tuple = ()
    weight: float = 1.0
    inplace: bool = False


OPS = []


def op(family, needs=(), weight=1.0, inplace=False, name=None):
    def register(make):
        OPS.append(Op(name or make.__name__, family, make, tuple(needs), weight, inplace))
        return make
    return register


def _dim(rng, ndim):
    """A valid dim, sometimes negative."""
    d = int(rng.integers(ndim))
    return d - ndim if rng.random() < 0.3 else d


# ---- unary elementwise -------------------------------------------------------------------------
_UNARY = {
    "neg": "-{x}", "exp": "{x}.exp()", "sin": "{x}.sin()", "cos": "torch.cos({x})",
    "tanh": "{x}.tanh()", "sigmoid": "torch.sigmoid({x})", "relu": "{x}.relu()",
    "abs": "{x}.abs()", "square": "{x}.square()", "log": "({x}.abs() + 0.5).log()",
    "sqrt": "({x}.abs() + 0.1).sqrt()", "rsqrt": "({x}.abs() + 0.5).rsqrt()",
    "pow2": "{x} ** 2", "pow3": "{x}.pow(3)", "powf": "({x}.abs() + 0.2) ** 1.5",
    "reciprocal": "({x}.abs() + 0.5).reciprocal()", "clamp": "{x}.clamp(-0.5, 0.7)",
    "clamp_min": "{x}.clamp(min=0.1)", "clamp_max": "torch.clamp({x}, max=0.2)",
    "erf": "{x}.erf()", "expm1": "{x}.expm1()", "log1p": "{x}.abs().log1p()",
    "sign_mul": "{x}.sign() * {x}", "floor": "{x}.floor()", "round": "{x}.round()",
    "exp2": "{x}.exp2()", "log2": "({x}.abs() + 1).log2()", "atan": "{x}.atan()",
    "scale": "{x} * 2.5", "rsub": "1.5 - {x}", "rdiv": "3 / ({x}.abs() + 1)",
    "div_scalar": "{x} / 4", "add_int": "{x} + 3", "detach": "{x}.detach()",
    "clone": "{x}.clone()", "to_double": "{x}.double()", "to_float": "{x}.float()",
}
_UNARY_NEEDS = {
    "log": ("abs", "log"), "sqrt": ("abs", "sqrt"), "rsqrt": ("abs", "rsqrt"),
    "powf": ("abs", "__pow__"), "pow2": ("__pow__",), "pow3": ("pow",), "reciprocal": ("abs",
    "reciprocal"), "clamp_min": ("clamp",), "clamp_max": ("torch.clamp",), "log1p": ("abs",
    "log1p"), "sign_mul": ("sign",), "log2": ("abs", "log2"), "scale": ("__mul__",),
    "rsub": ("__rsub__",), "rdiv": ("__rtruediv__", "abs"), "div_scalar": ("__truediv__",),
    "add_int": ("__add__",), "to_double": ("double",), "to_float": ("float",),
    "neg": ("__neg__",), "cos": ("torch.cos",), "sigmoid": ("torch.sigmoid",),
}


def _unary(template):
    def make(g, rng):
        x = g.pick(rng)
        return None if x is None else template.format(x=x)
    return make


for _name, _template in _UNARY.items():
    OPS.append(Op(_name, "unary", _unary(_template), _UNARY_NEEDS.get(_name, (_name,)), 0.4))


# The other unary ops of the op registry (minigrad/ops/registry.py), each fed values from its
# declared domain: an operand is mapped into it first (|x| + 0.2 is positive, ...). They form
# the family "registered", drawn only when asked for (``--families registered``): the default
# vocabulary stays as it is, so a case of a seed is the same program as before.
_INTO_DOMAIN = {"anywhere": "{x}", "nonzero": "{x}", "away_from_integers": "{x}",
                "positive": "({x}.abs() + 0.2)", "unit": "({x}.tanh() * 0.9)",
                "above_one": "({x}.abs() + 1.1)"}


def _registered_unary():
    from minigrad.ops.registry import ops_in
    for info in ops_in("unary"):
        if info.name not in _UNARY and info.domain in _INTO_DOMAIN and "method" in info.forms:
            template = _INTO_DOMAIN[info.domain] + "." + info.name + "()"
            yield Op(info.name, "registered", _unary(template), (info.name,), 0.2)


REGISTERED = list(_registered_unary())


# ---- binary elementwise with broadcasting ----------------------------------------------------
_BINARY = {
    "add": "{x} + {y}", "sub": "{x} - {y}", "mul": "{x} * {y}",
    "div": "{x} / ({y}.abs() + 0.5)", "maximum": "torch.maximum({x}, {y})",
    "minimum": "torch.minimum({x}, {y})", "where": "torch.where({x} > {y}, {x}, {y})",
    "add_alpha": "torch.add({x}, {y}, alpha=-2)", "pow_tensor": "({x}.abs() + 0.5) ** {y}",
    "atan2": "torch.atan2({x}, {y})", "lerp": "torch.lerp({x}, {y}, 0.3)",
    "mul_self": "{x} * {x}", "max_self": "torch.maximum({x}, {x})",
}
_BINARY_NEEDS = {
    "add": ("__add__",), "sub": ("__sub__",), "mul": ("__mul__",), "div": ("__truediv__",
    "abs"), "maximum": ("torch.maximum",), "minimum": ("torch.minimum",),
    "where": ("torch.where", "__gt__"), "add_alpha": ("torch.add",),
    "pow_tensor": ("__pow__", "abs"), "atan2": ("torch.atan2",), "lerp": ("torch.lerp",),
    "mul_self": ("__mul__",), "max_self": ("torch.maximum",),
}


def _binary(template):
    def make(g, rng):
        x = g.pick(rng)
        if x is None:
            return None
        y = g.operand_broadcasting_with(x, rng) if "{y}" in template else None
        return template.format(x=x, y=y)
    return make


for _name, _template in _BINARY.items():
    OPS.append(Op(_name, "binary", _binary(_template), _BINARY_NEEDS[_name], 0.6))


@op("promotion", needs=("__mul__", "__add__"), weight=0.5)
def with_int_tensor(g, rng):
    """A float tensor with an integer or bool tensor: the result takes the float dtype."""
    x = g.pick(rng)
    if x is None:
        return None
    shape = g.broadcastable_shape(g.shape(x), rng)
    i = g.new_leaf(shape, rng, kind=rng.choice(["int", "bool"]))
    return f"{x} * {i}" if rng.random() < 0.5 else f"{i} + {x}"


@op("promotion", needs=("__mul__",), weight=0.3)
def with_other_float(g, rng):
    """float32 with float64 promotes to float64 (0-d tensors do not promote dimensioned ones)."""
    x = g.pick(rng)
    if x is None:
        return None
    other = "float32" if g.dtype(x) == "torch.float64" else "float64"
    shape = () if rng.random() < 0.4 else g.broadcastable_shape(g.shape(x), rng)
    y = g.new_leaf(shape, rng, dtype=other)
    return f"{x} * {y}"


# ---- reductions ----------------------------------------------------------------------------
def _reduction(template, needs, needs_dim=True, weight=0.5, min_ndim=1):
    def make(g, rng):
        x = g.pick(rng, lambda s: len(s) >= min_ndim and 0 not in s)
        if x is None:
            return None
        nd = len(g.shape(x))
        d = _dim(rng, nd) if nd else 0
        return template.format(x=x, d=d, k=bool(rng.random() < 0.5))
    return make


_REDUCTIONS = {
    "sum_all": ("{x}.sum()", ("sum",), 0),
    "sum_dim": ("{x}.sum(dim={d}, keepdim={k})", ("sum",), 1),
    "mean_all": ("{x}.mean()", ("mean",), 0),
    "mean_dim": ("torch.mean({x}, {d}, keepdim={k})", ("torch.mean",), 1),
    "max_all": ("{x}.max()", ("max",), 0),
    "max_dim": ("{x}.max(dim={d}).values", ("max",), 1),
    "min_dim": ("{x}.min({d}, keepdim={k})[0]", ("min",), 1),
    "amax": ("{x}.amax(dim={d})", ("amax",), 1),
    "prod_dim": ("{x}.prod(dim={d})", ("prod",), 1),
    "var_dim": ("{x}.var(dim={d}, keepdim={k})", ("var",), 1),
    "std_all": ("{x}.std()", ("std",), 0),
    "logsumexp": ("{x}.logsumexp(dim={d})", ("logsumexp",), 1),
    "softmax": ("{x}.softmax(dim={d})", ("softmax",), 1),
    "log_softmax": ("{x}.log_softmax(dim={d})", ("log_softmax",), 1),
    "norm": ("{x}.norm()", ("norm",), 0),
    "cumsum": ("{x}.cumsum(dim={d})", ("cumsum",), 1),
}
for _name, (_template, _needs, _min_ndim) in _REDUCTIONS.items():
    OPS.append(Op(_name, "reduction", _reduction(_template, _needs, min_ndim=_min_ndim),
                  _needs, 0.35))


# ---- matmul ----------------------------------------------------------------------------------
@op("matmul", needs=("__matmul__",), weight=1.0)
def matmul(g, rng):
    """x @ y with y's shape chosen to fit x: vector, matrix or broadcast batch."""
    x = g.pick(rng, lambda s: 1 <= len(s) <= 3 and 0 not in s)
    if x is None:
        return None
    s = g.shape(x)
    k = s[-1]
    r = rng.random()
    if r < 0.2:
        shape = (k,)
    elif r < 0.8 or len(s) == 1:
        shape = (k, int(rng.integers(1, 5)))
    else:
        shape = (int(rng.choice([1, s[0]])), k, int(rng.integers(1, 4)))
    y = g.existing_with_shape(shape, rng) or g.new_leaf(shape, rng)
    if rng.random() < 0.2:
        return f"torch.matmul({y}.transpose(-1, -2), {x}.unsqueeze(-1))" if len(shape) >= 2 \
            and len(s) == 1 and shape[-1] else f"{x} @ {y}"
    return f"{x} @ {y}"


# ---- views and shape ops -------------------------------------------------------------------
@op("view", needs=("transpose",), weight=0.6)
def transpose(g, rng):
    x = g.pick(rng, lambda s: len(s) >= 2)
    if x is None:
        return None
    nd = len(g.shape(x))
    d0, d1 = rng.choice(nd, 2, replace=False)
    return f"{x}.transpose({int(d0)}, {int(d1)})"


@op("view", needs=("permute",), weight=0.3)
def permute(g, rng):
    x = g.pick(rng, lambda s: len(s) >= 2)
    if x is None:
        return None
    return f"{x}.permute({', '.join(str(int(d)) for d in rng.permutation(len(g.shape(x))))})"


@op("view", needs=("t",), weight=0.2)
def t(g, rng):
    x = g.pick(rng, lambda s: len(s) == 2)
    return None if x is None else f"{x}.t()"


@op("view", needs=("unsqueeze",), weight=0.3)
def unsqueeze(g, rng):
    x = g.pick(rng, lambda s: len(s) <= 3)
    if x is None:
        return None
    return f"{x}.unsqueeze({int(rng.integers(-len(g.shape(x)) - 1, len(g.shape(x)) + 1))})"


@op("view", needs=("squeeze",), weight=0.3)
def squeeze(g, rng):
    x = g.pick(rng, lambda s: 1 in s)
    if x is None:
        return None
    s = g.shape(x)
    if rng.random() < 0.5:
        return f"{x}.squeeze()"
    return f"{x}.squeeze({int(rng.choice([i for i, n in enumerate(s) if n == 1]))})"


@op("view", needs=("reshape",), weight=0.4)
def reshape(g, rng):
    x = g.pick(rng, lambda s: len(s) >= 1)
    if x is None:
        return None
    n = int(np.prod(g.shape(x)))
    if rng.random() < 0.4 or n == 0:
        return f"{x}.reshape(-1)"
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    a = int(rng.choice(divisors))
    return f"{x}.reshape({a}, -1)"


@op("view", needs=("view",), weight=0.3)
def view(g, rng):
    """view needs a compatible stride: on non-contiguous inputs torch refuses (an error case)."""
    x = g.pick(rng, lambda s: len(s) >= 1)
    return None if x is None else f"{x}.view(-1)"


@op("view", needs=("flatten",), weight=0.2)
def flatten(g, rng):
    x = g.pick(rng, lambda s: len(s) >= 2)
    return None if x is None else f"{x}.flatten({int(rng.integers(len(g.shape(x)) - 1))})"


@op("view", needs=("expand",), weight=0.3)
def expand(g, rng):
    x = g.pick(rng, lambda s: 1 in s or len(s) < 3)
    if x is None:
        return None
    s = g.shape(x)
    new = [int(rng.integers(2, 4)) if n == 1 else (-1 if rng.random() < 0.5 else n) for n in s]
    if len(s) < 3 and rng.random() < 0.5:
        new = [int(rng.integers(1, 3))] + new
    return f"{x}.expand({', '.join(map(str, new))})"


@op("view", needs=("contiguous",), weight=0.2)
def contiguous(g, rng):
    x = g.pick(rng)
    return None if x is None else f"{x}.contiguous()"


@op("view", needs=("narrow",), weight=0.2)
def narrow(g, rng):
    x = g.pick(rng, lambda s: len(s) >= 1 and max(s) >= 2)
    if x is None:
        return None
    s = g.shape(x)
    d = int(rng.choice([i for i, n in enumerate(s) if n >= 2]))
    start = int(rng.integers(s[d] - 1))
    return f"{x}.narrow({d}, {start}, {int(rng.integers(1, s[d] - start + 1))})"


@op("view", needs=("select",), weight=0.2)
def select(g, rng):
    x = g.pick(rng, lambda s: len(s) >= 1 and 0 not in s)
    if x is None:
        return None
    s = g.shape(x)
    d = int(rng.integers(len(s)))
    return f"{x}.select({d}, {int(rng.integers(-s[d], s[d]))})"


@op("view", needs=("unbind", "chunk", "split"), weight=0.3)
def split_pieces(g, rng):
    x = g.pick(rng, lambda s: len(s) >= 1 and 0 not in s)
    if x is None:
        return None
    s = g.shape(x)
    d = int(rng.integers(len(s)))
    form = rng.integers(3)
    if form == 0:
        return f"{x}.unbind({d})[{int(rng.integers(s[d]))}]"
    if form == 1:
        return f"{x}.chunk(2, dim={d})[0]"
    return f"{x}.split(1, dim={d})[-1]"


# ---- indexing -------------------------------------------------------------------------------
def _slice(rng, n):
    start = int(rng.integers(0, max(n, 1)))
    step = int(rng.choice([1, 1, 2, 3]))
    if rng.random() < 0.3:
        return f"{start - n}:" if start else ":"
    return f"{start}::{step}" if step > 1 else f"{start}:"


@op("indexing", needs=("__getitem__",), weight=0.8)
def basic_index(g, rng):
    """Integers, slices (with steps), None and Ellipsis."""
    x = g.pick(rng, lambda s: len(s) >= 1 and 0 not in s)
    if x is None:
        return None
    s = g.shape(x)
    parts = []
    for n in s[: int(rng.integers(1, len(s) + 1))]:
        r = rng.random()
        parts.append(str(int(rng.integers(-n, n))) if r < 0.3 else
                     ":" if r < 0.45 else _slice(rng, n))
    if rng.random() < 0.2:
        parts.insert(int(rng.integers(len(parts) + 1)), "None")
    if rng.random() < 0.2 and len(parts) < len(s):
        parts = ["..."] + parts[1:] if len(parts) > 1 else ["...", parts[0]]
    return f"{x}[{', '.join(parts)}]"


@op("indexing", needs=("__getitem__",), weight=0.5)
def advanced_index(g, rng):
    """Integer lists / tensors (with repeats) and boolean masks."""
    x = g.pick(rng, lambda s: len(s) >= 1 and 0 not in s)
    if x is None:
        return None
    s = g.shape(x)
    r = rng.random()
    if r < 0.35:
        idx = [int(i) for i in rng.integers(-s[0], s[0], int(rng.integers(1, 4)))]
        return f"{x}[{idx}]"
    if r < 0.6 and len(s) >= 2:
        idx = [int(i) for i in rng.integers(0, s[1], int(rng.integers(1, 4)))]
        return f"{x}[:, torch.tensor({idx})]"
    if r < 0.8:
        return f"{x}[{x} > 0]"
    if len(s) >= 2:
        i0 = [int(i) for i in rng.integers(0, s[0], 2)]
        i1 = [int(i) for i in rng.integers(0, s[1], 2)]
        return f"{x}[{i0}, {i1}]"
    return None


# ---- join ----------------------------------------------------------------------------------
@op("join", needs=("torch.cat",), weight=0.5)
def cat(g, rng):
    x = g.pick(rng, lambda s: len(s) >= 1)
    if x is None:
        return None
    s = g.shape(x)
    d = int(rng.integers(len(s)))
    shape = list(s)
    shape[d] = int(rng.integers(1, 4))
    y = g.existing_with_shape(tuple(shape), rng) or g.new_leaf(tuple(shape), rng)
    return f"torch.cat([{x}, {y}], dim={d})" if rng.random() < 0.5 else \
        f"torch.cat(({y}, {x}, {y}), {d - len(s)})"


@op("join", needs=("torch.stack",), weight=0.4)
def stack(g, rng):
    x = g.pick(rng, lambda s: len(s) <= 3)
    if x is None:
        return None
    s = g.shape(x)
    y = g.existing_with_shape(s, rng) or g.new_leaf(s, rng)
    return f"torch.stack([{x}, {y}, {x}], dim={int(rng.integers(-len(s) - 1, len(s) + 1))})"


# ---- in-place ops on intermediate results -----------------------------------------------------
_INPLACE = {
    "mul_": "{x}.mul_(2)", "add_": "{x}.add_({y})", "sub_": "{x}.sub_({y}, alpha=0.5)",
    "mul_tensor_": "{x}.mul_({y})", "div_": "{x}.div_(3)", "clamp_": "{x}.clamp_(-1, 1)",
    "exp_": "{x}.exp_()", "relu_": "{x}.relu_()", "sigmoid_": "{x}.sigmoid_()",
    "neg_": "{x}.neg_()", "zero_": "{x}.zero_()", "fill_": "{x}.fill_(0.5)",
    "copy_": "{x}.copy_({y})",
}


def _inplace(template):
    def make(g, rng):
        """An in-place op on a non-leaf (rarely on a leaf: torch's error)."""
        x = g.pick(rng, non_leaf=rng.random() > 0.05)
        if x is None:
            return None
        y = g.operand_broadcasting_to(x, rng) if "{y}" in template else None
        return template.format(x=x, y=y)
    return make


for _name, _template in _INPLACE.items():
    _method = _name.replace("_tensor_", "_")
    OPS.append(Op(_name, "inplace", _inplace(_template), (_method,), 0.12, inplace=True))


@op("inplace", needs=("__getitem__", "mul_", "add_"), weight=0.4, inplace=True)
def inplace_view(g, rng):
    """An in-place op through a view of an intermediate (torch rebases the view's history)."""
    x = g.pick(rng, lambda s: len(s) >= 1 and s[0] >= 1, non_leaf=True)
    if x is None:
        return None
    s = g.shape(x)
    view = f"{x}[{int(rng.integers(s[0]))}]" if rng.random() < 0.5 or len(s) < 2 else \
        f"{x}.transpose(0, -1)[0]" if rng.random() < 0.5 else f"{x}[:, 1:]"
    return f"{view}.{rng.choice(['mul_(3)', 'add_(1)', 'exp_()', 'neg_()'])}"


@op("inplace", needs=("__setitem__",), weight=0.5, inplace=True)
def setitem(g, rng):
    """x[index] = value on an intermediate tensor."""
    x = g.pick(rng, lambda s: len(s) >= 1 and 0 not in s, non_leaf=True)
    if x is None:
        return None
    s = g.shape(x)
    r = rng.random()
    if r < 0.3:
        return f"{x}[{int(rng.integers(s[0]))}] = 0.25"
    if r < 0.6:
        y = g.new_leaf(s[1:], rng)
        return f"{x}[{int(rng.integers(s[0]))}] = {y}"
    if r < 0.8:
        return f"{x}[{x} < 0] = 0.0"
    y = g.new_leaf((1,) + s[1:], rng)
    return f"{x}[{_slice(rng, s[0])}] = {y}"


# ---- torch.nn.functional -------------------------------------------------------------------
_FUNCTIONAL = {
    "F.softmax": "F.softmax({x}, dim={d})", "F.log_softmax": "F.log_softmax({x}, dim={d})",
    "F.relu": "F.relu({x})", "F.tanh": "F.tanh({x})", "F.sigmoid": "F.sigmoid({x})",
    "F.leaky_relu": "F.leaky_relu({x}, 0.1)", "F.gelu": "F.gelu({x})", "F.silu": "F.silu({x})",
    "F.softplus": "F.softplus({x})", "F.elu": "F.elu({x})",
    "F.mish": "F.mish({x})", "F.celu": "F.celu({x}, 0.5)", "F.selu": "F.selu({x})",
    "F.hardtanh": "F.hardtanh({x})", "F.relu6": "F.relu6({x})", "F.hardswish": "F.hardswish({x})",
    "F.hardsigmoid": "F.hardsigmoid({x})", "F.softsign": "F.softsign({x})",
    "F.softshrink": "F.softshrink({x})", "F.hardshrink": "F.hardshrink({x})",
    "F.tanhshrink": "F.tanhshrink({x})", "F.logsigmoid": "F.logsigmoid({x})",
    "F.softmin": "F.softmin({x}, dim={d})", "F.normalize": "F.normalize({x}, dim={d})",
    "F.layer_norm": "F.layer_norm({x}, {x}.shape[-1:])",
    "F.rms_norm": "F.rms_norm({x}, {x}.shape[-1:])",
}


def _functional(template):
    def make(g, rng):
        x = g.pick(rng, lambda s: len(s) >= 1)
        return None if x is None else template.format(x=x, d=_dim(rng, len(g.shape(x))))
    return make


for _name, _template in _FUNCTIONAL.items():
    OPS.append(Op(_name, "nn", _functional(_template), (_name,), 0.15))


@op("nn", needs=("F.mse_loss", "F.l1_loss"), weight=0.3)
def regression_loss(g, rng):
    x = g.pick(rng, lambda s: len(s) >= 1)
    if x is None:
        return None
    y = g.existing_with_shape(g.shape(x), rng) or g.new_leaf(g.shape(x), rng)
    fn = rng.choice(["mse_loss", "l1_loss"])
    return f"F.{fn}({x}, {y}, reduction={str(rng.choice(['mean', 'sum', 'none']))!r})"


@op("nn", needs=("F.linear",), weight=0.3)
def linear(g, rng):
    x = g.pick(rng, lambda s: 1 <= len(s) <= 3 and 0 not in s)
    if x is None:
        return None
    k = g.shape(x)[-1]
    w = g.new_leaf((int(rng.integers(1, 4)), k), rng)
    if rng.random() < 0.3:
        return f"F.linear({x}, {w})"
    b = g.new_leaf((g.env[w].shape[0],), rng)
    return f"F.linear({x}, {w}, {b})"


@op("nn", needs=("F.cross_entropy", "F.nll_loss", "F.log_softmax"), weight=0.3)
def classification_loss(g, rng):
    x = g.pick(rng, lambda s: len(s) == 2 and 0 not in s)
    if x is None:
        return None
    n, c = g.shape(x)
    t = g.new_leaf((n,), rng, kind="int")
    g.env[t].clamp_(0, c - 1)
    leaf = g.case.leaves[-1]
    leaf.array = np.clip(leaf.array, 0, c - 1)
    if rng.random() < 0.5:
        return f"F.cross_entropy({x}, {t})"
    return f"F.nll_loss(F.log_softmax({x}, dim=1), {t}, reduction='sum')"


# ---- scans, special functions and more binary ops (the language-model ops) ------------------
_LM_UNARY = {
    "asinh": ("{x}.asinh()", ("asinh",)),
    "acosh": ("({x}.abs() + 1.1).acosh()", ("abs", "acosh")),
    "atanh": ("({x}.tanh() * 0.9).atanh()", ("tanh", "atanh")),
    "lgamma": ("({x}.abs() + 0.3).lgamma()", ("abs", "lgamma")),
    "digamma": ("({x}.abs() + 0.3).digamma()", ("abs", "digamma")),
    "erfinv": ("({x}.tanh() * 0.9).erfinv()", ("tanh", "erfinv")),
}
for _name, (_template, _needs) in _LM_UNARY.items():
    OPS.append(Op(_name, "unary", _unary(_template), _needs, 0.2))

_LM_BINARY = {
    "copysign": ("torch.copysign({x}, {y})", ("torch.copysign",)),
    "hypot": ("torch.hypot({x}, {y}) + 0.1", ("torch.hypot",)),
    "logaddexp2": ("torch.logaddexp2({x}, {y})", ("torch.logaddexp2",)),
    "xlogy": ("torch.xlogy({x}, {y}.abs() + 0.5)", ("torch.xlogy", "abs")),
}
for _name, (_template, _needs) in _LM_BINARY.items():
    OPS.append(Op(_name, "binary", _binary(_template), _needs, 0.3))

_LM_SCANS = {
    "cummax": ("{x}.cummax(dim={d}).values", ("cummax",), 1),
    "cummin": ("torch.cummin({x}, {d})[0]", ("torch.cummin",), 1),
    "logcumsumexp": ("{x}.logcumsumexp(dim={d})", ("logcumsumexp",), 1),
    "quantile": ("torch.quantile({x}, 0.3, dim={d}, keepdim={k})", ("torch.quantile",), 1),
}
for _name, (_template, _needs, _min_ndim) in _LM_SCANS.items():
    OPS.append(Op(_name, "reduction", _reduction(_template, _needs, min_ndim=_min_ndim),
                  _needs, 0.2))


# ---- convolution, pooling, batch norm ---------------------------------------------------------
def _image(g, rng, low=2):
    """An existing (N, C, H, W) tensor with H, W >= low, or a new leaf of that shape."""
    x = g.pick(rng, lambda s: len(s) == 4 and 0 not in s and min(s[2:]) >= low)
    if x is None and rng.random() < 0.5:
        x = g.new_leaf((int(rng.integers(1, 3)), int(rng.integers(1, 4)),
                        int(rng.integers(low, 7)), int(rng.integers(low, 7))), rng)
    return x


@op("nn", needs=("F.conv2d",), weight=0.2)
def conv2d(g, rng):
    x = _image(g, rng)
    if x is None:
        return None
    n, c, h, w = g.shape(x)
    groups = int(rng.choice([gr for gr in (1, 2, 3) if c % gr == 0]))
    kernel = (int(rng.integers(1, min(h, 3) + 1)), int(rng.integers(1, min(w, 3) + 1)))
    weight = g.new_leaf((groups * int(rng.integers(1, 3)), c // groups) + kernel, rng)
    args = (f"stride={int(rng.integers(1, 3))}, padding={int(rng.integers(0, 2))}, "
            f"groups={groups}")
    if rng.random() < 0.5:
        bias = g.new_leaf((g.env[weight].shape[0],), rng)
        return f"F.conv2d({x}, {weight}, {bias}, {args})"
    return f"F.conv2d({x}, {weight}, {args})"


@op("nn", needs=("F.max_pool2d", "F.avg_pool2d"), weight=0.2)
def pool2d(g, rng):
    x = _image(g, rng)
    if x is None:
        return None
    k = int(rng.integers(1, 3))
    args = f"{k}, stride={int(rng.integers(1, 3))}, padding={int(rng.integers(0, k // 2 + 1))}"
    args += f", ceil_mode={bool(rng.random() < 0.3)}"
    if rng.random() < 0.5:
        return f"F.max_pool2d({x}, {args})"
    return f"F.avg_pool2d({x}, {args}, count_include_pad={bool(rng.random() < 0.5)})"


@op("nn", needs=("F.batch_norm",), weight=0.15)
def batch_norm(g, rng):
    x = g.pick(rng, lambda s: 2 <= len(s) <= 4 and 0 not in s and np.prod(s) > s[1])
    if x is None:
        return None
    c = g.shape(x)[1]
    weight, bias = g.new_leaf((c,), rng), g.new_leaf((c,), rng)
    return f"F.batch_norm({x}, None, None, {weight}, {bias}, training=True)"
