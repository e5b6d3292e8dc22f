"""Joining and splitting: cat, stack, split, chunk; values and gradients."""
import numpy as np

from . import backward_all, grad_fn_name, leaf, program, rng_for


@program("join")
def cat_stack(T, device):
    """cat and stack along every dim, with gradients."""
    rng = rng_for("join.cat_stack")
    a = leaf(T, device, rng.standard_normal((1, 2, 3)))
    b = leaf(T, device, rng.standard_normal((1, 2, 3)))
    c = leaf(T, device, rng.standard_normal((2, 2, 3)))
    outs = {}
    for d in range(3):
        outs[f"cat{d}"] = T.cat([a, b], dim=d)
        outs[f"stack{d}"] = T.stack([a, b], dim=d)
    outs["cat_uneven"] = T.cat((a, c))
    outs["stack_neg"] = T.stack([a, b, a], dim=-1)
    outs["concat"] = T.concat([a, b], dim=2)
    outs["grad_fns"] = [grad_fn_name(v) for v in outs.values()]
    outs.update(backward_all(T, device, rng, outs, {"a": a, "b": b, "c": c}))
    return outs


@program("join")
def cat_promotion(T, device):
    """cat of int and float tensors promotes; int cat stays int."""
    i = T.tensor(np.arange(6).reshape(2, 3), device=device)
    f = T.ones(1, 3, device=device)
    return {"int": T.cat([i, i]), "mixed": T.cat([i, f]), "stack_int": T.stack([i, i], 1)}


@program("join")
def split_chunk(T, device):
    """split by size and by sections, chunk; gradients flow back to the whole."""
    rng = rng_for("join.split_chunk")
    x = leaf(T, device, rng.standard_normal((7, 4)))
    outs = {"split2": x.split(2), "split_list": T.split(x, [1, 2, 1], dim=1),
            "chunk3": x.chunk(3), "unbind": x[:2].unbind(1)}
    flat = {f"{k}{i}": t for k, v in outs.items() for i, t in enumerate(v)}
    outs.update(backward_all(T, device, rng, flat, {"x": x}))
    return outs
