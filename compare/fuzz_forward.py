"""``python -m compare.fuzz_forward``: the fuzzer's random programs, in forward mode.

Each case of ``compare/fuzz.py`` (leaves and steps, chosen on torch) runs again in both
libraries, two ways:

* **jvp**: inside a dual level, every float leaf made dual with a random tangent (the same on
  both sides): every variable's primal and tangent are compared (or the error, if one raises);
* **jacobian**: the map from the float leaves to the first float sink as a function, its
  Jacobian by ``autograd.functional.jacobian`` in reverse mode and in forward mode: each
  compared with torch's.

    python -m compare fuzz --forward --seed 0 --count 200     (or python -m compare.fuzz_forward)

An op minigrad gives no forward formula where torch has one is a disagreement like any other.
"""
import argparse
import sys

import numpy as np

from .backends import tensor_to_numpy
from .check import RTOL, compare
from .fuzz import _namespace, available_ops, make_case
from .fuzz_verdicts import touches_float32


def _float_leaves(case):
    return [leaf for leaf in case.leaves if leaf.array.dtype.kind == "f"]


def _tangents(case):
    rng = np.random.default_rng([case.seed, case.index, 7])
    return {leaf.name: rng.standard_normal(leaf.array.shape).astype(leaf.array.dtype)
            for leaf in _float_leaves(case)}


def _record(t):
    if t is None:
        return ("py", None)
    return ("tensor", str(t.dtype), tuple(t.shape), tensor_to_numpy(t.detach()))


def run_jvp(case, T):
    """{variable: record} of primals and tangents with every float leaf dual."""
    fwad = T.autograd.forward_ad
    env = _namespace(T)
    out = {}
    tangents = _tangents(case)
    with fwad.dual_level():
        for leaf in case.leaves:
            t = T.tensor(leaf.array)
            if leaf.name in tangents:
                t = fwad.make_dual(t, T.tensor(tangents[leaf.name]))
            env[leaf.name] = t
        for i, step in enumerate(case.steps):
            try:
                exec(step.code, env)  # noqa: S102 - the case is the program under test
            except Exception as e:  # noqa: BLE001 - the error is an output
                out["error"] = ("py", f"step {i + 1}: {type(e).__name__}")
                if "Trying to use forward AD with" in str(e):
                    out["no formula"] = ("py", str(e))
                break
        for name in case.variables():
            if name in env and hasattr(env[name], "dtype"):
                primal, tangent = fwad.unpack_dual(env[name])
                out[name] = _record(primal)
                out[f"{name}.tangent"] = _record(tangent)
    return out


def run_jacobian(case, T):
    """Jacobians of the first float sink by the float leaves, both strategies."""
    names = [leaf.name for leaf in _float_leaves(case)]
    sinks = [s for s in case.sinks()]
    if not names or not sinks:
        return {}
    fixed = {leaf.name: leaf.array for leaf in case.leaves if leaf.name not in names}

    def f(*xs):
        env = _namespace(T)
        env.update({k: T.tensor(v) for k, v in fixed.items()})
        env.update(dict(zip(names, xs)))
        for step in case.steps:
            exec(step.code, env)  # noqa: S102
        return env[sinks[0]]
    inputs = tuple(T.tensor(leaf.array) for leaf in _float_leaves(case))
    out = {}
    for strategy in ("reverse-mode", "forward-mode"):
        try:
            jac = T.autograd.functional.jacobian(f, inputs, vectorize=True, strategy=strategy)
            for name, j in zip(names, jac):
                out[f"d{sinks[0]}/d{name} ({strategy})"] = _record(j)
        except Exception as e:  # noqa: BLE001
            out[f"error ({strategy})"] = ("py", type(e).__name__)
    return out


def differences(case, torch, minigrad):
    problems = []
    min_rtol = RTOL["float32"] if touches_float32(case) else 0.0
    for run in (run_jvp, run_jacobian):
        ref, got = run(case, torch), run(case, minigrad)
        if "error" in ref or "error (forward-mode)" in ref:  # torch refuses: nothing to check
            continue
        for key, rec in ref.items():
            if key not in got:
                problems.append((key, "missing" + (f" ({got['error'][1]})"
                                                   if "error" in got else "")))
                continue
            verdict = compare(rec, got[key], min_rtol)
            if not verdict.ok:
                problems.append((key, verdict.why))
    return problems


def fuzz(seed, count, start=0, max_steps=6, out=sys.stdout):
    """Run ``count`` cases; return the failing (index, problems)."""
    import warnings

    import torch

    import minigrad
    warnings.simplefilter("ignore")
    ops = available_ops(minigrad)
    failures = []
    for i in range(start, start + count):
        case = make_case(torch, ops, seed, i, max_steps)
        try:
            problems = differences(case, torch, minigrad)
        except Exception as e:  # noqa: BLE001 - the harness itself failed on this case
            problems = [("<harness>", f"{type(e).__name__}: {e}")]
        if problems:
            failures.append((i, problems))
            print(f"case {i}: " + "; ".join(f"{k}: {why}" for k, why in problems[:3]),
                  file=out)
    print(f"fuzz_forward: seed {seed}, {count} cases, {len(failures)} disagreeing", file=out)
    return failures


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m compare.fuzz_forward", description=__doc__)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--max-steps", type=int, default=6)
    a = p.parse_args(argv)
    return 1 if fuzz(a.seed, a.count, a.start, a.max_steps) else 0


if __name__ == "__main__":
    sys.exit(main())
