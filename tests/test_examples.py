"""The project's example programs print exactly the same under minigrad as under torch.

Each ``examples/api/NN_topic.py`` is a plain PyTorch program probing one area of the API
(values, dtypes, printing, views, grad_fn names, warnings, error types and messages). It runs in
two fresh interpreters at once: ``python SCRIPT`` (real torch) and ``python -m
minigrad.torch_alias SCRIPT`` (``import torch`` resolved to minigrad). stdout must be identical
and so must stderr (warnings printed outside the probes), with only what torch itself does not
reproduce from run to run masked: object addresses (``0x...``) and torch's ``(Triggered
internally at <C++ file>)`` suffix. ``examples/*.py`` run the same way with fixed arguments.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
API_EXAMPLES = sorted((ROOT / "examples" / "api").glob("[0-9]*.py"))
# examples/*.py with the arguments that make them quick and deterministic; they pick their library
# with MINIGRAD_BACKEND, which the torch alias turns into minigrad in the second run
OTHER_EXAMPLES = {"linear_regression.py": ["--seed", "0", "--epochs", "20", "--out", "{tmp}"],
                  "tensors_tutorial.py": [],
                  "softmax_regression_scratch.py": ["--epochs", "2"],
                  "func_tutorial.py": []}


def _mask(text):
    text = re.sub(r"0x[0-9a-f]+", "0x?", text)
    return re.sub(r" \(Triggered internally at [^)]*\)", "", text)


def run_both(script, args=()):
    """Start the torch and the minigrad run together; return both CompletedProcess-like tuples."""
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0", MINIGRAD_BACKEND="torch")
    commands = ([sys.executable, str(script), *args],
                [sys.executable, "-m", "minigrad.torch_alias", str(script), *args])
    procs = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for c in commands]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append((p.returncode, _mask(out), _mask(err)))
    return results


def assert_same_output(script, args=()):
    (rc_t, out_t, err_t), (rc_m, out_m, err_m) = run_both(script, args)
    assert rc_t == 0, f"torch run failed:\n{err_t}"
    assert rc_m == 0, f"minigrad run failed:\n{err_m}"
    assert out_t.strip(), "the example printed nothing"
    assert out_m.splitlines() == out_t.splitlines()
    assert err_m.splitlines() == err_t.splitlines()


@pytest.mark.parametrize("script", API_EXAMPLES, ids=lambda p: p.stem)
def test_api_example(script):
    assert_same_output(script)


@pytest.mark.parametrize("name", sorted(OTHER_EXAMPLES))
def test_example(name, tmp_path):
    args = [a.format(tmp=tmp_path) for a in OTHER_EXAMPLES[name]]
    assert_same_output(ROOT / "examples" / name, args)


def test_every_api_section_has_an_example():
    """Each numbered area of the API (0-12 and 14) has its example program."""
    sections = {int(p.stem.split("_")[0]) for p in API_EXAMPLES}
    assert sections >= set(range(13)) | {14}
