"""REPORT.md, OPTIMISATIONS.md and their plots from the results dictionary ``__main__`` collects.

REPORT.md opens with a summary for readers new to the project, then the targets, the numbers and
where the time goes; OPTIMISATIONS.md (beside it) holds the maintainers' optimisation log and the
profiles. ``python -m benchmarks.report`` renders both again from a saved ``results.json``
without measuring anything.

Every section and table is always written; what could not be measured (an op minigrad does not
have yet, a section left out with ``--only``) shows as "n/a" with the reason.
"""
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .harness import Timing  # noqa: E402
from .report_compiled import compiled_ratio, section_compiled  # noqa: E402
from .report_fresh import section_fresh  # noqa: E402
from .scaling import BREAKDOWN_PARTS, CURVES  # noqa: E402
from .workloads import BY_KEY, MEMORY_TARGET, TARGETS, WORKLOADS  # noqa: E402

PLOTS = ("workloads.png", "scaling_elementwise.png", "scaling_matmul.png", "scaling_depth.png",
         "overhead.png")
COLORS = {"minigrad": "tab:blue", "numpy floor": "tab:gray", "torch": "tab:orange"}


def fmt(v, digits=3):
    """3 significant digits, no exponent for everyday magnitudes."""
    if v is None:
        return "n/a"
    if v == 0:
        return "0"
    if abs(v) >= 10 ** digits:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---- numbers out of the results ----------------------------------------------------------------
def value(results, key, column, cpu=False):
    """Workload ``key`` on ``column`` in the workload's unit (median wall time, or CPU time)."""
    t = results["workloads"].get(key, {}).get("timings", {}).get(column)
    if t is None:
        return None
    w = BY_KEY[key]
    return (t.cpu_median if cpu else t.median) * w.scale / w.per


def ratio(a, b):
    return a / b if a is not None and b else None


def columns(results):
    names = []
    for w in results["workloads"].values():
        for n in list(w["timings"]) + list(w["errors"]):
            if n not in names:
                names.append(n)
    order = ["minigrad", "numpy floor", "torch"]
    return sorted(names, key=lambda n: (order.index(n) if n in order else 3, n))


def target_rows(results):
    """[(label, minigrad, other, wall ratio, CPU ratio, goal)] for every target, memory too."""
    rows = []
    for key, other, goal in TARGETS:
        mg, ot = value(results, key, "minigrad"), value(results, key, other)
        unit = BY_KEY[key].unit
        rows.append((f"{key} minigrad ÷ {other}", f"{fmt(mg)} {unit}", f"{fmt(ot)} {unit}",
                     ratio(mg, ot), ratio(value(results, key, "minigrad", True),
                                          value(results, key, other, True)), goal))
    key, other, goal = MEMORY_TARGET
    mem = results.get("memory") or {}
    mg = mem.get("minigrad", {}).get("peak_mb")
    ot = mem.get("floor", {}).get("peak_mb")
    r = ratio(mg, ot)
    rows.append((f"{key} peak RSS minigrad ÷ {other}", f"{fmt(mg)} MB", f"{fmt(ot)} MB", r, r,
                  goal))
    return rows


def _met(r, goal):
    return "n/a" if r is None else ("yes" if r <= goal else "**no**")


# ---- sections ----------------------------------------------------------------------------------
def section_environment(results):
    rows = [(k, str(v).replace("|", "/")) for k, v in results["machine"].items()]
    return ["## Environment", "", table(["", ""], rows)]


def section_summary(results):
    """Five lines for a student: what is measured, against what, and what it shows."""
    def cell(key, other):
        mg, ot = value(results, key, "minigrad"), value(results, key, other)
        unit = BY_KEY[key].unit
        return (f"{fmt(mg)} {unit} against {fmt(ot)} {unit} ({fmt(ratio(mg, ot))}x)"
                if mg is not None and ot is not None else "not measured")
    return ["## In five lines", "",
            "* minigrad runs PyTorch programs in pure Python + NumPy; this report times it "
            "against torch (CPU, one thread) and a *NumPy floor*: the same arithmetic with "
            "hand-derived gradients and no autograd at all.",
            f"* Tiny tensors (W2, ten ops on 16 numbers): {cell('W2', 'torch')} for torch. Here "
            "every op's Python bookkeeping is the cost, in both libraries.",
            f"* A small MLP training step (W3): {cell('W3', 'torch')} for torch.",
            f"* Large matrices (W4): {cell('W4', 'numpy floor')} for the floor: BLAS does the "
            "work and the engine's overhead disappears.",
            "* Each goal under Targets was set from the reference timings in the Workloads "
            "table's last column (torch, the NumPy floor, for W1 also the best small autograd "
            "library); how minigrad got here is in [OPTIMISATIONS.md](OPTIMISATIONS.md)."]


