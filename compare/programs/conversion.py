"""dtype conversion, NumPy interop (shared memory) and scalar extraction."""
import numpy as np

from . import backward_all, grad_fn_name, leaf, program, rng_for


@program("conversion")
def dtype_methods(T, device):
    """.type(...), .double()/.float()/.half()/.int()/.long()/.short()/.bool(), .to(dtype)."""
    x = T.tensor([[1.7, -2.2, 0.0], [3.5, 10.0, -0.5]], device=device)
    return {
        "type_double": x.type(T.float64),
        "double": x.double(),
        "half": x.half(),
        "int": x.int(),
        "long": x.long(),
        "short": x.short(),
        "bool": x.bool(),
        "to_float64": x.to(T.float64),
        "long_to_float": x.long().float(),
        "dtype_names": [str(d) for d in (x.dtype, x.int().dtype, x.double().dtype)],
    }


@program("conversion", skip={"torch-cuda": "numpy() needs a CPU tensor"})
def numpy_interop(T, device):
    """numpy() and from_numpy share memory; torch.tensor copies; item() and tolist()."""
    t = T.tensor([2, 3, 4])
    a = t.numpy()
    a[0] = 100
    n = np.array([2.0, 3.0, 4.0])
    f = T.from_numpy(n)
    f[0] = 100
    c = T.tensor(n)
    n[1] = -1
    return {
        "tensor_after_numpy_write": t,
        "from_numpy_after_tensor_write": n.copy(),
        "from_numpy_sees_numpy_write": f,
        "tensor_copy_unchanged": c,
        "item_int": T.tensor([30]).item(),
        "item_float": T.tensor(2.5).item(),
        "tolist": T.tensor([[1, 2], [3, 4]]).tolist(),
        "numpy_dtype": str(T.tensor([1.0]).numpy().dtype),
        "type_str": T.tensor([1.0]).type(),
    }


@program("conversion")
def conversion_grads(T, device):
    """Gradients flow through dtype conversions (ToCopyBackward0) back in the leaf's dtype."""
    rng = rng_for("conversion.conversion_grads")
    x = leaf(T, device, rng.standard_normal((3, 2)).astype(np.float32))
    y = x.double() * 3
    z = y.float().exp()
    out = {"y": y, "z": z, "grad_fn": grad_fn_name(z)}
    out.update(backward_all(T, device, rng, {"z": z}, {"x": x}))
    return out
