"""The convolutional example programs agree with torch under ``python -m compare run`` (slow:
each runs twice in fresh interpreters, one of them training a network)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ["lenet_digits.py", "cnn_autograd.py", "cnn_save_load.py", "batchnorm_cnn.py"]


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_agrees_with_torch(name):
    done = subprocess.run([sys.executable, "-m", "compare", "run", f"examples/{name}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "same output" in done.stdout