def section_targets(results):
    rows = [(label, mg, ot, fmt(r), fmt(rc), f"≤ {goal}", _met(r, goal), _met(rc, goal))
            for label, mg, ot, r, rc, goal in target_rows(results)]
    return ["## Targets", "",
            "Ratios of times measured in the same run, everything single-threaded "
            "(NumPy BLAS and torch pinned to one thread). \"wall\" divides the median "
            "wall-clock times (the values shown); \"CPU\" divides the median CPU times of the "
            "process, which other jobs on a shared machine disturb much less (see the load "
            "average under Environment). W1-W3 are guards: the eager core's speed when they were "
            "set (each library in a fresh process, one thread), which no change may lose; more "
            "speed is a compiler's job. W4-W8 are goals: within a few percent of the NumPy "
            "floor where BLAS does the work (W4), beating torch on a large expression (W5), "
            "within 1.5x of torch on a LeNet, a tiny GPT and an LSTM training step (W6-W8).",
            "",
            table(["target", "minigrad", "other", "ratio (wall)", "ratio (CPU)", "goal",
                   "met (wall)", "met (CPU)"], rows)]


def section_workloads(results, quick):
    cols = columns(results)
    compiled = ["minigrad compiled ÷ torch"] if results.get("compiled") else []
    header = ["workload", "unit"] + cols + ["minigrad ÷ torch", "minigrad ÷ floor",
                                            "÷ torch (CPU)", "÷ floor (CPU)"] + compiled + [
                                            "reference numbers the goal was set from"]
    rows, notes = [], []
    for w in WORKLOADS:
        res = results["workloads"].get(w.key)
        if res is None:
            rows.append([w.key, w.unit] + ["not run"] * len(cols) + ["n/a"] * (4 + len(compiled))
                        + [w.reference])
            continue
        cells = []
        for c in cols:
            t = res["timings"].get(c)
            if t is not None:
                cells.append(fmt(t.median * w.scale / w.per) + (
                    f" (±{t.spread / 2:.0%})" if t.spread > 0.1 else ""))
            elif c in res["errors"]:
                notes.append(f"{w.key} / {c}: `{res['errors'][c]}`")
                cells.append(f"n/a [{len(notes)}]")
            else:
                cells.append("—")
        mg = value(results, w.key, "minigrad")
        mgc = value(results, w.key, "minigrad", True)
        rows.append([w.key, w.unit] + cells + [
            fmt(ratio(mg, value(results, w.key, "torch"))),
            fmt(ratio(mg, value(results, w.key, "numpy floor"))),
            fmt(ratio(mgc, value(results, w.key, "torch", True))),
            fmt(ratio(mgc, value(results, w.key, "numpy floor", True)))]
            + ([fmt(compiled_ratio(results, w.key, "minigrad compiled", "torch"))]
               if compiled else []) + [w.reference])
    lines = ["## Workloads", "",
             "Median of interleaved repeats after warm-up (± half the spread of the samples when "
             "it exceeds 10%). \"torch\" is torch at one thread; \"—\" means the workload does "
             "not apply to that column. The peers' columns and the compiled ones are explained "
             "under the next two sections.", ""]
    lines += [f"* **{w.key}**: {w.title} ({w.describe(quick)})" for w in WORKLOADS]
    lines += ["", table(header, rows), "", "![workloads](report/workloads.png)"]
    if notes:
        lines += ["", "Not measured:", ""] + [f"{i}. {n}" for i, n in enumerate(notes, 1)]
    return lines


def section_memory(results):
    mem = results.get("memory")
    lines = ["## Peak memory (W4)", "",
             "Each backend runs in its own fresh subprocess that imports only its own library. "
             "After set-up (model, data) the kernel's resident-set high-water mark (`VmHWM`) is "
             "restarted; peak is the mark after two training steps, baseline the resident set "
             "when training starts. The set-up peak (weight initialisation included) is shown "
             "apart.", ""]
    if not mem:
        return lines + ["W4 was not run: n/a."]
    floor_peak = mem.get("floor", {}).get("peak_mb")
    rows = []
    for kind, m in mem.items():
        if "error" in m:
            rows.append((kind, "n/a", "n/a", "n/a", "n/a", f"`{m['error'][:120]}`"))
            continue
        rows.append((kind, fmt(m["peak_mb"]), fmt(m["baseline_mb"]),
                     fmt(m["peak_mb"] - m["baseline_mb"]), fmt(m.get("setup_peak_mb")),
                     fmt(ratio(m["peak_mb"], floor_peak))))
    note = [] if all(m.get("peak_reset", True) for m in mem.values()) else [
        "", "The kernel refused to restart the mark: peaks include set-up."]
    return lines + [table(["backend", "training peak RSS (MB)", "baseline (MB)",
                           "peak − baseline (MB)", "set-up peak (MB)", "peak ÷ floor's"],
                          rows)] + note


