"""Telling a real difference from two kinds that are not defects, each verified on the case.

A fuzz case where minigrad and torch disagree beyond the tolerance is one of three things:

* **a difference** — a defect, to be fixed;
* **rounding amplified by conditioning** — a float32 graph so sensitive to its inputs that one
  ulp of rounding in either library moves the result visibly (``sin`` of a large ``expm1``).
  Verified: the case is recomputed in float64, and again with every leaf perturbed by a random
  relative amount of float32's epsilon (``PERTURBATIONS`` times). The float32 error bound of an
  output is ``4 * spread + 8 * eps32 * |float64 result|``, where ``spread`` is the largest change
  the perturbations caused: the graph's own amplification of float32-sized errors, with room for
  the rounding of a few operations. Both libraries' float32 results must lie within that bound
  of the float64 result, for every element on which they differ (beyond the comparison's
  tolerance) in every output that differs;
* **a kink decided by rounding** — an op with a kink (``abs``, ``relu``, ``sign``, the rounding
  functions) receives an argument that is exactly at the kink in one library and a few ulps off
  it in the other (``(a @ c).abs()`` where a dot product cancels to 0 or to 1e-17 depending on
  the BLAS), so its gradient takes different sides. Verified: the kink's argument lies within
  ``KINK_ULPS`` ulps of the kink (at the scale of its largest element) in both libraries, and
  the difference disappears when that argument is nudged off the kink.

Anything else counts as a difference.
"""
import re
from dataclasses import replace

import numpy as np

from .check import RTOL

DIFFERENCE, CONDITIONING, KINK_TIE = "difference", "rounding amplified by conditioning", \
    "kink decided by rounding"
PERTURBATIONS = 8
KINK_ULPS = 64
EPS32 = float(np.finfo(np.float32).eps)

# kink functions as they appear in a step's code, with the kinks of each
_KINKS = {"abs": "zero", "relu": "zero", "sign": "zero", "floor": "integer", "ceil": "integer",
          "trunc": "integer", "frac": "integer", "round": "half"}
_METHOD_CALL = re.compile(r"\b(\w+)\.(" + "|".join(_KINKS) + r")\(\)")
_FUNCTION_CALL = re.compile(r"\b(?:torch|F)\.(" + "|".join(_KINKS) + r")\((\w+)\)")


def classify(case, problems, torch, minigrad, names, ref, got, differences, execute):
    """The verdict on a failing case (one of the three names above). ``differences`` and
    ``execute`` are the fuzzer's own functions (passed in to keep the modules one-way)."""
    keys = [k for k, _ in problems]
    if not _only_numbers_differ(keys, ref, got):
        return DIFFERENCE
    if _kink_tie(case, torch, minigrad, names, ref, got, differences):
        return KINK_TIE
    if touches_float32(case) and _within_float32_bound(case, keys, torch, ref, got, execute):
        return CONDITIONING
    return DIFFERENCE


def _only_numbers_differ(keys, ref, got):
    """Values or gradients differ, in tensors of the same dtype and shape (nothing else)."""
    for k in keys:
        a, b = ref.get(k), got.get(k)
        if a is None or b is None or a[0] != "tensor" or b[0] != "tensor":
            return False
        if a[1] != b[1] or a[2] != b[2] or np.asarray(a[3]).dtype.kind != "f":
            return False
    return True


def touches_float32(case):
    """Whether any value passes through float32 (then float32's tolerance applies to all)."""
    return any(leaf.array.dtype == np.float32 for leaf in case.leaves) or \
        any(".float()" in s.code for s in case.steps)


# ---- (a) conditioning ----------------------------------------------------------------------
def _as_float64(case, rng=None):
    """The same case computed in float64 (leaves perturbed by float32-sized amounts if rng)."""
    leaves = []
    for leaf in case.leaves:
        a = leaf.array
        if a.dtype.kind == "f":
            a = a.astype(np.float64)
            if rng is not None:
                a = a * (1.0 + EPS32 * rng.uniform(-1.0, 1.0, a.shape))
        leaves.append(replace(leaf, array=a))
    steps = [replace(s, code=s.code.replace(".float()", ".double()")
                     .replace("torch.float32", "torch.float64")) for s in case.steps]
    return replace(case, leaves=leaves, steps=steps)


