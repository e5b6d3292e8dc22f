"""Matrix multiplication: @, matmul in every rank combination, mm, bmm, dot, t()."""
import numpy as np

from . import backward_all, grad_fn_name, leaf, program, rng_for


@program("matmul")
def matmul_ranks(T, device):
    """matmul for 1-D/2-D/batched operands with broadcasting, and all gradients."""
    rng = rng_for("matmul.matmul_ranks")
    v = leaf(T, device, rng.standard_normal(4))
    w = leaf(T, device, rng.standard_normal(4))
    m = leaf(T, device, rng.standard_normal((3, 4)))
    n = leaf(T, device, rng.standard_normal((4, 5)))
    b = leaf(T, device, rng.standard_normal((2, 3, 4)))
    c = leaf(T, device, rng.standard_normal((1, 4, 2)))
    outs = {
        "vv": v @ w, "mv": m @ v, "vm": v @ n, "mm": m @ n, "bm": b @ n, "bb": b @ c,
        "vb": T.matmul(v, c), "mm_fn": T.mm(m, n), "dot": T.dot(v, w), "t": m.t() @ m,
        "bmm": T.bmm(b, b.transpose(1, 2)),
    }
    outs["grad_fns"] = [grad_fn_name(t) for t in outs.values()]
    outs.update(backward_all(T, device, rng, outs, {"v": v, "w": w, "m": m, "n": n, "b": b,
                                                    "c": c}))
    return outs


@program("matmul")
def matmul_dtypes(T, device):
    """Integer matmul, float32 matmul and its gradients; shape errors."""
    rng = rng_for("matmul.matmul_dtypes")
    d1 = T.tensor([[1, 2], [3, 4], [5, 6]], device=device)
    d2 = T.tensor([[5, 6], [7, 8]], device=device)
    x = leaf(T, device, rng.standard_normal((6, 8)).astype(np.float32))
    y = leaf(T, device, rng.standard_normal((8, 3)).astype(np.float32))
    outs = {"int": d1 @ d2, "int_fn": T.matmul(d1, d2), "f32": x @ y}
    outs.update(backward_all(T, device, rng, {"f32": outs["f32"]}, {"x": x, "y": y}))
    return outs


@program("matmul", skip={"torch-cuda": "error messages name the device"})
def matmul_errors(T, device):
    """Shape and dtype mismatches raise torch's error type and message."""
    from . import error_of
    a = T.ones(2, 3)
    return {
        "shape": error_of(lambda: a @ T.ones(2, 3)),
        "dtype": error_of(lambda: a @ T.ones(3, 2, dtype=T.float64)),
        "zero_d": error_of(lambda: T.matmul(T.tensor(1.0), a)),
    }
