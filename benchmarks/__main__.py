"""``python -m benchmarks [--quick] [--only W1,W2] [--peers all] [--compiled] [--in-process]``

Runs the workloads (each library in its own fresh process per workload and round, as a user's
script runs it: see ``fresh.py``; ``--in-process`` times every column inside this one process
instead, interleaved), W4's peak memory (one subprocess per backend), the scaling curves and the
overhead breakdown, then writes the Markdown report (with the optimisation log and profiles in
``OPTIMISATIONS.md`` beside it) and its PNG plots (into ``report/`` next to the report file) and
``results.json`` beside the plots.
``--only`` takes workload keys and/or ``scaling``, ``breakdown``, ``budget``, ``profile``.
``--compiled`` adds two columns per workload: minigrad and torch with the training step wrapped
in their ``compile()`` (see ``workloads.py``; how to read them: ``benchmarks/README.md``).
"""
import argparse
import os
import sys
import time
from pathlib import Path

from .backends import (FLOOR, MINIGRAD, OPENBLAS_OVERRIDES, all_backends, machine_info,
                       pin_blas)
from .backends import load_average as backends_load
from .harness import Case, measure
from .memory import measure_all
from .fresh import KEEP_HEAP
from .workloads import WORKLOADS, build_step

EXTRAS = ("scaling", "breakdown", "budget", "profile")


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[2])
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and one repeat: checks that everything runs (seconds)")
    p.add_argument("--only", default="",
                   help="comma-separated subset: W1..W8, scaling, breakdown, budget, profile")
    p.add_argument("--out", default="benchmarks/REPORT.md", help="report path")
    p.add_argument("--peers", default=None,
                   help="comma-separated peer columns (torch.compile, tinygrad, 'tinygrad "
                        "TinyJit', MyGrad, micrograd), 'all' or 'none'; default: all, or "
                        "MyGrad,micrograd with --quick")
    p.add_argument("--compiled", nargs="?", const="all", choices=("all", "minigrad"),
                   help="also time minigrad.compile and torch.compile of each workload's "
                        "training step (fresh processes; compilation in the untimed warm-up); "
                        "'--compiled minigrad': minigrad's only (torch.compile's inductor "
                        "compiles again in every fresh process, which takes minutes)")
    p.add_argument("--in-process", action="store_true",
                   help="time every column inside this one long-lived process (warm heap)")
    p.add_argument("--keep-heap", action="store_true",
                   help="opt-in: the timed processes get MALLOC_MMAP_THRESHOLD_ and "
                        "MALLOC_TRIM_THRESHOLD_ raised (glibc keeps freed blocks: no page "
                        "faults per step); off by default, as in a user's script")
    args = p.parse_args(argv)
    from .peers import PEERS
    if args.peers is None:
        args.peers = "MyGrad,micrograd" if args.quick else "all"
    args.peers = {"all": list(PEERS), "none": []}.get(
        args.peers, [s.strip() for s in args.peers.split(",") if s.strip()])
    if set(args.peers) - set(PEERS):
        p.error(f"unknown peer(s): {', '.join(sorted(set(args.peers) - set(PEERS)))}")
    if args.compiled and args.in_process:
        p.error("--compiled runs in fresh processes only (not with --in-process)")
    known = {w.key for w in WORKLOADS} | set(EXTRAS)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - known
    if unknown:
        p.error(f"unknown --only item(s): {', '.join(sorted(unknown))}")
    return args


def _without_openblas_overrides():
    """Re-run this command without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (they slow NumPy 2)."""
    present = [k for k in OPENBLAS_OVERRIDES if k in os.environ]
    if not present or os.environ.get("MINIGRAD_BENCH_UNSET"):
        return
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_OVERRIDES}
    env["MINIGRAD_BENCH_UNSET"] = ", ".join(f"{k}={os.environ[k]}" for k in present)
    os.execve(sys.executable, [sys.executable, "-m", "benchmarks", *sys.argv[1:]], env)


class Progress:
    """A rich progress bar (plain text when rich is missing)."""

    def __init__(self, total):
        try:
            from rich.progress import (BarColumn, Progress as RichProgress, TextColumn,
                                       TimeElapsedColumn)
            self._bar = RichProgress(TextColumn("{task.description:<34}"), BarColumn(),
                                     TextColumn("{task.completed}/{task.total}"),
                                     TimeElapsedColumn(), transient=False,
                                     console=_stderr_console())
            self._task = self._bar.add_task("benchmarks", total=total)
        except ImportError:
            self._bar = None
        self._done, self._total = 0, total

    def __enter__(self):
        if self._bar:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self._bar:
            self._bar.__exit__(*exc)

    def stage(self, text):
        if self._bar:
            self._bar.update(self._task, description=text)
        else:
            print(f"[{self._done}/{self._total}] {text}", file=sys.stderr, flush=True)

    def tick(self):
        self._done += 1
        if self._bar:
            self._bar.advance(self._task)


def _stderr_console():
    from rich.console import Console
    return Console(stderr=True)


