"""Every (workload, library) cell timed in its own fresh Python process, as a user's script runs.

``python -m benchmarks.fresh WORKLOAD LIBRARY [--quick] [--warmup N] [--repeats N]
[--min-sample S]`` is one cell: it imports only LIBRARY (timed apart), sets the workload up
(untimed), calls the step ``--warmup`` times, then takes ``--repeats`` samples of at least
``--min-sample`` seconds each, and prints one JSON line: the median wall and CPU seconds per
call, the samples, minor page faults per timed call (``ru_minflt``: pages the kernel had to
hand the process, which a heap that gives memory back and takes it again pays on every step),
and the process's peak resident set (``ru_maxrss``). With ``--check`` it instead runs one step
of a peer and of torch and prints whether they agree (``peers.check``).

The parent side (``run_cells``) launches one child per cell and round, with one thread
everywhere (``OMP_NUM_THREADS=1`` and friends in the child's environment, and
``torch.set_num_threads(1)`` in torch's child), rotating the order of the libraries each round
so that slow drifts of a shared machine hit every column alike. A cell's time is the median of
its rounds' medians; ratios divide those.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

CORE = {"minigrad": "minigrad", "numpy floor": "floor", "torch": "torch"}
# ``--compiled``: the same workloads with the training step wrapped in the library's compile()
COMPILED = {"minigrad compiled": "minigrad", "torch compiled": "torch"}
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
# ``--keep-heap`` (opt-in, off by default): glibc keeps freed large blocks instead of returning
# them to the kernel after each step, so later steps do not fault their pages in again.
KEEP_HEAP = {"MALLOC_MMAP_THRESHOLD_": str(64 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(256 * 2**20)}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- the child -----------------------------------------------------------------------------------
def _import_library(column):
    """Import the column's library (NumPy included: nothing imported it yet); seconds taken,
    None when an earlier workload of this process imported it already."""
    if column in CORE or column in COMPILED:
        name = {"floor": "numpy"}.get(_kind(column), _kind(column))
    else:
        from .peers import PEERS  # imports NumPy first: a peer's import time excludes it
        name = PEERS[column][0]
    if name in sys.modules:
        return None  # imported by an earlier workload of the same (quick) process
    t0 = time.perf_counter()
    __import__(name)
    if name == "torch":
        import torch
        torch.set_num_threads(1)
    return time.perf_counter() - t0


def _kind(column):
    """The backend kind ('minigrad', 'floor', 'torch') of a core or compiled column."""
    return CORE.get(column) or COMPILED[column]


def _build(key, column, quick):
    from . import peers
    from .backends import Backend
    from .workloads import BY_KEY, build_step
    workload = BY_KEY[key]
    if column in CORE or column in COMPILED:
        return build_step(workload, Backend(column, _kind(column)), quick,
                          compiled=column in COMPILED)
    if not peers.applies(column, key):
        return None
    return peers.build(column, key, workload.size(quick))[0]


def run_cell(key, column, quick, warmup, repeats, min_sample):
    """In the child: the timings, page faults and peak memory of one cell."""
    import gc
    import_s = _import_library(column)
    t0 = time.perf_counter()
    step = _build(key, column, quick)
    if step is None:
        return {"applies": False}
    setup_s = time.perf_counter() - t0
    t = 0.0
    for _ in range(max(1, warmup)):
        t0 = time.perf_counter()
        step()
        t = time.perf_counter() - t0
    calls = max(1, min(10_000, int(min_sample / max(t, 1e-9)) + 1))
    wall, cpu = [], []
    faults = 0
    for _ in range(repeats):
        gc.collect()
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(calls):
            step()
        wall.append((time.perf_counter() - t0) / calls)
        cpu.append((time.process_time() - c0) / calls)
        faults += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"applies": True, "median": statistics.median(wall), "samples": wall,
            "cpu_median": statistics.median(cpu), "cpu_samples": cpu, "calls_per_sample": calls,
            "faults_per_step": faults / (calls * repeats), "peak_rss_mb": _peak_rss_mb(usage),
            "import_s": import_s, "setup_s": setup_s}


def _peak_rss_mb(usage):
    """The process's peak resident set: VmHWM (per process image, so not the parent's, whereas
    Linux carries ``ru_maxrss`` over ``execve``); ``ru_maxrss`` where /proc is missing."""
    from .memory import _status_mb
    try:
        return _status_mb("VmHWM")
    except (OSError, KeyError):
        return usage.ru_maxrss / 1024


def _check(column, key, size):
    """peers.check, or {'error': why} when the peer cannot run (not installed, no compiler)."""
    from . import peers
    try:
        return peers.check(column, key, size)
    except Exception as e:  # noqa: BLE001 - the column is refused with this reason
        return {"error": f"{type(e).__name__}: {e}".splitlines()[0][:200]}


def child_main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.fresh")
    p.add_argument("workloads", help="a workload key, or several separated by commas")
    p.add_argument("library", help="minigrad, 'numpy floor', torch, 'minigrad compiled', "
                                    "'torch compiled', or a column of peers.PEERS")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--min-sample", type=float, default=0.1)
    p.add_argument("--check", action="store_true", help="compare one step of a peer with torch")
    a = p.parse_args(argv)
    out = {}
    for key in a.workloads.split(","):
        if a.check:
            from . import peers
            from .workloads import BY_KEY
            out[key] = {c: _check(c, key, BY_KEY[key].size(a.quick))
                        for c in a.library.split(",") if peers.applies(c, key)}
        else:
            out[key] = run_cell(key, a.library, a.quick, a.warmup, a.repeats, a.min_sample)
    print(json.dumps(out))
    return 0


# ---- the parent ----------------------------------------------------------------------------------
def child_env(extra=None):
    """The environment of every child: one thread for every thread pool, this checkout first."""
    env = dict(os.environ)
    env.update({k: "1" for k in THREAD_VARIABLES})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH", "")) if p)
    env.update(extra or {})
    return env


def spawn(args, env=None, timeout=900):
    """Run ``python -m benchmarks.fresh ARGS``; its JSON line, or {'error': last stderr line}."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.fresh", *args], cwd=ROOT,
                          env=child_env(env), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        lines = [s for s in proc.stderr.strip().splitlines() if s.strip()]
        return {"error": (lines[-1] if lines else f"exit code {proc.returncode}")[:200]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check_peers(keys, peer_columns, quick):
    """{(key, column): why refused} for the peers that do not compute what torch computes (or
    cannot be imported); one check process (importing torch once) covers every peer."""
    from . import peers
    pairs = [(k, c) for c in peer_columns for k in keys if peers.applies(c, k)]
    if not pairs:
        return {}
    refused = {}
    mine = [k for k in keys if any(k == kk for kk, _ in pairs)]
    out = spawn([",".join(mine), ",".join(peer_columns), "--check"]
                + (["--quick"] if quick else []))
    for key, column in pairs:
        r = out.get(key, {}).get(column) if "error" not in out else None
        if r is None or "error" in r:
            refused[key, column] = f"not run: {(r or out).get('error', 'no result')}"
        elif not r["agrees"]:
            refused[key, column] = (
                f"refused: disagrees with torch ({r.get('reason') or ''} max abs err "
                f"{r.get('max_abs_err', 0):.3g}, max rel err {r.get('max_rel_err', 0):.3g})")
    return refused


def plan(key, quick):
    """(warm-up calls, repeats per process, rounds, min seconds per sample) of a workload."""
    if quick:
        return 2, 1, 1, 0.002
    return (1, 2, 5, 0.1) if key in ("W1", "W4") else (3, 5, 5, 0.1)


def _timed(keys, column, quick, env=None):
    warmup, repeats, _, min_sample = plan(keys[0], quick)
    if column == "minigrad compiled":
        warmup = max(warmup, 3)  # two capturing calls, then at least one replay, before timing
    return spawn([",".join(keys), column, "--warmup", str(warmup), "--repeats", str(repeats),
                  "--min-sample", str(min_sample)] + (["--quick"] if quick else []), env)


def run_all(workloads, columns, quick, on_workload=None, env=None):
    """{key: {'timings': {column: Timing}, 'errors': {column: why}, 'mode': ...}}.

    Peers are first checked against torch; one that disagrees or cannot be imported is refused
    with its reason. Full runs launch one process per cell and round, every column once per
    round, the order rotating by one column per round. ``quick`` runs (a smoke test) launch one
    process per library that runs every workload in turn, once. ``env``: extra environment
    variables of the timed processes (``KEEP_HEAP`` with ``--keep-heap``).
    """
    from . import peers
    keys = [w.key for w in workloads]
    peer_columns = [c for c in columns if c not in CORE and c not in COMPILED]
    refused = check_peers(keys, peer_columns, quick)
    wanted = {k: [c for c in columns if (c in CORE or c in COMPILED or peers.applies(c, k))
                  and (k, c) not in refused] for k in keys}
    runs = {k: {c: [] for c in wanted[k]} for k in keys}
    errors = {k: {c: why for (kk, c), why in refused.items() if kk == k} for k in keys}
    if quick:
        for column in columns:
            mine = [k for k in keys if column in wanted[k]]
            out = _timed(mine, column, quick, env) if mine else {}
            for k in mine:
                _record(out.get(k, out), k, column, runs, errors)
    else:
        for key in keys:
            active = wanted[key]
            for r in range(plan(key, quick)[2]):
                k = r % max(1, len(active))
                for column in active[k:] + active[:k]:
                    if column not in errors[key]:
                        out = _timed([key], column, quick, env)
                        _record(out.get(key, out), key, column, runs, errors)
            if on_workload:
                on_workload(key)
    return {k: {"timings": _timings(runs[k], errors[k]), "errors": errors[k],
                "mode": "quick: one process per library" if quick else
                        "fresh: one process per cell and round"} for k in keys}


def _record(out, key, column, runs, errors):
    if out is None or "error" in out:
        errors[key][column] = (out or {}).get("error", "no result")
    elif out.get("applies"):
        runs[key][column].append(out)


def _median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _timings(runs, errors):
    from .harness import Timing
    med = statistics.median
    return {column: Timing(med(c["median"] for c in cells), [c["median"] for c in cells],
                           cells[0]["calls_per_sample"], med(c["cpu_median"] for c in cells),
                           [c["cpu_median"] for c in cells],
                           faults_per_step=med(c["faults_per_step"] for c in cells),
                           peak_rss_mb=max(c["peak_rss_mb"] for c in cells),
                           import_s=_median_or_none([c["import_s"] for c in cells]))
            for column, cells in runs.items() if cells and column not in errors}


if __name__ == "__main__":
    sys.exit(child_main())
