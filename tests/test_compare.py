"""The comparison harness (``python -m compare``): the suite, ``compare run`` and the fuzzer,
and, just as important, that the harness fails when minigrad is wrong."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad
from compare import fuzz
from compare.backends import REFERENCE, make_backends
from compare.check import compare, compare_arrays, describe
from compare.programs import Program, load_all
from compare.runner import run_suite, select_programs
from compare.script import diff_lines, normalise, numbers_agree

ROOT = Path(__file__).resolve().parents[1]
SEED_PROGRAMS = ROOT.parent / "shared" / "seed" / "programs"
PROGRAMS = load_all()


@pytest.fixture(scope="module")
def backends():
    import torch
    torch.set_num_threads(1)  # as the CLI does: tiny tensors, no thread contention
    mg, ref = make_backends(["minigrad", REFERENCE])
    return mg, ref


def _run(programs, backends):
    mg, ref = backends
    rows = run_suite(programs, [mg, ref], ref)
    return {r.program: r for r in rows if r.backend == "minigrad"}


def _fake(name, fn):
    return {name: Program(name, fn)}


def _is_minigrad(T):
    return T.__name__ == "minigrad"


# ---- the suite ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_agrees_with_torch(name, backends):
    row = _run({name: PROGRAMS[name]}, backends)[name]
    assert row.status == "pass", row.problems


def test_every_family_has_programs():
    families = {name.split(".")[0] for name in PROGRAMS}
    assert {"creation", "conversion", "arithmetic", "matmul", "reduction", "indexing", "shape",
            "join", "autograd", "random", "training"} <= families
    assert {"training.linear_regression", "training.mlp_adam",
            "autograd.higher_order"} <= set(PROGRAMS)


def test_select_programs():
    assert set(select_programs(PROGRAMS, "join")) == {n for n in PROGRAMS if "join" in n}
    assert set(select_programs(PROGRAMS, "training.mlp_*,creation.ranges")) == {
        "training.mlp_adam", "training.mlp_sgd_momentum", "creation.ranges"}


# ---- the harness must fail when minigrad is wrong ------------------------------------------------
@pytest.fixture
def wrong_exp_gradient(monkeypatch):
    """minigrad's exp backward, off by 0.1%."""
    node = type(minigrad.tensor([1.0], requires_grad=True).exp().grad_fn)
    original = node.backward

    def backward(ctx, grad):
        (g,) = (original(ctx, grad),) if not isinstance(original(ctx, grad), tuple) else \
            original(ctx, grad)[:1]
        return g * 1.001
    monkeypatch.setattr(node, "backward", staticmethod(backward))


def test_wrong_gradient_fails_the_suite(wrong_exp_gradient, backends):
    row = _run({"arithmetic.unary_math": PROGRAMS["arithmetic.unary_math"]}, backends)
    row = row["arithmetic.unary_math"]
    assert row.status == "FAIL"
    assert [name for name, _ in row.problems] == ["x.grad"]


def test_wrong_gradient_fails_the_fuzzer(wrong_exp_gradient):
    import torch
    case = fuzz.Case(0, 0, [fuzz.Leaf("a", np.array([0.5, -1.0]), True)],
                     [fuzz.Step("v1 = a.exp()", "v1", ("a",), "exp")])
    problems = fuzz.differences(case, torch, minigrad)
    assert [k for k, _ in problems] == ["a.grad"]


def test_dtype_difference_fails(backends):
    def prog(T, device):
        x = T.tensor([1.0, 2.0])
        return {"y": x.double() if _is_minigrad(T) else x}
    row = _run(_fake("fake.dtype", prog), backends)["fake.dtype"]
    assert row.status == "FAIL"
    assert row.problems == [("y", "dtype torch.float64 != torch.float32")]


def test_missing_and_extra_outputs_fail(backends):
    def prog(T, device):
        out = {"a": T.ones(2)}
        if not _is_minigrad(T):
            out["b"] = T.zeros(2)
        else:
            out["c"] = 1
        return out
    row = _run(_fake("fake.missing", prog), backends)["fake.missing"]
    assert row.status == "FAIL"
    assert dict(row.problems)["b"] == "missing output"
    assert "c" in dict(row.problems)


