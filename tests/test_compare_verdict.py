"""``python -m compare run``'s verdicts: identical output, agreement within the float32 budget
(reported with the largest relative difference), and a real difference; --rtol / --atol."""
import os
import subprocess
import sys
from pathlib import Path

from compare.script import Agreement, diff_lines, number_match, verdict

ROOT = Path(__file__).resolve().parents[1]


def _run(tmp_path, body, *options):
    script = tmp_path / "s.py"
    script.write_text("import torch\nMINIGRAD = torch.__name__ != 'torch'\n" + body)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compare", "run", *options, str(script)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)


def test_number_match_kinds():
    assert number_match("1.5", "1.5", 1e-5) == ("equal", 0.0)
    kind, relative = number_match("0.200000", "0.200001", 1e-5)
    assert kind == "close" and abs(relative - 5e-6) < 1e-9
    assert number_match("0.000001", "0.000000", 1e-5)[0] == "tie"
    assert number_match("10.", "11.", 1e-5)[0] is None
    assert number_match("10.", "11.", 1e-5, atol=1.5)[0] == "close"
    assert number_match("1.0000", "1.0", 1e-5)[0] is None            # printed differently
    # Python's float repr: decimals follow the value, so only the value is compared
    assert number_match("-178.55990600585938", "-178.5600128173828", 1e-5)[0] == "close"
    assert number_match("-178.55990600585938", "-178.6600128173828", 1e-5)[0] is None
    assert number_match("1.0", "1.0000001192092896", 1e-5)[0] == "close"


def test_agreement_collects_the_largest_relative_difference():
    agreement = Agreement()
    assert diff_lines(["a 1.000000 2.000000", "b 0.5"], ["a 1.000001 2.000006", "b 0.5"],
                      1e-5, 0.0, agreement) == []
    assert agreement.close == 2 and abs(agreement.largest_relative - 3e-6) < 1e-8
    line = verdict("s.py", 2, agreement, 1e-5, 0.0, "t")
    assert line.startswith("agrees to 3e-06 relative: s.py")
    assert verdict("s.py", 2, Agreement(), 1e-5, 0.0, "t").startswith("same output: s.py")


def test_cli_verdicts(tmp_path):
    one_ulp = "print(float(torch.tensor(1.0) + (1.2e-7 if MINIGRAD else 0.0)))\n"
    within = _run(tmp_path, one_ulp)
    assert within.returncode == 0, within.stdout
    assert within.stdout.startswith("agrees to 1e-07 relative")
    # --atol covers the first line's 1.2e-7; the second line differs for real
    real = _run(tmp_path, one_ulp + "print(1.0 + (1e-3 if MINIGRAD else 0.0))\n",
                "--rtol", "1e-9", "--atol", "1e-6")
    assert real.returncode == 1 and "DIFFERENT" in real.stdout and "1 difference(s)" in real.stdout
    assert "torch        2 | 1.0" in real.stdout