def section_scaling(results):
    lines = ["## Scaling", "",
             "Single-threaded, median CPU time of interleaved repeats. Times are per forward + "
             "backward step (per op for the depth curve).", ""]
    for c in CURVES:
        lines += [f"### {c.key}: {c.title}", ""]
        data = results["curves"].get(c.key)
        if not data:
            lines += ["Not run: n/a.", ""]
            continue
        names = list(data["series"])
        per = (lambda x: x) if c.key == "depth" else (lambda x: 1)
        rows = [[f"{x:,}"] + [fmt(s[i] * 1e6 / per(x)) if s[i] is not None else "n/a"
                              for s in data["series"].values()]
                for i, x in enumerate(data["x"])]
        unit = "µs per op" if c.key == "depth" else "µs per step"
        lines += [table([c.xlabel] + [f"{n} ({unit})" for n in names], rows), "",
                  f"![{c.key}](report/scaling_{c.key}.png)", ""]
    return lines


def section_breakdown(results):
    rows = results.get("breakdown")
    lines = ["## Where the time goes", "",
             "W2's chain of ten ops (+ sum), timed (CPU time) four ways in one interleaved run: "
             "raw NumPy "
             "(the floor's forward, and forward + hand-written backward), minigrad's forward "
             "under `no_grad`, its forward recording the graph, and forward + backward. The "
             "differences, divided by the ten ops, split one op's cost into:", ""]
    lines += [f"* **{name}**: {desc}" for name, desc in BREAKDOWN_PARTS]
    lines.append("")
    if not rows:
        return lines + ["Not run: n/a."]
    header = ["µs per op"] + [f"{r['shape']} ({r['elements']:,} elements)" for r in rows]
    body = []
    for name, _ in BREAKDOWN_PARTS:
        body.append([name] + [_part_cell(r, name) for r in rows])
    body.append(["**minigrad total**"] + [fmt(sum(r["parts"].values())) if r["parts"] else "n/a"
                                          for r in rows])
    for k in ("no_grad", "forward", "step"):
        body.append([f"torch {k}"] + [fmt(r["torch"].get(k)) for r in rows])
    lines += [table(header, body), "", "![overhead](report/overhead.png)", ""]
    lines += explanation(results)
    lines += section_bare(results)
    return lines


def section_bare(results):
    """minigrad beside the bare eager engine: what torch parity costs per op."""
    rows = [r for r in results.get("breakdown") or [] if r["parts"] and r.get("bare")]
    lines = ["### A bare eager engine", "",
             "`benchmarks/bare_engine.py` is the least an eager engine can do per op in Python: "
             "wrap the NumPy result in a Tensor, record a node (its backward, inputs and saved "
             "arrays), and walk the nodes once each in `backward()`. It has none of torch's "
             "rules: no dtype promotion, layouts, version counters, hooks, views or error "
             "checks, and NumPy's floating-point warnings are left on. The same chain, in the "
             "same interleaved run, split the same way:", ""]
    if not rows:
        return lines + ["Not run: n/a.", ""]
    header = ["µs per op"]
    for r in rows:
        header += [f"{r['shape']}: bare engine", f"{r['shape']}: minigrad"]
    body = [[name] + [fmt(r[k][name]) for r in rows for k in ("bare", "parts")]
            for name, _ in BREAKDOWN_PARTS]
    body.append(["**total**"] + [fmt(sum(r[k].values())) for r in rows for k in ("bare", "parts")])
    lines += [table(header, body), ""]
    small = rows[0]
    bare, mine = sum(small["bare"].values()), sum(small["parts"].values())
    torch_step = small["torch"].get("step")
    lines.append(
        f"On {small['shape']} the bare engine takes {fmt(bare)} µs per op and minigrad "
        f"{fmt(mine)}: the {fmt(mine - bare)} µs between them are what minigrad spends on "
        f"torch's rules: in "
        f"wrapping ({fmt(small['parts']['wrapping'] - small['bare']['wrapping'])} µs more: "
        f"dtype promotion, layout checks, `errstate`, the full Tensor), graph building "
        f"({fmt(small['parts']['graph'] - small['bare']['graph'])} µs more: sequence numbers, "
        f"edge metadata, saved values with their versions) and the backward walk "
        f"({fmt(small['parts']['backward'] - small['bare']['backward'])} µs more: version "
        f"checks, hooks, retain_graph, dtype and shape checks on every gradient).")
    if torch_step:
        lines.append("")
        lines.append(
            f"torch takes {fmt(torch_step)} µs per op here, so W2's target (0.5× torch) is "
            f"{fmt(torch_step / 2)} µs per op: the bare engine is at "
            f"{bare / torch_step:.2f}× torch, which leaves {fmt(torch_step / 2 - bare)} µs per "
            f"op for all of torch's rules on top of it; minigrad is at "
            f"{mine / torch_step:.2f}×.")
    if len(rows) > 1:
        large = rows[-1]
        lines += ["", f"On {large['elements']:,} elements the Python work per op vanishes and "
                      f"both engines are bound by NumPy's passes over memory (bare engine "
                      f"{fmt(sum(large['bare'].values()))} µs per op, minigrad "
                      f"{fmt(sum(large['parts'].values()))}); the split into parts there "
                      f"reflects allocation and cache effects more than Python work."]
    return lines + [""]


