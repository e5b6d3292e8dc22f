"""``torch.autograd.functional``: vjp, jvp, jacobian, hessian, vhp, hvp of a Python function.

Each takes ``func`` and its ``inputs`` (a Tensor or a tuple of Tensors) and differentiates
``func(*inputs)`` without touching any ``.grad``. Results keep the structure of what went in:
a single Tensor in gives a single Tensor out, a tuple gives a tuple (for a Jacobian, one level
per side: ``jac[i][j]`` is output i by input j, of shape ``out_i.shape + in_j.shape``).

Two ways to build a Jacobian, the two modes of autodiff:

* ``strategy="reverse-mode"``: one backward pass (a vector-Jacobian product) per output
  element -- a row of the Jacobian each;
* ``strategy="forward-mode"``: one forward pass with dual tensors (``forward_ad``: a
  Jacobian-vector product) per input element -- a column each.

``jvp`` itself follows torch and uses the double-backward trick instead of forward mode:
``J v = d/du <u J, v>``, two reverse passes (the result is the same).

``strict=True`` turns "this output does not depend on that input" into torch's errors instead
of zeros; ``create_graph=True`` records the computation so that the result can be
differentiated again. ``vectorize=True`` (torch's performance switch) batches the Jacobian as
torch does: ``minigrad.func.vmap`` of the VJP over the identity (one backward pass for all the
rows of an output) or of the JVP (one forward pass for all the columns of an input; forward
mode requires the flag, as in torch).
"""
from .. import _tensor  # circular: Tensor is looked up when called
from . import forward_ad, grad_mode

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


# ---- argument handling, as torch does it ------------------------------------------------------
def _as_tuple(value, arg_name, fn_name):
    """(was it a tuple?, the Tensors as a tuple); torch's TypeError for anything else."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, _tensor.Tensor):
            where = (f"value at index {i} has type {type(item)}" if is_tuple
                     else f"given {arg_name} has type {type(item)}")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the {where}.")
    return is_tuple, items


def _unpack(result, was_tuple):
    """Undo _as_tuple: was_tuple is one bool, or (outer, inner) for nested results."""
    if isinstance(was_tuple, tuple):
        outer, inner = was_tuple
        if not inner:
            result = tuple(row[0] for row in result)
        return result if outer else result[0]
    return result if was_tuple else result[0]


def _prepare(tensors, create_graph, need_graph):
    """The inputs as func sees them, always new Tensor objects (so that a tensor func captures
    from outside is not mistaken for an input): a view keeping the graph when create_graph is
    set and the input has one, else a fresh leaf (requiring grad if need_graph)."""
    out = []
    for t in tensors:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(need_graph))
    return tuple(out)


def _finish(tensors, create_graph):
    """Results handed back: detached unless create_graph (nested tuples too)."""
    if isinstance(tensors, tuple) or isinstance(tensors, list):
        return tuple(_finish(t, create_graph) for t in tensors)
    return tensors if create_graph else tensors.detach()


def _validate_v(v, other, other_is_tuple):
    if len(v) != len(other):
        if other_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            prefix = f"Entry {i} in " if other_is_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")


_STRICT_MESSAGES = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
               "outputs must be computed in a differentiable manner from the input when running "
               "in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
                   "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
                "function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
               "independent of the input. This is not allowed in strict mode. You should ensure "
               "that your function is thrice differentiable and that the hessian depends on the "
               "inputs.",
}


def _check_requires_grad(tensors, kind, strict):
    """strict mode: every one of ``tensors`` must be present and depend on the inputs."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_STRICT_MESSAGES[kind].format(i=i))


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that have a graph (None for inputs nothing reaches)."""
    from . import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=retain_graph,
                create_graph=create_graph, allow_unused=True)


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is "
            "not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} "
                         "in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward "
                         "mode AD.",
}
_INDEPENDENT_CREATE_GRAPH = {
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode when create_graph=True.",
    "double_back_trick": "The hessian of the user-provided function is independent of input "
                         "{i}. This is not allowed in strict mode when create_graph=True.",
}


def _zeros_for_missing(grads, refs, strict, create_graph, stage):
    """Each missing gradient as zeros shaped like its reference (torch's errors if strict)."""
    from ..creation import zeros_like
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad and stage in \
                _INDEPENDENT_CREATE_GRAPH:
            raise RuntimeError(_INDEPENDENT_CREATE_GRAPH[stage].format(i=i))
        out.append(g)
    return tuple(out)


def _default_v(v, refs, refs_are_tuple, fn_name, what):
    """v as a tuple checked against refs; None only for one single-element ref."""
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        _validate_v(v, refs, refs_are_tuple)
        return v
    if len(refs) != 1 or refs[0].numel() != 1:
        raise RuntimeError(f"The vector v can only be None if {what} a single Tensor with a "
                           "single element.")
    return None


def _run(func, inputs, fn_name, create_graph, strict):
    """func on its prepared inputs: (inputs were a tuple?, inputs, outputs are one?, outputs)."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _prepare(inputs, create_graph, True)
    outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       fn_name)
    _check_requires_grad(outputs, "outputs", strict)
    return inputs_tuple, inputs, outputs_tuple, outputs


def _inputs_and_v(inputs, v, fn_name, create_graph):
    """inputs as func gets them, and v (a tangent of the inputs) checked against them."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _prepare(inputs, create_graph, True)
    if v is not None:
        v = _prepare(_as_tuple(v, "v", fn_name)[1], create_graph, False)
    v = _default_v(v, inputs, inputs_tuple, fn_name, "the input to the user-provided function is")
    return inputs_tuple, inputs, v


def _last_pass(outputs, wrt, v, refs, strict, create_graph, stage):
    """The final backward pass, recorded only if create_graph (or grad mode) asks for it."""
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        grads = _grad(outputs, wrt, v, create_graph=create_graph)
        return _zeros_for_missing(grads, refs, strict, create_graph, stage)


def _answer(outputs, outputs_tuple, result, result_tuple, create_graph):
    """(func's outputs, the product), each in the structure it came in."""
    return (_unpack(_finish(outputs, create_graph), outputs_tuple),
            _unpack(_finish(result, create_graph), result_tuple))


# ---- vjp / jvp --------------------------------------------------------------------------------
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): one backward pass."""
    with grad_mode.enable_grad():
        inputs_tuple, inputs, outputs_tuple, outputs = _run(func, inputs, "vjp", create_graph,
                                                            strict)
        if v is not None:
            v = _prepare(_as_tuple(v, "v", "vjp")[1], create_graph, False)
        v = _default_v(v, outputs, outputs_tuple, "vjp",
                       "the user-provided function returns")
    result = _last_pass(outputs, inputs, v, inputs, strict, create_graph, "back")
    return _answer(outputs, outputs_tuple, result, inputs_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v) by the double-backward trick: J v = d/du <u^T J, v>."""
    from ..creation import zeros_like
    with grad_mode.enable_grad():
        inputs_tuple, inputs, v = _inputs_and_v(inputs, v, "jvp", create_graph)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided "
                                           "function", "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        us = tuple(zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, us, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    result = _last_pass(grad_inputs, us, v, outputs, strict, create_graph, "back_trick")
    return _answer(outputs, outputs_tuple, result, outputs_tuple, create_graph)


