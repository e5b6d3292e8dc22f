"""Every public op is in the registry: each callable minigrad exposes as ``torch.X``,
``Tensor.X`` or ``torch.nn.functional.X`` is a form some registered op declares (and so is tested
against torch by tests/test_registry.py), or is named below with the reason it is not an op.

An op added without a ``register``/``declare`` call fails here. The lists below cannot go stale:
each name must exist in minigrad and not be registered, and the names minigrad has but torch
does not must really be absent from torch.
"""
import types

import numpy as np
import torch

import minigrad
from minigrad.ops.registry import OPS
from helpers import assert_tensor_equal

# Builds a tensor from Python values and sizes: no tensor operand to draw from a domain and no
# gradient to compare (tests/test_creation.py and test_random.py check them against torch).
FACTORIES = {
    "tensor", "as_tensor", "asarray", "from_numpy", "scalar_tensor", "zeros", "ones", "full",
    "empty", "eye", "arange", "range", "linspace", "logspace", "zeros_like", "ones_like",
    "full_like", "empty_like", "rand", "randn", "randint", "randperm",
    "tril_indices", "triu_indices", "frombuffer",
}
# Global settings and queries about dtypes, modes and objects, not computations on tensors.
SETTINGS = {
    "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
    "set_default_dtype", "get_default_dtype", "set_default_device", "get_default_device",
    "set_printoptions", "set_num_threads", "get_num_threads",
    "set_num_interop_threads", "get_num_interop_threads", "is_grad_enabled",
    "is_inference_mode_enabled", "is_autocast_enabled", "get_autocast_dtype", "can_cast",
    "promote_types", "result_type", "is_floating_point", "is_tensor", "numel",
    "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
}
SERIALIZATION = {"save", "load"}
# Wraps a function or module to capture and replay its kernels (tests/test_compile.py).
COMPILER = {"compile"}
# Tensor methods that answer a question about the tensor, hand back its values as Python or
# NumPy objects, or are the autograd API (tests/test_tensor.py, test_autograd_engine.py).
TENSOR_QUERIES = {
    "dim", "ndimension", "size", "stride", "numel", "nelement", "element_size",
    "storage_offset", "data_ptr", "untyped_storage", "is_contiguous", "is_floating_point",
    "is_complex", "is_signed", "get_device", "item", "tolist", "numpy",
    "backward", "register_hook", "retain_grad", "requires_grad_", "detach", "detach_",
}
# Tensor methods whose arguments are dtype or device objects of each library, or that make a
# new tensor from Python values (tests/test_tensor.py, test_device.py).
TENSOR_FACTORIES = {"to", "type", "cpu", "cuda", "new_tensor", "new_zeros", "new_ones",
                    "new_full", "new_empty"}
# In-place writes with no out-of-place op: fills from values or from the random stream
# (tests/test_inplace.py; the random fills byte for byte in tests/test_random.py).
INPLACE_WRITES = {"fill_", "zero_", "copy_", "normal_", "uniform_", "exponential_", "random_"}
# Names minigrad exposes that torch does not: helpers visible in a namespace, kept so that the
# public API stays as it was (each is checked to be absent from torch).
NOT_IN_TORCH = {
    ("method", "rsub"), ("method", "index_select_"), ("function", "sum_to_size"),
    ("functional", "flatten"), ("functional", "identity"), ("functional", "addmm"),
    ("functional", "softmax_args"), ("functional", "non_overlapping_and_dense"),
    ("function", "get_printoptions"),
}
# Methods of registered ops that take their arguments in another order than the function the
# registry calls with the same arguments: Tensor.where(condition, other) is
# torch.where(condition, self, other), Tensor.polygamma(n) is torch.polygamma(n, self) (both
# checked against torch below). Tensor.unfold (sliding windows, UnfoldBackward0)
# is another op than the registered nn.functional.unfold (Im2ColBackward0) under the same name
# (tests/test_rearrange.py).
OTHER_ARGUMENT_ORDER = {"where", "polygamma", "polygamma_", "unfold"}
NOT_OPS = {
    "function": FACTORIES | SETTINGS | SERIALIZATION | COMPILER,
    "method": TENSOR_QUERIES | TENSOR_FACTORIES | INPLACE_WRITES | OTHER_ARGUMENT_ORDER,
    "functional": set(),
    "special": set(),
}
NAMESPACES = {"function": (minigrad, torch), "method": (minigrad.Tensor, torch.Tensor),
              "functional": (minigrad.nn.functional, torch.nn.functional),
              "special": (minigrad.special, torch.special)}


