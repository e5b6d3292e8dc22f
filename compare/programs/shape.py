"""Shape operations: reshape, view, transpose, permute, squeeze/unsqueeze, expand, flatten."""
from . import backward_all, grad_fn_name, leaf, program, rng_for


@program("shape")
def views(T, device):
    """Each shape op's values, shape, contiguity and gradient."""
    rng = rng_for("shape.views")
    x = leaf(T, device, rng.standard_normal((2, 3, 4)))
    u = leaf(T, device, rng.standard_normal((3, 1)))
    outs = {
        "reshape": x.reshape(6, 4), "reshape_neg": x.reshape(-1), "view": x.view(4, 6),
        "transpose": T.transpose(x, 1, 2), "permute": x.permute(2, 0, 1),
        "permute_fn": T.permute(x, [1, 2, 0]), "unsqueeze0": u.unsqueeze(0),
        "unsqueeze_neg": u.unsqueeze(dim=-1), "squeeze": u.squeeze(), "squeeze1": u.squeeze(1),
        "expand": u.expand(3, 5), "flatten": x.flatten(), "flatten1": x.flatten(1),
        "t": u.t(), "T": u.T, "contiguous_view": x.transpose(0, 1).contiguous().view(3, 8),
    }
    outs["contiguous"] = [v.is_contiguous() for v in outs.values()]
    outs["shapes"] = [tuple(v.shape) for v in outs.values() if hasattr(v, "shape")]
    outs["grad_fns"] = [grad_fn_name(v) for v in outs.values() if hasattr(v, "grad_fn")]
    outs.update(backward_all(T, device, rng, outs, {"x": x, "u": u}))
    return outs


@program("shape")
def shared_memory(T, device):
    """Views share storage: a write through one is seen through the other."""
    base = T.arange(12, device=device).reshape(3, 4)
    v = base.view(4, 3)
    t = base.t()
    v[0, 0] = 100
    t[1, 2] = -5
    s = base[1]
    s.mul_(2)
    return {"base": base, "v": v, "t": t, "size": tuple(base.size()), "dim": base.size(1),
            "strides": [list(base.stride()), list(t.stride())]}


@program("shape", skip={"torch-cuda": "error messages name the device"})
def shape_errors(T, device):
    """view on a non-contiguous tensor and a bad reshape raise torch's errors."""
    from . import error_of
    x = T.ones(2, 3)
    return {"view_noncontig": error_of(lambda: x.t().view(6)),
            "reshape_bad": error_of(lambda: x.reshape(4, 2)),
            "squeeze_dim_oob": error_of(lambda: x.squeeze(3))}
