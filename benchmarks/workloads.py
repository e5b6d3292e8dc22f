"""W1-W8, each written once as plain PyTorch code against a module ``T`` (torch or minigrad).

A builder ``build(T, device, size, compiled=eager)`` sets the workload up (data, model,
optimizer: not timed) and returns the function that is timed. ``compiled`` wraps the training
step, the part a user would hand to ``torch.compile``: ``eager`` leaves it as it is, ``T.compile``
compiles it (``--compiled``; W1's DataLoader loop and the ``loss.item()`` of W1, W7 and W8 stay
outside, eager). The NumPy floor versions live in ``floor.py``.
"""
import importlib
from dataclasses import dataclass

import numpy as np

from . import floor, lm_steps


def eager(step):
    """The training step as it is (the eager columns)."""
    return step


def submodule(T, name):
    """``T.nn``, ``T.optim``, ``T.utils.data``... imported the way a program would."""
    return importlib.import_module(f"{T.__name__}.{name}")


def _to(t, device):
    return t if device == "cpu" else t.to(device)


# ---- W1: a tutorial-style linear regression ---------------------------------------------------
def linear_regression(T, device, size, compiled=eager):
    """make_regression(100, 1) + DataLoader(shuffle) + Linear + MSELoss + SGD, as a tutorial
    trains its first model (the step on one batch is the part ``compiled`` wraps)."""
    if device != "cpu":
        return None  # a 16-row DataLoader on a GPU says nothing
    data, nn, optim = submodule(T, "utils.data"), submodule(T, "nn"), submodule(T, "optim")
    x, y = floor.regression_data()
    loader = data.DataLoader(dataset=data.TensorDataset(T.tensor(x), T.tensor(y)),
                             batch_size=16, shuffle=True)
    model = nn.Linear(in_features=1, out_features=1)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(params=model.parameters(), lr=1e-2)

    @compiled
    def train_step(train_x, train_y):
        y_pred = model(train_x.type(T.float32))
        loss = criterion(y_pred, train_y.reshape(-1, 1).type(T.float32))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    def train():
        total = 0.0
        for _ in range(size["epochs"]):
            for train_x, train_y in loader:
                total += train_step(train_x, train_y).item()
        return total
    return train


# ---- W2: a chain of small elementwise ops ---------------------------------------------------
CHAIN_OPS = 10


def elementwise_chain(x, w):
    """Ten elementwise ops (the NumPy floor in floor.py mirrors them one by one)."""
    y = x * 1.5
    y = y + 0.5
    y = y.tanh()
    y = y * w
    y = y.exp()
    y = y - 0.1
    y = y.sigmoid()
    y = y.sqrt()
    y = y / 1.2
    return y.log()


def chain(T, device, size, compiled=eager):
    """The ten ops on a (16, 1) tensor, then sum and backward."""
    x0, w0 = floor.chain_inputs(size["shape"])
    x = _to(T.from_numpy(x0), device).requires_grad_()
    w = _to(T.from_numpy(w0), device)

    def step():
        x.grad = None
        elementwise_chain(x, w).sum().backward()
    return compiled(step)


# ---- W3 / W4: a two-layer MLP training step -----------------------------------------------
def mlp(T, device, size, compiled=eager):
    """Linear-ReLU-Linear, cross-entropy loss, backward, SGD step."""
    nn, optim = submodule(T, "nn"), submodule(T, "optim")
    F = submodule(T, "nn.functional")
    n_in, n_hidden, n_out, batch = size["layers"] + (size["batch"],)
    x0, y0 = floor.mlp_data(n_in, n_out, batch)
    x, y = _to(T.from_numpy(x0), device), _to(T.from_numpy(y0), device)
    model = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_out))
    if device != "cpu":
        model = model.to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.01)

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return compiled(step)


# ---- W5: one large elementwise expression ---------------------------------------------------
def big_expression(T, device, size, compiled=eager):
    """((x*x + 1).log() * x.exp().sqrt()).sum() forward and backward on float32."""
    x = _to(T.from_numpy(floor.expression_input(size["n"])), device).requires_grad_()

    def step():
        x.grad = None
        ((x * x + 1).log() * x.exp().sqrt()).sum().backward()
    return compiled(step)


# ---- W6: a LeNet-5 training step ------------------------------------------------------------
def lenet(T, device, size, compiled=eager):
    """LeNet-5 (conv 5x5 -> max pool -> conv 5x5 -> max pool -> 3 linear) on (batch, 1, 32, 32),
    cross-entropy, backward, SGD with momentum 0.9."""
    nn, optim = submodule(T, "nn"), submodule(T, "optim")
    F = submodule(T, "nn.functional")
    rng = np.random.default_rng(0)
    x = _to(T.from_numpy(rng.standard_normal((size["batch"], 1, 32, 32)).astype(np.float32)),
            device)
    y = _to(T.from_numpy(rng.integers(0, 10, size["batch"])), device)
    T.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120),
                          nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    if device != "cpu":
        model = model.to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    return compiled(step)


# ---- W7 / W8: language-model training steps (lm_steps.py) -----------------------------------
def tiny_gpt(T, device, size, compiled=eager):
    """A 2-layer GPT (64 wide, 4 heads) on 16 x 32 tokens: cross-entropy, backward,
    clip_grad_norm_(1.0), AdamW; the loss read back with ``item()`` as a training loop logs it."""
    train = compiled(lm_steps.gpt_train(T, size["batch"], size["tokens"], device))
    return lambda: train().item()


