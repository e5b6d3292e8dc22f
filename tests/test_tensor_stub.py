"""minigrad/_tensor.pyi lists every method Tensor has at run time (so a reader and an IDE find
``Tensor.mul``); it is generated, and this test fails when it is stale."""
from minigrad import _stubgen


def test_stub_is_current():
    assert _stubgen.STUB.read_text() == _stubgen.render(), (
        f"minigrad/_tensor.pyi is stale: run `{_stubgen.COMMAND}`")


def test_stub_names_mul_and_its_file():
    text = _stubgen.STUB.read_text()
    section = text.split("# ---- minigrad/ops/arithmetic.py")[1].split("# ----")[0]
    assert "def mul(self, other, *, out=...) -> Any: ..." in section
