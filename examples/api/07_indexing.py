"""API.md section 7: basic indexing (views), advanced indexing (copies), boolean masks, 3-D
indexing, setitem, and the index errors."""
import torch
from _probe import probe, run, section

torch.manual_seed(18)
data = torch.randint(0, 10, [4, 5])
print(data)

section("7 ints, slices and views")
probe("data[0]", "data[:, 0]", "data[0, 0]", "data[0, 0].shape", "data[-1]", "data[-1, -2]",
      "data[1:3]", "data[:, 1:4:2]", "data[::2, ::-1] if False else data[::2]", "data[None].shape",
      "data[..., 1]", "data[1, ...]", "data[:, None, 2].shape", "data[10:]", "data[:, 7:]",
      "data[2:1]", "data[-10:2]")
v = data[0]
print(v.data_ptr() == data.data_ptr(), data[1].data_ptr() == data.data_ptr())
v[0] = 100
print(data[0, 0])
col = data[:, 2]
col[1] = -5
print(data)

section("7 advanced indexing (copies)")
probe("data[[0, 1], [1, 2]]", "data[(0, 1), (1, 2)]",
      "data[torch.tensor([0, 1]), torch.tensor([1, 2])]",
      "data[[[0], [1]], [1, 2]]", "data[[0, 1]]", "data[1, [0, 2]]", "data[[0, 1], 1:3]",
      "data[torch.tensor([[0, 1], [2, 3]])]", "data[[-1, 0]]", "data[[0, 0, 0]]")
a = data[[0, 1]]
a[0, 0] = 999
print(data[0, 0], a.data_ptr() == data.data_ptr())

section("7 boolean masks")
mask = data[:, 2] > 5
mask5 = data[1] > 5
probe("mask", "data[mask]", "data[:, mask5]", "data[data > 5]", "data[[True, False, True, False]]",
      "data[data[:, 2] > 100]", "data[:, data[1] > 100]", "data[data > 100]",
      "data[torch.tensor([True, False, True])]", "data[torch.tensor(True)].shape",
      "data[torch.tensor(False)].shape", "data[mask, 0]",
      "data[torch.ones(4, 5, dtype=torch.bool)].shape")

section("7 3-D indexing")
d3 = torch.arange(60).reshape(3, 4, 5)
probe("d3[0, :, :].shape", "d3[:, 0, :].shape", "d3[:, :, 0].shape", "d3[[0, 2], :, [1, 3]].shape",
      "d3[[0, 2], :, [1, 3]]", "d3[:, [0, 2], [1, 3]].shape", "d3[1, [0, 1]].shape",
      "d3[..., [0, 4]].shape", "d3[0, 1, 2]", "d3[None, ..., None].shape")

section("7 setitem")
t = torch.arange(12).reshape(3, 4)
run("t[t > 5] = 0", "t[:, 0] = torch.tensor([7, 8, 9])", "t[0] = 2.7",
    "t[[0, 1], [1, 2]] = 99", "t[2, 1:3] = -1", "t[-1] = torch.tensor([1, 2, 3, 4])")
print(t)
f = torch.zeros(2, 3)
run("f[0] = torch.tensor([1, 2, 3])", "f[1, 1] = 5", "f[:, 2] += 1", "f[f == 0] = -1",
    "f[0] = torch.ones(2)", "f[[0, 1]] = torch.tensor([[1.], [2.]])")
print(f)

section("7 errors")
probe("data[4]", "data[0, 5]", "data[-5]", "data[[0, 1], [1, 2, 3]]",
      "data[torch.tensor([True, False, True])]", "data[0, 0, 0]", "data[[4]]",
      "data[torch.tensor([0.5])]", "data['a']", "data[1.5]", "torch.tensor(5)[0]")
run("data[[0, 1]] = torch.ones(3, 5, dtype=torch.int64)", "data[0] = torch.ones(4)")

section("7 grad_fns of indexing")
x = torch.arange(12.).reshape(3, 4).requires_grad_()
probe("x[0].grad_fn.name()", "x[:, 0].grad_fn.name()", "x[0:2].grad_fn.name()",
      "x[[0, 1]].grad_fn.name()", "x[x > 5].grad_fn.name()", "x[None].grad_fn.name()",
      "x[0, 1].grad_fn.name()", "x[..., 1:].grad_fn.name()")
(x[[0, 0, 2]].sum() + x[:, 1].sum() + x[x > 9].sum()).backward()
print(x.grad)
y = x * 1
y[0] = 0
probe("y.grad_fn.name()", "y")
y.sum().backward()
print(x.grad)
