"""Graph nodes: `Node`, `Function` (an op with forward and backward side by side), `AccumulateGrad`.

Every differentiable op is a `Function` subclass named exactly like torch's grad_fn class
(``MulBackward0``, ``AddmmBackward0``, ...). Its two static methods sit side by side:

* ``forward(ctx, *arrays)`` computes the result with NumPy (Tensor inputs arrive as their
  ndarrays, other arguments unchanged) and may call ``ctx.save_for_backward(...)``;
* ``backward(ctx, grad)`` receives the output gradient and returns one gradient per input
  (``None`` for inputs that need none). Given Tensors it runs as minigrad ops, so with grad mode
  on (``create_graph=True``) it records the backward pass itself: higher-order gradients come
  for free. (Without ``create_graph`` most formulas get plain ndarrays instead: see below.)

Gradients may be returned in the broadcast shape; the engine sums them down to the input's shape
and casts them to the input's dtype (torch's ``validate_outputs`` does the same).

When no input requires grad, or under ``no_grad``, ``Function.apply`` only runs ``forward`` and
records nothing: the cost is then that of the NumPy call plus one Tensor wrapper.

Most formulas use nothing but arithmetic operators (``grad * out``, ``grad / (2 * out)``) and
the helpers of ``autograd/formulas.py``; those work on ndarrays just as on Tensors. A class
that says so with ``numpy_backward = True`` gets plain ndarrays (``grad`` and ``saved_tensors``)
from the engine whenever no graph of the backward pass is wanted (``create_graph=False``): the
same formula then costs only its NumPy calls. With ``create_graph=True`` it gets Tensors, and
the backward pass is recorded like any other computation. ``tests/test_numpy_backward.py``
checks that the two modes give the same bits for every such class.
"""
import itertools
import re
import threading
from types import MappingProxyType

import numpy as np

from . import grad_mode
from .. import _tensor  # circular: Tensor and _make are looked up when ops run

_sequence = itertools.count()
# Set while a forward-AD dual level is open (forward_ad.py): every op then goes through it.
dual_hook = None
# Set while a vmap runs (minigrad/func/batching.py): ops on batched tensors go through it.
batch_hook = None
# Set while minigrad.compile captures a function (minigrad/compiler/capture.py): each op runs
# eagerly and is recorded as one kernel of the program to replay.
capture_hook = None


