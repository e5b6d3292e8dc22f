"""The parity plugin itself (pytest_minigrad), run on small test files with pytest's
``pytester`` (in subprocesses: an in-process run would unload torch's modules afterwards):
deliberately broken ops must fail with a report naming the output or input, the
element and both values; backends, fuzzing and inertness behave as documented."""
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

PLUGIN = ("-p", "pytest_minigrad")
ROOT = pathlib.Path(__file__).resolve().parents[1]

# a custom autograd.Function whose minigrad run is deliberately wrong (``broken`` says where)
SQUARE = '''
import minigrad
import pytest


def square(T, broken):
    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            out = x * x
            if T is minigrad and broken == "forward":
                out[1, 2] += 0.5
            return out

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            slope = 2.5 if T is minigrad and broken == "backward" else 2.0
            return grad * slope * x

    return Square.apply
'''


# each scenario is one test in one file; all of them run in a single pytest subprocess (each
# run imports torch: seconds), and the tests below read their part of its report
SCENARIOS = {
    "forward": '''
        @pytest.mark.parity(shapes=[(3, 4)])
        def test_forward(T, make_input, shape):
            return square(T, "forward")(make_input(shape, requires_grad=True))
    ''',
    "backward": '''
        @pytest.mark.parity
        def test_backward(T, make_input):
            return square(T, "backward")(make_input(3, 4, requires_grad=True))
    ''',
    "correct": '''
        @pytest.mark.parity(shapes=[(3, 4), (2, 5)])
        def test_correct(T, make_input, shape):
            return square(T, None)(make_input(shape, dtype=T.float64, requires_grad=True))
    ''',
    "grad_fn": '''
        @pytest.mark.parity
        def test_grad_fn(T, make_input):
            x = make_input(3, requires_grad=True)
            return x.exp() if T is minigrad else x.sigmoid()
    ''',
    "dtype": '''
        @pytest.mark.parity
        def test_dtype(T, make_input):
            x = make_input(3)
            return x.double() if T is minigrad else x
    ''',
    "same_class": '''
        @pytest.mark.parity(raises=RuntimeError)
        def test_same_class(T, make_input):
            return make_input(2, 3) @ make_input(2, 3)
    ''',
    "other_class": '''
        @pytest.mark.parity(raises=RuntimeError)
        def test_other_class(T, make_input):
            if T is minigrad:
                raise ValueError("wrong kind")
            return make_input(2, 3) @ make_input(2, 3)
    ''',
    "only_minigrad_raises": '''
        @pytest.mark.parity
        def test_only_minigrad_raises(T, make_input):
            x = make_input(2, requires_grad=True)
            if T is minigrad:
                raise NotImplementedError("not yet")
            return x
    ''',
    "undeclared": '''
        @pytest.mark.parity
        def test_undeclared(T, make_input):
            return make_input(2).sum(dim=3)
    ''',
    "items": '''
        @pytest.mark.parity
        def test_items(T, make_input):
            x = make_input(2)
            return (x, x) if T is minigrad else (x,)
    ''',
    "returned_leaf": '''
        @pytest.mark.parity
        def test_returned_leaf(T, make_input):
            w = T.ones(3, requires_grad=True)
            (w * (3.0 if T is minigrad else 2.0)).sum().backward()
            return {"w": w}
    ''',
    "plain_values": '''
        @pytest.mark.parity
        def test_plain_values(T, make_input):
            x = make_input(3)
            return {"array": x.numpy() + (1 if T is minigrad else 0), "size": x.shape}
    ''',
    "same_values": '''
        @pytest.mark.parity
        def test_same_values(T, make_input):
            return (make_input(4, 5), make_input(3, dtype=T.int64, low=-2, high=2),
                    make_input(2, 3, noncontiguous=True, exclude_zero=True))
    ''',
    "fuzz": '''
        @pytest.mark.parity(shapes=[(2, 3)])
        def test_fuzz(T, make_input, shape):
            x = make_input(shape, requires_grad=True)
            # deliberately broken on minigrad for matrices with more than 3 rows
            return square(T, "backward" if shape[0] > 3 else None)(x)
    ''',
    "T_fixture": '''
        def test_T_fixture(T, make_input):
            x = make_input(3, dtype=T.int64)
            assert (x + x == 2 * x).all()
    ''',
}


def _with_this_checkout(pythonpath):
    return os.pathsep.join(filter(None, [str(ROOT), pythonpath]))


@pytest.fixture(autouse=True)
def plugin_importable(monkeypatch):
    """pytester's subprocesses import this checkout's minigrad and pytest_minigrad."""
    monkeypatch.setenv("PYTHONPATH", _with_this_checkout(os.environ.get("PYTHONPATH")))


@pytest.fixture(scope="module")
def scenario_run(tmp_path_factory):
    """The verbose report of one pytest run over every scenario, with --parity-fuzz 30."""
    folder = tmp_path_factory.mktemp("scenarios")
    for name, body in SCENARIOS.items():
        (folder / f"test_{name}.py").write_text(SQUARE + textwrap.dedent(body))
    # this checkout's minigrad and pytest_minigrad, whatever is installed
    env = {**os.environ, "PYTHONPATH": _with_this_checkout(os.environ.get("PYTHONPATH"))}
    done = subprocess.run([sys.executable, "-m", "pytest", *PLUGIN, "-p", "no:cacheprovider",
                           "-v", "--parity-fuzz", "30", str(folder)],
                          cwd=folder, capture_output=True, text=True, env=env)
    return done.stdout


def report(result):
    return "\n".join(result.outlines)


