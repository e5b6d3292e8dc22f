"""Capture: run a function eagerly once while writing down every kernel it runs.

A *kernel* is one unit of NumPy work that eager minigrad already isolates:

* an op's forward: ``SomeBackward0.forward(ctx, *arrays)`` (heard in ``Function.apply``);
* a node's backward formula, a gradient summed down to its input's shape, two gradients of
  one input added, a gradient added into a leaf's ``.grad`` (heard from the engine's walk);
* an in-place write of a result into its tensor (``assign_inplace``);
* an *effect*: ``optimizer.step()``, ``zero_grad()``, ``tensor.grad = None``, replayed as the
  same call on the same live objects.

Each kernel becomes one line of a straight-line Python program over ndarray variables (see
``program.py``): ``v7 = MulBackward0_forward(c3, v2, v5)``. Arrays are named by identity: an
array a kernel returned keeps its variable; the array of a tensor argument is read from the
call's arguments; that of any other tensor made before the call (a parameter, a buffer) is read
live from the tensor object (``t3._data``); anything else is a constant.

Whatever replay could not reproduce ends the capture (a *graph break*): the call still
completes eagerly, the reason and the line of user code are kept, and the function stays eager.
"""
import itertools
import threading
import traceback

import numpy as np

from .. import _tensor
from .. import _seam as seam
from ..autograd import engine, function, grad_mode
from ..autograd.function import FREED, AccumulateGrad
from . import kernels


_UNSET = object()