def lstm(T, device, size, compiled=eager):
    """nn.LSTM(32 -> 64) over 20 time steps, batch 16, a Linear head, MSE loss, backward, SGD;
    the loss read back with ``item()``."""
    train = compiled(lm_steps.lstm_train(T, size["batch"], size["steps"], device))
    return lambda: train().item()


def no_floor(size):
    """No NumPy floor is written for this workload."""
    return None


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    unit: str          # unit of the reported number
    scale: float       # seconds per call * scale / per = reported number
    per: int           # calls are divided by this (W2 reports time per op)
    build: object      # build(T, device, size) -> timed function
    floor: object      # floor(size) -> timed function
    full: dict
    quick: dict
    reference: str     # the reference numbers the targets were set against

    def size(self, quick):
        return self.quick if quick else self.full

    def describe(self, quick):
        return ", ".join(f"{k}={v}" for k, v in self.size(quick).items())


WORKLOADS = [
    Workload("W1", "linear regression: 100 epochs x 7 batches, DataLoader(shuffle) + "
             "Linear + MSELoss + SGD", "s", 1.0, 1, linear_regression, floor.linear_regression,
             {"epochs": 100}, {"epochs": 2},
             "torch 0.40 s, NumPy floor 0.018 s, best small library 0.14 s"),
    Workload("W2", "chain of 10 elementwise ops on (16, 1) + sum + backward, per op", "µs/op",
             1e6, CHAIN_OPS, chain, floor.chain, {"shape": (16, 1)}, {"shape": (16, 1)},
             "torch 20 µs, floor 1.7 µs"),
    Workload("W3", "MLP 784-256-10 step (forward + cross-entropy + backward + SGD), batch 64",
             "ms", 1e3, 1, mlp, floor.mlp, {"layers": (784, 256, 10), "batch": 64},
             {"layers": (32, 16, 4), "batch": 8}, "torch 1.6 ms, floor 2.7 ms"),
    Workload("W4", "MLP 4096-4096-4096 step, batch 1024 (BLAS-bound)", "s", 1.0, 1, mlp,
             floor.mlp, {"layers": (4096, 4096, 4096), "batch": 1024},
             {"layers": (64, 64, 64), "batch": 32}, "torch 2.3-2.8 s, floor 2.2-2.5 s"),
    Workload("W5", "((x*x+1).log() * x.exp().sqrt()).sum() forward + backward, 1e6 float32",
             "ms", 1e3, 1, big_expression, floor.big_expression, {"n": 1_000_000},
             {"n": 1_000}, "torch 14 ms, floor 9.8 ms"),
    Workload("W6", "LeNet-5 training step (conv, max pool, linear; SGD momentum), batch 64, "
             "1x32x32", "ms", 1e3, 1, lenet, no_floor, {"batch": 64}, {"batch": 4},
             "torch (one thread) about 4-8 ms"),
    Workload("W7", "tiny GPT training step (2 layers, 64 wide, 4 heads; AdamW + "
             "clip_grad_norm_), 16 x 32 tokens", "ms", 1e3, 1, tiny_gpt, no_floor,
             {"batch": 16, "tokens": 32}, {"batch": 2, "tokens": 8},
             "torch (one thread): benchmarks.lm_steps"),
    Workload("W8", "LSTM(32 -> 64) training step over 20 time steps (Linear head, MSE, SGD), "
             "batch 16", "ms", 1e3, 1, lstm, no_floor, {"batch": 16, "steps": 20},
             {"batch": 2, "steps": 4}, "torch (one thread): benchmarks.lm_steps"),
]
BY_KEY = {w.key: w for w in WORKLOADS}

# (workload, the column minigrad is divided by, the largest acceptable ratio). W1-W3 are the
# eager core's guards: its speed when they were set, which no change may lose (speed beyond them
# is a compiler's job, not the eager core's); W4-W8 are goals.
TARGETS = [
    ("W1", "torch", 0.5),
    ("W2", "torch", 1.1),
    ("W3", "torch", 1.5),
    ("W4", "numpy floor", 1.05),
    ("W5", "torch", 0.9),
    ("W6", "torch", 1.5),
    ("W7", "torch", 1.5),
    ("W8", "torch", 1.5),
]
MEMORY_TARGET = ("W4", "numpy floor", 1.2)  # peak RSS of minigrad / floor's


# ``--compiled``: (workload, compiled minigrad ÷ this column, the largest acceptable ratio),
# from the compiler's issue: the step of W1, W2's chain (per op) and W3's step against torch eager.
COMPILED_TARGETS = [
    ("W1", "torch", 0.12),
    ("W2", "torch", 0.25),
    ("W3", "torch", 1.0),
]


def compiler(T):
    """``T.compile`` (torch.compile's signature), or a RuntimeError saying it is missing."""
    if not hasattr(T, "compile"):
        raise RuntimeError(f"{T.__name__} has no compile() in this checkout")
    return T.compile


def build_step(workload, backend, quick, compiled=False):
    """The timed function of ``workload`` on ``backend`` (None when it does not apply), its
    training step wrapped in the library's ``compile`` when ``compiled``."""
    size = workload.size(quick)
    if backend.kind == "floor":
        return None if compiled else workload.floor(size)
    T = backend.module()
    return workload.build(T, backend.device, size, compiler(T) if compiled else eager)

