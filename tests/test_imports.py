"""minigrad imports at the top of its modules; each function-local import left is listed here
with the reason it cannot move (docs/internals.md, "Imports: the one cycle").

Tensor, autograd and the ops need each other. The op modules import Tensor and autograd at their
top; the reverse would run an op module while ``_tensor.py`` is still half-initialised, so there
the import waits inside the function that needs it. A new function-local import fails this
test: move it to the top of its module, or add it below with its reason.
"""
import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# (file, function, module as written): needs a module of the Tensor/autograd/ops circle that is
# still half-initialised when this file is imported (moving it up raises ImportError).
CYCLE = {
    ("minigrad/autograd/__init__.py", "_make_grads", "..creation"),
    ("minigrad/autograd/__init__.py", "grad", ".."),
    ("minigrad/autograd/functional.py", "_grad", "."),
    ("minigrad/autograd/functional.py", "_zeros_for_missing", "..creation"),
    ("minigrad/autograd/functional.py", "jvp", "..creation"),
    ("minigrad/autograd/functional.py", "_jacobian_rows", "..creation"),
    ("minigrad/autograd/functional.py", "_jacobian_rows", "..ops.join"),
    ("minigrad/autograd/functional.py", "hvp", "..creation"),
    ("minigrad/autograd/functional.py", "_jacobian_rows_vectorized", "..creation"),
    ("minigrad/autograd/functional.py", "_jacobian_rows_vectorized", "..func"),
    ("minigrad/autograd/functional.py", "_batched_columns", "..creation"),
    ("minigrad/autograd/functional.py", "_batched_columns", "..func"),
    ("minigrad/autograd/forward_ad.py", "attach_physical", "..func"),
    ("minigrad/autograd/forward_ad.py", "_keep_saved_outputs_dual", "..func"),
    ("minigrad/autograd/forward_ad.py", "_zeros_for", "..func"),
    ("minigrad/autograd/forward_ad.py", "_write_into", "..func"),
    ("minigrad/autograd/forward_formulas_activation.py", "_diagonal_vjp", "."),
    ("minigrad/autograd/forward_formulas_spatial.py", "_max_pool", "..func.batching"),
    ("minigrad/autograd/forward_formulas_spatial.py", "_max_pool", "..ops.pooling"),
    ("minigrad/func/batch_rules.py", "_logical_dtype", ".._dtype"),
    ("minigrad/func/batch_rules.py", "_logical_dtype", "..ops.conversion"),
    ("minigrad/func/batch_rules.py", "_promoted", ".._dtype"),
    ("minigrad/ops/_util.py", "assign_inplace", "..func.batching"),
    ("minigrad/autograd/gradcheck.py", "_is_tensor", ".._tensor"),
    ("minigrad/autograd/gradcheck.py", "_analytical_jacobians", ".._tensor"),
    ("minigrad/autograd/gradcheck.py", "_mismatch_message", ".._tensor"),
    ("minigrad/autograd/gradcheck.py", "_check_backward_scales_with_grad", ".."),
    ("minigrad/autograd/gradcheck.py", "gradgradcheck", ".._tensor"),
    ("minigrad/autograd/trace.py", "_names_of", ".._tensor"),
    ("minigrad/ops/clamp.py", "where", ".indexing"),
    ("minigrad/ops/gather.py", "scatter", ".scatter_reduce"),
    ("minigrad/ops/reduction.py", "_prod_others", ".cumulative"),
    ("minigrad/ops/reduction.py", "backward", ".indexing"),
    ("minigrad/ops/reduction.py", "_select_back", ".gather"),
    ("minigrad/ops/shape.py", "reshape", ".conversion"),
    ("minigrad/ops/shape.py", "movedim", ".indexing"),
    ("minigrad/ops/shape.py", "narrow", ".indexing"),
    ("minigrad/ops/shape.py", "unbind", ".join"),
    ("minigrad/ops/shape.py", "squeeze_", ".linalg"),
    ("minigrad/ops/statistics.py", "norm", "..linalg"),   # (torch.linalg imports statistics)
}
# Kept out of ``import minigrad``, loaded on first use: the forward-mode formulas, vmap's
# batching rules, and the optional matplotlib and torch.
LAZY = {
    ("minigrad/autograd/forward_ad.py", "apply_with_tangents", "."),
    ("minigrad/func/batching.py", "run_batched", "."),
    ("minigrad/autograd/derivatives.py", "_jvp_text", "."),
    ("minigrad/autograd/forward_ad.py", "_no_formula_message", "."),
    ("minigrad/viz.py", "_figure", "matplotlib.figure"),
    ("minigrad/viz.py", "_figure", "matplotlib.patches"),
    ("minigrad/testing/_parity.py", "available", "torch"),
}
# Command lines and examples: argparse for ``main``; the examples of viz.py begin with
# ``import minigrad as torch`` as a user's program does; tiny.py stands alone, and only its
# self-check compares it with minigrad.
ENTRY_POINTS = {
    ("minigrad/autograd/derivatives.py", "main", "argparse"),
    ("minigrad/viz.py", "main", "argparse"),
    ("minigrad/viz.py", "example", "minigrad"),
    ("minigrad/viz.py", "trace_example", "minigrad"),
    ("minigrad/tiny.py", "self_check", "minigrad"),
}
# The centre of the circle: Tensor itself, Function and the engine, and Module's hooks into
# them. Their local imports are the circle's closing points; they are exempt as files.
CORE = {"minigrad/_tensor.py", "minigrad/autograd/function.py", "minigrad/autograd/engine.py",
        "minigrad/nn/modules/module.py", "minigrad/optim/optimizer.py"}


def function_local_imports():
    """{(file, function, module)} for every import inside a function of minigrad/."""
    found = set()
    for path in sorted((ROOT / "minigrad").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()

        def walk(node, function, rel=rel):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    walk(child, child.name)
                elif isinstance(child, ast.ImportFrom) and function:
                    found.add((rel, function, "." * child.level + (child.module or "")))
                elif isinstance(child, ast.Import) and function:
                    found.update((rel, function, alias.name) for alias in child.names)
                else:
                    walk(child, function)
        walk(ast.parse(path.read_text(encoding="utf-8")), None)
    return found


def test_every_function_local_import_has_its_reason():
    listed = CYCLE | LAZY | ENTRY_POINTS
    found = {entry for entry in function_local_imports() if entry[0] not in CORE}
    new = sorted(found - listed)
    assert not new, ("function-local imports without a reason (move each to the top of its "
                     "module, or list it in tests/test_imports.py): " + repr(new))
    gone = sorted(listed - found)
    assert not gone, f"listed but no longer there (take them off the list): {gone!r}"


def test_the_scanner_sees_a_function_local_import(tmp_path, monkeypatch):
    module = tmp_path / "minigrad" / "m.py"
    module.parent.mkdir()
    module.write_text("import os\n\ndef f():\n    from . import x\n    import json\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert function_local_imports() == {("minigrad/m.py", "f", "."),
                                        ("minigrad/m.py", "f", "json")}
