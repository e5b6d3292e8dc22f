"""The report's section on how the workloads were run: fresh processes, page faults, peak memory.

Its table gives, for every workload and library, the minor page faults per step, the peak
resident set of the library's process and the time its import took (fresh-process runs only:
an in-process run shares one heap between all columns, so it has none of these).
"""
from .peers import NOTES


def _fmt(v, digits=3):
    if v is None:
        return "n/a"
    return f"{v:,.0f}" if abs(v) >= 10 ** digits else f"{v:.{digits}g}"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def _w5_faults(results):
    """What W5's fault counts mean, in arrays of the workload's size."""
    timings = (results["workloads"].get("W5") or {}).get("timings", {})
    if results.get("quick") or "minigrad" not in timings:
        return []
    pages = 4 * 1_000_000 / 4096  # one float32 array of W5's 1e6 elements, in 4 KB pages
    worth = ", ".join(f"{c} {t.faults_per_step / pages:.1f}" for c, t in timings.items()
                      if c in ("minigrad", "numpy floor", "torch"))
    return [
        f"On W5 one array of 1e6 float32 is {pages:.0f} pages, so the counts above are, in "
        f"arrays faulted in again per step: {worth}. glibc gives the heap's free top back to "
        "the kernel whenever it exceeds twice its (dynamic) mmap threshold, 8 MB after a 4 MB "
        "array, so a library whose step makes new large arrays pays their pages anew every "
        "step. minigrad keeps its large work arrays and hands one out again once nothing holds "
        "it (`minigrad/_buffers.py`; the process's allocator is left as it is), so its steps "
        "write into memory already mapped. `python -m benchmarks.page_faults` attributes "
        "faults to the ops whose arrays caused them; `--keep-heap` (opt-in) raises glibc's "
        "thresholds for every library.", ""]


def section_fresh(results):
    mode = results.get("mode", "in-process")
    lines = ["## Processes, page faults and peak memory", ""]
    if mode == "in-process":
        return lines + [
            "This run (`--in-process`) timed every column inside one long-lived process whose "
            "heap is already warm: it explains, but a user's script (one library, one fresh "
            "process) can be slower. Page faults and peak memory per library need the default "
            "fresh-process mode: n/a."]
    lines += [
        "The workload table above was measured the way a user's script runs: every (workload, "
        "library) cell in its own fresh `python` process (`python -m benchmarks.fresh "
        "WORKLOAD LIBRARY`), which imports only that library, sets the workload up (untimed), "
        "warms up, then times repeats; one thread everywhere (`OMP_NUM_THREADS=1` and "
        "friends, `torch.set_num_threads(1)`). Each round launches every library once, the "
        "order rotating each round; a cell is the median of its rounds' medians and ratios "
        "divide those. Quick runs launch one process per library for all workloads, once. "
        "The scaling curves, overhead breakdown and W3's pieces further down are measured "
        "inside this one process (in-process: they explain, they are not what a user sees).",
        "",
        "**Minor page faults per step** (`ru_minflt` over the timed calls ÷ calls) count the "
        "pages the kernel had to hand the process during a step: when the C heap gives freed "
        "large temporaries back to the kernel after a step, the next step faults them in "
        "again. **Peak RSS** is the process's `ru_maxrss` (import and set-up included). "
        "**import** is the time the library's import took in that process (n/a where an "
        "earlier workload of the same quick-mode process had imported it).", ""]
    rows, cols = [], []
    for res in results["workloads"].values():
        for c in res["timings"]:
            if c not in cols:
                cols.append(c)
    for key, res in results["workloads"].items():
        for c in cols:
            t = res["timings"].get(c)
            if t is not None and t.faults_per_step is not None:
                rows.append((key, c, _fmt(t.faults_per_step), _fmt(t.peak_rss_mb),
                             _fmt(t.import_s), len(t.samples)))
    lines += [_table(["workload", "library", "minor page faults per step", "peak RSS (MB)",
                      "import (s)", "processes"], rows), ""]
    lines += _w5_faults(results)
    peers = results.get("peers") or []
    if peers:
        lines += ["Peers (each checked against torch eager in the same run, in its own "
                  "process: the gradient it computes must match torch's within float32 "
                  "tolerance, else the column is refused and the reason shown):", ""]
        lines += [f"* **{p}**: {NOTES[p]}" for p in peers]
    return lines