def _within_float32_bound(case, keys, torch, ref, got, execute):
    ref64 = execute(_as_float64(case), torch)
    rng = np.random.default_rng([case.seed, case.index, 64])
    perturbed = [execute(_as_float64(case, rng), torch) for _ in range(PERTURBATIONS)]
    for k in keys:
        exact = _array(ref64, k)
        if exact is None or exact.shape != np.shape(ref[k][3]):
            return False
        spread = np.zeros_like(exact)
        for run in perturbed:
            other = _array(run, k)
            if other is None:
                return False
            spread = np.maximum(spread, np.abs(other - exact))
        bound = 4 * spread + 8 * EPS32 * np.abs(exact) + np.finfo(np.float64).tiny
        disagree = _disagreeing(ref[k][3], got[k][3])
        for result in (ref, got):
            off = np.abs(np.asarray(result[k][3], np.float64) - exact)
            within = (off <= bound) | (np.isnan(off) & np.isnan(exact))
            if not np.all(within[disagree]):
                return False
    return True


def _disagreeing(ref_values, got_values):
    """Where the two libraries' values differ beyond the float32 tolerance the comparison
    uses (``check.compare_arrays``): the elements a verdict is about (where they agree,
    whatever the float32 error, there is nothing to explain)."""
    r, g = np.asarray(ref_values, np.float64), np.asarray(got_values, np.float64)
    rtol = RTOL["float32"]
    finite = np.isfinite(r)
    atol = rtol * max(1.0, float(np.abs(r[finite]).max())) if finite.any() else rtol
    with np.errstate(invalid="ignore"):
        return ~(np.abs(g - r) <= rtol * np.abs(r) + atol) & ~(np.isnan(r) & np.isnan(g)) \
            | (np.isnan(r) != np.isnan(g))


def _array(record, key):
    rec = record.get(key)
    if rec is None or rec[0] != "tensor":
        return None
    return np.asarray(rec[3], np.float64)


# ---- (b) kinks -------------------------------------------------------------------------------
def kink_arguments(case):
    """[(step index, variable, kind)] for every kink function applied to a variable."""
    found = []
    for i, step in enumerate(case.steps):
        for var, fn in _METHOD_CALL.findall(step.code):
            found.append((i, var, _KINKS[fn]))
        for fn, var in _FUNCTION_CALL.findall(step.code):
            found.append((i, var, _KINKS[fn]))
    return found


def _near_kink(values, kind):
    """Whether some element lies within KINK_ULPS ulps (at the array's scale) of a kink."""
    x = np.asarray(values, np.float64)
    if x.size == 0:
        return False
    scale = max(1.0, float(np.nanmax(np.abs(x))))
    tol = KINK_ULPS * float(np.finfo(np.asarray(values).dtype).eps) * scale
    if kind == "zero":
        nearest = np.zeros_like(x)
    elif kind == "integer":
        nearest = np.round(x)
    else:
        nearest = np.floor(x) + 0.5
    return bool(np.any(np.abs(x - nearest) <= tol))


def _nudged(case, step, var, values):
    delta = 1e-3 * max(1.0, float(np.nanmax(np.abs(np.asarray(values, np.float64)))))
    s = case.steps[step]
    code = re.sub(rf"\b{var}\.", f"({var} + {delta!r}).", s.code)
    code = re.sub(rf"\(({var})\)", f"({var} + {delta!r})", code)
    steps = list(case.steps)
    steps[step] = replace(s, code=code)
    return replace(case, steps=steps)


def _kink_tie(case, torch, minigrad, names, ref, got, differences):
    for step, var, kind in kink_arguments(case):
        if case.steps[step].target is None or var not in ref or var not in got:
            continue   # an in-place kink (x.relu_()) is not nudged
        if ref[var][0] != "tensor" or got[var][0] != "tensor":
            continue
        if not (_near_kink(ref[var][3], kind) and _near_kink(got[var][3], kind)):
            continue
        if not differences(_nudged(case, step, var, ref[var][3]), torch, minigrad, names):
            return True
    return False
