"""The forward-mode formulas (JVPs): one per differentiable op, keyed by its node's name.

Each op's backward formula says how an output gradient flows back to the inputs (a
vector-Jacobian product). Its forward formula says how input tangents flow forward to the
output (a Jacobian-vector product): ``ExpBackward0``'s backward is ``grad_x = grad * out``, its
forward formula ``t_out = t_self * result``. The formulas live in three family modules, each
a table of ``formula(node name, text, rule)`` lines:

* ``forward_formulas_pointwise``: elementwise math (``sin``, ``mul``, ``pow``, ``where``...);
* ``forward_formulas_reduce``: reductions, sorting, softmax, losses, random sampling;
* ``forward_formulas_structure``: shape, indexing, joining, linear algebra, copies.

``text`` is the formula in words (what ``jvp_formula(name)`` returns, for the derivative
table); ``rule(c)`` computes it from a ``JvpContext`` ``c``:

* ``c.args``: the op's arguments as ``Function.apply`` got them (Tensors, numbers, keys);
* ``c.t[i]``: argument i's tangent -- zeros for a float Tensor without one, the number 0
  for anything else (a Python number, an index array, a bool mask);
* ``c.has(i)``: did argument i bring a tangent of its own?
* ``c.out``: the op's result (a tuple for a multi-output op).

The rule returns the output's tangent (a tuple for a multi-output op, None for an output with
none). It runs with forward AD off and grad mode as it is, on minigrad ops, so the tangent is
differentiable like any other tensor.

Three shapes of rule recur, as in torch's derivatives.yaml:

* ``LINEAR``: the op is linear in its float inputs (views, sums, cat, indexing, ``add``):
  its tangent is the op itself applied to the tangents (``t_out = sum(t_self, dim)``);
* ``MULTILINEAR``: linear in each input separately (``mul``, ``mm``, ``einsum``): the product
  rule, one term per input that has a tangent (``t_a @ b + a @ t_b``);
* ``TRANSPOSED_VJP``: the tangent is read off the backward formula itself, which is linear in
  the output gradient u: ``t_out = d/du <vjp(u), t_in>`` (two backward passes; used for ops
  whose direct formula is long: prod, cumprod, norms, variances, losses).
"""
import importlib

import numpy as np

from . import grad_mode, grad as autograd_grad
from .._tensor import Tensor, _make
from .. import creation
from ..func import batching

__all__ = ["formula", "formula_table", "unsupported", "unsupported_op", "jvp_formula", "rule_for",
           "covered", "JvpContext", "LINEAR", "MULTILINEAR", "TRANSPOSED_VJP", "linear"]

_FORMULAS = {}   # node name -> (text, rule)
# the modules forward_formulas_<family>.py that declare them
FAMILIES = ("pointwise", "reduce", "structure", "activation", "spatial", "norm", "more",
            "losses", "linalg")


def formula(name, text, rule):
    """Declare node ``name``'s forward formula: its text and the rule computing it."""
    if name in _FORMULAS:
        raise ValueError(f"two forward formulas for {name}")
    _FORMULAS[name] = (text, rule)


_UNSUPPORTED = {}  # node name -> the op as torch's forward-AD error names it


def unsupported(name, torch_op):
    """Node ``name`` has no forward formula, in torch either: forward AD raises torch's error,
    naming the op ``torch_op`` (``aten::x``: an op torch gives no derivative entry at all; a
    bare name: one whose entry says its forward formula is not implemented yet)."""
    _UNSUPPORTED[name] = torch_op


def unsupported_op(node_name):
    """The torch op named by the error for a node without a forward formula in torch, or None."""
    _load()
    return _UNSUPPORTED.get(node_name)


def formula_table(entries, rule, note=""):
    """``formula(name, text + note, rule)`` for each name: text of ``entries``."""
    for name, text in entries.items():
        formula(name, text + note, rule)


def _load():
    for family in FAMILIES:
        importlib.import_module(f"{__package__}.forward_formulas_{family}")


def jvp_formula(node_name):
    """The forward formula of the node named ``node_name`` as text, or None if it has none."""
    _load()
    entry = _FORMULAS.get(node_name)
    return None if entry is None else entry[0]


def covered():
    """The node names that have a forward formula."""
    _load()
    return set(_FORMULAS)


def rule_for(cls):
    """The rule for Function class ``cls``, or None."""
    entry = _FORMULAS.get(cls.__name__)
    if entry is None:
        _load()
        entry = _FORMULAS.get(cls.__name__)
    return None if entry is None else entry[1]


