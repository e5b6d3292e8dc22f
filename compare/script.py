"""``python -m compare run SCRIPT.py``: an unmodified PyTorch script under torch and minigrad.

The script runs twice, each time in a fresh interpreter: once with real torch, once with
``import torch`` (and ``torch.nn``, ``torch.optim``, ``torch.utils.data``, ...) resolved to
minigrad through ``minigrad.torch_alias``. Both outputs are captured and compared line by line:

* the text around numbers must be identical;
* numbers must agree within ``atol + rtol * |value|`` (defaults 0 and 1e-5, the float32 budget),
  or differ by at most one unit of their last printed digit when that unit is small next to the
  value (a rounding tie), and be printed in the same form (same decimals, same notation; a
  float printed at full precision is compared by value only);
* what torch itself does not reproduce is ignored: ``0x...`` addresses, ``id()``-like integers
  (12 digits or more), torch's ``(Triggered internally at ...)`` note, and the traceback frames
  inside torch or minigrad (frames of the script itself, and the error line, are kept).

Exit status 0 when the outputs agree — the verdict then says whether every number was identical
or how closely they agree ("agrees to 2e-06 relative", the largest relative difference) — and 1
when they differ.
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BOOTSTRAP = r"""
import os, runpy, sys
backend, seed, script, *args = sys.argv[1:]
if backend == "minigrad":
    from minigrad import torch_alias
    torch_alias.install()
if seed != "none":
    import random
    import numpy as np
    import torch
    random.seed(int(seed))
    np.random.seed(int(seed))
    torch.manual_seed(int(seed))
sys.argv = [script, *args]
sys.path[0] = os.path.dirname(os.path.abspath(script))
runpy.run_path(script, run_name="__main__")
"""

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])"
                    r"|(?<![\w.])[-+]?(?:nan|inf)(?!\w)")
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
TRIGGERED = re.compile(r" \(Triggered internally at [^)]*\)")
FRAME = re.compile(r'^  File "(.*)", line \d+, in ')
ID_DIGITS = 12


@dataclass
class Run:
    backend: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_script(backend, script, args=(), seed=None, cwd=None, timeout=600):
    """Run ``script`` in a fresh interpreter on ``backend`` ('torch' or 'minigrad')."""
    # MINIGRAD_BACKEND: the project's examples pick their library from it (they import minigrad
    # or torch themselves rather than ``import torch``).
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0", PYTHONUNBUFFERED="1",
               PYTHONIOENCODING="utf-8", MINIGRAD_BACKEND=backend)
    cmd = [sys.executable, "-c", BOOTSTRAP, backend, "none" if seed is None else str(seed),
           str(script), *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
    return Run(backend, proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start)


# ---- normalising and tokenising --------------------------------------------------------------
# a line of torch's internal logging: "W1207 14:50:04.317000 22304 site-packages/torch/..."
TORCH_LOG = re.compile(r"^[DIWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S*torch/")


def normalise(text, script):
    """Mask what torch does not reproduce itself; keep only the script's traceback frames."""
    script = os.path.abspath(script)
    lines, keep_frame = [], True
    for line in text.splitlines():
        if TORCH_LOG.match(line):
            continue  # torch's own diagnostics log (torch.compile's), not the program's output
        m = FRAME.match(line)
        if m:
            keep_frame = os.path.abspath(m.group(1)) == script
            if keep_frame:
                lines.append(line)
            continue
        if line.startswith("    ") and not keep_frame:
            continue  # the source and caret lines of a dropped frame
        if not line.startswith(" "):
            keep_frame = True
        lines.append(ADDRESS.sub("0x?", TRIGGERED.sub("", line)))
    return lines


def tokenise(line):
    """A line as (template with numbers replaced by '#', [number tokens])."""
    return NUMBER.sub("#", line), NUMBER.findall(line)


def _form(token):
    """How a number is printed: (decimals, has exponent, is integer)."""
    mant, _, exp = token.lower().partition("e")
    decimals = len(mant.partition(".")[2])
    return decimals, bool(exp), "." not in mant and not exp


def _python_repr(token):
    """A float printed at full precision (Python's repr: 10+ significant digits), whose number
    of decimals follows the value rather than a print setting (its twin may print short,
    ``1.0`` for ``1.0000001192092896``)."""
    mantissa = token.lower().partition("e")[0]
    return len(mantissa.replace("-", "").replace("+", "").replace(".", "").lstrip("0")) >= 10


def number_match(ref, got, rtol, atol=0.0):
    """How two printed numbers compare: "equal" (same text), "close" (within
    ``atol + rtol * max(|ref|, |got|)``), "tie" (one unit of a small last printed digit apart),
    or None (they differ); with their relative difference."""
    if ref == got:
        return "equal", 0.0
    if ref.lstrip("+-").isdigit() and got.lstrip("+-").isdigit():
        ids = len(ref.lstrip("+-")) >= ID_DIGITS and len(got.lstrip("+-")) >= ID_DIGITS
        return ("equal" if ids else None), 0.0
    if _form(ref) != _form(got) and not (_python_repr(ref) or _python_repr(got)):
        return None, float("inf")
    a, b = float(ref), float(got)
    if a != a or b != b:
        return ("equal" if a != a and b != b else None), float("inf")
    diff, mag = abs(a - b), max(abs(a), abs(b))
    relative = diff / mag if mag else float("inf")
    if diff <= atol + rtol * mag:
        return "close", relative
    decimals, _, _ = _form(ref)
    exp = int(ref.lower().partition("e")[2] or 0)
    unit = 10.0 ** (exp - decimals)
    if diff <= unit * 1.000001 and unit <= 1e-3 * max(mag, 1.0):
        return "tie", relative
    return None, relative


