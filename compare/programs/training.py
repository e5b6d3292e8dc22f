"""Whole training loops: a tutorial's linear regression and a small MLP classifier.

Initial weights come from NumPy and are copied in, and the DataLoader does not shuffle, so every
backend takes exactly the same steps.
"""
import numpy as np

from . import program, rng_for


def _set_params(T, model, arrays):
    """Copy NumPy arrays into the model's parameters (in order) without recording history."""
    with T.no_grad():
        for p, a in zip(model.parameters(), arrays):
            p.copy_(T.tensor(a, dtype=p.dtype, device=p.device))


@program("training")
def linear_regression(T, device):
    """Linear regression: make_regression, TensorDataset, DataLoader, nn.Linear, MSELoss, SGD."""
    from sklearn.datasets import make_regression
    x, y, coef = make_regression(n_samples=100, n_features=1, noise=10, coef=True, bias=14.5,
                                 random_state=0)
    x = T.tensor(x, device=device)
    y = T.tensor(y, device=device)
    dataset = T.utils.data.TensorDataset(x, y)
    loader = T.utils.data.DataLoader(dataset=dataset, batch_size=16, shuffle=False)
    model = T.nn.Linear(in_features=1, out_features=1).to(device)
    _set_params(T, model, [np.array([[-0.0996]]), np.array([-0.7742])])
    criterion = T.nn.MSELoss()
    optimizer = T.optim.SGD(params=model.parameters(), lr=1e-2)
    epoch_loss, total_loss, batches = [], 0.0, 0
    for _ in range(20):
        for train_x, train_y in loader:
            y_pred = model(train_x.type(T.float32))
            loss = criterion(y_pred, train_y.reshape(-1, 1).type(T.float32))
            total_loss += loss.item()
            batches += 1
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epoch_loss.append(total_loss / batches)
    return {"weight": model.weight, "bias": model.bias, "weight.grad": model.weight.grad,
            "bias.grad": model.bias.grad, "epoch_loss": epoch_loss, "batches": batches,
            "n_batches": len(loader)}


def _blobs(n_per_class=40, n_features=4, n_classes=3):
    rng = rng_for("training.blobs")
    centers = rng.standard_normal((n_classes, n_features)) * 2.5
    x = np.concatenate([c + rng.standard_normal((n_per_class, n_features)) for c in centers])
    y = np.repeat(np.arange(n_classes), n_per_class)
    order = rng.permutation(len(y))
    return x[order].astype(np.float32), y[order]


def _mlp_weights(n_in=4, hidden=16, n_out=3):
    rng = rng_for("training.mlp_weights")
    return [rng.uniform(-0.5, 0.5, (hidden, n_in)), rng.uniform(-0.5, 0.5, hidden),
            rng.uniform(-0.5, 0.5, (n_out, hidden)), rng.uniform(-0.5, 0.5, n_out)]


def _train_mlp(T, device, make_optimizer, steps=60, batch_size=30):
    nn = T.nn
    x_np, y_np = _blobs()
    x = T.tensor(x_np, device=device)
    y = T.tensor(y_np, device=device)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)).to(device)
    _set_params(T, model, _mlp_weights())
    optimizer = make_optimizer(model.parameters())
    criterion = nn.CrossEntropyLoss()
    loader = T.utils.data.DataLoader(T.utils.data.TensorDataset(x, y), batch_size=batch_size)
    losses, step = [], 0
    while step < steps:
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            step += 1
    with T.no_grad():
        logits = model(x)
        accuracy = (logits.argmax(dim=1) == y).float().mean()
    out = {"losses": np.array(losses, dtype=np.float32), "logits": logits, "accuracy": accuracy}
    out.update({f"param{i}": p for i, p in enumerate(model.parameters())})
    out.update({f"param{i}.grad": p.grad for i, p in enumerate(model.parameters())})
    return out


@program("training")
def mlp_adam(T, device):
    """Linear-ReLU-Linear + CrossEntropyLoss + Adam on three Gaussian blobs."""
    return _train_mlp(T, device, lambda params: T.optim.Adam(params, lr=0.01))


@program("training")
def mlp_sgd_momentum(T, device):
    """The same MLP trained with SGD + momentum + weight decay."""
    return _train_mlp(T, device, lambda params: T.optim.SGD(params, lr=0.05, momentum=0.9,
                                                            weight_decay=1e-4))
