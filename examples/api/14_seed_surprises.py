"""API.md section 14: the seed tutorial's mistakes and surprises, each shown as torch behaves."""
import warnings

import numpy as np
import torch
from _probe import probe, run, section

torch.manual_seed(14)

section("14.1 a running mean is not a per-epoch loss")
losses = [[9., 7., 5.], [3., 2., 1.]]
total, n, running, per_epoch = 0.0, 0, [], []
for epoch in losses:
    for loss in epoch:
        total += torch.tensor(loss).item()
        n += 1
    running.append(total / n)
    per_epoch.append(torch.tensor(epoch).mean().item())
print(running, per_epoch)

section("14.2 sqrt/log take no dim")
d = torch.tensor([[5., 9., 3.], [3., 4., 0.]], dtype=torch.float64)
probe("d.sqrt(dim=0)", "d.log(dim=0)", "d.sqrt()")

section("14.3 squeeze() of a (1, 5) tensor is 1-D")
mydata4 = torch.tensor([[1, 2, 3, 4, 5]])
probe("mydata4.squeeze()", "mydata4.squeeze().shape")

section("14.4 x.data = ... keeps the leaf, changes the storage; %-format warns once")
x = torch.tensor(3., requires_grad=True)
ptr = x.data_ptr()
(x ** 2).backward()
ident = id(x)
x.data = x.data - 0.01 * x.grad
print(id(x) == ident, x.is_leaf, x.requires_grad, x.data_ptr() == ptr, x)
probe("'%.6f %.6f' % (x, x * 2)", "'%.6f' % x")

section("14.5 id(x.data) equality is an artifact; data_ptr shows the sharing")
x1 = torch.tensor([1., 2.], requires_grad=True)
x2 = x1.detach()
held1, held2 = x1.data, x2.data
print(held1 is held2, id(held1) == id(held2), x1.data_ptr() == x2.data_ptr())
probe("x1.detach().numpy()", "x2.numpy()")

section("14.6 backward of a non-scalar with a gradient argument")
v = torch.tensor([1., 2., 3.], requires_grad=True)
out = v ** 2
out.backward(torch.tensor([1., 0.5, 0.1]))
print(v.grad)
probe("(v ** 2).backward()")

section("14.7 y.backward() on a 0-dim y; .sum() of a 0-dim tensor")
s = torch.tensor(10., requires_grad=True)
ys = 2 * s ** 2
probe("ys.sum()", "ys.sum().shape")
ys.backward()
print(s.grad)

section("14.9 uninitialized tensors: only shape and dtype are meaningful")
u = torch.Tensor(2, 3)
ui = torch.IntTensor(2, 3)
print(u.shape, u.dtype, ui.shape, ui.dtype)

section("14.10 int64 by default for integer data")
probe("torch.tensor(10).dtype", "torch.full([2, 3], 10).dtype", "torch.arange(0, 10, 2).dtype",
      "torch.randint(0, 10, (2,)).dtype", "torch.randint(0, 10, (2,)).float().mean().dtype",
      "torch.randint(0, 10, (2,)).mean()",
      "torch.randint(0, 10, (2, 3), dtype=torch.float64).mean()")

section("14.11 numpy 0-d arithmetic makes float64; tensors that require grad warn in torch.tensor")
coef = np.array(42.38550486)
xs = torch.tensor([[0.5], [1.5]], dtype=torch.float64)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    y2 = torch.tensor([v * coef + 14.5 for v in xs])
print(y2, y2.dtype)
m = torch.nn.Linear(1, 1)
probe("torch.tensor([v.float() * m.weight + m.bias for v in xs]).dtype")

section("14.12 permute: varargs only on the method")
d3 = torch.zeros(3, 4, 5)
probe("torch.permute(d3, 1, 2, 0)", "torch.permute(d3, (1, 2, 0)).shape",
      "d3.permute(1, 2, 0).shape")
run("torch.manual_seed(0)")
