"""API.md section 8: shape/size, reshape/view (views vs copies, contiguity), squeeze/unsqueeze,
transpose/permute/t/T, with their errors and grad_fns."""
import torch
from _probe import probe, section

data = torch.tensor([[10, 20, 30], [40, 50, 60]])

section("8.1 shape and size")
probe("data.shape", "data.size()", "data.shape[0]", "data.size(0)", "data.size(-1)",
      "type(data.shape[0])", "torch.Size([2, 3]) == (2, 3)", "torch.Size([2, 3]) == [2, 3]",
      "data.size(2)", "len(data)", "len(torch.tensor(3))", "data.ndim", "data.dim()",
      "data.numel()", "torch.tensor(3).shape", "data.shape + (1,)", "data.shape[1:]",
      "list(data.shape)", "tuple(data.shape)", "data.shape.numel()",
      "isinstance(data.shape, tuple)")

section("8.2 reshape and view")
probe("data.reshape(3, 2)", "data.reshape((3, 2))", "data.reshape(-1)", "data.reshape(-1, 1).shape",
      "data.t().reshape(6)", "data.reshape(4, 2)", "data.reshape(-1, -1)", "data.view(3, 2)",
      "data.view(-1)", "data.view(4, 2)", "torch.transpose(data, 0, 1).view(2, 3)",
      "torch.transpose(data, 0, 1).view(3, 2)", "torch.transpose(data, 0, 1).view(3, 1, 2).shape",
      "torch.zeros(3, 4)[:2].view(8).shape", "torch.zeros(3, 4)[:, :2].view(6)",
      "torch.reshape(data, (6,))", "data.view(torch.Size([6]))", "data.reshape(0, -1)",
      "torch.zeros(0, 3).reshape(-1, 0)")
print(data.reshape(3, 2).data_ptr() == data.data_ptr(),
      data.view(6).data_ptr() == data.data_ptr(),
      data.t().reshape(6).data_ptr() == data.data_ptr())
v = data.view(6)
v[0] = 11
print(data)
data[0, 0] = 10

section("8.2 contiguity")
probe("data.is_contiguous()", "data.t().is_contiguous()", "torch.zeros(4, 1).t().is_contiguous()",
      "torch.zeros(3, 4)[:, :2].is_contiguous()", "torch.zeros(3, 4)[::2].is_contiguous()",
      "data.contiguous() is data", "data.t().contiguous() is data.t()",
      "data.t().contiguous().is_contiguous()", "data.t().stride()", "data.stride()",
      "torch.zeros(3, 4, 5).transpose(0, 2).stride()")
t = data.t()
print(t.contiguous().data_ptr() == t.data_ptr(), t.data_ptr() == data.data_ptr())
mydata4 = torch.tensor([[10, 20, 30], [40, 50, 60]]).t().contiguous().view(2, 3)
print("mydata4--->", mydata4.shape, mydata4)

section("8.3 squeeze and unsqueeze")
x5 = torch.tensor([1, 2, 3, 4, 5])
probe("x5.unsqueeze(0)", "x5.unsqueeze(1).shape", "x5.unsqueeze(-1)", "x5.unsqueeze(-2).shape",
      "x5.unsqueeze(2)", "x5.unsqueeze(-3)", "x5.unsqueeze()", "x5.unsqueeze(0).squeeze()",
      "torch.zeros(1, 3, 1, 2).squeeze().shape", "torch.zeros(1, 3, 1, 2).squeeze(0).shape",
      "torch.zeros(1, 3, 1, 2).squeeze(1).shape", "torch.zeros(1, 3, 1, 2).squeeze((0, 2)).shape",
      "torch.zeros(1, 3, 1, 2).squeeze(-2).shape", "torch.zeros(1, 1).squeeze()",
      "torch.zeros(1, 3, 1, 2).squeeze(4)", "torch.unsqueeze(x5, 0).shape",
      "torch.squeeze(torch.zeros(2, 1), 1).shape")
u = x5.unsqueeze(0)
print(u.data_ptr() == x5.data_ptr())
print("在-1维度上 拓展维度：", x5.unsqueeze(-1), x5.unsqueeze(-1).shape)
print("压缩维度：", x5.unsqueeze(0).squeeze(), x5.unsqueeze(0).squeeze().shape)

section("8.4 transpose, permute, t, T")
d = torch.zeros(3, 4, 5)
probe("torch.transpose(d, 0, 1).shape", "d.transpose(-1, -2).shape", "d.stride()",
      "d.transpose(1, 2).stride()", "torch.permute(d, [1, 2, 0]).shape",
      "torch.permute(d, (2, 0, 1)).shape", "d.permute(1, 2, 0).shape", "d.permute([1, 2, 0]).shape",
      "d.permute(-1, 0, 1).shape", "torch.permute(d, 1, 2, 0)", "d.permute(1, 2)",
      "d.permute(1, 1, 0)", "d.permute([1, 2, 3])", "torch.transpose(d, 0, 3)", "d.t()",
      "torch.tensor([1, 2]).t()", "d.T.shape", "data.T", "data.mT", "torch.t(data)")
print(d.transpose(1, 2).data_ptr() == d.data_ptr(),
      d.permute(2, 0, 1).is_contiguous())
a3 = torch.tensor(__import__("numpy").random.RandomState(0).randint(0, 10, [3, 4, 5]))
print("data shape:", a3.shape, a3.dtype)
print(torch.transpose(a3, 1, 2).shape)
print(torch.permute(a3, [1, 2, 0]).shape)
print(a3.transpose(0, 1).transpose(1, 2).shape)
print(a3.permute(1, 2, 0).shape)

section("8 grad_fns of shape ops")
x = torch.arange(6.).reshape(2, 3).requires_grad_()
probe("x.reshape(3, 2).grad_fn.name()", "x.view(6).grad_fn.name()",
      "x.t().reshape(6).grad_fn.name()", "x.transpose(0, 1).grad_fn.name()", "x.t().grad_fn.name()",
      "x.permute(1, 0).grad_fn.name()", "x.T.grad_fn.name()", "x.unsqueeze(0).grad_fn.name()",
      "x.unsqueeze(0).squeeze().grad_fn.name()", "x.unsqueeze(0).squeeze(0).grad_fn.name()",
      "x.t().contiguous().grad_fn.name()", "x.clone().grad_fn.name()", "x.contiguous() is x",
      "x.flatten().grad_fn.name()", "x.expand(2, 2, 3).grad_fn.name()")
(x.t().reshape(6) * torch.arange(6.)).sum().backward()
print(x.grad)
