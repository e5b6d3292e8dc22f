"""API.md section 2: dtype objects and aliases, t.type(), .half()/.float()/... and truncation."""
import torch
from _probe import probe, section

section("2 dtype objects and aliases")
probe(
    "torch.float is torch.float32", "torch.double is torch.float64", "torch.long is torch.int64",
    "torch.int is torch.int32", "torch.short is torch.int16", "torch.half is torch.float16",
    "torch.get_default_dtype()", "torch.tensor([1, 2]).dtype", "torch.tensor([1., 2.]).dtype",
    "torch.tensor([1.], dtype=torch.float64).dtype", "torch.float64.is_floating_point",
    "torch.int32.is_floating_point", "torch.tensor([1.]).is_floating_point()",
)

section("2 t.type()")
d = torch.tensor([1, 2, 3])
f = torch.tensor([1.5, -2.5])
probe(
    "d.type()", "f.type()", "f.double().type()", "d.int().type()", "d.short().type()",
    "torch.tensor([True]).type()", "f.half().type()",
    "d.type(torch.DoubleTensor)", "d.type(torch.ShortTensor)", "f.type(torch.IntTensor)",
    "f.type(torch.LongTensor)", "d.type(torch.FloatTensor)", "d.type(torch.float64)",
    "f.type(dtype=torch.float16)", "d.type('torch.FloatTensor')",
    "d.type(torch.LongTensor) is d", "d.type(torch.int64) is d", "f.type('torch.FloatTensor') is f",
)

section("2 .half() .float() .double() .short() .int() .long() .bool() .to()")
probe(
    "f.float() is f", "f.double() is f", "d.long() is d", "d.float()", "d.double()", "f.half()",
    "f.short()", "f.int()", "f.long()", "f.bool()", "torch.tensor([0., 2.]).bool()",
    "torch.tensor([-2.7, -0.5, 0.5, 2.7, 3.5]).int()", "torch.tensor([2.7]).half()",
    "torch.tensor([2.7]).half().float()", "d.to(torch.float32)", "d.to(torch.int64) is d",
    "f.to(dtype=torch.float64)",
)

section("2 dtype change on a requires-grad tensor")
w = torch.tensor([1., 2.], requires_grad=True)
probe("w.double()", "w.type(torch.float64)", "w.float() is w", "w.double().grad_fn.name()",
      "w.to(torch.float64)", "w.int()")
x = torch.tensor([[1., 2.], [3., 4.]], dtype=torch.float64)
probe("x.type(torch.float32)", "x.type(torch.float32).dtype")
