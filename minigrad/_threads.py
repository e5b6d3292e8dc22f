"""get_num_threads / set_num_threads: the intra-op thread count a script asks for.

minigrad's kernels are NumPy's; the count is recorded and reported as torch reports it (by
default, the CPUs this process may run on), with torch's checks on the value.
"""
import os

__all__ = ["get_num_threads", "set_num_threads", "get_num_interop_threads",
           "set_num_interop_threads"]


def _cpus():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


_threads = {"intra": _cpus(), "interop": _cpus()}


def _set(kind, name, count):
    if type(count) is not int:
        raise RuntimeError(f"{name} expects an int, but got {type(count).__name__}")
    if count <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    _threads[kind] = count


def get_num_threads():
    return _threads["intra"]


def set_num_threads(count):
    _set("intra", "set_num_threads", count)


def get_num_interop_threads():
    return _threads["interop"]


def set_num_interop_threads(count):
    _set("interop", "set_num_interop_threads", count)
