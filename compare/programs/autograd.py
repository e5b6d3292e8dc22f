"""Autograd: leaves and grads, accumulation, retain_grad, no_grad/detach, autograd.grad,
higher-order derivatives, hooks, version-counter errors, gradient descent by hand."""
import numpy as np

from . import CPU_ONLY_ERRORS, error_of, grad_fn_name, leaf, program, rng_for


@program("autograd")
def seed_scalar_vector(T, device):
    """y = 2*x**2: grad_fn names, x.grad = 4x."""
    x = T.tensor(10, requires_grad=True, dtype=T.float32, device=device)
    y = 2 * x ** 2
    y.sum().backward()
    v = T.tensor([10, 20], requires_grad=True, dtype=T.float32, device=device)
    w = 2 * v ** 2
    w.sum().backward()
    return {"y": y, "y_grad_fn": grad_fn_name(y), "x.grad": x.grad, "w": w, "v.grad": v.grad,
            "is_leaf": [x.is_leaf, y.is_leaf], "requires_grad": [x.requires_grad, y.requires_grad]}


@program("autograd")
def accumulation(T, device):
    """Gradients accumulate over backward calls; retain_graph; retain_grad on a non-leaf."""
    rng = rng_for("autograd.accumulation")
    x = leaf(T, device, rng.standard_normal(4))
    h = x.exp()
    h.retain_grad()
    y = (h * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()
    z = (x * 3).sum()
    z.backward()
    return {"first": first, "x.grad": x.grad, "h.grad": h.grad}


@program("autograd")
def no_grad_detach(T, device):
    """no_grad records nothing, detach shares data without history, .data assignment."""
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    with T.no_grad():
        y = x * 2
    d = x.detach()
    d2 = (x * x).detach()
    x2 = T.tensor([10.0], requires_grad=True, device=device)
    for _ in range(3):
        loss = (x2 ** 2 + 20).sum()
        if x2.grad is not None:
            x2.grad.zero_()
        loss.backward()
        x2.data = x2.data - 0.01 * x2.grad
    return {"y": y, "y.requires_grad": y.requires_grad, "d.requires_grad": d.requires_grad,
            "d2": d2, "d2.grad_fn": grad_fn_name(d2), "x2": x2, "x2.grad": x2.grad,
            "grad_enabled": T.is_grad_enabled()}


@program("autograd")
def functional_grad(T, device):
    """torch.autograd.grad with grad_outputs, allow_unused, and leaves' .grad untouched."""
    rng = rng_for("autograd.functional_grad")
    a = leaf(T, device, rng.standard_normal((2, 3)))
    b = leaf(T, device, rng.standard_normal((2, 3)))
    c = leaf(T, device, rng.standard_normal(1))
    y = a.sin() * b
    g = T.tensor(rng.standard_normal((2, 3)), device=device)
    ga, gb, gc = T.autograd.grad(y, (a, b, c), grad_outputs=g, allow_unused=True)
    return {"ga": ga, "gb": gb, "gc": gc, "a.grad": a.grad}


@program("autograd")
def higher_order(T, device):
    """create_graph=True: second and third derivatives, and a Hessian-vector product."""
    rng = rng_for("autograd.higher_order")
    x = leaf(T, device, rng.uniform(0.5, 2.0, 5))
    y = (x ** 3 + x.sin() * x.exp()).sum()
    (g1,) = T.autograd.grad(y, x, create_graph=True)
    (g2,) = T.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = T.autograd.grad(g2.sum(), x)
    w = leaf(T, device, rng.standard_normal((3, 3)))
    v = T.tensor(rng.standard_normal((3, 3)), device=device)
    f = (w.tanh() @ w).sum()
    (gw,) = T.autograd.grad(f, w, create_graph=True)
    (hvp,) = T.autograd.grad((gw * v).sum(), w)
    z = leaf(T, device, rng.standard_normal(3))
    q = (z * z * z).sum()
    (gz,) = T.autograd.grad(q, z, create_graph=True)
    gz.sum().backward()
    return {"g1": g1, "g2": g2, "g3": g3, "g1_grad_fn": grad_fn_name(g1), "hvp": hvp,
            "z.grad": z.grad}


@program("autograd")
def hooks(T, device):
    """register_hook on a leaf and on a non-leaf can rescale the gradient."""
    x = T.tensor([1.0, -2.0, 3.0], requires_grad=True, device=device)
    seen = []
    x.register_hook(lambda g: seen.append(g.clone()))
    h = x * x
    h.register_hook(lambda g: g * 10)
    h.sum().backward()
    return {"x.grad": x.grad, "seen": seen}


@program("autograd", skip=CPU_ONLY_ERRORS)
def errors(T, device):
    """torch's autograd errors: in-place on a saved tensor, on a leaf, non-scalar backward."""
    def modified_saved():
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = a.exp()
        b.add_(1)
        b.sum().backward()

    def inplace_leaf():
        a = T.tensor([1.0, 2.0], requires_grad=True)
        a.add_(1)

    def non_scalar():
        (T.tensor([1.0, 2.0], requires_grad=True) * 2).backward()

    def twice():
        a = T.tensor([1.0, 2.0], requires_grad=True)
        y = (a * a).sum()
        y.backward()
        y.backward()

    def numpy_requires_grad():
        T.tensor([1.0], requires_grad=True).numpy()

    def int_requires_grad():
        T.tensor([1, 2], requires_grad=True)

    return {name: error_of(fn) for name, fn in [
        ("modified_saved", modified_saved), ("inplace_leaf", inplace_leaf),
        ("non_scalar", non_scalar), ("twice", twice),
        ("numpy_requires_grad", numpy_requires_grad), ("int_requires_grad", int_requires_grad)]}


@program("autograd")
def gradient_descent(T, device):
    """Minimise x**2 + 20 by x.data -= 0.01 * x.grad (200 float32 steps)."""
    x = T.tensor(10, requires_grad=True, dtype=T.float32, device=device)
    ys, xs = [], []
    for _ in range(200):
        y = x ** 2 + 20
        if x.grad is not None:
            x.grad.zero_()
        y.sum().backward()
        x.data = x.data - 0.01 * x.grad
        xs.append(x.item())
        ys.append(float(y))
    return {"x": x, "x.grad": x.grad, "xs": np.array(xs, dtype=np.float32), "ys": ys}