def op_name(cls):
    """The op as torch's forward-AD error names it: ``aten::floor_divide`` for a node without a
    derivative (minigrad's ``NotImplemented`` nodes say which op they stand for), else the node."""
    doc = cls.__doc__ or ""
    if cls.__name__ == "NotImplemented" and doc.startswith("out = "):
        return "aten::" + doc[len("out = "):].split("(")[0]
    return cls.__name__


class JvpContext:
    """What a rule sees: the op, its arguments, their tangents, its output (module docstring)."""

    __slots__ = ("cls", "args", "t", "raw", "out")

    def __init__(self, cls, args, tangents, out):
        self.cls, self.args, self.raw, self.out = cls, args, tangents, out
        self.t = [tan if tan is not None
                  else _zeros_like(a) if isinstance(a, Tensor) and a._data.dtype.kind in "fc"
                  else 0
                  for a, tan in zip(args, tangents)]

    def has(self, i):
        return self.raw[i] is not None

    def float_tensor(self, i):
        a = self.args[i]
        return isinstance(a, Tensor) and a._data.dtype.kind in "fc"


def _zeros_like(a):
    return _make(np.zeros(a._data.shape, a._data.dtype))


# ---- the recurring rules ----------------------------------------------------------------------
def linear(which=None, zero=()):
    """The op applied to the tangents: float Tensor arguments (those in ``which``, if given)
    become their tangents; the other arguments at positions ``zero`` (a number or integer
    tensor added or filled in, as in ``x + 2`` or ``fill_(x, 3)``: constants) become 0; the
    rest (dims, index arrays, masks, weights) stay as they are."""

    def rule(c):
        args = []
        for i, a in enumerate(c.args):
            if c.float_tensor(i) and (which is None or i in which):
                args.append(c.t[i])
            elif i in zero and not c.float_tensor(i):  # a number or an integer tensor
                args.append(0)
            else:
                args.append(a)
        return c.cls.apply(*args)
    return rule


LINEAR = linear()


def MULTILINEAR(c):  # noqa: N802 - a rule, named like the other rule constants
    """Product rule: for each argument with a tangent, the op with that argument replaced."""
    total = None
    for i in range(len(c.args)):
        if c.has(i):
            args = list(c.args)
            args[i] = c.raw[i]
            term = c.cls.apply(*args)
            total = term if total is None else total + term
    return total


def TRANSPOSED_VJP(c):  # noqa: N802
    """t_out = d/du <vjp(u), t_in>: the backward formula is linear in u, so differentiating
    the inner product of its result with the input tangents by u gives J @ t_in.

    Inputs that already require grad enter through an alias of their own (a view), so the
    tangent stays differentiable with respect to them (reverse over forward) while d/d(input)
    counts only this op's direct use of it, not a path from one argument to another (in
    ``gelu_backward(grad, x)`` the grad is itself a function of x); others become fresh leaves.
    Inside a vmap whose batched tensors reach the op itself, see ``_transposed_vjp_batched``."""
    if any(batching.is_batched(a) for a in c.args if isinstance(a, Tensor)):
        return _transposed_vjp_batched(c)
    args, wanted, tangents = [], [], []
    keep_graph = False
    for i, a in enumerate(c.args):
        if c.has(i):
            keep_graph = keep_graph or a.requires_grad or _requires_grad(c.raw[i])
            a = a.view(a.shape) if a.requires_grad else a.detach().requires_grad_(True)
            wanted.append(a)
            tangents.append(c.raw[i])
        args.append(a)
    keep_graph = keep_graph and grad_mode.is_grad_enabled()
    levels = tuple(sorted({lv for t in tangents for lv in batching.levels_of(t)}))
    with grad_mode.enable_grad():
        outs = c.cls.apply(*args)
        outs = outs if isinstance(outs, tuple) else (outs,)
        # (an empty output -- a gradient a backward node was not asked for -- has an empty
        # tangent, and no cotangent to differentiate by)
        pairs = [(k, o) for k, o in enumerate(outs) if o.requires_grad and o.numel()]
        us = [_cotangent_leaf(o, tangents, levels) for _, o in pairs]
        grads = autograd_grad([o for _, o in pairs], wanted, us, create_graph=True,
                              allow_unused=True)
        inner = _inner_product(grads, tangents)
        if levels and inner is not None:
            # one inner product per example: differentiate their sum physically
            inner = batching.physical_of(inner).sum() if batching.is_batched(inner) else inner
            us = [batching.physical_of(u) for u in us]
        result = _differentiate_by_cotangents(inner, us, keep_graph)
        if levels:
            result = [batching.wrap(r, levels) for r in result]
    return _tangents_of_outputs(c, outs, pairs, result, keep_graph)