def test_shape_value_and_error_differences_fail(backends):
    def prog(T, device):
        mg = _is_minigrad(T)
        return {"shape": T.ones(2, 3) if mg else T.ones(3, 2),
                "value": T.tensor([1.0, 2.0 + (1e-4 if mg else 0.0)]),
                "count": 3 if mg else 4,
                "int_tensor": T.tensor([1, 2 + mg])}
    row = _run(_fake("fake.values", prog), backends)["fake.values"]
    assert sorted(dict(row.problems)) == ["count", "int_tensor", "shape", "value"]


def test_program_that_raises_is_an_error(backends):
    def prog(T, device):
        if _is_minigrad(T):
            raise RuntimeError("boom")
        return {"a": T.ones(1)}
    row = _run(_fake("fake.raises", prog), backends)["fake.raises"]
    assert row.status == "error" and "boom" in row.problems[0][1]


def test_tolerances():
    ref = np.array([1.0, -2.0, 1e-3, 0.0])
    assert compare_arrays(ref, ref * (1 + 5e-11), 1e-10).ok
    assert not compare_arrays(ref, ref * (1 + 1e-8), 1e-10).ok
    f32 = ref.astype(np.float32)
    assert compare_arrays(f32, f32 * np.float32(1 + 3e-6), 1e-5).ok
    assert not compare_arrays(f32, f32 * np.float32(1 + 1e-3), 1e-5).ok
    # an element near zero is held to the tensor's magnitude, not its own
    big = np.array([1000.0, 1e-9])
    assert compare_arrays(big, big + np.array([0, 1e-8]), 1e-10).ok
    assert not compare_arrays(big, big + np.array([0, 1e-6]), 1e-10).ok
    # NaN must meet NaN, inf the same inf; integers are exact
    assert compare_arrays(np.array([np.nan, np.inf]), np.array([np.nan, np.inf]), 1e-5).ok
    assert not compare_arrays(np.array([np.nan, 1.0]), np.array([1.0, 1.0]), 1e-5).ok
    assert not compare_arrays(np.array([np.inf]), np.array([-np.inf]), 1e-5).ok
    assert not compare_arrays(np.array([3]), np.array([4]), None).ok


def test_describe_and_compare_records(backends):
    mg, ref = backends
    import torch
    a = describe(ref, torch.tensor([1, 2]))
    b = describe(mg, minigrad.tensor([1, 2]))
    assert a[:3] == b[:3] == ("tensor", "torch.int64", (2,))
    assert compare(a, b).ok
    assert not compare(("py", 1), ("py", 1.0)).ok
    assert not compare(("py", None), b).ok
    assert compare(describe(ref, torch.Size([2, 3])), describe(mg, minigrad.Size([2, 3]))).ok


