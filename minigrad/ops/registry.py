"""The op registry: every op declared once, with what tests, the fuzzer and the docs need to know.

An op's code lives in its family's module (its formula, then its forward and backward). Beside the
function, one ``register(...)`` call says what the op *is* to the rest of the project (the ops
written before the registry are declared in ``registry_shape.py``, ``registry_indexing.py``,
``registry_linalg.py`` and ``registry_random.py`` instead, keeping their modules under 800 lines):

* ``name`` – torch's name (``"mul"``); ``aliases`` – other names torch gives it (``"multiply"``);
* ``nodes`` – the ``grad_fn`` class names its backward records (``("MulBackward0",)``), exactly
  torch's;
* ``forms`` – where torch exposes it: ``"function"`` (``torch.mul``), ``"method"``
  (``Tensor.mul``), ``"inplace"`` (``Tensor.mul_``), ``"functional"``
  (``torch.nn.functional.gelu``); ``operators`` – the dunder names that call it (``"__mul__"``);
* ``args`` – its argument names in torch's order (the order torch unpacks saved tensors follows
  it);
* ``domain`` – where inputs are drawn from for tests (a key of ``DOMAINS``), and ``kinks`` –
  points where the derivative does not exist, which gradient tests keep away from;
* ``dtypes`` – the dtypes it is tested in; ``family`` – its module's family (``"unary"``,
  ``"binary"``, ``"reduction"``, ``"activation"``, ...);
* ``sample`` – optional: ``sample(rng, dtype)`` yields ``(args, kwargs)`` of ndarrays and numbers
  for ops whose inputs a domain alone cannot describe (convolution weights, indices, ...);
  ``cases(case(arr(2, 3), 1), ...)`` writes such calls out, with ``arr``/``idx``/``mask``
  standing for the arrays;
* ``node_gap`` – empty for almost every op: its grad_fn names equal torch's on every sample.
  Otherwise it says why some differ (einsum is one node here, several in torch); the test then
  checks the op records one of ``nodes`` and that the difference is still there;
* ``special_names`` – its names in ``torch.special`` (``sigmoid`` is ``special.expit``), tested
  like its other forms;
* ``no_drawn_tangents`` – empty for almost every op; otherwise why tangents drawn for every
  float argument do not test it (a factor of which only one triangle is read: a tangent in the
  other is a direction the op ignores, where torch's formula does not): its forward mode is
  then tested on inputs built for it (``tests/forward_cases_linalg.py``);
* ``random_stream`` – the op draws from the default generator (bernoulli, dropout, ...): tests
  seed both libraries alike before each call, so its draws are compared value for value.

Who reads it: the family tests (``tests/test_registry.py`` runs every registered op against
torch), the fuzzer's op table, the derivative table (``docs/derivatives.md``) and its coverage
check. ``OPS`` maps each name (aliases included) to its ``OpInfo``.
"""
from dataclasses import dataclass, field

import numpy as np

__all__ = ["OpInfo", "OPS", "DOMAINS", "register", "declare", "ops_in", "arr", "idx", "mask",
           "case", "cases"]


# ---- where test inputs come from ------------------------------------------------------------
def _anywhere(rng, shape):
    return rng.standard_normal(shape)


def _positive(rng, shape):
    return rng.uniform(0.1, 3.0, shape)


def _unit(rng, shape):            # strictly inside (-1, 1): asin, atanh, ...
    return rng.uniform(-0.9, 0.9, shape)


def _nonzero(rng, shape):         # |x| >= 0.1: abs, relu, sign, reciprocal
    x = rng.uniform(0.1, 2.0, shape)
    return np.where(rng.random(shape) < 0.5, -x, x)


def _above_one(rng, shape):       # acosh
    return rng.uniform(1.1, 4.0, shape)


def _away_from_integers(rng, shape):   # floor, round, ...: derivative 0 except at the jumps
    return rng.integers(-3, 3, shape) + rng.uniform(0.1, 0.4, shape)


def _probability(rng, shape):      # inside (0, 1): binary_cross_entropy's input
    return rng.uniform(0.05, 0.95, shape)


DOMAINS = {
    "anywhere": _anywhere, "positive": _positive, "unit": _unit, "nonzero": _nonzero,
    "probability": _probability, "above_one": _above_one, "away_from_integers": _away_from_integers,
}

# ---- written-out test calls, for ops whose arguments are not one array each ------------------
class _Draw:
    """A placeholder in a ``case``: made into an ndarray when the sample is drawn."""
    def __init__(self, make):
        self.make = make


