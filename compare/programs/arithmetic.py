"""Arithmetic: operators, type promotion, unary math, in-place ops; values and gradients."""
import numpy as np

from . import backward_all, grad_fn_name, leaf, program, rng_for


@program("arithmetic")
def binary_broadcast(T, device):
    """+ - * / ** between broadcasting float tensors, with every gradient."""
    rng = rng_for("arithmetic.binary_broadcast")
    a = leaf(T, device, rng.standard_normal((3, 4)))
    b = leaf(T, device, rng.standard_normal((4,)))
    c = leaf(T, device, rng.uniform(0.5, 2.0, (3, 1)))
    outs = {
        "add": a + b, "sub": a - c, "mul": a * b, "div": a / c,
        "pow_scalar": a ** 2, "pow_tensor": c ** b, "rpow": 2 ** b,
        "radd": 1.5 + a, "rsub": 1 - b, "rdiv": 3 / c, "neg": -a,
        "add_alpha": T.add(a, b, alpha=2), "sub_method": a.sub(b), "mul_fn": T.mul(b, c),
        "div_floor": T.div(a, c, rounding_mode="floor"),
    }
    outs["grad_fns"] = [grad_fn_name(v) for v in outs.values()]
    outs.update(backward_all(T, device, rng, outs, {"a": a, "b": b, "c": c}))
    return outs


@program("arithmetic")
def promotion(T, device):
    """Result dtypes: int/float/bool tensors, 0-d tensors, Python and NumPy scalars."""
    i64 = T.tensor([1, 2, 3], device=device)
    i32 = T.tensor([1, 2, 3], dtype=T.int32, device=device)
    f32 = T.tensor([0.5, 1.5, -2.0], device=device)
    f64 = T.tensor([0.25, 1.0, 4.0], dtype=T.float64, device=device)
    b = T.tensor([True, False, True], device=device)
    zero_d64 = T.tensor(2.0, dtype=T.float64, device=device)
    cases = {
        "i64+i32": i64 + i32, "i64*2": i64 * 2, "i64*2.5": i64 * 2.5, "i64/i64": i64 / i64,
        "i64//2": i64 // 2, "i64%2": i64 % 2, "i32+f32": i32 + f32, "f32+f64": f32 + f64,
        "f32*0d_f64": f32 * zero_d64, "i64*0d_f64": i64 * zero_d64, "b+b": b + b,
        "b*i32": b * i32, "b+1.5": b + 1.5, "f32*np_f64": f32 * np.float64(3.0),
        "i64*np_f64_0d": i64 * np.array(3.0), "i64**2": i64 ** 2, "f32**i64": f32 ** i64,
        "i32+True": i32 + True, "cmp": f32 > i64, "eq": i64 == i32, "where": T.where(b, f32, i64),
    }
    cases["dtypes"] = [str(v.dtype) for v in list(cases.values())]
    return cases


@program("arithmetic")
def unary_math(T, device):
    """exp log log2 log10 sqrt abs sin cos tanh sigmoid relu clamp: values and gradients."""
    rng = rng_for("arithmetic.unary_math")
    x = leaf(T, device, rng.uniform(0.1, 3.0, (2, 5)))
    y = leaf(T, device, rng.standard_normal((2, 5)).astype(np.float32))
    outs = {
        "exp": x.exp(), "log": x.log(), "log2": T.log2(x), "log10": x.log10(), "sqrt": x.sqrt(),
        "abs": y.abs(), "sin": y.sin(), "cos": T.cos(y), "tanh": y.tanh(),
        "sigmoid": T.sigmoid(y), "relu": T.relu(y), "clamp": y.clamp(-0.5, 0.5),
        "clamp_min": y.clamp(min=0.1), "square": x.square(), "rsqrt": x.rsqrt(),
        "pow_half": x.pow(0.5), "reciprocal": x.reciprocal(), "maximum": T.maximum(x, x * 0.5),
    }
    outs["grad_fns"] = [grad_fn_name(v) for v in outs.values()]
    outs.update(backward_all(T, device, rng, outs, {"x": x, "y": y}))
    return outs


@program("arithmetic")
def integer_ops(T, device):
    """Integer arithmetic stays integer (except true division)."""
    data = T.tensor([[1, 2], [3, 4]], device=device)
    other = T.tensor([[5, 6], [7, 8]], device=device)
    d = data.clone()
    d.add_(10)
    return {
        "mul": T.mul(data, other), "star": data * other, "add": data.add(10), "add_": d,
        "sub": d.sub(100), "mul100": d.mul(100), "div100": d.div(100), "neg": d.neg(),
        "floordiv_neg": T.tensor([-7, 7], device=device) // 2,
        "remainder_neg": T.tensor([-7, 7], device=device) % 3,
    }


@program("arithmetic")
def inplace_non_leaf(T, device):
    """In-place ops on intermediate tensors keep gradients right (and bump versions)."""
    rng = rng_for("arithmetic.inplace_non_leaf")
    a = leaf(T, device, rng.standard_normal((3, 3)))
    b = leaf(T, device, rng.standard_normal((3,)))
    y = a * 2
    y.add_(b)
    y.mul_(b)
    y.sub_(1.5)
    y.div_(2)
    z = a.sigmoid() * 1
    z.clamp_(0.3, 0.7)
    outs = {"y": y, "z": z, "y_grad_fn": grad_fn_name(y), "z_grad_fn": grad_fn_name(z)}
    outs.update(backward_all(T, device, rng, outs, {"a": a, "b": b}))
    return outs
