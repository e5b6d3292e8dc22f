"""The fuzzer's verdicts: a difference, rounding amplified by conditioning, or a kink decided by
rounding — each verified on the case, and a real defect never explained away."""
import numpy as np
import pytest
import torch

import minigrad
from compare import fuzz, fuzz_verdicts


def _verdict(case, lib):
    ref = fuzz.execute(case, torch)
    problems = fuzz.differences(case, torch, lib, True, ref)
    if not problems:
        return None
    got = fuzz.execute(case, lib)
    return fuzz_verdicts.classify(case, problems, torch, lib, True, ref, got, fuzz.differences,
                                  fuzz.execute)


def _case(arrays, *codes):
    leaves = [fuzz.Leaf(name, np.asarray(a), True) for name, a in arrays.items()]
    steps = [fuzz.Step(code, code.split(" = ")[0], ()) for code in codes]
    return fuzz.Case(seed=0, index=0, leaves=leaves, steps=steps)


def test_kink_tie_from_a_cancelling_matmul_is_recognised():
    # fuzz seed 777001, case 1642, written out (new ops in the fuzzer's table change its draws)
    leaves = {"a": [[-0.2, 0.6], [-1.3, -0.7], [0.2, -0.4], [-0.7, -0.4]],
              "b": -0.09406520877188489, "c": [[-2.1, -0.6, -0.6], [-1.1, -0.3, 0.5]],
              "d": [[-0.5434999762229875, 0.12849391043991581, 1.676565975394401]],
              "e": [[1.0675141787285403, 0.6112359801963065, 0.42306735220147434]]}
    steps = [("v1 = a @ c", ("a", "c")), ("v2 = torch.add(v1, d, alpha=-2)", ("d", "v1")),
             ("v3 = F.sigmoid(v2)", ("v2",)), ("v4 = v1.sin()", ("v1",)),
             ("v5 = d / (v1.abs() + 0.5)", ("d", "v1")), ("v6 = v5 * e", ("e", "v5")),
             ("v7 = v1 + 3", ("v1",))]
    case = fuzz.Case(seed=777001, index=1642, higher_order=True,
                     leaves=[fuzz.Leaf(k, np.asarray(v, np.float64), True)
                             for k, v in leaves.items()],
                     steps=[fuzz.Step(code, code.split(" = ")[0], inputs)
                            for code, inputs in steps])
    assert _verdict(case, minigrad) == fuzz_verdicts.KINK_TIE


def test_rounding_amplified_by_conditioning_is_recognised():
    b = np.array([2.6], np.float32)
    case = _case({"b": b}, "v1 = ((b.exp2().expm1()) * 2.5).sin()")
    verdict = _verdict(case, minigrad)
    assert verdict in (None, fuzz_verdicts.CONDITIONING)   # None: the two libraries agreed
    # and the bound is real: the float64 recomputation moves under float32-sized perturbations
    ref64 = fuzz.execute(fuzz_verdicts._as_float64(case), torch)
    rng = np.random.default_rng(0)
    moved = fuzz.execute(fuzz_verdicts._as_float64(case, rng), torch)
    assert abs(moved["v1"][3] - ref64["v1"][3]).max() > 1e-5


@pytest.mark.parametrize("op", ["sin", "abs"])
def test_a_real_difference_is_not_explained_away(op, monkeypatch):
    """minigrad made wrong on purpose (off by 0.1% + 1e-3): the verdict must be a difference,
    for a smooth op and for one with a kink."""
    a = np.array([[0.5, -1.25], [2.0, 0.0]], np.float32)
    case = _case({"a": a}, f"v1 = a.{op}()")
    original = getattr(minigrad.Tensor, op)
    monkeypatch.setattr(minigrad.Tensor, op, lambda self: original(self) * 1.001 + 1e-3)
    assert _verdict(case, minigrad) == fuzz_verdicts.DIFFERENCE


def test_conditioning_is_judged_on_the_elements_that_differ():
    """fuzz seed 31 case 2556: NumPy's float32 cos is one ulp off torch's at 1.1166, and
    layer norm of two close values amplifies it in a first-order gradient taken with
    create_graph. Elements on which both libraries agree, however far both are from float64
    (internal rounding the perturbations do not model), do not decide the verdict; the element
    they differ on lies within the bound for both."""
    b = np.array([[[-0.30397534370422363, -0.22531546652317047],
                   [-1.1074235439300537, 1.1166050434112549],
                   [-0.14921283721923828, -0.5397251844406128],
                   [1.683482050895691, 0.8004799485206604]],
                  [[0.07257574051618576, 0.636573076248169],
                   [0.899587094783783, -0.5816413164138794],
                   [-0.26029279828071594, 0.23144088685512543],
                   [0.710692286491394, -0.7686804533004761]]], np.float32)
    steps = [("v1 = torch.cos(b)", ("b",)), ("v2 = F.layer_norm(v1, v1.shape[-1:])", ("v1",)),
             ("v3 = torch.where(v1 > v2, v1, v2)", ("v1", "v2"))]
    case = fuzz.Case(seed=31, index=2556, leaves=[fuzz.Leaf("b", b, True)], higher_order=True,
                     steps=[fuzz.Step(code, code.split(" = ")[0], inputs)
                            for code, inputs in steps])
    assert _verdict(case, minigrad) in (None, fuzz_verdicts.CONDITIONING)
