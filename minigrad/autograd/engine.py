"""backward(): walk the graph from the outputs to the leaves, iteratively.

1. Count, for every node reachable from the roots, how many gradients it will receive
   (its number of incoming edges) — an explicit stack, never recursion, so a 100,000-deep
   chain works.
2. Start with the roots' gradients. A node runs once all of its gradients have arrived;
   among the ready nodes the most recently created runs first (torch's order).
3. Running a node = tensor pre-hooks, ``backward``, then each input gradient is summed down
   to the input's shape and cast to its dtype, and added into the buffer of the next node.
   ``AccumulateGrad`` nodes add into ``leaf.grad``.
4. Without ``retain_graph`` each node frees what it saved once it has run.

Two ways to carry gradients. With ``create_graph=True`` they are Tensors and every backward
formula is recorded, so the result can be differentiated again. Otherwise nothing needs
recording, and the walk carries plain ndarrays: a node whose class says ``numpy_backward``
runs its formula directly on them (see ``function.py``); any other node, hook or ``.grad``
receives them wrapped as Tensors.

Owned buffers. A walk on arrays (``loss.backward()`` without hooks on the way) knows which
large gradient arrays are its own: made by a formula that says so (``formulas.fresh``) or by
its own sums, and held by nothing but the one buffer they wait in. ``_Walk.owned`` is that
registry (id -> array; an array leaves it when a node receives it, and whatever is handed to
user code -- hooks, captured results -- never enters it). A second gradient for the same input
is added into an owned buffer in place; the node that receives an owned gradient may write its
own result over it (``formulas.times``, ``formulas.over``); a leaf whose ``.grad`` is None takes
an owned gradient as it is instead of a copy (torch's AccumulateGrad does the same when nothing
else holds the gradient). The same ufuncs on the same operands in the same order: the same
bits, fewer arrays made (and fewer pages the kernel must hand the process again).
"""
import heapq
from itertools import repeat

import numpy as np

from . import formulas, grad_mode
from .. import _seam as seam
from .. import _tensor  # circular: _make is looked up when the engine runs
from .._layout import in_torch_layout
from .function import FREED, AccumulateGrad, checked_hook_result, on_arrays
from .anomaly_mode import check_gradients, state as anomaly

# Active ``trace()`` objects (see trace.py): each is told about every node that runs.
_tracers = []


def _reduce_to(grad, shape, dtype):
    """Undo broadcasting (sum over broadcast dims) and match the input's dtype."""
    if isinstance(grad, (np.ndarray, np.generic)):  # the walk carries arrays
        if grad.shape == shape and grad.dtype == dtype:
            return np.asarray(grad)  # a NumPy scalar (a formula on 0-d arrays) as a 0-d array
        return formulas.sum_to_size(grad, shape).astype(dtype, copy=False)
    if grad._data.shape != shape:
        grad = grad.sum_to_size(shape)
    if grad._data.dtype != dtype:
        grad = grad.to(dtype=_dtype_of(dtype))
    return grad


