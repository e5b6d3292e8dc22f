"""The columns of every table: which library, how many threads, which device.

NumPy's BLAS is pinned to one thread for the whole process (threadpoolctl). torch is switched
between one thread and its default count with ``torch.set_num_threads`` right before each of its
measurements, so that the single-threaded columns compare like with like.
"""
import os
import platform
import sys
from dataclasses import dataclass

import numpy as np

# Some machines export these for an older NumPy; they slow the current one down. They are
# removed from the environment of benchmark subprocesses only (and the removal is reported).
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass(frozen=True)
class Backend:
    """One column: ``kind`` is 'minigrad', 'torch' or 'floor'."""

    name: str
    kind: str
    threads: int = 1
    device: str = "cpu"

    def module(self):
        """The torch-like module the generic workloads run on (None for the NumPy floor)."""
        if self.kind == "minigrad":
            import minigrad
            return minigrad
        if self.kind == "torch":
            import torch
            return torch
        return None

    def activate(self):
        """Set this column's thread count (called outside the timed region)."""
        if self.kind == "torch":
            import torch
            if torch.get_num_threads() != self.threads:
                torch.set_num_threads(self.threads)

    def sync(self):
        """Wait for queued device work (CUDA runs asynchronously)."""
        if self.device == "cuda":
            import torch
            torch.cuda.synchronize()


MINIGRAD = Backend("minigrad", "minigrad")
FLOOR = Backend("numpy floor", "floor")


def torch_default_threads():
    """torch's own thread count, read before anything changes it."""
    import torch
    return _TORCH_DEFAULT.setdefault("n", torch.get_num_threads())


_TORCH_DEFAULT = {}


def all_backends():
    """Every column available on this machine, the single-threaded ones first."""
    import torch
    n = torch_default_threads()
    cols = [MINIGRAD, FLOOR, Backend("torch", "torch", 1),
            Backend(f"torch ({n} threads)", "torch", n)]
    if torch.cuda.is_available():
        cols.append(Backend("torch cuda", "torch", n, "cuda"))
    return cols


def pin_blas():
    """Limit NumPy's BLAS to one thread for the rest of the process; returns the limiter."""
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=1, user_api="blas")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info():
    """Everything the report states about where and how it was measured."""
    import threadpoolctl
    import torch

    import minigrad
    blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture', '?')} kernel, "
            f"{i.get('num_threads')} threads)"
            for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return {
        "CPU": cpu_model(),
        "logical CPUs": os.cpu_count(),
        "Python": platform.python_version(),
        "NumPy": np.__version__,
        "torch": torch.__version__,
        "minigrad": minigrad.__version__,
        "NumPy BLAS (threadpoolctl)": "; ".join(blas) or "unknown",
        "torch default threads": torch_default_threads(),
        "threads": "NumPy BLAS pinned to 1 (threadpoolctl); torch at 1 via "
                   "torch.set_num_threads(1), and at its default count in its own column",
        "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE": _override_note(),
        "GPU": gpu,
        "load average at start (1, 5, 15 min)": load_average(),
        "platform": platform.platform(),
        "command": "python -m " + " ".join(["benchmarks"] + sys.argv[1:]),
    }


def load_average():
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _override_note():
    removed = os.environ.get("MINIGRAD_BENCH_UNSET", "")
    if removed:
        return f"unset for this run (was {removed})"
    present = [f"{k}={os.environ[k]}" for k in OPENBLAS_OVERRIDES if k in os.environ]
    return ", ".join(present) if present else "not set"