def numbers_agree(ref, got, rtol, atol=0.0):
    return number_match(ref, got, rtol, atol)[0] is not None


@dataclass
class Agreement:
    """How the numbers that agree do so: how many differ within the tolerances, the largest
    relative difference among those, and how many differ only by last-digit rounding."""
    close: int = 0
    largest_relative: float = 0.0
    ties: int = 0

    def add(self, kind, relative):
        if kind == "close":
            self.close += 1
            self.largest_relative = max(self.largest_relative, relative)
        elif kind == "tie":
            self.ties += 1


@dataclass
class Difference:
    ref_lines: list   # [(line number, text)] from torch
    got_lines: list   # [(line number, text)] from minigrad


def diff_lines(ref, got, rtol=1e-5, atol=0.0, agreement=None):
    """The differences between two lists of normalised lines (``agreement``, an Agreement,
    collects how the numbers of matching lines agree)."""
    rt = [tokenise(line) for line in ref]
    gt = [tokenise(line) for line in got]
    matcher = difflib.SequenceMatcher(None, [t for t, _ in rt], [t for t, _ in gt],
                                      autojunk=False)
    diffs = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                matches = [number_match(a, b, rtol, atol) for a, b in zip(rt[i][1], gt[j][1])]
                if any(kind is None for kind, _ in matches):
                    diffs.append(Difference([(i + 1, ref[i])], [(j + 1, got[j])]))
                elif agreement is not None:
                    for kind, relative in matches:
                        agreement.add(kind, relative)
        else:
            diffs.append(Difference([(i + 1, ref[i]) for i in range(i1, i2)],
                                    [(j + 1, got[j]) for j in range(j1, j2)]))
    return diffs


# ---- the command ------------------------------------------------------------------------------
def compare_runs(ref, got, script, rtol=1e-5, stdout_only=False, atol=0.0, agreement=None):
    """{stream: [Difference]} for the streams that differ, plus the exit status."""
    found = {}
    streams = ["stdout"] if stdout_only else ["stdout", "stderr"]
    for stream in streams:
        d = diff_lines(normalise(getattr(ref, stream), script),
                       normalise(getattr(got, stream), script), rtol, atol, agreement)
        if d:
            found[stream] = d
    if ref.returncode != got.returncode:
        found["exit status"] = [Difference([(0, str(ref.returncode))],
                                           [(0, str(got.returncode))])]
    return found


def _print_side(label, lines, out, max_lines=8):
    if not lines:
        print(f"  {label}       | (nothing)", file=out)
    for n, text in lines[:max_lines]:
        print(f"  {label} {n:5d} | {text}", file=out)
    if len(lines) > max_lines:
        print(f"  {label}       | ... {len(lines) - max_lines} more line(s)", file=out)


def print_differences(found, out=sys.stdout, limit=40):
    shown = 0
    for stream, diffs in found.items():
        print(f"--- {stream}: {len(diffs)} difference(s)", file=out)
        for d in diffs:
            if shown >= limit:
                print(f"... (more differences not shown; limit {limit})", file=out)
                return
            shown += 1
            _print_side("torch   ", d.ref_lines, out)
            _print_side("minigrad", d.got_lines, out)
            print(file=out)


def verdict(script, n_lines, agreement, rtol, atol, timing):
    """The line reporting outputs that agree: identical, or how closely the numbers agree."""
    ties = (f"; {agreement.ties} number(s) one unit apart in the last printed digit"
            if agreement.ties else "")
    if not agreement.close:
        what = "identical numbers" if not agreement.ties else "no other number differs"
        return f"same output: {script} ({n_lines} lines; {what}{ties}; {timing})"
    return (f"agrees to {agreement.largest_relative:.1g} relative: {script} ({n_lines} lines; "
            f"{agreement.close} number(s) differ within rtol {rtol:g}, atol {atol:g}, the "
            f"largest by {agreement.largest_relative:.2g} relative{ties}; {timing})")


def main(argv):
    p = argparse.ArgumentParser(prog="python -m compare run",
                                description="Run a PyTorch script under torch and under minigrad "
                                            "and show where their outputs differ.")
    p.add_argument("--seed", type=int, default=None,
                   help="seed torch, numpy and random before the script runs")
    p.add_argument("--rtol", type=float, default=1e-5,
                   help="relative tolerance for numbers (default 1e-5, the float32 budget)")
    p.add_argument("--atol", type=float, default=0.0,
                   help="absolute tolerance for numbers (default 0)")
    p.add_argument("--stdout-only", action="store_true", help="do not compare stderr")
    p.add_argument("--timeout", type=float, default=600, help="seconds per run")
    p.add_argument("--show", action="store_true", help="print both outputs in full")
    p.add_argument("script")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    a = p.parse_args(argv)
    script = Path(a.script)
    if not script.is_file():
        print(f"no such script: {script}", file=sys.stderr)
        return 2
    ref = run_script("torch", script, a.args, a.seed, timeout=a.timeout)
    got = run_script("minigrad", script, a.args, a.seed, timeout=a.timeout)
    if a.show:
        for r in (ref, got):
            print(f"===== {r.backend} (exit {r.returncode}) stdout\n{r.stdout}"
                  f"===== {r.backend} stderr\n{r.stderr}")
    agreement = Agreement()
    found = compare_runs(ref, got, script, a.rtol, a.stdout_only, a.atol, agreement)
    timing = f"torch {ref.seconds:.2f} s, minigrad {got.seconds:.2f} s"
    n_lines = len(ref.stdout.splitlines()) + len(ref.stderr.splitlines())
    if not found:
        print(verdict(script, n_lines, agreement, a.rtol, a.atol, timing))
        return 0
    print_differences(found)
    print(f"DIFFERENT: {script} ({sum(len(v) for v in found.values())} difference(s); {timing})")
    return 1
