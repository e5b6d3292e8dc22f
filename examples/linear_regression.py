"""Linear regression with nn.Linear, nn.MSELoss, optim.SGD and a DataLoader.

The seed tutorial's program 30, headless and runnable on either library::

    python examples/linear_regression.py --out plots/                 # minigrad
    python examples/linear_regression.py --out plots/ --backend torch  # PyTorch
    MINIGRAD_BACKEND=torch python examples/linear_regression.py

It fits y = w x + b to scikit-learn's ``make_regression`` data (true w = 42.3855, b = 14.5),
writes ``linear_regression_loss.png`` (the loss curve) and ``linear_regression_fit.png`` (data,
fitted and true lines) into ``--out``, and prints the trained weight and bias. With ``--seed``
both libraries draw the same initial weights and the same shuffled batches, so they print the
same numbers. As in the seed, the loss curve is the running mean of all batch losses so far.
"""
import argparse
import importlib
import os
from pathlib import Path


def load_backend(name=None):
    """The ``torch`` module to use: minigrad (default) or PyTorch."""
    name = name or os.environ.get("MINIGRAD_BACKEND", "minigrad")
    if name not in ("minigrad", "torch"):
        raise ValueError(f"unknown backend {name!r} (use 'minigrad' or 'torch')")
    return importlib.import_module(name)


def create_dataset(torch):
    """100 noisy points on a line: x (100, 1) float64, y (100,) float64, the true slope."""
    from sklearn.datasets import make_regression
    x, y, coef = make_regression(n_samples=100, n_features=1, noise=10, coef=True, bias=14.5,
                                 random_state=0)
    return torch.tensor(x), torch.tensor(y), float(coef)


def train(torch, epochs=100, batch_size=16, lr=1e-2, shuffle=True, seed=None):
    """Fit the line; returns (model, running-mean loss per epoch, x, y, true slope)."""
    if seed is not None:
        torch.manual_seed(seed)
    x, y, coef = create_dataset(torch)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y),
                                         batch_size=batch_size, shuffle=shuffle)
    model = torch.nn.Linear(in_features=1, out_features=1)
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(params=model.parameters(), lr=lr)
    epoch_loss, total_loss, batches = [], 0.0, 0
    for _ in range(epochs):
        for train_x, train_y in loader:
            y_pred = model(train_x.type(torch.float32))
            loss = criterion(y_pred, train_y.reshape(-1, 1).type(torch.float32))
            total_loss += loss.item()
            batches += 1
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epoch_loss.append(total_loss / batches)
    return model, epoch_loss, x, y, coef


def plot(torch, model, epoch_loss, x, y, coef, out_dir):
    """Write the loss curve and the fitted line as PNGs into out_dir; returns their paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    loss_png = out_dir / "linear_regression_loss.png"
    fit_png = out_dir / "linear_regression_fit.png"

    fig, ax = plt.subplots()
    ax.plot(range(len(epoch_loss)), epoch_loss)
    ax.set(title="Loss (running mean over all batches)", xlabel="epoch", ylabel="MSE")
    ax.grid()
    fig.savefig(loss_png)
    plt.close(fig)

    fig, ax = plt.subplots()
    ax.scatter(x.numpy().ravel(), y.numpy(), s=12)
    xs = torch.linspace(x.min(), x.max(), 1000)
    with torch.no_grad():
        fitted = model(xs.reshape(-1, 1)).reshape(-1)
    ax.plot(xs.numpy(), fitted.numpy(), label="trained", color="tab:red")
    ax.plot(xs.numpy(), xs.numpy() * coef + 14.5, label="true", color="tab:green")
    ax.grid()
    ax.legend()
    fig.savefig(fit_png)
    plt.close(fig)
    return loss_png, fit_png


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["minigrad", "torch"], default=None,
                        help="library to run on (default: $MINIGRAD_BACKEND or minigrad)")
    parser.add_argument("--out", default=".", help="directory for the two PNGs")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None, help="manual_seed for the run")
    parser.add_argument("--no-shuffle", action="store_true", help="keep the data order")
    args = parser.parse_args(argv)
    torch = load_backend(args.backend)
    model, epoch_loss, x, y, coef = train(torch, epochs=args.epochs, seed=args.seed,
                                          shuffle=not args.no_shuffle)
    print(model.weight)
    print(model.bias)
    for path in plot(torch, model, epoch_loss, x, y, coef, args.out):
        print("wrote", path)


if __name__ == "__main__":
    main()
