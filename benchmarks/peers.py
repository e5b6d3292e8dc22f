"""The peer libraries' versions of the workloads, and torch's reference to check them against.

Each builder ``build(size)`` sets one workload up (not timed) and returns ``(step, result)``:
``step()`` is the timed call, ``result()`` (called after steps) returns what the steps
computed as a flat float64 array: the gradient of the input for W2 and W5, the weights after
SGD for W3 (every library starts from the same weights and data). The parent process
runs every peer's ``result()`` and torch's in a separate check process and refuses the column
when they disagree beyond float32 tolerance, so every column computes the same thing.

micrograd has only ``+ - * / **`` and ``relu``: W2's ``tanh``, ``exp`` and ``log`` are added
below in micrograd's own style (a closure that sets the children's gradients), ``sigmoid`` is
``1 / (1 + exp(-y))`` and ``sqrt`` is ``y ** 0.5``; its Values are scalars, so the chain runs
once per element of the (16, 1) input.
"""
import numpy as np

from . import floor
from .workloads import elementwise_chain

# ---- torch eager and torch.compile (the reference is torch eager) -----------------------------


def _torch_chain(size, compiled=False):
    import torch
    x0, w0 = floor.chain_inputs(size["shape"])
    x, w = torch.from_numpy(x0).requires_grad_(), torch.from_numpy(w0)
    forward = torch.compile(elementwise_chain) if compiled else elementwise_chain

    def step():
        x.grad = None
        forward(x, w).sum().backward()
    return step, lambda: x.grad.double().numpy().ravel()


def _expression(x, log, exp, sqrt):
    """W5's expression written with the library's functions (MyGrad has no Tensor.log)."""
    return (log(x * x + 1) * sqrt(exp(x))).sum()


def _method_expression(x):
    return ((x * x + 1).log() * x.exp().sqrt()).sum()


def _torch_expression(size, compiled=False):
    import torch
    x = torch.from_numpy(floor.expression_input(size["n"])).requires_grad_()
    forward = torch.compile(_method_expression) if compiled else _method_expression

    def step():
        x.grad = None
        forward(x).backward()
    return step, lambda: x.grad.double().numpy().ravel()


# ---- W3: the MLP step, every library starting from the same weights --------------------------
def mlp_start(size):
    """Data and the initial (W1, b1, W2, b2) of W3, as NumPy arrays shared by every peer."""
    n_in, n_hidden, n_out = size["layers"]
    x, y = floor.mlp_data(n_in, n_out, size["batch"])
    rng = np.random.default_rng(1)
    return x, y, floor._linear_init(rng, n_in, n_hidden) + floor._linear_init(rng, n_hidden, n_out)


def _torch_mlp(size, compiled=False):
    import torch
    x0, y0, params = mlp_start(size)
    n_in, n_hidden, n_out = size["layers"]
    model = torch.nn.Sequential(torch.nn.Linear(n_in, n_hidden), torch.nn.ReLU(),
                                torch.nn.Linear(n_hidden, n_out))
    with torch.no_grad():
        for p, v in zip(model.parameters(), params):
            p.copy_(torch.from_numpy(v))
    forward = torch.compile(model) if compiled else model
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.from_numpy(x0), torch.from_numpy(y0)

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(forward(x), y).backward()
        optimizer.step()
    return step, lambda: np.concatenate([p.detach().double().numpy().ravel()
                                         for p in model.parameters()])


def _tinygrad_mlp(size, jit=False):
    from tinygrad import Tensor, TinyJit
    x0, y0, params = mlp_start(size)
    w1, b1, w2, b2 = [Tensor(v).realize() for v in params]
    x, y = Tensor(x0).realize(), Tensor(y0.astype(np.int32)).realize()

    def run():
        loss = (x.linear(w1.T, b1).relu().linear(w2.T, b2)).sparse_categorical_crossentropy(y)
        grads = loss.gradient(w1, b1, w2, b2)
        for p, g in zip((w1, b1, w2, b2), grads):
            p.assign(p - 0.01 * g)          # SGD: p <- p - lr * dloss/dp
        return Tensor.realize(w1, b1, w2, b2)
    fn = TinyJit(run) if jit else run
    return fn, lambda: np.concatenate([p.numpy().astype(np.float64).ravel()
                                       for p in (w1, b1, w2, b2)])


def _mygrad_mlp(size):
    import mygrad as mg
    from mygrad.nnet.activations import relu
    from mygrad.nnet.losses import softmax_crossentropy
    x0, y0, params = mlp_start(size)
    w1, b1, w2, b2 = [mg.tensor(v) for v in params]
    x = mg.tensor(x0, constant=True)

    def step():
        z = mg.matmul(relu(mg.matmul(x, w1.T) + b1), w2.T) + b2
        softmax_crossentropy(z, y0).backward()
        for p in (w1, b1, w2, b2):
            p.data -= 0.01 * p.grad        # SGD: p <- p - lr * dloss/dp
    return step, lambda: np.concatenate([np.asarray(p.data, np.float64).ravel()
                                         for p in (w1, b1, w2, b2)])


# ---- tinygrad (lazy: a step ends when the gradient is realized) -------------------------
def _tinygrad(make_forward, inputs, jit):
    from tinygrad import Tensor, TinyJit
    x0, rest = inputs[0], inputs[1:]
    x = Tensor(x0).realize()      # tinygrad differentiates any float tensor; no requires_grad
    others = [Tensor(a).realize() for a in rest]

    def run():
        return make_forward(x, *others).gradient(x)[0].realize()   # d loss / d x only
    fn = TinyJit(run) if jit else run
    last = {}

    def step():
        last["grad"] = fn()
    return step, lambda: last["grad"].numpy().astype(np.float64).ravel()


