"""Indexing: integers, slices, lists, boolean masks, multi-dim; reads, writes and gradients."""
from . import backward_all, grad_fn_name, leaf, program, rng_for


@program("indexing")
def read(T, device):
    """The common index forms (on fixed data), every one with its gradient."""
    rng = rng_for("indexing.read")
    data = leaf(T, device, rng.integers(0, 10, (4, 5)).astype(float))
    cube = leaf(T, device, rng.standard_normal((3, 4, 5)))
    outs = {
        "row": data[0], "col": data[:, 0], "pairs": data[[0, 1], [1, 2]],
        "block": data[[[0], [1]], [1, 2]], "first3": data[:3, :2], "from2": data[2:, :2],
        "mask_rows": data[data[:, 2] > 5], "mask_cols": data[:, data[1] > 5],
        "step": data[::2, 1::2], "neg": data[-1, -2], "ellipsis": cube[..., 0],
        "none": cube[None, 0, :, 1], "c0": cube[0, :, :], "c1": cube[:, 0, :],
        "tensor_idx": cube[T.tensor([2, 0, 2], device=device)],
        "mask3d": cube[cube > 1.0],
    }
    outs["grad_fns"] = [grad_fn_name(v) for v in outs.values()]
    outs.update(backward_all(T, device, rng, outs, {"data": data, "cube": cube}))
    return outs


@program("indexing")
def write(T, device):
    """__setitem__ with scalars, tensors, masks and lists; gradients through the writes."""
    rng = rng_for("indexing.write")
    a = leaf(T, device, rng.standard_normal((4, 3)))
    v = leaf(T, device, rng.standard_normal(3))
    y = a * 1.0
    y[0] = v
    y[1, 2] = 7.0
    y[y < -0.5] = 0.0
    y[[2, 3], 0] = v[:2] * 2
    ints = T.zeros(2, 3, dtype=T.int64, device=device)
    ints[1] = 5
    ints[:, 0] = T.tensor([1, 2], device=device)
    outs = {"y": y, "ints": ints, "grad_fn": grad_fn_name(y)}
    outs.update(backward_all(T, device, rng, {"y": y}, {"a": a, "v": v}))
    return outs
