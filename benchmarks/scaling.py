"""Scaling curves, minigrad's per-op overhead breakdown, and a cProfile of its hot paths.

* elementwise: ``(x*y + x).exp().sum()`` forward + backward, 10 to 10^7 elements
* matmul:      ``(A @ B).sum()`` forward + backward, square matrices of 10 to 10^7 elements
* depth:       a chain of ``depth`` alternating ``* c`` / ``+ c`` ops on 4 elements
* breakdown:   W2's chain timed as raw NumPy, then forward under no_grad, forward recording the
               graph, and forward + backward in minigrad, in a bare eager engine
               (``bare_engine.py``) and in torch; the differences say where the time goes.
"""
import cProfile
import os
import pstats
from dataclasses import dataclass

import numpy as np

from . import bare_engine, floor
from .harness import Case, measure
from .workloads import CHAIN_OPS, elementwise_chain


# ---- curves ----------------------------------------------------------------------------------
def _leaf(T, array):
    return T.from_numpy(array).requires_grad_()


def elementwise_step(T, n):
    rng = np.random.default_rng(0)
    x, y = (_leaf(T, rng.standard_normal(n, dtype=np.float32)) for _ in range(2))

    def step():
        x.grad = y.grad = None
        (x * y + x).exp().sum().backward()
    return step


def matmul_step(T, side):
    rng = np.random.default_rng(0)
    a, b = (_leaf(T, rng.standard_normal((side, side), dtype=np.float32)) for _ in range(2))

    def step():
        a.grad = b.grad = None
        (a @ b).sum().backward()
    return step


def depth_step(T, depth):
    x = _leaf(T, np.full(4, 0.5, dtype=np.float32))

    def step():
        x.grad = None
        y = x
        for i in range(depth):
            y = y * 1.0001 if i % 2 else y + 0.0001
        y.sum().backward()
    return step


@dataclass(frozen=True)
class Curve:
    key: str
    title: str
    xlabel: str
    full: tuple
    quick: tuple
    build: object             # build(T, x) -> timed step
    floor: object = None      # floor(x) -> timed step, or None (minigrad vs torch only)
    side: bool = False        # x is the number of elements of a square matrix


CURVES = [
    Curve("elementwise", "(x*y + x).exp().sum() forward + backward", "elements",
          tuple(int(10 ** (k / 2)) for k in range(2, 15)), (10, 100), elementwise_step,
          floor.elementwise_curve),
    Curve("matmul", "(A @ B).sum() forward + backward, A and B square", "elements per matrix",
          tuple(10 ** k for k in range(1, 8)), (10, 100), matmul_step, floor.matmul_curve,
          side=True),
    Curve("depth", "chain of `depth` ops (* c, + c) on 4 elements + sum + backward",
          "graph depth (ops)", (10, 100, 1000, 10_000), (10, 100), depth_step),
]


def run_curve(curve, backends, quick, tick=None):
    """{'x': [...], 'series': {backend name: [CPU seconds per step or None]}}"""
    xs = curve.quick if quick else curve.full
    series = {b.name: [] for b in backends}
    for x in xs:
        arg = int(round(np.sqrt(x))) if curve.side else x
        cases = []
        for b in backends:
            if b.kind == "floor":
                if curve.floor is None:
                    continue
                fn = curve.floor(arg)
            else:
                fn = curve.build(b.module(), arg)
            cases.append(Case(b.name, fn, b.activate, b.sync))
        big = x >= 10 ** 6
        timings = _measure_available(cases, warmup=1, repeats=1 if quick else (3 if big else 5),
                                     min_sample=0.002 if quick else 0.05)
        for b in backends:
            t = timings.get(b.name)
            series[b.name].append(t.cpu_median if t is not None else None)
        if tick:
            tick()
    return {"x": list(xs), "series": {k: v for k, v in series.items() if any(
        s is not None for s in v)}}


def _measure_available(cases, **kw):
    """measure() on the cases whose first call succeeds (an op may not exist yet)."""
    ok = []
    for c in cases:
        try:
            c.fn()
        except Exception:  # noqa: BLE001 - a missing op shows as an empty cell
            continue
        ok.append(c)
    return measure(ok, **kw) if ok else {}


