"""The benchmark harness runs end to end (``--quick``) and writes every section and plot.

Timings are never asserted: only that the report and its plots exist and are complete.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ["# minigrad benchmarks", "## In five lines", "## Targets", "## Environment",
            "## Workloads", "## Processes, page faults and peak memory", "## Compiled",
            "## Peak memory (W4)",
            "## Scaling", "### elementwise", "### matmul",
            "### depth", "## Where the time goes", "### Explanation", "### A bare eager engine",
            "### W3's largest pieces", "## Method"]
LOG_SECTIONS = ["# minigrad optimisation log", "## Optimisations", "## Profile"]  # OPTIMISATIONS.md
PLOTS = ["workloads.png", "scaling_elementwise.png", "scaling_matmul.png", "scaling_depth.png",
         "overhead.png"]


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "REPORT.md"
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_every_section_present(quick_report):
    text = quick_report.read_text()
    for heading in SECTIONS:
        assert f"\n{heading}" in "\n" + text, heading
    log = (quick_report.parent / "OPTIMISATIONS.md").read_text()
    for heading in LOG_SECTIONS:
        assert f"\n{heading}" in "\n" + log, heading
    assert "Quick mode" in text
    assert "| whole training step (forward + loss + backward + SGD) | " in text  # budget ran


def test_every_workload_and_target_has_a_row(quick_report):
    text = quick_report.read_text()
    for key in ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"):
        assert f"\n| {key} | " in text, key
    for target in ("W1 minigrad ÷ torch", "W2 minigrad ÷ torch",
                   "W3 minigrad ÷ torch", "W4 minigrad ÷ numpy floor", "W5 minigrad ÷ torch",
                   "W6 minigrad ÷ torch", "W7 minigrad ÷ torch", "W8 minigrad ÷ torch",
                   "W4 peak RSS minigrad ÷ numpy floor"):
        assert f"| {target} |" in text, target


def test_tables_are_well_formed(quick_report):
    """Each Markdown table row has as many cells as its header."""
    lines = quick_report.read_text().splitlines()
    tables = 0
    for i, line in enumerate(lines):
        if line.startswith("|---"):
            tables += 1
            width = lines[i - 1].count("|")
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                assert lines[j].count("|") == width, lines[j]
                j += 1
    assert tables >= 8


def test_plots_and_results_written(quick_report):
    plots = quick_report.parent / "report"
    for name in PLOTS:
        data = (plots / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000, name
        assert f"(report/{name})" in quick_report.read_text()
    results = json.loads((plots / "results.json").read_text())
    assert set(results["workloads"]) == {"W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"}
    assert results["quick"] is True
    # the floor always runs, so its peak memory must have been measured
    assert results["memory"]["floor"]["peak_mb"] > 0


def test_only_and_bad_arguments(tmp_path):
    out = tmp_path / "R.md"
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "W2",
                           "--peers", "none", "--keep-heap", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    assert "\n| W2 | µs/op |" in text and "| W1 | s | not run" in text
    assert "| heap of the timed processes | --keep-heap: MALLOC_MMAP_THRESHOLD_=" in text
    bad = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "W9"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "unknown --only item(s): W9" in bad.stderr


def test_bare_engine_gradients_match_torch():
    """The bare engine the breakdown compares against computes W2's chain correctly."""
    import numpy as np
    import torch

    from benchmarks import bare_engine, floor
    from benchmarks.workloads import elementwise_chain
    x0, w0 = floor.chain_inputs((16, 1))
    grads = []
    for T in (bare_engine, torch):
        x = T.from_numpy(x0.copy()).requires_grad_()
        w = T.from_numpy(w0.copy()).requires_grad_()
        out = (elementwise_chain(x, w) + x / w).sum()  # and a tensor divisor
        out.backward()
        grads.append((float(out.data if T is bare_engine else out.item()),
                      np.asarray(x.grad), np.asarray(w.grad)))
    (v, gx, gw), (tv, tgx, tgw) = grads
    np.testing.assert_allclose(v, tv, rtol=1e-5)
    np.testing.assert_allclose(gx, tgx, rtol=1e-5)
    np.testing.assert_allclose(gw, tgw, rtol=1e-5)


