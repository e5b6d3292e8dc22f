"""See the graph behind a tensor: Graphviz DOT text, a PNG/SVG picture, inline notebook display.

    from minigrad import viz
    viz.to_dot(loss)                 # DOT text (paste into any Graphviz viewer)
    viz.draw(loss, "graph.png")      # PNG or SVG, drawn with matplotlib alone
    viz.Graph(loss)                  # in Jupyter: shows itself as an SVG

The graph is the one ``backward()`` walks: the output tensor on top, then its ``grad_fn`` and,
following ``next_functions``, every node down to the ``AccumulateGrad`` of each leaf. Nodes
carry torch's names (``MulBackward0``); a leaf shows its shape, dtype and, after backward, its
gradient when it has at most ``max_values`` elements. Leaves and ``nn.Parameter``s get their
own shape and colour. Edges point the way gradients flow (node -> next function).

Pictures need matplotlib, imported only when one is drawn: minigrad itself needs only NumPy.
The layout is computed here: layers by longest path from the output, boxes ordered within a
layer by the mean position of their parents.

Command line (from the repository root):

    python -m minigrad.viz --example docs/img/graph.png   # draw z = matmul(x, w) + b's graph
    python -m minigrad.viz --example --dot                # its DOT text
    python -m minigrad.viz --trace                         # backward trace of y = 2 * x ** 2
"""
import io
import pathlib
import sys

from .autograd.function import AccumulateGrad
from .autograd.trace import format_values
from .nn.parameter import Parameter

__all__ = ["to_dot", "draw", "Graph"]

# kind -> (fill colour, DOT shape, matplotlib box style)
STYLE = {
    "output": ("#e4e4e4", "ellipse", "round,pad=0,rounding_size={r}"),
    "op": ("#d6e4f5", "box", "round,pad=0,rounding_size=0.06"),
    "leaf": ("#fbe3a6", "box", "square,pad=0"),
    "param": ("#cdebc5", "box", "square,pad=0"),
}
LEGEND = {"op": "grad_fn node", "leaf": "leaf tensor", "param": "nn.Parameter"}


class _Box:
    __slots__ = ("key", "kind", "lines", "layer", "pos", "x", "y", "w", "h")

    def __init__(self, key, kind, lines):
        self.key, self.kind, self.lines = key, kind, lines


def _describe(t):
    return f"{tuple(t.shape)} {str(t.dtype).replace('torch.', '')}"


def _names(names):
    """``{"w": w}`` or an ``nn.Module`` -> {id(tensor): name}."""
    if names is None:
        return {}
    if hasattr(names, "named_parameters"):
        names = dict(names.named_parameters())
    return {id(t): name for name, t in names.items()}


def _leaf_box(key, node, names, show_values, max_values):
    leaf = node.variable
    is_param = isinstance(leaf, Parameter)
    title = names.get(id(leaf), "Parameter" if is_param else "leaf")
    lines = ["AccumulateGrad", f"{title}: {_describe(leaf)}"]
    if show_values and leaf.grad is not None:
        values = format_values(leaf.grad, max_values)
        if values:
            lines.append(f"grad = {values}")
    return _Box(key, "param" if is_param else "leaf", lines)


def _walk(tensor, show_values=True, names=None, max_values=6):
    """The graph behind ``tensor``: (boxes in discovery order, edges as (src, dst) keys)."""
    names = _names(names)
    lines = ["output", _describe(tensor)]
    if show_values:
        values = format_values(tensor, max_values)
        if values:
            lines.append(values)
    boxes = {"out": _Box("out", "output", lines)}
    edges = []
    root = tensor.grad_fn
    if root is None and tensor.requires_grad:
        root = tensor._accumulator()
    if root is None:
        return list(boxes.values()), edges
    keys = {}
    queue = [root]
    keys[root] = f"n{len(keys)}"
    edges.append(("out", keys[root]))
    while queue:
        node = queue.pop(0)
        key = keys[node]
        if isinstance(node, AccumulateGrad):
            boxes[key] = _leaf_box(key, node, names, show_values, max_values)
        else:
            boxes[key] = _Box(key, "op", [type(node).__name__])
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            if nxt not in keys:
                keys[nxt] = f"n{len(keys)}"
                queue.append(nxt)
            edges.append((key, keys[nxt]))
    return list(boxes.values()), edges


# ---- DOT --------------------------------------------------------------------------------------
def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(tensor, show_values=True, names=None, max_values=6):
    """Graphviz DOT text of the graph behind ``tensor``.

    names: ``{"w": w, ...}`` or an ``nn.Module`` to label leaves; show_values: add the output's
    values and each leaf's ``.grad`` when they have at most ``max_values`` elements.
    """
    boxes, edges = _walk(tensor, show_values, names, max_values)
    out = ["digraph minigrad {",
           '  node [style="rounded,filled", fontname="Helvetica", fontsize=11];']
    for b in boxes:
        fill, shape, _ = STYLE[b.kind]
        style = "filled" if b.kind in ("leaf", "param") else "rounded,filled"
        pen = ", penwidth=2" if b.kind == "param" else ""
        label = _quote("\n".join(b.lines)).replace("\n", "\\n")
        out.append(f'  {b.key} [label={label}, shape={shape}, style="{style}", '
                   f'fillcolor="{fill}"{pen}];')
    out += [f"  {src} -> {dst};" for src, dst in edges]
    out.append("}")
    return "\n".join(out) + "\n"


# ---- layout -----------------------------------------------------------------------------------
FONT_SIZE = 9                    # points, monospace
CHAR_W = 0.602 * FONT_SIZE / 72  # inches per character of DejaVu Sans Mono
LINE_H = 1.25 * FONT_SIZE / 72   # inches per line
PAD, H_GAP, V_GAP, MARGIN = 0.12, 0.3, 0.45, 0.25


def _layout(boxes, edges):
    """Give every box a layer (longest path from the output), an order and a position (inches)."""
    by_key = {b.key: b for b in boxes}
    children = {b.key: [] for b in boxes}
    parents = {b.key: [] for b in boxes}
    for src, dst in edges:
        children[src].append(dst)
        parents[dst].append(src)
    # longest path: visit in topological order (Kahn), layer = 1 + deepest parent
    indegree = {k: len(set(v)) for k, v in parents.items()}
    for b in boxes:
        b.layer = 0
    ready = [b.key for b in boxes if indegree[b.key] == 0]
    while ready:
        key = ready.pop(0)
        for child in dict.fromkeys(children[key]):
            by_key[child].layer = max(by_key[child].layer, by_key[key].layer + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    layers = {}
    for b in boxes:
        layers.setdefault(b.layer, []).append(b)
    layers = [layers[i] for i in sorted(layers)]
    for row in layers:
        for i, b in enumerate(row):
            b.pos = i
    # two sweeps of the barycenter heuristic: order a layer by its parents' mean position
    for _ in range(2):
        for row in layers[1:]:
            row.sort(key=lambda b: sum(by_key[p].pos for p in parents[b.key])
                     / max(len(parents[b.key]), 1))
            for i, b in enumerate(row):
                b.pos = i
    for b in boxes:
        b.w = max(len(line) for line in b.lines) * CHAR_W + 2 * PAD
        b.h = len(b.lines) * LINE_H + 2 * PAD
    # x: the first layer centred at 0, then each box under the mean of its parents,
    # pushed apart as needed (then the layer is shifted back to balance the pushes)
    y = MARGIN
    for depth, row in enumerate(layers):
        row_h = max(b.h for b in row)
        right = -float("inf")
        wants = []
        for b in row:
            want = (sum(by_key[p].x for p in parents[b.key]) / len(parents[b.key])
                    if depth and parents[b.key] else 0.0)
            wants.append(want)
            b.x = max(want, right + H_GAP + b.w / 2)
            right = b.x + b.w / 2
            b.y = y + row_h / 2
        shift = sum(want - b.x for want, b in zip(wants, row)) / len(row)
        for b in row:
            b.x += shift
        y += row_h + V_GAP
    left = min(b.x - b.w / 2 for b in boxes)
    for b in boxes:
        b.x += MARGIN - left
    width = max(b.x + b.w / 2 for b in boxes) + MARGIN
    height = y - V_GAP + MARGIN + LINE_H + PAD   # room for the legend line
    return width, height


# ---- drawing with matplotlib ------------------------------------------------------------------
def _figure(tensor, show_values=True, names=None, max_values=6):
    """A matplotlib Figure (no pyplot state) showing the graph."""
    from matplotlib.figure import Figure   # optional: only drawing needs matplotlib
    from matplotlib.patches import FancyBboxPatch

    boxes, edges = _walk(tensor, show_values, names, max_values)
    width, height = _layout(boxes, edges)
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)   # y grows downwards, like the layers
    ax.axis("off")
    by_key = {b.key: b for b in boxes}
    for b in boxes:
        fill, _, boxstyle = STYLE[b.kind]
        ax.add_patch(FancyBboxPatch(
            (b.x - b.w / 2, b.y - b.h / 2), b.w, b.h, boxstyle=boxstyle.format(r=b.h / 2),
            facecolor=fill, edgecolor="#333333",
            linewidth=1.6 if b.kind == "param" else 0.8))
        ax.text(b.x, b.y, "\n".join(b.lines), ha="center", va="center", family="monospace",
                fontsize=FONT_SIZE, linespacing=1.25)
    for src, dst in edges:
        a, b = by_key[src], by_key[dst]
        ax.annotate("", xy=(b.x, b.y - b.h / 2), xytext=(a.x, a.y + a.h / 2),
                    arrowprops=dict(arrowstyle="-|>", color="#555555", linewidth=0.9,
                                    shrinkA=0, shrinkB=0))
    kinds = [k for k in LEGEND if any(b.kind == k for b in boxes)]
    x = MARGIN
    for k in kinds:
        ax.add_patch(FancyBboxPatch((x, height - MARGIN - LINE_H), LINE_H, LINE_H,
                                    boxstyle=STYLE[k][2].format(r=LINE_H / 2),
                                    facecolor=STYLE[k][0], edgecolor="#333333", linewidth=0.8))
        ax.text(x + 1.5 * LINE_H, height - MARGIN - LINE_H / 2, LEGEND[k], va="center",
                family="monospace", fontsize=FONT_SIZE - 1)
        x += 1.5 * LINE_H + (len(LEGEND[k]) + 3) * CHAR_W
    return fig


def _render(tensor, fmt, **options):
    buf = io.BytesIO()
    _figure(tensor, **options).savefig(buf, format=fmt, dpi=150)
    return buf.getvalue()


def draw(tensor, path, show_values=True, names=None, max_values=6):
    """Write a picture of the graph behind ``tensor`` to ``path`` (``.png`` or ``.svg``)."""
    fmt = str(path).rsplit(".", 1)[-1].lower()
    if fmt not in ("png", "svg"):
        raise ValueError(f"draw(): expected a .png or .svg path, got {path!r}")
    data = _render(tensor, fmt, show_values=show_values, names=names, max_values=max_values)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


class Graph:
    """The graph behind a tensor; a Jupyter notebook displays it as an SVG picture.

    ``Graph(loss).source`` is the DOT text; ``.save("g.png")`` writes a picture.
    """

    def __init__(self, tensor, show_values=True, names=None, max_values=6):
        self.tensor = tensor
        self.options = dict(show_values=show_values, names=names, max_values=max_values)

    @property
    def source(self):
        return to_dot(self.tensor, **self.options)

    def save(self, path):
        return draw(self.tensor, path, **self.options)

    def _repr_svg_(self):
        return _render(self.tensor, "svg", **self.options).decode()

    def __repr__(self):
        boxes, edges = _walk(self.tensor, **self.options)
        return f"Graph({len(boxes)} nodes, {len(edges)} edges)"


# ---- command line -----------------------------------------------------------------------------
def example(torch=None):
    """A linear layer and its loss: z = matmul(x, w) + b, MSE loss against zeros, backward.

    ``torch`` is the library to run it on (minigrad by default; the tests also pass real torch).
    Returns (loss, {"w": w, "b": b}); the random weights come from ``manual_seed(0)``.
    """
    if torch is None:
        import minigrad as torch
    torch.manual_seed(0)
    x = torch.ones(2, 5)
    y = torch.zeros(2, 3)
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.MSELoss()(z, y)
    loss.backward()
    return loss, {"w": w, "b": b}


def trace_example(file=None):
    """y = 2 * x ** 2, y.sum().backward() under ``autograd.trace``."""
    import minigrad as torch
    x = torch.tensor([10., 20.], requires_grad=True)
    y = 2 * x ** 2
    with torch.autograd.trace(file=file, names={"x": x}) as tr:
        y.sum().backward()
    return tr


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(
        prog="python -m minigrad.viz",
        description="Draw the autograd graph of z = matmul(x, w) + b, or trace a backward.")
    parser.add_argument("--example", nargs="?", const="", metavar="PATH",
                        help="draw that graph to PATH (.png or .svg)")
    parser.add_argument("--dot", action="store_true", help="print the example's DOT text")
    parser.add_argument("--trace", action="store_true",
                        help="print the backward trace of y = 2 * x ** 2; y.sum().backward()")
    args = parser.parse_args(argv)
    if args.example is None and not args.dot and not args.trace:
        parser.error("give --example PATH, --dot or --trace")
    if args.example or args.dot:
        loss, names = example()
        if args.dot:
            sys.stdout.write(to_dot(loss, names=names))
        if args.example:
            draw(loss, args.example, names=names)
            print(f"wrote {args.example}")
    if args.trace:
        print(">>> import minigrad as torch")
        print(">>> x = torch.tensor([10., 20.], requires_grad=True)")
        print(">>> y = 2 * x ** 2")
        print(">>> with torch.autograd.trace():")
        print("...     y.sum().backward()")
        trace_example()


if __name__ == "__main__":
    main()