class Recorder:
    """The state of one capture: the program's lines and what its names stand for."""

    def __init__(self, args, kwargs):
        self.depth = 0                # > 0 while an eager kernel runs (nested work not recorded)
        self.broken = None            # (reason, where) once something can't be replayed
        self.lines = []               # the program, one kernel per line
        self.env = {}                 # name in the program -> object it stands for
        self.constants = {}           # name -> value baked into the program (checked twice)
        self.names = {}               # id(ndarray) -> its variable
        self.pinned = []              # every named array, kept alive so that ids stay unique
        self.contexts = {}            # id(node) -> the replay ctx variable of that node
        self.objects = {}             # id(tensor) -> name of a tensor read live (parameters)
        self.bound = []               # (name, tensor, where first met) for those tensors
        self.modules = {}             # id(module) -> module whose forward ran
        self.versions = {}            # id(version counter) -> [counter, expected version]
        self.in_backward = False
        self.large_contexts = set()   # replay ctx variables whose saved values are large
        self._ids = itertools.count()
        found = arg_paths(args, kwargs)
        self.args = {i: path for i, (path, _) in found.items()}  # id(tensor) -> "A[0]"
        # id(ndarray) -> the argument or parameter tensor that holds it
        self.array_owners = {id(t._data): t for _, t in found.values()}
        self.walk_class = _recording_walk(self)
        self.thread = threading.get_ident()

    # ---- names ---------------------------------------------------------------------------
    def new(self, prefix, value=_UNSET):
        name = f"{prefix}{next(self._ids)}"
        if value is not _UNSET:
            self.env[name] = value
        return name

    def constant(self, value):
        """A value baked into the program (a number, a shape, an array made outside kernels)."""
        if isinstance(value, np.ndarray):
            value = value.copy()
        name = self.new("k", value)
        self.constants[name] = value
        return name

    def name_array(self, array, name=None):
        name = name or self.new("v")
        self.names[id(array)] = name
        self.pinned.append(array)
        return name

    def array_expr(self, array):
        """The program's expression for an ndarray some kernel takes (an op may be given a
        tensor's array itself, as cross_entropy gives its target's)."""
        name = self.names.get(id(array))
        if name is not None:
            return name
        owner = self.array_owners.get(id(array))
        if owner is not None:
            return self.tensor_expr(owner)
        # computed outside every kernel (say, from an argument's values): replay can't redo it
        self.fail("uses an array computed outside the ops")
        return "None"

    def tensor_expr(self, t):
        """The expression for a Tensor argument's array: its variable, the call's argument,
        or the tensor read live."""
        self.watch_version(t)
        name = self.names.get(id(t._data))
        if name is not None:
            return name
        path = self.args.get(id(t))
        if path is not None:
            name = self.name_array(t._data)
            self.emit(f"{name} = {path}._data")
            return name
        return f"{self.object_name(t)}._data"

    def object_name(self, t):
        """A tensor made before the call (a parameter, a buffer): read live on every replay."""
        name = self.objects.get(id(t))
        if name is None:
            name = self.objects[id(t)] = self.new("t", t)
            self.bound.append((name, t, _first_use()))
        return name

    def tensor_object(self, t):
        """The expression for a tensor object an effect is called on (``x.grad = None``)."""
        path = self.args.get(id(t))
        if path is not None:
            return path
        if id(t._data) in self.names and id(t) not in self.objects:
            self.fail("an effect on a tensor made inside the compiled function")
        return self.object_name(t)

    # ---- lines --------------------------------------------------------------------------
    def emit(self, line):
        if self.in_backward:  # the backward pass is over: restore the modes it set
            self.in_backward = False
            self.lines.append("END_BACKWARD(_modes)")
        self.lines.append(line)

    def emit_backward(self, line):
        if not self.in_backward:
            self.lines.append("_modes = BEGIN_BACKWARD()")
            self.in_backward = True
        self.lines.append(line)

    def fail(self, reason):
        """A graph break: keep the first reason and where in the user's code it happened."""
        if self.broken is None:
            self.broken = (reason, user_location())
        self.depth += 1_000_000  # record nothing more; the call goes on eagerly

    # ---- version counters: a change no kernel explains is a write replay would miss --------
    def watch_version(self, t):
        vc = t._vc
        if id(vc) not in self.versions:
            self.versions[id(vc)] = [vc, vc[0]]

    def resync_versions(self):
        for entry in self.versions.values():
            entry[1] = entry[0][0]

    def unexplained_write(self):
        return any(vc[0] != expected for vc, expected in self.versions.values())

    def check_writes(self):
        """Before a kernel that changes tensors: every change so far must be explained."""
        if self.same_thread() and self.unexplained_write():
            self.fail("a tensor was changed in place by code that is not an op")

    # ---- the seams ----------------------------------------------------------------------
    def same_thread(self):
        """Only the capturing thread's work is recorded: another thread's ops meanwhile would
        interleave with it (and the hook is process-wide), so they end the capture."""
        if threading.get_ident() != self.thread:
            self.fail("another thread ran ops while the call was captured")
            return False
        return True

    def apply(self, cls, args):
        """Function.apply while capturing: run the op eagerly, record its forward kernel."""
        self.same_thread()
        hook, function.capture_hook = function.capture_hook, None
        self.depth += 1
        try:
            out = cls.apply(*args)
        finally:
            self.depth -= 1
            if seam.recorder is self:  # (not after the capture ended meanwhile)
                function.capture_hook = hook
        if self.depth:
            return out
        if not cls.__module__.startswith("minigrad."):
            self.fail(f"a custom autograd.Function ({cls.__name__})")
            return out
        self.check_writes()
        if self.depth:
            return out
        self.record_forward(cls, args, out)
        return out

    def record_forward(self, cls, args, out):
        if any(isinstance(a, (list, tuple)) and _holds_tensor(a) for a in args):
            return self.fail(f"{cls.__name__} takes a list of tensors")
        inputs = [self._operand(a) for a in args]
        outs = out if isinstance(out, tuple) else (out,)
        node = next((o._grad_fn for o in outs if type(o._grad_fn) is cls), None)
        if node is None:
            ctx = "NO_CTX"
        else:
            ctx = self.contexts[id(node)] = self.new("c", kernels.replay_context(node))
            self.pinned.append(node)
            if _saved_bytes(node) > _LARGE:
                self.large_contexts.add(ctx)
        forward = self.new("F", kernels.unwrapped(cls.forward))
        names = [self.name_array(o._data) for o in outs]
        for o in outs:
            self.watch_version(o)
        call = f"{forward}({', '.join([ctx, *inputs])})"
        if isinstance(out, tuple):
            line = f"{', '.join(names)}, = AS_ARRAYS({call})"
        elif out._data.ndim == 0:
            line = f"{names[0]} = AS_ARRAY({call})"
        else:
            line = f"{names[0]} = {call}"
        self.emit(f"{line}  # {cls.__name__}")

    def write(self, t, result, region):
        """assign_inplace: the result of an in-place op written into t."""
        self.check_writes()
        if self.depth:
            return
        dst, src = self.tensor_expr(t), self.tensor_expr(result)
        node = result._grad_fn
        ctx = self.contexts.get(id(node)) if node is not None else None
        if ctx is not None and grad_mode._state.enabled and result._requires_grad:
            # the op saved t itself for its backward: eager gives the node a copy of t's old
            # values before the write (views.inplace_prepare); so does replay
            slot = next((k for k, item in enumerate(getattr(node, "_saved", ()))
                         if item is t), None)
            if slot is not None:
                self.emit(f"KEEP_OLD({ctx}, {slot})")
        self.emit(f"WRITE({dst}, {src}, {self.constant(region)})")
        self._bumped(t)  # assign_inplace bumps it once

    def unrecorded(self, fn, *args, **kwargs):
        """fn run eagerly as one kernel: what it does inside is not recorded again."""
        self.depth += 1
        try:
            return fn(*args, **kwargs)
        finally:
            self.depth -= 1

    def fill(self, t, value):
        """A constant (or a 0-d tensor's value) written straight into t (``zero_``, ``fill_``
        outside autograd)."""
        self.check_writes()
        if self.depth:
            return
        operand = self._operand(value)
        self.emit(f"FILL({self.tensor_expr(t)}, {operand})")
        self._bumped(t)

    def scale(self, t, coef):
        """t multiplied in place by the array coef outside autograd (gradient clipping)."""
        self.check_writes()
        if self.depth:
            return
        self.emit(f"SCALE({self.tensor_expr(t)}, {self.array_expr(coef)})")
        self._bumped(t)

    def _bumped(self, t):
        """t's version moves once more on replay too (a tensor read live), and capture
        expects that bump."""
        if id(t) in self.objects:
            self.emit(f"BUMP({self.objects[id(t)]})")
        elif id(t) in self.args:
            self.emit(f"BUMP({self.args[id(t)]})")
        self.versions[id(t._vc)][1] = t._vc[0] + 1

    def effect(self, fn, args, kwargs):
        """An @effect method (optimizer.step, zero_grad, ``.grad = None``): run it, and replay
        it as the same call on the same objects."""
        name = kernels.EFFECTS.get(fn.__qualname__)
        if name is None or not kernels.replayable_effect(fn, args, kwargs):
            self.fail(f"{fn.__qualname__} with these arguments")
        self.check_writes()
        if self.depth:
            return fn(*args, **kwargs)
        operands = [self.tensor_object(a) if isinstance(a, _tensor.Tensor)
                    else self.new("o", a) for a in args]
        operands += [f"{k}={self.constant(v)}" for k, v in kwargs.items()]
        result = self.unrecorded(fn, *args, **kwargs)
        self.emit(f"{self.new('E', fn)}({', '.join(operands)})  # {name}")
        self.resync_versions()
        return result

    def replayed(self, fn, args, kwargs):
        """A @replayed sampler or factory: run it, and replay it as the same call (a sampler
        then draws again from the same generator)."""
        self.same_thread()

        def operand(a):  # a tensor argument (zeros_like's) is rebuilt around its array
            return f"WRAP({self.tensor_expr(a)})" if isinstance(a, _tensor.Tensor) \
                else self._operand(a)
        if any(isinstance(a, (list, tuple)) and _holds_tensor(a) for a in args):
            self.fail(f"{fn.__name__} reads tensors' values")
        operands = [operand(a) for a in args]
        operands += [f"{k}={operand(v)}" for k, v in kwargs.items()]
        out = self.unrecorded(fn, *args, **kwargs)
        if type(out) is tuple:  # several arrays (or None): named one by one
            if not all(x is None or type(x) is np.ndarray for x in out):
                self.fail(f"{fn.__name__} made a tuple replay can't remake")
                return out
            names = [self.name_array(x) if x is not None else "_" for x in out]
            call = f"{self.new('M', fn)}({', '.join(operands)})"
            self.emit(f"{', '.join(names)}, = {call}  # {fn.__name__}")
            return out
        array = out._data if isinstance(out, _tensor.Tensor) else out
        if type(array) is not np.ndarray or (isinstance(out, _tensor.Tensor)
                                             and out._requires_grad):
            self.fail(f"{fn.__name__} made a {type(out).__name__} replay can't remake")
            return out
        if getattr(fn, "replay_as_constant", False):  # the same values every call
            self.names[id(array)] = self.constant(array)
            self.env[self.names[id(array)]] = array
            self.pinned.append(array)
            return out
        call = f"{self.new('M', fn)}({', '.join(operands)})"
        if isinstance(out, _tensor.Tensor):
            call += "._data"
            self.watch_version(out)
        self.emit(f"{self.name_array(array)} = {call}  # {fn.__name__}")
        return out

    def _operand(self, a, depth=0):
        """The expression for an argument: a tensor's or array's variable, a tuple or list
        built from its items' (an index key holding an index array), or a constant."""
        if isinstance(a, _tensor.Tensor):
            return self.tensor_expr(a)
        if isinstance(a, np.ndarray):
            return self.array_expr(a)
        if type(a) in (tuple, list) and depth < 4 and _holds_array(a):
            items = "".join(f"{self._operand(x, depth + 1)}, " for x in a)
            return f"({items})" if type(a) is tuple else f"[{items}]"
        return self.constant(a)

    def saw_module(self, module):
        """A module's forward ran: its parameters and buffers, and its submodules' (a forward
        may use a child's weight without calling it, as attention uses ``out_proj.weight``),
        may be read live, under guards on their identity."""
        if self.depth or id(module) in self.modules:
            return
        for m in module.modules():
            if id(m) in self.modules:
                continue
            self.modules[id(m)] = m
            for kind in ("_parameters", "_buffers"):
                for t in getattr(m, kind, {}).values():
                    if t is not None:
                        self.array_owners.setdefault(id(t._data), t)


