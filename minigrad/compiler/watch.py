"""Watch the Python a compiled function runs while it is captured.

Replay runs kernels, not the function's Python. So capture must notice Python that matters:

* a tensor's value read into Python (``item()``, ``bool()``, ``tolist()``, printing,
  ``numpy()``) outside an op: what comes next may depend on it -> graph break;
* the user's code calling a C function other than pure builtins (``print``, ``random.random``,
  ``list.append``...) or storing into a Python object (``self.n += 1``, ``d[k] = v``) or a
  global: replay would not repeat it -> graph break;
* the globals and closure variables the user's code reads: their values at capture become
  guards (a changed learning rate in a global re-captures instead of replaying a stale one).

It uses ``sys.settrace`` (calls, and each bytecode in the user's frames) and ``sys.setprofile``
(calls into C), only during capture.
"""
import builtins
import dis
import math
import sys

from .. import _dtype, _generator, _tensor, random
from .. import _seam as seam
from .kernels import is_user_file

_READS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__",
          "__repr__", "__str__", "__format__", "__array__", "__complex__")
_PURE_BUILTINS = {getattr(builtins, n) for n in (
    "len", "range", "isinstance", "issubclass", "zip", "enumerate", "iter", "next", "min", "max",
    "abs", "sorted", "reversed", "getattr", "hasattr", "callable", "round", "divmod", "pow", "any",
    "all", "map", "filter", "hash", "id")}
_PURE_METHODS = {"get", "items", "keys", "values", "index", "count", "format", "join",
                 "startswith", "endswith", "split", "strip", "lower", "upper", "replace",
                 "__getitem__", "__contains__", "__len__", "__iter__", "__next__", "copy"}
_IMMUTABLE = (str, bytes, int, float, complex, tuple, frozenset, range)
_STORES = {dis.opmap[n] for n in ("STORE_ATTR", "STORE_SUBSCR", "DELETE_ATTR", "DELETE_SUBSCR")}


def _read_codes():
    codes = {}
    for name in _READS:
        fn = getattr(_tensor.Tensor, name, None)
        code = getattr(fn, "__code__", None)
        if code is not None:
            codes[code] = name
    return codes


def _state_setter_codes():
    """minigrad functions that change process state replay would not change again."""
    fns = {"manual_seed": random.manual_seed, "seed": random.seed,
           "set_rng_state": random.set_rng_state,
           "set_default_dtype": _dtype.set_default_dtype,
           "Generator.manual_seed": _generator.Generator.manual_seed,
           "Generator.set_state": _generator.Generator.set_state}
    return {fn.__code__: name for name, fn in fns.items() if hasattr(fn, "__code__")}


class Watcher:
    """Installed for one capture; tells the recorder ``rec`` about breaks; collects the
    (namespace, name, value) triples the guards check."""

    def __init__(self, rec):
        self.rec = rec
        self.reads = _read_codes()
        self.read_names = {}          # (id of namespace, name) -> (namespace, name, value)
        self.closure_values = []      # values of the closure variables user frames had
        self.user_codes = {}          # code -> its first offending store of a global, or None
        self.pending_store = None     # (frame, opcode name) of a store not yet explained
        self.effect_code = seam.effect(lambda: None).__code__
        self.setitem_code = getattr(_tensor.Tensor.__setitem__, "__code__", None)
        self.state_setters = _state_setter_codes()

    def __enter__(self):
        self.old = sys.gettrace(), sys.getprofile()
        sys.settrace(self.trace)
        sys.setprofile(self.profile)
        return self

    def __exit__(self, *exc):
        sys.settrace(self.old[0])
        sys.setprofile(self.old[1])

    # ---- Python calls and bytecodes -----------------------------------------------------
    def trace(self, frame, event, arg):
        if event != "call":
            return None
        code = frame.f_code
        if self.pending_store is not None:
            if code is self.effect_code or code is self.setitem_code:
                self.pending_store = None  # the store went to a seam minigrad records
        read = self.reads.get(code)
        if read is not None and not self.rec.depth:
            self.rec.fail(f"reads a tensor's value into Python ({read})")
            return None
        state = self.state_setters.get(code)
        if state is not None and not self.rec.depth:
            self.rec.fail(f"changes global state ({state})")
            return None
        if not is_user_file(code.co_filename):
            return None
        self._note_user_frame(frame)
        frame.f_trace_opcodes = True
        return self.local

    def local(self, frame, event, arg):
        if self.pending_store is not None and self.pending_store[0] is frame:
            if not self.rec.depth:
                self.rec.fail(f"stores into a Python object ({self.pending_store[1]})")
            self.pending_store = None
        if event == "opcode" and frame.f_code.co_code[frame.f_lasti] in _STORES:
            op = dis.opname[frame.f_code.co_code[frame.f_lasti]]
            self.pending_store = (frame, op)
        return self.local

    def _note_user_frame(self, frame):
        code = frame.f_code
        if code not in self.user_codes:
            self.user_codes[code] = _global_store(code)
        bad = self.user_codes[code]
        if bad is not None and not self.rec.depth:
            self.rec.fail(f"writes the {bad}")
        namespace = frame.f_globals
        for name in code.co_names:
            if name in namespace:
                value = namespace[name]
                self.read_names.setdefault((id(namespace), name), (namespace, name, value))
                self._owns(value)
        if code.co_freevars:  # closure variables: what they hold now
            local = frame.f_locals
            for name in code.co_freevars:
                if name in local:
                    self.closure_values.append(local[name])
                    self._owns(local[name])

    def _owns(self, value):
        """A global or closure tensor: ops may be handed its array itself."""
        if isinstance(value, _tensor.Tensor):
            self.rec.array_owners.setdefault(id(value._data), value)

    # ---- calls into C -------------------------------------------------------------------
    def profile(self, frame, event, arg):
        if event != "c_call" or self.rec.depth or not is_user_file(frame.f_code.co_filename):
            return
        if arg in _PURE_BUILTINS or getattr(arg, "__module__", None) == "math" \
                or arg in vars(math).values():
            return
        owner = getattr(arg, "__self__", None)
        if isinstance(owner, _IMMUTABLE) and not isinstance(owner, type):
            return  # a method of a string, number or tuple changes nothing
        if arg.__name__ in _PURE_METHODS and not isinstance(owner, (list, set, bytearray)):
            return
        self.rec.fail(f"calls {getattr(arg, '__qualname__', arg.__name__)}()")


def _global_store(code):
    """'global x' or 'nonlocal x' if the code stores into one, else None."""
    for ins in dis.get_instructions(code):
        if ins.opname in ("STORE_GLOBAL", "DELETE_GLOBAL"):
            return f"global {ins.argval}"
        if ins.opname in ("STORE_DEREF", "DELETE_DEREF") and ins.argval in code.co_freevars:
            return f"nonlocal {ins.argval}"
    return None
