"""Guards: the conditions under which a captured program may replay a call.

A program is only right for calls like the one it was captured from. The guard is one Python
expression, generated like the program, that checks each thing the capture depended on:

* the arguments: each tensor's type, shape, dtype, strides and ``requires_grad``; every other
  argument's value (numbers, strings, None) or identity (modules, other objects);
* grad mode and the default dtype;
* each module whose forward ran (and its submodules): its ``training`` flag and other settings
  (numbers, strings: Dropout's ``p``), that its parameters, buffers and submodules are still
  the same objects, and its number of forward hooks;
* each tensor read live (a parameter): shape, dtype, strides, ``requires_grad``;
* each global the user's code read: the same object, or an equal number or string.
"""
import numpy as np

from .. import _dtype, _tensor
from ..autograd import grad_mode
from . import capture
from ..nn.modules.module import Module
from ..optim.optimizer import Optimizer

_SCALARS = (bool, int, float, complex, str, bytes, type(None))
MISSING = object()


class GuardBuilder:
    def __init__(self):
        self.conditions = []
        self.env = {"GRAD": grad_mode._state, "DEFAULT_DTYPE": _dtype.get_default_dtype,
                    "MISSING": MISSING}
        self._n = 0

    def value(self, obj):
        """A name for obj in the guard's namespace."""
        name = f"g{self._n}"
        self._n += 1
        self.env[name] = obj
        return name

    def tensor(self, expr, t):
        data = t._data
        self.conditions += [
            f"{expr}.__class__ is {self.value(type(t))}",
            f"{expr}._data.shape == {data.shape!r}",
            f"{expr}._data.dtype == {self.value(data.dtype)}",
            f"{expr}._data.strides == {data.strides!r}",
            f"{expr}._requires_grad is {t._requires_grad}"]

    def argument(self, expr, value, depth=0):
        if isinstance(value, _tensor.Tensor):
            self.tensor(expr, value)
        elif isinstance(value, (list, tuple)) and depth < 4:
            self.conditions += [f"{expr}.__class__ is {self.value(type(value))}",
                                f"len({expr}) == {len(value)}"]
            for i, v in enumerate(value):
                self.argument(f"{expr}[{i}]", v, depth + 1)
        elif isinstance(value, dict) and depth < 4 and all(isinstance(k, str) for k in value):
            self.conditions += [f"{expr}.__class__ is {self.value(type(value))}",
                                f"tuple({expr}) == {tuple(value)!r}"]
            for k, v in value.items():
                self.argument(f"{expr}[{k!r}]", v, depth + 1)
        elif isinstance(value, _SCALARS):
            self.conditions += [f"{expr}.__class__ is {self.value(type(value))}",
                                f"{expr} == {self.value(value)}"]
        else:
            self.conditions.append(f"{expr} is {self.value(value)}")

    def aliasing(self, found):
        """Which tensor arguments share one array stays as it was (an in-place write into one
        would otherwise reach the other, or stop reaching it). ``found``: ``arg_paths``."""
        if len(found) > 1:
            ids = ", ".join(f"id({path}._data)" for path, _ in sorted(found.values(),
                                                                      key=lambda f: f[0]))
            distinct = len({id(t._data) for _, t in found.values()})
            self.conditions.append(f"len({{{ids}}}) == {distinct}")

    def module(self, m):
        """Its training flag; the same parameters, buffers and submodules; as many hooks."""
        name = self.value(m)
        self.conditions.append(f"{name}.training is {m.training}")
        for kind in ("_parameters", "_buffers", "_modules"):
            for key, t in getattr(m, kind, {}).items():
                self.conditions.append(f"{name}.{kind}.get({key!r}) is {self.value(t)}")
        for kind in ("_forward_hooks", "_forward_pre_hooks"):
            hooks = getattr(m, kind, None)
            if hooks is not None:
                self.conditions.append(f"len({name}.{kind}) == {len(hooks)}")
        for key, value in vars(m).items():  # its settings (Dropout's p, a scale of your own)
            if not key.startswith("_") and key != "training" and _plain_value(value):
                self.conditions.append(
                    f"{name}.__dict__.get({key!r}, MISSING) == {self.value(_frozen(value))}")

    def watched(self, expr, value):
        """A global or closure variable: an equal number, string or small container of
        them; the same object otherwise."""
        if _plain_value(value):
            self.conditions.append(f"{expr} == {self.value(_frozen(value))}")
        else:
            self.conditions.append(f"{expr} is {self.value(value)}")

    def global_name(self, namespace, key, value):
        self.watched(f"{self.value(namespace)}.get({key!r}, MISSING)", value)

    def build(self):
        source = "def guard(A, KW):\n    return (" + \
            "\n            and ".join(self.conditions or ["True"]) + ")\n"
        namespace = dict(self.env)
        exec(compile(source, "<minigrad.compile guard>", "exec"), namespace)
        return namespace["guard"], source


def build_guard(fn, args, kwargs, rec, watcher):
    """The guard for a capture of fn(*args, **kwargs) recorded by ``rec``."""
    g = GuardBuilder()
    g.argument("A", tuple(args))
    g.argument("KW", dict(kwargs))
    g.aliasing(capture.arg_paths(args, kwargs))
    g.conditions += [f"GRAD.enabled is {grad_mode._state.enabled}",
                     f"DEFAULT_DTYPE() is {g.value(_dtype.get_default_dtype())}"]
    for m in rec.modules.values():
        g.module(m)
    for name, t, _ in rec.bound:
        g.tensor(name, t)
        g.env[name] = t
    for namespace, key, value in watcher.read_names.values():
        if _plain_value(value) or isinstance(value, _tensor.Tensor) or _is_state(value):
            g.global_name(namespace, key, value)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if _plain_value(value) or isinstance(value, _tensor.Tensor) or _is_state(value):
            g.watched(f"{g.value(cell)}.cell_contents", value)
    return g.build()


def _plain_value(value, depth=0):
    """A number, string or None, or a small list/tuple/dict of them: guarded by equality."""
    if isinstance(value, _SCALARS):
        return not (isinstance(value, float) and value != value)  # (NaN != NaN)
    if isinstance(value, (list, tuple)) and depth < 2 and len(value) <= 32:
        return all(_plain_value(v, depth + 1) for v in value)
    if isinstance(value, dict) and depth < 2 and len(value) <= 32:
        return all(_plain_value(k, depth + 1) and _plain_value(v, depth + 1)
                   for k, v in value.items())
    return False


def _frozen(value):
    """A copy of a plain value as it is now (a later change to the original then shows)."""
    if isinstance(value, list):
        return [_frozen(v) for v in value]
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


def _is_state(value):
    """Objects whose identity a global guard watches: modules, optimizers, arrays."""
    return isinstance(value, (Module, Optimizer, np.ndarray))


def covered_tensors(rec, watcher):
    """ids of the tensors read live that a guard watches (a module's parameter or buffer, a
    global): any other is baked in as a constant."""
    covered = set()
    for m in rec.modules.values():
        for kind in ("_parameters", "_buffers"):
            covered.update(id(t) for t in getattr(m, kind, {}).values())
    for value in [v for _, _, v in watcher.read_names.values()] + watcher.closure_values:
        if isinstance(value, _tensor.Tensor):
            covered.add(id(value))
    return covered