def _first_use():
    """Where a tensor read live was first met: the minigrad function and the user's line."""
    inner = next((f for f in reversed(traceback.extract_stack()[:-3])
                  if "/compiler/" not in f.filename
                  and not f.filename.endswith(("function.py", "_seam.py"))), None)
    where = f"{inner.name}() in {inner.filename.rsplit('/', 1)[-1]}" if inner else "?"
    return f"{where}, from {user_location()}"


def user_location():
    """``file:line: code`` of the innermost frame of user code on the stack."""
    for frame in reversed(traceback.extract_stack()):
        if kernels.is_user_file(frame.filename):
            return f"{frame.filename}:{frame.lineno}: {(frame.line or '').strip()}"
    return "<unknown>"


_LARGE = 1 << 16  # bytes a node may keep saved between replays (freed after backward if more)


def _saved_bytes(node):
    """What a node keeps for its backward, in bytes (arrays saved or set as attributes)."""
    items = list(getattr(node, "_saved", ())) + list(getattr(node, "__dict__", {}).values())
    total = 0
    for item in items:
        data = getattr(item, "_data", getattr(item, "data", item))
        total += getattr(data, "nbytes", 0) if isinstance(data, np.ndarray) else 0
    return total


def _holds_array(seq):
    return any(isinstance(x, np.ndarray) or type(x) in (tuple, list) and _holds_array(x)
               for x in seq)


