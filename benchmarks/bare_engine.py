"""A bare eager autograd engine: the least Python an eager, define-by-run engine does per op.

It is a measuring stick for the report's "Where the time goes", not a library: it knows only
the ops of W2's chain (``* + - /`` with a tensor or a Python number, tanh, exp, sigmoid, sqrt,
log, sum) and does what every eager engine must do, nothing more:

* each op computes its NumPy result, wraps it in a ``Tensor`` and, when an input requires grad,
  records a node: the op's backward, its inputs, the arrays backward needs;
* ``backward()`` counts each node's consumers, then runs every node once all of its consumers
  have sent their gradient, and adds each gradient into its inputs' buffers.

None of torch's rules is here: no dtype promotion, layouts, version counters (in-place changes
to saved tensors go unnoticed), hooks, views, ``retain_graph``, anomaly mode, error messages or
floating-point error state. minigrad does all of that on every op, as torch does; the
difference between the two engines on the same chain is what that parity costs in CPython.

``tests/test_benchmarks.py`` checks its gradients against torch's.
"""
import numpy as np

_grad_enabled = [True]


class no_grad:  # noqa: N801 - spelled like torch.no_grad
    def __enter__(self):
        self.prev, _grad_enabled[0] = _grad_enabled[0], False

    def __exit__(self, *exc):
        _grad_enabled[0] = self.prev


class Node:
    """One recorded op: its backward, its input tensors and what backward needs."""

    __slots__ = ("backward", "inputs", "saved")

    def __init__(self, backward, inputs, saved):
        self.backward, self.inputs, self.saved = backward, inputs, saved


class Tensor:
    __slots__ = ("data", "requires_grad", "grad", "node")

    def __init__(self, data, requires_grad=False, node=None):
        self.data, self.requires_grad, self.grad, self.node = data, requires_grad, None, node

    def requires_grad_(self):
        self.requires_grad = True
        return self

    def __mul__(self, other):
        return _binary(self, other, np.multiply, _mul_backward)

    def __add__(self, other):
        return _binary(self, other, np.add, _add_backward)

    def __sub__(self, other):
        return _binary(self, other, np.subtract, _sub_backward)

    def __truediv__(self, other):
        return _binary(self, other, np.true_divide, _div_backward)

    def tanh(self):
        return _unary(self, np.tanh, _tanh_backward)

    def exp(self):
        return _unary(self, np.exp, _exp_backward)

    def sigmoid(self):
        return _unary(self, _sigmoid, _sigmoid_backward)

    def sqrt(self):
        return _unary(self, np.sqrt, _sqrt_backward)

    def log(self):
        return _unary(self, np.log, _log_backward)

    def sum(self):
        return _unary(self, np.sum, _sum_backward)

    def backward(self):
        backward(self)


def from_numpy(array):
    return Tensor(array)


def _unary(x, fn, backward):
    out = fn(x.data)
    if not (x.requires_grad and _grad_enabled[0]):
        return Tensor(out)
    return Tensor(out, True, Node(backward, (x,), (x.data, out)))


def _binary(x, y, fn, backward):
    """x <op> y; y is a Tensor or a Python number."""
    y_tensor = type(y) is Tensor
    out = fn(x.data, y.data if y_tensor else y)
    needs = x.requires_grad or y_tensor and y.requires_grad
    if not (needs and _grad_enabled[0]):
        return Tensor(out)
    inputs = (x, y) if y_tensor else (x,)
    return Tensor(out, True, Node(backward, inputs, (x.data, y.data if y_tensor else y)))


# Each backward: (saved, grad) -> one gradient per input.
def _mul_backward(saved, g):     # d(a*b) = b da + a db
    a, b = saved
    return g * b, g * a


def _add_backward(saved, g):     # d(a+b) = da + db
    return g, g


def _sub_backward(saved, g):     # d(a-b) = da - db
    return g, -g


def _div_backward(saved, g):     # d(a/b) = da / b - a db / b²
    a, b = saved
    return g / b, -g * a / (b * b)


def _tanh_backward(saved, g):    # d tanh x = (1 - tanh² x) dx
    return (g * (1 - saved[1] * saved[1]),)


def _exp_backward(saved, g):     # d exp x = exp x dx
    return (g * saved[1],)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _sigmoid_backward(saved, g):  # d σ(x) = σ(x) (1 - σ(x)) dx
    out = saved[1]
    return (g * (out * (1 - out)),)


def _sqrt_backward(saved, g):    # d √x = dx / (2 √x)
    return (g / (2 * saved[1]),)


def _log_backward(saved, g):     # d log x = dx / x
    return (g / saved[0],)


def _sum_backward(saved, g):     # d Σx = 1 for each element
    return (np.broadcast_to(g, saved[0].shape),)


def _sum_to(g, shape):
    """Undo broadcasting: sum g over the dims that were added or stretched to reach its shape."""
    lead = g.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    return np.sum(g, axis=tuple(range(lead)) + stretched, keepdims=False).reshape(shape)


def backward(root):
    """Gradients of root (a one-element tensor) with respect to every leaf that requires grad."""
    consumers = {}  # node -> how many gradients it will receive
    stack = [root.node]
    consumers[root.node] = 0
    while stack:
        for t in stack.pop().inputs:
            n = t.node
            if n is not None:
                if n not in consumers:
                    stack.append(n)  # first seen: its own inputs are counted next
                consumers[n] = consumers.get(n, 0) + 1
    grads = {root.node: np.ones_like(root.data)}
    ready = [root.node]
    while ready:
        node = ready.pop()
        for t, g in zip(node.inputs, node.backward(node.saved, grads.pop(node))):
            if not t.requires_grad:
                continue
            if g.shape != t.data.shape:
                g = _sum_to(g, t.data.shape)
            n = t.node
            if n is None:  # a leaf
                t.grad = g.copy() if t.grad is None else t.grad + g
                continue
            grads[n] = g if n not in grads else grads[n] + g
            consumers[n] -= 1
            if consumers[n] == 0:
                ready.append(n)
