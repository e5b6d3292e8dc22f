"""examples/mnist_digits_adadelta.py agrees with torch under ``python -m compare run`` (its
printed losses match torch's to rounding: the forward pass already differs in the last printed
digit, since matrix products sum in another order, so it cannot join tests/test_examples.py,
which asks for identical text)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _compare_run(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "compare", "run",
                           "examples/mnist_digits_adadelta.py", *args],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # identical numbers, or numbers within compare's float32 budget (rtol 1e-5)
    assert proc.stdout.startswith(("same output", "agrees to")), proc.stdout


def test_one_epoch_agrees_with_torch():
    _compare_run("--epochs", "1")


@pytest.mark.slow
def test_default_run_agrees_with_torch():
    """Four epochs, the learning rate stepped by 0.7 after each."""
    _compare_run()
