"""The program suite: each program is written once against a torch-like module ``T``.

A program is a function ``run(T, device)`` decorated with ``@program``; it builds its inputs
from NumPy with a fixed seed (so every backend sees the same data) and returns a dict of named
outputs: tensors, numbers, strings (dtype names, error messages), including the gradient of
every leaf. The runner compares every output with torch on the CPU.
"""
import importlib
import pkgutil
import zlib
from dataclasses import dataclass, field

import numpy as np

PROGRAMS = {}


@dataclass
class Program:
    name: str
    fn: object
    doc: str = ""
    skip: dict = field(default_factory=dict)  # backend name -> why it does not run there

    def __call__(self, T, device):
        return self.fn(T, device)


def program(family, skip=None):
    """Register ``fn`` as the program ``family.fn_name``; ``skip`` maps backends to reasons."""
    def register(fn):
        name = f"{family}.{fn.__name__}"
        doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        PROGRAMS[name] = Program(name, fn, doc, dict(skip or {}))
        return fn
    return register


def load_all():
    """Import every module of this package (each registers its programs) and return them."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(PROGRAMS.items()))


# ---- helpers the programs share ------------------------------------------------------------
def rng_for(name):
    """A NumPy generator seeded by ``name``: the same data on every backend and every run."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def leaf(T, device, array, requires_grad=True, dtype=None):
    """A leaf tensor holding ``array`` (a copy) on ``device``."""
    t = T.tensor(np.asarray(array), dtype=dtype, device=device)
    return t.requires_grad_(True) if requires_grad else t


def backward_all(T, device, rng, outputs, leaves):
    """Backpropagate random upstream gradients from every output that requires grad.

    Returns ``{"<leaf>.grad": grad}`` for every leaf (None when no gradient reached it).
    """
    roots = [t for t in outputs.values() if isinstance(t, T.Tensor) and t.requires_grad]
    grads = [T.tensor(rng.standard_normal(tuple(t.shape)), dtype=t.dtype, device=device)
             for t in roots]
    if roots:
        T.autograd.backward(roots, grads)
    return {f"{name}.grad": t.grad for name, t in leaves.items()}


def error_of(fn):
    """``"ExceptionType: message"`` of what ``fn()`` raises, or ``"no error"``."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error itself is the output
        return f"{type(e).__name__}: {e}"
    return "no error"


def grad_fn_name(t):
    return type(t.grad_fn).__name__ if t.grad_fn is not None else "None"


CPU_ONLY_RNG = {"torch-cuda": "CUDA has its own random streams"}
CPU_ONLY_ERRORS = {"torch-cuda": "error messages name the device"}
