"""Run the program suite on every backend and compare each output with torch on the CPU."""
import fnmatch
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, field

from .backends import REFERENCE
from .check import compare, describe, flatten


@dataclass
class Row:
    """One program on one backend."""

    program: str
    backend: str
    status: str  # "pass", "FAIL", "error", "skip", "ref"
    abs_err: float = 0.0
    rel_err: float = 0.0
    seconds: float = 0.0
    outputs: int = 0
    problems: list = field(default_factory=list)  # [(output name, why)]

    @property
    def failed(self):
        return self.status in ("FAIL", "error")


def select_programs(programs, pattern):
    """Programs whose name matches any comma-separated glob (a bare word matches a substring)."""
    if not pattern:
        return programs
    globs = [p if any(ch in p for ch in "*?[") else f"*{p}*" for p in pattern.split(",")]
    return {n: p for n, p in programs.items() if any(fnmatch.fnmatch(n, g) for g in globs)}


def execute(prog, backend, repeat=1):
    """Run ``prog`` on ``backend``: (records by output name, best seconds) or raise."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            backend.sync()
            start = time.perf_counter()
            outputs = backend.call(prog)
            backend.sync()
            best = min(best, time.perf_counter() - start)
    if not isinstance(outputs, dict):
        raise TypeError(f"program {prog.name} returned {type(outputs).__name__}, not a dict")
    return {name: describe(backend, v) for name, v in flatten(outputs).items()}, best


def compare_records(ref, got):
    """Compare every output: (max abs err, max rel err, [(name, why)] for each mismatch)."""
    problems, abs_err, rel_err = [], 0.0, 0.0
    for name, rec in ref.items():
        if name not in got:
            problems.append((name, "missing output"))
            continue
        v = compare(rec, got[name])
        abs_err, rel_err = max(abs_err, v.abs_err), max(rel_err, v.rel_err)
        if not v.ok:
            problems.append((name, v.why))
    problems += [(name, "unexpected output (not in the reference)") for name in got
                 if name not in ref]
    return abs_err, rel_err, problems


def _error_text(exc):
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" (at {tb[-1].filename.split('/')[-1]}:{tb[-1].lineno})" if tb else ""
    return f"{type(exc).__name__}: {exc}{where}"


def run_suite(programs, backends, reference, repeat=1, on_step=None):
    """Every program on the reference and on each backend; returns the list of Rows.

    ``reference`` is the torch-cpu backend; ``on_step(description)`` reports progress.
    """
    rows = []
    others = [b for b in backends if b.name != REFERENCE]
    for prog in programs.values():
        if on_step:
            on_step(f"{prog.name} on {reference.name}")
        try:
            ref, seconds = execute(prog, reference, repeat)
        except Exception as e:  # noqa: BLE001 - reported as the row's problem
            rows.append(Row(prog.name, reference.name, "error",
                            problems=[("<reference run>", _error_text(e))]))
            for b in others:
                rows.append(Row(prog.name, b.name, "error",
                                problems=[("<reference run>", "no reference to compare with")]))
                if on_step:
                    on_step(None)
            continue
        rows.append(Row(prog.name, reference.name, "ref", seconds=seconds, outputs=len(ref)))
        for b in others:
            if on_step:
                on_step(f"{prog.name} on {b.name}")
            if b.name in prog.skip:
                rows.append(Row(prog.name, b.name, "skip", problems=[("", prog.skip[b.name])]))
                continue
            try:
                got, seconds = execute(prog, b, repeat)
            except Exception as e:  # noqa: BLE001
                rows.append(Row(prog.name, b.name, "error", problems=[("<run>", _error_text(e))]))
                continue
            abs_err, rel_err, problems = compare_records(ref, got)
            rows.append(Row(prog.name, b.name, "FAIL" if problems else "pass", abs_err, rel_err,
                            seconds, len(got), problems))
    return rows


def rows_to_json(rows):
    return {"rows": [asdict(r) for r in rows],
            "failed": sum(r.failed for r in rows),
            "passed": sum(r.status == "pass" for r in rows),
            "skipped": sum(r.status == "skip" for r in rows)}
