"""Run one test body on several backends and report the first way each differs from torch's CPU.

A *backend* is a library and a device: ``minigrad``, ``torch`` (CPU, the reference) and
``torch-cuda``. The body is called as ``body(T=module, make_input=maker, **other_arguments)``
on each; ``make_input`` hands every backend the same values (drawn from one seeded NumPy
generator, in make_tensor's ranges), so the runs differ only in the library. A run records what
the body returned, the inputs it made (to compare their ``.grad``) and the exception it raised.

Then each run is compared with torch's CPU run, in this order, stopping at the first difference:
the exception class (or that only one of them raised), the structure of the result, each
tensor's dtype, shape, ``grad_fn`` name and values (within the dtype's tolerance), the ``.grad``
of each leaf returned, then the ``.grad`` of each input made. When the body did not call
``backward`` itself, the plugin does: a seeded random upstream gradient from every floating
output that requires grad, so a test that returns ``f(x)`` also checks ``f``'s gradient.

Tolerances (rtol, atol) are assert_close's defaults for the dtype (float32 1.3e-6, 1e-5;
float64 1e-7, 1e-7; integers and bools exact); NaN matches NaN.
"""
import dataclasses
import importlib
import importlib.util
import zlib

import numpy as np

from ._comparison import default_tolerances, isclose, mismatch_statistics

REFERENCE = "torch"
BACKEND_NAMES = ("minigrad", "torch", "torch-cuda")
_NAME_ALIASES = {"torch-cpu": "torch", "cuda": "torch-cuda"}


class ParityMismatch(AssertionError):
    """A backend's run differs from torch's CPU run; the message says where and how."""


@dataclasses.dataclass(frozen=True)
class Backend:
    name: str
    module_name: str
    device: str

    def load(self):
        return importlib.import_module(self.module_name)

    def activate(self):
        """Make this backend's device the default for tensors the body creates; returns a
        function that restores the previous default."""
        if self.device == "cpu":
            return lambda: None
        torch = self.load()
        previous = torch.get_default_device()
        # TF32 would round float32 matmuls to 10 mantissa bits: keep full float32 precision
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.set_default_device(self.device)
        return lambda: torch.set_default_device(previous)


BACKENDS = {"minigrad": Backend("minigrad", "minigrad", "cpu"),
            "torch": Backend("torch", "torch", "cpu"),
            "torch-cuda": Backend("torch-cuda", "torch", "cuda")}


def available(name):
    """Whether backend ``name`` can run here (torch installed; CUDA present for torch-cuda)."""
    if name == "minigrad":
        return True
    if importlib.util.find_spec("torch") is None:
        return False
    if name == "torch-cuda":
        import torch
        return torch.cuda.is_available()
    return True


def parse_backends(text):
    """``"minigrad,torch"`` -> ["minigrad", "torch"]; ValueError for an unknown name."""
    names = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name = _NAME_ALIASES.get(part, part)
        if name not in BACKENDS:
            raise ValueError(f"unknown parity backend {part!r}; choose from "
                             f"{', '.join(BACKEND_NAMES)}")
        names.append(name)
    return names


def seed_for(*parts):
    """A 32-bit seed from the test's identity (its node id without the backend, the shape)."""
    return zlib.crc32(repr(parts).encode())


def dtype_name(dtype):
    return str(dtype).replace("torch.", "")


# the interval make_tensor draws from by default: dtype kind -> [low, high)
_DEFAULT_RANGES = {"b": (0, 2), "u": (0, 10), "i": (-9, 10), "f": (-9, 9)}


class InputMaker:
    """``make_input(*shape, dtype=..., low=, high=, requires_grad=, exclude_zero=,
    noncontiguous=)``: a tensor of the backend's library with values from a generator seeded
    the same way on every backend (default dtype float32). Inputs it made are kept in order."""

    def __init__(self, module, device, seed):
        self.module, self.device = module, device
        self.rng = np.random.default_rng(seed)
        self.inputs = []

    def __call__(self, *shape, dtype="float32", low=None, high=None, requires_grad=False,
                 exclude_zero=False, noncontiguous=False):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        shape = tuple(int(s) for s in shape)
        np_dtype = np.dtype(dtype_name(dtype))
        default_low, default_high = _DEFAULT_RANGES[np_dtype.kind]
        low = default_low if low is None else low
        high = default_high if high is None else high
        drawn_shape = (*shape[:-1], 2 * shape[-1]) if noncontiguous and shape else shape
        if np_dtype.kind == "f":
            values = self.rng.uniform(low, high, drawn_shape)
        else:
            values = self.rng.integers(int(np.ceil(low)), int(np.ceil(high)), drawn_shape)
        values = values.astype(np_dtype)
        if exclude_zero:
            values[values == 0] = 1 if np_dtype.kind in "biu" else np.finfo(np_dtype).tiny
        tensor = self.module.from_numpy(values)
        if self.device != "cpu":
            tensor = tensor.to(self.device)
        if noncontiguous and shape:
            tensor = tensor[..., 1::2]
        if requires_grad:
            tensor.requires_grad_()
        self.inputs.append(tensor)
        return tensor

    def cotangent(self, like):
        """A seeded random upstream gradient shaped and typed like ``like``."""
        values = self.rng.standard_normal(tuple(like.shape)).astype(dtype_name(like.dtype))
        return self.module.from_numpy(values).to(like.device)


