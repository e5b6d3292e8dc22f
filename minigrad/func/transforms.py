"""``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``hessian``.

Each takes a function and returns a function computing a derivative of it. Arguments may be
tensors or nested tuples / lists / dicts of them (a model's parameter dict); derivatives come
back in the same structure.

* reverse mode (``grad``, ``vjp``, ``jacrev``) runs ``autograd.grad`` with
  ``create_graph=True``, so every result can be differentiated again (``grad(grad(f))``);
* forward mode (``jvp``, ``jacfwd``) runs ``forward_ad``'s dual tensors: one JVP per input
  element for a Jacobian;
* ``hessian(f) = jacfwd(jacrev(f))``: forward over reverse.

Under ``vmap``, reverse mode works on the physical (batched) tensors: an input that is not
batched is first copied along every active batch dim, so that each example's output is
differentiated against its own copy: ``vmap(grad(loss), in_dims=(None, 0))(params, xs)``
gives one gradient per example.
"""
import functools

import numpy as np

from .. import _tensor
from ..autograd import forward_ad, grad_mode, grad as autograd_grad
from . import batching, vmap as vmap_module
from .vmap import _flatten
from ..creation import ones_like, zeros, zeros_like
from ..ops.join import stack

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]

_depth = [0]  # transforms running now: results keep their graph for the outer ones


def _argnums_tuple(argnums, n_args):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    out = []
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
        if not -n_args <= a < n_args:
            raise RuntimeError(f"Got argnum={a}, but only {n_args} positional inputs")
        out.append(a % n_args)
    return tuple(out)


# ---- preparing inputs: leaves autograd can differentiate against ------------------------------
class _Inputs:
    """The differentiable inputs of one reverse-mode call, as the function sees them (``seen``)
    and as autograd differentiates against them (``leaves``: physical under vmap)."""

    def __init__(self, tensors):
        self.levels = tuple(vmap_module._active)
        self.leaves, self.seen, self.keep_graph = [], [], _depth[0] > 0
        for t in tensors:
            if not isinstance(t, _tensor.Tensor):
                raise RuntimeError(f"Expected a Tensor to differentiate against, got {type(t)}")
            phys = self._physical(t)
            self.keep_graph = self.keep_graph or phys.requires_grad
            leaf = phys.view_as(phys) if phys.requires_grad else \
                phys.detach().requires_grad_(True)
            self.leaves.append(leaf)
            self.seen.append(self._seen(t, leaf))

    def _seen(self, t, leaf):
        """What the function is given for input t: the leaf (batched again under vmap),
        carrying t's tangent inside a forward-mode transform. Under vmap the tangent is
        t's own (logical) one, aligned and expanded like t: each physical row takes its own
        example's tangent, and the batched input carries it too, on the wrapper (read by the
        ops' forward formulas) and on its physical tensor (read by a backward pass run inside
        the vmap, ``vmap(jvp(grad(f)))``)."""
        tangent = forward_ad.tangent_of(t) if forward_ad.dual_hook_open() else None
        if tangent is None:
            return batching.wrap(leaf, self.levels) if self.levels else leaf
        if not self.levels:
            return leaf if forward_ad.tangent_of(leaf) is not None else \
                forward_ad.make_dual(leaf, tangent)
        physical_tangent = self._physical(tangent)
        if forward_ad.tangent_of(leaf) is None:
            leaf = forward_ad.make_dual(leaf, physical_tangent)
        batched_tangent = batching.wrap(physical_tangent, self.levels)
        seen = forward_ad.make_dual(batching.wrap(leaf, self.levels), batched_tangent)
        forward_ad.attach_physical(seen, batched_tangent)
        return seen

    def _physical(self, t):
        if not self.levels:
            return t
        sizes = vmap_module.sizes(self.levels)
        phys = batching.align(t, self.levels)
        return phys.expand(*sizes, *phys.shape[len(self.levels):])

    def output(self, out):
        """out as autograd sees it: its physical tensor with every active batch dim."""
        return batching.align(out, self.levels) if self.levels else out

    def result(self, g):
        g = g if self.keep_graph else _detached(g)
        if not self.levels:
            return g
        tangent = forward_ad.tangent_of(g) if forward_ad.dual_hook_open() else None
        out = batching.wrap(g, self.levels)
        if tangent is not None:  # the physical gradient's tangent, batched likewise
            out = forward_ad.make_dual(out, batching.wrap(tangent, self.levels))
        return out


def _detached(t):
    """t without its graph -- but with its tangent, inside an outer forward-mode transform."""
    tangent = forward_ad.tangent_of(t) if forward_ad.dual_hook_open() else None
    t = batching.detach(t)  # (inside a vmap: its physical tensor's graph too)
    return t if tangent is None else forward_ad.make_dual(t, tangent)