def test_bare_engine_undoes_broadcasting():
    import numpy as np

    from benchmarks import bare_engine
    a = bare_engine.from_numpy(np.arange(3.0).reshape(3, 1)).requires_grad_()
    b = bare_engine.from_numpy(np.ones((2, 3, 4))).requires_grad_()
    (a * b / 2.0 - b).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full((3, 1), 4.0))  # 2 * 4 elements, halved
    np.testing.assert_array_equal(b.grad, np.broadcast_to(np.arange(3.0).reshape(3, 1) / 2 - 1,
                                                          (2, 3, 4)))
    with bare_engine.no_grad():
        assert (a * 2.0).node is None


def test_fresh_processes_report_faults_memory_and_peers(quick_report):
    """Every core cell ran in a fresh process that reported its page faults and peak memory;
    the quick run's peers (MyGrad, micrograd) were checked against torch and timed on W2."""
    results = json.loads((quick_report.parent / "report" / "results.json").read_text())
    assert results["mode"] == "fresh"
    for key, res in results["workloads"].items():
        assert {"minigrad", "torch"} <= set(res["timings"]), key
        for column, t in res["timings"].items():
            assert t["faults_per_step"] >= 0 and t["median"] > 0, (key, column)
            # a process of its own: torch's holds torch (hundreds of MB), the others do not
            assert (t["peak_rss_mb"] > 150) == (column in ("torch", "torch.compile")), (
                key, column, t)
    assert set(results["workloads"]["W2"]["timings"]) >= {"MyGrad", "micrograd"}
    assert all("MyGrad" in results["workloads"][k]["timings"] for k in ("W3", "W5"))
    text = quick_report.read_text()
    assert "| W5 | minigrad | " in text and "minor page faults per step" in text


def test_a_peer_that_disagrees_with_torch_is_refused(monkeypatch):
    from benchmarks import peers
    from benchmarks.workloads import BY_KEY

    def off_by_a_little(size):
        step, result = peers._mygrad_chain(size)
        return step, lambda: result() * 1.001
    monkeypatch.setitem(peers.PEERS, "wrong", ("mygrad", {"W2": off_by_a_little}))
    size = BY_KEY["W2"].size(True)
    assert peers.check("MyGrad", "W2", size)["agrees"]
    verdict = peers.check("wrong", "W2", size)
    assert not verdict["agrees"] and 9e-4 < verdict["max_rel_err"] < 1.1e-3


def test_bad_peer_name():
    bad = subprocess.run([sys.executable, "-m", "benchmarks", "--peers", "numba"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "unknown peer(s): numba" in bad.stderr


@pytest.mark.parametrize("key", ["W1", "W2", "W3", "W5", "W6", "W7", "W8"])
def test_compiled_wraps_the_training_step_once(monkeypatch, key):
    """``--compiled`` hands each workload's training step to ``T.compile`` once, at set-up; W1's
    DataLoader loop stays outside (the step runs once per batch: 7 batches x 2 epochs)."""
    import minigrad

    from benchmarks.backends import MINIGRAD
    from benchmarks.workloads import BY_KEY, build_step
    wrapped, calls = [], []

    def recording_compile(fn):
        wrapped.append(fn)

        def run(*args):
            calls.append(args)
            return fn(*args)
        return run
    monkeypatch.setattr(minigrad, "compile", recording_compile, raising=False)
    assert build_step(BY_KEY[key], MINIGRAD, True) is not None and not wrapped  # eager
    step = build_step(BY_KEY[key], MINIGRAD, True, compiled=True)
    assert len(wrapped) == 1 and not calls
    step()
    assert len(calls) == (14 if key == "W1" else 1)
    if key == "W1":
        assert wrapped[0].__name__ == "train_step" and all(len(a) == 2 for a in calls)


def test_compiled_column_without_a_compiler(monkeypatch):
    import minigrad

    from benchmarks.backends import MINIGRAD
    from benchmarks.workloads import BY_KEY, build_step
    monkeypatch.delattr(minigrad, "compile", raising=False)
    with pytest.raises(RuntimeError, match="minigrad has no compile"):
        build_step(BY_KEY["W2"], MINIGRAD, True, compiled=True)
    bad = subprocess.run([sys.executable, "-m", "benchmarks", "--compiled", "--in-process"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--compiled runs in fresh processes only" in bad.stderr


def test_page_fault_attribution_runs():
    """``python -m benchmarks.page_faults`` prints W5's faults per op and their total (in a
    process of its own: it wraps every Function's forward and backward)."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.page_faults", "--n", "1000",
                           "--steps", "2"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("W5 on 1,000 float32") and "total per step" in proc.stdout
