"""torch.func in three recipes: per-sample gradients, a Hessian-vector product, and the
Jacobian of a small network computed both ways (reverse mode and forward mode).

A plain PyTorch program: ``python examples/func_tutorial.py`` runs it on torch,
``python -m minigrad.torch_alias examples/func_tutorial.py`` on minigrad, and
``python -m compare run examples/func_tutorial.py`` checks that both print the same.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, jacfwd, jacrev, jvp, vjp, vmap

torch.manual_seed(0)


# ---- 1. Per-sample gradients ------------------------------------------------------------------
class SimpleMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = SimpleMLP()
batch_size = 16
data = torch.randn(batch_size, 8)
targets = torch.randint(4, (batch_size,))

params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}


def compute_loss(params, buffers, sample, target):
    batch = sample.unsqueeze(0)
    predictions = functional_call(model, (params, buffers), (batch,))
    return F.cross_entropy(predictions, target.unsqueeze(0))


# the slow way: one backward pass per sample
loop_grads = []
for i in range(batch_size):
    model.zero_grad()
    loss = F.cross_entropy(model(data[i:i + 1]), targets[i:i + 1])
    loss.backward()
    loop_grads.append({k: p.grad.clone() for k, p in model.named_parameters()})

# the fast way: vmap over grad
per_sample_grads = vmap(grad(compute_loss), in_dims=(None, None, 0, 0))(
    params, buffers, data, targets)

print("per-sample gradients")
for name, g in per_sample_grads.items():
    stacked = torch.stack([lg[name] for lg in loop_grads])
    print(f"  {name:<10} {tuple(g.shape)}  matches the loop: "
          f"{torch.allclose(g, stacked, atol=1e-6)}")
print("  fc2.bias of sample 0:", per_sample_grads["fc2.bias"][0])


# ---- 2. Hessian-vector products ---------------------------------------------------------------
def f(x):
    return x.sin().sum() + (x ** 3).sum() / 3


def hvp_forward_over_reverse(f, primals, tangents):
    return jvp(grad(f), primals, tangents)[1]


def hvp_reverse_over_reverse(f, primals, tangents):
    _, vjp_fn = vjp(grad(f), *primals)
    return vjp_fn(*tangents)[0]


x = torch.randn(5)
v = torch.randn(5)
print("Hessian-vector product")
print("  forward over reverse:", hvp_forward_over_reverse(f, (x,), (v,)))
print("  reverse over reverse:", hvp_reverse_over_reverse(f, (x,), (v,)))
print("  from the full Hessian:", torch.func.hessian(f)(x) @ v)
print("  autograd.functional.hvp:", torch.autograd.functional.hvp(f, x, v)[1])


# ---- 3. Jacobians of a small network, both ways -----------------------------------------------
D_in, D_hidden, D_out = 6, 10, 3
weight = torch.randn(D_hidden, D_in)
bias = torch.randn(D_hidden)
head = torch.randn(D_out, D_hidden)


def network(x):
    return head @ torch.tanh(F.linear(x, weight, bias))


x = torch.randn(D_in)
jac_rev = jacrev(network)(x)   # one VJP per output: 3 backward passes
jac_fwd = jacfwd(network)(x)   # one JVP per input: 6 forward passes
print("Jacobian of the network", tuple(jac_rev.shape))
print(jac_rev)
print("  jacrev and jacfwd agree:", torch.allclose(jac_rev, jac_fwd, atol=1e-6))

# and of its parameters: argnums picks the arguments
jac_w = jacrev(lambda w: head @ torch.tanh(F.linear(x, w, bias)))(weight)
print("  d out / d weight:", tuple(jac_w.shape))

# batched Jacobians: vmap over jacrev
xs = torch.randn(4, D_in)
batched = vmap(jacrev(network))(xs)
print("  batched Jacobians:", tuple(batched.shape),
      torch.allclose(batched[2], jacrev(network)(xs[2]), atol=1e-6))
