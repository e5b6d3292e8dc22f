"""Forward-mode AD: dual tensors, ``torch.autograd.forward_ad``.

Reverse mode (``backward()``) pushes one output gradient back through the graph: one
vector-Jacobian product per pass. Forward mode pushes one *tangent* forward alongside the
values: every tensor ``x`` carries ``x_t``, the directional derivative of x along the chosen
input direction, and every op computes its output tangent from its inputs' values and tangents
as it runs: one Jacobian-vector product per pass, and no graph at all.

    with forward_ad.dual_level():
        x = forward_ad.make_dual(primal, tangent)     # x = primal + tangent * eps
        y = f(x)                                        # each op: y_t = J_op(x) @ x_t
        y_p, y_t = forward_ad.unpack_dual(y)            # y_t = J_f(primal) @ tangent

How tangents travel. A tensor's tangent is kept in its ``__dict__`` (``_fw_tangent``: the level
it belongs to and the tangent Tensor). While a level is open, ``Function.apply`` hands every op
to ``apply_with_tangents`` (one check of a module global when no level is open, so plain code
pays nothing measurable). That runs the op as usual (the primal result, with its backward node
when grad mode records one), then looks up the op's JVP formula by its node's name
(``MulBackward0`` -> ``t_self * other + t_other * self``) in ``forward_formulas``, and
attaches the tangent it computes to the result. The formulas run with forward AD switched off
(a tangent of a tangent is not wanted: only one level exists), but with grad mode as it is, so
a tangent is itself differentiable (reverse over forward).

An op without a formula raises torch's NotImplementedError. Leaving the level forgets every
tangent made in it (``unpack_dual`` then gives ``tangent=None``).
"""
import collections
import contextlib
import weakref

import numpy as np

from . import function
from .. import _tensor  # circular: Tensor is looked up when called
from .trace import format_values

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual",
           "UnpackedDualTensor", "trace"]

UnpackedDualTensor = collections.namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = "unpack_dual's result: ``primal`` and ``tangent`` (or None)."


class _Level:
    """An open dual level: its number and weak references to the tensors given tangents in it."""

    __slots__ = ("index", "duals")

    def __init__(self, index):
        self.index = index
        self.duals = []


_open = [None]             # the open _Level (only one may be open: torch's rule)
_tracers = []              # forward_ad.trace() objects listening to every op with tangents


def enter_dual_level():
    """Open a forward-AD level and return its number (``dual_level`` does this for you)."""
    if _open[0] is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    level = _open[0] = _Level(0)  # torch numbers its (single) level 0 every time
    function.dual_hook = apply_with_tangents
    return level.index


def exit_dual_level(*, level=None):
    """Close the open level: every tangent made in it is forgotten."""
    current = _open[0]
    if current is None:
        raise RuntimeError("Dual level must be a positive number.")
    if level is not None and level != current.index:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was "
                           "created. This is not supported.")
    for ref in current.duals:
        t = ref()
        if t is not None:
            t.__dict__.pop("_fw_tangent", None)
    _open[0] = None
    function.dual_hook = None


class dual_level(contextlib.ContextDecorator):
    """``with dual_level():`` -- the region in which dual tensors exist (also a decorator)."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def _check_level(level, what):
    current = _open[0]
    if current is None:
        raise RuntimeError(f"Trying to {what} for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if level is not None and level != current.index:
        raise RuntimeError(f"Invalid level given to {what}: level {level} is not open.")
    return current


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` as its forward gradient."""
    current = _check_level(level, "create a dual Tensor")
    Tensor = _tensor.Tensor
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError("make_dual(): expected Tensors for tensor and tangent")
    if tensor._data.dtype.kind not in "fc":
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if tangent._data.dtype.kind not in "fc":
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if tangent._data.shape != tensor._data.shape:
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size {list(tensor.shape)} "
            f"while the given forward gradient is of size {list(tangent.shape)}.")
    hook, function.dual_hook = function.dual_hook, None
    try:
        dual = tensor.view(tensor.shape)  # a view, ViewBackward0 when tensor requires grad
    finally:
        function.dual_hook = hook
    _attach(dual, tangent, current)
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)``: a view of tensor without its tangent, and the tangent (or None)."""
    if not isinstance(tensor, _tensor.Tensor):
        raise TypeError(f"unpack_dual(): expected a Tensor, got {type(tensor).__name__}")
    if _open[0] is None and level is None:
        return UnpackedDualTensor(tensor, None)
    tangent = tangent_of(tensor)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    hook, function.dual_hook = function.dual_hook, None
    try:
        primal = tensor.view(tensor.shape)  # a view without the tangent (torch's _unpack_dual)
    finally:
        function.dual_hook = hook
    return UnpackedDualTensor(primal, tangent)


def tangent_of(t):
    """t's tangent in the open level, or None."""
    entry = t.__dict__.get("_fw_tangent")
    if entry is None or entry[0] is not _open[0]:
        return None
    return entry[1]


