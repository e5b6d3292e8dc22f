"""``python -m compare fuzz``: differential fuzzing of random expression graphs.

Each case is a small program: a few leaf tensors (NumPy data, fixed per seed) and a list of
steps, each one line of PyTorch code (``v3 = v1.transpose(0, 1) @ b``, ``v4.mul_(2)``, ...).
The steps are chosen while running them on torch, so every operand fits. The same lines then
run on torch and on minigrad, gradients flow back from every unused result (with random upstream
gradients), and everything is compared: each variable's values, dtype, shape, requires_grad and
grad_fn name, every leaf's gradient, and any error (type and message).

A failing case is shrunk (steps dropped, leaf shapes cut, values rounded) while it still fails,
and printed as a runnable snippet. Case ``i`` of seed ``S`` depends only on ``(S, i)``.
"""
import argparse
import sys
import time
from dataclasses import dataclass, field, replace

import numpy as np

from .backends import tensor_to_numpy
from . import fuzz_compiled, fuzz_verdicts
from .check import RTOL, compare
from .fuzz_ops import OPS, REGISTERED

MAX_NUMEL = 256
MAX_ABS = 1e4


@dataclass
class Leaf:
    name: str
    array: np.ndarray
    requires_grad: bool

    def code(self):
        dtype = self.array.dtype
        rg = ", requires_grad=True" if self.requires_grad else ""
        return f"{self.name} = torch.tensor({_np_literal(self.array, dtype)}{rg})"


@dataclass
class Step:
    code: str              # one line of Python against ``torch``
    target: str | None     # the variable it defines (None: an in-place statement)
    inputs: tuple          # the variables it reads
    op: str = ""


@dataclass
class Case:
    seed: int
    index: int
    leaves: list
    steps: list
    ones_grads: bool = False      # shrinking may replace the random upstream gradients by ones
    higher_order: bool = False    # gradients with create_graph=True, then backward through them
    ops: tuple = field(default=())

    def variables(self):
        return [leaf.name for leaf in self.leaves] + [s.target for s in self.steps if s.target]

    def sinks(self):
        """Defined variables no later step reads: gradients flow back from these."""
        used = {name for s in self.steps for name in s.inputs}
        return [s.target for s in self.steps if s.target and s.target not in used]

    def upstream(self, shape):
        """The random gradient for each sink, in order (the same on every backend)."""
        return np.random.default_rng([self.seed, self.index, 1])


def _np_literal(array, dtype=None):
    """NumPy code for ``array`` (exact: floats print their shortest round-trip repr)."""
    array = np.asarray(array)
    dtype = f", dtype=np.{dtype}" if dtype is not None else ""
    text = f"np.array({array.tolist()!r}{dtype})"
    return text if array.size or array.ndim == 1 else f"{text}.reshape({array.shape})"


def _is_float(t):
    return t.dtype.is_floating_point


# ---- running a case --------------------------------------------------------------------------
def execute(case, T, names=True):
    """Run ``case`` on module ``T``: a dict of comparable records (see ``check.describe``)."""
    env = _namespace(T)
    for leaf in case.leaves:
        t = T.tensor(leaf.array)
        env[leaf.name] = t.requires_grad_(True) if leaf.requires_grad else t
    out = {}
    for i, step in enumerate(case.steps):
        try:
            exec(step.code, env)  # noqa: S102 - the case is the program under test
        except Exception as e:  # noqa: BLE001 - the error is an output
            out["error"] = ("py", f"step {i + 1}: {type(e).__name__}: {e}")
            break
    variables = [n for n in case.variables() if n in env]
    for name in variables:
        v = env[name]
        out[name] = ("tensor", str(v.dtype), tuple(v.shape), _numpy(v))
        out[f"{name}.requires_grad"] = ("py", bool(v.requires_grad))
        if names:
            out[f"{name}.grad_fn"] = ("py", _grad_fn_name(v))
    if "error" in out:
        return out
    env["np"] = np
    code = "\n".join(backward_lines(case, env))
    try:
        exec(code, env)  # noqa: S102
    except Exception as e:  # noqa: BLE001
        out["backward error"] = ("py", f"{type(e).__name__}: {e}")
        return out
    for leaf in case.leaves:
        out[f"{leaf.name}.grad"] = _grad_record(env[leaf.name].grad)
        if f"g_{leaf.name}" in env:
            g = env[f"g_{leaf.name}"]
            out[f"g_{leaf.name}"] = _grad_record(g)
            out[f"g_{leaf.name}.requires_grad"] = ("py", g is not None and g.requires_grad)
    return out


