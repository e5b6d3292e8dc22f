"""A small CNN with batch normalization on scikit-learn's digits: train mode (batch statistics,
running averages updated), then eval mode (running statistics), as a tutorial would show. The
layers before a BatchNorm have no bias (the normalization would cancel it).

The learning rate (0.05 with momentum 0.9) keeps the training stable: at 0.1 the run is chaotic,
and in torch alone one weight moved by one ulp changes the loss by 3e-5 after 18 steps and by
15% after 36, so that no two libraries that round differently anywhere could print the same
numbers. Here such a change stays at the rounding level, and the comparison means something.

    python -m compare run examples/batchnorm_cnn.py
"""
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

torch.manual_seed(0)
digits = load_digits()
x = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)   # (1797, 1, 8, 8)
y = torch.tensor(digits.target)
train_x, train_y, test_x, test_y = x[:1400], y[:1400], x[1400:], y[1400:]

model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Linear(16, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10),
)
print(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()

for epoch in range(3):
    model.train()
    order = torch.randperm(len(train_x))
    total = 0.0
    for start in range(0, len(order), 100):
        idx = order[start:start + 100]
        loss = loss_fn(model(train_x[idx]), train_y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch}: train loss {total / 14:.4f}")

bn = model[1]
print("running mean:", bn.running_mean)
print("running var:", bn.running_var)
print("batches tracked:", bn.num_batches_tracked)
print(sorted(model.state_dict().keys())[:6])

model.eval()
with torch.no_grad():
    eval_out = model(test_x)
    accuracy = (eval_out.argmax(1) == test_y).float().mean()
print(f"eval accuracy: {accuracy.item():.3f}")

model.train()
with torch.no_grad():
    train_out = model(test_x[:5])
print("train-mode and eval-mode outputs differ:",
      not torch.allclose(train_out, eval_out[:5]))
print("running stats moved again in train mode:", bn.num_batches_tracked.item())
print(eval_out[:2])
