"""Replay: the captured kernels as one straight-line Python function.

``program(A, KW)`` takes the call's arguments and runs every kernel in capture order over local
variables: no Tensor objects in between, no graph nodes, no backward walk, no dtype or shape
rules (the guards promised they hold). What the compiled function returns is rebuilt around the
new arrays. ``explain()`` prints the same source a student can read.
"""
import re

import numpy as np

from .. import _tensor
from . import kernels


def _kernel_namespace():
    return {name: getattr(kernels, name) for name in (
        "NO_CTX", "REDUCE", "ADD", "AS_ARRAY", "AS_ARRAYS", "ACCUMULATE", "WRITE", "FILL", "SCALE",
        "BUMP", "KEEP_OLD", "BEGIN_BACKWARD", "END_BACKWARD", "MAKE", "WRAP", "FP_IGNORE",
        "FP_RESTORE")}


class Program:
    """A captured program: its source, the function compiled from it, its guard."""

    def __init__(self, rec, result):
        body = list(rec.lines)
        if rec.in_backward:
            body.append("END_BACKWARD(_modes)")
        body = _release_early(body, f"return {self._result(rec, result)}", rec.large_contexts)
        body = [line.replace("END_BACKWARD(_modes)", "END_BACKWARD(_modes); _modes = None")
                for line in body]
        lines = ["_errors, _modes = FP_IGNORE(), None", "try:",
                 *(f"    {line}" for line in body),
                 "finally:  # also when a kernel raises",
                 "    FP_RESTORE(_errors)",
                 "    if _modes is not None:",
                 "        END_BACKWARD(_modes)"]
        self.env = {**_kernel_namespace(), **rec.env}
        self.constants = rec.constants
        self.source = "def program(A, KW):\n" + "".join(f"    {line}\n" for line in lines)
        namespace = dict(self.env)
        exec(compile(self.source, "<minigrad.compile program>", "exec"), namespace)
        self.run = namespace["program"]
        self.kernel_count = sum(1 for line in rec.lines if "_modes" not in line)
        self.guard = self.guard_source = None

    def _result(self, rec, value, depth=0):
        """The expression that rebuilds what the function returned."""
        if isinstance(value, _tensor.Tensor):
            path = rec.args.get(id(value))
            if path is not None:
                return path
            if id(value) in rec.objects:
                return rec.objects[id(value)]
            name = rec.names.get(id(value._data))
            if name is None:
                return rec.constant(value)  # never reached: capture refuses such results
            node = "None" if value._grad_fn is None else rec.new("n", value._grad_fn)
            return f"MAKE({name}, {value._requires_grad}, {node}, {value._output_nr})"
        if type(value) is tuple and depth < 4:
            inner = "".join(f"{self._result(rec, v, depth + 1)}, " for v in value)
            return f"({inner})"
        if isinstance(value, list) and depth < 4:
            return "[" + ", ".join(self._result(rec, v, depth + 1) for v in value) + "]"
        if type(value) is dict and depth < 4:
            return "{" + ", ".join(f"{rec.constant(k)}: {self._result(rec, v, depth + 1)}"
                                   for k, v in value.items()) + "}"
        if isinstance(value, (bool, int, float, str, type(None))):
            return repr(value) if not isinstance(value, float) or value == value else "NAN"
        return rec.new("r", value)

    def same_as(self, other):
        """Two captures of one function agree: the same kernels over the same constants."""
        if self.source != other.source or self.constants.keys() != other.constants.keys():
            mine, theirs = self.source.splitlines(), other.source.splitlines()
            first = next((a for a, b in zip(mine, theirs) if a != b), "(one is longer)")
            return False, f"the ops it runs changed (at: {first.strip()[:80]})"
        for name, value in self.constants.items():
            if not _same_value(value, other.constants[name]):
                return False, f"a value baked into the program changed ({name})"
        return True, None


_VARIABLE = re.compile(r"\bv\d+\b")
_CONTEXT = re.compile(r"^.*= (B\d+)\((c\d+)")


def _release_early(body, ret, large_contexts):
    """The body with each array variable deleted after its last use, and each node's saved
    values dropped once its backward ran (``large_contexts``: the nodes that saved more than
    a few pages): memory is then freed when eager would free it (a program that kept every
    intermediate to its end would also make NumPy's allocator fetch fresh pages for every
    large temporary, as measured on a training step's update)."""
    lines = body + [ret]
    last = {}
    for i, line in enumerate(lines):
        for name in _VARIABLE.findall(line.split("#")[0]):
            last[name] = i
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        match = _CONTEXT.match(line)
        if match and i < len(body) and match.group(2) in large_contexts:
            ctx = match.group(2)
            out.append(f"{ctx}._saved = (); {ctx}.__dict__.clear()  # free what it saved")
        dead = sorted((n for n, j in last.items() if j == i and i < len(body)),
                      key=lambda n: int(n[1:]))
        if dead:
            out.append(f"del {', '.join(dead)}")
    return out


def _same_value(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and a.tobytes() == b.tobytes())
    if isinstance(a, (tuple, list)) and type(a) is type(b):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return repr(a) == repr(b)
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001  (a value without a usable ==: compare identity)
        return a is b
