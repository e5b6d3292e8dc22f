"""API.md section 12: matplotlib reads tensors through np.asarray, refuses ones that require grad;
iterating tensors; min/max as linspace endpoints; torch.tensor over lists of tensors (program 30's
fitted and true lines)."""
import os
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402, F401 - used by the probes
import torch  # noqa: E402
from _probe import probe, section  # noqa: E402
from sklearn.datasets import make_regression  # noqa: E402

x_np, y_np, coef = make_regression(n_samples=100, n_features=1, noise=10, coef=True, bias=14.5,
                                   random_state=0)
x, y = torch.tensor(x_np), torch.tensor(y_np)

section("12 matplotlib and tensors")
fig, ax = plt.subplots()
probe("type(ax.scatter(x, y)).__name__", "ax.scatter(x, y).get_offsets().shape")
xs = torch.linspace(x.min(), x.max(), 1000)
probe("xs.dtype", "xs.shape", "xs[0]", "xs[-1]", "x.min()", "x.max()")
lines = ax.plot(xs, xs * 2)
print(lines[0].get_xdata().dtype, lines[0].get_ydata()[:3])
w = torch.tensor([2.], requires_grad=True)
probe("ax.plot(xs, xs * w)", "ax.plot(w.detach(), w.detach())", "np.asarray(xs * w)")
ax.plot(range(3), [1.5, 2.5, 3.5])
with tempfile.TemporaryDirectory() as tmp:
    fig.savefig(os.path.join(tmp, "plot.png"))
    print(os.path.getsize(os.path.join(tmp, "plot.png")) > 0)
plt.close(fig)

section("12 iterating tensors")
probe("list(torch.tensor([1., 2.]))", "[r.shape for r in torch.zeros(2, 3)]",
      "list(torch.tensor(3.))",
      "[e.grad_fn.name() for e in torch.tensor([1., 2.], requires_grad=True)]",
      "next(iter(torch.tensor([[1, 2], [3, 4]])))", "[int(v) for v in torch.tensor([5, 6])]")

section("12 torch.tensor over lists of tensors")
torch.manual_seed(0)
model = torch.nn.Linear(1, 1)
xs20 = xs[::50]
y1 = torch.tensor([v * model.weight + model.bias for v in xs20])
probe("y1.dtype", "y1.shape", "y1.requires_grad", "y1[:3]")
probe("torch.tensor([v * model.weight + model.bias for v in xs20[:2]])")
y2 = torch.tensor([v * coef + 14.5 for v in x[:5]])
probe("y2.dtype", "y2.shape", "y2", "(x[0] * coef).dtype", "type(x[0] * coef).__name__")
probe("torch.tensor([v * coef + 14.5 for v in x[:2]])")
