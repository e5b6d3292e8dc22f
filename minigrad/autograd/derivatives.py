"""The derivative table, generated from the ops themselves: ``docs/derivatives.md``.

Every differentiable op is a ``Function`` subclass named like torch's grad_fn whose docstring
states its derivative in one line (``out = a * b        grad_a = grad * b  ...``). This module
collects those classes, splits each docstring into the forward formula and the gradient, and
writes one table row per op with the place it lives (``minigrad/ops/elementwise.py:233``).
The second part, gradients at non-differentiable points, is a list of small programs (CASES)
run here with minigrad; their printed output goes into the page. ``tests/test_docs.py`` runs
every example of the page under minigrad *and* under torch, so each claim is checked against
torch, and checks that the committed page is the one this module generates.

    python -m minigrad.autograd.derivatives            # rewrite docs/derivatives.md
    python -m minigrad.autograd.derivatives --check    # exit 1 if the page is stale
"""
import contextlib
import dataclasses
import functools
import inspect
import io
import pathlib
import re
import sys

import minigrad

from ..ops.registry import OPS, ops_in
from .function import Function

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "derivatives.md"
COMMAND = "python -m minigrad.autograd.derivatives"
HEADER = ("| function | torch's node (grad_fn) | forward | gradient | forward mode (JVP) "
          "| at non-differentiable points (as torch) | where |")

# Files in the order their tables appear (any other file with Functions follows, by name).
FILE_ORDER = ["minigrad/ops/broadcast.py", "minigrad/ops/arithmetic.py", "minigrad/ops/unary.py",
              "minigrad/ops/clamp.py", "minigrad/ops/reduction.py",
              "minigrad/ops/linalg.py", "minigrad/ops/shape.py", "minigrad/ops/indexing.py",
              "minigrad/ops/join.py", "minigrad/ops/conversion.py", "minigrad/nn/functional.py",
              "minigrad/autograd/views.py", "minigrad/random.py"]


@dataclasses.dataclass
class Case:
    """A gradient at a non-differentiable point, shown by a small program."""

    title: str          # section heading
    grad_fns: tuple     # the table rows that link here
    claim: str          # one line: what the gradient is there
    code: str           # runs after ``import minigrad as torch`` (and after ``import torch``)