def _transposed_vjp_batched(c):
    """TRANSPOSED_VJP inside a vmap, for an op with batched arguments. Such an op runs on
    physical tensors (by its batching rule), so its graph lives there, not on the batched
    tensors: every input with a tangent becomes a physical leaf aligned and expanded to all
    the levels its batch and the tangents have (each example its own copy), the op runs on
    them batched, and both differentiations run on the physical tensors -- each example's
    cotangent u touches only that example's output, so d/du of the summed inner products is
    each example's J t."""
    tensors = [a for a in c.args if isinstance(a, Tensor)] + [t for t in c.raw if t is not None]
    levels = tuple(sorted({lv for t in tensors for lv in batching.levels_of(t)}))
    sizes = batching.batch_sizes(tensors, levels)

    def physical(t):
        p = batching.align(t, levels)
        return p.expand(*sizes, *p.shape[len(levels):])
    args, wanted, tangents = list(c.args), [], []
    keep_graph = False
    for i, a in enumerate(c.args):
        if c.has(i):
            p = physical(a)
            keep_graph = keep_graph or p.requires_grad or _requires_grad(c.raw[i])
            leaf = p.view(p.shape) if p.requires_grad else p.detach().requires_grad_(True)
            wanted.append(leaf)
            tangents.append(physical(c.raw[i]))
            args[i] = batching.wrap(leaf, levels)
    keep_graph = keep_graph and grad_mode.is_grad_enabled()
    with grad_mode.enable_grad():
        outs = c.cls.apply(*args)
        outs = outs if isinstance(outs, tuple) else (outs,)
        pairs = [(k, physical(o)) for k, o in enumerate(outs) if o.numel()
                 and o._data.dtype.kind in "fc"]
        pairs = [(k, p) for k, p in pairs if p.requires_grad]
        us = [creation.zeros_like(p).requires_grad_(True) for _, p in pairs]
        grads = autograd_grad([p for _, p in pairs], wanted, us, create_graph=True,
                              allow_unused=True)
        result = _differentiate_by_cotangents(_inner_product(grads, tangents), us, keep_graph)
        result = [batching.wrap(r, levels) for r in result]
    return _tangents_of_outputs(c, outs, pairs, result, keep_graph)


def _requires_grad(t):
    """Does t (batched or not) carry a graph? A batched tensor's lives on its physical one."""
    return (batching.physical_of(t) if batching.is_batched(t) else t).requires_grad


def _inner_product(grads, tangents):
    """sum <g, t> over the inputs that have a gradient (None if none has)."""
    inner = None
    for g, t in zip(grads, tangents):
        if g is not None:
            term = (g * t).sum()
            inner = term if inner is None else inner + term
    return inner


def _differentiate_by_cotangents(inner, us, keep_graph):
    """d inner / d u for each cotangent u: zeros where inner does not depend on the u's (an
    output that only a mask links to the inputs: a piecewise-constant direction)."""
    if inner is None or not _requires_grad(inner):
        return [creation.zeros_like(u) for u in us]
    return autograd_grad(inner, us, create_graph=keep_graph, allow_unused=True,
                         materialize_grads=True)


def _tangents_of_outputs(c, outs, pairs, result, keep_graph):
    """The rule's answer: each differentiated output's tangent (detached unless the tangent
    must stay differentiable), zeros for an empty float output, None for the others."""
    out = [_zeros_like(o) if not o.numel() and o._data.dtype.kind in "fc" else None
           for o in outs]
    for (k, _), r in zip(pairs, result):
        out[k] = r if keep_graph else batching.detach(r)  # (a vmap's batched tangent too)
    return tuple(out) if isinstance(c.out, tuple) else out[0]


def _cotangent_leaf(out, tangents, levels):
    """u: zeros shaped like out, requiring grad -- inside a vmap over the tangents, one per
    example (batched), so that each example's inner product is differentiated on its own."""
    if not levels:
        return creation.zeros_like(out).requires_grad_(True)
    sizes = batching.batch_sizes(tangents, levels)
    physical = creation.zeros(*sizes, *out.shape, dtype=out.dtype).requires_grad_(True)
    return batching.wrap(physical, levels)


def zeros_rule(c):
    """A piecewise-constant op (floor, sign, a sample): zero tangent."""
    outs = c.out if isinstance(c.out, tuple) else (c.out,)
    zeros = tuple(_zeros_like(o) if o._data.dtype.kind in "fc" else None for o in outs)
    return zeros if isinstance(c.out, tuple) else zeros[0]