# ---- Jacobians --------------------------------------------------------------------------------
_STRATEGY_ERROR = ('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If '
                   'your function has more outputs than inputs, "forward-mode" tends to be more '
                   'performant. Otherwise, prefer to use "reverse-mode".')


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func(inputs) / d inputs: ``jac[i][j]`` has shape ``out_i.shape + in_j.shape``."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(_STRATEGY_ERROR)
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.')
        return _jacobian_forward(func, inputs, strict, vectorize)
    with grad_mode.enable_grad():
        inputs_tuple, inputs, outputs_tuple, outputs = _run(func, inputs, "jacobian", create_graph,
                                                            strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                               "`vectorized=True` are not supported together. Please either set "
                               "`strict=False` or `vectorize=False`.")
        if any(out.numel() == 0 for out in outputs):  # torch cannot stack no rows either
            if vectorize:
                raise IndexError("index 0 is out of bounds for dimension 0 with size 0")
            raise RuntimeError("stack expects a non-empty TensorList")
        rows_of = _jacobian_rows_vectorized if vectorize else _jacobian_rows
        rows = tuple(rows_of(i, out, inputs, create_graph, strict)
                     for i, out in enumerate(outputs))
    return _unpack(_finish(rows, create_graph), (outputs_tuple, inputs_tuple))


def _jacobian_rows(i, out, inputs, create_graph, strict):
    """Output i's Jacobian by every input: one VJP per element of the output (a row each)."""
    from ..creation import zeros_like
    from ..ops.join import stack
    flat = out.reshape(-1)
    rows = [[] for _ in inputs]
    for k in range(flat.shape[0]):
        vj = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
        for j, (g, inp) in enumerate(zip(vj, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is independent "
                                       f"of input {j}. This is not allowed in strict mode.")
                g = zeros_like(inp)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(f"The jacobian of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode when "
                                   "create_graph=True.")
            rows[j].append(g)
    return tuple(stack(rows[j], 0).view(out.shape + inp.shape) for j, inp in enumerate(inputs))


def _jacobian_rows_vectorized(i, out, inputs, create_graph, strict):
    """Output i's Jacobian by every input in one batched backward pass: ``vmap`` of the VJP
    over the rows of the identity (torch's ``vectorize=True``). The pass runs on Tensors
    (create_graph), so that the batched cotangents go through the ops' batching rules."""
    from ..creation import eye, zeros_like
    from ..func import vmap
    n = out.numel()
    if not out.requires_grad:  # nothing reaches the inputs: zeros in each input's dtype
        return tuple(inp.new_zeros(tuple(out.shape) + tuple(inp.shape)) for inp in inputs)
    basis = eye(n, dtype=out.dtype).view((n,) + tuple(out.shape))

    def vjp(v):
        grads = _grad((out,), inputs, (v,), retain_graph=True, create_graph=True)
        return tuple(zeros_like(inp) if g is None else g for g, inp in zip(grads, inputs))
    rows = vmap(vjp)(basis)
    return tuple(r.view(tuple(out.shape) + tuple(inp.shape)) for r, inp in zip(rows, inputs))


def _jacobian_forward(func, inputs, strict, vectorize):
    """The Jacobian by forward mode: one JVP per input element (a column each)."""
    if strict:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                           '`strategy="forward-mode"` are not supported together (yet). Please '
                           'either set `strict=False` or `strategy="reverse-mode"`.')
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian isonly implemented for `vectorize=True`.")
    outputs_tuple, outputs, columns = _batched_columns(func, inputs)
    # lists, not tuples, as torch's forward-mode jacobian returns them
    jac = [[None] * len(inputs) for _ in outputs]
    for i, out in enumerate(outputs):
        start = 0
        for j, inp in enumerate(inputs):
            column = columns[i][start:start + inp.numel()]
            start += inp.numel()
            jac[i][j] = column.movedim(0, -1).reshape(tuple(out.shape) + tuple(inp.shape))
    return _unpack(jac, (outputs_tuple, inputs_tuple))


