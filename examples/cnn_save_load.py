"""Saving and loading a CNN, as in the PyTorch "Saving and Loading Models" tutorial: print the
model's and the optimizer's state_dict, save the state_dict, load it into a fresh model, check
both predict the same, and resume training from a full checkpoint.

    python -m compare run examples/cnn_save_load.py
"""
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class TheModelClass(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


torch.manual_seed(0)
model = TheModelClass()
optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
images, labels = torch.randn(8, 3, 32, 32), torch.randint(0, 10, (8,))
for _ in range(3):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()

print("Model's state_dict:")
for param_tensor in model.state_dict():
    print(param_tensor, "\t", model.state_dict()[param_tensor].size())
print("Optimizer's state_dict:")
state = optimizer.state_dict()
print("state", "\t", {k: sorted(v) for k, v in state["state"].items()})
print("param_groups", "\t", state["param_groups"])

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "model.pt")
    torch.save(model.state_dict(), path)
    restored = TheModelClass()
    print(restored.load_state_dict(torch.load(path, weights_only=True)))
    restored.eval()
    model.eval()
    with torch.no_grad():
        same = torch.equal(restored(images), model(images))
    print("same predictions after loading:", same)

    checkpoint = os.path.join(folder, "checkpoint.tar")
    torch.save({"epoch": 3, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": loss}, checkpoint)
    model2 = TheModelClass()
    optimizer2 = optim.SGD(model2.parameters(), lr=0.001, momentum=0.9)
    state = torch.load(checkpoint, weights_only=True)
    model2.load_state_dict(state["model_state_dict"])
    optimizer2.load_state_dict(state["optimizer_state_dict"])
    print("resumed at epoch", state["epoch"], "loss", state["loss"])
    model2.train()
    for optimizer_, model_ in ((optimizer, model), (optimizer2, model2)):
        model_.train()
        optimizer_.zero_grad()
        F.cross_entropy(model_(images), labels).backward()
        optimizer_.step()
    print("same weights after one more step:",
          torch.equal(model.fc3.weight, model2.fc3.weight))
    print(model2.conv1.weight[0, 0])