def run_workload(workload, backends, quick, progress):
    """{'timings': {backend: Timing}, 'errors': {backend: message}}"""
    cases, errors = [], {}
    for b in backends:
        try:
            fn = build_step(workload, b, quick)
            if fn is None:
                continue
            b.activate()
            fn()  # first warm-up call; also tells whether minigrad has every op yet
            b.sync()
        except Exception as e:  # noqa: BLE001 - reported in the table instead of aborting
            errors[b.name] = f"{type(e).__name__}: {e}".splitlines()[0][:160]
            continue
        cases.append(Case(b.name, fn, b.activate, b.sync))
    heavy = workload.key in ("W1", "W4")
    repeats = 1 if quick else (3 if workload.key == "W4" else 5 if heavy else 9)
    timings = measure(cases, warmup=1, repeats=repeats,
                      min_sample=0.002 if quick else 0.1) if cases else {}
    progress.tick()
    return {"timings": timings, "errors": errors}


def main(argv=None):
    _without_openblas_overrides()
    args = parse_args(argv)
    selected = set(args.only) or {w.key for w in WORKLOADS} | set(EXTRAS)
    pin_blas()
    import minigrad
    import torch
    backends = all_backends()
    torch_one_thread = next(b for b in backends if b.kind == "torch")
    one_thread = [MINIGRAD, FLOOR, torch_one_thread]
    workloads = [w for w in WORKLOADS if w.key in selected]

    from . import scaling
    curves = scaling.CURVES if "scaling" in selected else []
    total = (len(workloads) + sum(len(c.quick if args.quick else c.full) for c in curves)
             + 2 * ("breakdown" in selected) + ("budget" in selected) + ("profile" in selected)
             + any(w.key == "W4" for w in workloads))
    results = {"machine": machine_info(), "quick": args.quick, "workloads": {}, "memory": None,
               "curves": {}, "breakdown": None, "budget": None, "profiles": {},
               "started": time.time()}
    results["machine"]["command"] = "python -m benchmarks" + (
        " " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    results["mode"] = "in-process" if args.in_process else "fresh"
    results["peers"] = args.peers
    results["compiled"] = args.compiled
    results["machine"]["heap of the timed processes"] = (
        "--keep-heap: " + ", ".join(f"{k}={v}" for k, v in KEEP_HEAP.items())
        if args.keep_heap else "glibc defaults (MALLOC_* not set)")
    with Progress(total) as progress:
        if not args.in_process and workloads:
            from .fresh import COMPILED, CORE, run_all
            progress.stage("fresh processes: peers' checks" if args.peers else "fresh processes")
            compiled = [c for c in COMPILED if args.compiled == "all" or
                        (args.compiled == "minigrad" and c.startswith("minigrad"))]
            columns = list(CORE) + args.peers + compiled
            results["workloads"] = run_all(workloads, columns, args.quick,
                                           lambda key: progress.stage(f"fresh processes: {key}"),
                                           KEEP_HEAP if args.keep_heap else None)
        for w in workloads:
            if args.in_process:
                progress.stage(f"{w.key}: {w.title[:26]}")
                results["workloads"][w.key] = run_workload(w, backends, args.quick, progress)
            else:
                progress.tick()
            if w.key == "W4":
                progress.stage("W4 peak memory (subprocesses)")
                results["memory"] = measure_all(("minigrad", "floor", "torch"), "W4", args.quick)
                progress.tick()
        for c in curves:
            progress.stage(f"scaling: {c.key}")
            results["curves"][c.key] = scaling.run_curve(
                c, one_thread, args.quick, progress.tick)
        if "breakdown" in selected:
            progress.stage("overhead breakdown")
            shapes = [(16, 1), (1000,) if args.quick else (1_000_000,)]
            results["breakdown"] = scaling.breakdown(minigrad, torch, shapes, args.quick,
                                                     progress.tick)
        if "budget" in selected:
            progress.stage("W3's largest pieces")
            from .budget import mlp_budget
            results["budget"] = mlp_budget([MINIGRAD, torch_one_thread], args.quick,
                                           progress.tick)
        if "profile" in selected:
            progress.stage("cProfile of minigrad")
            results["profiles"] = profile_minigrad(args.quick)
            progress.tick()
    results["seconds"] = time.time() - results.pop("started")
    results["machine"]["load average at end (1, 5, 15 min)"] = backends_load()

    from .report import write_report
    out = Path(args.out)
    write_report(results, out)
    print(f"wrote {out} and plots in {out.parent / 'report'} ({results['seconds']:.0f} s)")
    return 0


def profile_minigrad(quick):
    """cProfile tables of minigrad on W2, W3 and W5 (those whose ops exist)."""
    from . import scaling
    from .workloads import BY_KEY
    out = {}
    for key, calls in (("W2", 200), ("W3", 20), ("W5", 5)):
        try:
            step = build_step(BY_KEY[key], MINIGRAD, quick)
            step()
        except Exception as e:  # noqa: BLE001
            out[key] = {"error": f"{type(e).__name__}: {e}".splitlines()[0][:160]}
            continue
        out[key] = scaling.profile(step, 5 if quick else calls)
    return out


if __name__ == "__main__":
    sys.exit(main())