def keep_tangent(t, tangent):
    """Give t this tangent in the open level (a saved copy of a tensor keeps the tangent the
    tensor had when it was copied)."""
    _attach(t, tangent, _open[0])


def _attach(t, tangent, level):
    t.__dict__["_fw_tangent"] = (level, tangent)
    level.duals.append(weakref.ref(t))


# ---- the hook: every op while a level is open -------------------------------------------------
def apply_with_tangents(cls, args):
    """Run ``cls`` on args (the ordinary ``Function.apply``), then give its outputs tangents."""
    Tensor = _tensor.Tensor
    tangents = [tangent_of(a) if isinstance(a, Tensor) else None for a in args]
    function.dual_hook = None  # the op itself, and its formula, run without forward AD
    try:
        out = cls.apply(*args)
        if all(t is None for t in tangents):
            return out
        from . import forward_formulas
        rule = forward_formulas.rule_for(cls)
        if rule is None:
            raise NotImplementedError(_no_formula_message(cls))
        out_tangents = rule(forward_formulas.JvpContext(cls, args, tangents, out))
    finally:
        function.dual_hook = apply_with_tangents
    level = _open[0]
    outs = out if isinstance(out, tuple) else (out,)
    outs_t = out_tangents if isinstance(out_tangents, (tuple, list)) else (out_tangents,)
    for o, o_t in zip(outs, outs_t):
        if o_t is not None and o._data.dtype.kind in "fc":
            _attach(o, _fit(o_t, o), level)
            attach_physical(o, o_t, level)
    _keep_saved_outputs_dual(cls, outs)
    for tracer in _tracers:
        tracer.record(cls, args, tangents, outs)
    return out


def attach_physical(out, tangent, level=None):
    """Inside a vmap, an op's batched output also gives its tangent to its physical tensor,
    which a backward pass run inside the vmap (``vmap(jvp(grad(f)))``) reads as the saved
    value's tangent."""
    from ..func import batching
    if not batching.is_batched(out) or out._data.physical is None:
        return
    level = _open[0] if level is None else level
    levels = batching.levels_of(out)
    physical = batching.physical_of(out)
    if set(batching.levels_of(tangent)) - set(levels):
        return
    hook, function.batch_hook = function.batch_hook, None
    try:
        t = batching.align(tangent, levels, physical.ndim - len(levels))
        if tuple(t.shape) != tuple(physical.shape):
            t = t.expand(*physical.shape)
    finally:
        function.batch_hook = hook
    if tangent_of(physical) is None:
        _attach(physical, t, level)


def _no_formula_message(cls):
    """torch's error for an op without a forward formula."""
    from . import forward_formulas
    torch_op = forward_formulas.unsupported_op(cls.__name__)
    if torch_op is not None and not torch_op.startswith("aten::"):
        return not_implemented(torch_op).args[0]
    return (f"Trying to use forward AD with {torch_op or forward_formulas.op_name(cls)} that "
            "does not support it.")


def not_implemented(torch_op):
    """torch's error for an op it declares without a forward formula: it says so, and where to
    ask for one."""
    return NotImplementedError(
        f"Trying to use forward AD with {torch_op} that does not support it because it has not "
        "been implemented yet.\nPlease file an issue to PyTorch at "
        "https://github.com/pytorch/pytorch/issues/new?template=feature-request.yml so that we "
        "can prioritize its implementation or submit a PR adding the implementation to "
        "derivatives.yaml")


def _keep_saved_outputs_dual(cls, outs):
    """A node that saved its own output keeps it as a light _SavedOutput, which backward turns
    back into a new Tensor -- without the tangent. While a level is open the node keeps the
    output Tensor itself instead, so that a backward pass run inside the level (forward over
    reverse: ``jacfwd(jacrev(f))``) sees the output's tangent. Inside a vmap the node and
    its saved outputs are those of the physical tensors (the batching rule ran the op on them)."""
    from ..func import batching
    outs = [batching.physical_of(o) if batching.is_batched(o) and o._data.physical is not None
            else o for o in outs]
    node = outs[0]._grad_fn
    if type(node) is not cls or node._saved is function.FREED or not node._saved:
        return
    saved, versions = list(node._saved), list(node._saved_versions)
    for k, item in enumerate(saved):
        if type(item) is function._SavedOutput:
            for o in outs:
                if o._data is item.data and tangent_of(o) is not None:
                    saved[k], versions[k] = o, item.version
    node._saved, node._saved_versions = saved, versions


def _fit(tangent, out):
    """The tangent with the output's shape (a formula may leave it broadcastable). Its dtype is
    what the formula gave: a float64 tangent of a float32 primal stays float64, as in torch."""
    if tangent._data.shape != out._data.shape:
        tangent = tangent.expand(out.shape).contiguous()
    return tangent


