"""API.md section 0: how tensors, sizes, dtypes, grad_fns and return types print."""
import torch
from _probe import probe, run, section

section("0.1 suffixes: dtype, requires_grad, grad_fn, size of empty tensors")
probe(
    "torch.tensor(10)",
    "torch.tensor(10.)",
    "torch.tensor(2.5)",
    "torch.tensor(10., dtype=torch.float64)",
    "torch.tensor([True, False])",
    "torch.tensor(True)",
    "torch.tensor([1, 2], dtype=torch.int32)",
    "torch.tensor([1, 2], dtype=torch.int16)",
    "torch.tensor([1, 2], dtype=torch.int8)",
    "torch.tensor([1, 2], dtype=torch.uint8)",
    "torch.tensor([1.5], dtype=torch.float16)",
    "torch.tensor([1., 2.], requires_grad=True)",
    "torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)",
    "torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True) * 2",
    "torch.tensor(3., requires_grad=True) * 2",
    "torch.full((2, 12), 1.5, requires_grad=True) * 2",
    "torch.full((2, 12), 1.5, dtype=torch.float64)",
    "torch.full((2, 11), 1.5, dtype=torch.float64, requires_grad=True) * 2",
    "torch.zeros(0)",
    "torch.zeros(0, dtype=torch.int64)",
    "torch.zeros(0, dtype=torch.bool)",
    "torch.zeros(0, 3)",
    "torch.zeros(2, 0, dtype=torch.float64)",
    "torch.zeros(0, 3, requires_grad=True)",
    "torch.ShortTensor()",
)
data = torch.tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]])
probe("data[data[:, 2] > 100]", "data[:, data[1] > 100]")
print(str(torch.tensor([1.5, 2.5])) == repr(torch.tensor([1.5, 2.5])))

section("0.1 other reprs")
m = torch.nn.Linear(1, 1)
with torch.no_grad():
    m.weight.fill_(-0.0075)
    m.bias.fill_(0.5364)
print(list(m.parameters()))
probe("torch.nn.Parameter(torch.tensor([1.]), requires_grad=False)",
      "torch.nn.Parameter(torch.tensor([1., 2.]))")
print(data.shape, data.shape[0], data.shape[1])
probe("torch.Size([])", "torch.Size([2, 3])", "data.size()", "torch.float32", "torch.int64",
      "torch.bool", "torch.float16", "type(torch.tensor([2, 3, 4]))")
x = torch.tensor(2., requires_grad=True)
y = x * 3
print(y.grad_fn)
print(repr(y.grad_fn).startswith("<MulBackward0 object at 0x"))
d = torch.tensor([[5., 9., 3.], [3., 4., 0.]], dtype=torch.float64)
print(d.max(dim=0))
probe("d.min(dim=1)", "d.max(dim=0, keepdim=True)")
probe("f'{torch.tensor(3.0)}'", "f'{torch.tensor(3)}'", "f'{torch.tensor(True)}'")

section("0.2 element formatter")
probe(
    "torch.tensor([1., 1000.])",
    "torch.tensor([1., 1001.])",
    "torch.tensor([0.5, 600.])",
    "torch.tensor([0.0001, 1.])",
    "torch.tensor([0.0001, 1.], dtype=torch.float64)",
    "torch.tensor(1e8)",
    "torch.tensor(123456789.)",
    "torch.tensor(1e-5)",
    "torch.tensor([123456.789])",
    "torch.tensor([0.12355])",
    "torch.tensor([1.5, float('nan'), -float('inf')])",
    "torch.tensor([1., float('nan'), float('inf')])",
    "torch.tensor([float('nan')])",
    "torch.tensor([0., 0.])",
    "torch.tensor([100., -5.])",
    "torch.tensor([-1.5e-10, 3.])",
    "torch.tensor([0., -0.])",
    "torch.tensor([1, -100, 1000])",
    "torch.tensor([[5., 9., 3.], [3., 4., 0.]], dtype=torch.float64).exp()",
    "torch.tensor([[5., 9., 3.], [3., 4., 0.]], dtype=torch.float64).log()",
    "torch.tensor([1e-3, 1e3])",
    "torch.tensor([2.7]).half()",
    "torch.tensor([1e10, 1.])",
    "torch.tensor([-0.5, 0.25, 1e-8])",
)

section("0.3 layout, wrapping, summarization")
probe(
    "torch.arange(30)",
    "torch.arange(30.) / 7",
    "torch.arange(1001)",
    "torch.ones(1, 2, 1, 2)",
    "torch.arange(2000.).reshape(40, 50)",
    "torch.arange(24).reshape(2, 3, 4)",
    "torch.arange(1200).reshape(2, 600)",
    "torch.arange(2000).reshape(10, 10, 20)",
    "torch.zeros(1001) > 1",
)
print(torch.arange(1000))

section("0.4 %-formatting and float()")
w = torch.tensor(1.5, requires_grad=True)
probe("'%.6f' % torch.tensor(2.5)", "'%.6f' % w", "'%.6f' % w", "float(w)", "w.item()",
      "'%.6f' % torch.tensor([1., 2.])", "'%d' % torch.tensor([7])",
      "'{:.2f}'.format(torch.tensor(1.2345))", "'{:.2f}'.format(torch.tensor([1.2345]))",
      "'{}'.format(torch.tensor([1.5]))")
run("print('value: %.3f %.3f' % (w, w * 2))")