def outcome(run, name):
    """PASSED/FAILED of test ``name`` (``test_x`` or ``test_x[id]``) in the verbose report."""
    found = re.search(rf"::{re.escape(name)} (PASSED|FAILED)", run)
    return found and found.group(1)


def failure(run, name):
    """The failure section of test ``name`` in the report."""
    found = re.search(rf"_+ {re.escape(name)} _+\n(.*?)(?=\n_{{3,}} |\n=+ )", run, re.S)
    assert found, run
    return found.group(1)


def test_a_wrong_forward_value_is_reported_with_its_element(scenario_run):
    assert outcome(scenario_run, "test_forward[3x4]") == "FAILED"
    text = failure(scenario_run, "test_forward[3x4]")
    assert text.startswith("parity: minigrad differs from torch (cpu)\n")
    found = re.search(r"output: values differ at index \(1, 2\): minigrad (\S+), torch \(cpu\) "
                      r"(\S+)\n  1 / 12 elements differ \(8\.3%\); greatest absolute difference "
                      r"(\S+) at index \(1, 2\); allowed: rtol 1\.3e-06, atol 1e-05 \(float32\)",
                      text)
    assert found, text
    got, expected, diff = (float(v) for v in found.groups())
    assert got - expected == pytest.approx(0.5, abs=1e-5) and diff == pytest.approx(0.5)
    assert "Traceback" not in text and "pytest_minigrad" not in text   # the report alone


def test_a_wrong_gradient_is_reported_on_the_input(scenario_run):
    text = failure(scenario_run, "test_backward")
    found = re.search(r"input 0 \(make_input call 1, shape \(3, 4\)\)\.grad: values differ at "
                      r"index \(0, 0\): minigrad (\S+), torch \(cpu\) (\S+)", text)
    assert found, text
    got, expected = (float(v) for v in found.groups())
    assert got == pytest.approx(1.25 * expected, rel=1e-5)   # slope 2.5 instead of 2


def test_a_correct_function_passes_on_every_backend(scenario_run):
    for name in ["test_correct[3x4]", "test_correct[2x5]", "test_correct[fuzz]",
                 "test_same_values", "test_same_class"]:
        assert outcome(scenario_run, name) == "PASSED", name


def test_grad_fn_and_dtype_differences(scenario_run):
    assert ("output: grad_fn ExpBackward0 on minigrad, SigmoidBackward0 on torch (cpu)"
            in failure(scenario_run, "test_grad_fn"))
    assert ("output: dtype torch.float64 on minigrad, torch.float32 on torch (cpu)"
            in failure(scenario_run, "test_dtype"))


def test_exceptions_are_compared_by_class(scenario_run):
    assert re.search(r"exception: minigrad raised ValueError: wrong kind\n  torch \(cpu\) raised "
                     r"RuntimeError: mat1 and mat2 shapes cannot be multiplied",
                     failure(scenario_run, "test_other_class"))
    assert ("exception: minigrad raised NotImplementedError in forward: not yet\n"
            "  torch raised nothing") in failure(scenario_run, "test_only_minigrad_raises")
    text = failure(scenario_run, "test_undeclared")
    assert "torch (cpu) raised IndexError in forward: Dimension out of range" in text
    assert "declare it: @pytest.mark.parity(raises=...)" in text


def test_structure_and_leaf_grads_of_returned_tensors(scenario_run):
    assert "output: 2 items on minigrad, 1 on torch (cpu)" in failure(scenario_run, "test_items")
    assert ("output['w'].grad: values differ at index (0,): minigrad 3.0, torch (cpu) 2.0"
            in failure(scenario_run, "test_returned_leaf"))


def test_numpy_arrays_and_sizes_are_compared(scenario_run):
    assert re.search(r"output\['array'\]: array\(\[.*\], dtype=float32\) on minigrad, "
                     r"array\(\[.*\], dtype=float32\) on torch \(cpu\)",
                     failure(scenario_run, "test_plain_values"))


def test_fuzz_draws_shapes_and_reports_the_failing_one(scenario_run):
    assert outcome(scenario_run, "test_fuzz[2x3]") == "PASSED"
    text = failure(scenario_run, "test_fuzz[fuzz]")
    assert "Falsifying example: parity_check(" in text
    found = re.search(r"shape=\((\d+), (\d+)\)", text)
    assert found and int(found.group(1)) == 4, text     # hypothesis shrinks to the smallest


def test_the_T_fixture_runs_once_per_selected_backend(scenario_run, pytester):
    for backend in ("minigrad", "torch"):
        assert outcome(scenario_run, f"test_T_fixture[{backend}]") == "PASSED"
    pytester.makepyfile(test_it='''
        def test_add(T, make_input):
            x = make_input(3, dtype=T.int64)
            assert (x + x == 2 * x).all()
    ''')
    result = pytester.runpytest_subprocess(*PLUGIN, "-v", "--parity-backends=minigrad")
    result.assert_outcomes(passed=1)
    assert "test_add[minigrad] PASSED" in report(result)
    result = pytester.runpytest_subprocess(*PLUGIN, "--parity-backends=minigrad,jax")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown parity backend 'jax'; choose from minigrad, torch, torch-cuda" in (
        "\n".join(result.errlines))


def test_the_plugin_is_inert_for_other_tests(pytester):
    pytester.makepyfile(test_plain='''
        import sys

        def test_plain():
            # the plugin imported neither library
            assert "torch" not in sys.modules and "minigrad" not in sys.modules
    ''')
    result = pytester.runpytest_subprocess(*PLUGIN, "-v")
    result.assert_outcomes(passed=1)
    assert "test_plain PASSED" in report(result)
