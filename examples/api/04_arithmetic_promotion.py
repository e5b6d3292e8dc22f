"""API.md section 4: operators and methods, in-place ops, type promotion, division rules,
errors, and tensor x NumPy 0-d array."""
import numpy as np
import torch
from _probe import probe, run, section

section("4.1 operators, methods and in-place variants")
i = torch.tensor([[1, 2, 3], [4, 5, 6]])
probe("i + 10", "10 + i", "i - 100", "i * 100", "-i", "i.add(10, alpha=2)", "i.sub(1, alpha=3)",
      "i.mul(i)", "torch.mul(i, torch.tensor([1, 0, -1]))", "i * torch.tensor([[2], [3]])",
      "torch.add(i, 1)", "torch.sub(i, i)", "i.neg()", "i.div(2)", "torch.div(i, 4)")
x = torch.tensor([1., 2., 3.])
ptr = x.data_ptr()
probe("x.add_(10) is x", "x", "x.sub_(1) is x", "x.mul_(2) is x", "x.div_(4) is x",
      "x.neg_() is x", "x")
run("x += 1", "x -= 0.5", "x *= 2", "x /= 4")
print(x, x.data_ptr() == ptr)
y = x
y = y + 1
print(y.data_ptr() == ptr, x)
d1 = torch.tensor([[1, 2], [3, 4]])
probe("d1 * torch.tensor([1, 2, 3])", "d1 + torch.ones(3, 2)")

section("4.2 result dtypes")
f32 = torch.tensor([1., 2.])
f64 = torch.tensor([1., 2.], dtype=torch.float64)
i32 = torch.tensor([1, 2], dtype=torch.int32)
b = torch.tensor([True, False])
exprs = [
    "i + 10", "i - 100", "i * 100", "i ** 2", "2 ** i", "i // 2", "i % 3", "i + 2.5", "i * 2.5",
    "i ** 0.5", "torch.pow(i, 2.0)", "i / 100", "i.div(100)", "i / 2", "i32 + 1", "i32 * 2.5",
    "i.sum()", "i32.sum()", "b.sum()", "b + 1", "b + b", "b * b", "b + 1.5", "f32 + f64",
    "f32 + torch.tensor(1., dtype=torch.float64)", "i + torch.tensor(1., dtype=torch.float64)",
    "i[0, :2] + f32", "f64 * 2.5", "f32 * np.float64(2.0)", "f32 * np.array(2.0)",
    "i.sqrt()", "i.exp()", "i.log()", "i32.float() + i[0, :2]", "i32 + torch.tensor(5)",
    "torch.tensor(5) + torch.tensor(2.5)", "f32.half() + 1", "f32.half() + f32",
    "i32 + torch.tensor([1], dtype=torch.int16)", "torch.tensor([1], dtype=torch.uint8) - 2",
    "torch.tensor([1], dtype=torch.int8) + torch.tensor([1], dtype=torch.uint8)",
]
for e in exprs:
    r = eval(e)
    print(f"{e:50} {str(r.dtype):15} {list(r.shape)}")

section("4.2 floor division, remainder, division by zero, powers")
probe("torch.tensor([-7]) // 2", "torch.tensor([-7]) % 3", "torch.tensor([7]) % -3",
      "torch.tensor([-7.5]) // 2", "torch.tensor([-7.5]) % 2",
      "torch.tensor([-7]).div(2, rounding_mode='floor')",
      "torch.tensor([-7]).div(2, rounding_mode='trunc')", "torch.tensor([-7]) / 2",
      "torch.tensor([5]) // 0", "torch.tensor([5]) % 0",
      "torch.tensor([[0, 1, 2], [3, 4, 0]]) / 0", "torch.tensor([-1., 0., 1.]) / 0",
      "torch.tensor([5.]) // 0", "i ** -1", "i ** 0", "i.float() ** -1",
      "torch.tensor([2]) ** torch.tensor([-1])", "torch.pow(2, i)", "2 ** torch.tensor([0.5])")

section("4.2 errors")
probe("-b", "b.neg()", "b - b", "~b", "b.logical_not()")
xi = torch.tensor([1, 2])
probe("xi.add_(2.5)", "xi.div_(2)", "xi.mul_(1.5)", "xi.add_(torch.tensor([1.]))")
run("xi /= 2")
probe("xi", "xi.add_(1) is xi")
run("xi *= 3")
probe("xi")
yf = torch.tensor([1., 2.])
probe("yf.add_(torch.tensor([1., 1.], dtype=torch.float64))", "yf.add_(torch.tensor([[1., 1.]]))",
      "yf.add_(2)", "yf.add_(True)")

section("4.3 program 14, seeded")
torch.manual_seed(14)
data = torch.randint(0, 10, [2, 3])
print(data)
print(data.add(10))
print(data)
print(data.add_(10))
print(data)
print(data.sub(100))
print(data.mul(100))
print(data.div(100))
print(data.neg())

section("4.4 tensor x NumPy 0-d array")
coef = np.array(42.38550486)
probe("torch.tensor(1.5) * coef", "torch.tensor(1.5) * coef + 14.5",
      "torch.tensor(1.5) * coef.item()", "type(torch.tensor(1.5) * coef)",
      "(torch.tensor(1.5) * coef).dtype", "coef * torch.tensor(1.5)",
      "torch.tensor([1.5, 2.]) * np.float64(2.0)", "torch.tensor([1.5]) + np.int64(2)",
      "torch.tensor([1, 2]) * np.float32(2.5)")