# ---- where the time goes ---------------------------------------------------------------------
BREAKDOWN_PARTS = [
    ("numpy", "NumPy arithmetic (forward + backward, as in the floor)"),
    ("wrapping", "Tensor wrapping and op dispatch (forward under no_grad minus raw NumPy)"),
    ("graph", "graph building: nodes, edges, saved tensors (forward with grad minus no_grad)"),
    ("backward", "backward walk: engine loop, backward ops' own overhead, grad accumulation"),
]


def breakdown(mg, torch, shapes, quick, tick=None):
    """Per-op microseconds of W2's chain at each shape, split into BREAKDOWN_PARTS for minigrad
    and for the bare engine (``bare_engine.py``), all in one interleaved run.

    Returns [{'shape', 'elements', 'raw': {case: s}, 'parts': {part: µs/op} (minigrad),
    'bare': {part: µs/op}, 'torch': {'no_grad', 'forward', 'step'} µs/op}].
    """
    rows = []
    for shape in shapes:
        x0, w0 = floor.chain_inputs(shape)
        cases = [Case("numpy forward", lambda x=x0, w=w0: floor.chain_forward(x, w)),
                 Case("numpy step", lambda x=x0, w=w0: floor.chain_backward(
                     w, floor.chain_forward(x, w)))]
        for lib, name in ((mg, "minigrad"), (bare_engine, "bare"), (torch, "torch")):
            cases += _chain_cases(lib, name, x0, w0)
        t = {k: v.cpu_median for k, v in _measure_available(
            cases, warmup=2, repeats=1 if quick else 7,
            min_sample=0.002 if quick else 0.1).items()}
        rows.append({"shape": shape, "elements": int(np.prod(shape)), "raw": t,
                     "parts": _parts(t, "minigrad"), "bare": _parts(t, "bare"),
                     "torch": {k.split(" ", 1)[1]: v * 1e6 / CHAIN_OPS for k, v in t.items()
                               if k.startswith("torch ")}})
        if tick:
            tick()
    return rows


def _parts(t, name):
    """BREAKDOWN_PARTS of library ``name`` in µs per op, from the timings t (seconds per call);
    {} when one of its cases could not run."""
    if not {f"{name} no_grad", f"{name} forward", f"{name} step"} <= t.keys():
        return {}
    np_fwd, np_step = t["numpy forward"], t["numpy step"]
    per_op = 1e6 / CHAIN_OPS
    return {
        "numpy": np_step * per_op,
        "wrapping": (t[f"{name} no_grad"] - np_fwd) * per_op,
        "graph": (t[f"{name} forward"] - t[f"{name} no_grad"]) * per_op,
        "backward": (t[f"{name} step"] - t[f"{name} forward"] - (np_step - np_fwd)) * per_op,
    }


def _chain_cases(T, name, x0, w0):
    x = T.from_numpy(x0.copy()).requires_grad_()
    w = T.from_numpy(w0.copy())

    def no_grad():
        with T.no_grad():
            elementwise_chain(x, w).sum()

    def forward():
        elementwise_chain(x, w).sum()

    def step():
        x.grad = None
        elementwise_chain(x, w).sum().backward()
    return [Case(f"{name} no_grad", no_grad, _one_thread(T)), Case(f"{name} forward", forward,
                                                                   _one_thread(T)),
            Case(f"{name} step", step, _one_thread(T))]


def _one_thread(T):
    if T.__name__ == "torch":
        return lambda: T.set_num_threads(1)
    return None


# ---- profile ---------------------------------------------------------------------------------
def profile(step, calls, top=12):
    """cProfile of ``calls`` calls of ``step``: the ``top`` functions by own time, per call."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        step()
    prof.disable()
    stats = pstats.Stats(prof)
    rows = []
    for (path, line, func), (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        rows.append({"function": f"{_short(path)}:{line}({func})" if line else func,
                     "calls": ncalls / calls, "own_us": tottime / calls * 1e6,
                     "cum_us": cumtime / calls * 1e6})
    rows.sort(key=lambda r: -r["own_us"])
    total = sum(r["own_us"] for r in rows)
    return {"total_us": total, "rows": rows[:top]}


def _short(path):
    """'minigrad/autograd/engine.py' rather than an absolute path."""
    for marker in ("minigrad" + os.sep, "benchmarks" + os.sep, "numpy" + os.sep):
        i = path.rfind(os.sep + marker)
        if i >= 0:
            return path[i + 1:]
    return os.path.basename(path)