def _differentiate(inputs, outputs, cotangents):
    """d <outputs, cotangents> / d inputs.leaves, zeros where an input is not used."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if not pairs:
        return [inputs.result(zeros_like(leaf)) for leaf in inputs.leaves]
    with grad_mode.enable_grad():
        grads = autograd_grad([o for o, _ in pairs], inputs.leaves, [c for _, c in pairs],
                              retain_graph=True, create_graph=True, allow_unused=True)
    return [inputs.result(zeros_like(leaf) if g is None else g)
            for g, leaf in zip(grads, inputs.leaves)]


def _run_with_inputs(func, args, argnums, kwargs):
    """func on args with the argnums replaced by fresh differentiable versions."""
    diff_trees = [args[i] for i in argnums]
    flat, rebuild = _flatten(diff_trees)
    inputs = _Inputs(flat)
    new_trees = rebuild(inputs.seen)
    call_args = list(args)
    for i, tree in zip(argnums, new_trees):
        call_args[i] = tree
    _depth[0] += 1
    try:
        with grad_mode.enable_grad():
            out = func(*call_args, **kwargs)
    finally:
        _depth[0] -= 1
    return out, inputs, rebuild


def _detach_tree(tree, inputs):
    leaves, rebuild = _flatten(tree)
    return rebuild([_detached(x) if isinstance(x, _tensor.Tensor) and not inputs.keep_graph
                    else x for x in leaves])


# ---- grad ----------------------------------------------------------------------------------
def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient of func's scalar output by argnums, the output)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args))
        out, inputs, rebuild = _run_with_inputs(func, args, nums, kwargs)
        out, aux = _split_aux(out, has_aux, "grad_and_value(f)(*args)")
        if not isinstance(out, _tensor.Tensor):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, "
                               f"got {type(out)}")
        if out.dim() != 0:
            raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar "
                               f"Tensor, got tensor with {out.dim()} dims. Maybe you wanted to "
                               "use the vjp or jacrev APIs instead?")
        phys = inputs.output(out)
        grads = rebuild(_differentiate(inputs, [phys], [ones_like(phys)]))
        grads = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = out if inputs.keep_graph else _detached(out)
        if has_aux:
            return grads, (value, _detach_tree(aux, inputs))
        return grads, value
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of func's scalar output by argument(s) argnums."""
    both = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads
    return wrapper


def _split_aux(out, has_aux, who):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{who}: output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    return out


# ---- vjp / jvp -------------------------------------------------------------------------------
def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents) = one VJP per call, a tuple with
    the gradient of each primal."""
    out, inputs, rebuild = _run_with_inputs(func, primals, tuple(range(len(primals))), {})
    out, aux = _split_aux(out, has_aux, "vjp(f, *primals)")
    out_leaves, out_rebuild = _flatten(out)
    for o in out_leaves:
        if not isinstance(o, _tensor.Tensor):
            raise RuntimeError(f"vjp(f, *primals): Expected f(*primals) to return only tensors, "
                               f"got unsupported type {type(o)}")
    physical = [inputs.output(o) for o in out_leaves]

    def vjp_fn(cotangents):
        leaves, _ = _flatten(cotangents)
        if len(leaves) != len(out_leaves):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as "
                               "pytree structure of outputs to the function")
        cots = []
        for c, o, p in zip(leaves, out_leaves, physical):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output has a shape of {c.shape} and "
                                   f"output has a shape of {o.shape}.")
            cots.append(inputs.output(c).expand(*p.shape) if inputs.levels else c)
        return tuple(rebuild(_differentiate(inputs, physical, cots)))

    value = out_rebuild([o if inputs.keep_graph else _detached(o) for o in out_leaves])
    if has_aux:
        return value, vjp_fn, _detach_tree(aux, inputs)
    return value, vjp_fn


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents[, aux]) in one forward pass with dual tensors."""
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, tuple):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected {name} to be a tuple. E.g. "
                               "it should be valid to call f(*primals).")
    p_leaves, p_rebuild = _flatten(primals)
    t_leaves, _ = _flatten(tangents)
    if len(p_leaves) != len(t_leaves):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the "
                           "same python structure.")
    for p, t in zip(p_leaves, t_leaves):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have "
                               f"the same shape, got {tuple(p.shape)} and {tuple(t.shape)}")
    if forward_ad._open[0] is not None:
        raise NotImplementedError("minigrad: jvp inside another forward-mode transform (nested "
                                  "dual levels) is not supported")
    _depth[0] += 1
    try:
        with forward_ad.dual_level():
            return _jvp_in_level(func, p_leaves, p_rebuild, t_leaves, has_aux, strict)
    finally:
        _depth[0] -= 1


