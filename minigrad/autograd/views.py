"""In-place ops and autograd history, torch's way: views, CopySlices, AsStridedBackward0.

An in-place op ``x.op_(...)`` is computed out of place (``result = op(x, ...)``), written into
x's memory, and x takes result's place in the graph (``ops/_util.assign_inplace``). Three things
keep the gradients right:

1. **The original x.** If the op's backward needs x itself (``x.mul_(w)`` needs x for w's
   gradient), the node gets a copy of x's old values before they are overwritten, as torch's
   in-place derivatives save ``original_self``. If it saves its output (``exp_``, ``relu_``),
   that output *is* x now, so later in-place edits of x are caught by the version check.

2. **Writing into a view** ``v = base[0]`` changes base's memory. base's grad_fn becomes
   ``CopySlices``: its backward passes the gradient through unchanged outside v's region and
   sends the region through the in-place op's own backward. v's grad_fn becomes
   ``AsStridedBackward0`` on top of it (v is now "that region of the new base").

3. **Stale views.** Every view of base shares its version counter. A view whose grad_fn was set
   at an older version (base or a sibling view was modified in place since) rebuilds it as
   ``AsStridedBackward0(base.grad_fn)`` the next time ``grad_fn`` is read (``refresh_view``).

Regions are described by index arrays: ``_positions(view, base)`` gives, for every element of
the view, its flat (C-order) position in the base, found from the two arrays' memory layout.
"""
import weakref

import numpy as np

from . import formulas, forward_ad, grad_mode
from .function import (_SECOND_BACKWARD, FREED, Function, _edge, _node_name, _SavedOutput,
                       new_node)
from .engine import _reduce_to
from .._tensor import _make

# _view_version of a view created under no_grad: it is never re-attached to the graph.
NO_GRAD_VIEW = -1

_NO_GRAD_VIEW_ERROR = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked).")


REPEATED_WRITE_ERROR = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation.")

_MULTI_OUTPUT_ERROR = (
    " This view is the output of a function that returns multiple views. Such functions do not "
    "allow the output views to be modified inplace. You should replace the inplace operation by "
    "an out-of-place one.")


def has_repeats(array):
    """Does some element of ``array`` sit at the same address as another (a stride-0 dim)?
    Never for an empty array: torch counts it as contiguous, so it has no internal overlap."""
    return array.size != 0 and any(st == 0 and n > 1 for st, n in zip(array.strides, array.shape))


def creation_version(src):
    """What a new view of ``src`` records as ``_view_version``: the version it was made at."""
    return src._vc[0] if grad_mode._state.enabled else NO_GRAD_VIEW


def mark_multi_output(view, src):
    """A view made by split/chunk/unbind (``src`` None), or a view of such a view, made with
    grad mode on: torch's creation meta MULTI_OUTPUT_NODE forbids writing into it."""
    if grad_mode._state.enabled and (src is None or src.__dict__.get("_multi_output")):
        view._multi_output = True


def raise_multi_output(view, indirect=False, via=None):
    """torch's error for writing into such a view (or, ``indirect``, reading the grad_fn of one
    whose base changed). ``via``: the name of the view op (``Select``) through which
    ``view[key] = v`` writes."""
    fn = view._grad_fn
    what = "its base or another view of its base has been" if indirect else "is being"
    if fn is None:
        head = f"A view was created in no_grad mode and {what} modified inplace with grad mode"
        head += " enabled."
    else:
        name, nr = (_node_name(fn), view._output_nr) if via is None else (via, 0)
        head = f"Output {nr} of {name} is a view and {what} modified inplace."
    raise RuntimeError(head + _MULTI_OUTPUT_ERROR)


def _is_view(t):
    return t._base is not None and t._view_fn is not None


