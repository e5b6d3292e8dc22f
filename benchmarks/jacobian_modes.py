"""Reverse mode vs forward mode: the cost of a full Jacobian, measured.

``python -m benchmarks.jacobian_modes`` times ``autograd.functional.jacobian`` of
f: R^n -> R^m, ``f(x) = tanh(W @ sin(x)) * 2`` (W a fixed m-by-n matrix), by both strategies,
for a wide function (n inputs >> m outputs) and a tall one (m >> n). Reverse mode makes one
backward pass (a VJP) per output, forward mode one forward pass with dual tensors (a JVP) per
input, so each wins where its count is the small one. docs/forward_mode.md quotes a run.
"""
import argparse
import statistics
import time

import numpy as np

import minigrad


def make_f(lib, n, m, seed=0):
    w = lib.from_numpy(np.random.default_rng(seed).standard_normal((m, n)))
    return lambda x: (w @ x.sin()).tanh() * 2


def time_jacobian(lib, n, m, strategy, repeats):
    f = make_f(lib, n, m)
    x = lib.from_numpy(np.linspace(-1.0, 1.0, n))
    kwargs = {"vectorize": True, "strategy": strategy}
    lib.autograd.functional.jacobian(f, x, **kwargs)  # warm up
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        lib.autograd.functional.jacobian(f, x, **kwargs)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1e3


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--torch", action="store_true", help="also time torch, for reference")
    args = parser.parse_args(argv)
    libs = [minigrad]
    if args.torch:
        import torch
        libs.append(torch)
    print(f"{'library':<9} {'n in':>5} {'m out':>6} {'reverse (ms)':>13} {'forward (ms)':>13}")
    for lib in libs:
        for n, m in ((64, 4), (4, 64)):
            rev = time_jacobian(lib, n, m, "reverse-mode", args.repeats)
            fwd = time_jacobian(lib, n, m, "forward-mode", args.repeats)
            print(f"{lib.__name__:<9} {n:>5} {m:>6} {rev:>13.2f} {fwd:>13.2f}")


if __name__ == "__main__":
    main()