def _part_cell(row, name):
    if not row["parts"]:
        return "n/a"
    total = sum(row["parts"].values())
    v = row["parts"][name]
    return f"{fmt(v)} ({v / total:.0%})" if total > 0 else fmt(v)


def explanation(results):
    """The prose of 'where the time goes', with this run's numbers."""
    rows = [r for r in results.get("breakdown") or [] if r["parts"]]
    lines = ["### Explanation", ""]
    if not rows:
        return lines + ["n/a: minigrad could not run the chain."]
    small, large = rows[0], rows[-1]
    p = small["parts"]
    total = sum(p.values())
    overhead = total - p["numpy"]
    lines.append(
        f"* **Small tensors are all overhead.** On {small['shape']} one minigrad op costs "
        f"{fmt(total)} µs forward + backward, of which NumPy's arithmetic is {fmt(p['numpy'])} µs; "
        f"the other {fmt(overhead)} µs ({overhead / total:.0%}) is Python bookkeeping: "
        f"{fmt(p['wrapping'])} µs wrapping the result in a Tensor and dispatching "
        f"(`Function.apply`, dtype promotion, `_make`), {fmt(p['graph'])} µs recording the graph "
        f"(node object, `next_functions`, saved tensors with their versions) and "
        f"{fmt(p['backward'])} µs in the backward walk (dependency count, ready queue, gradient "
        f"buffers, `_reduce_to`, AccumulateGrad). The backward formulas themselves run on plain "
        f"ndarrays (`numpy_backward`, see `autograd/function.py`): without `create_graph` "
        f"nothing of the backward pass is recorded, so a formula such as `grad * (1 - out * "
        f"out)` costs its NumPy calls only. torch's step costs "
        f"{fmt(small['torch'].get('step'))} µs per op here: its dispatcher is C++, but it "
        f"also has more machinery per op.")
    lines.append(
        "* **What is left is CPython.** A recorded op is about 40 small Python steps (argument "
        "scan, node object, edges, saved values, the output Tensor), each a few tens of "
        "nanoseconds; list comprehensions and helper calls were measured slower than the plain "
        "loops kept in `Function.apply`. NumPy's `errstate` (needed so `log(0)` stays silent, "
        "as in torch) costs about 0.5 µs on the ops that can overflow or divide by zero (one "
        "errstate object decorating their forward; a `with np.errstate(...)` block costs twice "
        "that). Going much lower needs fewer Python steps per op (fusing ops, or C), not a "
        "faster NumPy; the bare engine below measures how low an eager engine gets at all.")
    if large is not small:
        lp = large["parts"]
        lt = sum(lp.values())
        lines.append(
            f"* **Large tensors are all NumPy.** On {large['elements']:,} elements the same op "
            f"costs {fmt(lt)} µs and the floor's NumPy arithmetic is {lp['numpy'] / lt:.0%} of "
            f"it. The Python bookkeeping is a constant few µs per op, so it vanishes as arrays "
            f"grow; the other {fmt(lt - lp['numpy'])} µs are extra passes over the array in "
            f"minigrad's own formulas (casts, temporaries, numerically safer forms), i.e. "
            f"memory traffic, which is also why backward formulas reuse saved outputs (exp, "
            f"sqrt). torch: {fmt(large['torch'].get('step'))} µs per op.")
    prof = (results.get("profiles") or {}).get("W2")
    if prof and "rows" in prof:
        top = ", ".join(f"`{r['function']}` ({fmt(r['own_us'])} µs)" for r in prof["rows"][:4])
        lines.append(f"* **Hot spots** (cProfile of W2, own time per step): {top}. cProfile "
                     f"inflates Python-level calls, so read it for ranking, not absolute cost.")
    lines.append(
        "* **Large matmuls are BLAS.** W4 and the matmul curve spend their time inside "
        "`sgemm`; minigrad adds the same one-pass Python overhead per op, so it tracks the "
        "NumPy floor, and both track torch (MKL) to within the BLAS libraries' difference.")
    return lines + [""]


