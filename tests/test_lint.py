"""The repository is ruff-clean (the rules are in pyproject.toml)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = shutil.which("ruff")
    cmd = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    proc = subprocess.run([*cmd, "check", "--output-format", "concise", str(ROOT)],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode not in (0, 1):
        pytest.fail(f"ruff did not run: {proc.stderr}")
    assert proc.returncode == 0, proc.stdout
