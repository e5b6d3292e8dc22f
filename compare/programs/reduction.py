"""Reductions: sum, mean, max/min (with and without dim), argmax, prod, std/var."""
import numpy as np

from . import backward_all, grad_fn_name, leaf, program, rng_for


@program("reduction")
def sum_mean(T, device):
    """sum/mean over everything, one dim, several dims, keepdim; integer sums; gradients."""
    rng = rng_for("reduction.sum_mean")
    x = leaf(T, device, rng.standard_normal((3, 4, 5)))
    f = leaf(T, device, rng.standard_normal((4, 6)).astype(np.float32))
    i = T.tensor(rng.integers(0, 10, (2, 3)), device=device)
    outs = {
        "sum": x.sum(), "sum0": x.sum(dim=0), "sum_neg": x.sum(-1, keepdim=True),
        "sum_dims": x.sum(dim=(0, 2)), "mean": x.mean(), "mean1": x.mean(dim=1),
        "mean_keep": T.mean(f, dim=0, keepdim=True), "sum_f32": f.sum(),
        "int_sum": i.sum(), "int_sum0": i.sum(dim=0), "bool_sum": (i > 4).sum(),
        "sum_dtype": i.sum(dtype=T.float64),
    }
    outs["grad_fns"] = [grad_fn_name(v) for v in outs.values()]
    outs.update(backward_all(T, device, rng, outs, {"x": x, "f": f}))
    return outs


@program("reduction")
def max_min(T, device):
    """max/min/amax/argmax over all or one dim (values and indices), and their gradients."""
    rng = rng_for("reduction.max_min")
    x = leaf(T, device, rng.standard_normal((4, 5)))
    mx = x.max(dim=1)
    mn = T.min(x, 0, keepdim=True)
    outs = {
        "max": x.max(), "min": x.min(), "max_values": mx.values, "max_indices": mx.indices,
        "min_values": mn[0], "min_indices": mn[1], "argmax": x.argmax(), "argmin0": x.argmin(0),
        "amax": x.amax(dim=0),
    }
    outs.update(backward_all(T, device, rng, outs, {"x": x}))
    return outs


@program("reduction")
def ties(T, device):
    """Gradients at ties: max/min of all elements share it evenly; max(dim) picks one."""
    x = T.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], device=device, requires_grad=True)
    y = T.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], device=device, requires_grad=True)
    x.max().backward()
    y.amax(dim=1).sum().backward()
    return {"max_all.grad": x.grad, "amax.grad": y.grad}


@program("reduction")
def statistics(T, device):
    """prod, var, std (unbiased and not), norm-like compositions; gradients."""
    rng = rng_for("reduction.statistics")
    x = leaf(T, device, rng.uniform(0.5, 1.5, (3, 4)))
    outs = {"prod": x.prod(), "prod1": x.prod(dim=1), "var": x.var(), "std0": x.std(dim=0),
            "var_biased": x.var(dim=1, unbiased=False),
            "l2": (x ** 2).sum(dim=1).sqrt()}
    outs.update(backward_all(T, device, rng, outs, {"x": x}))
    return outs
