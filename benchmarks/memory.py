"""Peak memory of W4, measured honestly: one fresh subprocess per backend.

Each subprocess imports only its own library and sets the workload up (model, data), then
restarts the kernel's resident-set high-water mark (VmHWM, per process image, so the parent's
peak is not inherited), runs two training steps (the second with gradients and optimizer state
already allocated, as in a real loop) and reports the mark: the peak memory of training.
``python -m benchmarks.memory KIND WORKLOAD [--quick]`` prints one JSON line.
"""
import json
import os
import subprocess
import sys

from .backends import Backend


def _status_mb(field):
    """A memory field of /proc/self/status in MB (VmRSS: now, VmHWM: high-water mark)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def _reset_peak():
    """Restart the high-water mark at the current RSS (Linux: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss(kind, key, quick):
    """Run in the subprocess: the memory figures of ``key`` on backend ``kind`` (MB).

    setup_peak_mb: high-water mark after imports and set-up (model, data);
    baseline_mb: resident set when training starts; peak_mb: high-water mark of the steps
    (measured from a reset mark when the kernel allows it, else it includes set-up).
    """
    import gc

    from .backends import pin_blas
    from .workloads import BY_KEY, build_step
    pin_blas()
    backend = Backend(kind, kind)
    backend.activate()  # one thread, as in the timed columns
    step = build_step(BY_KEY[key], backend, quick)
    gc.collect()
    setup_peak = _status_mb("VmHWM")
    reset = _reset_peak()
    baseline = _status_mb("VmRSS")
    for _ in range(2):
        step()
    return {"setup_peak_mb": setup_peak, "baseline_mb": baseline,
            "peak_mb": _status_mb("VmHWM"), "peak_reset": reset}


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
