"""Where W3's gap to torch comes from: its largest pieces timed alone, minigrad beside torch.

W3 (an MLP 784-256-10 training step, batch 64) has two pieces neither Python overhead nor the
graph can explain, and the table shows how much of the step each one is:

* **the two large matrix products**: ``x @ W1^T`` forward and ``dh^T @ x`` for W1's gradient,
  as NumPy computes them for minigrad (OpenBLAS) and as torch computes them;
* **the SGD update**: ``optimizer.step()`` on the same gradients. torch fuses
  ``p - lr * g`` into one rounding per element (an FMA instruction); minigrad reproduces that
  rounding bit for bit in NumPy, which has no fused multiply-add (``minigrad/_fma.py``).

The rest of the step (the other products, bias, relu, cross-entropy, node bookkeeping) is the
remainder of the whole step's time.
"""
import numpy as np

from .harness import Case, measure
from .workloads import BY_KEY, build_step, submodule

PIECES = [
    ("step", "whole training step (forward + loss + backward + SGD)"),
    ("products", "the two large matrix products (x @ W1^T, dh^T @ x)"),
    ("sgd", "SGD update (optimizer.step)"),
]


def _products(T, n_in, n_hidden, batch):
    """The two products on arrays (minigrad: NumPy, laid out as minigrad's formulas lay them)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, n_in), dtype=np.float32)
    w = rng.standard_normal((n_hidden, n_in), dtype=np.float32)
    dh = rng.standard_normal((batch, n_hidden), dtype=np.float32)
    if T.__name__ == "torch":
        x, w, dh = (T.from_numpy(a) for a in (x, w, dh))

    def products():
        x @ w.T          # Linear's addmm: the weight transposed (a column-major view)
        dh.T @ x         # mm_mat2_backward for that column-major operand: row-major dW1
    return products


def _sgd(T, n_in, n_hidden, n_out):
    """optimizer.step() of W3's model, its gradients set once (small random values)."""
    rng = np.random.default_rng(1)
    nn = submodule(T, "nn")
    model = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_out))
    for p in model.parameters():
        p.grad = T.from_numpy((rng.standard_normal(tuple(p.shape)) * 1e-3).astype(np.float32))
    return submodule(T, "optim").SGD(model.parameters(), lr=0.01).step


def mlp_budget(backends, quick, tick=None):
    """{piece: {backend name: µs}} for PIECES, the ``backends`` (minigrad and torch, one
    thread) measured interleaved (CPU time)."""
    workload = BY_KEY["W3"]
    size = workload.size(quick)
    n_in, n_hidden, n_out = size["layers"]
    batch = size["batch"]
    cases = []
    for b in backends:
        T = b.module()
        cases += [Case(f"{b.name} step", build_step(workload, b, quick), b.activate),
                  Case(f"{b.name} products", _products(T, n_in, n_hidden, batch), b.activate),
                  Case(f"{b.name} sgd", _sgd(T, n_in, n_hidden, n_out), b.activate)]
    timings = measure(cases, warmup=2, repeats=1 if quick else 7,
                      min_sample=0.002 if quick else 0.1)
    if tick:
        tick()
    return {piece: {b.name: timings[f"{b.name} {piece}"].cpu_median * 1e6 for b in backends}
            for piece, _ in PIECES}
