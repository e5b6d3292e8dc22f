"""examples/linear_regression.py on minigrad against torch: same seed,
same initial weights and batches, so the same trained weight and bias; both PNGs written."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import minigrad

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "linear_regression.py"
torch.set_num_threads(1)  # a 1x1 model: threads only add overhead


def _example():
    spec = importlib.util.spec_from_file_location("linear_regression_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLE = _example()


@pytest.mark.parametrize("shuffle, seed", [(False, 0), (True, 0), (True, 2024)])
def test_same_training_result_as_torch(shuffle, seed):
    runs = {}
    for lib in (minigrad, torch):
        lib.manual_seed(seed)
        init = lib.nn.Linear(1, 1)
        model, losses, *_ = EXAMPLE.train(lib, epochs=30, shuffle=shuffle, seed=seed)
        runs[lib.__name__] = (init, model, losses)
    (init_m, model_m, loss_m), (init_t, model_t, loss_t) = runs["minigrad"], runs["torch"]
    # the same seed gives bit-identical initial parameters
    np.testing.assert_array_equal(init_m.weight.detach().numpy(), init_t.weight.detach().numpy())
    for name in ("weight", "bias"):
        pm, pt = getattr(model_m, name), getattr(model_t, name)
        assert pm.dtype == minigrad.float32 and tuple(pm.shape) == tuple(pt.shape)
        np.testing.assert_allclose(pm.detach().numpy(), pt.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(loss_m, loss_t, rtol=1e-5)
    assert abs(model_m.weight.item() - 42.4) < 2.5 and abs(model_m.bias.item() - 14.0) < 2.5


def test_plots_written(tmp_path):
    model, losses, x, y, coef = EXAMPLE.train(minigrad, epochs=3, seed=1)
    paths = EXAMPLE.plot(minigrad, model, losses, x, y, coef, tmp_path / "plots")
    assert [p.name for p in paths] == ["linear_regression_loss.png", "linear_regression_fit.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000


def test_command_line_prints_like_torch(tmp_path):
    """The script on minigrad prints what the same run prints on torch."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path), "--epochs", "5", "--seed", "3"],
        capture_output=True, text=True, check=True, cwd=ROOT)
    model, *_ = EXAMPLE.train(torch, epochs=5, seed=3)
    expected = f"{model.weight}\n{model.bias}\n"
    assert result.stdout.startswith(expected)
    assert expected.startswith("Parameter containing:\ntensor([[")
    assert (tmp_path / "linear_regression_fit.png").exists()
    assert f"wrote {tmp_path / 'linear_regression_loss.png'}" in result.stdout
