"""Anomaly detection: ``torch.autograd.detect_anomaly()`` / ``set_detect_anomaly(True)``.

While it is on, backward checks every gradient a node returns: a NaN raises

    RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.

(the n-th output is the gradient for the node's n-th ``next_functions`` entry), after a
``UserWarning`` naming the node. ``check_nan=False`` turns the check off while leaving the mode
on. A program whose gradients hold no NaN runs exactly as without it.

Torch also records each forward call's Python traceback while the mode is on and prints it in
that warning; minigrad does not record tracebacks in forward (it would cost every op's call),
so its warning names the node only.
"""
import warnings

import numpy as np

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


class _State:
    enabled = False        # read by the engine once per node
    check_nan = True


state = _State()


def is_anomaly_enabled():
    return state.enabled


def is_anomaly_check_nan_enabled():
    return state.check_nan


def _set(mode, check_nan):
    previous = (state.enabled, state.check_nan)
    state.enabled, state.check_nan = bool(mode), bool(check_nan)
    return previous


class detect_anomaly:
    """Context manager (``with detect_anomaly():``) that turns anomaly detection on inside it."""

    def __init__(self, check_nan=True):
        self.prev = state.enabled
        self.check_nan = check_nan
        self.prev_check_nan = state.check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        _set(True, self.check_nan)

    def __exit__(self, *exc):
        _set(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Turns anomaly detection on or off: as a call (``set_detect_anomaly(True)``) at once, or
    as a context manager for its body only (the previous setting comes back on exit)."""

    def __init__(self, mode, check_nan=True):
        self.prev, self.prev_check_nan = _set(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _set(self.prev, self.prev_check_nan)


def check_gradients(node, gradients):
    """Called by the engine for each node run while the mode is on: raise on a NaN gradient."""
    if not state.check_nan:
        return
    for i, g in enumerate(gradients):
        if g is None:
            continue
        values = getattr(g, "_data", g)
        if values.dtype.kind in "fc" and np.isnan(values).any():
            name = type(node).__name__
            warnings.warn(f"Error detected in {name}. The forward call's traceback is not "
                          f"recorded.", stacklevel=2)
            raise RuntimeError(f"Function '{name}' returned nan values in its {i}th output.")
