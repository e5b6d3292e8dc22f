"""The machinery under ``vmap``: batched tensors and how an op runs on them.

Inside ``vmap(f)(x)``, f sees a tensor of the *per-example* (logical) shape. It is an ordinary
minigrad Tensor whose ``_data`` is a ``BatchedArray``: a NumPy array of the logical shape (so
every shape check, dtype rule and dim wrapping in the op code sees what it would see for one
example) that also holds the real data, ``physical``: a Tensor with one leading dim per active
vmap level (``levels``, outermost first) before the logical dims.

Every differentiable op reaches ``Function.apply``; while a vmap is running, apply hands ops
with a batched argument to ``run_batched``. That looks up the op's *batching rule* by its node
name (``batch_rules.py``): the rule runs the op once on the physical tensors, with dims shifted
past the batch dims (``sum(x, 1)`` becomes ``sum(X, 1 + k)``), and the result is wrapped again.
An op without a rule runs once per example (``loop_fallback``) and the results are stacked:
correct, only slower. The physical tensors keep their autograd graph and tangents, so ``grad``
and ``jvp`` compose with ``vmap``.

NumPy-level code outside ``Function.apply`` (comparisons such as ``x > 0``, ``isnan``) meets the
BatchedArray itself: elementwise NumPy functions (ufuncs) run on the physical data and return a
batched result; anything else (a value read by ``.item()``, an unsupported NumPy function, an
array derived from a batched one by a NumPy method) raises a clear error instead of silently
computing on the stand-in's values.
"""
import numpy as np

from .. import _tensor
from ..autograd import forward_ad, function, grad_mode
from ..ops.join import stack
from ..ops.shape import permute, reshape

__all__ = ["BatchedArray", "wrap", "physical_of", "levels_of", "align", "run_batched",
           "VmapError"]


class VmapError(RuntimeError):
    """An operation vmap cannot batch."""


_ITEM_ERROR = ("vmap: It looks like you're calling .item() on a Tensor. We don't support vmap "
               "over calling .item() on a Tensor, please try to rewrite what you're doing with "
               "other operations. If error is occurring somewhere inside PyTorch internals, "
               "please file a bug report.")
_DATA_ERROR = ("vmap: data-dependent control flow on a batched Tensor is not supported (the "
               "value differs per example): rewrite it with torch.where or similar.")


class BatchedArray(np.ndarray):
    """A stand-in of the logical shape (filled with nan) carrying the batched data."""

    physical = None   # the Tensor: batch dims for ``levels`` first, then the logical dims
    levels = ()       # the vmap levels batched here, outermost first
    keep_as_tensor_data = True  # Tensor wrappers (_make) keep the subclass

    def __array_finalize__(self, obj):
        # an array NumPy derives from a batched one by a method (astype, copy, view, reshape)
        # has no physical data: using it raises (see _physical_array)
        self.physical, self.levels = None, ()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs.get("out") is not None:
            if method == "reduce" and kwargs.get("axis", 0) is None:
                # a value check over everything (``(target >= n).any()``): over all examples
                inputs = tuple(_physical_array(a) for a in inputs)
                return getattr(ufunc, method)(*inputs, **kwargs)
            if method == "reduce" and kwargs.get("out") is None and len(inputs) == 1:
                return _reduce_along(ufunc, inputs[0], kwargs)
            raise VmapError(f"vmap: the NumPy operation {ufunc.__name__}.{method} has no "
                            "batching rule in minigrad")
        tensors = [a for a in inputs if isinstance(a, BatchedArray)]
        levels = _union_levels(tensors)
        arrays = [_aligned_array(a, levels) for a in inputs]
        result = ufunc(*arrays, **kwargs)
        if isinstance(result, tuple):
            return tuple(_wrap_array(r, levels) for r in result)
        return _wrap_array(result, levels)

    def __array_function__(self, func, types, args, kwargs):
        if func in _SHAPE_ONLY:
            return super().__array_function__(func, types, args, kwargs)
        if func in _LIKE and args and args[0] is self and "shape" not in kwargs:
            # zeros_like(batched): batched zeros, one per example
            return _wrap_array(func(_physical_array(self), *args[1:], **kwargs), self.levels)
        raise VmapError(f"vmap: the NumPy function {func.__name__} has no batching rule in "
                        "minigrad")

    def item(self, *args):
        raise RuntimeError(_ITEM_ERROR)

    def tolist(self):
        raise RuntimeError(_ITEM_ERROR)

    def __bool__(self):
        raise RuntimeError(_DATA_ERROR)

    __float__ = __int__ = __index__ = item


# NumPy functions making a new array like their argument: on the physical data, batched again
_LIKE = {np.zeros_like, np.ones_like, np.empty_like, np.full_like}

# NumPy functions that only read shapes and dtypes: they may run on the stand-in
_SHAPE_ONLY = {np.shape, np.ndim, np.size, np.result_type, np.can_cast, np.iscomplexobj,
               np.isrealobj, np.broadcast_shapes, np.min_scalar_type}


