"""API.md section 1: torch.tensor inference, legacy and typed constructors, arange, linspace,
random tensors and seeds, zeros/ones/full and *_like."""
import numpy as np
import torch
from _probe import probe, section

section("1.1 torch.tensor infers the dtype and always copies")
probe(
    "torch.tensor(10)",
    "torch.tensor(10).shape",
    "torch.tensor([30,])",
    "torch.tensor(np.random.RandomState(0).randn(2, 3))",
    "torch.tensor([[10., 20., 30.], [40., 50., 60.]])",
    "torch.tensor([1, 2.5])",
    "torch.tensor([True, False])",
    "torch.tensor([True, 1])",
    "torch.tensor(np.array([1, 2], dtype=np.int32))",
    "torch.tensor(np.array([1, 2], dtype=np.float32))",
    "torch.tensor(np.float64(2.5))",
    "torch.tensor(np.array(2.5))",
    "torch.tensor([])",
    "torch.tensor([]).shape",
    "torch.tensor([[1, 2], [3]])",
    "torch.tensor(10, requires_grad=True)",
    "torch.tensor(10, requires_grad=True, dtype=torch.float32)",
    "torch.tensor(2**63)",
    "torch.tensor([1e40])",
    "torch.tensor([1, 2], dtype=torch.float64)",
    "torch.tensor(3.7, dtype=torch.int64)",
)
a = np.array([1., 2.])
t = torch.tensor(a)
a[0] = 100.
print(t)

section("1.2 torch.tensor on tensors and lists of tensors")
probe(
    "torch.tensor(torch.tensor([1., 2.]))",
    "torch.tensor([torch.tensor([[1.]]), torch.tensor([[2.]])])",
    "torch.tensor([torch.tensor(1., dtype=torch.float64), torch.tensor(2.)])",
    "torch.tensor([torch.tensor(1), torch.tensor(2.5)])",
    "torch.tensor([torch.tensor(1), torch.tensor(2)])",
    "torch.tensor([[torch.tensor(1.)], [torch.tensor(2.)]])",
    "torch.tensor([torch.tensor([1., 2.]), torch.tensor([3., 4.])])",
    "torch.tensor([torch.ones(1, 1, requires_grad=True) * 2,"
    " torch.ones(1, 1, requires_grad=True) * 3])",
    "torch.tensor([torch.ones(1, 1, requires_grad=True) * 4]).requires_grad",
)

section("1.3 legacy torch.Tensor (float32); uninitialized values are not printed")
u = torch.Tensor(2, 3)
print(u.shape, u.dtype, torch.Tensor(10).shape)
probe("torch.Tensor([10])", "torch.Tensor([10, 20])", "torch.Tensor((2, 3))",
      "torch.Tensor([True])", "torch.Tensor()", "torch.Tensor(0)",
      "torch.Tensor(np.array([1, 2]))", "torch.Tensor(2.5)")

section("1.4 typed legacy constructors")
probe(
    "torch.IntTensor([2.5, 3.3])",
    "torch.IntTensor([-2.5, -3.7])",
    "torch.LongTensor([1.9, -1.9])",
    "torch.ShortTensor([70000])",
    "torch.BoolTensor([0, 2])",
    "torch.HalfTensor([2.7])",
    "torch.DoubleTensor([1, 2])",
    "torch.FloatTensor([1])",
    "(torch.ShortTensor(), torch.LongTensor(), torch.FloatTensor(), torch.DoubleTensor())",
    "type(torch.FloatTensor([1]))",
    "(torch.IntTensor(2, 3).shape, torch.IntTensor(2, 3).dtype)",
)

section("1.5 arange")
probe(
    "torch.arange(0, 10, 2)",
    "torch.arange(5)",
    "torch.arange(0, 10, 2.)",
    "torch.arange(0., 1., 0.1)",
    "len(torch.arange(0., 1., 0.1))",
    "torch.arange(10, 0, -3)",
    "torch.arange(torch.tensor(3))",
    "torch.arange(1, 4, dtype=torch.float64)",
    "torch.arange(0, 10, 0)",
    "torch.arange(0, 10, -1)",
)

section("1.6 linspace")
probe(
    "torch.linspace(0, 9, 10)",
    "torch.linspace(0, 1, 5)",
    "torch.linspace(0, 10, 4, dtype=torch.int64)",
    "torch.linspace(torch.tensor(-2., dtype=torch.float64),"
    " torch.tensor(2., dtype=torch.float64), 5)",
    "torch.linspace(3, 7, 1)",
    "torch.linspace(3, 7, 0)",
    "torch.linspace(torch.tensor([0.]), torch.tensor([1.]), 3)",
    "torch.linspace(0, 1, -1)",
)
try:
    torch.linspace(0, 1)
except TypeError as e:
    print("TypeError:", str(e).split(" - got")[0])
xs = torch.linspace(-2.5529898, 2.2697546, 1000)
print(xs.dtype, xs.shape, xs[0].item(), xs[499].item(), xs[500].item(), xs[-1].item())

section("1.7 random tensors and seeds")
print(torch.manual_seed(100) is not None, torch.initial_seed())
probe("torch.randn(2, 3)", "torch.randn([2, 3]).dtype", "torch.rand(2, 3)", "torch.rand((3,))",
      "torch.randint(0, 10, (2, 3))", "torch.randint(5, [4])",
      "torch.randint(0, 10, [2, 3], dtype=torch.float64)", "torch.randint(0, 10, 3)",
      "torch.randperm(6)")
torch.manual_seed(100)
print(torch.randn(2, 3))
print(torch.initial_seed())
torch.manual_seed(0)
print(torch.randn(5, 3))
print(torch.randn(3))
print(torch.randn(4, 5))

section("1.8 zeros, ones, full and *_like")
probe(
    "torch.zeros(2, 3)",
    "torch.zeros([2, 3])",
    "torch.ones((2, 3))",
    "torch.ones(2, dtype=torch.int32)",
    "torch.full([2, 3], 10)",
    "torch.full([2], 1.5)",
    "torch.full([2], True)",
    "torch.full(2, 3)",
    "torch.full_like(torch.full([2, 3], 10), 20)",
    "torch.full_like(torch.full([2, 3], 10), 2.7)",
    "torch.zeros_like(torch.tensor([[1, 2]]))",
    "torch.ones_like(torch.tensor([[1., 2.]], dtype=torch.float64))",
    "torch.empty(2, 3).shape",
    "torch.zeros(2, -1)",
    "torch.ones(-1)",
)