def _sum(a, b):
    """Two gradients for one input, added; on arrays laid out as the Tensor sum would be."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return in_torch_layout(a + b, a, b)
    return a + b


def _dtype_of(np_dtype):
    from .._dtype import from_numpy_dtype
    return from_numpy_dtype(np_dtype)


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _dependencies(roots):
    """Number of incoming edges for each node reachable from roots."""
    deps = {r: 0 for r in roots if r is not None}  # each root once
    stack = list(deps)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is None:
                continue
            if nxt in deps:
                deps[nxt] += 1
            else:
                deps[nxt] = 1
                stack.append(nxt)
    return deps


def _needed(deps, targets):
    """Nodes from which some target node can be reached (the others need not run)."""
    parents = {}
    for node in deps:
        for nxt, _ in node.next_functions:
            if nxt is not None:
                parents.setdefault(nxt, []).append(node)
    needed = set()
    stack = [t for t in targets if t in deps]
    while stack:
        n = stack.pop()
        if n in needed:
            continue
        needed.add(n)
        stack.extend(parents.get(n, ()))
    return needed


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False,
                 inputs=None, accumulate=True, walk_class=None):
    """The engine. Returns the gradients captured for ``inputs`` (autograd.grad) if given.

    tensors/grad_tensors: the roots and their gradients. inputs: tensors whose gradient is
    wanted (for autograd.grad or ``backward(inputs=...)``); with accumulate=False they are
    captured and returned instead of added into ``.grad``. walk_class: the ``_Walk`` subclass
    that runs the nodes (minigrad.compile passes one that also records them).
    """
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        node = t.grad_fn
        if node is None:
            if not t.requires_grad:
                raise RuntimeError(
                    f"element {i} of tensors does not require grad and does not have a grad_fn")
            node = t._accumulator()
        roots.append((node, t._output_nr, g))

    deps = _dependencies([r[0] for r in roots])
    captured = {}          # (node, output_nr) -> position in inputs
    leaf_capture = {}      # AccumulateGrad node -> position
    if inputs is not None:
        for pos, t in enumerate(inputs):
            if t.grad_fn is not None:
                captured[(t.grad_fn, t._output_nr)] = pos
            elif t.requires_grad:
                leaf_capture[t._accumulator()] = pos
        targets = [k[0] for k in captured] + list(leaf_capture)
        needed = _needed(deps, targets)
    else:
        needed = None
    results = [None] * (len(inputs) if inputs is not None else 0)

    buffers = {}
    for node, nr, g in roots:
        buf = buffers.setdefault(node, [None] * node.n_outputs)
        buf[nr] = _add(buf[nr], g)
    ready = []
    for node in buffers:
        if deps[node] == 0:
            heapq.heappush(ready, (-node._seq, id(node), node))

    if walk_class is None:
        walk_class = _Walk if seam.recorder is None else seam.recorder.walk_class
    walk = walk_class(retain_graph, create_graph, accumulate, captured, leaf_capture, results)
    if walk.arrays:
        for buf in buffers.values():
            buf[:] = [None if g is None else g._data for g in buf]
    # grad mode on only to record the backward pass (create_graph); numpy_backward formulas
    # see arrays (on_arrays); both are restored afterwards
    mode = grad_mode._state
    outer = mode.enabled, on_arrays.active, on_arrays.fresh
    mode.enabled, on_arrays.active, on_arrays.fresh = create_graph, walk.arrays, walk.fresh
    try:
        _run_ready(walk, ready, buffers, deps, needed)
    finally:
        mode.enabled, on_arrays.active, on_arrays.fresh = outer
        on_arrays.overwritable = _NOTHING  # (set only while a formula runs: a walk starts
        # from a hook or the user's code, never inside a formula)
    return results


@np.errstate(all="ignore")  # torch computes inf and nan silently (as ops/_util.silent_fp)
def _run_ready(walk, ready, buffers, deps, needed):
    """Run nodes as they become ready (all their gradients arrived), the newest first.

    Each gradient a node returns is summed down to its input's shape and cast to its dtype
    (``_reduce_to``), then added into the buffer of the node it flows to."""
    run, reduce_to, add, tracing = walk.run, walk.reduce_to, walk.add, bool(_tracers)
    ndarray = np.ndarray
    node = heapq.heappop(ready)[2] if ready else None
    while node is not None:
        received = buffers.pop(node)
        out = None if needed is not None and node not in needed else run(node, received)
        sent = [] if tracing else None  # what went down each edge, for trace()
        became_ready = None  # one node made ready and none waiting: it runs next directly
        for (nxt, nr), g, meta in zip(node.next_functions, out or _NONES, node._meta or _NONES):
            if nxt is None:
                if tracing:
                    sent.append(None)
                continue
            buf = buffers.get(nxt)
            if buf is None:
                buf = buffers[nxt] = [None] * nxt.n_outputs
            if g is not None:
                if (type(g) is not ndarray or g.shape != meta[0]
                        or g.dtype is not meta[1] and g.dtype != meta[1]):  # (`is`: quicker)
                    g = reduce_to(g, *meta)
                buf[nr] = g if buf[nr] is None else add(buf[nr], g)
            if tracing:
                sent.append(g)
            left = deps[nxt] - 1
            deps[nxt] = left
            if left == 0:
                if became_ready is None and not ready:
                    became_ready = nxt
                else:
                    if became_ready is not None:
                        heapq.heappush(ready, (-became_ready._seq, id(became_ready),
                                               became_ready))
                        became_ready = None
                    heapq.heappush(ready, (-nxt._seq, id(nxt), nxt))
        if tracing:
            for tracer in _tracers:
                tracer.record(node, received, None if out is None else sent)
        out = g = None  # gradients added into others are garbage now, before the next node runs
        if became_ready is not None:
            node = became_ready
        else:
            node = heapq.heappop(ready)[2] if ready else None


_NONES = repeat(None)


class _Walk:
    """One backward pass: its options, and how one node is run."""

    owns_buffers = True  # may own gradient arrays (see "Owned buffers" above)

    def __init__(self, retain_graph, create_graph, accumulate, captured, leaf_capture, results):
        self.retain_graph, self.create_graph = retain_graph, create_graph
        self.accumulate, self.results = accumulate, results
        self.captured, self.leaf_capture = captured, leaf_capture
        self.arrays = not create_graph and not _tracers  # carry ndarrays (see the docstring)
        # nothing to capture and every .grad to accumulate: the common walk (loss.backward())
        self.plain = accumulate and not captured and not leaf_capture
        # the walk's own arrays, id -> array, and what formulas made (formulas.fresh); None
        # when it owns none
        owns = self.arrays and self.plain and self.owns_buffers
        self.owned, self.fresh = ({}, {}) if owns else (None, None)

    # how gradients are summed down to an input's shape, and two gradients for one input added
    # (methods, so that a recording walk can see them)
    def reduce_to(self, grad, shape, dtype):
        out = _reduce_to(grad, shape, dtype)
        owned = self.owned
        if owned is not None and out is not grad:
            owned.pop(id(grad), None)  # summed down or cast: grad's array is no buffer now
            self._own_if_new(out)
        return out

    def add(self, a, b):
        """a + b; into whichever of the two the walk owns (a first), else a new array."""
        owned = self.owned
        if owned:
            if (type(a) is np.ndarray and type(b) is np.ndarray and a is not b
                    and a.flags.c_contiguous and b.flags.c_contiguous):
                if owned.get(id(a)) is a:
                    owned.pop(id(b), None)  # added in: b's array is no buffer now
                    return np.add(a, b, out=a)
                if owned.get(id(b)) is b:
                    return np.add(a, b, out=b)
            owned.pop(id(a), None)
            owned.pop(id(b), None)
        out = _sum(a, b)
        if owned is not None:
            self._own_if_new(out)
        return out

    def _own_if_new(self, array):
        """Own an array the engine itself has just made (not a view of another)."""
        if (type(array) is np.ndarray and array.base is None
                and array.nbytes >= formulas.OWNED_FROM_BYTES):
            self.owned[id(array)] = array

    def tensor(self, g):
        """g as the Tensor that hooks, ``.grad`` and Tensor formulas receive."""
        if self.arrays and g is not None:
            return _tensor._make(g)
        return g

    def run(self, node, grads):
        """Run one node; return its gradients, one per next_functions entry (or None).

        With ``arrays`` set, ``on_arrays.active`` is on for the whole walk: numpy_backward
        formulas run as they are; everything else (hooks, other formulas, ``.grad``) runs in
        ``_on_tensors``, which hands it Tensors and turns the flag off meanwhile."""
        owned = self.owned
        mine = _take_owned(owned, grads) if owned else None  # this node's, to overwrite
        if node._pre_hooks:
            mine = None  # the hooks have seen them
            grads = self._on_tensors(_run_pre_hooks, node, grads)
        if not self.plain:
            self._capture(node, grads)
        if type(node) is AccumulateGrad:
            self._accumulate(node, grads[0], mine)
            return None
        if grads[0] is None if len(grads) == 1 else all(g is None for g in grads):
            return None  # no gradient arrived: none to send
        if node.numpy_backward and self.arrays:
            if mine:
                on_arrays.overwritable = mine
                out = node.backward(node, *grads)
                on_arrays.overwritable = _NOTHING
            else:
                out = node.backward(node, *grads)
        else:
            mine = None  # handed to code on Tensors
            out = self._on_tensors(_backward, node, grads)
        edges = node._edges
        if type(out) is tuple or len(edges) != 1 or edges[0]:
            out = per_edge_gradients(out, edges)
        else:
            out = (out,)  # one gradient, for the one edge: the first argument's
        if node._hooks:
            out = self._on_tensors(_run_hooks, node, out, grads)
            mine = None  # the hooks have seen the results
            if self.fresh:
                self.fresh.clear()
        elif mine or self.fresh:
            self._own_results(node, out, mine)
        if anomaly.enabled:   # torch.autograd.detect_anomaly(): NaN gradients raise
            check_gradients(node, out)
        if not self.retain_graph:
            node._saved = FREED  # release what it saved: a second backward raises
        return out

    def _own_results(self, node, out, mine):
        """The walk owns each result that is new (``formulas.fresh``) or a gradient it owned
        and the node passed on -- or a view of one (``t()`` of it) -- if one live edge carries
        it and no other result shares its memory."""
        fresh, owned = self.fresh, self.owned
        live = [g for (nxt, _), g in zip(node.next_functions, out)
                if nxt is not None and type(g) is np.ndarray]
        memory = [g if g.base is None else g.base for g in live]  # the array owning the data
        private = dict(fresh)  # id -> array: memory nobody but this node holds
        if mine:
            for g in mine.values():
                base = g if g.base is None else g.base
                private[id(base)] = base
        for g, base in zip(live, memory):
            if private.get(id(base)) is base and sum(m is base for m in memory) == 1:
                owned[id(g)] = g
        fresh.clear()

    def _capture(self, node, grads):
        """autograd.grad / backward(inputs=): keep the gradients of the wanted tensors."""
        if self.captured:
            for nr in range(len(grads)):
                pos = self.captured.get((node, nr))
                if pos is not None:
                    self.results[pos] = self.tensor(grads[nr])
        if type(node) is AccumulateGrad:
            pos = self.leaf_capture.get(node)
            if pos is not None:
                self.results[pos] = self.tensor(grads[0])

    def _accumulate(self, node, grad, mine):
        """AccumulateGrad: add grad into the leaf's ``.grad`` (unless it is not wanted)."""
        if grad is None or not self.accumulate:
            return
        if self.leaf_capture and node not in self.leaf_capture:
            return  # backward(inputs=...) that does not name this leaf
        if node.variable._hooks:  # user code: it gets Tensors
            self._on_tensors(_accumulate, node, [grad], self.create_graph)
        else:  # an ndarray when the walk carries arrays; the walk's own: .grad may keep it
            node.variable._accumulate_grad(grad, self.create_graph,
                                           bool(mine) and id(grad) in mine)

    def _on_tensors(self, fn, node, *grad_lists):
        """fn(node, *grad_lists) with Tensors for every gradient, returning what the walk
        carries (arrays again when ``arrays`` is set)."""
        if not self.arrays:
            return fn(node, *grad_lists)
        on_arrays.active = False
        try:
            out = fn(node, *[_wrap_all(g) if isinstance(g, (list, tuple)) else g
                             for g in grad_lists])
        finally:
            on_arrays.active = True
        if out is None:
            return None
        out = out if isinstance(out, (list, tuple)) else (out,)
        return tuple(None if g is None else g._data for g in out)


_NOTHING = on_arrays.overwritable  # no gradient may be overwritten (an empty mapping)


def _take_owned(owned, grads):
    """Of the gradients a node received, those the walk owned (id -> array), which leave the
    walk's registry: the node consumes them."""
    mine = {}
    for g in grads:
        if g is not None and owned.pop(id(g), None) is not None:
            mine[id(g)] = g
    return mine


def _wrap_all(grads):
    return tuple(None if g is None else _tensor._make(g) for g in grads)


def _run_pre_hooks(node, grads):
    """Tensor hooks of a non-leaf and retain_grad: fn(grad_outputs) may return replacements."""
    for hook in tuple(node._pre_hooks.values()):
        new = hook(tuple(grads))
        if new is not None:
            grads = [checked_hook_result(hook, g, n) for g, n in zip(grads, new)]
    return grads


def _accumulate(node, grads, create_graph):
    node.variable._accumulate_grad(grads[0], create_graph)


def _backward(node, grads):
    out = node.backward(node, *grads)
    return out if isinstance(out, tuple) else (out,)


def _run_hooks(node, out, grads):
    """Node hooks: fn(grad_inputs, grad_outputs) may return replacement grad_inputs."""
    for hook in tuple(node._hooks.values()):
        new = hook(tuple(out), tuple(grads))
        if new is not None:
            out = tuple(checked_hook_result(hook, g, n) for g, n in zip(out, new))
    return out


def per_edge_gradients(out, edges):
    """What backward returned (one gradient, or one per forward argument) as one gradient per
    edge of the node (unless simply every argument)."""
    if type(out) is not tuple:
        out = (out,)
    if len(out) != len(edges) or (edges and edges[-1] != len(edges) - 1):
        out = _per_edge(out, edges)
    return out


def _per_edge(out, edges):
    """backward returns one gradient per forward argument: keep those of the node's edges."""
    n = len(edges)
    if n and edges[-1] == n - 1 and len(out) >= n:  # the edges are the first n arguments
        return out if len(out) == n else out[:n]
    return tuple(out[i] if i < len(out) else None for i in edges)