def arr(*shape, domain="anywhere"):
    """A float array of ``shape`` drawn from ``domain``, in the dtype under test."""
    return _Draw(lambda rng, dtype: np.asarray(DOMAINS[domain](rng, shape)).astype(dtype))


def idx(high, *shape):
    """An int64 index array of ``shape`` with entries in ``[0, high)``."""
    return _Draw(lambda rng, dtype: rng.integers(0, high, shape))


def mask(*shape):
    """A bool array of ``shape``."""
    return _Draw(lambda rng, dtype: rng.random(shape) < 0.5)


def _draw(value, rng, dtype):
    if isinstance(value, _Draw):
        return value.make(rng, dtype)
    if isinstance(value, (list, tuple)):
        return type(value)(_draw(v, rng, dtype) for v in value)
    return value


def case(*args, **kwargs):
    """One call of an op: its positional and keyword arguments, with ``arr``/``idx``/``mask``
    placeholders for its arrays (also inside lists: ``case([arr(2), arr(3)], dim=0)``)."""
    return args, kwargs


def cases(*calls):
    """A ``sample`` made of written-out ``case``s: ``sample=cases(case(arr(2, 3), 1), ...)``."""
    def sample(rng, dtype):
        for args, kwargs in calls:
            yield _draw(args, rng, dtype), {k: _draw(v, rng, dtype) for k, v in kwargs.items()}
    return sample


FORMS = frozenset({"function", "method", "inplace", "functional"})


@dataclass(frozen=True)
class OpInfo:
    name: str
    fn: object
    nodes: tuple = ()
    forms: frozenset = frozenset({"function", "method"})
    aliases: tuple = ()
    operators: tuple = ()
    args: tuple = ("input",)
    domain: str = "anywhere"
    kinks: tuple = ()
    dtypes: tuple = ("float32", "float64")
    family: str = ""
    differentiable: bool = True
    sample: object = None
    node_gap: str = ""
    random_stream: bool = False
    no_drawn_tangents: str = ""
    special_names: tuple = ()
    notes: str = field(default="", compare=False)

    def __post_init__(self):
        unknown = set(self.forms) - FORMS
        if unknown:
            raise ValueError(f"{self.name}: unknown forms {sorted(unknown)}")
        if self.domain not in DOMAINS:
            raise ValueError(f"{self.name}: unknown domain {self.domain!r}")


OPS: dict = {}


def declare(name, fn, **info):
    """Record ``fn`` as torch's op ``name`` (see the module docstring for the fields)."""
    info.setdefault("forms", frozenset({"function", "method"}))
    op = OpInfo(name, fn, **{k: (frozenset(v) if k == "forms" else v) for k, v in info.items()})
    for key in (name, *op.aliases):
        if key in OPS and OPS[key].fn is not fn:
            raise ValueError(f"op {key!r} is registered twice")
        OPS[key] = op
    return op


def register(name=None, **info):
    """Decorator form of ``declare``: ``@register(nodes=("MulBackward0",), aliases=("multiply",))``
    above ``def mul(input, other)``. The function is returned unchanged."""
    def wrap(fn):
        declare(name or fn.__name__, fn, **info)
        return fn
    return wrap


def ops_in(family=None):
    """The registered ops (each once, aliases folded), optionally of one family, by name."""
    seen = {}
    for op in OPS.values():
        if family is None or op.family == family:
            seen[op.name] = op
    return [seen[k] for k in sorted(seen)]


def expose(torch_namespace, tensor_cls, functional_namespace, make_inplace):
    """Give every registered op its forms: ``torch.X`` (function), ``Tensor.X`` (method),
    ``Tensor.X_`` (in-place, built by ``make_inplace``), ``torch.nn.functional.X`` (functional),
    each under its aliases too. Called once by ``minigrad/__init__.py`` after every op module
    is imported. A name the target already defines by hand is left alone."""
    for op in ops_in():
        for key in (op.name, *op.aliases):
            if "function" in op.forms and not hasattr(torch_namespace, key):
                setattr(torch_namespace, key, op.fn)
            if "functional" in op.forms and not hasattr(functional_namespace, key):
                setattr(functional_namespace, key, op.fn)
            if "method" in op.forms and key not in vars(tensor_cls):
                setattr(tensor_cls, key, op.fn)
            if "inplace" in op.forms and key + "_" not in vars(tensor_cls):
                setattr(tensor_cls, key + "_", make_inplace(op.fn))
        for dunder in op.operators:
            if dunder not in vars(tensor_cls):
                setattr(tensor_cls, dunder, op.fn)
