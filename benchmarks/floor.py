"""The NumPy floor: each workload written directly in NumPy with its gradients derived by hand.

No graph, no wrappers: what is left is the arithmetic itself, so these timings are the floor an
autograd library built on NumPy can approach. Every function returns the timed step, like the
builders in ``workloads.py``, and computes in float32 as the torch versions do.
"""
import numpy as np

F32 = np.float32


# ---- shared inputs (the torch-like versions wrap the same arrays) ---------------------------
def regression_data():
    """W1's data set: make_regression(100, 1, noise=10, bias=14.5, random_state=0)."""
    from sklearn.datasets import make_regression
    x, y, _ = make_regression(n_samples=100, n_features=1, noise=10, coef=True, bias=14.5,
                              random_state=0)
    return x, y


def chain_inputs(shape):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, shape).astype(F32), rng.uniform(0.5, 1.5, shape).astype(F32)


def mlp_data(n_in, n_out, batch):
    rng = np.random.default_rng(0)
    return rng.standard_normal((batch, n_in), dtype=F32), rng.integers(0, n_out, batch)


def expression_input(n):
    return np.random.default_rng(0).standard_normal(n, dtype=F32)


def _linear_init(rng, n_in, n_out):
    """torch.nn.Linear's default: U(-1/sqrt(n_in), 1/sqrt(n_in)) for weight and bias."""
    bound = 1 / np.sqrt(n_in)
    return (rng.uniform(-bound, bound, (n_out, n_in)).astype(F32),
            rng.uniform(-bound, bound, n_out).astype(F32))


# ---- W1 ------------------------------------------------------------------------------------
def linear_regression(size):
    """pred = x w^T + b, loss = mean((pred - y)^2): dpred = 2 (pred - y) / n."""
    x, y = regression_data()
    n = len(x)
    rng = np.random.default_rng(0)
    w, b = _linear_init(rng, 1, 1)
    lr = F32(1e-2)

    def train():
        total = 0.0
        for _ in range(size["epochs"]):
            perm = rng.permutation(n)
            for start in range(0, n, 16):
                idx = perm[start:start + 16]
                bx = x[idx].astype(F32)
                diff = bx @ w.T + b - y[idx].reshape(-1, 1).astype(F32)
                total += float((diff * diff).mean())
                dpred = diff * F32(2 / len(idx))
                w[...] -= lr * (dpred.T @ bx)
                b[...] -= lr * dpred.sum(0)
        return total
    return train


# ---- W2 ------------------------------------------------------------------------------------
def chain_forward(x, w):
    """workloads.elementwise_chain, keeping what the backward pass needs."""
    y3 = np.tanh(x * 1.5 + 0.5)
    y5 = np.exp(y3 * w)
    y7 = 1 / (1 + np.exp(-(y5 - 0.1)))
    y8 = np.sqrt(y7)
    y9 = y8 / 1.2
    out = np.log(y9)
    float(out.sum())
    return y3, y5, y7, y8, y9


def chain_backward(w, saved):
    """Each op's derivative, applied in reverse order to a gradient of ones."""
    y3, y5, y7, y8, y9 = saved
    g = np.ones_like(y9)
    g = g / y9                      # log
    g = g / 1.2                     # div
    g = g / (2 * y8)                # sqrt
    g = g * (y7 * (1 - y7))         # sigmoid
    g = g * y5                      # exp (the subtraction passes the gradient through)
    g = g * w                       # mul by w
    g = g * (1 - y3 * y3)           # tanh (the addition passes the gradient through)
    return g * 1.5                  # mul by 1.5


def chain(size):
    x, w = chain_inputs(size["shape"])
    return lambda: chain_backward(w, chain_forward(x, w))


# ---- W3 / W4 -------------------------------------------------------------------------------
def mlp(size):
    """h = x W1^T + b1, r = relu(h), z = r W2^T + b2, loss = cross_entropy(z, y); SGD.

    dz = (softmax(z) - onehot(y)) / batch,  dW2 = dz^T r,  dr = dz W2,  dh = dr * (h > 0),
    dW1 = dh^T x,  db = column sums.
    """
    n_in, n_hidden, n_out = size["layers"]
    batch = size["batch"]
    x, y = mlp_data(n_in, n_out, batch)
    rng = np.random.default_rng(1)
    w1, b1 = _linear_init(rng, n_in, n_hidden)
    w2, b2 = _linear_init(rng, n_hidden, n_out)
    rows = np.arange(batch)
    lr = F32(0.01)

    def step():
        h = x @ w1.T
        h += b1
        r = np.maximum(h, 0)
        z = r @ w2.T
        z += b2
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        s = p.sum(axis=1, keepdims=True)
        loss = float(np.log(s).mean() - z[rows, y].mean())
        p /= s
        p[rows, y] -= 1
        p /= batch                                  # p is now dz
        dr = p @ w2
        dr *= h > 0                                 # dr is now dh
        for param, grad in ((w2, p.T @ r), (b2, p.sum(0)), (w1, dr.T @ x), (b1, dr.sum(0))):
            grad *= lr
            param -= grad
        return loss
    return step


# ---- W5 ------------------------------------------------------------------------------------
def big_expression(size):
    """f = log(a) * s with a = x^2 + 1, s = sqrt(exp(x)):  df/dx = s (2x / a + log(a) / 2)."""
    x = expression_input(size["n"])

    def step():
        a = x * x
        a += 1
        la = np.log(a)
        s = np.sqrt(np.exp(x))
        float((la * s).sum())
        g = x / a
        g *= 2
        la *= 0.5
        g += la
        g *= s
        return g
    return step


# ---- scaling curves ------------------------------------------------------------------------
def elementwise_curve(n):
    """f = exp(x y + x) summed:  df/dx = f (y + 1),  df/dy = f x."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(n, dtype=F32), rng.standard_normal(n, dtype=F32)

    def step():
        f = np.exp(x * y + x)
        float(f.sum())
        return f * (y + 1), f * x
    return step


def matmul_curve(side):
    """C = A @ B summed:  dA = 1 B^T,  dB = A^T 1."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((side, side), dtype=F32) for _ in range(2))

    def step():
        c = a @ b
        float(c.sum())
        g = np.ones_like(c)
        return g @ b.T, a.T @ g
    return step
