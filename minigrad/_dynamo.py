"""``torch._dynamo``: the parts scripts touch, answered by ``minigrad.compile``."""
import warnings

from .compiler import api
from .compiler.api import Unsupported, config, disable, reset

__all__ = ["config", "reset", "disable", "explain", "Unsupported", "list_backends", "exc"]


class exc:  # noqa: N801  (torch._dynamo.exc, a module in torch)
    Unsupported = api.Unsupported
    InvalidBackend = api.InvalidBackend


def list_backends(exclude_tags=None):
    return sorted(b for b in api._BACKENDS if b not in ("aot_eager",))


class ExplainOutput:
    """What ``explain(fn)(*args)`` returns: the captured program or why there is none."""

    def __init__(self, compiled):
        self.graph_count = 0 if compiled.breaks else 1
        self.graph_break_count = len(compiled.breaks)
        self.break_reasons = [f"{reason} at {where}" for reason, where in compiled.breaks]
        self.text = compiled.explain()

    def __str__(self):
        return (f"Graph Count: {self.graph_count}\nGraph Break Count: {self.graph_break_count}\n"
                + "".join(f"Break Reason: {r}\n" for r in self.break_reasons) + self.text)


def explain(fn, *extra_args, **extra_kwargs):
    """``explain(fn)(*args)``: capture fn on these arguments (running it) and describe it."""
    def inner(*args, **kwargs):
        compiled = api.CompiledFunction(fn)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiled(*args, **kwargs)
        return ExplainOutput(compiled)
    if extra_args or extra_kwargs:
        return inner(*extra_args, **extra_kwargs)
    return inner