CASES = [
    Case("relu at 0", ("ReluBackward0",), "x = 0 → 0",
         "x = torch.tensor([-1., 0., 2.], requires_grad=True)\n"
         "torch.relu(x).sum().backward()\nprint(x.grad)"),
    Case("clamp(min=0) at 0", ("ClampMinBackward0",), "x = lo → grad passes",
         "# the same function as relu, but the bound itself lets the gradient through\n"
         "x = torch.tensor([-1., 0., 2.], requires_grad=True)\n"
         "x.clamp(min=0).sum().backward()\nprint(x.grad)"),
    Case("clamp at its bounds", ("ClampBackward1",), "lo ≤ x ≤ hi → grad passes",
         "x = torch.tensor([-2., -1., 0., 1., 2.], requires_grad=True)\n"
         "x.clamp(-1, 1).sum().backward()\nprint(x.grad)"),
    Case("abs at 0", ("AbsBackward0",), "x = 0 → 0 (sign(0))",
         "x = torch.tensor([-2., 0., 3.], requires_grad=True)\n"
         "x.abs().sum().backward()\nprint(x.grad)"),
    Case("sqrt at 0", ("SqrtBackward0",), "x = 0 → inf",
         "x = torch.tensor([0., 4.], requires_grad=True)\n"
         "x.sqrt().sum().backward()\nprint(x.grad)"),
    Case("x ** 0.5 and x ** 0 at 0", ("PowBackward0",), "x ** 0.5 → inf; x ** 0 → 0",
         "x = torch.tensor([0., 2.], requires_grad=True)\n"
         "(x ** 0.5).sum().backward()\nprint(x.grad)\n"
         "x.grad = None\n(x ** 0).sum().backward()\nprint(x.grad)"),
    Case("max() and min() with ties", ("MaxBackward1", "MinBackward1"),
         "ties split the gradient evenly",
         "x = torch.tensor([1., 3., 3., 2., 3.], requires_grad=True)\n"
         "x.max().backward()\nprint(x.grad)\n"
         "y = torch.tensor([[1., 0.], [0., 2.]], requires_grad=True)\n"
         "y.min().backward()\nprint(y.grad)"),
    Case("max(dim) with ties", ("MaxBackward0", "MinBackward0"),
         "all to the one index returned",
         "x = torch.tensor([[1., 3., 3.], [2., 2., 0.]], requires_grad=True)\n"
         "values, indices = x.max(dim=1)\nvalues.sum().backward()\n"
         "print(indices)\nprint(x.grad)"),
    Case("amax(dim) with ties", ("AmaxBackward0", "AminBackward0"),
         "ties split evenly within a slice",
         "x = torch.tensor([[1., 3., 3.], [2., 2., 0.]], requires_grad=True)\n"
         "x.amax(dim=1).sum().backward()\nprint(x.grad)"),
    Case("maximum(a, b) where a == b", ("MaximumBackward0", "MinimumBackward0"),
         "a == b → half each",
         "a = torch.tensor([1., 2., 3.], requires_grad=True)\n"
         "b = torch.tensor([2., 2., 2.], requires_grad=True)\n"
         "torch.maximum(a, b).sum().backward()\nprint(a.grad, b.grad)"),
    Case("norm and std at 0", ("LinalgVectorNormBackward0", "StdBackward0"), "out = 0 → 0",
         "x = torch.zeros(3, requires_grad=True)\nx.norm().backward()\nprint(x.grad)\n"
         "y = torch.tensor([2., 2., 2.], requires_grad=True)\n"
         "y.std().backward()\nprint(y.grad)"),
    Case("repeated indices", ("IndexBackward0", "IndexSelectBackward0"),
         "repeated indices accumulate",
         "x = torch.tensor([10., 20., 30.], requires_grad=True)\n"
         "x[torch.tensor([0, 2, 0, 0])].sum().backward()\nprint(x.grad)\n"
         "x.grad = None\n"
         "x.index_select(0, torch.tensor([1, 1])).sum().backward()\nprint(x.grad)"),
    Case("step functions", ("SignBackward0", "FloorBackward0", "RoundBackward0"),
         "0 everywhere, jumps included",
         "x = torch.tensor([-1., 0., 1.5], requires_grad=True)\n"
         "(x.sign() + x.floor() + x.round()).sum().backward()\nprint(x.grad)"),
]


@dataclasses.dataclass
class Row:
    name: str
    forward: str
    gradient: list
    path: str
    line: int
    function: str = ""   # the torch function recording this node (from the op registry)
    jvp: str = ""        # its forward-mode formula (autograd/forward_formulas*.py)


