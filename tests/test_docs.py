"""Every example in docs/*.md runs, and prints exactly the output shown under it.

A ```python block followed by an ```output block must print that output; a python block
without one must print nothing. The blocks of a page run in order in one namespace, like a
notebook. Each page runs twice: with minigrad, and with ``import minigrad as torch`` replaced
by ``import torch`` -- real torch must print the same thing. A block marked with
``<!-- minigrad only -->`` on the line before it (``minigrad.viz``, ``autograd.trace``) runs
with minigrad only. Memory addresses (``0x7f...``) are not compared.

``docs/derivatives.md`` is generated (``python -m minigrad.autograd.derivatives``); a test
checks that the committed page is current.

    python tests/test_docs.py --update docs/tour.md   # rewrite a page's output blocks
    python tests/test_docs.py --update --torch docs/tour.md   # ... with what torch prints
"""
import contextlib
import dataclasses
import io
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
MINIGRAD_ONLY = "<!-- minigrad only -->"
ALIAS = "import minigrad as torch"


@dataclasses.dataclass
class Block:
    code: str
    line: int                     # 1-based line of the opening fence
    minigrad_only: bool
    output: str | None = None     # the expected output, if an output block follows
    output_span: tuple | None = None   # (first, last) line index of the output block's body


def parse(text):
    """The python blocks of a markdown page, each with the output block that follows it."""
    lines = text.splitlines()
    blocks, i, last, last_end = [], 0, None, -1
    while i < len(lines):
        fence = lines[i].strip()
        if fence in ("```python", "```output"):
            j = i + 1
            while lines[j].strip() != "```":
                j += 1
            body = "\n".join(lines[i + 1:j])
            if fence == "```python":
                prev = next((s.strip() for s in reversed(lines[:i]) if s.strip()), "")
                last = Block(body, i + 1, prev == MINIGRAD_ONLY)
                blocks.append(last)
            else:
                between = [s for s in lines[last_end + 1:i] if s.strip()] if last else ["?"]
                assert last is not None and last.output is None and not between, (
                    f"line {i + 1}: an output block must directly follow a python block")
                last.output, last.output_span = body, (i + 1, j)
            last_end = j
            i = j
        i += 1
    return blocks


def normalize(text):
    return re.sub(r"0x[0-9a-f]+", "0x...", text.rstrip("\n"))


def run_page(path, lib):
    """Yield (block, printed text) for each block of the page run with lib."""
    namespace = {"__name__": "__docs__"}
    for block in parse(path.read_text(encoding="utf-8")):
        code = block.code
        if lib == "torch":
            if block.minigrad_only:
                continue
            code = code.replace(ALIAS, "import torch")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(compile(code, f"{path.name}:{block.line}", "exec"), namespace)
        yield block, buf.getvalue()


@pytest.mark.parametrize("lib", ["minigrad", "torch"])
@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_examples_print_the_output_shown(path, lib):
    n = 0
    for block, printed in run_page(path, lib):
        expected = block.output if block.output is not None else ""
        assert normalize(printed) == normalize(expected), (
            f"{path.name}:{block.line} ({lib}) printed:\n{printed}")
        n += 1
    assert n > 0


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_torch_runs_the_same_code(path):
    """Apart from blocks marked minigrad-only, a page uses minigrad only through the alias."""
    for block in parse(path.read_text(encoding="utf-8")):
        if not block.minigrad_only:
            assert "minigrad" not in block.code.replace(ALIAS, ""), f"{path.name}:{block.line}"


def test_the_pages_exist_and_have_examples():
    names = {p.name for p in DOCS}
    assert {"tour.md", "derivatives.md"} <= names
    tour = (ROOT / "docs" / "tour.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", tour, re.M)
    assert [s.split()[0] for s in sections[:4]] == ["Tensors", "Operations", "Autograd", "Linear"]
    assert sum(b.output is not None for b in parse(tour)) >= 15


def test_parse_pairs_outputs_with_code():
    text = ("x\n```python\nprint(1)\n```\n\n```output\n1\n```\n" + MINIGRAD_ONLY +
            "\n```python\ny = 2\n```\n")
    blocks = parse(text)
    assert [(b.code, b.output, b.minigrad_only) for b in blocks] == [
        ("print(1)", "1", False), ("y = 2", None, True)]
    with pytest.raises(AssertionError, match="must directly follow"):
        parse("```python\na\n```\ntext\n```output\n1\n```\n")


# ---- docs/derivatives.md ---------------------------------------------------------------------
def test_derivatives_page_is_current():
    from minigrad.autograd import derivatives
    committed = (ROOT / "docs" / "derivatives.md").read_text(encoding="utf-8")
    assert committed == derivatives.render(), (
        "docs/derivatives.md is stale: run python -m minigrad.autograd.derivatives")


def test_derivative_rows_cover_every_function():
    import minigrad
    from minigrad.autograd import derivatives
    rows = derivatives.rows()
    names = {r.name for r in rows}
    assert len(rows) == len(derivatives.functions()) > 100
    for case in derivatives.CASES:
        assert set(case.grad_fns) <= names, case.title
    # a row's link points at the class: the named line defines it (or assigns it)
    for r in rows:
        text = (ROOT / r.path).read_text(encoding="utf-8").splitlines()[r.line - 1]
        assert re.match(rf"(class {r.name}\b|\w+ = )", text), (r.name, text)
    row = next(r for r in rows if r.name == "MulBackward0")
    assert (row.forward, row.gradient) == ("out = a * b",
                                           ["grad_a = grad * b", "grad_b = grad * a"])
    assert minigrad.ops.elementwise.MulBackward0.__doc__.startswith(row.forward)


def test_split_doc():
    from minigrad.autograd.derivatives import split_doc
    assert split_doc("out = |x|        grad_x = grad * sign(x)      (0 at x = 0)") == (
        "out = |x|", ["grad_x = grad * sign(x) (0 at x = 0)"])
    assert split_doc("""values, indices = x.max(dim)
        grad_x = grad placed at indices
        along dim""") == ("values, indices = x.max(dim)",
                          ["grad_x = grad placed at indices along dim"])
    assert split_doc("fmod with a tensor divisor") == ("fmod with a tensor divisor", [])


@pytest.mark.parametrize("case", __import__("minigrad.autograd.derivatives",
                                            fromlist=["CASES"]).CASES, ids=lambda c: c.title)
def test_non_differentiable_points_match_torch(case):
    """Each claim of the page's last section: minigrad prints what torch prints."""
    import numpy as np
    import torch

    from minigrad.autograd.derivatives import run_case
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(case.code, case.title, "exec"), {"torch": torch, "np": np})
    assert run_case(case.code) == buf.getvalue()


# ---- rewriting output blocks ------------------------------------------------------------------
def update(path, lib="minigrad"):
    """Rewrite the output blocks of a page with what lib prints (add missing ones)."""
    path = pathlib.Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    edits = []
    for block, printed in run_page(path, lib):
        body = printed.rstrip("\n").splitlines()
        if block.output_span is not None:
            edits.append((block.output_span[0], block.output_span[1], body))
        elif body:
            end = block.line + block.code.count("\n") + 1   # index of the closing fence
            edits.append((end + 1, end + 1, ["", "```output", *body, "```"]))
    for first, last, body in sorted(edits, reverse=True):
        lines[first:last] = body
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    args = sys.argv[1:]
    lib = "torch" if "--torch" in args else "minigrad"
    pages = [a for a in args if not a.startswith("--")]
    if "--update" not in args or not pages:
        sys.exit("usage: python tests/test_docs.py --update [--torch] docs/PAGE.md ...")
    for page in pages:
        update(page, lib)
