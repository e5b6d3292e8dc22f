"""Several parameters' optimizer state kept in joined arrays, so that an elementwise update
steps them all with one NumPy call per operation and no copying of the state in or out.

``JoinedState(params, states, keys)`` lays the ``keys`` state tensors of ``params`` (and their
step counts) end to end in one float32 array per key (and one array of step counts): each
state tensor then holds its part of the joined array. Tensors already in the states keep their
identity and values (their ``_data`` becomes the part); missing ones are created as zeros, as
an optimizer creates fresh state. ``holds(params, states, keys)`` tells whether a step may use the
joined arrays: the same parameters, every state tensor still holding its part (a loaded state
dict, or a state tensor replaced, make new ones), and one step count shared by all.

The parts are made with ``np.frombuffer`` over the joined array's memory, so that a part does
not name the joined array as its base: a saved checkpoint (``_pickling``) stores each state
tensor on its own, as torch's separate tensors are stored, not the whole joined array.
"""
import numpy as np

from .._tensor import Tensor, _make

__all__ = ["JoinedState", "can_join"]


class JoinedState:
    """The ``keys`` state of ``params`` (fresh, or each a float32 tensor of its parameter's
    shape) and their step counts, in joined arrays ``flat[key]`` and ``steps``."""

    def __init__(self, params, states, keys, step_dtype):
        self.params = list(params)
        self.keys = keys
        shapes = [p._data.shape for p in params]
        self.flat, self.parts = {}, {}
        for key in keys:
            old = [state.get(key) for state in states]
            flat = np.concatenate([np.zeros(p._data.size, np.float32) if t is None
                                   else t._data.reshape(-1) for p, t in zip(params, old)])
            self.flat[key] = flat
            self.parts[key] = _parts(flat, shapes)
        self.steps = np.array([state["step"]._data.item() if "step" in state else 0
                               for state in states], step_dtype)
        self.step_parts = _parts(self.steps, [()] * len(params))
        for i, state in enumerate(states):   # (a fresh state's keys in the optimizer's order)
            _hold(state, "step", self.step_parts[i])
            for key in keys:
                _hold(state, key, self.parts[key][i])

    def holds(self, params, states, keys):
        """Can a step of ``params`` (whose states are ``states``, holding ``keys``) use the
        joined arrays?"""
        if keys != self.keys or len(params) != len(self.params) or any(
                p is not q for p, q in zip(params, self.params)):
            return False
        for key, parts in (("step", self.step_parts), *self.parts.items()):
            for state, part in zip(states, parts):
                held = state.get(key)
                if held is None or held._data is not part:
                    return False
        return self.steps.min() == self.steps.max()


def can_join(params, states, keys, step_dtype):
    """Whether the states are all fresh, or all hold float32 tensors of their parameter's
    shape under ``keys`` and one step count of ``step_dtype`` (as an optimizer keeps them)."""
    if not any(states):
        return True
    counts = set()
    for p, state in zip(params, states):
        if set(state) != {"step", *keys} or not _plain(state["step"], (), step_dtype):
            return False
        if not all(_plain(state[key], p._data.shape, np.float32) for key in keys):
            return False
        counts.add(state["step"]._data.item())
    return len(counts) == 1


def _plain(t, shape, dtype):
    return (type(t) is Tensor and t._base is None and not t._requires_grad
            and t._data.shape == shape and t._data.dtype == dtype and t._data.flags.writeable)


def _parts(flat, shapes):
    """Consecutive parts of the 1-d array ``flat`` in ``shapes`` (np.frombuffer: see the
    module docstring)."""
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        part = np.frombuffer(flat.data, flat.dtype, size, start * flat.itemsize)
        parts.append(part.reshape(shape))
        start += size
    return parts


def _hold(state, key, part):
    """state[key] holds ``part``: its tensor (values already copied) or a new one."""
    held = state.get(key)
    if held is None:
        state[key] = _make(part)
    else:
        held._data = part
