"""API.md section 11: make_regression data, TensorDataset / DataLoader (batches, collate, shuffle
under a seed), nn.Linear (parameters, init, forward, errors), nn.MSELoss (reductions, broadcast
warning, errors, gradient), optim.SGD (repr, step, zero_grad), and program 30's training loop."""
import warnings

import numpy as np  # noqa: F401 - used by the probes
import torch
from _probe import probe, run, section
from sklearn.datasets import make_regression
from torch.utils.data import DataLoader, TensorDataset

section("11.1 sklearn data")
x_np, y_np, coef = make_regression(n_samples=100, n_features=1, noise=10, coef=True, bias=14.5,
                                   random_state=0)
x, y = torch.tensor(x_np), torch.tensor(y_np)
probe("x.shape", "x.dtype", "y.shape", "x.min()", "x.max()", "type(coef)", "coef.ndim")

section("11.2 TensorDataset and DataLoader")
ds = TensorDataset(x, y)
probe("len(ds)", "ds[0]", "type(ds[0])", "ds[[0, 1]]", "TensorDataset(x, y[:10])")
dl = DataLoader(ds, batch_size=16, shuffle=True)
probe("len(dl)", "len(DataLoader(ds, batch_size=16, drop_last=True))")
torch.manual_seed(0)
for epoch in range(2):
    sizes, firsts = [], []
    for train_x, train_y in dl:
        sizes.append(len(train_x))
        firsts.append(round(train_y[0].item(), 4))
    print(epoch, sizes, firsts, type(train_x).__name__, train_x.shape, train_x.dtype, train_y.shape)
batch = next(iter(DataLoader(ds, batch_size=16)))
print(type(batch).__name__, torch.equal(batch[0], x[:16]))
probe("next(iter(DataLoader([1, 2, 3], batch_size=2)))",
      "next(iter(DataLoader([1.5, 2.5], batch_size=2)))",
      "next(iter(DataLoader([(1, 2.5), (3, 4.5)], batch_size=2)))",
      "next(iter(DataLoader([np.array([1, 2], dtype=np.int32)] * 2, batch_size=2)))",
      "next(iter(DataLoader([{'a': 1}, {'a': 2}], batch_size=2)))")

section("11.3 nn.Linear")
torch.manual_seed(30)
m = torch.nn.Linear(1, 1)
probe("m", "m.weight", "m.bias", "m.weight.shape", "m.bias.shape", "type(m.weight)",
      "isinstance(m.weight, torch.Tensor)", "m.weight.is_leaf", "m.weight.requires_grad",
      "type(m.parameters()).__name__", "[n for n, _ in m.named_parameters()]",
      "list(m.parameters())", "torch.nn.Linear(5, 3).weight.shape",
      "torch.nn.Linear(2, 3, bias=False)",
      "torch.nn.Linear(2, 3, bias=False).bias")
torch.manual_seed(5)
print(torch.nn.Linear(5, 3).weight)
probe("m(torch.ones(4, 1))", "m(torch.ones(4, 1)).grad_fn.name()", "m(torch.ones(2, 4, 1)).shape",
      "m(torch.ones(1)).grad_fn.name()",
      "torch.nn.Linear(1, 1, bias=False)(torch.ones(2, 1)).grad_fn",
      "m(torch.ones(4, 1, dtype=torch.float64))", "m(torch.ones(4, 2))", "m(torch.tensor([[1]]))")
v = torch.tensor(2.)
out = v * m.weight + m.bias
probe("out.shape", "out.grad_fn.name()")

section("11.4 nn.MSELoss")
crit = torch.nn.MSELoss()
p = torch.tensor([[1.], [2.], [3.]], requires_grad=True)
target = torch.tensor([[1.5], [2.], [5.]])
probe("crit", "crit(p, target)", "torch.nn.MSELoss(reduction='sum')(p, target)",
      "torch.nn.MSELoss(reduction='none')(p, target)", "crit(p, target.double())",
      "crit(p, target.reshape(3))", "crit(p, torch.ones(2))",
      "crit(torch.tensor([1, 2]), torch.tensor([1, 3]))", "crit(p, target).shape",
      "torch.nn.MSELoss(reduction='max')")
crit(p, target).backward()
print(p.grad)

section("11.5 optim.SGD")
torch.manual_seed(1)
model = torch.nn.Linear(1, 1)
opt = torch.optim.SGD(params=model.parameters(), lr=1e-2)
print(opt)
probe("torch.optim.SGD(model.parameters(), lr=-1)",
      "torch.optim.SGD(model.parameters()).defaults['lr']",
      "opt.param_groups[0]['lr']", "len(opt.param_groups[0]['params'])",
      "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)")
w0 = model.weight.detach().clone()
loss = crit(model(torch.ones(3, 1)), torch.zeros(3, 1))
loss.backward()
grad = model.weight.grad.clone()
opt.step()
print(torch.equal(model.weight.detach(), w0 - 0.01 * grad), type(loss.item()).__name__)
opt.zero_grad()
print(model.weight.grad, model.bias.grad)
loss = crit(model(torch.ones(3, 1)), torch.zeros(3, 1))
loss.backward()
opt.zero_grad(set_to_none=False)
print(model.weight.grad, model.bias.grad)
opt.step()
print(model.weight, model.bias)

section("11.6 program 30's training loop (seeded, 3 epochs)")
torch.manual_seed(0)
model = torch.nn.Linear(1, 1)
opt = torch.optim.SGD(params=model.parameters(), lr=1e-2)
print(model.weight, model.bias)
epoch_loss, total_loss, train_sample = [], 0.0, 0
for _ in range(3):
    for train_x, train_y in dl:
        y_pred = model(train_x.type(torch.float32))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = crit(y_pred, train_y.reshape(-1, 1).type(torch.float32))
        total_loss += loss.item()
        train_sample += len(train_y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    epoch_loss.append(total_loss / train_sample)
print([round(e, 3) for e in epoch_loss])
print(model.weight, model.bias)
run("print(model.weight.data.item() > 0, model.bias.item() > 0)")