@dataclasses.dataclass
class Run:
    backend: Backend
    module: object
    result: object = None
    inputs: list = dataclasses.field(default_factory=list)
    error: BaseException | None = None
    stage: str = "forward"       # where the error was raised: "forward" or "backward"


def _is_tensor(module, value):
    return isinstance(value, module.Tensor)


def _tensors_in(module, value):
    """Every tensor in a (nested) result, in order."""
    if _is_tensor(module, value):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors_in(module, v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors_in(module, v)]
    return []


def _backward_through(run, maker):
    """Send a seeded random gradient back from every floating output that requires grad, unless
    the body already computed gradients."""
    leaves = [t for t in run.inputs + _tensors_in(run.module, run.result)
              if t.is_leaf and t.requires_grad]
    if any(t.grad is not None for t in leaves):
        return
    outputs = [t for t in _tensors_in(run.module, run.result)
               if t.requires_grad and t.dtype.is_floating_point]
    if not outputs:
        return
    total = sum((out * maker.cotangent(out)).sum() for out in outputs)
    total.backward()


def run_body(backend, body, arguments, seed, backward=True):
    """Call ``body`` on ``backend`` with seeded inputs; a Run with whatever came out."""
    module = backend.load()
    module.manual_seed(seed)            # the body's own random draws: the same numbers on each
    maker = InputMaker(module, backend.device, seed)
    run = Run(backend, module, inputs=maker.inputs)
    restore = backend.activate()
    try:
        run.result = body(**{**arguments, "T": module, "make_input": maker})
        if backward:
            run.stage = "backward"
            _backward_through(run, maker)
    except Exception as error:  # noqa: BLE001 - the exception is part of what is compared
        run.error = error
    else:
        run.stage = "forward"
    finally:
        restore()
    return run


def _to_numpy(tensor):
    tensor = tensor.detach()
    is_zero = getattr(tensor, "_is_zerotensor", None)   # torch's storage-less zero gradients
    if is_zero is not None and is_zero():
        return np.zeros(tuple(tensor.shape), dtype=dtype_name(tensor.dtype))
    if hasattr(tensor, "cpu"):
        tensor = tensor.cpu()
    return np.array(tensor.numpy(), copy=True)


def _shown(value):
    """A NumPy scalar as its shortest repr: 0.1 for float32(0.1), not 0.10000000149011612."""
    return str(value) if isinstance(value, np.generic) else repr(value)


