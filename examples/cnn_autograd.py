"""The PyTorch "Neural Networks" tutorial's small CNN, step by step: define the network, look at
its parameters, run a forward pass on a random 32x32 image, backpropagate, follow the loss's
``grad_fn`` chain back through the layers, and take one SGD step by hand and with ``optim``.

    python -m compare run examples/cnn_autograd.py
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)   # 5*5 from the image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))          # (N, 6, 28, 28)
        s2 = F.max_pool2d(c1, (2, 2))            # (N, 6, 14, 14)
        c3 = F.relu(self.conv2(s2))              # (N, 16, 10, 10)
        s4 = F.max_pool2d(c3, 2)                 # (N, 16, 5, 5)
        s4 = torch.flatten(s4, 1)                # (N, 400)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        return self.fc3(f6)


torch.manual_seed(0)
net = Net()
print(net)

params = list(net.parameters())
print(len(params))
print(params[0].size())          # conv1's .weight

input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)

net.zero_grad()
out.backward(torch.randn(1, 10))

output = net(input)
target = torch.randn(10).view(1, -1)     # a dummy target, shaped like the output
criterion = nn.MSELoss()
loss = criterion(output, target)
print(loss)

print(loss.grad_fn)                                        # MSELoss
print(loss.grad_fn.next_functions[0][0])                   # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU

net.zero_grad()
print("conv1.bias.grad before backward")
print(net.conv1.bias.grad)
loss.backward()
print("conv1.bias.grad after backward")
print(net.conv1.bias.grad)
print("conv2.weight.grad norm", net.conv2.weight.grad.norm())

learning_rate = 0.01
with torch.no_grad():
    for f in net.parameters():
        f.sub_(f.grad * learning_rate)
print(criterion(net(input), target))

optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
for step in range(5):
    optimizer.zero_grad()
    loss = criterion(net(input), target)
    loss.backward()
    optimizer.step()
    print(step, f"{loss.item():.5f}")

images = torch.randn(4, 1, 32, 32, requires_grad=True)
scores = net(images).sum()
scores.backward()
print(images.grad.shape, images.grad.abs().sum())
