"""API.md section 9: cat/concat/concatenate and stack: dims, promotion, the legacy empty tensor,
errors and grad_fns."""
import torch
from _probe import probe, section

torch.manual_seed(23)
a = torch.randint(0, 10, [1, 2, 3])
b = torch.randint(0, 10, [1, 2, 3])
print(a)
print(b)

section("9 cat")
for dim in (0, 1, 2, -1):
    out = torch.cat([a, b], dim=dim)
    print(dim, out.shape)
print(torch.cat([a, b], dim=1))
probe("torch.concat((a, b), dim=2).shape", "torch.concatenate([a, b], axis=0).shape",
      "torch.cat([a, b, a]).shape", "torch.cat([torch.tensor([1, 2]), torch.tensor([1.5])])",
      "torch.cat([torch.tensor([1], dtype=torch.int32), torch.tensor([2.], dtype=torch.float64)])",
      "torch.cat([torch.tensor([1, 2]), torch.tensor([])])",
      "torch.cat([torch.tensor([True]), torch.tensor([2])])",
      "torch.cat([torch.zeros(2, 3), torch.tensor([])], dim=1).shape",
      "torch.cat([a]).data_ptr() == a.data_ptr()",
      "torch.cat([torch.zeros(0, 3), torch.ones(1, 3)])")

section("9 cat errors")
a2 = torch.zeros(2, 3, dtype=torch.int64)
probe("torch.cat([a, torch.zeros(1, 2, 4, dtype=torch.int64)], dim=0)",
      "torch.cat([a, torch.zeros(2, 3, dtype=torch.int64)], dim=0)", "torch.cat([a, b], dim=3)",
      "torch.cat([])", "torch.cat(a, b)", "torch.cat([a, 1])", "torch.cat((a2, a2), dim=-3)")

section("9 stack")
x = torch.tensor([[1, 2, 3], [4, 5, 6]])
y = torch.tensor([[10, 20, 30], [40, 50, 60]])
for dim in (0, 1, 2, -1):
    out = torch.stack([x, y], dim=dim)
    print(dim, out.shape)
    print(out)
probe("torch.stack((x, y, x)).shape", "torch.stack([x.float(), y]).dtype",
      "torch.stack([torch.tensor(1.), torch.tensor(2.)])", "torch.stack([x, y], dim=-3).shape")

section("9 stack errors")
probe("torch.stack([a2, torch.zeros(2, 4, dtype=torch.int64)])", "torch.stack([a2, a2], dim=3)",
      "torch.stack([a2, a2], dim=-4)", "torch.stack([])", "torch.stack(a2, a2)")

section("9 grad_fns and gradients")
p = torch.tensor([1., 2.], requires_grad=True)
q = torch.tensor([[3., 4.]], requires_grad=True)
probe("torch.cat([p[None], q])", "torch.stack([p, q[0]], dim=1)",
      "torch.cat([p[None], q]).grad_fn.name()", "torch.stack([p, p]).grad_fn.name()")
(torch.cat([p[None], q]) * torch.tensor([[1.], [2.]])).sum().backward()
torch.stack([p, q[0]], dim=1).pow(2).sum().backward()
print(p.grad, q.grad)
