"""minigrad in one file: reverse-mode autograd in plain NumPy, small enough to read in one sitting.

**The chain rule.** If the loss L depends on x only through y = f(x), then dL/dx = dL/dy · dy/dx.
Backward never builds the Jacobian dy/dx. Each op receives ``grad`` = dL/dy (shaped like its
output) and returns ``grad_x`` = dL/dx (shaped like its input): the *vector-Jacobian product*
grad · ∂y/∂x. For ``y = a * b`` that is ``grad_a = grad * b``. Walking the graph from the loss to
the leaves and applying each op's vector-Jacobian product once is reverse-mode autodiff.

Read it top to bottom. Each section names the production file and function doing the same job
and says in one line ("torch-exact:") what matching torch bit for bit adds there. This engine
knows float64 only and a dozen ops; it records nothing it does not need.

    python -m minigrad.tiny     # self-check: its gradients equal minigrad's and finite differences
"""
import numpy as np


# ---- 1. Tensor: a value, its gradient, and the node that made it ---------------------------------
# production: minigrad/_tensor.py, class Tensor (properties grad, grad_fn, _version).
# torch-exact: dtypes and their promotion, strides and views, devices, printing, hooks.
class Tensor:
    def __init__(self, data, requires_grad=False):
        self.data = np.asarray(data, dtype=np.float64)
        self.requires_grad = requires_grad
        self.grad = None     # dL/dself after backward(), summed over backward calls
        self.grad_fn = None  # the Node that computed this tensor; None for a leaf (made by hand)
        self.version = 0     # counts in-place changes (section 7)

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        node = f", grad_fn=<{self.grad_fn.name}>" if self.grad_fn else ""
        return f"tensor({self.data}{node})"

    def __add__(self, other):
        return add(self, other)

    def __mul__(self, other):
        return mul(self, other)

    def __sub__(self, other):
        return add(self, mul(other, -1.0))

    def __truediv__(self, other):
        return mul(self, power(as_tensor(other), -1.0))

    def __neg__(self):
        return mul(self, -1.0)

    def __pow__(self, p):
        return power(self, p)

    def __matmul__(self, other):
        return matmul(self, other)

    __radd__, __rmul__ = __add__, __mul__

    def exp(self):
        return exp(self)

    def log(self):
        return log(self)

    def tanh(self):
        return tanh(self)

    def relu(self):
        return relu(self)

    def sum(self):
        return sum_all(self)

    def mean(self):
        return sum_all(self) * (1.0 / self.data.size)

    def add_(self, other):  # in place: the same tensor holds a new value
        self.data += as_tensor(other).data
        self.version += 1
        return self

    def backward(self):
        backward(self)


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


# ---- 2. Recording: each op that needs a gradient leaves a Node behind ----------------------------
# production: minigrad/autograd/function.py, Function.apply and save_for_backward.
# torch-exact: grad_fn names, the order saved tensors are checked in, ndarray fast paths, hooks.
grad_enabled = [True]


class no_grad:  # noqa: N801 - spelled like torch.no_grad
    def __enter__(self):
        self.before, grad_enabled[0] = grad_enabled[0], False

    def __exit__(self, *exc):
        grad_enabled[0] = self.before


class Node:
    """One recorded op: its vector-Jacobian product, its inputs, the tensors that product needs,
    and their versions when they were saved (section 7)."""

    def __init__(self, name, vjp, inputs, saved):
        self.name, self.vjp, self.inputs, self.saved = name, vjp, inputs, saved
        self.saved_versions = [t.version for t in saved]

    def saved_data(self):
        for t, version in zip(self.saved, self.saved_versions):
            if t.version != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: is at version {t.version}; expected version {version}")
        return [t.data for t in self.saved]


def record(name, out, inputs, saved, vjp):
    """Wrap the result ``out``; if an input requires grad, remember how to differentiate it."""
    result = Tensor(out)
    if grad_enabled[0] and any(t.requires_grad for t in inputs):
        result.requires_grad = True
        result.grad_fn = Node(name, vjp, inputs, saved)
    return result


# ---- 3. Ops: the forward value, then the chain rule for each input ----------------------------
# production: minigrad/ops/arithmetic.py (MulBackward0...), unary.py, reduction.py, linalg.py.
# torch-exact: type promotion, result layouts, fused multiply-add rounding, error messages.
def add(a, b):
    a, b = as_tensor(a), as_tensor(b)
    # out = a + b:   grad_a = grad,   grad_b = grad
    return record("AddBackward0", a.data + b.data, (a, b), (), lambda grad: (grad, grad))


def mul(a, b):
    a, b = as_tensor(a), as_tensor(b)

    def vjp(grad, a, b):  # out = a * b:   grad_a = grad * b,   grad_b = grad * a
        return grad * b, grad * a
    return record("MulBackward0", a.data * b.data, (a, b), (a, b), vjp)


def power(x, p):
    def vjp(grad, x):  # out = x ** p (p a number):   grad_x = grad * p * x ** (p - 1)
        return (grad * p * x ** (p - 1),)
    return record("PowBackward0", x.data ** p, (x,), (x,), vjp)


def exp(x):
    out = np.exp(x.data)
    # out = exp(x):   grad_x = grad * out   (exp is its own derivative)
    return record("ExpBackward0", out, (x,), (), lambda grad: (grad * out,))


def log(x):
    def vjp(grad, x):  # out = log(x):   grad_x = grad / x
        return (grad / x,)
    return record("LogBackward0", np.log(x.data), (x,), (x,), vjp)