def _reduce_along(ufunc, a, kwargs):
    """``np.logical_and.reduce(a, axis=d)`` on a batched array: each example reduced along its
    own dim d (a dim counted from the front moves past the batch dims)."""
    k = len(a.levels)
    axis = kwargs.get("axis", 0)
    axes = axis if isinstance(axis, tuple) else (axis,)
    shifted = tuple(d if d < 0 else d + k for d in axes)
    kwargs = dict(kwargs, axis=shifted if isinstance(axis, tuple) else shifted[0])
    return _wrap_array(ufunc.reduce(_physical_array(a), **kwargs), a.levels)


def _union_levels(batched):
    return tuple(sorted({lv for b in batched for lv in b.levels}))


def _physical_array(a):
    if isinstance(a, BatchedArray):
        if a.physical is None:
            raise VmapError("vmap: an array derived from a batched tensor by a NumPy method has "
                            "no batching rule in minigrad")
        return a.physical._data
    return a


def _aligned_array(a, levels):
    """a's physical ndarray with a dim for each of ``levels`` (size 1 where a is not batched)
    and its logical dims padded so that NumPy broadcasting lines them up."""
    if not isinstance(a, BatchedArray):
        return a
    arr = _physical_array(a)
    k = len(a.levels)
    shape = [arr.shape[a.levels.index(lv)] if lv in a.levels else 1 for lv in levels]
    order = [a.levels.index(lv) for lv in levels if lv in a.levels]
    arr = arr.transpose(order + list(range(k, arr.ndim)))
    return arr.reshape(shape + list(arr.shape[k:]))


def _wrap_array(result, levels):
    """A NumPy result of batched inputs (leading dims = levels) as a new stand-in."""
    result = np.asarray(result)
    if not levels:
        return result
    return _stand_in(_tensor._make(result), levels)  # (ufunc results: the Tensor wraps it)


def _stand_in(physical, levels):
    """A BatchedArray for ``physical`` (a Tensor with len(levels) leading batch dims)."""
    k = len(levels)
    logical = physical._data.shape[k:]
    dtype = physical._data.dtype
    fill = np.nan if dtype.kind in "fc" else 0
    arr = np.full(logical, fill, dtype).view(BatchedArray)
    arr.physical, arr.levels = physical, levels
    return arr


def wrap(physical, levels):
    """A batched Tensor: logical shape physical.shape[len(levels):]."""
    return _tensor._make(_stand_in(physical, levels))


def run_physical(fn, *tensors):
    """fn on the tensors' physical forms -- each batched one aligned to all their vmap levels
    and expanded to the batch sizes, each plain one expanded likewise -- outside the batching
    hook, its result batched again: for elementwise work whose tensors may or may not be
    batched (a forward formula inside ``vmap``). Without a batched tensor: fn(*tensors)."""
    levels = _union_levels([t._data for t in tensors if is_batched(t)])
    if not levels:
        return fn(*tensors)
    sizes = batch_sizes(tensors, levels)
    hook, function.batch_hook = function.batch_hook, None
    try:
        physical = []
        for t in tensors:
            p = align(t, levels) if is_batched(t) else t.reshape((1,) * len(levels) + t.shape)
            physical.append(p.expand(*sizes, *p.shape[len(levels):]))
        out = fn(*physical)
    finally:
        function.batch_hook = hook
    return _rewrap(out, levels)


def detach(t):
    """t.detach(), also for a batched tensor (whose graph lives on its physical tensor)."""
    if is_batched(t):
        return wrap(physical_of(t).detach(), levels_of(t))
    return t.detach()


def is_batched(x):
    data = x._data if isinstance(x, _tensor.Tensor) else x
    return type(data) is BatchedArray


def physical_of(x):
    """The physical Tensor of a batched Tensor (or of a BatchedArray)."""
    data = x._data if isinstance(x, _tensor.Tensor) else x
    if data.physical is None:
        raise VmapError("vmap: this tensor was made from a batched tensor by an operation "
                        "without a batching rule in minigrad")
    return data.physical


def levels_of(x):
    data = x._data if isinstance(x, _tensor.Tensor) else x
    return data.levels if type(data) is BatchedArray else ()


def align(x, levels, logical_ndim=None):
    """x's physical Tensor with a dim for each of ``levels`` in order (size 1 where x is not
    batched at that level), and (if given) its logical part padded with leading 1s to
    ``logical_ndim`` dims. A plain Tensor gets size-1 batch dims."""
    own = levels_of(x)
    phys = physical_of(x) if own else x
    k = len(own)
    logical = tuple(phys.shape[k:])
    if logical_ndim is not None and logical_ndim > len(logical):
        logical = (1,) * (logical_ndim - len(logical)) + logical
    order = [own.index(lv) for lv in levels if lv in own]
    if order != list(range(k)):
        phys = permute(phys, order + list(range(k, phys.ndim)))
    shape = tuple(phys.shape[own.index(lv)] if lv in own else 1 for lv in levels) + logical
    return phys if tuple(phys.shape) == shape else reshape(phys, shape)


