"""docs/internals.md cites code by line range; each range must still hold the function it names.

A citation reads ``[`name`, path:first-last](../path#Lfirst-Llast)``: ``name`` is a function or
class of ``path`` (``Class.method`` for a method), and ``first-last`` the lines of its
definition, decorators included. When code moves, this test names the stale citations;
``python tests/test_internals.py --update`` rewrites them with the current ranges. The page's
examples run under minigrad and torch in ``tests/test_docs.py``.
"""
import ast
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "internals.md"
CITATION = re.compile(r"\[`(?P<name>[\w.]+)`, (?P<path>[\w/.]+):(?P<first>\d+)-(?P<last>\d+)\]"
                      r"\(\.\./(?P<link>[\w/.]+)#L(?P<lfirst>\d+)-L(?P<llast>\d+)\)")
QUESTIONS = ["## 1. ", "## 2. ", "## 3. ", "## 4. ", "## 5. "]


def definition_range(path, name):
    """(first, last) line of ``name``'s definition in the file ``path`` (repository-relative)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    scope, node = tree.body, None
    for part in name.split("."):
        node = next((n for n in scope if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            return None
        scope = node.body
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return first, node.end_lineno


def citations(text):
    return list(CITATION.finditer(text))


def cite(name, path):
    first, last = definition_range(path, name)
    return f"[`{name}`, {path}:{first}-{last}](../{path}#L{first}-L{last})"


def test_every_citation_names_its_current_lines():
    text = PAGE.read_text(encoding="utf-8")
    found = citations(text)
    assert len(found) >= 20
    stale = []
    for m in found:
        assert m["link"] == m["path"] and (m["lfirst"], m["llast"]) == (m["first"], m["last"])
        current = definition_range(m["path"], m["name"])
        assert current is not None, f"{m['path']} defines no {m['name']}"
        if current != (int(m["first"]), int(m["last"])):
            stale.append(f"{m['name']} in {m['path']}: cited {m['first']}-{m['last']}, "
                         f"now {current[0]}-{current[1]}")
    assert not stale, ("stale citations (run python tests/test_internals.py --update):\n"
                       + "\n".join(stale))


def test_each_question_cites_tiny_and_production_in_its_first_paragraph():
    text = PAGE.read_text(encoding="utf-8")
    for heading in QUESTIONS:
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        first_paragraph = section.split("\n\n", 1)[1].split("\n\n", 1)[0]
        paths = {m["path"] for m in citations(first_paragraph)}
        assert "minigrad/tiny.py" in paths, heading
        assert paths - {"minigrad/tiny.py"}, heading
        assert "```python" in section, heading


def test_the_five_sections_stay_short():
    text = PAGE.read_text(encoding="utf-8")
    start = text.index(QUESTIONS[0])
    end = text.index("\n## ", text.index(QUESTIONS[-1]) + 1)
    prose = re.sub(r"```.*?```", "", text[start:end], flags=re.S)
    assert len(prose.split()) < 3000


def test_definition_range_finds_methods_and_misses_unknown_names():
    first, last = definition_range("minigrad/tiny.py", "Node.saved_data")
    lines = (ROOT / "minigrad/tiny.py").read_text().splitlines()
    assert lines[first - 1].strip().startswith("def saved_data") and last > first
    assert definition_range("minigrad/tiny.py", "no_such_function") is None


if __name__ == "__main__" and "--update" in sys.argv:
    page = PAGE.read_text(encoding="utf-8")
    PAGE.write_text(CITATION.sub(lambda m: cite(m["name"], m["path"]), page), encoding="utf-8")
    print(f"updated {len(citations(page))} citations in {PAGE.relative_to(ROOT)}")
