"""The report's compiled columns (``python -m benchmarks --compiled``).

"minigrad compiled" and "torch compiled" run the same workload code as the eager columns, with
the training step wrapped in the library's ``compile()`` (``workloads.py``: W1's DataLoader
loop and the ``loss.item()`` of W1, W7 and W8 stay eager, outside the wrapped step). Every
ratio divides median wall times of fresh processes of the same run; compilation happens in the
untimed warm-up. How to read them: ``benchmarks/README.md``.
"""
from .workloads import BY_KEY, COMPILED_TARGETS, WORKLOADS

RATIOS = (("minigrad compiled", "torch"), ("minigrad compiled", "torch compiled"),
          ("minigrad compiled", "minigrad"), ("torch compiled", "torch"))


def _value(results, key, column):
    t = results["workloads"].get(key, {}).get("timings", {}).get(column)
    if t is None:
        return None
    w = BY_KEY[key]
    return t.median * w.scale / w.per


def compiled_ratio(results, key, column, other):
    """``column`` ÷ ``other`` on workload ``key`` (None when either was not measured)."""
    a, b = _value(results, key, column), _value(results, key, other)
    return a / b if a is not None and b else None


def section_compiled(results, fmt, table):
    """The compiled columns beside eager, the compiler's targets and why a column is missing."""
    lines = ["## Compiled", ""]
    if not results.get("compiled"):
        return lines + ["Not run (`python -m benchmarks --compiled` adds the columns "
                        "\"minigrad compiled\" and \"torch compiled\"): n/a."]
    lines += ["The training step of each workload wrapped in `minigrad.compile` and in "
              "`torch.compile` (inductor on this CPU), each library in its own fresh process "
              "as above; compiling happens in the untimed warm-up. How to read these columns: "
              "[README.md](README.md#compiled-columns).", ""]
    header = ["workload", "unit", "minigrad", "minigrad compiled", "torch", "torch compiled"]
    header += [f"{a} ÷ {b}" for a, b in RATIOS]
    rows, notes = [], []
    for w in WORKLOADS:
        res = results["workloads"].get(w.key)
        if res is None:
            continue
        cells = []
        for c in header[2:6]:
            v = _value(results, w.key, c)
            if v is None and c in res["errors"]:
                notes.append(f"{w.key} / {c}: `{res['errors'][c]}`")
                cells.append(f"n/a [{len(notes)}]")
            else:
                cells.append(fmt(v))
        rows.append([w.key, w.unit] + cells
                    + [fmt(compiled_ratio(results, w.key, a, b)) for a, b in RATIOS])
    lines += [table(header, rows), ""]
    if notes:
        lines += ["Not measured:", ""] + [f"{i}. {n}" for i, n in enumerate(notes, 1)] + [""]
    target_rows = []
    for key, other, goal in COMPILED_TARGETS:
        r = compiled_ratio(results, key, "minigrad compiled", other)
        met = "n/a" if r is None else ("yes" if r <= goal else "**no**")
        target_rows.append((f"{key} minigrad compiled ÷ {other}", fmt(r), f"≤ {goal}", met))
    lines += ["The compiler's targets (compiled minigrad ÷ eager torch, wall time):", "",
              table(["target", "ratio", "goal", "met"], target_rows)]
    return lines