def _holds_tensor(seq):
    return any(isinstance(x, _tensor.Tensor) or isinstance(x, (list, tuple)) and
               _holds_tensor(x) for x in seq)


def arg_paths(args, kwargs):
    """id(tensor) -> (the expression that finds it among a call's arguments, the tensor)."""
    paths = {}

    def visit(value, path, depth=0):
        if isinstance(value, _tensor.Tensor):
            paths.setdefault(id(value), (path, value))
        elif isinstance(value, (list, tuple)) and depth < 4:
            for i, v in enumerate(value):
                visit(v, f"{path}[{i}]", depth + 1)
        elif isinstance(value, dict) and depth < 4:
            for k, v in value.items():
                if isinstance(k, str):
                    visit(v, f"{path}[{k!r}]", depth + 1)
    visit(tuple(args), "A")
    visit(dict(kwargs), "KW")
    return paths


def _recording_walk(rec):
    """The engine's walk, telling ``rec`` each kernel it runs."""

    class RecordingWalk(engine._Walk):
        owns_buffers = False  # every gradient a new array, as replay makes it: one name each

        def __init__(self, *args):
            super().__init__(*args)
            if rec.depth:
                return
            if self.create_graph:
                rec.fail("backward(create_graph=True)")
            elif not self.plain:
                rec.fail("autograd.grad or backward(inputs=...)")
            elif not self.arrays:
                rec.fail("backward while a trace() runs")
            elif self.retain_graph:
                rec.fail("backward(retain_graph=True)")

        def run(self, node, grads):
            if rec.depth or not rec.same_thread():
                return super().run(node, grads)
            if node._pre_hooks or node._hooks:
                rec.fail("a hook on a graph node")
                return super().run(node, grads)
            received = [None if g is None else rec.array_expr(g) for g in grads]
            if type(node) is AccumulateGrad:
                return self._record_accumulate(node, grads, received)
            ctx = rec.contexts.get(id(node))
            if ctx is None:
                rec.fail(f"backward reaches {node.name()}, made before the compiled call")
                return super().run(node, grads)
            raw = []  # what the formula itself returned (seen through the node's own attribute)
            if node.numpy_backward:
                def spy(ctx, *g, _backward=type(node).backward):
                    raw.append(_backward(ctx, *g))
                    return raw[-1]
                node.backward = spy
            try:
                out = rec.unrecorded(super().run, node, grads)
            finally:
                node.__dict__.pop("backward", None)
            if out is None:
                return None
            kernel = self._backward_kernel(node, out, raw)
            names = ["_" if g is None else rec.name_array(g) for g in out]
            args = ", ".join([ctx, *("None" if r is None else r for r in received)])
            single = raw and type(raw[0]) is not tuple and tuple(node._edges) == (0,) \
                and out[0] is raw[0]
            lhs = names[0] if single else f"{', '.join(names)},"
            rec.emit_backward(f"{lhs} = {kernel}({args})  # {node.name()}")
            return out

        def _backward_kernel(self, node, out, raw):
            """The formula itself when the engine would pass its result on unchanged (one
            gradient per edge, in order), else a kernel doing the engine's bookkeeping."""
            cls, edges = type(node), tuple(node._edges)
            if not node.numpy_backward:
                return rec.new("B", kernels.tensor_backward(cls, edges))
            direct = edges == tuple(range(len(edges))) and raw and (
                (type(raw[0]) is tuple and len(raw[0]) == len(edges))
                or (type(raw[0]) is not tuple and edges == (0,) and out[0] is raw[0]))
            if direct:
                return rec.new("B", kernels.unwrapped(cls.backward))
            return rec.new("B", kernels.numpy_backward(cls, edges))

        def _record_accumulate(self, node, grads, received):
            leaf = node.variable
            if grads[0] is None:
                return super().run(node, grads)
            if leaf._hooks:
                rec.fail("a hook on a leaf tensor")
                return super().run(node, grads)
            rec.check_writes()
            target = rec.tensor_object(leaf)
            out = rec.unrecorded(super().run, node, grads)
            name = rec.name_array(leaf._grad._data)
            rec.emit_backward(f"{name} = ACCUMULATE({target}, {received[0]})")
            rec.watch_version(leaf._grad)
            rec.resync_versions()
            return out

        def reduce_to(self, grad, shape, dtype):
            out = engine._reduce_to(grad, shape, dtype)
            if not rec.depth:
                g = rec.array_expr(grad)
                rec.emit_backward(f"{rec.name_array(out)} = REDUCE({g}, "
                                  f"{rec.constant(shape)}, {rec.constant(dtype)})")
            return out

        def add(self, a, b):
            out = engine._sum(a, b)
            if not rec.depth:
                rec.emit_backward(f"{rec.name_array(out)} = ADD({rec.array_expr(a)}, "
                                  f"{rec.array_expr(b)})")
            return out

    return RecordingWalk


def install(rec):
    seam.recorder = rec
    function.capture_hook = rec.apply


def uninstall():
    seam.recorder = None
    function.capture_hook = None


def graph_is_spent(t):
    """True when t's graph was used up by a backward inside the call (or it has none)."""
    node = t._grad_fn
    return node is None or node._saved is FREED
