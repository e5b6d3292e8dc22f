"""``minigrad.compile``: a small tracing JIT for whole training steps.

Read it in this order: ``capture.py`` (running a call once while writing down its kernels),
``watch.py`` (the Python around them that replay can't repeat), ``guards.py`` (when a capture
may be replayed), ``program.py`` (the replayed program), ``api.py`` (the calls in between).
``docs/compile.md`` says what it removes and what it measured.
"""
from . import api
from .api import CompiledFunction, Unsupported, compile, disable, is_compiling, reset

is_dynamo_compiling = is_compiling

__all__ = ["compile", "CompiledFunction", "Unsupported", "api", "reset", "disable",
           "is_compiling", "is_dynamo_compiling"]
