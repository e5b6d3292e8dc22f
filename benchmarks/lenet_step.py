"""W6 the strict way: a LeNet-5 training step (batch 64, 1x32x32, SGD momentum 0.9), each library
in its own fresh interpreter, one thread each (OMP_NUM_THREADS=1, torch.set_num_threads(1),
NumPy's BLAS pinned), rounds interleaved (minigrad, torch, minigrad, torch, ...)::

    python -m benchmarks.lenet_step --rounds 5 --steps 30

Each child builds the step (``workloads.lenet``), runs 5 warm-up steps, then times ``--steps``
steps and prints the median step's wall and CPU time. The parent prints each round and the
median over rounds, and minigrad's ratio to torch (wall and CPU: CPU time is what other jobs on
a shared machine disturb least).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def child(lib, steps, batch):
    if lib == "torch":
        import torch as T
        T.set_num_threads(1)
    else:
        import minigrad as T
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    from .workloads import lenet
    step = lenet(T, "cpu", {"batch": batch})
    for _ in range(5):
        step()
    walls, cpus = [], []
    for _ in range(steps):
        w, c = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    print(json.dumps({"wall": statistics.median(walls), "cpu": statistics.median(cpus)}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--child", choices=["minigrad", "torch"])
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.steps, args.batch)
        return 0
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    results = {"minigrad": [], "torch": []}
    for r in range(args.rounds):
        for lib in ("minigrad", "torch"):
            out = subprocess.run([sys.executable, "-m", "benchmarks.lenet_step", "--child", lib,
                                  "--steps", str(args.steps), "--batch", str(args.batch)],
                                 env=env, capture_output=True, text=True, check=True)
            results[lib].append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"round {r + 1}: " + ", ".join(
            f"{lib} {results[lib][-1]['wall'] * 1e3:.2f} ms wall / "
            f"{results[lib][-1]['cpu'] * 1e3:.2f} ms CPU" for lib in results))
    med = {lib: {k: statistics.median(x[k] for x in runs) for k in ("wall", "cpu")}
           for lib, runs in results.items()}
    for lib in med:
        print(f"{lib}: median {med[lib]['wall'] * 1e3:.2f} ms wall, "
              f"{med[lib]['cpu'] * 1e3:.2f} ms CPU per step")
    print(f"minigrad / torch: {med['minigrad']['wall'] / med['torch']['wall']:.2f} (wall), "
          f"{med['minigrad']['cpu'] / med['torch']['cpu']:.2f} (CPU); load average "
          f"{os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