def _namespace(T):
    """The globals the steps run in: ``torch`` (torch or minigrad), ``F``, ``np``."""
    nn = getattr(T, "nn", None)
    return {"torch": T, "F": nn.functional if nn is not None else None, "np": np}


def _grad_fn_name(t):
    """The class name of ``t.grad_fn`` (torch raises for some views modified in place)."""
    try:
        fn = t.grad_fn
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"
    return type(fn).__name__ if fn is not None else "None"


def _grad_record(g):
    return ("py", None) if g is None else ("tensor", str(g.dtype), tuple(g.shape), _numpy(g))


def backward_lines(case, env):
    """The code of the backward phase, given the variables of a run (for shapes and flags).

    First order: ``torch.autograd.backward(sinks, upstream)``. Higher order: the gradients of
    the sinks with respect to every leaf with ``create_graph=True`` (``g_a``, ...), then backward
    from those that require grad.
    """
    roots = [n for n in case.sinks() if n in env and env[n].requires_grad]
    if not roots:
        return []
    rng = case.upstream(None)

    def upstream(name, shape):
        g = np.ones(shape) if case.ones_grads else rng.standard_normal(shape)
        return f"torch.tensor({_np_literal(g)}, dtype={name}.dtype)"

    ups = ", ".join(upstream(n, tuple(env[n].shape)) for n in roots)
    leaves = [leaf.name for leaf in case.leaves if leaf.requires_grad]
    if not case.higher_order or not leaves:
        return [f"torch.autograd.backward([{', '.join(roots)}], [{ups}])"]
    gs = ", ".join(f"g_{n}" for n in leaves)
    second = ", ".join(upstream(n, tuple(env[n].shape)) for n in leaves)
    return [f"{gs}, = torch.autograd.grad([{', '.join(roots)}], [{', '.join(leaves)}], [{ups}],"
            f" create_graph=True, allow_unused=True)",
            f"_second = [(g, u) for g, u in zip([{gs}], [{second}])"
            f" if g is not None and g.requires_grad]",
            "if _second:",
            "    torch.autograd.backward([g for g, _ in _second], [u for _, u in _second])"]


def _numpy(t):
    return tensor_to_numpy(t)


def differences(case, ref_module, test_module, names=True, ref=None):
    """[(output, why)] where ``test_module`` disagrees with ``ref_module`` on ``case``."""
    ref = execute(case, ref_module, names) if ref is None else ref
    try:
        got = execute(case, test_module, names)
    except Exception as e:  # noqa: BLE001 - a crash of the harness-level calls
        return [("<run>", f"{type(e).__name__}: {e}")]
    problems = []
    min_rtol = RTOL["float32"] if fuzz_verdicts.touches_float32(case) else 0.0
    for key, rec in ref.items():
        if key not in got:
            problems.append((key, "missing" + (f" (minigrad: {got['error'][1]})"
                                               if "error" in got else "")))
            continue
        v = compare(rec, got[key], min_rtol)
        if not v.ok:
            problems.append((key, v.why))
    problems += [(k, f"unexpected: {got[k][1]!r}") for k in got if k not in ref]
    return problems


KINDS = ["harness", "error", "dtype", "shape", "value", "gradient", "second-order gradient",
         "requires_grad", "grad_fn name"]


