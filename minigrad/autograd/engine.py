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
"""
import heapq

from . import grad_mode
from .function import AccumulateGrad, Function

# Active ``trace()`` objects (see trace.py): each is told about every node that runs.
_tracers = []


def _reduce_to(grad, shape, dtype):
    """Undo broadcasting (sum over broadcast dims) and match the input's dtype."""
    if grad._data.shape != shape:
        grad = grad.sum_to_size(shape)
    if grad._data.dtype != dtype:
        grad = grad.to(dtype=_dtype_of(dtype))
    return grad


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
                 inputs=None, accumulate=True):
    """The engine. Returns the gradients captured for ``inputs`` (autograd.grad) if given.

    tensors/grad_tensors: the roots and their gradients. inputs: tensors whose gradient is
    wanted (for autograd.grad or ``backward(inputs=...)``); with accumulate=False they are
    captured and returned instead of added into ``.grad``.
    """
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if t.grad_fn is None and not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        roots.append((t.grad_fn if t.grad_fn is not None else t._accumulator(), t._output_nr, g))

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
        buf = buffers.setdefault(node, [None] * _n_outputs(node))
        buf[nr] = _add(buf[nr], g)
    ready = []
    for node in buffers:
        if deps[node] == 0:
            heapq.heappush(ready, (-node._seq, id(node), node))

    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node)
            if needed is not None and node not in needed:
                grads = None
            else:
                received = grads
                grads = _run_node(node, grads, retain_graph, create_graph, accumulate,
                                  captured, leaf_capture, results)
                if _tracers:
                    for tracer in _tracers:
                        tracer.record(node, received, grads)
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                buf = buffers.get(nxt)
                if buf is None:
                    buf = buffers[nxt] = [None] * _n_outputs(nxt)
                if grads is not None and grads[i] is not None:
                    buf[nr] = _add(buf[nr], grads[i])
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    heapq.heappush(ready, (-nxt._seq, id(nxt), nxt))
    return results


def _n_outputs(node):
    return getattr(node, "n_outputs", 1)


def _run_node(node, grads, retain_graph, create_graph, accumulate, captured, leaf_capture,
              results):
    """Run one node; return the list of gradients for its next_functions."""
    if node._pre_hooks:
        for hook in tuple(node._pre_hooks.values()):
            new = hook(tuple(grads))
            if new is not None:
                grads = list(new)
    if captured:
        for nr in range(len(grads)):
            pos = captured.get((node, nr))
            if pos is not None:
                results[pos] = grads[nr]
    if isinstance(node, AccumulateGrad):
        pos = leaf_capture.get(node)
        if pos is not None:
            results[pos] = grads[0]
        if accumulate and grads[0] is not None and (not leaf_capture or pos is not None):
            node.variable._accumulate_grad(grads[0], create_graph)
        return None
    if node.n_outputs == 1:
        if grads[0] is None:
            return None  # no gradient arrived: none to send
        out = node.backward(node, grads[0])
    else:
        if grads.count(None) == len(grads):
            return None
        out = node.backward(node, *grads)
    if not isinstance(out, tuple):
        out = (out,)
    if isinstance(node, Function):  # one gradient per forward argument -> one per edge
        out = _per_edge(out, node._edges)
    if node._hooks:
        for hook in tuple(node._hooks.values()):
            new = hook(out, tuple(grads))
            if new is not None:
                out = tuple(new)
    if not retain_graph:
        node._release()
    result = []
    for (nxt, _), g, meta in zip(node.next_functions, out, node._meta):
        if nxt is None or g is None:
            result.append(None)
        elif g._data.shape != meta[0] or g._data.dtype != meta[1]:
            result.append(_reduce_to(g, *meta))
        else:
            result.append(g)
    return result


def _per_edge(out, edges):
    """backward returns one gradient per forward argument: keep those of the node's edges."""
    n = len(edges)
    if n and edges[-1] == n - 1 and len(out) >= n:  # the edges are the first n arguments
        return out if len(out) == n else out[:n]
    return tuple(out[i] if i < len(out) else None for i in edges)