def has_tangent(*tensors):
    """Does one of these (Tensors, numbers) carry a tangent? An in-place write that autograd
    would not record is then recorded, so that the written tensor gets its new tangent."""
    if _open[0] is None:
        return False
    # (a view of a dual base has a tangent too; a detach() shares the memory but no tangent)
    return any(isinstance(t, _tensor.Tensor) and (
        tangent_of(t) is not None or (t._view_fn is not None and tangent_of(t._base) is not None))
        for t in tensors)


def dual_hook_open():
    """Is a dual level open?"""
    return _open[0] is not None


def inplace_update(target, result):
    """``target.op_(...)`` wrote ``result`` into target: target's tangent becomes result's.

    As in torch, the tangent is written *into* target's tangent memory, so that the tangents
    of target's base and of its other views (views of that memory) change with it; a view of
    a base without a tangent first gives the base a zero tangent."""
    level = _open[0]
    if level is None:
        return
    new = tangent_of(result)
    if new is None:
        if tangent_of(target) is None and not has_tangent(target):
            return
        new = _zeros(result)
    old = tangent_of(target)
    base = target._base
    if old is None and base is not None and target._view_fn is not None:
        base_tangent = tangent_of(base)
        if base_tangent is None:
            base_tangent = _zeros_for(base, new)
            _attach(base, base_tangent, level)
        hook, function.dual_hook = function.dual_hook, None
        try:
            old = target._view_fn(base_tangent)
        finally:
            function.dual_hook = hook
    if old is not None and _write_into(old, new):
        new = old
    _attach(target, new, level)


def _zeros_for(t, tangent):
    """A zero tangent for t -- batched like ``tangent`` (inside a vmap), so that it can hold it."""
    from ..func import batching
    if not batching.is_batched(tangent):
        return _zeros(t)
    levels = batching.levels_of(tangent)
    sizes = batching.batch_sizes([tangent], levels)
    return batching.wrap(_tensor._make(np.zeros(sizes + t._data.shape, t._data.dtype)), levels)


def _write_into(old, new):
    """Write new's values into old's memory (True), or say that old cannot hold them: a
    read-only or differently shaped tangent, or one batched at fewer vmap levels than new.
    Batched, the write goes into old's physical tensor (a view of its base's, as the ops' rules
    make views), each example into its own."""
    from ..func import batching
    if type(old._data) is np.ndarray and type(new._data) is np.ndarray:
        target, source = old, new._data
    elif batching.is_batched(old) and old._data.physical is not None and not (
            set(batching.levels_of(new)) - set(batching.levels_of(old))):
        levels = batching.levels_of(old)
        target = batching.physical_of(old)
        hooks = function.dual_hook, function.batch_hook
        function.dual_hook = function.batch_hook = None
        try:
            source = batching.align(new, levels, target.ndim - len(levels))._data
        finally:
            function.dual_hook, function.batch_hook = hooks
        try:
            source = np.broadcast_to(source, target._data.shape)
        except ValueError:  # (a tangent batched along a dim old is not)
            return False
    else:
        return False
    if not target._data.flags.writeable or target._data.shape != np.shape(source):
        return False
    target._data[...] = source
    target._bump_version()
    return True


def take_tangent(target, source):
    """An in-place view op (``x.t_()``) made target the view ``source``: its tangent too."""
    tangent = tangent_of(source) if _open[0] is not None else None
    if tangent is not None:
        _attach(target, tangent, _open[0])


def _zeros(t):
    return _tensor._make(np.zeros(t._data.shape, t._data.dtype))


# ---- watching a forward-mode pass -------------------------------------------------------------
class trace:
    """Record (and print) each op that computes a tangent while a dual level is open.

        with forward_ad.dual_level(), forward_ad.trace():
            y = f(forward_ad.make_dual(x, v))
        [1] MulBackward0    in: (3,) t=tensor([1., 0., 0.])  ...  out t=tensor([2., 0., 0.])
    """

    def __init__(self, verbose=True, max_values=6):
        self.verbose, self.max_values, self.events = verbose, max_values, []

    def __enter__(self):
        _tracers.append(self)
        return self

    def __exit__(self, *exc):
        _tracers.remove(self)
        return False

    def record(self, cls, args, tangents, outs):
        event = (cls.__name__, [t for t in tangents if t is not None],
                 [tangent_of(o) for o in outs])
        self.events.append(event)
        if self.verbose:
            ins = "  ".join(f"{tuple(t.shape)} t={format_values(t, self.max_values)}"
                            for t in event[1])
            outs_text = "  ".join("None" if t is None else
                                  f"{tuple(t.shape)} t={format_values(t, self.max_values)}"
                                  for t in event[2])
            print(f"[{len(self.events)}] {event[0]:<18} tangents in: {ins}\n"
                  f"      -> tangent out: {outs_text}")