def functions():
    """Every public Function subclass defined in minigrad, with where it is defined."""
    seen, stack = {}, list(Function.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__name__.startswith("_") or not cls.__module__.startswith("minigrad."):
            continue
        seen[cls] = None
    return list(seen)


_GRADIENT = re.compile(r"grad_\w+|no derivative")


def split_doc(doc):
    """A docstring -> (forward formula, [gradient formulas]).

    Formulas on a line are separated by runs of 3+ spaces; a piece starting with ``grad_...``
    (or "no derivative") starts a gradient formula; any other piece continues the formula
    before it (a wrapped line, a note in parentheses).
    """
    forward, gradient = [], []
    for line in inspect.cleandoc(doc or "").splitlines():
        for piece in re.split(r"\s{3,}", line.strip()):
            if not piece:
                continue
            if _GRADIENT.match(piece):
                gradient.append(piece)
            elif gradient:
                gradient[-1] += " " + piece
            else:
                forward.append(piece)
    return " ".join(forward), gradient


@functools.lru_cache(maxsize=None)
def _source_lines(path):
    return pathlib.Path(path).read_text(encoding="utf-8").splitlines()


def _line_of(cls, path):
    """The line defining cls: its ``class`` statement, or the assignment of a class made by a
    factory (``TruncBackward0 = _zero_grad_unary(...)``)."""
    module = sys.modules[cls.__module__]
    patterns = [rf"class {re.escape(cls.__name__)}\b"]
    patterns += [rf"{re.escape(var)}\s*=" for var, v in vars(module).items() if v is cls]
    for pattern in patterns:
        for i, text in enumerate(_source_lines(path), 1):
            if re.match(pattern, text):
                return i
    raise LookupError(f"cannot find where {cls.__qualname__} is defined")


def function_of(node_name, doc=""):
    """The function a node belongs to: its name without ``Backward<n>`` in snake case
    (``IndexSelectBackward0`` -> ``index_select``) when a registered op (``ops/registry.py``)
    has that name; else the one registered op that declares the node first among its nodes,
    or else the one that declares it at all (composites such as ``cross_entropy`` also record
    ``NegBackward0``, which stays ``neg``'s); else that snake-case name."""
    called = re.match(r"\s*out = (\w+)\(", doc or "")
    if node_name == "NotImplemented" and called:   # torch's node for an op with no derivative
        return called.group(1)
    stem = re.sub(r"Backward\d*$", "", node_name)
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", stem).lower()
    if stem in OPS:
        return OPS[stem].name
    for claims in ([op for op in ops_in() if op.nodes[:1] == (node_name,)],
                   [op for op in ops_in() if node_name in op.nodes]):
        if len(claims) == 1:
            return claims[0].name
    return stem


def coverage():
    """Nodes a registered op declares that have no row in the table, i.e. no Function class (an
    empty list when the table covers every registered op)."""
    documented = {r.name for r in rows()}
    return sorted({n for op in ops_in() for n in op.nodes} - documented)


def rows():
    out = []
    for cls in functions():
        source = inspect.getsourcefile(cls)
        path = pathlib.Path(source).resolve().relative_to(ROOT).as_posix()
        line = _line_of(cls, source)
        forward, gradient = split_doc(cls.__doc__)
        function = function_of(cls.__name__, cls.__doc__)
        out.append(Row(cls.__name__, forward, gradient, path, line, function,
                       _jvp_text(cls.__name__)))
    rank = {p: i for i, p in enumerate(FILE_ORDER)}
    first_line = {}
    for r in out:
        first_line[r.path, r.function] = min(first_line.get((r.path, r.function), r.line), r.line)
    out.sort(key=lambda r: (rank.get(r.path, len(rank)), r.path,
                            first_line[r.path, r.function], r.line))
    return out


def _jvp_text(node_name):
    """The node's forward formula; for a node without one, torch's reason."""
    from . import forward_formulas
    text = forward_formulas.jvp_formula(node_name)
    if text is not None:
        return text
    if forward_formulas.unsupported_op(node_name) is not None:
        return "none (torch has none either: forward AD raises its error)"
    return "none" if node_name == "NotImplemented" else ""


def run_case(code):
    """What ``code`` prints under ``import minigrad as torch``."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, "<case>", "exec"), {"torch": minigrad})
    return buf.getvalue()


def _cell(*formulas):
    """Formulas as code spans, one per line of the table cell."""
    spans = []
    for text in formulas:
        text = " ".join(text.replace("``", "").replace("`", "'").split()).replace("|", "\\|")
        spans.append(f"`{text}`")
    return "<br>".join(spans)


def _anchor(title):
    """GitHub's heading anchor."""
    slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
    return "#" + slug


def render():
    """The whole page, as ``docs/derivatives.md`` should hold it."""
    links = {}
    for case in CASES:
        for name in case.grad_fns:
            links[name] = f"[{case.claim}]({_anchor(case.title)})"
    all_rows = rows()
    lines = [
        "# Derivatives",
        "",
        f"<!-- generated by `{COMMAND}` from the ops' docstrings: do not edit by hand -->",
        "",
        "## How to read a row",
        "",
        "Each row is one node of the graph: the `grad_fn` torch records for a call of the",
        "function in the first column, its forward formula, and its gradient formulas. They are",
        "written in one convention, the **vector-Jacobian product**. `grad` is ∂L/∂out, the",
        "gradient of the final scalar L with respect to the node's output, shaped like `out`.",
        "`grad_x` is what the node sends to its input x: ∂L/∂x = Σⱼ grad[j] · ∂out[j]/∂x, shaped",
        "like x (the chain rule, one node at a time). So `out = a * b` reads `grad_a = grad * b`:",
        "the Jacobian of an elementwise op is diagonal, and multiplying by it is an elementwise",
        "product. Formulas are written as if shapes were equal; where an input was broadcast, the",
        "engine sums its gradient back to the input's shape (see `docs/internals.md`).",
        "",
        "The forward-mode column is the **Jacobian-vector product** the node computes under",
        "`torch.autograd.forward_ad` (and `torch.func.jvp`, `jacfwd`): `t_x` is the tangent",
        "carried by input x, `t_out = Σₓ ∂out/∂x · t_x` the tangent of the output, `result` the",
        "output. An op linear in x reads `t_out = op(t_x)`; an elementwise op's Jacobian is",
        "diagonal, so its JVP is its gradient formula with `t_x` for `grad`; \"the VJP,",
        "transposed\" marks a JVP computed from the gradient formula itself",
        "(`minigrad/autograd/forward_formulas.py`).",
        "",
        "Every differentiable op in minigrad is a `Function` subclass named exactly like the",
        "`grad_fn` torch gives the same op, with `forward` (NumPy) and `backward` side by side",
        "and the derivative stated in its docstring. `backward` runs on Tensors when its own",
        "graph is wanted (`create_graph=True`) and on plain ndarrays otherwise",
        "(`numpy_backward`, see `minigrad/autograd/function.py`). This page is generated from",
        f"those docstrings by `{COMMAND}`; a test fails when it is out of date.",
        f"{len(all_rows)} nodes, grouped by file and, within a file, by function.",
        "",
        "Non-differentiable points are linked to the examples in",
        "[Gradients at non-differentiable points](#gradients-at-non-differentiable-points),",
        "each checked against torch.",
    ]
    current = None
    for r in all_rows:
        if r.path != current:
            current = r.path
            lines += ["", f"## {r.path}", "", HEADER, "|---|---|---|---|---|---|---|"]
        where = f"[{r.path}:{r.line}](../{r.path}#L{r.line})"
        jvp = _cell(r.jvp) if r.jvp else ""
        lines.append(f"| `{r.function}` | `{r.name}` | {_cell(r.forward)} | {_cell(*r.gradient)} "
                     f"| {jvp} | {links.get(r.name, '')} | {where} |")
    lines += [
        "",
        "## Gradients at non-differentiable points",
        "",
        "Where a function has a kink, a jump or a tie, any value in the subgradient (or none)",
        "could be returned; minigrad returns exactly what torch returns. Each example below runs",
        "unchanged under `import torch`: `tests/test_docs.py` runs every block of this page",
        "under minigrad and under torch and checks that both print the output shown.",
        "",
        "```python",
        "import minigrad as torch",
        "```",
    ]
    for case in CASES:
        names = ", ".join(f"`{n}`" for n in case.grad_fns)
        lines += ["", f"### {case.title}", "", f"{names}: {case.claim}.", "",
                  "```python", case.code, "```", "", "```output",
                  run_case(case.code).rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit with status 1 if the page is not up to date")
    parser.add_argument("--output", default=str(PAGE), help="where to write the page")
    args = parser.parse_args(argv)
    text = render()
    path = pathlib.Path(args.output)
    if args.check:
        missing = coverage()
        if missing:
            print(f"registered nodes without a documented Function: {missing}", file=sys.stderr)
            return 1
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run {COMMAND}", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(rows())} ops)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