OPTIMISATIONS = [
    ("per-call imports in `Function.apply` / `saved_tensors` replaced by a module reference; "
     "saved outputs rebuilt with `_make`", "autograd/function.py (6feaeb4)",
     "W2 minigrad ÷ torch 2.28 → 2.04"),
    ("`Function.apply`: one pass over the arguments for edges and metadata; `_requires_grad` "
     "read directly", "autograd/function.py (cb6f846)",
     "graph building 1.75 → 1.45 µs per op"),
    ("engine: one dict for dependency counts, single-output fast path, no `_reduce_to` call "
     "when shape and dtype already match", "autograd/engine.py (60bd242)",
     "backward walk 3.4 → 2.3 µs per node; W2 ratio 1.92 → 1.80"),
    ("SGD's float32 fused multiply-add computed slice by slice and written in place "
     "(bit-identical to torch)", "optim/optimizer.py, sgd.py (7dc3a7e)",
     "W3 2.89 → 1.78 ms; W4 training peak 543 → 416 MB"),
    ("mm/addmm gradients laid out like their inputs (torch's mm_mat2_backward): "
     "`Linear.weight.grad` row-major, no transposing copies", "ops/linalg.py (10a5752)",
     "W3 1.90 → 1.43 ms"),
    ("DataLoader over a plain TensorDataset takes a batch with one indexing",
     "utils/data/dataloader.py (3b7f038)", "W1 0.33 → 0.20 s"),
    ("`Function.apply`: saved values matched to inputs/outputs without generator scans, edges "
     "from the argument scan", "autograd/function.py (c73c96f)",
     "one recorded unary op 5.2 → 3.8 µs"),
    ("backward formulas run on ndarrays when `create_graph=False` (`numpy_backward`: the same "
     "formula, Tensors or arrays; `autograd/formulas.py` for what NumPy spells differently)",
     "autograd/engine.py, function.py, ops/* (810dfd2 and following)",
     "W2 17.6 → 13.0 µs per op (forward + backward)"),
    ("shuffling without OS entropy per epoch (`Generator()`), randperm as a swap loop for small "
     "n, samplers handing out index arrays", "_generator.py, utils/data (f8a60f8, 1d31908)",
     "W1 epoch of loading 260 → 39 µs; W1 0.165 → 0.133 s"),
    ("SGD's exact float32 fused multiply-add: two float32 sums enclosing the exact one, "
     "float64 only where they differ (also fixes rare double roundings of the old float64 "
     "route); one-element parameters in Python floats",
     "_fma.py (aa222d5, 383bcfb; then in optim/)",
     "fma on (256, 784) 194 → 168 µs (torch 21 µs); on (1, 1) 4.0 → 1.5 µs"),
    ("every differentiable op of linalg, shape, softmax, losses, reductions, join and "
     "indexing converted to `numpy_backward` (137 classes; a test keeps array and Tensor "
     "modes bit-identical)", "ops/*, nn/functional.py (f6e58c1 … 07d51bd)",
     "W3 backward 513–638 → 479–489 µs; small MLP backward 163–180 → 111–120 µs"),
    ("engine: broadcast sums with the sum forward's own helper, `.grad` of a hook-free leaf "
     "without a wrapper round trip; loss reductions with `np.add.reduce`",
     "autograd/engine.py, nn/functional.py", "W1 backward 76 → 60 µs per step"),
    ("`nll_loss` with one fancy index; `addmm` bias check without `np.broadcast_shapes`; "
     "`Tensor.to(dtype)` and `backward()` without per-call imports", "nn/functional.py, "
     "ops/linalg.py, _tensor.py (edc343c, 182c6a1)", "cross_entropy (64×10) 143 → ~60 µs"),
    ("`backward()` entry without per-call imports or context managers (grad mode and the "
     "arrays flag set and restored directly); AccumulateGrad takes the walk's ndarray; "
     "captures checked only for `autograd.grad` / `inputs=`; saved values released inline",
     "autograd/__init__.py, engine.py, _tensor.py (251bfd3, 0045dc6)",
     "two-node `backward()` 16.7 → 11.7 µs; W2 step 121 → 109 µs"),
    ("relu and its backward as a bitwise and with a 0/−1 mask instead of `np.where` (which "
     "has no vectorized loop), same bits; addmm adds the bias into its fresh product",
     "ops/elementwise.py, ops/linalg.py (4562c93, a5aa3fc)",
     "relu (64×256) 23 → 13 µs; relu + backward 74 → 51 µs"),
    ("sigmoid as torch computes it, `1 / (1 + exp(-x))` (overflow gives 0, silently)",
     "ops/elementwise.py (fc430b1)", "sigmoid on 16 elements 8.2 → 6.5 µs"),
    ("forwards that can overflow or divide by zero, and the backward walk, run under one "
     "`np.errstate` used as a decorator instead of a `with` block built per call",
     "ops/_util.py, ops/elementwise.py, autograd/engine.py (111f29c, 13690a3)",
     "exp on 16 elements under errstate 1.46 → 0.92 µs; recorded `x.exp()` 5.05 → 4.6 µs"),
    ("saved values: arrays recognised with an exact type test and matched to inputs by "
     "position", "autograd/function.py (ca9d0e8)", "packing one saved value 843 → 500 ns"),
    ("fma with a multiplier of exactly 1 is a plain add (SGD's momentum buffer)",
     "_fma.py (9d06d7e)", "LeNet SGD step 1.46 → 0.41 ms"),
    ("tried, not kept: glibc malloc asked at import to keep 64 MB of freed memory "
     "(`mallopt(M_TOP_PAD)`); it changes the whole process's allocator, which a library should "
     "not do behind a user's back, and torch's process would gain alike (11.7 → 7.9 ms)",
     "_heap.py (e43a279, removed)", "LeNet step 2,600 → 1 page faults per step, 17.1 → 10.4 ms "
     "CPU; `--keep-heap` measures that setting for every library"),
    ("gelu: erf computed in place; the sign flip of negative x as a sign-bit xor, not "
     "`np.negative(where=)`", "ops/activation.py (0fd54b2, aa7cb84)",
     "gelu on (16, 32, 256) forward 2.6 → 0.4 ms, backward 3.3 → 0.5 ms"),
    ("embedding gradient summed in layers of distinct rows instead of `np.add.at`; max-pool "
     "gradient of non-overlapping windows stored instead of a float64 bincount",
     "ops/embedding.py, ops/pooling.py (895fa3f, 72bd00b)", "embedding backward 0.30 → 0.11 ms"),
    ("clip_grad_norm_ scales plain gradients with one in-place multiply; attention's plain "
     "backward reuses the forward's probabilities; softmax and relu masks without extra "
     "temporaries", "nn/utils/clip_grad.py, ops/attention.py, ops/softmax.py, ops/_compat.py "
     "(98469ea, 99372a7, f2b9895, bf82379)",
     "GPT clipping 0.55 → 0.06 ms; attention forward + backward 0.90 → 0.60 ms"),
    ("backward walk owns the large gradient arrays it or a formula has just made (an explicit "
     "registry in the engine, no refcounts): a second gradient for one input is added into one "
     "in place, the next formula writes over it (mul, exp, log: `formulas.times`/`over`), a "
     "leaf without `.grad` keeps it instead of a copy (as torch's AccumulateGrad); a node's "
     "results are released before the next node runs; same bits",
     "autograd/engine.py, formulas.py, _tensor.py, ops/arithmetic.py, unary.py, linalg.py "
     "(378c314, b6e20d0, 8a477f9)",
     "W5 6,772 → 4,851 page faults per step, 21.4 → 15.6 ms CPU; W5 backward holds 3 arrays "
     "of x's size at once, was 5"),
    ("layer_norm float32: output from torch's own Welford statistics, (x - mean) rstd then "
     "fma(., w, b) (now equal to torch's bytes), row statistics on a contiguous (vectors, lanes, "
     "rows) copy, the lanes' sq terms merged at once; the float32 fma helper adds in place",
     "ops/layer_norm.py, ops/_moments.py (6cb8fa3, 0e89ef9)",
     "row statistics (512×64) 385 → 238 µs; output fma 230 → 40 µs"),
    ("LSTM layer: gates computed in place in the input projection, small reused buffers per "
     "step; backward's step factors written in place into one array", "ops/rnn.py (f1e824c)",
     "forward 932 → 556 µs, backward 916 → 720 µs (W8); W8 page faults 288 → 149 per step"),
    ("Adam/AdamW: small float32 parameters (≤ 4096 elements) stepped as one joined array "
     "(every step elementwise: the same bytes); rsqrtps table looked up by the float's bits",
     "optim/adam.py, optim/optimizer.py, _torch_sqrt.py (70970fd, 04105bf)",
     "GPT AdamW step 2.43 → 1.34 ms"),
    ("tried, not kept: gelu's erf in blocks of 16384 (less computing, but glibc gave back and "
     "re-faulted more heap in the GPT step)", "ops/activation.py (64061d2)",
     "W7 21.3 ms vs 20.1 ms with the whole-array erf (1025 vs 585 faults per step)"),
    ("convolution: the batch unfolded a 512 KiB piece at a time into one reused buffer, the "
     "forward's product written straight into its (N, Cout, *O) result; with stride 1 along the "
     "first spatial dim only the other kernel dims unfolded (one product per kernel row); the "
     "input gradient a kernel row at a time; max pool's argmax kept as a 1-byte kernel position",
     "ops/conv.py, ops/_windows.py, ops/pooling.py (617c69a, 389e47c, f236141, 25a4f61)",
     "W6 15.96 → 9.60 ms CPU per step (torch 7.96), page faults 2,716 → 925 per step"),
    ("large work arrays kept for reuse and handed out again only when their reference count "
     "shows nothing else holds them (per thread, bounded); used by the elementwise arithmetic, "
     "exp/log/sqrt, the backward products, convolution, the LSTM layer, relu's mask and the "
     "joined optimizer steps; same bits, the allocator untouched",
     "_buffers.py, ops/_compat.py, unary.py, conv.py, rnn.py, autograd/formulas.py "
     "(07f1a06, 2044c00, b5c47db)",
     "page faults per step: W5 4,851 → 0, W6 940 → 1, W8 118 → 0; CPU per step: W5 ~15 → "
     "~4.7 ms (torch 9.1), W6 10.2 → 8.1 ms, W8 1.95 → 1.66 ms (torch 1.18)"),
    ("gelu float32: Φ from a 6-coefficient fit erfc(x/√2)/2 = t Q(t) exp(-x²/2), t = "
     "1/(abs(x) + a) (22 passes instead of ~35; the sign as x's sign bit, exp2 for the "
     "Gaussian), exp(-x²/2) handed to the backward (4 passes instead of 7); errors against "
     "the exact Φ no larger than the previous fit's",
     "ops/activation.py (bfef7f8)",
     "(16, 32, 256), CPU time per call: forward 437 → 285 µs, backward 132 → 56 µs; in the "
     "GPT step forward ~570 → ~400 µs, backward ~180 → ~110 µs; W7 median 16.41 → 15.86 ms "
     "CPU per step (7 interleaved fresh processes each)"),
]


