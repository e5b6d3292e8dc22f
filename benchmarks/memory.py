"""Peak memory of W4, measured honestly: one fresh subprocess per backend.

Each subprocess imports only its own library, records its resident-set high-water mark (the
baseline: interpreter + imports + inputs), runs two training steps (the second one runs with
gradients and optimizer state already allocated, as in a real loop) and reports the new
high-water mark. ``python -m benchmarks.memory KIND WORKLOAD [--quick]`` prints one JSON line.
"""
import json
import os
import resource
import subprocess
import sys

from .backends import Backend


def _max_rss_mb():
    """This process's resident-set high-water mark in MB.

    Linux's VmHWM belongs to the process image, so it starts afresh at exec; ``ru_maxrss``
    would carry over the parent's peak (the benchmark runner, with torch loaded).
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def peak_rss(kind, key, quick):
    """Run in the subprocess: {'baseline_mb', 'peak_mb'} of ``key`` on backend ``kind``."""
    from .backends import pin_blas
    from .workloads import BY_KEY, build_step
    pin_blas()
    backend = Backend(kind, kind)
    backend.activate()  # one thread, as in the timed columns
    step = build_step(BY_KEY[key], backend, quick)
    baseline = _max_rss_mb()
    for _ in range(2):
        step()
    return {"baseline_mb": baseline, "peak_mb": _max_rss_mb()}


def measure_all(kinds, key, quick, env=None):
    """Launch one subprocess per backend kind (concurrently: RSS is per process and nothing is
    timed); returns {kind: {'baseline_mb', 'peak_mb'} or {'error': message}}."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = ["--quick"] if quick else []
    procs = {kind: subprocess.Popen([sys.executable, "-m", "benchmarks.memory", kind, key, *args],
                                    cwd=root, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
             for kind in kinds}
    out = {}
    for kind, proc in procs.items():
        stdout, stderr = proc.communicate()
        if proc.returncode == 0:
            out[kind] = json.loads(stdout.strip().splitlines()[-1])
        else:
            lines = stderr.strip().splitlines()
            out[kind] = {"error": lines[-1] if lines else f"exit code {proc.returncode}"}
    return out


if __name__ == "__main__":
    kind, key = sys.argv[1], sys.argv[2]
    print(json.dumps(peak_rss(kind, key, "--quick" in sys.argv[3:])))
