"""``vmap``: run a function written for one example on a whole batch at once.

    vmap(f, in_dims=0, out_dims=0)(xs)  ==  stack([f(x) for x in xs.unbind(in_dim)], out_dim)

but without the loop: f runs once, on batched tensors (``batching.py``), and each op inside it
runs once on the whole batch by its batching rule (``batch_rules.py``). vmaps nest (each call
is a *level*, and a tensor may be batched at several), and compose with ``grad``, ``jvp``,
``jacrev``... (``vmap(grad(loss))`` gives per-example gradients).

``randomness`` says what a random op inside f does (torch's three modes): ``"error"`` raises,
``"same"`` draws once and shares the draw across the batch, ``"different"`` draws separately for
each example (f then runs once per example, so the draws come in the order torch makes them
for a single random op). ``chunk_size`` splits the batch into pieces run one after another.
"""
import functools
import itertools

from .. import _tensor, random
from ..autograd import function
from . import batching
from ..ops.shape import movedim
from .._tensor import wrap_dim
from ..ops.join import cat, stack

__all__ = ["vmap"]

_level_ids = itertools.count(1)
_active = []  # the levels of the vmaps running now, outermost first
_sizes = {}   # level -> its batch size


def sizes(levels):
    """The batch size of each of the given active levels."""
    return tuple(_sizes[lv] for lv in levels)
_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either "
                 "use the 'same' or 'different' randomness flags on vmap or perform the "
                 "randomness operation out of vmap")


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """The batched version of ``func`` (see the module docstring)."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def batched(*args, **kwargs):
        return _call(func, in_dims, out_dims, randomness, chunk_size, args, kwargs)
    return batched


def _name(func):
    return getattr(func, "__name__", repr(func))


# ---- trees of arguments and outputs -----------------------------------------------------------
def _flatten(tree):
    """Leaves of nested tuples / lists / dicts, and a function rebuilding the tree from them."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(t) for t in tree]
        leaves = [leaf for p in parts for leaf in p[0]]

        def rebuild(values, kind=type(tree)):
            out, i = [], 0
            for p in parts:
                n = len(p[0])
                out.append(p[1](values[i:i + n]))
                i += n
            return tuple(out) if kind is tuple else kind(out)
        return leaves, rebuild
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, rebuild_values = _flatten([tree[k] for k in keys])
        return leaves, lambda values: dict(zip(keys, rebuild_values(values)))
    return [tree], lambda values: values[0]


def _dims_per_leaf(dims, tree, error):
    """One dim per leaf of tree: a single int/None applies to the whole subtree."""
    if dims is None or isinstance(dims, int):
        return [dims] * len(_flatten(tree)[0])
    if isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list)) \
            and len(dims) == len(tree):
        return [d for sub, t in zip(dims, tree) for d in _dims_per_leaf(sub, t, error)]
    if isinstance(dims, dict) and isinstance(tree, dict) and set(dims) == set(tree):
        return [d for k in tree for d in _dims_per_leaf(dims[k], tree[k], error)]
    raise error()


# ---- one call ---------------------------------------------------------------------------------
def _call(func, in_dims, out_dims, randomness, chunk_size, args, kwargs):
    prefix = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
    if not args:
        raise ValueError(f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add "
                         "inputs, or you are trying to vmap over a function with no inputs. The "
                         "latter is unsupported.")
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"{prefix}: expected `in_dims` to be int or a (potentially nested) "
                         "tuple matching the structure of inputs, got: "
                         f"{type(in_dims)}.")
    leaves, rebuild = _flatten(list(args))
    dims = _dims_per_leaf(in_dims if isinstance(in_dims, int) else list(in_dims), list(args),
                          lambda: ValueError(f"{prefix}: in_dims is not compatible with the "
                                             "structure of `inputs`."))
    size = _batch_size(leaves, dims, prefix)
    if chunk_size is not None and chunk_size < size:
        return _chunked(func, dims, out_dims, randomness, chunk_size, leaves, rebuild, kwargs,
                        size)
    return _execute(func, dims, out_dims, randomness, leaves, rebuild, kwargs, size)


def _execute(func, dims, out_dims, randomness, leaves, rebuild, kwargs, size):
    if randomness == "different":
        try:
            return _run(func, dims, out_dims, "no_random", leaves, rebuild, kwargs, size)
        except _NeedsPerExampleDraws:
            return _per_example(func, dims, out_dims, leaves, rebuild, kwargs, size)
    return _run(func, dims, out_dims, randomness, leaves, rebuild, kwargs, size)


def _batch_size(leaves, dims, prefix):
    sizes = []
    for leaf, d in zip(leaves, dims):
        if d is None:
            continue
        if not isinstance(leaf, _tensor.Tensor):
            raise ValueError(f"{prefix}: Got in_dim={d} for an input but the input is of type "
                             f"{type(leaf)}. We cannot vmap over non-Tensor arguments, please "
                             "use None as the respective in_dim")
        n = leaf.dim()
        if not -n <= d < n:
            raise ValueError(f"{prefix}: Got in_dim={d} for some input, but that input is a "
                             f"Tensor of dimensionality {n} so expected in_dim to satisfy "
                             f"-{n} <= in_dim < {n}.")
        sizes.append(leaf.shape[d])
    if not sizes:
        raise ValueError(f"{prefix}: at least one input must be batched (in_dims all None)")
    if len(set(sizes)) != 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return sizes[0]