def section_budget(results):
    """W3's two pieces that are neither Python overhead nor graph work, beside torch's."""
    from .budget import PIECES
    budget = results.get("budget")
    lines = ["### W3's largest pieces", "",
             "The MLP step (W3) and two of its pieces, timed alone in one interleaved run (CPU "
             "time, one thread): the two large matrix products as NumPy's BLAS and torch's "
             "compute them, and `optimizer.step()` on the same gradients. torch rounds SGD's "
             "`p - lr * g` once per element (an FMA instruction); minigrad reproduces that "
             "rounding bit for bit although NumPy has no fused multiply-add "
             "(`minigrad/_fma.py`), at the price of several passes over the weights.", ""]
    if not budget:
        return lines + ["Not run: n/a."]
    rows = [[desc, fmt(budget[k]["minigrad"]), fmt(budget[k]["torch"]),
             fmt(budget[k]["minigrad"] - budget[k]["torch"])] for k, desc in PIECES]
    lines += [table(["µs", "minigrad", "torch", "minigrad − torch"], rows), ""]
    gap = budget["step"]["minigrad"] - budget["step"]["torch"]
    pieces = {k: budget[k]["minigrad"] - budget[k]["torch"] for k in ("products", "sgd")}
    if gap > 0:
        lines.append(
            f"minigrad's step is {fmt(gap)} µs longer than torch's. The products account for "
            f"{fmt(pieces['products'])} µs of that (OpenBLAS against torch's kernels) and the "
            f"exact SGD update for {fmt(pieces['sgd'])} µs; the other "
            f"{fmt(gap - sum(pieces.values()))} µs are the smaller ops and the per-op Python "
            "work measured above.")
    return lines + [""]