def _batched_columns(func, inputs):
    """(outputs are one?, outputs, their tangents) from ONE batched forward pass -- func runs
    once, as in torch: ``vmap`` of a JVP over the rows of the identity of all the inputs'
    elements together (torch's vectorized forward mode), row k the tangent of element k. One
    tangent tensor per output: (total input numel,) + its shape."""
    from ..creation import eye
    from ..func import batching, vmap
    sizes = [inp.numel() for inp in inputs]
    if sum(sizes) == 0:
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs", None)
        return outputs_tuple, outputs, [out.new_zeros((0,) + tuple(out.shape))
                                         for out in outputs]
    seen = {}

    def push(*pieces):
        with forward_ad.dual_level():
            duals = tuple(forward_ad.make_dual(x, t) for x, t in zip(inputs, pieces))
            seen["tuple"], outs = _as_tuple(func(*duals), "outputs", None)
            pairs = [forward_ad.unpack_dual(o) for o in outs]
        seen["primals"] = [p.detach() for p, _ in pairs]
        return tuple(p.new_zeros(p.shape) if t is None else t for p, t in pairs)
    total, bases, start = sum(sizes), [], 0
    for inp, n in zip(inputs, sizes):  # input j's tangents: its columns of the identity
        bases.append(eye(total, dtype=inp.dtype)[:, start:start + n].reshape(
            (total,) + tuple(inp.shape)))
        start += n
    columns = vmap(push)(*bases)
    # a primal output is the same for every basis row (batched only in form): its first
    primals = [batching.physical_of(p).reshape(-1, *p.shape)[0] if batching.is_batched(p) else p
               for p in seen["primals"]]
    return seen["tuple"], primals, columns


# ---- Hessians ---------------------------------------------------------------------------------
def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Jacobian of the gradient: ``hess[i][j]`` has shape ``in_i.shape + in_j.shape``.
    The inner Jacobian (the gradient) is always reverse mode; the outer one by
    ``outer_jacobian_strategy`` (forward mode: forward over reverse)."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*inp):
        out = func(*inp)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "outputs", strict)
        if out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def gradient(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(scalar_func, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                      vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _unpack(result, (inputs_tuple, inputs_tuple))


def _scalar_output(func, inputs, strict, fn_name):
    outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       fn_name)
    _check_requires_grad(outputs, "outputs", strict)
    if outputs_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           "contain a single element")
    return outputs


def _scalar_gradient(func, inputs, v, fn_name, create_graph, strict):
    """vhp and hvp's first steps: the inputs, v, func's single-element output and its gradient
    (recorded, to be differentiated again)."""
    inputs_tuple, inputs, v = _inputs_and_v(inputs, v, fn_name, create_graph)
    outputs = _scalar_output(func, inputs, strict, fn_name)
    jac = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict)
    return inputs_tuple, inputs, v, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H): the gradient, then one more backward pass."""
    with grad_mode.enable_grad():
        inputs_tuple, inputs, v, outputs, jac = _scalar_gradient(func, inputs, v, "vhp",
                                                                 create_graph, strict)
    result = _last_pass(jac, inputs, v, inputs, strict, create_graph, "double_back")
    return _answer(outputs, False, result, inputs_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) by the double-backward trick on the gradient."""
    from ..creation import zeros_like
    with grad_mode.enable_grad():
        inputs_tuple, inputs, v, outputs, jac = _scalar_gradient(func, inputs, v, "hvp",
                                                                 create_graph, strict)
        us = tuple(zeros_like(x, requires_grad=True) for x in inputs)
        double_back = _grad(jac, inputs, us, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
    result = _last_pass(double_back, us, v, inputs, strict, create_graph, "double_back_trick")
    return _answer(outputs, False, result, inputs_tuple, create_graph)
