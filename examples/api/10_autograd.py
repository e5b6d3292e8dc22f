"""API.md section 10: leaves and requires_grad, backward and its errors, accumulation, retain_graph,
non-leaf .grad, in-place on leaves, detach / .data / x.data = ..., grad_fn names and the seed's
gradients (programs 25-29)."""
import torch
from _probe import probe, run, section

section("10.1 leaves, requires_grad, grad")
probe("torch.tensor([1, 2]).requires_grad_()", "torch.tensor([1., 2.]).requires_grad_()",
      "torch.tensor(10, requires_grad=True)",
      "torch.ones(2, dtype=torch.int32, requires_grad=True)")
x = torch.tensor(10., requires_grad=True)
probe("x.is_leaf", "x.grad_fn", "x.grad", "x.requires_grad")
y = 2 * x ** 2
probe("y.is_leaf", "y.requires_grad", "y.grad_fn.name()", "y.grad_fn.next_functions[0][0].name()",
      "y.grad_fn.next_functions[1]", "y.grad_fn.next_functions[0][0].next_functions[0][0].name()",
      "y.sum()")
print("y-->", y)
print(str(y.grad_fn).startswith("<MulBackward0 object at 0x"))
y.sum().backward()
print("x的梯度值是:", x.grad)

section("10.1 backward errors")
xv = torch.tensor([10., 20.], requires_grad=True)
yv = 2 * xv ** 2
print("y-->", yv)
probe("yv.backward()", "torch.tensor(1.).backward()", "yv.backward(torch.ones(3))")
yv.backward(torch.ones(2))
print("x.grad-->", xv.grad)
g = xv.grad
z = (xv * xv).sum()
z.backward(retain_graph=True)
print(xv.grad, xv.grad is g)
z.backward()
print(xv.grad)
probe("z.backward()")
probe("xv.grad.zero_()", "xv.grad is g")
w = (xv ** 3).sum()
w.backward()
print(xv.grad)
xd = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
(xd * 3).sum().backward()
probe("xd.grad", "xd.grad.dtype")

section("10.1 .grad of a non-leaf; in-place on a leaf")
nl = xv * 2
probe("nl.grad", "nl.is_leaf")
probe("xv.add_(1)", "xv.mul_(2)")
run("xv += 1")
with torch.no_grad():
    xv.add_(1)
print(xv, xv.is_leaf)
xv.data.add_(1)
print(xv)
probe("(xv * 1).add_(1)")
nl2 = xv * 1
nl2.retain_grad()
nl2.sum().backward()
probe("nl2.grad")

section("10.2 detach and .data")
x = torch.tensor([1., 2.], requires_grad=True)
dt = x.detach()
probe("dt.requires_grad", "dt.is_leaf", "dt.data_ptr() == x.data_ptr()", "x.data is x.data",
      "x.data.requires_grad", "x.data.data_ptr() == x.data_ptr()")
dt[0] = 100.
print(x)
old_ptr = x.data_ptr()
x.grad = torch.tensor([1., 1.])
x.data = x.data - 0.01 * x.grad
print(x, x.is_leaf, x.requires_grad, x.grad, x.data_ptr() == old_ptr)
run("x.data = torch.tensor([1., 2., 3.], dtype=torch.float64)")
print(x, x.shape, x.dtype)
run("x.data = [1., 2.]", "x.data = torch.tensor([1, 2])")
x2 = torch.tensor(1., requires_grad=True)
(x2 ** 2).backward()
run("x2 = x2 - 0.01 * x2.grad")
probe("x2.is_leaf", "x2.grad_fn.name()", "x2.grad")

section("10.3 grad_fn names")
t = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
v = torch.tensor([1., 2.], requires_grad=True)
m = torch.nn.Linear(2, 1)
exprs = [
    "t ** 2", "t.pow(2)", "torch.pow(t, 2)", "t ** t", "2 ** t", "2 * t", "t * 2", "t * t",
    "t.mul(2)", "t + 20", "t.add(1)", "t @ t + v", "t - 1", "t.sub(1)", "1 - t", "t / 2",
    "t.div(2)", "2 / t", "-t", "t.neg()", "t.sum()", "t.sum(dim=0)", "t.mean()", "t.mean(dim=0)",
    "t.max()", "t.min()", "t.max(dim=0)[0]", "t.min(dim=1).values", "t.exp()", "t.log()",
    "t.log2()", "t.log10()", "t.sqrt()", "t.abs()", "torch.matmul(t, t)", "t @ t", "torch.mm(t, t)",
    "torch.matmul(v, t)", "torch.matmul(torch.ones(3, 2, 2), t)", "m(t)",
    "torch.nn.functional.linear(t, m.weight)", "m(v)", "torch.nn.MSELoss()(t, torch.zeros(2, 2))",
    "torch.nn.functional.mse_loss(t, torch.ones(2, 2))", "t.reshape(4)", "t.view(4)",
    "t.t().reshape(4)", "t.transpose(0, 1)", "t.t()", "t.permute(1, 0)", "t.T", "t.unsqueeze(0)",
    "t.squeeze()", "t[None].squeeze(0)", "t[0]", "t[:, 0]", "t[0:1]", "t[[0, 1]]", "t[t > 1]",
    "torch.cat([t, t])", "torch.stack([t, t])", "t.double()", "t.type(torch.float64)",
    "t.clone()", "t.t().contiguous()", "next(iter(t))", "list(v)[1]", "t.sum().sum()",
]
for e in exprs:
    print(f"{e:50} {type(eval(e).grad_fn).__name__}")
probe("t.float() is t", "t.contiguous() is t", "t.double().grad_fn.name()",
      "(t * 2).grad_fn.name() == type((t * 2).grad_fn).__name__",
      "(t ** 2).grad_fn.next_functions", "(t * 2).grad_fn.next_functions[0][0].variable is t")

section("10.4 seed gradients")
x = torch.tensor([10., 20.], requires_grad=True)
y = 2 * x ** 2
print("y-->", y)
y.sum().backward()
print("x.grad-->", x.grad)
x = torch.tensor(1., requires_grad=True)
for _ in range(3):
    y = x ** 2 + 20
    y.backward()
    print("x:", x, x.grad, y)
    x.data = x.data - 0.01 * x.grad
    x.grad.zero_()
torch.manual_seed(29)
xx = torch.ones(2, 5)
ww = torch.randn(5, 3, requires_grad=True)
bb = torch.randn(3, requires_grad=True)
zz = torch.matmul(xx, ww) + bb
loss = torch.nn.MSELoss()(zz, torch.zeros(2, 3))
loss.backward()
print(zz.grad_fn, loss)
print(ww.grad)
print(bb.grad)
print(torch.equal(ww.grad[0], bb.grad), all(torch.equal(r, ww.grad[0]) for r in ww.grad))

section("10 functional autograd and no_grad")
a = torch.tensor([1., 2.], requires_grad=True)
(ga,) = torch.autograd.grad((a ** 3).sum(), a, create_graph=True)
print(ga)
(gga,) = torch.autograd.grad(ga.sum(), a)
print(gga)
with torch.no_grad():
    nb = a * 2
probe("nb.requires_grad", "nb.grad_fn", "torch.is_grad_enabled()")
with torch.enable_grad():
    probe("(a * 2).requires_grad")
torch.set_grad_enabled(False)
probe("(a * 2).requires_grad")
torch.set_grad_enabled(True)
probe("torch.autograd.grad(a.sum(), a)", "torch.autograd.grad((a * 2).sum(), [a, torch.ones(1)])")