def failure_kind(problems):
    """The most basic way a case fails (an error before a dtype, a value before a gradient...)."""
    def kind(key, why):
        if key == "<harness>":
            return "harness"
        if key in ("error", "backward error") or "(minigrad: " in why:
            return "error"
        if why.startswith("dtype"):
            return "dtype"
        if why.startswith("shape"):
            return "shape"
        if key.endswith(".grad_fn"):
            return "grad_fn name"
        if key.endswith("requires_grad"):
            return "requires_grad"
        if key.startswith("g_"):
            return "second-order gradient"
        return "gradient" if key.endswith(".grad") else "value"
    return min((kind(k, w) for k, w in problems), key=KINDS.index)


def _verdict(case, problems, torch, minigrad, names, ref):
    """A failing case's verdict: a difference, or one of the kinds that are not defects."""
    if ref is None or any(k in ("<harness>", "<run>") for k, _ in problems):
        return fuzz_verdicts.DIFFERENCE
    try:
        got = execute(case, minigrad, names)
        return fuzz_verdicts.classify(case, problems, torch, minigrad, names, ref, got,
                                      differences, execute)
    except Exception:  # noqa: BLE001 - a verdict that cannot be checked is a difference
        return fuzz_verdicts.DIFFERENCE


# ---- building a case -------------------------------------------------------------------------
class Builder:
    """Grows a case step by step, running each step on torch to learn shapes and validity."""

    def __init__(self, torch, rng, seed, index, available_ops, max_steps):
        self.torch, self.rng = torch, rng
        self.case = Case(seed, index, [], [])
        self.env = _namespace(torch)
        self.float_dtype = "float64" if rng.random() < 0.7 else "float32"
        self.ops = available_ops
        self.max_steps = max_steps
        self._pending = []

    # -- what ops ask for
    def shape(self, name):
        return tuple(self.env[name].shape)

    def dtype(self, name):
        return str(self.env[name].dtype)

    def _float_vars(self):
        return [n for n in self.case.variables() if _is_float(self.env[n])]

    def pick(self, rng, pred=None, non_leaf=False):
        """A floating variable (recent ones more likely) whose shape satisfies ``pred``."""
        names = self._float_vars()
        if non_leaf:
            leaves = {leaf.name for leaf in self.case.leaves}
            names = [n for n in names if n not in leaves]
        if pred is not None:
            names = [n for n in names if pred(self.shape(n))]
        if not names:
            return None
        w = np.arange(1, len(names) + 1, dtype=float) ** 2
        return names[int(rng.choice(len(names), p=w / w.sum()))]

    def broadcastable_shape(self, shape, rng):
        """A shape that broadcasts with ``shape`` (fewer dims, ones, or a new leading dim)."""
        s = list(shape)
        if s and rng.random() < 0.4:
            s = s[int(rng.integers(1, len(s) + 1)):]
        s = [1 if rng.random() < 0.3 else n for n in s]
        s = [int(rng.integers(2, 4)) if n == 1 and rng.random() < 0.3 else n for n in s]
        if len(s) < 3 and rng.random() < 0.15:
            s = [int(rng.integers(1, 3))] + s
        return tuple(s)

    def operand_broadcasting_with(self, x, rng):
        want = self.shape(x)
        if rng.random() < 0.35:
            names = [n for n in self._float_vars() if n != x and _broadcasts(self.shape(n), want)]
            if names:
                return names[int(rng.integers(len(names)))]
        return self.new_leaf(self.broadcastable_shape(want, rng), rng)

    def operand_broadcasting_to(self, x, rng):
        """A floating operand whose shape broadcasts *to* x's shape (for in-place ops)."""
        want = self.shape(x)
        s = list(want)
        if s and rng.random() < 0.4:
            s = s[int(rng.integers(1, len(s) + 1)):]
        s = tuple(1 if rng.random() < 0.3 else n for n in s)
        return self.existing_with_shape(s, rng) or self.new_leaf(s, rng)

    def existing_with_shape(self, shape, rng):
        if rng.random() < 0.4:
            names = [n for n in self._float_vars() if self.shape(n) == tuple(shape)]
            if names:
                return names[int(rng.integers(len(names)))]
        return None

    def new_leaf(self, shape, rng, kind="float", dtype=None):
        name = _leaf_name(len(self.case.leaves))
        shape = tuple(int(n) for n in shape)
        if kind == "float":
            a = rng.standard_normal(shape)
            if rng.random() < 0.3:
                a = np.round(a, 1)
            a = a.astype(dtype or self.float_dtype)
            requires_grad = rng.random() < 0.9
        elif kind == "int":
            a, requires_grad = rng.integers(-3, 4, shape), False
        else:
            a, requires_grad = rng.random(shape) < 0.5, False
        leaf = Leaf(name, np.asarray(a), requires_grad)
        self.case.leaves.append(leaf)
        self._pending.append(leaf)
        t = self.torch.tensor(leaf.array)
        self.env[name] = t.requires_grad_(True) if requires_grad else t
        return name

    # -- growing
    def build(self):
        rng = self.rng
        for _ in range(int(rng.integers(1, 3))):
            nd = int(rng.integers(0, 4)) if rng.random() < 0.9 else 0
            self.new_leaf(tuple(int(n) for n in rng.integers(1, 5, nd)), rng)
        self._pending = []
        n_steps = int(rng.integers(2, self.max_steps + 1))
        self.case.higher_order = bool(rng.random() < 0.2)
        weights = np.array([o.weight for o in self.ops])
        weights /= weights.sum()
        attempts = 0
        while len(self.case.steps) < n_steps and attempts < n_steps * 4:
            attempts += 1
            op = self.ops[int(rng.choice(len(self.ops), p=weights))]
            if self._try(op) == "error":
                break
        return self.case

    def _try(self, op):
        self._pending = []
        expr = op.make(self, self.rng)
        if expr is None:
            self._drop_pending()
            return "skip"
        target = None if op.inplace else f"v{len(self.case.steps) + 1}"
        code = expr if target is None else f"{target} = {expr}"
        inputs = tuple(n for n in self.case.variables() if _mentions(expr, n))
        step = Step(code, target, inputs, op.name)
        try:
            exec(code, self.env)  # noqa: S102
        except Exception:  # noqa: BLE001 - torch refused: keep it rarely, as an error case
            if op.family in ("inplace", "view") and self.rng.random() < 0.1:
                self.case.steps.append(step)
                return "error"
            self._drop_pending()
            return "skip"
        value = self.env.get(target) if target else None
        if target and (not hasattr(value, "dtype") or value.numel() > MAX_NUMEL):
            return self._undo(step)
        if not self._all_finite():
            return self._undo(step)
        self.case.steps.append(step)
        return "ok"

    def _undo(self, step):
        """Rebuild the torch state without ``step`` (it overflowed or grew too big)."""
        self._drop_pending()
        self.env = _namespace(self.torch)
        for leaf in self.case.leaves:
            t = self.torch.tensor(leaf.array)
            self.env[leaf.name] = t.requires_grad_(True) if leaf.requires_grad else t
        for s in self.case.steps:
            exec(s.code, self.env)  # noqa: S102
        return "skip"

    def _drop_pending(self):
        for leaf in self._pending:
            self.case.leaves.remove(leaf)
            self.env.pop(leaf.name, None)
        self._pending = []

    def _all_finite(self):
        for n in self.case.variables():
            t = self.env[n]
            if _is_float(t) and t.numel():
                a = t.detach().abs().max().item()
                if not a <= MAX_ABS:
                    return False
        return True