def section_optimisations():
    return ["## Optimisations", "",
            "Each change was measured A/B (same session, thread CPU time, minigrad against "
            "torch in the same process), the whole test suite run before it was committed.", "",
            table(["change", "where (commit)", "measured effect"], OPTIMISATIONS), ""]


def section_profile(results):
    lines = ["## Profile", "",
             "cProfile of minigrad, own time per step, top functions (profiling overhead "
             "included).", ""]
    profiles = results.get("profiles") or {}
    for key in ("W2", "W3", "W5"):
        prof = profiles.get(key)
        lines += [f"### {key}", ""]
        if prof is None:
            lines += ["Not run: n/a.", ""]
        elif "error" in prof:
            lines += [f"n/a: `{prof['error']}`", ""]
        else:
            rows = [(f"`{r['function']}`", fmt(r["calls"]), fmt(r["own_us"]), fmt(r["cum_us"]))
                    for r in prof["rows"]]
            lines += [f"Total own time per step: {fmt(prof['total_us'])} µs.", "",
                      table(["function", "calls/step", "own µs/step", "cumulative µs/step"],
                            rows), ""]
    return lines


def section_method():
    return ["## Method", "",
            "* Workload code is written once (`benchmarks/workloads.py`) as a plain PyTorch "
            "program against a module `T`, run with `T = torch` and `T = minigrad`; the NumPy "
            "floor (`benchmarks/floor.py`) computes the same thing with hand-derived gradients.",
            "* Set-up (data, model, optimizer) is not timed. Each cell is warmed up, then the "
            "columns take turns (the order rotates every round) and the median per call is "
            "reported. `gc.collect()` runs before each sample; the collector stays on.",
            "* W2 is reported per op: one step (10 ops + sum + backward) divided by 10.",
            "* NumPy's BLAS is limited to one thread with threadpoolctl; torch runs with "
            "`torch.set_num_threads(1)`, plus one column at its default thread count.", ""]


# ---- plots -------------------------------------------------------------------------------------
def plot_workloads(results, path):
    keys = [w.key for w in WORKLOADS]
    series = [("minigrad", "torch", "tab:orange"), ("minigrad", "numpy floor", "tab:gray")]
    if results.get("compiled"):
        series.append(("minigrad compiled", "torch", "tab:green"))
    width = 0.76 / len(series)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for i, (mine, other, color) in enumerate(series):
        rs = [ratio(value(results, k, mine), value(results, k, other)) for k in keys]
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(keys))]
        ax.bar([x for x, r in zip(xs, rs) if r], [r for r in rs if r], width=width, color=color,
               label=f"{mine} ÷ {other}")
    for key, other, goal in TARGETS:
        j = keys.index(key) + (1 if other == "numpy floor" else 0) * width - width / 2 * (
            len(series) - 1)
        ax.plot([j - width / 2, j + width / 2], [goal, goal], color="black", lw=1.5)
    ax.axhline(1, color="black", lw=0.5, ls=":")
    ax.set_yscale("log")
    ax.set_xticks(range(len(keys)), keys)
    ax.set_ylabel("time ratio (lower is better)")
    ax.set_title("minigrad relative to torch and the NumPy floor (black: target)")
    ax.legend(fontsize=8)
    _save(fig, path)


