"""Benchmarks: minigrad against PyTorch and a hand-written NumPy floor.

Run ``python -m benchmarks`` from the repository root (``--quick`` for a few-second smoke run).

* ``backends.py``   the columns (minigrad, NumPy floor, torch at 1 thread and at its default
                    thread count, torch CUDA when present), thread pinning, machine description
* ``harness.py``    interleaved timing: warm-up, then the median of repeats, round-robin
* ``workloads.py``  W1-W5 written once against a torch-like module (torch or minigrad)
* ``floor.py``      the same workloads in plain NumPy with analytic gradients
* ``scaling.py``    scaling curves (size, graph depth) and minigrad's per-op overhead breakdown
* ``memory.py``     peak-RSS measurement of W4, one subprocess per backend
* ``report.py``     REPORT.md and the PNG plots
"""