def _leaf_name(i):
    letters = "abcdefghijklmnopqrstu"
    return letters[i] if i < len(letters) else f"w{i}"


def _mentions(expr, name):
    import re
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", expr) is not None


def _broadcasts(a, b):
    try:
        return int(np.prod(np.broadcast_shapes(a, b))) <= MAX_NUMEL
    except ValueError:
        return False


def available_ops(minigrad):
    """The ops whose every needed name minigrad has."""
    def has(name):
        if name.startswith("torch."):
            return hasattr(minigrad, name[6:])
        if name.startswith("F."):
            nn = getattr(minigrad, "nn", None)
            return nn is not None and hasattr(nn.functional, name[2:])
        return hasattr(minigrad.Tensor, name)
    return [o for o in OPS if all(has(n) for n in o.needs)]


def make_case(torch, ops, seed, index, max_steps=8):
    rng = np.random.default_rng([seed, index])
    return Builder(torch, rng, seed, index, ops, max_steps).build()


# ---- shrinking -------------------------------------------------------------------------------
def same_failure(case, problems, torch, minigrad, names=True):
    """A test for shrinking: the candidate fails the same way (same kind of difference, and torch
    raises in it only if it raised in the original), so the shrinker does not drift to another
    bug. It carries ``torch`` for shrinking steps into leaves."""
    kind = failure_kind(problems)
    ref_error = _ends_in_error(execute(case, torch, names))

    def still_fails(c):
        ref = execute(c, torch, names)
        if _ends_in_error(ref) != ref_error:
            return False
        p = differences(c, torch, minigrad, names, ref)
        return bool(p) and failure_kind(p) == kind
    still_fails.torch = torch
    return still_fails


