"""API.md section 5: @ / matmul / mm, 1-D and N-D shapes, integer matmul, errors, grad_fns."""
import torch
from _probe import probe, section

section("5 matmul forms")
m1 = torch.tensor([[1, 2], [3, 4], [5, 6]])
m2 = torch.tensor([[1, 2], [9, 10]])
print("data3-->", m1 @ m2)
print("data4-->", torch.matmul(m1, m2))
probe("m1.matmul(m2)", "torch.mm(m1, m2)", "m1.mm(m2)", "(m1 @ m2).dtype",
      "m1.int() @ m2.int()", "torch.tensor([1, 2]) @ torch.tensor([3, 4])",
      "torch.tensor([1, 2]) @ m2", "m1 @ torch.tensor([1, 1])",
      "torch.tensor([1., 2.]).dot(torch.tensor([3., 4.]))", "m2 @ m2.T")

section("5 N-D shapes")
probe("(torch.ones(4, 3, 2) @ torch.ones(2, 5)).shape",
      "(torch.ones(2, 1, 3, 4) @ torch.ones(5, 4, 2)).shape",
      "(torch.ones(3) @ torch.ones(2, 3, 4)).shape", "(torch.ones(2, 3, 4) @ torch.ones(4)).shape",
      "torch.bmm(torch.ones(2, 3, 4), torch.ones(2, 4, 1)).shape",
      "torch.arange(24.).reshape(2, 3, 4) @ torch.arange(8.).reshape(4, 2)")

section("5 errors")
probe("m2 @ m1", "torch.ones(2, 3) @ torch.ones(3, 2, dtype=torch.int64)",
      "torch.ones(2, 3, dtype=torch.int64) @ torch.ones(3, 2)",
      "torch.tensor(2.) @ torch.tensor(3.)", "torch.ones(3) @ torch.ones(4)",
      "torch.mm(torch.ones(3), torch.ones(3, 2))", "torch.ones(2, 3) @ torch.ones(2, 3)",
      "torch.ones(2, 2, 3) @ torch.ones(3, 3, 2)", "torch.ones(2, 3) @ torch.ones(3, 2).double()")

section("5 grad_fns and gradients")
x = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
w = torch.tensor([[1., 0.], [0.5, -1.], [2., 1.]], requires_grad=True)
v = torch.tensor([1., -1.], requires_grad=True)
probe("x @ w", "torch.matmul(v, x)", "torch.matmul(torch.ones(4, 2, 3), w)",
      "torch.mm(x, w).grad_fn", "(x @ w[:, 0]).grad_fn.name()",
      "torch.matmul(v, x).grad_fn.next_functions[0][0].name()")
(x @ w).sum().backward()
print(x.grad)
print(w.grad)
torch.matmul(v, x).pow(2).sum().backward()
print(v.grad)
print(x.grad)
