"""API.md section 6: mean/sum with dims, dtype rules, pow/sqrt/exp/log, max/min with and without
dim (return types, ties, nan), and their errors."""
import torch
from _probe import probe, section

d = torch.tensor([[5, 9, 3], [3, 4, 0]], dtype=torch.float64)
i = torch.tensor([[5, 9, 3], [3, 4, 0]])
b = torch.tensor([True, False, True])

section("6 program 17")
print(d.mean())
print(d.mean(dim=0))
print(d.mean(dim=1))
print(d.sum())
print(d.sum(dim=0))
print(d.sum(dim=1))
print(torch.pow(d, 2))
print(d.sqrt())
print(d.exp())
print(d.log())
print(d.log2())
print(d.log10())

section("6 mean")
probe("i.mean()", "i.mean(dim=0)", "b.mean()", "torch.mean(i)", "i.mean(dtype=torch.float32)",
      "i.float().mean()", "torch.tensor([]).mean()", "d.mean(dim=-1)", "d.mean(dim=(0, 1))",
      "d.mean(dim=0, keepdim=True)", "d.mean(dim=2)", "d.mean(-3)", "d.mean(dim=[0, 0])")

section("6 sum")
probe("i.sum()", "i.int().sum()", "b.sum()", "torch.tensor([1, 2], dtype=torch.uint8).sum()",
      "torch.tensor([]).sum()", "i.sum(dim=0)", "i.sum(dim=1, keepdim=True)", "d.sum((0, 1))",
      "torch.sum(d, 1)", "i.sum(dtype=torch.float64)", "torch.tensor(3.).sum()", "d.sum(dim=5)")

section("6 pow and elementwise math")
probe("torch.pow(d, 2)", "d.pow(2)", "d ** 2", "torch.pow(2, d)", "torch.pow(i, 2)",
      "i.sqrt()", "i.exp()", "i.log()", "i.log2()", "i.log10()", "torch.tensor([0., -1.]).log()",
      "torch.tensor([-1.]).sqrt()", "torch.tensor([4., 9.]).sqrt()", "d.abs()", "(-d).abs()",
      "d.sqrt(dim=0)", "d.log(dim=0)", "torch.sqrt(d, 0)")

section("6 max and min")
probe("d.max()", "d.min()", "i.max()", "torch.max(d)", "d.max(dim=0)", "d.min(dim=1)",
      "d.max(dim=1, keepdim=True)", "torch.max(d, 0)", "torch.min(d, dim=-1)",
      "torch.tensor([1, 3, 3, 2]).max(dim=0)", "torch.tensor([3, 1, 1, 3]).min(dim=0)",
      "torch.tensor([1., float('nan'), 3.]).max(dim=0)", "torch.tensor([1., float('nan')]).max()",
      "torch.tensor([1., float('nan')]).min()", "torch.max(d, torch.tensor([4., 4., 4.]))",
      "torch.min(i, torch.tensor(4))", "torch.tensor([]).max()", "torch.tensor([]).min()",
      "d.max(dim=2)", "d.argmax()", "d.argmin(dim=1)", "d.amax(dim=0)", "b.max()")
vals, idx = d.max(dim=0)
print(vals, idx, idx.dtype)
r = d.min(dim=1)
print(type(r).__name__, r[1], r.values, r.indices, len(r), isinstance(r, tuple))
probe("torch.return_types.max", "type(d.max(dim=0))")

section("6 grad_fns of reductions")
x = torch.tensor([[1., 5., 2.], [7., 3., 7.]], requires_grad=True)
probe("x.sum()", "x.sum(dim=0)", "x.mean()", "x.mean(dim=1)", "x.max()", "x.min()",
      "x.max(dim=0)", "x.min(dim=1)", "x.exp()", "x.log()", "x.log2()", "x.log10()", "x.sqrt()",
      "x.abs()", "x.pow(2)", "x ** x", "2 ** x")
x.max().backward()
print(x.grad)
x.grad = None
x.max(dim=1).values.sum().backward()
print(x.grad)
x.grad = None
x.mean(dim=0).sum().backward()
print(x.grad)
