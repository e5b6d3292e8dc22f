"""The fuzzer's random programs in forward mode (compare/fuzz_forward.py): every variable's
tangent with all float leaves dual, and each program's Jacobian by reverse and forward mode,
agree with torch."""
import io

import numpy as np
import pytest
import torch

import minigrad
from compare import fuzz_forward
from compare.fuzz import Case, Leaf, Step
from minigrad.autograd import forward_formulas


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
    text, rule = forward_formulas._FORMULAS["ExpBackward0"]
    monkeypatch.setitem(forward_formulas._FORMULAS, "ExpBackward0",
                        (text, lambda c: rule(c) * 2))
    failures = []
    for seed in range(20):
        failures += fuzz_forward.fuzz(seed, 10, out=io.StringIO())
        if failures:
            break
    assert failures


def _self_operand_case(op):
    steps = [Step(code="v1 = a * 1", target="v1", inputs=("a",), op="mul"),
             Step(code=f"v1.{op}(v1)", target=None, inputs=("v1",), op=op),
             Step(code="v3 = v1.sum()", target="v3", inputs=("v1",), op="sum_all")]
    return Case(seed=0, index=0, leaves=[Leaf(name="a", array=np.array([1.5, -0.5]),
                                              requires_grad=True)],
                steps=steps, ones_grads=False, higher_order=False, ops=())


def test_torchs_tangent_of_x_mul_x_is_a_verified_torch_defect():
    """torch's tangent of v.mul_(v) reads the updated v; minigrad gives 2 v t. The fuzzer
    verifies it (torch agrees once the operand is a copy); it is not counted as agreement."""
    case = _self_operand_case("mul_")
    assert fuzz_forward.differences(case, torch, minigrad)   # they do differ
    assert fuzz_forward.self_operand_defect(case, torch, minigrad)


def test_a_minigrad_defect_with_a_self_operand_is_not_excused(monkeypatch):
    """With minigrad's mul tangent broken too, copying torch's operand does not make them
    agree: the case stays a difference."""
    text, rule = forward_formulas._FORMULAS["MulBackward0"]
    monkeypatch.setitem(forward_formulas._FORMULAS, "MulBackward0",
                        (text, lambda c: rule(c) * 2))
    assert not fuzz_forward.self_operand_defect(_self_operand_case("mul_"), torch, minigrad)