def _ends_in_error(record):
    return "error" in record or "backward error" in record


def shrink(case, still_fails, budget=300):
    """Make ``case`` smaller while ``still_fails(case)``: drop steps, cut shapes, round values."""
    calls = [0]
    if not hasattr(still_fails, "torch"):
        still_fails.torch = None

    def check(c):
        calls[0] += 1
        return calls[0] <= budget and still_fails(c)

    progress = True
    while progress and calls[0] < budget:
        progress = False
        for i in reversed(range(len(case.steps))):
            if i < len(case.steps):
                c = _without_step(case, i)
                if c is not None and check(c):
                    case, progress = c, True
        for i in range(len(case.steps)):
            c = _step_as_leaf(case, i, still_fails.torch)
            if c is not None and check(c):
                case, progress = c, True
                break
        for j in range(len(case.leaves)):
            for c in _smaller_leaves(case, j):
                if check(c):
                    case, progress = c, True
                    break
    for simplify in (lambda c: _rounded(c, 1), lambda c: _rounded(c, 0),
                     lambda c: replace(c, ones_grads=True),
                     lambda c: replace(c, higher_order=False)):
        c = simplify(case)
        if check(c):
            case = c
    return case


def _without_step(case, i):
    """The case without step i and every step that reads what it defined; None if empty."""
    removed = {case.steps[i].target} - {None}
    steps = []
    for k, s in enumerate(case.steps):
        if k == i or set(s.inputs) & removed:
            if s.target:
                removed.add(s.target)
            continue
        steps.append(s)
    if not steps:
        return None
    used = {n for s in steps for n in s.inputs}
    leaves = [leaf for leaf in case.leaves if leaf.name in used]
    return replace(case, leaves=leaves, steps=steps)


def _step_as_leaf(case, i, torch):
    """The case with step i's result given as a leaf holding torch's value (if it has one)."""
    step = case.steps[i]
    if step.target is None or torch is None:
        return None
    env = _namespace(torch)
    for leaf in case.leaves:
        t = torch.tensor(leaf.array)
        env[leaf.name] = t.requires_grad_(True) if leaf.requires_grad else t
    try:
        for s in case.steps[: i + 1]:
            exec(s.code, env)  # noqa: S102
    except Exception:  # noqa: BLE001
        return None
    value = env[step.target]
    leaf = Leaf(step.target, tensor_to_numpy(value),
                bool(value.requires_grad and value.dtype.is_floating_point))
    steps = case.steps[:i] + case.steps[i + 1:]
    used = {n for s in steps for n in s.inputs}
    leaves = [x for x in case.leaves if x.name in used] + [leaf]
    kept = [s for s in steps if s.target is None or s.target in used or
            s in case.steps[i + 1:]]
    return replace(case, leaves=leaves, steps=kept)


