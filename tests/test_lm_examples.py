"""The language-model examples agree with torch under ``python -m compare run`` (slow: each
runs twice in fresh interpreters; ``pytest -m slow``)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("script", ["lstm_tagger.py", "tiny_gpt.py"])
def test_example_agrees_with_torch(script):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "compare", "run", f"examples/{script}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Same output" in done.stdout or "same output" in done.stdout, done.stdout[-2000:]