_INPLACE_ERROR = (
    "vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a Tensor "
    "`other` in extra_args that has more elements than `self`. This happened due to `other` "
    "being vmapped over but `self` not being vmapped over in a vmap. Please try to use "
    "out-of-place operators instead of inplace arithmetic. If said operator is being called "
    "inside the PyTorch framework, please file a bug report instead.")


def assign_batched(target, result, region, assign):
    """``target.op_(...)`` inside vmap: result's physical data written into target's physical
    tensor (each example into its own), by ``assign`` (the ordinary in-place write), so that
    the physical tensor also takes result's place in the graph. A target not batched at every
    level of result cannot hold it: torch's error."""
    levels = levels_of(target)
    if not set(levels_of(result)) <= set(levels):
        raise RuntimeError(_INPLACE_ERROR)
    phys = physical_of(target)
    source = align(result, levels, phys.ndim - len(levels))
    source = source.expand(*phys.shape) if tuple(source.shape) != tuple(phys.shape) else source
    if region is not None:
        region = (slice(None),) * len(levels) + (region if isinstance(region, tuple)
                                                 else (region,))
    hook, function.batch_hook = function.batch_hook, None
    try:
        assign(phys, source, region)
    finally:
        function.batch_hook = hook


# ---- running an op with batched arguments -----------------------------------------------------
def run_batched(cls, args):
    """Function.apply's hook while a vmap runs: the op's rule, or one call per example."""
    batched = [a for a in args if is_batched(a)]
    if not batched:
        return _plain(cls, args)
    from . import batch_rules
    levels = _union_levels([a._data if isinstance(a, _tensor.Tensor) else a for a in batched])
    rule = batch_rules.RULES.get(cls.__name__)
    hook, function.batch_hook = function.batch_hook, None
    dual = function.dual_hook
    if dual is None and _tangents_on_physical(args):
        function.dual_hook = forward_ad.apply_with_tangents
    try:
        out = rule(cls, args, levels) if rule is not None else loop_fallback(cls, args, levels)
    finally:
        function.batch_hook, function.dual_hook = hook, dual
    return _rewrap(out, levels)


def _tangents_on_physical(args):
    """Inside ``vmap(jvp(grad(f)))``: should the rule run with forward AD on, so that every
    tensor it derives from the physical ones (an aligned, reshaped or tiled operand) carries
    its tangent, and the node it records saves tangent-carrying tensors for the backward pass
    run inside the vmap? Only when a dual level is open, a physical argument has a graph (a
    backward may follow) and every argument's tangent is a plain one on its physical tensor
    (``forward_ad.attach_physical``); otherwise the op's tangent is its logical formula's only."""
    if not forward_ad.dual_hook_open() or not grad_mode.is_grad_enabled():
        return False
    graph = False
    for a in args:
        if not isinstance(a, _tensor.Tensor):
            continue
        tangent = forward_ad.tangent_of(a)
        if is_batched(a):
            phys = physical_of(a)
            graph = graph or phys.requires_grad
            if tangent is not None and forward_ad.tangent_of(phys) is None:
                forward_ad.attach_physical(a, tangent)
            tangent = forward_ad.tangent_of(phys) if tangent is not None else None
            if tangent is None and forward_ad.tangent_of(a) is not None:
                return False  # a tangent the physical tensor cannot carry (more levels)
        if tangent is not None and is_batched(tangent):
            return False
    return graph


def _plain(cls, args):
    hook, function.batch_hook = function.batch_hook, None
    try:
        return cls.apply(*args)
    finally:
        function.batch_hook = hook


def _rewrap(out, levels):
    if isinstance(out, tuple):
        return tuple(_rewrap(o, levels) for o in out)
    return wrap(out, levels)


def batch_sizes(args, levels):
    """The size of each level's batch dim among args."""
    sizes = {}
    for a in args:
        if is_batched(a):
            phys = physical_of(a)
            for i, lv in enumerate(levels_of(a)):
                sizes[lv] = phys.shape[i]
    return tuple(sizes[lv] for lv in levels)


def loop_fallback(cls, args, levels):
    """The op once per example (every level's batch dims flattened into one), then stacked."""
    sizes = batch_sizes(args, levels)
    n = int(np.prod(sizes))
    flat = []
    for a in args:
        if is_batched(a):
            phys = align(a, levels)
            phys = phys.expand(*sizes, *phys.shape[len(levels):])
            phys = reshape(phys, (n,) + tuple(phys.shape[len(levels):]))
            flat.append((True, isinstance(a, _tensor.Tensor), phys))
        else:
            flat.append((False, False, a))
    results = []
    for b in range(n):
        call = [(p[b] if is_tensor else p[b]._data) if batched else p
                for batched, is_tensor, p in flat]
        results.append(cls.apply(*call))
    if isinstance(results[0], tuple):
        return tuple(_unflatten(stack([r[i] for r in results], 0), sizes, reshape)
                     for i in range(len(results[0])))
    return _unflatten(stack(results, 0), sizes, reshape)


def _unflatten(t, sizes, reshape):
    return reshape(t, tuple(sizes) + tuple(t.shape[1:]))
