"""The fuzzer's random programs in forward mode (compare/fuzz_forward.py): every variable's
tangent with all float leaves dual, and each program's Jacobian by reverse and forward mode,
agree with torch."""
import io

import pytest

from compare import fuzz_forward


def test_forward_fuzz_cases_agree_with_torch():
    out = io.StringIO()
    failures = fuzz_forward.fuzz(11, 30, out=out)
    assert failures == [], out.getvalue()


@pytest.mark.slow
def test_forward_fuzz_many_cases():
    out = io.StringIO()
    assert fuzz_forward.fuzz(2026, 400, out=out) == [], out.getvalue()


def test_a_wrong_tangent_is_caught(monkeypatch):
    """An injected defect (exp's tangent doubled) makes cases disagree."""
    from minigrad.autograd import forward_formulas
    text, rule = forward_formulas._FORMULAS["ExpBackward0"]
    monkeypatch.setitem(forward_formulas._FORMULAS, "ExpBackward0",
                        (text, lambda c: rule(c) * 2))
    failures = []
    for seed in range(20):
        failures += fuzz_forward.fuzz(seed, 10, out=io.StringIO())
        if failures:
            break
    assert failures
