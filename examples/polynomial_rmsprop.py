"""Fitting y = sin(x) with a third-order polynomial, in the style of the "Learning PyTorch with
Examples" tutorial's ``optim`` step: an ``nn.Sequential`` of ``Linear(3, 1)`` and ``Flatten``,
summed squared error, and RMSprop, on whichever device is available.

A plain PyTorch program: ``python examples/polynomial_rmsprop.py`` runs it on torch,
``python -m compare run examples/polynomial_rmsprop.py`` compares minigrad with it.
"""
import argparse
import math

import torch

parser = argparse.ArgumentParser()
# 1000 steps: by step 1300 the two libraries' float32 losses have drifted 0.1% apart, as any two
# float32 implementations would: their sin and x ** p round an ulp apart in about one element in
# eight, and their matrix products (the layer's 2000-term dot products) sum in different orders
parser.add_argument("--steps", type=int, default=1000)
args = parser.parse_args()

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")
torch.manual_seed(0)

# inputs and outputs: 2000 points of sin on [-pi, pi]
x = torch.linspace(-math.pi, math.pi, 2000, device=device)
y = torch.sin(x)

# the features x, x^2, x^3: the polynomial is then a linear layer over them
p = torch.tensor([1, 2, 3], device=device)
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1),
).to(device)
loss_fn = torch.nn.MSELoss(reduction="sum")

learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
for t in range(args.steps):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear_layer = model[0]
print(f"Result: y = {linear_layer.bias.item():.4f} + {linear_layer.weight[:, 0].item():.4f} x "
      f"+ {linear_layer.weight[:, 1].item():.4f} x^2 + {linear_layer.weight[:, 2].item():.4f} x^3")
