"""``python -m compare fuzz --compiled``: every fuzz graph also through ``minigrad.compile``.

A case becomes one function of its leaves: its steps, then its backward pass, returning every
variable. It is compiled and called three times on fresh leaves holding the same data (two
captures, then a replay); the third call's variables, gradient flags, grad_fn names and leaf
gradients must equal eager minigrad's bit for bit. (Eager minigrad is compared with torch by
the fuzzer itself.) A graph break is no difference: the call then ran eagerly; its reason is
counted.
"""
import warnings

import numpy as np

from .backends import tensor_to_numpy

REPLAYED, BROKE, DIFFER, EAGER_ERROR = "replayed", "graph break", "differ", "eager error"


def function_source(case, backward):
    """The case as ``def graph(<leaves>, upstream)``: steps, backward lines, its variables
    returned."""
    leaves = [leaf.name for leaf in case.leaves] + ["upstream"]
    body = [step.code for step in case.steps] + list(backward)
    names = ", ".join(f"{n!r}: {n}" for n in case.variables())
    lines = [f"def graph({', '.join(leaves)}):", *(f"    {line}" for line in body),
             f"    return {{{names}}}"]
    return "\n".join(lines) + "\n"


def _records(variables, leaves):
    out = {}
    for name, v in variables.items():
        out[name] = (str(v.dtype), tuple(v.shape), tensor_to_numpy(v).tobytes(),
                     bool(v.requires_grad), type(v.grad_fn).__name__)
    for name, t in leaves.items():
        g = t.grad
        out[f"{name}.grad"] = None if g is None else (str(g.dtype), tuple(g.shape),
                                                       tensor_to_numpy(g).tobytes())
    return out


def _fresh_leaves(case, T):
    leaves = {}
    for leaf in case.leaves:
        t = T.tensor(leaf.array)
        leaves[leaf.name] = t.requires_grad_(True) if leaf.requires_grad else t
    return leaves


def _backward(case, minigrad):
    """The case's backward lines and its upstream gradients (arguments of the compiled
    function, as a training step gets its data): the fuzzer's own, for first-order cases."""
    from .fuzz import _namespace, backward_lines
    env = _namespace(minigrad)
    env.update(_fresh_leaves(case, minigrad))
    for step in case.steps:
        exec(step.code, env)  # noqa: S102
    if case.higher_order:
        return backward_lines(case, env), []
    roots = [n for n in case.sinks() if n in env and env[n].requires_grad]
    rng = case.upstream(None)
    upstream = [minigrad.tensor(np.ones(env[n].shape) if case.ones_grads
                                else rng.standard_normal(env[n].shape), dtype=env[n].dtype)
                for n in roots]
    lines = [f"torch.autograd.backward([{', '.join(roots)}], upstream)"] if roots else []
    return lines, upstream


def check(case, minigrad):
    """(status, detail): replayed and equal, a graph break (its reason), or a difference."""
    from .fuzz import _namespace
    try:
        backward, upstream = _backward(case, minigrad)
    except Exception as e:  # noqa: BLE001 - cases may end in an error: nothing to replay
        return EAGER_ERROR, f"{type(e).__name__}"
    env = _namespace(minigrad)
    exec(function_source(case, backward), env)  # noqa: S102 - the case is the program under test
    graph = env["graph"]
    leaves = _fresh_leaves(case, minigrad)
    try:
        eager = _records(graph(**leaves, upstream=upstream), leaves)
    except Exception as e:  # noqa: BLE001 - cases may end in an error: nothing to replay
        return EAGER_ERROR, f"{type(e).__name__}"
    compiled = minigrad.compile(graph)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            for _ in range(3):
                leaves = _fresh_leaves(case, minigrad)
                got = _records(compiled(**leaves, upstream=upstream), leaves)
        except Exception as e:  # noqa: BLE001
            return DIFFER, f"compiled call raised {type(e).__name__}: {e}"
    if not compiled.programs:
        return BROKE, compiled.breaks[0][0] if compiled.breaks else "not captured"
    bad = [k for k in eager if eager[k] != got.get(k)]
    if bad or got.keys() != eager.keys():
        return DIFFER, f"differs from eager in {bad[:4] or sorted(got.keys() ^ eager.keys())}"
    return REPLAYED, ""


def summary(tally):
    """One line per outcome, with the commonest graph-break reasons."""
    statuses = {}
    for status, detail in tally:
        statuses.setdefault(status, {}).setdefault(detail, 0)
        statuses[status][detail] += 1
    lines = []
    for status in (REPLAYED, BROKE, EAGER_ERROR, DIFFER):
        details = statuses.get(status, {})
        n = sum(details.values())
        if not n:
            continue
        common = sorted(details.items(), key=lambda kv: -kv[1])[:4]
        why = "; ".join(f"{d} ({c})" for d, c in common if d)
        lines.append(f"  {status}: {n}" + (f" — {why}" if why else ""))
    return "\n".join(lines)


__all__ = ["check", "summary", "function_source"]
