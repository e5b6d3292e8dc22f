"""LeNet-5 trained on scikit-learn's 8x8 handwritten digits, upscaled to 32x32.

The classic network from the PyTorch "Neural Networks" tutorial (two 5x5 convolutions with max
pooling, then three linear layers), trained for a few epochs with SGD and momentum, then
evaluated on held-out digits. A plain PyTorch program::

    python examples/lenet_digits.py
    python -m compare run examples/lenet_digits.py     # minigrad and torch, compared
"""
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def load_data():
    """Digits scaled to [0, 1], upscaled 8x8 -> 32x32 (bilinear), split 1500 / 297."""
    digits = load_digits()
    images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    images = F.interpolate(images, size=(32, 32), mode="bilinear", align_corners=False)
    labels = torch.tensor(digits.target)
    return (images[:1500], labels[:1500]), (images[1500:], labels[1500:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    torch.manual_seed(0)
    (train_x, train_y), (test_x, test_y) = load_data()
    net = LeNet()
    print(net)
    print("parameters:", sum(p.numel() for p in net.parameters()))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

    for epoch in range(args.epochs):
        order = torch.randperm(len(train_x))
        running, batches = 0.0, 0
        for start in range(0, len(order), args.batch_size):
            idx = order[start:start + args.batch_size]
            optimizer.zero_grad()
            loss = criterion(net(train_x[idx]), train_y[idx])
            loss.backward()
            optimizer.step()
            running += loss.item()
            batches += 1
        print(f"epoch {epoch + 1}: mean loss {running / batches:.4f}")

    with torch.no_grad():
        logits = net(test_x)
        predicted = logits.argmax(dim=1)
    accuracy = (predicted == test_y).float().mean().item()
    print(f"test accuracy: {accuracy:.3f}")
    print("first predictions:", predicted[:12].tolist())
    print("conv1 weight norm:", round(net.conv1.weight.norm().item(), 4))
    print(np.round(F.softmax(logits[:2], dim=1).numpy(), 3))


if __name__ == "__main__":
    main()