# ---- the command line ------------------------------------------------------------------------
def _cli(*args, cwd=ROOT, timeout=300):
    """``python -m compare ...`` (compare/ is found through PYTHONPATH from any cwd)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compare", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout, env=env)


def test_cli_table_json_and_cuda_notice(tmp_path):
    import torch
    out = tmp_path / "r.json"
    proc = _cli("--programs", "creation", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    if not torch.cuda.is_available():
        assert "CUDA: not available" in proc.stdout
    assert "creation.ranges" in proc.stdout and "max abs err" in proc.stdout
    data = json.loads(out.read_text())
    assert data["failed"] == 0 and data["passed"] == 4
    assert {r["backend"] for r in data["rows"]} == {"minigrad", "torch-cpu"}


# ---- compare run ----------------------------------------------------------------------------
@pytest.mark.skipif(not SEED_PROGRAMS.is_dir(), reason="seed programs not found")
@pytest.mark.parametrize("number", ["13", "22"])
def test_run_reproduces_seed_programs(number, tmp_path):
    (script,) = SEED_PROGRAMS.glob(f"{number}_*.py")
    proc = _cli("run", str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(("same output", "agrees to"))


def test_run_reports_a_difference(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("import torch\n"
                      "print('id', id(object()), object())\n"
                      "x = torch.tensor([1.0, 2.0])\n"
                      "print(x * (3 if torch.__name__ == 'torch' else 3.001))\n")
    proc = _cli("run", str(script), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "torch        2 | tensor([3., 6.])" in proc.stdout
    assert "minigrad     2 | tensor([3.0010, 6.0020])" in proc.stdout


def test_number_tolerance_and_masking():
    assert numbers_agree("0.200000", "0.200001", 1e-5)        # within rtol
    assert numbers_agree("0.000001", "0.000000", 1e-5)        # one unit of a tiny last digit
    assert not numbers_agree("10.", "11.", 1e-5)
    assert not numbers_agree("1.0000", "1.0", 1e-5)           # printed differently
    assert not numbers_agree("3", "4", 1e-5)
    assert numbers_agree("140234567890123", "140234567899999", 1e-5)   # id()s
    assert numbers_agree("nan", "nan", 1e-5)
    lines = normalise("x <MulBackward0 object at 0x7f00aa>\nw (Triggered internally at /x.cpp:1.)"
                      "\n", "s.py")
    assert lines == ["x <MulBackward0 object at 0x?>", "w"]
    assert diff_lines(["tensor([1.0000, 2.5000])"], ["tensor([1.0000, 2.5000])"]) == []
    (d,) = diff_lines(["a 1", "b 2"], ["a 1", "b 3"])
    assert d.ref_lines == [(2, "b 2")] and d.got_lines == [(2, "b 3")]


def test_traceback_frames_outside_the_script_are_dropped():
    text = ('Traceback (most recent call last):\n  File "s.py", line 3, in <module>\n'
            '    x.foo()\n  File "/lib/torch/x.py", line 9, in foo\n    raise E\n'
            'RuntimeError: bad\n')
    assert normalise(text, "s.py") == ["Traceback (most recent call last):",
                                       '  File "s.py", line 3, in <module>', "    x.foo()",
                                       "RuntimeError: bad"]


# ---- the fuzzer ------------------------------------------------------------------------------
def test_fuzz_is_reproducible():
    import torch
    ops = fuzz.available_ops(minigrad)
    a = [fuzz.make_case(torch, ops, 7, i) for i in range(20)]
    b = [fuzz.make_case(torch, ops, 7, i) for i in range(20)]
    assert [[s.code for s in c.steps] for c in a] == [[s.code for s in c.steps] for c in b]
    assert all(np.array_equal(x.array, y.array) for c, d in zip(a, b)
               for x, y in zip(c.leaves, d.leaves))
    assert sum(len(c.steps) for c in a) > 40


def test_fuzz_small_run_passes():
    import io
    out = io.StringIO()
    rc = fuzz.fuzz(seed=1, count=150, out=out)
    assert rc == 0, out.getvalue()
    assert "150 graphs, 150 agree" in out.getvalue()


def test_fuzz_shrinks_to_the_culprit(wrong_exp_gradient):
    import torch
    leaves = [fuzz.Leaf("a", np.array([[0.5, -1.0], [0.25, 2.0]]), True),
              fuzz.Leaf("b", np.array([1.5, -0.5]), True)]
    steps = [fuzz.Step("v1 = a * b", "v1", ("a", "b")),
             fuzz.Step("v2 = v1.sin()", "v2", ("v1",)),
             fuzz.Step("v3 = b.exp()", "v3", ("b",)),
             fuzz.Step("v4 = v2.sum(dim=0)", "v4", ("v2",))]
    case = fuzz.Case(0, 0, leaves, steps)
    assert fuzz.differences(case, torch, minigrad)
    small = fuzz.shrink(case, lambda c: bool(fuzz.differences(c, torch, minigrad)))
    assert [s.code for s in small.steps] == ["v3 = b.exp()"]
    assert [leaf.name for leaf in small.leaves] == ["b"] and small.leaves[0].array.shape == (1,)
    text = fuzz.snippet(small, torch, [])
    env = {}
    exec(text, env)  # the snippet runs as it is
    assert "v3 = b.exp()" in text