def plot_curve(results, curve, path):
    fig, ax = plt.subplots(figsize=(6, 3.8))
    data = results["curves"].get(curve.key)
    if data:
        for name, ys in data["series"].items():
            pts = [(x, y / (x if curve.key == "depth" else 1)) for x, y in zip(data["x"], ys)
                   if y is not None]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=name, color=COLORS.get(name))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "not run", ha="center", transform=ax.transAxes)
    ax.set_xlabel(curve.xlabel)
    ax.set_ylabel("seconds per op" if curve.key == "depth" else "seconds per step")
    ax.set_title(curve.title, fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    _save(fig, path)


def plot_overhead(results, path):
    rows = [r for r in results.get("breakdown") or [] if r["parts"]]
    fig, axes = plt.subplots(1, max(1, len(rows)), figsize=(8, 3.6), squeeze=False)
    for ax, row in zip(axes[0], rows):
        _stacked_bar(ax, "minigrad", row["parts"], legend=True)
        _stacked_bar(ax, "bare engine", row.get("bare") or {})
        ax.bar(["torch"], [row["torch"].get("step", 0)], color="tab:orange", label="torch step")
        ax.set_title(f"{row['elements']:,} elements", fontsize=9)
        ax.set_ylabel("µs per op (forward + backward)")
    if rows:
        axes[0][0].legend(fontsize=7)
    else:
        axes[0][0].text(0.5, 0.5, "not run", ha="center", transform=axes[0][0].transAxes)
    fig.suptitle("where one op's time goes (W2 chain)", fontsize=10)
    _save(fig, path)


def _stacked_bar(ax, label, parts, legend=False):
    """One bar of BREAKDOWN_PARTS stacked (the parts' names in the legend when ``legend``)."""
    bottom = 0.0
    for (name, _), color in zip(BREAKDOWN_PARTS, ("tab:gray", "tab:green", "tab:blue",
                                                  "tab:purple")):
        v = max(parts.get(name, 0.0), 0.0)
        ax.bar([label], [v], bottom=bottom, color=color, label=name if legend else None)
        bottom += v


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---- the whole report --------------------------------------------------------------------------
def write_report(results, out):
    out = Path(out)
    plots = out.parent / "report"
    plots.mkdir(parents=True, exist_ok=True)
    plot_workloads(results, plots / "workloads.png")
    for c in CURVES:
        plot_curve(results, c, plots / f"scaling_{c.key}.png")
    plot_overhead(results, plots / "overhead.png")
    quick = results["quick"]
    results.setdefault("generated", time.strftime('%Y-%m-%d %H:%M'))
    lines = ["# minigrad benchmarks", "",
             f"Generated {results['generated']} by "
             f"`{results['machine']['command']}` in {results['seconds']:.0f} s."
             + (" **Quick mode: tiny sizes, one repeat — not a measurement.**" if quick else ""),
             ""]
    for section in (section_summary(results), section_targets(results),
                    section_environment(results), section_workloads(results, quick),
                    section_fresh(results), section_compiled(results, fmt, table),
                    section_memory(results), section_scaling(results),
                    section_breakdown(results), section_budget(results), section_method()):
        lines += section + [""]
    out.write_text("\n".join(lines).rstrip() + "\n")
    log = ["# minigrad optimisation log", "",
           "The changes that made minigrad faster, and profiles of the run of "
           f"{results['generated']} reported in [REPORT.md](REPORT.md).", ""]
    for section in (section_optimisations(), section_profile(results)):
        log += section + [""]
    (out.parent / "OPTIMISATIONS.md").write_text("\n".join(log).rstrip() + "\n")
    (plots / "results.json").write_text(json.dumps(results, indent=1, default=_json))


def _json(o):
    if isinstance(o, Timing):
        return {"median": o.median, "samples": o.samples, "calls_per_sample": o.calls_per_sample,
                "cpu_median": o.cpu_median, "cpu_samples": o.cpu_samples,
                "faults_per_step": o.faults_per_step, "peak_rss_mb": o.peak_rss_mb,
                "import_s": o.import_s}
    return str(o)


def _timings(o):
    """results.json read back: its timing dicts as ``Timing`` again."""
    if isinstance(o, dict):
        if set(o) == {"median", "samples", "calls_per_sample", "cpu_median", "cpu_samples"}:
            return Timing(**o)
        return {k: _timings(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_timings(v) for v in o]
    return o


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report",
                                     description="Render the report again from results.json.")
    parser.add_argument("--results", default="benchmarks/report/results.json")
    parser.add_argument("--out", default="benchmarks/REPORT.md")
    parser.add_argument("--generated", default=None, help="the date the numbers were measured")
    args = parser.parse_args()
    saved = _timings(json.loads(Path(args.results).read_text()))
    if args.generated:
        saved["generated"] = args.generated
    write_report(saved, args.out)
    print(f"wrote {args.out} and OPTIMISATIONS.md from {args.results}")
