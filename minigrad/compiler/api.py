"""``minigrad.compile``: capture a function's kernels, check them twice, then replay them.

A call goes one of four ways:

1. a program whose guard holds replays it (``program.py``);
2. a new kind of call (no guard holds) runs eagerly while capturing a candidate program;
3. the next call of that kind captures again; if both captures ran the same kernels over the
   same constants the program is kept (a value that changed between them, say a number
   computed from Python state, would have been replayed stale);
4. after a graph break, or more kinds of call than ``recompile_limit``, the function runs
   eagerly from then on (a warning says why, once; ``fullgraph=True`` raises instead).
"""
import functools
import warnings
import weakref

from .. import _seam as seam
from .. import _tensor
from ..autograd import function
from ..nn.modules.module import Module
from . import capture, guards
from .module import OptimizedModule
from .program import Program
from .watch import Watcher


class Config:
    """torch._dynamo.config: what minigrad.compile reads of it."""

    recompile_limit = 8       # kinds of call captured per function before it stays eager
    suppress_errors = False   # (torch's; minigrad.compile never fails a call for itself)
    verbose = False

    @property
    def cache_size_limit(self):  # torch's older name for recompile_limit
        return self.recompile_limit

    @cache_size_limit.setter
    def cache_size_limit(self, value):
        self.recompile_limit = value


config = Config()
_compiled = weakref.WeakSet()  # every CompiledFunction, for reset()
_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
_BACKENDS = ("inductor", "eager", "aot_eager", "cudagraphs")


class Unsupported(RuntimeError):
    """What ``fullgraph=True`` raises at a graph break (torch._dynamo.exc.Unsupported)."""


class InvalidBackend(RuntimeError):
    """torch._dynamo.exc.InvalidBackend"""


class CompiledFunction:
    """What ``minigrad.compile(fn)`` returns: call it like fn."""

    def __init__(self, fn, fullgraph=False, replay=True):
        self.fn = fn
        self.fullgraph = fullgraph
        self.replay = replay        # False for backend="eager": capture nothing, run eagerly
        self.programs = []          # confirmed: replayed when their guard holds
        self.candidates = []        # captured once, waiting for a second capture to agree
        self.breaks = []            # (reason, where) of the graph break, for explain()
        functools.update_wrapper(self, fn)
        _compiled.add(self)

    def reset(self):
        """Forget every capture (torch.compiler.reset / torch._dynamo.reset)."""
        self.programs, self.candidates, self.breaks = [], [], []

    def __get__(self, obj, objtype=None):  # a compiled method binds like a function
        return self if obj is None else functools.partial(self, obj)

    def __call__(self, *args, **kwargs):
        if not self.replay or seam.recorder is not None or _other_mode_open():
            return self.fn(*args, **kwargs)
        for program in self.programs:
            if program.guard(args, kwargs):
                return program.run(args, kwargs)
        if self.breaks:  # a graph break: this function runs eagerly from now on
            return self.fn(*args, **kwargs)
        if len(self.programs) + len(self.candidates) >= config.recompile_limit:
            self._give_up(f"more than recompile_limit={config.recompile_limit} kinds of call")
            return self.fn(*args, **kwargs)
        return self._capture(args, kwargs)

    def _capture(self, args, kwargs):
        rec = capture.Recorder(args, kwargs)
        watcher = Watcher(rec)
        capture.install(rec)
        try:
            with watcher:
                result = self.fn(*args, **kwargs)
        finally:
            capture.uninstall()
        guard, guard_source = guards.build_guard(self.fn, args, kwargs, rec, watcher)
        if rec.broken is None:
            _check_result(rec, result)
        if rec.broken is None and rec.unexplained_write():
            rec.fail("a tensor was changed in place by code that is not an op")
        if rec.broken is not None:
            self._graph_break(rec.broken)
            return result
        covered = guards.covered_tensors(rec, watcher)
        unwatched = [(t, where) for _, t, where in rec.bound if id(t) not in covered]
        if unwatched:
            t, where = unwatched[0]
            self._graph_break((f"reads a tensor of shape {list(t.shape)} that is neither an "
                               "argument, a module's parameter or buffer, nor a global or "
                               "closure variable (made outside the ops?)", where))
            return result
        program = Program(rec, result)
        program.guard, program.guard_source = guard, guard_source
        self._confirm(program)
        return result

    def _confirm(self, program):
        """Keep the program once two captures of the same kind of call agree."""
        for i, first in enumerate(self.candidates):
            if first.guard_source == program.guard_source:
                del self.candidates[i]
                same, why = first.same_as(program)
                if same:
                    self.programs.append(program)
                else:
                    self._graph_break((f"{why} between two calls", "<capture>"))
                return
        self.candidates.append(program)

    def _graph_break(self, brk):
        reason, where = brk
        self.breaks.append(brk)
        self.programs, self.candidates = [], []
        message = f"minigrad.compile: graph break, running eagerly: {reason} at {where}"
        if self.fullgraph:
            raise Unsupported(message)
        warnings.warn(message, UserWarning, stacklevel=3)

    def _give_up(self, reason):
        self._graph_break((reason, "<call>"))

    def explain(self):
        """The captured programs, their guards and any graph breaks, as text."""
        parts = [_LEGEND] if self.programs or self.candidates else []
        for i, p in enumerate(self.programs + self.candidates):
            state = "replayed" if p in self.programs else "captured once (replays after the next)"
            parts.append(f"program {i} ({state}), {p.kernel_count} kernels:\n{p.source}"
                         f"guard:\n{p.guard_source}")
        for reason, where in self.breaks:
            parts.append(f"graph break: {reason}\n  at {where}")
        return "\n".join(parts) if parts else "nothing captured yet: call the function first"


