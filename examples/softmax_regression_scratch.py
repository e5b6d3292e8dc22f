"""Softmax regression from scratch, in the style of the d2l.ai chapter: the model, softmax,
cross-entropy (picking each row's true-class probability with ``y_hat[range(len(y_hat)), y]``),
accuracy and minibatch SGD written by hand on tensors, trained on scikit-learn's 8x8 digits.

A plain PyTorch program: ``python examples/softmax_regression_scratch.py`` runs it on torch,
``python -m compare run examples/softmax_regression_scratch.py`` compares minigrad with it.
"""
import argparse

import torch
from sklearn.datasets import load_digits

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--lr", type=float, default=0.1)
args = parser.parse_args()
torch.manual_seed(0)

# ---- data: 1797 images of 64 pixels (0..16), ten classes; 1500 to train, the rest to test ------
digits = load_digits()
features = torch.tensor(digits.data, dtype=torch.float32) / 16.0
labels = torch.tensor(digits.target)
train_X, test_X = features[:1500], features[1500:]
train_y, test_y = labels[:1500], labels[1500:]


def data_iter(batch_size, X, y):
    """Minibatches in a random order (torch.randperm: the same order in both libraries)."""
    order = torch.randperm(len(X))
    for i in range(0, len(X), batch_size):
        batch = order[i:i + batch_size]
        yield X[batch], y[batch]


# ---- the model -------------------------------------------------------------------------------
num_inputs, num_outputs = 64, 10
W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition          # broadcasting divides each row by its sum


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


def cross_entropy(y_hat, y):
    """-log of the probability given to the true class, one row at a time."""
    return -torch.log(y_hat[range(len(y_hat)), y])


def accuracy(y_hat, y):
    """How many predictions are right."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy(net, X, y):
    with torch.no_grad():
        return accuracy(net(X), y) / len(y)


def sgd(params, lr, batch_size):
    """Minibatch stochastic gradient descent."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


# ---- a first look, as d2l does: softmax rows sum to one, the pick picks ------------------------
X = torch.normal(0, 1, (2, 5))
X_prob = softmax(X)
print(X_prob, torch.allclose(X_prob.sum(1), torch.ones(2)))
y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
print(y_hat[[0, 1], y], y_hat[range(2), y])
print(cross_entropy(y_hat, y), accuracy(y_hat, y) / len(y))

# ---- training ----------------------------------------------------------------------------------
for epoch in range(args.epochs):
    total_loss, total_correct, seen = 0.0, 0.0, 0
    for X, y in data_iter(args.batch_size, train_X, train_y):
        y_hat = net(X)
        loss = cross_entropy(y_hat, y)
        loss.sum().backward()
        sgd([W, b], args.lr, X.shape[0])
        total_loss += float(loss.detach().sum())
        total_correct += accuracy(y_hat, y)
        seen += y.numel()
    test_acc = evaluate_accuracy(net, test_X, test_y)
    print(f"epoch {epoch + 1}, loss {total_loss / seen:.4f}, "
          f"train acc {total_correct / seen:.3f}, test acc {test_acc:.3f}")

predictions = net(test_X[:8]).argmax(axis=1)
print("labels:     ", test_y[:8].tolist())
print("predictions:", predictions.tolist())