def _jvp_in_level(func, p_leaves, p_rebuild, t_leaves, has_aux, strict):
    """jvp's work inside its dual level: the outputs and their tangents."""
    duals = [forward_ad.make_dual(p, t) for p, t in zip(p_leaves, t_leaves)]
    out = func(*p_rebuild(duals))
    out, aux = _split_aux(out, has_aux, "jvp(f, primals, tangents)")
    o_leaves, o_rebuild = _flatten(out)
    pairs = []
    for o in o_leaves:
        if not isinstance(o, _tensor.Tensor):
            raise RuntimeError("jvp(f, primals, tangents): expected f(*primals) to return only "
                               f"tensors, got unsupported type {type(o)}")
        primal, tangent = forward_ad.unpack_dual(o)
        if tangent is None and strict:
            raise RuntimeError("jvp(f, primals, tangents, strict=True): The output of f is "
                               "independent of the inputs. This is not allowed with "
                               "strict=True.")
        pairs.append((primal, primal.new_zeros(primal.shape) if tangent is None else tangent))
    keep = _depth[0] > 1 or any(x.requires_grad for x in (*p_leaves, *t_leaves))
    if not keep:  # no outer transform and no input with a graph: plain results
        pairs = [(batching.detach(p), batching.detach(t)) for p, t in pairs]
    result = (o_rebuild([p for p, _ in pairs]), o_rebuild([t for _, t in pairs]))
    return result + (aux,) if has_aux else result


# ---- Jacobians -------------------------------------------------------------------------------
def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """A function returning the Jacobian by reverse mode: one VJP per output element.
    (``chunk_size`` and ``_preallocate_and_copy`` are torch's memory switches for its batched
    VJPs; minigrad runs the VJPs one at a time, so they change nothing.)"""
    @functools.wraps(func)
    def wrapper(*args):
        nums = _argnums_tuple(argnums, len(args))
        out, inputs, rebuild = _run_with_inputs(func, args, nums, {})
        out, aux = _split_aux(out, has_aux, "jacrev(f)(*args)")
        out_leaves, out_rebuild = _flatten(out)
        physical = [inputs.output(o) for o in out_leaves]
        flat_inputs = inputs.seen
        per_output = []
        for o, p in zip(out_leaves, physical):
            rows = []
            for k in range(o.numel()):
                cots = [_one_hot_like(q, k if q is p else None, len(inputs.levels))
                        for q in physical]
                rows.append(_differentiate(inputs, physical, cots))
            per_output.append([_stack_rows([r[j] for r in rows], o, flat_inputs[j])
                               for j in range(len(flat_inputs))])
        jac = out_rebuild([_per_arg(rebuild(js), argnums) for js in per_output])
        return (jac, _detach_tree(aux, inputs)) if has_aux else jac
    return wrapper


def _per_arg(trees, argnums):
    return trees[0] if isinstance(argnums, int) else tuple(trees)


def _one_hot_like(physical, k, n_batch):
    """A cotangent for one output: zeros, with 1 at logical element k (every example)."""
    z = np.zeros(tuple(physical.shape), physical._data.dtype)
    if k is not None:
        flat = z.reshape(tuple(physical.shape[:n_batch]) + (-1,))  # a view of z
        flat[..., k] = 1
    return _tensor._make(z)


def _stack_rows(rows, out, inp):
    """One gradient per output element -> out.shape + inp.shape."""
    if not rows:
        return inp.new_zeros(tuple(out.shape) + tuple(inp.shape))
    return stack(rows, 0).reshape(tuple(out.shape) + tuple(inp.shape))


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """A function returning the Jacobian by forward mode: one JVP per input element."""
    @functools.wraps(func)
    def wrapper(*args):
        nums = _argnums_tuple(argnums, len(args))
        trees = [args[i] for i in nums]
        flat, rebuild = _flatten(trees)
        columns, outputs, aux = None, None, None
        for j, x in enumerate(flat):
            for k in range(x.numel()):
                tangents = [_basis(y, k) if i == j else zeros_like(y) for i, y in enumerate(flat)]

                def along(*diff, _a=args):
                    call = list(_a)
                    for i, tree in zip(nums, rebuild(list(diff))):
                        call[i] = tree
                    return func(*call)
                result = jvp(along, tuple(flat), tuple(tangents), has_aux=has_aux)
                out, tangent_out = result[0], result[1]
                o_leaves, o_rebuild = _flatten(out)
                t_leaves, _ = _flatten(tangent_out)
                if columns is None:
                    columns = [[[] for _ in flat] for _ in o_leaves]
                    outputs, aux = (o_leaves, o_rebuild), (result[2] if has_aux else None)
                for i, t in enumerate(t_leaves):
                    columns[i][j].append(t)
        o_leaves, o_rebuild = outputs
        jac = o_rebuild([_per_arg(rebuild([_stack_columns(columns[i][j], o, x)
                                           for j, x in enumerate(flat)]), argnums)
                         for i, o in enumerate(o_leaves)])
        return (jac, aux) if has_aux else jac
    return wrapper


def _basis(x, k):
    e = zeros(x.numel(), dtype=x.dtype)
    e[k] = 1
    return e.view(*x.shape)


def _stack_columns(columns, out, inp):
    """One tangent per input element -> out.shape + inp.shape."""
    if not columns:
        return out.new_zeros(tuple(out.shape) + tuple(inp.shape))
    jac = stack(columns, -1)
    return jac.reshape(tuple(out.shape) + tuple(inp.shape))


def hessian(func, argnums=0):
    """The Hessian as ``jacfwd(jacrev(func))``: forward mode over reverse mode."""
    return jacfwd(jacrev(func, argnums), argnums)
