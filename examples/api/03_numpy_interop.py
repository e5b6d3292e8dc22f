"""API.md section 3: numpy() and from_numpy() share memory, torch.tensor copies, np.asarray,
item() / tolist() / float() / int()."""
import warnings

import numpy as np
import torch
from _probe import probe, section

section("3 t.numpy() shares memory")
t = torch.tensor([2, 3, 4])
a = t.numpy()
print(type(t), type(a), a.dtype)
a[0] = 100
print(t, a)
t[1] = -1
print(a)
c = t.numpy().copy()
c[2] = 0
print(t, c)
probe("torch.tensor(5).numpy()", "torch.tensor([1., 2.]).numpy().dtype",
      "torch.tensor([True]).numpy().dtype", "torch.arange(6).reshape(2, 3).t().numpy().strides",
      "torch.arange(6).reshape(2, 3).t().numpy()")

section("3 numpy() of a tensor that requires grad")
g = torch.tensor([1., 2.], requires_grad=True)
probe("g.numpy()", "(g * 2).numpy()", "np.asarray(g)", "np.array(g)", "g.detach().numpy()",
      "g.data.numpy()", "(g * 2).detach().numpy()")

section("3 torch.from_numpy shares, torch.tensor copies, as_tensor shares")
arr = np.array([1, 2, 3])
s = torch.from_numpy(arr)
cp = torch.tensor(arr)
at = torch.as_tensor(arr)
arr[0] = 100
print(s, cp, at)
s[1] = 7
print(arr)
probe("torch.from_numpy(np.array([1., 2.]))", "torch.from_numpy(np.arange(6).reshape(2, 3).T)",
      "torch.from_numpy(np.arange(6.).reshape(2, 3)[:, ::2])",
      "torch.from_numpy(np.array([1, 2], dtype=np.int32))", "torch.from_numpy([1, 2])")
ro = np.array([1., 2.])
ro.flags.writeable = False
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    torch.from_numpy(ro)
print([(w.category.__name__, str(w.message).split(".")[0]) for w in caught])

section("3 np.asarray(t) and __array__")
t2 = torch.tensor([[1., 2.], [3., 4.]])
n2 = np.asarray(t2)
n2[0, 0] = -1
print(t2, n2.dtype, torch.Tensor.__array_priority__)
probe("np.asarray(torch.tensor([1, 2]))", "np.asarray(t2, dtype=np.float64)",
      "np.array(torch.tensor([1.5]))", "np.array(torch.tensor([1.5]), copy=True)")

section("3 item, tolist, float, int")
probe(
    "torch.tensor([30,]).item()", "torch.tensor(30).item()", "torch.tensor([[1.5]]).item()",
    "type(torch.tensor(30).item())", "type(torch.tensor(3.).item())",
    "type(torch.tensor(True).item())", "torch.tensor(0.1).item()",
    "torch.tensor(0.1, dtype=torch.float64).item()", "torch.tensor(True).item()",
    "torch.tensor([1, 2]).item()", "torch.tensor([]).item()", "float(torch.tensor([1., 2.]))",
    "float(torch.tensor([2.5]))", "int(torch.tensor([2.7]))", "int(torch.tensor(-2.7))",
    "bool(torch.tensor([0.]))", "bool(torch.tensor([1, 2]))",
    "torch.tensor(3).tolist()", "torch.tensor([[1., 2.]]).tolist()",
    "torch.tensor([True, False]).tolist()", "torch.tensor([0.1]).tolist()",
    "torch.tensor([1.5], requires_grad=True).item()",
    "torch.tensor([1.5], requires_grad=True).tolist()",
)
