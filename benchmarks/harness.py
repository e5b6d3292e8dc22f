"""Interleaved timing: every column of a table is measured in the same run, turn by turn.

``measure`` warms each case up, picks how many calls make one sample (so that a sample lasts at
least ``min_sample`` seconds), then takes ``repeats`` samples round-robin — the order rotates every
round, so slow drifts of the machine (frequency, other processes) hit every column alike — and
reports the median seconds per call: wall-clock time, and the process's CPU time (all its
threads), which a machine shared with other jobs inflates much less.
"""
import gc
import statistics
import time
from dataclasses import dataclass, field


@dataclass
class Case:
    """One cell to time: ``fn()`` is one call; ``activate``/``sync`` wrap it (threads, CUDA)."""

    name: str
    fn: object
    activate: object = None
    sync: object = None


@dataclass
class Timing:
    median: float               # wall-clock seconds per call
    samples: list = field(default_factory=list)
    calls_per_sample: int = 1
    cpu_median: float = None    # process CPU seconds per call (all threads)
    cpu_samples: list = field(default_factory=list)
    faults_per_step: float = None   # minor page faults per call (fresh-process runs)
    peak_rss_mb: float = None       # the process's peak resident set (fresh-process runs)
    import_s: float = None          # seconds to import the library (fresh-process runs)

    @property
    def spread(self):
        """(max - min) / median of the samples: how noisy the cell was."""
        if len(self.samples) < 2 or not self.median:
            return 0.0
        return (max(self.samples) - min(self.samples)) / self.median


def _sample(case, calls):
    if case.activate:
        case.activate()
    fn, sync = case.fn, case.sync
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(calls):
        fn()
    if sync:
        sync()
    return (time.perf_counter() - t0) / calls, (time.process_time() - c0) / calls


def measure(cases, *, warmup=1, repeats=5, min_sample=0.05, on_sample=None):
    """Median seconds per call of each case, measured interleaved. Returns {name: Timing}."""
    calls = {}
    for case in cases:
        t = 0.0
        for _ in range(max(1, warmup)):
            t = _sample(case, 1)[0]
        calls[case.name] = max(1, min(10_000, int(min_sample / max(t, 1e-9)) + 1))
    samples = {case.name: [] for case in cases}
    cpu = {case.name: [] for case in cases}
    # Objects alive now (torch alone has millions) are moved out of the collector's sight, so
    # the collection before each sample is cheap; the collector stays on while timing.
    gc.collect()
    gc.freeze()
    try:
        for r in range(repeats):
            k = r % len(cases)
            for case in cases[k:] + cases[:k]:
                gc.collect()
                wall, used = _sample(case, calls[case.name])
                samples[case.name].append(wall)
                cpu[case.name].append(used)
                if on_sample:
                    on_sample()
    finally:
        gc.unfreeze()
    return {name: Timing(statistics.median(s), s, calls[name], statistics.median(cpu[name]),
                         cpu[name]) for name, s in samples.items()}