def tanh(x):
    out = np.tanh(x.data)
    # out = tanh(x):   grad_x = grad * (1 - out²)
    return record("TanhBackward0", out, (x,), (), lambda grad: (grad * (1 - out * out),))


def relu(x):
    def vjp(grad, x):  # out = max(x, 0):   grad_x = grad where x > 0, else 0
        return (grad * (x > 0),)
    return record("ReluBackward0", np.maximum(x.data, 0), (x,), (x,), vjp)


def sum_all(x):
    # out = Σ x:   grad_x = grad copied to every element (∂out/∂x_i = 1)
    return record("SumBackward0", x.data.sum(), (x,), (),
                  lambda grad: (np.broadcast_to(grad, x.shape),))


def matmul(a, b):
    def vjp(grad, a, b):  # out = a @ b:   grad_a = grad @ bᵀ,   grad_b = aᵀ @ grad
        return grad @ b.T, a.T @ grad
    return record("MmBackward0", a.data @ b.data, (a, b), (a, b), vjp)


# ---- 4. Undoing broadcasting: a gradient is summed back to its input's shape ---------------------
# production: minigrad/autograd/engine.py, _reduce_to; minigrad/ops/broadcast.py, sum_to_size.
# torch-exact: the sum's dtype, and SumBackward1 / ViewBackward0 nodes when the sum is recorded.
def sum_to_shape(grad, shape):
    """``x + b`` with b of shape (3,) and x of shape (2, 3) used each b_j twice, so b's gradient
    adds the two: sum over the dims broadcasting added in front, and over dims stretched from 1."""
    lead = grad.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)


# ---- 5. The walk: each node runs once, after every node that feeds it a gradient -----------------
# production: minigrad/autograd/engine.py, _dependencies and _run_ready (called by run_backward).
# torch-exact: retain_graph (freeing saved tensors), create_graph, hooks, anomaly mode.
def backward(root):
    """Fill ``.grad`` of every leaf that requires grad with dL/dleaf, L = root (one element)."""
    dependencies = {root.grad_fn: 0}  # node -> how many consumers will send it a gradient
    stack = [root.grad_fn]
    while stack:
        for t in stack.pop().inputs:
            if t.grad_fn is not None:
                if t.grad_fn not in dependencies:
                    dependencies[t.grad_fn] = 0
                    stack.append(t.grad_fn)
                dependencies[t.grad_fn] += 1
    pending = {root.grad_fn: np.ones_like(root.data)}  # dL/dL = 1
    ready = [root.grad_fn]
    while ready:  # a node is ready once all its consumers have added their gradient
        node = ready.pop()
        grads = node.vjp(pending.pop(node), *node.saved_data())
        for t, grad in zip(node.inputs, grads):
            if not t.requires_grad:
                continue
            grad = sum_to_shape(grad, t.shape)
            if t.grad_fn is None:
                accumulate(t, grad)
                continue
            n = t.grad_fn
            pending[n] = pending[n] + grad if n in pending else grad
            dependencies[n] -= 1
            if dependencies[n] == 0:
                ready.append(n)


# ---- 6. Accumulation: a leaf's gradients add up, in one backward and across calls ----------------
# production: minigrad/autograd/function.py, AccumulateGrad; engine.py, _Walk._accumulate.
# torch-exact: .grad's memory layout follows the parameter's, and gradient hooks run first.
def accumulate(leaf, grad):
    """``.grad += grad``: a leaf used twice gets both gradients, and a second ``backward()`` adds
    to the first. An optimizer therefore clears ``.grad`` before each step (``zero_grad``)."""
    leaf.grad = grad.copy() if leaf.grad is None else leaf.grad + grad


def zero_grad(params):
    for p in params:
        p.grad = None  # as torch's default (set_to_none=True)


# ---- 7. Version counter: a saved tensor changed in place would give a wrong gradient -------------
# production: minigrad/_tensor.py, Tensor._bump_version; autograd/function.py, saved_tensors.
# torch-exact: views share their base's counter, and the error names the op and the tensor.
# ``Tensor.add_`` bumps ``version``; ``Node.saved_data`` compares it with the version at save
# time and raises instead of differentiating with a value the forward pass never saw.


# ---- self-check --------------------------------------------------------------------------------
def _example(x, w, b):
    """A layer with broadcasting, a nonlinearity and a reused input (tiny's or minigrad's)."""
    h = (x @ w + b).tanh()
    return (h * h + (h.relu() + 1).log() - x.exp() / 3 + (x ** 2.0) * 0.5).mean()


def _finite_difference(f, arrays, i, eps=1e-6):
    grad = np.zeros_like(arrays[i])
    for k in np.ndindex(arrays[i].shape):
        shifted = [a.copy() for a in arrays]
        shifted[i][k] += eps
        up = f(*shifted)
        shifted[i][k] -= 2 * eps
        grad[k] = (up - f(*shifted)) / (2 * eps)
    return grad


def self_check():
    """Gradients of ``_example`` equal minigrad's and a finite-difference estimate."""
    import minigrad
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((4, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)]
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    _example(*leaves).backward()
    theirs = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    _example(*theirs).backward()
    value = lambda *a: _example(*map(Tensor, a)).data.item()  # noqa: E731
    for i, (mine, ref) in enumerate(zip(leaves, theirs)):
        np.testing.assert_allclose(mine.grad, ref.grad.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(mine.grad, _finite_difference(value, arrays, i), atol=1e-7)
    return [t.grad for t in leaves]


if __name__ == "__main__":
    for name, grad in zip("xwb", self_check()):
        print(f"d loss / d {name}: shape {grad.shape}, equal to minigrad's and finite differences")
    print("tiny: ok")