def _tinygrad_chain(size, jit=False):
    return _tinygrad(lambda x, w: elementwise_chain(x, w).sum(),
                     floor.chain_inputs(size["shape"]), jit)


def _tinygrad_expression(size, jit=False):
    return _tinygrad(_method_expression, (floor.expression_input(size["n"]),), jit)


# ---- MyGrad ------------------------------------------------------------------------------------
def _mygrad_chain(size):
    import mygrad as mg
    from mygrad.nnet.activations import sigmoid
    x0, w0 = floor.chain_inputs(size["shape"])
    x, w = mg.tensor(x0), mg.tensor(w0, constant=True)

    def step():
        y = mg.tanh(x * 1.5 + 0.5) * w
        y = sigmoid(mg.exp(y) - 0.1)
        mg.log(mg.sqrt(y) / 1.2).sum().backward()
    return step, lambda: np.asarray(x.grad, np.float64).ravel()


def _mygrad_expression(size):
    import mygrad as mg
    x = mg.tensor(floor.expression_input(size["n"]))

    def step():
        _expression(x, mg.log, mg.exp, mg.sqrt).backward()
    return step, lambda: np.asarray(x.grad, np.float64).ravel()


# ---- micrograd (scalar Values) -----------------------------------------------------------------
def _micrograd_value():
    """micrograd's Value with tanh, exp and log, written the way micrograd writes relu."""
    import math

    from micrograd.engine import Value

    class Scalar(Value):
        def _unary(self, value, local_grad, name):
            out = Scalar(value, (self,), name)

            def _backward():
                self.grad += local_grad * out.grad   # chain rule: d out / d self = local_grad
            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            return self._unary(t, 1 - t * t, "tanh")       # d tanh(a) = 1 - tanh(a)^2

        def exp(self):
            e = math.exp(self.data)
            return self._unary(e, e, "exp")                # d exp(a) = exp(a)

        def log(self):
            return self._unary(math.log(self.data), 1 / self.data, "log")   # d log(a) = 1/a

        def sigmoid(self):
            return 1 / (1 + (-self).exp())

        def sqrt(self):
            return self ** 0.5

    # Value's own operators build plain Values; make them build Scalars so tanh & co. chain.
    for name in ("__add__", "__mul__", "__pow__", "relu"):
        def wrapped(self, *args, _op=getattr(Value, name)):
            out = _op(self, *args)
            out.__class__ = Scalar
            return out
        setattr(Scalar, name, wrapped)
    return Scalar


def _micrograd_chain(size):
    Scalar = _micrograd_value()
    x0, w0 = floor.chain_inputs(size["shape"])
    xs = [Scalar(float(v)) for v in x0.ravel()]
    ws = [float(v) for v in np.broadcast_to(w0, x0.shape).ravel()]

    def step():
        for x in xs:
            x.grad = 0.0
        total = Scalar(0.0)
        for x, w in zip(xs, ws):
            total = total + elementwise_chain(x, w)
        total.backward()
    return step, lambda: np.array([x.grad for x in xs], np.float64)


# ---- the table of columns ----------------------------------------------------------------------
# column name -> (module to import, {workload key: builder})
PEERS = {
    "torch.compile": ("torch", {"W2": lambda s: _torch_chain(s, True),
                                "W3": lambda s: _torch_mlp(s, True),
                                "W5": lambda s: _torch_expression(s, True)}),
    "tinygrad": ("tinygrad", {"W2": _tinygrad_chain, "W3": _tinygrad_mlp,
                              "W5": _tinygrad_expression}),
    "tinygrad TinyJit": ("tinygrad", {"W2": lambda s: _tinygrad_chain(s, True),
                                      "W3": lambda s: _tinygrad_mlp(s, True),
                                      "W5": lambda s: _tinygrad_expression(s, True)}),
    "MyGrad": ("mygrad", {"W2": _mygrad_chain, "W3": _mygrad_mlp, "W5": _mygrad_expression}),
    "micrograd": ("micrograd", {"W2": _micrograd_chain}),
}
REFERENCE = {"W2": _torch_chain, "W3": _torch_mlp, "W5": _torch_expression}
NOTES = {
    "torch.compile": "torch.compile (inductor, CPU) of the forward; backward compiled by "
                     "AOTAutograd; compilation happens in the untimed warm-up",
    "tinygrad": "lazy: each step is realized by reading the gradient back",
    "tinygrad TinyJit": "the whole step captured by TinyJit after two warm-up calls",
    "MyGrad": "eager NumPy autograd",
    "micrograd": "scalar Values, one chain per element; tanh, exp and log added in micrograd's "
                 "style, sigmoid as 1/(1+exp(-y)), sqrt as y**0.5",
}


def applies(column, key):
    return key in PEERS[column][1]


def build(column, key, size):
    return PEERS[column][1][key](size)


def _after_steps(builder, size, steps):
    step, result = builder(size)
    for _ in range(steps):
        step()
    return result()


def check(column, key, size, rtol=1e-4, atol=1e-6):
    """Three steps of ``column`` and of torch eager (a jit captures on its second call and
    replays from the third; W3's weights move each step): {'agrees', 'max_abs_err', ...}."""
    got, want = (_after_steps(builder, size, 3)
                 for builder in (PEERS[column][1][key], REFERENCE[key]))
    if got.shape != want.shape:
        return {"agrees": False, "reason": f"shape {got.shape} instead of {want.shape}"}
    err = np.abs(got - want)
    rel = float(np.max(err / np.maximum(np.abs(want), atol)))
    return {"agrees": bool(np.all(err <= atol + rtol * np.abs(want))),
            "max_abs_err": float(err.max()), "max_rel_err": rel}