class _NeedsPerExampleDraws(Exception):
    """randomness='different' met a random op: f has to run once per example."""


def _run(func, dims, out_dims, randomness, leaves, rebuild, kwargs, size):
    """f once, on batched inputs at a new level."""
    level = next(_level_ids)
    _active.append(level)
    _sizes[level] = size
    outer_hook, function.batch_hook = function.batch_hook, batching.run_batched
    draw = random._gen
    random._gen = _random_guard(randomness, draw)
    try:
        inputs = [leaf if d is None else _batched_input(leaf, d, level)
                  for leaf, d in zip(leaves, dims)]
        out = func(*rebuild(inputs), **kwargs)
        return _unbatch_outputs(func, out, out_dims, level, size)
    finally:
        random._gen = draw
        function.batch_hook = outer_hook
        _active.pop()
        del _sizes[level]


def _random_guard(randomness, draw):
    """random._gen while f runs: it hands out the generator of every random op."""
    if randomness == "same":
        return draw

    def guarded(generator=None):
        if randomness == "no_random":
            raise _NeedsPerExampleDraws()
        raise RuntimeError(_RANDOM_ERROR)
    return guarded


def _batched_input(x, dim, level):
    """x with its dim ``dim`` as the batch dim of ``level``."""
    hook, function.batch_hook = function.batch_hook, None
    try:
        if batching.is_batched(x):
            levels = batching.levels_of(x)
            phys, k = batching.physical_of(x), len(levels)
            return batching.wrap(movedim(phys, k + dim % x.dim(), k), levels + (level,))
        return batching.wrap(movedim(x, dim % x.dim(), 0), (level,))
    finally:
        function.batch_hook = hook


def _unbatch_outputs(func, out, out_dims, level, size):
    leaves, rebuild = _flatten(out)
    dims = _dims_per_leaf(out_dims, out, lambda: ValueError(
        f"vmap({_name(func)}, ...): out_dims is not compatible with the structure of `outputs`."))
    result = []
    for leaf, d in zip(leaves, dims):
        if not isinstance(leaf, _tensor.Tensor):
            if d is None:
                result.append(leaf)
                continue
            raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return "
                             f"Tensors, got type {type(leaf)}. Did you mean to set out_dims= to "
                             "None for output?")
        result.append(_unbatched(leaf, d, level, size))
    return rebuild(result)


def _unbatched(x, out_dim, level, size):
    """The tensor seen outside ``level``: its batch dim moved to out_dim (or, if x does not
    vary over the batch, x expanded along a new dim there)."""
    levels = batching.levels_of(x)
    if level not in levels:
        if out_dim is None:
            return x
        d = wrap_dim(out_dim, x.dim() + 1)
        shape = list(x.shape)
        shape.insert(d, size)
        return x.unsqueeze(d).expand(*shape)
    if out_dim is None:
        raise ValueError("vmap: out_dims=None is only allowed for outputs that do not vary over "
                         "the batch")
    phys = batching.physical_of(x)
    d = wrap_dim(out_dim, x.dim() + 1)
    hook, function.batch_hook = function.batch_hook, None
    try:
        at = levels.index(level)
        if phys.shape[at] != size:  # a size-1 batch dim left by broadcasting
            shape = list(phys.shape)
            shape[at] = size
            phys = phys.expand(*shape)
        rest = levels[:at] + levels[at + 1:]
        phys = movedim(phys, at, len(rest) + d)
    finally:
        function.batch_hook = hook
    return batching.wrap(phys, rest) if rest else phys


def _slice_leaves(leaves, dims, start, stop):
    return [leaf if d is None else leaf.narrow(d, start, stop - start)
            for leaf, d in zip(leaves, dims)]


def _chunked(func, dims, out_dims, randomness, chunk_size, leaves, rebuild, kwargs, size):
    """The batch in pieces of chunk_size, results joined along each output's out_dim."""
    pieces = []
    for start in range(0, size, chunk_size):
        stop = min(start + chunk_size, size)
        part = _slice_leaves(leaves, dims, start, stop)
        pieces.append(_execute(func, dims, out_dims, randomness, part, rebuild, kwargs,
                               stop - start))
    return _join(pieces, out_dims, cat)


def _join(pieces, out_dims, cat):
    leaves0, rebuild = _flatten(pieces[0])
    dims = _dims_per_leaf(out_dims, pieces[0], lambda: ValueError("vmap: bad out_dims"))
    columns = [_flatten(p)[0] for p in pieces]
    joined = []
    for i, d in enumerate(dims):
        if d is None or not isinstance(leaves0[i], _tensor.Tensor):
            joined.append(leaves0[i])
        else:
            joined.append(cat([c[i] for c in columns], d))
    return rebuild(joined)


def _per_example(func, dims, out_dims, leaves, rebuild, kwargs, size):
    """randomness='different' with random ops: f once per example, results stacked."""
    outs = []
    for b in range(size):
        part = [leaf if d is None else leaf.select(d, b) for leaf, d in zip(leaves, dims)]
        outs.append(func(*rebuild(part), **kwargs))
    leaves0, rebuild_out = _flatten(outs[0])
    out_dim_list = _dims_per_leaf(out_dims, outs[0], lambda: ValueError("vmap: bad out_dims"))
    columns = [_flatten(o)[0] for o in outs]
    return rebuild_out([leaves0[i] if d is None else stack([c[i] for c in columns], d)
                        for i, d in enumerate(out_dim_list)])
