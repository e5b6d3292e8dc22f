"""Comparing one output of a program with the reference backend's.

An output is a tensor, a number, a bool, a string, None, or a list/tuple of these. Tensors must
agree in dtype and shape exactly, integers and bools exactly, floating values within a tolerance
set by the reference dtype:

    |got - ref| <= rtol * |ref| + atol,    atol = rtol * max(1, max |ref|)

so an element near zero in a tensor of large values (a sum that cancels, say) is held to the
precision of the tensor's magnitude, not its own. NaN must meet NaN and inf the same inf.
Python floats are held to the float32 budget: ``x.item()`` of a float32 tensor is one.
The spread between torch on the CPU and on CUDA (other summation orders, other math libraries)
fits inside the float32 budget; TF32 is switched off for CUDA runs.
"""
from dataclasses import dataclass

import numpy as np

RTOL = {"float64": 1e-10, "float32": 1e-5, "float16": 1e-3, "bfloat16": 1e-2}
PY_FLOAT_RTOL = RTOL["float32"]


@dataclass
class Verdict:
    ok: bool
    abs_err: float = 0.0
    rel_err: float = 0.0
    why: str = ""


def flatten(outputs):
    """``{"name": [a, b]}`` -> ``{"name[0]": a, "name[1]": b}`` (recursively)."""
    flat = {}
    for name, value in outputs.items():
        if isinstance(value, (list, tuple)) and not _is_size(value):
            flat.update(flatten({f"{name}[{i}]": v for i, v in enumerate(value)}))
        else:
            flat[name] = value
    return flat


def _is_size(value):
    return type(value).__name__ == "Size"


def describe(backend, value):
    """A backend-neutral record of one output: ('tensor', dtype, shape, array) or ('py', x)."""
    if backend.is_tensor(value):
        return ("tensor", str(value.dtype), tuple(value.shape), backend.to_numpy(value))
    if isinstance(value, np.ndarray):
        return ("tensor", f"numpy.{value.dtype}", value.shape, value)
    if _is_size(value):
        return ("py", tuple(int(v) for v in value))
    if type(value).__name__ == "dtype":
        return ("py", str(value))
    return ("py", value)


def compare(ref, got, min_rtol=0.0):
    """The verdict on ``got`` against ``ref`` (both from ``describe``).

    ``min_rtol`` raises the tolerance of every floating dtype to at least that (a float64 result
    computed through float32 steps is only as precise as float32).
    """
    if ref[0] != got[0]:
        return Verdict(False, why=f"expected a {_kind(ref)}, got a {_kind(got)}")
    if ref[0] == "py":
        return _compare_py(ref[1], got[1])
    _, rdtype, rshape, rvals = ref
    _, gdtype, gshape, gvals = got
    if rdtype != gdtype:
        return Verdict(False, why=f"dtype {gdtype} != {rdtype}")
    if rshape != gshape:
        return Verdict(False, why=f"shape {list(gshape)} != {list(rshape)}")
    rtol = RTOL.get(rdtype.split(".")[-1])
    return compare_arrays(rvals, gvals, None if rtol is None else max(rtol, min_rtol))


def _kind(record):
    return f"tensor ({record[1]})" if record[0] == "tensor" else type(record[1]).__name__


def _compare_py(ref, got):
    if type(ref) is not type(got):
        return Verdict(False, why=f"{type(got).__name__} {got!r} != {type(ref).__name__} {ref!r}")
    if isinstance(ref, float):
        return compare_arrays(np.array(ref), np.array(got), PY_FLOAT_RTOL)
    if ref != got:
        return Verdict(False, why=f"{got!r} != {ref!r}")
    return Verdict(True)


def compare_arrays(ref, got, rtol):
    """Elementwise check; ``rtol=None`` means exact (integers, bools)."""
    ref = np.asarray(ref)
    got = np.asarray(got)
    if ref.shape != got.shape:
        return Verdict(False, why=f"shape {list(got.shape)} != {list(ref.shape)}")
    if ref.size == 0:
        return Verdict(True)
    if rtol is None or ref.dtype.kind not in "fc":
        bad = ref != got
        n = int(np.count_nonzero(bad))
        if n:
            i = np.unravel_index(np.argmax(bad), ref.shape)
            err = float(np.max(np.abs(ref.astype(np.float64) - got.astype(np.float64))))
            return Verdict(False, err, float("inf"), f"{n} of {ref.size} values differ; "
                           f"first at {list(i)}: {got[i]!r} != {ref[i]!r}")
        return Verdict(True)
    r = ref.astype(np.float64)
    g = got.astype(np.float64)
    nan_r, nan_g = np.isnan(r), np.isnan(g)
    if (nan_r != nan_g).any():
        i = np.unravel_index(np.argmax(nan_r != nan_g), r.shape)
        return Verdict(False, float("nan"), float("nan"),
                       f"NaN mismatch at {list(i)}: {g[i]!r} != {r[i]!r}")
    inf_r = np.isinf(r)
    if (inf_r != np.isinf(g)).any() or (r[inf_r] != g[inf_r]).any():
        i = np.unravel_index(np.argmax((inf_r != np.isinf(g)) | (inf_r & (r != g))), r.shape)
        return Verdict(False, float("inf"), float("inf"),
                       f"inf mismatch at {list(i)}: {g[i]!r} != {r[i]!r}")
    finite = ~(nan_r | inf_r)
    r, g = r[finite], g[finite]
    if r.size == 0:
        return Verdict(True)
    diff = np.abs(g - r)
    mag = np.abs(r)
    atol = rtol * max(1.0, float(mag.max()))
    abs_err = float(diff.max())
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff == 0, 0.0, diff / np.maximum(mag, np.finfo(np.float64).tiny))
    rel_err = float(rel.max())
    bad = diff > rtol * mag + atol
    if bad.any():
        k = int(np.argmax(diff - (rtol * mag + atol)))
        return Verdict(False, abs_err, rel_err,
                       f"{int(bad.sum())} of {r.size} values off (rtol {rtol:g}, atol {atol:.3g});"
                       f" worst: {g[k]!r} != {r[k]!r}")
    return Verdict(True, abs_err, rel_err)
