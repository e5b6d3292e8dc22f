"""Switching gradient recording on and off: no_grad, enable_grad, set_grad_enabled.

Each works as a context manager and as a decorator, as in torch. The state is a flag that
every op reads before it records a graph node, kept per thread as torch keeps it: one thread
inside ``no_grad`` leaves recording on in the others, and a new thread starts with it on.
"""
import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]


class _State(threading.local):
    enabled = True  # each thread sees this default until it sets its own


_state = _State()


def is_grad_enabled():
    """True when ops record the graph (the default)."""
    return _state.enabled


class _GradModeContext:
    """Base: a context manager that also decorates functions (and generator functions)."""

    _mode = True

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self._mode

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, fn):
        return _decorate(fn, self.clone)

    def clone(self):
        return self.__class__()


def _decorate(fn, make_context):
    """fn running under a fresh context from make_context(); for a generator function, each
    step of the generator runs under it (as torch does), not just its creation."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator_wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            sent = None
            while True:
                try:
                    with make_context():
                        item = gen.send(sent)
                except StopIteration as stop:
                    return stop.value
                sent = yield item
        return generator_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_context():
            return fn(*args, **kwargs)
    return wrapper


class no_grad(_GradModeContext):
    """Ops inside record nothing: results have requires_grad=False."""

    _mode = False


class enable_grad(_GradModeContext):
    """Turn recording back on inside a no_grad block."""

    _mode = True


class inference_mode(_GradModeContext):
    """Like no_grad (minigrad has no separate inference tensors)."""

    def __init__(self, mode=True):
        self._mode = not mode

    def __call__(self, fn):
        if isinstance(fn, bool):  # inference_mode(False) used as a factory
            return inference_mode(fn)
        return super().__call__(fn)

    def clone(self):
        return inference_mode(not self._mode)


def is_inference_mode_enabled():
    return False


class set_grad_enabled(_GradModeContext):
    """set_grad_enabled(mode): sets the mode at once; as a context manager it restores on exit."""

    def __init__(self, mode):
        self._prev = _state.enabled
        self._mode = bool(mode)
        _state.enabled = self._mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, fn):
        _state.enabled = self._prev  # used as a decorator: do not change the mode now
        return _decorate(fn, self.clone)

    def clone(self):
        return set_grad_enabled(self._mode)
