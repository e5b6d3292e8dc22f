"""``torch.backends.cudnn``: cuDNN is absent (``is_available() -> False``, ``version() -> None``),
but its flags are settable module attributes, each checked to be a bool as torch checks it."""
import sys
import types


def is_available():
    return False


def version():
    return None


def is_acceptable(tensor):
    return False


def _flag(name, setter_name):
    def get(module):
        return module._flags[name]

    def set_(module, value):
        if type(value) is not bool:
            raise RuntimeError(f"{setter_name} expects a bool, but got {type(value).__name__}")
        module._flags[name] = value
    return property(get, set_)


class _CudnnModule(types.ModuleType):
    enabled = _flag("enabled", "set_enabled_cudnn")
    benchmark = _flag("benchmark", "set_benchmark_cudnn")
    deterministic = _flag("deterministic", "set_deterministic_cudnn")
    allow_tf32 = _flag("allow_tf32", "set_allow_tf32_cublas")  # sic, as torch


_flags = {"enabled": True, "benchmark": False, "deterministic": False, "allow_tf32": True}
benchmark_limit = 10
sys.modules[__name__].__class__ = _CudnnModule
