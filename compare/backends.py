"""The backends a program runs on: minigrad, torch on the CPU, torch on CUDA (when present).

A backend gives a program everything that differs between them: ``T``, the torch-like module
(``minigrad`` itself or ``torch``); ``device``, where tensors go; and ``to_numpy``, which brings
a result back as a NumPy array for comparison. Programs never import either library themselves.
"""
from dataclasses import dataclass, field

import numpy as np

REFERENCE = "torch-cpu"
ALL_NAMES = ("minigrad", "torch-cpu", "torch-cuda")
COMPILED = "minigrad-compiled"  # minigrad through minigrad.compile (``--compiled``)


@dataclass
class Backend:
    name: str
    T: object
    device: str
    _sync: object = field(default=None, repr=False)
    compiled: bool = False  # run each program through minigrad.compile (see ``call``)
    replays: dict = field(default_factory=dict, repr=False)  # program -> compiled function

    def to_numpy(self, tensor):
        """A tensor's values as a NumPy array (detached, on the host)."""
        return tensor_to_numpy(tensor)

    def is_tensor(self, value):
        return isinstance(value, self.T.Tensor)

    def call(self, prog):
        """Run a program. Compiled: the first two calls capture it, later calls replay the
        captured program (or run eagerly after a graph break, which ``replay_status`` says)."""
        if not self.compiled:
            return prog(self.T, self.device)
        fn = self.replays.get(prog.name)
        if fn is None:
            fn = self.replays[prog.name] = self.T.compile(prog.fn)
            fn(self.T, self.device)
            fn(self.T, self.device)
        return fn(self.T, self.device)

    def replay_status(self, name):
        fn = self.replays.get(name)
        if fn is None:
            return "not run"
        if fn.programs:
            return "replayed"
        return f"eager: {fn.breaks[0][0]}" if fn.breaks else "eager"

    def sync(self):
        """Wait for queued device work, so that timings include it."""
        if self._sync is not None:
            self._sync()


def tensor_to_numpy(t):
    """A copy of a torch or minigrad tensor's values.

    torch may hand out a ZeroTensor (an all-zero gradient with no storage, e.g. from a second
    derivative); converting one directly can fail or even crash, so it becomes explicit zeros.
    """
    t = t.detach()
    is_zero = getattr(t, "_is_zerotensor", None)
    if is_zero is not None and is_zero():
        return np.zeros(tuple(t.shape), dtype=str(t.dtype).replace("torch.", ""))
    if hasattr(t, "cpu"):
        t = t.cpu()
    return np.array(t.numpy(), copy=True)


def minigrad_backend(compiled=False):
    import minigrad
    return Backend("minigrad-compiled" if compiled else "minigrad", minigrad, "cpu",
                   compiled=compiled)


def torch_backend(device="cpu"):
    import torch
    if device == "cpu":
        return Backend("torch-cpu", torch, "cpu")
    # TF32 would round float32 matmuls to 10 mantissa bits: keep full float32 precision.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return Backend("torch-cuda", torch, "cuda", torch.cuda.synchronize)


def cuda_available():
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def make_backends(names=ALL_NAMES, notice=print):
    """The requested backends that exist here; ``notice`` hears about one that does not."""
    made = []
    for name in names:
        if name == "minigrad":
            made.append(minigrad_backend())
        elif name == COMPILED:
            made.append(minigrad_backend(compiled=True))
        elif name == "torch-cpu":
            made.append(torch_backend("cpu"))
        elif name == "torch-cuda":
            if cuda_available():
                made.append(torch_backend("cuda"))
            else:
                notice("CUDA: not available")
        else:
            raise ValueError(f"unknown backend {name!r}; choose from {', '.join(ALL_NAMES)}")
    return made


def as_numpy(backend, value):
    """A program output as a NumPy array (tensors) or left as it is (numbers, strings...)."""
    if backend.is_tensor(value):
        return backend.to_numpy(value)
    return value


__all__ = ["Backend", "REFERENCE", "ALL_NAMES", "make_backends", "cuda_available", "as_numpy"]
