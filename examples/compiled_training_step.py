"""A digits classifier whose training step is compiled with ``@torch.compile``, on
scikit-learn's 8x8 handwritten digits (no download).

A plain PyTorch program: ``python examples/compiled_training_step.py`` runs it on PyTorch
(torch.compile with its default backend), ``python -m minigrad.torch_alias
examples/compiled_training_step.py`` on minigrad (minigrad.compile captures the step twice, then
replays it), and ``python -m compare run examples/compiled_training_step.py`` compares the two.
The step (forward, loss, backward, AdamW update) is one compiled function; the data loading,
the learning-rate schedule, logging and evaluation stay ordinary Python around it.

(No dropout inside the step: torch.compile draws a compiled graph's random numbers with its own
generator, not eager PyTorch's stream, while minigrad.compile replays eager's stream exactly;
the two would then train on different masks.)
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
digits = load_digits()
x_all = torch.tensor(digits.data, dtype=torch.float32) / 16.0
y_all = torch.tensor(digits.target)
train_set = TensorDataset(x_all[:1500], y_all[:1500])
x_test, y_test = x_all[1500:], y_all[1500:]

model = nn.Sequential(nn.Linear(64, 128), nn.GELU(), nn.Linear(128, 10))
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)


@torch.compile
def train_step(x, y):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


loader = DataLoader(train_set, batch_size=50, shuffle=True, drop_last=True)
for epoch in range(4):
    model.train()
    total = 0.0
    for x, y in loader:
        total += train_step(x, y).item()
    scheduler.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    print(f"epoch {epoch}: mean loss {total / len(loader):.4f}, test accuracy {accuracy:.4f}, "
          f"lr {scheduler.get_last_lr()[0]:.5f}")