# ---- regions: flat positions of a view's elements in its base ---------------------------------
def _addresses(arr, origin):
    """Memory address of every element of ``arr``, in items, relative to address ``origin``."""
    item = arr.itemsize
    addr = np.full(arr.shape, (arr.__array_interface__["data"][0] - origin) // item,
                   dtype=np.int64)
    for d, (n, stride) in enumerate(zip(arr.shape, arr.strides)):
        shape = [1] * arr.ndim
        shape[d] = n
        addr = addr + (np.arange(n, dtype=np.int64) * (stride // item)).reshape(shape)
    return addr


def _positions(view, base):
    """Flat C-order index into ``base`` (an ndarray) of each element of ``view``."""
    origin = base.__array_interface__["data"][0]
    where = _addresses(view, origin)
    if base.flags.c_contiguous:
        return where
    base_addr = _addresses(base, origin).reshape(-1)
    order = np.argsort(base_addr, kind="stable")
    return order[np.searchsorted(base_addr[order], where)]


# ---- the two region ops, each the other's backward ---------------------------------------------
class AsStridedBackward0(Function):
    """out = base.flatten()[index]   (a view's elements, picked out of its base)
    grad_base = zeros(base.shape).flatten().index_add(index, grad)"""

    @staticmethod
    def forward(ctx, base, index):
        ctx.shape = base.shape
        ctx.index = index
        return np.ravel(base)[index]

    @staticmethod
    def backward(ctx, grad):
        return AsStridedScatterBackward0.apply(grad, ctx.index, ctx.shape), None


class AsStridedScatterBackward0(Function):
    """out = zeros(shape) with out.flatten()[index] += src (``copy``: = src, for an index
    without repeats; -0.0 stays -0.0)       grad_src = grad.flatten()[index]"""

    @staticmethod
    def forward(ctx, src, index, shape, copy=False):
        ctx.index = index
        out = np.zeros(int(np.prod(shape)), dtype=src.dtype)
        values = np.broadcast_to(src, index.shape).reshape(-1)
        if copy:
            out[index.reshape(-1)] = values
        else:
            np.add.at(out, index.reshape(-1), values)
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return AsStridedBackward0.apply(grad, ctx.index), None, None, None


class CopySlices(Function):
    """base[region] = fn(base[region], *others) done in place.

    grad_base = grad outside the region, fn's gradient for its first input inside it (else 0);
    grad_others = fn's gradients for its other inputs, given grad[region].

    fn keeps what it saved until it is released itself: a double backward may reach it again
    through the output it saved (``exp_`` saves its result). CopySlices holds fn as its saved
    value, so the walk releases fn with it (torch's release_variables drops fn too).
    """

    def name(self):
        return "torch::autograd::CopySlices"

    @staticmethod
    def backward(ctx, grad):
        if ctx._saved is FREED:
            raise RuntimeError(_SECOND_BACKWARD)
        fn, = ctx._saved
        index = ctx.index
        region = AsStridedBackward0.apply(grad, index)
        grads = fn.backward(fn, region)
        grads = grads if isinstance(grads, tuple) else (grads,)
        grads = [None if meta is None or i >= len(grads) or grads[i] is None
                 else _reduce_to(grads[i], *meta) for i, meta in zip(fn._edges, fn._meta)]
        g_self = None if ctx.self_slot is None else grads.pop(ctx.self_slot)
        inside = 0.0  # the region's old values were overwritten: exactly 0 (not grad * 0)
        if g_self is not None:
            if ctx.repeats:  # torch copies g_self into that region of the gradient: it refuses
                raise RuntimeError(REPEATED_WRITE_ERROR)
            inside = AsStridedScatterBackward0.apply(g_self, index, ctx.base_shape, True)
        return (formulas.where(ctx.outside, grad, inside), *grads)


# ---- before and after an in-place write ----------------------------------------------------------
def inplace_prepare(self, result):
    """Called before ``result`` is written into ``self``; returns whether history must change.

    Raises torch's errors for views (``check_inplace_view``), and snapshots self's old values
    for the node if it saved self (see 1. above).
    """
    if not grad_mode._state.enabled:
        return False
    fn = result._grad_fn
    tracked = fn is not None and result._requires_grad
    if _is_view(self):
        check_inplace_view(self, tracked)
    if not tracked:
        return False
    saved = list(getattr(fn, "_saved", ()))
    slot = next((k for k, item in enumerate(saved) if item is self), None)
    if slot is not None:
        # Only self's own slot: in ``x.mul_(x)`` the second x is ``other``, saved as it is
        # (version checked), so backward raises like torch.
        saved[slot] = _original(self)
        versions = list(fn._saved_versions)
        versions[slot] = None
        fn._saved, fn._saved_versions = tuple(saved), tuple(versions)
    return True


def check_inplace_view(view, tracked=False):
    """torch's errors for writing into a view (grad mode on) when its base requires grad or the
    write is ``tracked`` (another operand requires grad)."""
    base = view._base
    if not (base._requires_grad or tracked):
        return
    if view._view_version == NO_GRAD_VIEW:
        raise RuntimeError(_NO_GRAD_VIEW_ERROR)
    if view.__dict__.get("_multi_output"):
        raise_multi_output(view)
    if base._requires_grad and base._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def _original(t):
    """A copy of t's current values that keeps t's place in the graph (for double backward),
    and a copy of its tangent inside a dual level (the write about to happen replaces t's)."""
    copy = _make(t._data.copy(), t._requires_grad, t._grad_fn, t._output_nr)
    tangent = forward_ad.tangent_of(t) if forward_ad.dual_hook_open() else None
    if tangent is not None:
        forward_ad.keep_tangent(copy, tangent.clone())
    return copy


def rebase_history(self, result):
    """After ``result`` was written into ``self``: self (and its base, for a view) take its place
    in the graph."""
    fn = result._grad_fn
    if _is_view(self):
        rebase_view(self, result)
        _adopt_saved_output(fn, result, self, named_by=weakref.ref(self._grad_fn))
    else:
        _adopt_saved_output(fn, result, self)
        self._grad_fn = fn
        self._output_nr = result._output_nr
        self._requires_grad = True


def _adopt_saved_output(fn, result, self, named_by=None):
    """fn saved result as its output; that output now lives in self (version after the write).
    ``named_by``: the view's new node, which torch's error messages name for it."""
    saved = getattr(fn, "_saved", ())
    for item in saved:
        if isinstance(item, _SavedOutput) and item.data is result._data:
            item.data = self._data
            item.version_counter = self._vc
            item.version = self._vc[0]
            item.named_by = named_by


def rebase_view(view, result):
    """``view`` (of ``view._base``) was overwritten in place with ``result``: base's grad_fn
    becomes CopySlices(base's old history, result's node), view's an AsStridedBackward0 of it."""
    base = view._base
    fn = result._grad_fn
    old = (view._grad_fn, view._output_nr) if view._grad_fn is not None else _edge(view)
    self_slot = next((k for k, e in enumerate(fn.next_functions) if e == old), None)
    index = _positions(view._data, base._data)
    outside = np.ones(base._data.size, dtype=bool)
    outside[index.reshape(-1)] = False
    outside = outside.reshape(base._data.shape)
    repeats = getattr(fn, "region_repeats", None)  # setitem writes only view[key]
    if repeats is None:
        repeats = has_repeats(view._data)
    copy = new_node(CopySlices, [base], index=index, self_slot=self_slot,
                    base_shape=base._data.shape, outside=_make(outside), repeats=repeats)
    copy._saved, copy._saved_versions = (fn,), (None,)
    others = [k for k in range(len(fn.next_functions)) if k != self_slot]
    copy.next_functions += tuple(fn.next_functions[k] for k in others)
    copy._meta += tuple(fn._meta[k] for k in others)
    copy._edges = tuple(range(len(copy.next_functions)))
    base._grad_fn, base._output_nr, base._requires_grad = copy, 0, True
    _set_view_node(view, base, index)


def _set_view_node(view, base, index):
    view._grad_fn = new_node(AsStridedBackward0, [base], index=index, shape=base._data.shape)
    view._output_nr = 0
    view._requires_grad = True
    view._view_version = view._vc[0]


def refresh_view(view):
    """``view.grad_fn`` was read after its base (or a sibling view) was modified in place."""
    seen = view._view_version
    if seen == NO_GRAD_VIEW:
        return
    base = view._base
    if view.__dict__.get("_multi_output") and (view._grad_fn is not None or base._requires_grad):
        raise_multi_output(view, indirect=True)  # such a view cannot be rebuilt
    view._view_version = view._vc[0]
    if seen is None or not base._requires_grad:
        return
    _set_view_node(view, base, _positions(view._data, base._data))