def _smaller_leaves(case, j):
    leaf = case.leaves[j]
    for d, n in enumerate(leaf.array.shape):
        for m in sorted({1, n // 2}):
            if 0 < m < n:
                a = np.take(leaf.array, range(m), axis=d)
                leaves = list(case.leaves)
                leaves[j] = replace(leaf, array=a)
                yield replace(case, leaves=leaves)


def _rounded(case, decimals):
    leaves = [replace(leaf, array=np.round(leaf.array, decimals).astype(leaf.array.dtype))
              if leaf.array.dtype.kind == "f" else leaf for leaf in case.leaves]
    return replace(case, leaves=leaves)


# ---- reporting -------------------------------------------------------------------------------
def snippet(case, torch, problems):
    """A runnable program reproducing ``case`` (run it with torch, then with minigrad)."""
    env = _namespace(torch)
    lines = [f"# compare fuzz: seed {case.seed}, case {case.index}",
             "# differences (minigrad vs torch):"]
    lines += [f"#   {k}: {why}" for k, why in problems[:8]]
    lines += ["import numpy as np", "import torch  # or: import minigrad as torch", "",
              "F = torch.nn.functional"]
    lines += [leaf.code() for leaf in case.leaves]
    for leaf in case.leaves:
        t = torch.tensor(leaf.array)
        env[leaf.name] = t.requires_grad_(True) if leaf.requires_grad else t
    error = None
    for s in case.steps:
        lines.append(s.code)
        if error is None:
            try:
                exec(s.code, env)  # noqa: S102
            except Exception as e:  # noqa: BLE001
                error = e
    if error is None:
        lines += backward_lines(case, env)
        names = [n for n in case.variables()]
        lines += [f"print({n!r}, {n})" for n in names]
        lines += [f"print({leaf.name + '.grad'!r}, {leaf.name}.grad)" for leaf in case.leaves]
        if case.higher_order:
            lines += [f"print('g_{leaf.name}', g_{leaf.name})" for leaf in case.leaves
                      if leaf.requires_grad]
    return "\n".join(lines)


def main(argv):
    p = argparse.ArgumentParser(prog="python -m compare fuzz",
                                description="Differential fuzzing of minigrad against torch.")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--start", type=int, default=0, help="first case index")
    p.add_argument("--case", type=int, default=None, help="run only this case index")
    p.add_argument("--max-steps", type=int, default=8)
    p.add_argument("--show", type=int, default=3, help="shrink and print this many failures")
    p.add_argument("--no-names", action="store_true", help="do not compare grad_fn names")
    p.add_argument("--families", default="",
                   help="only ops of these families (comma list); 'registered': the op "
                        "registry's other unary ops")
    p.add_argument("--print-case", action="store_true", help="print each case's snippet")
    p.add_argument("--compiled", action="store_true",
                   help="also run each graph through minigrad.compile and require the replay "
                        "to equal eager minigrad bit for bit")
    p.add_argument("--forward", action="store_true",
                   help="forward mode instead: each case's jvp (every float leaf dual) and its "
                        "Jacobian by reverse and by forward mode (compare/fuzz_forward.py)")
    a = p.parse_args(argv)
    if a.forward:
        from .fuzz_forward import fuzz as fuzz_forward
        return 1 if fuzz_forward(a.seed, a.count, a.start, a.max_steps) else 0
    return fuzz(a.seed, a.count, a.start, a.case, a.max_steps, a.show, not a.no_names,
                [f for f in a.families.split(",") if f], a.print_case, compiled=a.compiled)


def fuzz(seed, count, start=0, only=None, max_steps=8, show=3, names=True, families=(),
         print_case=False, out=sys.stdout, compiled=False):
    import warnings

    import torch
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn)

    import minigrad
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)  # tiny tensors: threads only add contention
    ops = available_ops(minigrad)
    if families:
        ops = [o for o in ops + REGISTERED if o.family in families]
    console = Console(file=out, soft_wrap=True)
    missing = sorted({o.name for o in OPS} - {o.name for o in ops})
    console.print(f"fuzz: seed {seed}, {len(ops)} ops"
                  + (f" (not in minigrad or filtered out: {', '.join(missing)})" if missing
                     else ""), highlight=False)
    indices = [only] if only is not None else range(start, start + count)
    failures, op_cases, op_fails, n_errors, explained = [], {}, {}, 0, {}
    replays = []  # (status, detail) of each graph through minigrad.compile
    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("fuzzing", total=len(indices))
        for i in indices:
            case = make_case(torch, ops, seed, i, max_steps)
            if print_case:
                console.print(snippet(case, torch, []), markup=False, highlight=False)
            ref = None
            try:
                ref = execute(case, torch, names)
                n_errors += "error" in ref or "backward error" in ref
                problems = differences(case, torch, minigrad, names, ref)
            except Exception as e:  # noqa: BLE001 - the harness itself failed on this case
                problems = [("<harness>", f"{type(e).__name__}: {e}")]
            if compiled:
                replays.append(fuzz_compiled.check(case, minigrad))
                if replays[-1][0] == fuzz_compiled.DIFFER:
                    problems = problems + [("<compiled>", replays[-1][1])]
            for name in {s.op for s in case.steps}:
                op_cases[name] = op_cases.get(name, 0) + 1
                if problems:
                    op_fails[name] = op_fails.get(name, 0) + 1
            if problems:
                verdict = _verdict(case, problems, torch, minigrad, names, ref)
                if verdict == fuzz_verdicts.DIFFERENCE:
                    failures.append((case, problems))
                    progress.update(task, description=f"fuzzing ([red]{len(failures)} "
                                                      "failing[/])")
                else:
                    explained.setdefault(verdict, []).append(case.index)
            progress.advance(task)
    elapsed = time.perf_counter() - started
    for case, problems in failures[:show]:
        small = shrink(case, same_failure(case, problems, torch, minigrad, names))
        console.rule(f"case {case.index} (shrunk from {len(case.steps)} to {len(small.steps)} "
                     "steps)")
        console.print(snippet(small, torch, differences(small, torch, minigrad, names)),
                      markup=False, highlight=False)
    if failures:
        kinds = {}
        for case, problems in failures:
            kinds.setdefault(failure_kind(problems), []).append(case.index)
        console.print("differences by kind (first cases): " + "; ".join(
            f"{k} {len(kinds[k])} {kinds[k][:5]}" for k in KINDS if k in kinds), highlight=False)
        worst = sorted(op_fails, key=lambda k: -op_fails[k] / op_cases[k])[:12]
        console.print("failure rate by op (cases with the op that failed): " + ", ".join(
            f"{k} {op_fails[k]}/{op_cases[k]}" for k in worst), highlight=False)
        console.print(f"failing case indices: {[c.index for c, _ in failures[:50]]}"
                      + (" ..." if len(failures) > 50 else ""), highlight=False)
    for verdict, cases in explained.items():
        console.print(f"not a defect, verified: {len(cases)} {verdict} (cases "
                      f"{cases[:10]}{' ...' if len(cases) > 10 else ''})", highlight=False)
    if compiled:
        console.print("minigrad.compile on the same graphs (third call vs eager, bit for "
                      "bit):\n" + fuzz_compiled.summary(replays), highlight=False)
    n_explained = sum(len(c) for c in explained.values())
    console.print(f"{'FAILED' if failures else 'OK'}: {len(indices)} graphs, "
                  f"{len(indices) - len(failures) - n_explained} agree, "
                  f"{n_explained} explained, {len(failures)} differ "
                  f"({n_errors} end in a torch error, compared too); {elapsed:.1f} s "
                  f"(python -m compare fuzz --seed {seed} "
                  + (f"--case {only}" if only is not None else
                     f"--count {count}" + (f" --start {start}" if start else "")) + ")",
                  highlight=False)
    return 1 if failures else 0