def _public_callables(namespace, form):
    names = dir(namespace) if form == "method" else vars(namespace)
    out = set()
    for name in names:
        value = getattr(namespace, name, None)
        if name.startswith("_") or not callable(value):
            continue
        if isinstance(value, (type, types.ModuleType)):
            continue                       # classes (no_grad, Generator) and modules
        out.add(name)
    return out


def _declared(name, form):
    """name is a registered op's form, or the in-place spelling (X_) of a registered op X."""
    if form == "special":
        return any(name in op.special_names for op in OPS.values())
    op = OPS.get(name)
    if op is not None and form in op.forms:
        return True
    stem = OPS.get(name[:-1]) if name.endswith("_") else None
    return stem is not None and (form != "method" or "inplace" in stem.forms)


def _unregistered():
    missing = []
    for form, (namespace, _) in NAMESPACES.items():
        for name in sorted(_public_callables(namespace, form)):
            if not (_declared(name, form) or name in NOT_OPS[form]
                    or (form, name) in NOT_IN_TORCH):
                missing.append(f"{form} {name}")
    return missing


def test_every_public_op_is_registered():
    missing = _unregistered()
    assert missing == [], ("public ops outside the registry (declare them in their module, "
                           "see CONTRIBUTING.md): " + ", ".join(missing))


def test_an_op_added_without_a_declaration_is_caught(monkeypatch):
    monkeypatch.setattr(minigrad, "frobnicate", lambda input: input, raising=False)
    monkeypatch.setattr(minigrad.Tensor, "frobnicate_", lambda self: self, raising=False)
    monkeypatch.setattr(minigrad.nn.functional, "mse_loss_", lambda x: x, raising=False)
    assert _unregistered() == ["function frobnicate", "method frobnicate_"]


def test_the_lists_of_non_ops_are_current():
    for form, names in NOT_OPS.items():
        namespace, torch_namespace = NAMESPACES[form]
        for name in names:
            if name not in OTHER_ARGUMENT_ORDER:
                assert name not in OPS, f"{name} is registered: take it off the list"
            assert callable(getattr(namespace, name, None)), f"minigrad has no {form} {name}"
            assert hasattr(torch_namespace, name), f"torch has no {form} {name}"
    for form, name in NOT_IN_TORCH:
        namespace, torch_namespace = NAMESPACES[form]
        assert callable(getattr(namespace, name, None)), f"minigrad has no {form} {name}"
        assert not hasattr(torch_namespace, name), f"torch has {form} {name}: register it"


def test_every_declared_form_exists_in_both_libraries():
    """A registered op's forms are real in minigrad and in torch (no form declared by mistake)."""
    for op in {id(op): op for op in OPS.values()}.values():
        for key in (op.name, *op.aliases):
            for form in op.forms:
                name = key + "_" if form == "inplace" else key
                where = "method" if form == "inplace" else form
                for namespace in NAMESPACES[where]:
                    assert callable(getattr(namespace, name, None)), (namespace, name)


def test_methods_with_another_argument_order_match_torch():
    rng = np.random.default_rng(0)
    x, y, cond = rng.uniform(0.5, 2.0, (3, 4)), rng.standard_normal((4,)), rng.random((3, 4)) < .5
    results = []
    for lib in (minigrad, torch):
        tx = lib.from_numpy(x.copy()).requires_grad_()
        ty = lib.from_numpy(y.copy()).requires_grad_()
        out = tx.where(lib.from_numpy(cond), ty) * tx.polygamma(1)
        out.sum().backward()
        written = lib.from_numpy(x.copy()).polygamma_(2)
        results.append((out, tx.grad, ty.grad, written, type(out.grad_fn.next_functions[0][0])))
    for got, want in zip(*results):
        if isinstance(want, type):
            assert got.__name__ == want.__name__
        else:
            assert_tensor_equal(got, want)