_LEGEND = """\
names in a program: vN an array; A/KW the call's arguments; tN a tensor read live (a parameter);
FN an op's forward and BN a backward formula, cN the node context they share; kN a constant;
EN an effect replayed on live objects (optimizer.step()); MN a factory or sampler called again;
REDUCE/ADD/ACCUMULATE the engine's gradient bookkeeping; del: an array freed after its last use.
"""


def _other_mode_open():
    """Forward AD or vmap transform each op: nothing to replay then."""
    return function.dual_hook is not None or function.batch_hook is not None


def _check_result(rec, result, depth=0):
    """A returned tensor whose graph is still wanted can't come from a replay (which makes no
    graph): compile the whole training step, or call under no_grad."""
    if isinstance(result, _tensor.Tensor):
        if id(result) in rec.args or id(result) in rec.objects:
            return
        if id(result._data) not in rec.names:
            rec.fail("returns a tensor made outside the ops")
        elif result._requires_grad and not capture.graph_is_spent(result):
            rec.fail("returns a tensor whose backward graph is still needed")
    elif isinstance(result, (list, tuple, dict)) and depth < 4:
        if type(result) not in (list, tuple, dict):
            rec.fail(f"returns a {type(result).__name__}")
        for r in (result.values() if isinstance(result, dict) else result):
            _check_result(rec, r, depth + 1)
    elif not isinstance(result, (bool, int, float, str, type(None))):
        rec.fail(f"returns a {type(result).__name__}")


def reset():
    """Forget every capture of every compiled function."""
    for fn in list(_compiled):
        fn.reset()


def disable(fn=None, recursive=True, *, reason=None):
    """torch.compiler.disable: fn always runs eagerly; called while a capture runs, it is a
    graph break (its work could not be replayed without running it)."""
    if fn is None:
        return lambda f: disable(f, recursive, reason=reason)

    @functools.wraps(fn)
    def eager(*args, **kwargs):
        if seam.recorder is not None and not seam.recorder.depth:
            seam.recorder.fail(f"calls {getattr(fn, '__qualname__', fn)}, marked "
                               "torch.compiler.disable" + (f" ({reason})" if reason else ""))
        return fn(*args, **kwargs)
    return eager


def is_compiling():
    """False: a capture runs your code eagerly, exactly as without compile."""
    return False


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,
            options=None, disable=False):
    """torch.compile: returns a compiled callable (a module gets an ``OptimizedModule``)."""
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                  mode=mode, options=options, disable=disable)
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if not callable(backend) and backend not in _BACKENDS:
        raise InvalidBackend(f"Invalid backend: {backend!r}, see `torch._dynamo.list_backends()` "
                             "for available backends.")
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    if disable:
        return model
    # "aot_eager" (torch's own kernels, captured ahead of time) is what replay is; "eager" and
    # a backend function of the user's: run eagerly
    replay = backend != "eager" and not callable(backend)
    if isinstance(model, Module):
        return OptimizedModule(model, CompiledFunction(model.__call__, fullgraph, replay))
    return CompiledFunction(model, fullgraph, replay)