class Comparer:
    """Compares one backend's run with the reference run; ``difference()`` is the first
    difference as text, or None."""

    def __init__(self, got, ref, rtol=None, atol=None, check_grad_fn=True):
        self.got, self.ref = got, ref
        self.rtol, self.atol, self.check_grad_fn = rtol, atol, check_grad_fn
        self.name, self.ref_name = got.backend.name, f"{ref.backend.name} (cpu)"

    def _tolerances(self, dtype):
        if self.rtol is not None:
            return self.rtol, self.atol
        return default_tolerances(dtype)

    def tensors(self, where, got, ref):
        if dtype_name(got.dtype) != dtype_name(ref.dtype):
            return f"{where}: dtype {got.dtype} on {self.name}, {ref.dtype} on {self.ref_name}"
        if tuple(got.shape) != tuple(ref.shape):
            return (f"{where}: shape {tuple(got.shape)} on {self.name}, {tuple(ref.shape)} on "
                    f"{self.ref_name}")
        got_fn, ref_fn = (type(t.grad_fn).__name__ if t.grad_fn is not None else None
                          for t in (got, ref))
        if self.check_grad_fn and got_fn != ref_fn:
            return f"{where}: grad_fn {got_fn} on {self.name}, {ref_fn} on {self.ref_name}"
        a, e = _to_numpy(got), _to_numpy(ref)
        rtol, atol = self._tolerances(dtype_name(ref.dtype))
        close = isclose(a, e, rtol, atol, equal_nan=True)
        if close.all():
            return None
        first = tuple(int(i) for i in np.argwhere(~close)[0])
        count, abs_diff, abs_at, _, _ = mismatch_statistics(a, e, close)
        abs_diff = _shown(e.dtype.type(abs_diff))
        at = first if a.ndim else "()"
        return (f"{where}: values differ at index {at}: {self.name} {_shown(a[first])}, "
                f"{self.ref_name} {_shown(e[first])}\n"
                f"  {count} / {close.size} elements differ ({count / close.size:.1%}); greatest "
                f"absolute difference {abs_diff} at index {abs_at}; allowed: rtol {rtol}, "
                f"atol {atol} ({dtype_name(ref.dtype)})")

    def grads(self, where, got, ref):
        if got.grad is None and ref.grad is None:
            return None
        if (got.grad is None) != (ref.grad is None):
            has, lacks = (self.name, self.ref_name) if ref.grad is None else (self.ref_name,
                                                                              self.name)
            return f"{where}.grad: a gradient on {has}, None on {lacks}"
        return self.tensors(f"{where}.grad", got.grad, ref.grad)

    def values(self, where, got, ref):
        """The first difference between two (nested) results."""
        got_module, ref_module = self.got.module, self.ref.module
        if _is_tensor(ref_module, ref) or _is_tensor(got_module, got):
            if not (_is_tensor(ref_module, ref) and _is_tensor(got_module, got)):
                return (f"{where}: {type(got).__name__} on {self.name}, {type(ref).__name__} on "
                        f"{self.ref_name}")
            found = self.tensors(where, got, ref)
            if found is None and ref.is_leaf and ref.requires_grad:
                found = self.grads(where, got, ref)
            return found
        if isinstance(ref, dict) and isinstance(got, dict):
            if set(got) != set(ref):
                return (f"{where}: keys {sorted(map(str, got))} on {self.name}, "
                        f"{sorted(map(str, ref))} on {self.ref_name}")
            return next((d for k in ref if (d := self.values(f"{where}[{k!r}]", got[k], ref[k]))),
                        None)
        if isinstance(ref, (list, tuple)) and isinstance(got, (list, tuple)):
            if len(got) != len(ref):
                return (f"{where}: {len(got)} items on {self.name}, {len(ref)} on "
                        f"{self.ref_name}")
            return next((d for i, (g, r) in enumerate(zip(got, ref))
                         if (d := self.values(f"{where}[{i}]", g, r))), None)
        if isinstance(ref, np.ndarray) and isinstance(got, np.ndarray):
            if (got.shape == ref.shape and got.dtype == ref.dtype and
                    isclose(got, ref, *default_tolerances(ref.dtype.name), True).all()):
                return None
        elif isinstance(ref, float) and isinstance(got, float):
            if isclose(np.array(got), np.array(ref), *default_tolerances("float32"), True):
                return None
        elif isinstance(ref, type(ref_module.float32)):
            if dtype_name(got) == dtype_name(ref):
                return None
        elif type(got) is type(ref) and got == ref:
            return None
        return f"{where}: {got!r} on {self.name}, {ref!r} on {self.ref_name}"

    def errors(self):
        got, ref = self.got.error, self.ref.error
        if got is None and ref is None:
            return None
        if got is not None and ref is not None:
            if type(got).__name__ == type(ref).__name__:
                return None
            return (f"exception: {self.name} raised {type(got).__name__}: {got}\n"
                    f"  {self.ref_name} raised {type(ref).__name__}: {ref}")
        raised, quiet = (self.got, self.ref) if got is not None else (self.ref, self.got)
        return (f"exception: {raised.backend.name} raised {type(raised.error).__name__} in "
                f"{raised.stage}: {raised.error}\n  {quiet.backend.name} raised nothing")

    def difference(self):
        found = self.errors()
        if found or self.ref.error is not None:
            return found
        found = self.values("output", self.got.result, self.ref.result)
        if found:
            return found
        for i, (got, ref) in enumerate(zip(self.got.inputs, self.ref.inputs)):
            found = self.grads(f"input {i} (make_input call {i + 1}, shape "
                               f"{tuple(ref.shape)})", got, ref)
            if found:
                return found
        return None


def check_parity(body, arguments, backends, seed, *, rtol=None, atol=None, backward=True,
                 raises=None, check_grad_fn=True):
    """Run ``body`` on torch's CPU and on each of ``backends``; ParityMismatch at the first
    backend that differs. ``raises``: the exception class(es) torch is expected to raise (an
    exception the test does not declare fails it, so a broken test cannot pass by raising the
    same error everywhere)."""
    __tracebackhide__ = True
    ref = run_body(BACKENDS[REFERENCE], body, arguments, seed, backward)
    if raises is None and ref.error is not None:
        raise ParityMismatch(
            f"torch (cpu) raised {type(ref.error).__name__} in {ref.stage}: {ref.error}\n"
            "  (when the error is the behaviour under test, declare it: "
            "@pytest.mark.parity(raises=...))")
    if raises is not None and not isinstance(ref.error, raises):
        raise ParityMismatch(f"torch (cpu) did not raise {raises}: "
                             f"{'it returned normally' if ref.error is None else repr(ref.error)}")
    for name in backends:
        if name == REFERENCE:
            continue
        got = run_body(BACKENDS[name], body, arguments, seed, backward)
        found = Comparer(got, ref, rtol, atol, check_grad_fn).difference()
        if found:
            raise ParityMismatch(f"parity: {name} differs from torch (cpu)\n  {found}")