class Node:
    """A node of the backward graph: what ``tensor.grad_fn`` holds.

    ``next_functions`` has one ``(node, output_nr)`` pair per input, as in torch: the input's own
    grad_fn, the ``AccumulateGrad`` of a leaf that requires grad, or ``(None, 0)``.
    """

    __slots__ = ("next_functions", "_seq", "_pre_hooks", "_hooks", "_meta", "__weakref__")
    # True when backward is written so that it also runs on ndarrays (see the module docstring)
    numpy_backward = False
    n_outputs = 1  # gradients backward receives; a multi-output Function sets its own

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node's backward."""
        if self._hooks is None:
            self._hooks = {}
        return _add_hook(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node's backward; may return replacements."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return _add_hook(self._pre_hooks, fn)

    @property
    def metadata(self):
        return {}

    def __call__(self, *grads):
        return self.apply(*grads)


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook."""

    _ids = itertools.count()
    __slots__ = ("_hooks", "id")

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _add_hook(hooks, fn):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


def checked_hook_result(hook, old, new):
    """A gradient a hook returned in place of ``old``, refused as torch refuses it when it is
    no Tensor or has another shape or dtype than the gradient it replaces."""
    if new is None or old is None:
        return new
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(new, _tensor.Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    old_t = old if isinstance(old, _tensor.Tensor) else _tensor._make(old)
    if new._data.shape != old_t._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    if new._data.dtype != old_t._data.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {old_t.type()} "
                           f"got {new.type()})")
    return new


class _OnArrays(threading.local):
    """Whether the engine is running a ``numpy_backward`` formula on ndarrays right now (then
    ``saved_tensors`` hands out arrays): per thread, as a backward runs in one thread.

    While a walk owns gradient buffers (engine.py, "Owned buffers"), also: ``fresh``, where
    formulas put the large arrays they have just made (``formulas.fresh``), and
    ``overwritable``, id -> array of the gradients the running formula may write over."""

    active = False
    fresh = None   # a dict while a walk that owns buffers runs
    overwritable = MappingProxyType({})  # none


on_arrays = _OnArrays()


class _Freed:
    """Marks saved tensors that backward has already released."""


FREED = _Freed()
AS_SAVED = ("as saved",)  # _saved_versions of a node whose saved values need no checking
_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")


class _SavedOutput:
    """The op's own output, saved without a strong link back to this node (no ref cycle)."""

    __slots__ = ("data", "version_counter", "version", "output_nr", "named_by")

    def __init__(self, tensor):
        self.data = tensor._data
        self.version_counter = tensor._vc
        self.version = tensor._vc[0]
        self.output_nr = tensor._output_nr
        # An in-place op on a view saves the view, whose grad_fn is then its AsStridedBackward0:
        # torch's error messages name that node (held weakly, as torch does), else this one.
        self.named_by = None

    def node_for_errors(self, node):
        """The node torch's messages say produced this output (``node``: the one that saved it)."""
        named = self.named_by() if self.named_by is not None else None
        return named if named is not None else node

    def tensor(self, node):
        """The output as a Tensor again, made by ``node`` and sharing its version counter."""
        t = _tensor._make(self.data, True, node, self.output_nr)
        t._vc = self.version_counter
        return t


class Function(Node):
    """An op: subclass it, name it like torch's grad_fn, write ``forward`` and ``backward``."""

    __slots__ = ("_saved", "_saved_versions", "_needs", "_edges", "__dict__")
    # Which arguments get a ``next_functions`` entry. None: every Tensor argument (torch's rule
    # for most ops). A tuple of positions: exactly those, a non-Tensor one as ``(None, 0)`` --
    # torch wraps the Python number of ``x * 2`` or ``x + 1`` into a tensor, so it counts.
    edge_args = None
    _inputs_for_save = None

    def __init_subclass__(cls, **kwargs):
        """A Function written outside minigrad follows torch's convention (see custom.py)."""
        super().__init_subclass__(**kwargs)
        if not cls.__module__.startswith("minigrad.") and "apply" not in cls.__dict__:
            from . import custom
            cls.apply = classmethod(custom.apply)

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    # ---- saving tensors ---------------------------------------------------------------------
    def save_for_backward(self, *items):
        """Save inputs/outputs (as their arrays) or other arrays for backward.

        An ndarray that *is* an input's array is saved as that input Tensor (its version is
        checked when backward unpacks it); the output's array is saved as the output; any other
        array becomes a constant Tensor.
        """
        self._saved = items

    @property
    def saved_tensors(self):
        """The saved values, each checked against the version it was saved at.

        Tensors normally; plain ndarrays while the engine runs a ``numpy_backward`` formula
        on arrays (``on_arrays.active``)."""
        saved = self._saved
        if saved is FREED:
            raise RuntimeError(_SECOND_BACKWARD)
        if self._saved_versions is AS_SAVED:  # a replayed node (minigrad.compile): as they are
            return saved
        arrays = on_arrays.active
        out = []
        for item, version in zip(saved, self._saved_versions):
            if type(item) is _SavedOutput:  # the op's output, rebuilt pointing at this node
                if item.version_counter[0] != item.version:
                    self._raise_first_stale()
                item = item.data if arrays else item.tensor(self)
            elif version is not None and item._vc[0] != version:
                self._raise_first_stale()
            elif arrays and isinstance(item, _tensor.Tensor):
                item = item._data
            out.append(item)
        return tuple(out)

    # The order torch's generated backward unpacks its saved tensors in: the inputs sorted by
    # argument name, then the outputs (``mul(self, other)`` unpacks other first). When several
    # were modified in place, the first in this order is the one its error names. Positions in
    # save_for_backward's arguments; None: their own order (a Python custom Function's too).
    unpack_order = None

    def _raise_first_stale(self):
        """torch's error for the first saved tensor, in ``unpack_order``, whose version moved."""
        saved, versions = self._saved, self._saved_versions
        for k in self.unpack_order or range(len(saved)):
            item, version = saved[k], versions[k]
            if type(item) is _SavedOutput:
                if item.version_counter[0] != item.version:
                    _raise_modified(item.tensor(item.node_for_errors(self)), item.version,
                                    item.output_nr)
            elif version is not None and item._vc[0] != version:
                _raise_modified(item, version, 0)

    @property
    def needs_input_grad(self):
        """One bool per input: does it need a gradient? (forward saves only what is needed)"""
        return self._needs

    # ---- running the op ---------------------------------------------------------------------
    @classmethod
    def apply(cls, *args):
        """Run forward on the inputs' arrays; record a node if any input requires grad."""
        if dual_hook is not None:  # a dual level is open: forward_ad adds the tangents
            return dual_hook(cls, args)
        if batch_hook is not None:  # a vmap runs: batched tensors go through their rules
            return batch_hook(cls, args)
        if capture_hook is not None:  # minigrad.compile records this op
            return capture_hook(cls, args)
        Tensor, _make = _tensor.Tensor, _tensor._make
        arrays, needs, record = [], [], False  # each argument's array; does it need a grad?
        tensors = []  # positions of the Tensor arguments
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                arrays.append(a._data)
                need = a._requires_grad or (a._view_fn is not None and a._base._requires_grad)
                needs.append(need)
                tensors.append(i)
                record = record or need
            else:
                arrays.append(a)
                needs.append(False)
        if not record or not grad_mode._state.enabled:
            result = cls.forward(_NO_CTX, *arrays)
            if cls.n_outputs == 1:
                return _make(result)
            return tuple(_make(r) for r in result)

        if len(tensors) > 1:
            _distinct_arrays(args, arrays, tensors)
        node = object.__new__(cls)
        node._saved = ()
        node._pre_hooks = node._hooks = None
        node._needs = needs
        result = returned = cls.forward(node, *arrays)
        single = cls.n_outputs == 1
        if single:
            if type(result) is not np.ndarray:
                result = np.asarray(result)  # a NumPy scalar (forward may have saved it)
            if result.dtype.kind not in "fc":
                return _make(result)  # integer and bool results never require grad (w.int())
        node._seq = next(_sequence)
        edges = cls.edge_args
        if edges is None:
            edges = tensors
        node._edges = edges
        next_functions, meta = [], []  # per edge: where its gradient goes, its shape and dtype
        for i in edges:
            if needs[i]:
                next_functions.append(_edge(args[i]))
                meta.append((arrays[i].shape, arrays[i].dtype))
            else:
                next_functions.append(_NO_EDGE)
                meta.append(None)
        node.next_functions, node._meta = tuple(next_functions), meta
        if single:
            outputs = (_make(result, True, node),)
        else:
            outputs = tuple(_make(r, differentiable, node, i)
                            for i, (r, differentiable)
                            in enumerate(zip(result, cls.differentiable_outputs())))
        if node._saved:
            node._saved, node._saved_versions = _pack_saved(
                node._saved, args, arrays, outputs, (returned,) if single else result)
        else:
            node._saved_versions = ()
        return outputs[0] if single else outputs

    @classmethod
    def differentiable_outputs(cls):
        return (True,) * cls.n_outputs


def new_node(cls, inputs, **attrs):
    """A node of class ``cls`` whose inputs are the Tensors ``inputs``, made without running a
    forward (the view machinery in ``views.py`` attaches such nodes to existing tensors)."""
    node = object.__new__(cls)
    node._saved = node._saved_versions = ()
    node._pre_hooks = node._hooks = None
    node._needs = [t._requires_grad for t in inputs]
    node._seq = next(_sequence)
    node._edges = tuple(range(len(inputs)))
    node.next_functions = tuple(_edge(t) for t in inputs)
    node._meta = tuple((t._data.shape, t._data.dtype) for t in inputs)
    for name, value in attrs.items():
        setattr(node, name, value)
    return node


def requires_grad_via_base(t):
    """A view requires grad when its base does, even if the base got its history (an in-place
    write) after the view was made: torch's DifferentiableViewMeta::requires_grad."""
    return t._view_fn is not None and t._base._requires_grad


_NO_EDGE = (None, 0)


def _edge(t):
    """The (node, output_nr) a gradient for tensor t should flow to."""
    fn = t._grad_fn if t._view_fn is None else t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    if t._requires_grad:
        return (t._accumulator(), 0)
    return _NO_EDGE


def _distinct_arrays(args, arrays, tensors):
    """Two different tensors on one ndarray (``x`` and ``x.detach()``): the second gets a view of
    its own, so that an array forward saves is matched to the right tensor (``_saved_array``)."""
    if len(tensors) == 2:  # the common case, without loops
        i, j = tensors
        if arrays[i] is arrays[j] and args[i] is not args[j]:
            arrays[j] = arrays[j].view()
        return
    first = {}  # id of an array -> the first argument holding it (linear in the inputs)
    for i in tensors:
        j = first.setdefault(id(arrays[i]), i)
        if j != i and args[i] is not args[j]:
            arrays[i] = arrays[i].view()


def _pack_saved(items, args, arrays, outputs, results):
    """What ``save_for_backward`` got, made ready for backward: one (item, version) pair each.

    An input's array is kept as the input Tensor (with its version, checked in backward); the
    array forward returned (``results``, also a 0-d NumPy scalar) as a _SavedOutput; any other
    array as a constant Tensor; None and Python numbers as they are.
    """
    saved, versions = [], []
    for item in items:
        version = None
        if type(item) is np.ndarray or isinstance(item, np.generic):
            item, version = _saved_array(item, args, arrays, outputs, results)
        elif isinstance(item, _tensor.Tensor):
            version = item._vc[0]
        saved.append(item)
        versions.append(version)
    return saved, versions


def _saved_array(item, args, arrays, outputs, results):
    """An array given to save_for_backward as what backward should see, with the version to
    check: the input Tensor it belongs to, the op's output, or a constant Tensor."""
    for i, arr in enumerate(arrays):
        if arr is item and arr is not args[i]:  # (an argument that is an ndarray is no Tensor)
            a = args[i]
            return a, a._vc[0]
    for o, r in zip(outputs, results):
        if (r is item or o._data is item) and o._requires_grad:
            return _SavedOutput(o), None
    return _tensor._make(item), None  # an intermediate array: a constant


def _raise_modified(t, expected, output_nr):
    """torch's error when a saved tensor was modified in place after it was saved.

    It names t's node as it is now (a saved output: the node that saved it) and the output
    number it was saved with (always 0 for a saved input, as torch's SavedVariable)."""
    producer = _producer_name(t)
    which = f", which is output {output_nr} of {producer}," if producer else ""
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{t.dtype.legacy_name} {list(t._data.shape)}]{which} is at version "
        f"{t._vc[0]}; expected version {expected} instead. Hint: enable anomaly detection to find "
        "the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _producer_name(t):
    """The node that made t, as torch's messages name it (``_node_name``), or None."""
    fn = t.grad_fn
    return None if fn is None else _node_name(fn)


def _node_name(fn):
    """A node as torch's messages name it: ``Exp`` for ExpBackward0, ``Pow1`` for PowBackward1,
    C++ nodes in full (``torch::autograd::CopySlices``)."""
    return re.sub(r"Backward(\d+)$", lambda m: m[1].lstrip("0"), fn.name())


class _NoContext:
    """Stands in for ctx when nothing is recorded: saving is a no-op."""

    __slots__ = ()
    needs_input_grad = (False,) * 16

    def save_for_backward(self, *items):
        pass

    def __setattr__(self, name, value):
        pass


_NO_CTX = _NoContext()


class AccumulateGrad(Node):
    """The sink for a leaf: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable",)

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()
        self._seq = float("inf")
        self._pre_hooks = self._hooks = None
        self._meta = None


def once_differentiable(fn):
    """Decorator for a user Function's backward that is not itself differentiable: it runs
    under no_grad, so its result has no history (torch.autograd.function.once_differentiable)."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper
