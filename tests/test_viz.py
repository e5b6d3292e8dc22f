"""minigrad.viz: DOT text, PNG/SVG pictures and notebook display of the graph behind a tensor.

Three small autograd programs (y = 2 x², its sum, a linear layer's loss) are built with minigrad
and with torch; the DOT text must list torch's nodes and edges, in the order a walk of torch's
``next_functions`` finds them.
"""
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import matplotlib.image
import numpy as np
import pytest
import torch

import minigrad
from minigrad import viz

# ---- the programs, written once for both libraries ----------------------------------------


def program_25(lib):
    x = lib.tensor(10, requires_grad=True, dtype=lib.float32)
    y = 2 * x ** 2
    y.sum().backward()
    return y.sum(), {"x": x}


def program_26(lib):
    x = lib.tensor([10, 20], requires_grad=True, dtype=lib.float32)
    y = 2 * x ** 2
    y.sum().backward()
    return y.sum(), {"x": x}


def program_29(lib):
    return viz.example(lib)


PROGRAMS = [program_25, program_26, program_29]


def parse_dot(text):
    """(nodes {key: label lines}, attributes {key: attr text}, edges [(src, dst)])."""
    nodes, attrs = {}, {}
    for key, label, rest in re.findall(r'^  (\w+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$', text,
                                       re.M):
        nodes[key] = label.split("\\n")
        attrs[key] = rest
    edges = re.findall(r"^  (\w+) -> (\w+);$", text, re.M)
    return nodes, attrs, edges


def torch_graph(t):
    """torch's graph walked breadth-first through next_functions, keys as viz assigns them."""
    keys, names, edges = {}, {}, [("out", "n0")]
    queue = [t.grad_fn]
    keys[t.grad_fn] = "n0"
    while queue:
        node = queue.pop(0)
        names[keys[node]] = type(node).__name__
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            if nxt not in keys:
                keys[nxt] = f"n{len(keys)}"
                queue.append(nxt)
            edges.append((keys[node], keys[nxt]))
    return names, edges


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_dot_has_torchs_nodes_and_edges(program):
    mg_out, names = program(minigrad)
    th_out, th_names = program(torch)
    nodes, attrs, edges = parse_dot(viz.to_dot(mg_out, names=names))
    th_nodes, th_edges = torch_graph(th_out)
    assert {k: v[0] for k, v in nodes.items() if k != "out"} == th_nodes
    assert edges == th_edges
    # the output node shows the shape, dtype and (small) value
    assert nodes["out"][:2] == ["output", f"{tuple(th_out.shape)} float32"]
    assert nodes["out"][2] == repr(th_out.detach())
    # each leaf: name, shape, dtype, and its gradient once small enough
    for key, lines in nodes.items():
        if lines[0] != "AccumulateGrad":
            continue
        name = lines[1].split(":")[0]
        leaf = names[name]
        assert lines[1] == f"{name}: {tuple(leaf.shape)} float32"
        th_grad = th_names[name].grad
        if th_grad.numel() <= 6:
            assert lines[2] == "grad = " + " ".join(repr(th_grad).split())
            np.testing.assert_allclose(leaf.grad.numpy(), th_grad.numpy(), rtol=1e-5)
        else:
            assert len(lines) == 2
        assert 'fillcolor="#fbe3a6"' in attrs[key]      # plain leaf colour


def test_dot_text_of_program_26_in_full():
    out, names = program_26(minigrad)
    assert viz.to_dot(out, names=names) == """\
digraph minigrad {
  node [style="rounded,filled", fontname="Helvetica", fontsize=11];
  out [label="output\\n() float32\\ntensor(1000.)", shape=ellipse, style="rounded,filled", \
fillcolor="#e4e4e4"];
  n0 [label="SumBackward0", shape=box, style="rounded,filled", fillcolor="#d6e4f5"];
  n1 [label="MulBackward0", shape=box, style="rounded,filled", fillcolor="#d6e4f5"];
  n2 [label="PowBackward0", shape=box, style="rounded,filled", fillcolor="#d6e4f5"];
  n3 [label="AccumulateGrad\\nx: (2,) float32\\ngrad = tensor([40., 80.])", shape=box, \
style="filled", fillcolor="#fbe3a6"];
  out -> n0;
  n0 -> n1;
  n1 -> n2;
  n2 -> n3;
}
"""


def test_parameters_are_marked_and_values_optional():
    model = minigrad.nn.Linear(3, 2)
    x = minigrad.ones(4, 3)
    loss = model(x).pow(2).mean()
    before = viz.to_dot(loss, names=model)
    nodes, attrs, _ = parse_dot(before)
    leaves = {k: v for k, v in nodes.items() if v[0] == "AccumulateGrad"}
    assert sorted(v[1] for v in leaves.values()) == ["bias: (2,) float32",
                                                     "weight: (2, 3) float32"]
    assert all("penwidth=2" in attrs[k] and "#cdebc5" in attrs[k] for k in leaves)
    assert all(len(v) == 2 for v in leaves.values())       # no grad before backward
    loss.backward()
    after = parse_dot(viz.to_dot(loss, names=model))[0]
    bias = next(v for v in after.values() if v[0] == "AccumulateGrad" and "bias" in v[1])
    assert bias[2] == "grad = " + " ".join(repr(model.bias.grad).split())
    plain = parse_dot(viz.to_dot(loss, show_values=False))[0]
    assert plain["out"] == ["output", "() float32"]
    assert sorted(v[1] for v in plain.values() if v[0] == "AccumulateGrad") == [
        "Parameter: (2, 3) float32", "Parameter: (2,) float32"]


def test_constants_and_tensors_without_graph():
    t = minigrad.ones(2, 3)
    nodes, _, edges = parse_dot(viz.to_dot(t))
    assert nodes == {"out": ["output", "(2, 3) float32", "tensor([[1., 1., 1.], [1., 1., 1.]])"]}
    assert edges == []
    leaf = minigrad.zeros(7, requires_grad=True)
    nodes, _, edges = parse_dot(viz.to_dot(leaf))
    assert nodes["out"] == ["output", "(7,) float32"]
    assert nodes["n0"] == ["AccumulateGrad", "leaf: (7,) float32"] and edges == [("out", "n0")]


# ---- pictures ---------------------------------------------------------------------------------
def _non_white_fraction(path):
    img = matplotlib.image.imread(path)
    return float((img[..., :3] < 0.9).any(axis=-1).mean()), img.shape


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_png_and_svg_are_written(program, tmp_path):
    out, names = program(minigrad)
    png = viz.draw(out, tmp_path / "g.png", names=names)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ink, shape = _non_white_fraction(png)
    assert shape[0] > 300 and shape[1] > 200 and 0.03 < ink < 0.6
    svg = viz.draw(out, tmp_path / "g.svg", names=names)
    root = ET.fromstring(svg.read_bytes())
    assert root.tag.endswith("svg")
    n_boxes = len(parse_dot(viz.to_dot(out))[0])
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) >= n_boxes


def test_layout_layers_follow_edges_and_boxes_do_not_overlap():
    x = minigrad.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    w = minigrad.nn.Parameter(minigrad.tensor([0.5, -1.0]))
    a = x * w
    loss = (a.exp() * a + a.sin() + w.sum()).mean()
    boxes, edges = viz._walk(loss)
    width, height = viz._layout(boxes, edges)
    by_key = {b.key: b for b in boxes}
    for src, dst in edges:                      # longest path: every edge goes down a layer
        assert by_key[dst].layer > by_key[src].layer
        assert by_key[dst].y > by_key[src].y
    for b in boxes:
        assert b.w / 2 <= b.x <= width - b.w / 2 and b.h / 2 <= b.y <= height - b.h / 2
        for c in boxes:
            if c is not b and c.layer == b.layer:
                assert abs(b.x - c.x) >= (b.w + c.w) / 2
    # the root is alone on layer 0, its grad_fn alone on layer 1
    assert [b.kind for b in boxes if b.layer == 0] == ["output"]
    assert sum(b.layer == 1 for b in boxes) == 1


def test_graph_object_for_notebooks(tmp_path):
    out, names = program_26(minigrad)
    g = viz.Graph(out, names=names)
    assert repr(g) == "Graph(5 nodes, 4 edges)"
    assert g.source == viz.to_dot(out, names=names)
    svg = g._repr_svg_()
    assert isinstance(svg, str) and "<svg" in svg
    ET.fromstring(svg.encode())
    g.save(tmp_path / "g.png")
    assert (tmp_path / "g.png").stat().st_size > 2000


def test_draw_rejects_other_formats(tmp_path):
    with pytest.raises(ValueError, match=r"expected a \.png or \.svg path"):
        viz.draw(minigrad.ones(1), tmp_path / "g.jpg")


def test_minigrad_does_not_import_matplotlib():
    code = ("import sys, minigrad, minigrad.viz, minigrad.autograd.trace; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_command_line(tmp_path, capsys):
    viz.main(["--example", str(tmp_path / "g.png"), "--dot"])
    out = capsys.readouterr().out
    _, th_names = program_29(torch)
    mg_loss, names = program_29(minigrad)
    assert out == viz.to_dot(mg_loss, names=names) + f"wrote {tmp_path / 'g.png'}\n"
    assert _non_white_fraction(tmp_path / "g.png")[0] > 0.03
    viz.main(["--trace"])
    out = capsys.readouterr().out
    assert out.splitlines()[5:] == [
        "[1] SumBackward0  receives () tensor(1.)",
        "      -> MulBackward0  (2,) tensor([1., 1.])",
        "[2] MulBackward0  receives (2,) tensor([1., 1.])",
        "      -> PowBackward0  (2,) tensor([2., 2.])",
        "      -> None          (needs no grad)",
        "[3] PowBackward0  receives (2,) tensor([2., 2.])",
        "      -> AccumulateGrad  (2,) tensor([40., 80.])",
        "[4] AccumulateGrad  receives (2,) tensor([40., 80.])",
        "      -> x.grad  now (2,) tensor([40., 80.])",
    ]
    with pytest.raises(SystemExit):
        viz.main([])


def test_readme_shows_what_the_commands_produce(tmp_path, capsys):
    """README's "See it" section: its trace is `python -m minigrad.viz --trace` verbatim, and
    its picture is the one `python -m minigrad.viz --example docs/img/graph.png` draws."""
    root = pathlib.Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## See it", 1)[1].split("\n## ", 1)[0]
    viz.main(["--trace"])
    trace = capsys.readouterr().out
    assert f"```text\n{trace}```" in section
    assert "python -m minigrad.viz --trace" in section
    assert "python -m minigrad.viz --example docs/img/graph.png" in section
    assert "](docs/img/graph.png)" in section
    committed = matplotlib.image.imread(root / "docs" / "img" / "graph.png")
    viz.main(["--example", str(tmp_path / "graph.png")])
    fresh = matplotlib.image.imread(tmp_path / "graph.png")
    assert committed.shape == fresh.shape
    assert np.abs(committed - fresh).mean() < 0.01
