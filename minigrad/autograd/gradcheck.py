"""gradcheck / gradgradcheck: compare backward() with central finite differences.

For every input ``x_j`` that requires grad and every differentiable output ``y_i`` two Jacobians
of shape ``(x_j.numel(), y_i.numel())`` are built:

* numerical:  column k of row r is ``(y(x + eps e_r) - y(x - eps e_r))[k] / (2 eps)``, perturbing
  one element of one input at a time (the input is edited in place and restored);
* analytical: column k is ``autograd.grad(y_i, inputs, e_k)``, one backward per output element.

They must agree within ``allclose(analytical, numerical, rtol, atol)``. Float64 inputs are
expected: with float32 the finite differences are too noisy for the default tolerances (torch
warns about it, and so do we). ``gradgradcheck`` runs the same check on the function
``(inputs, grad_outputs) -> autograd.grad(outputs, inputs, grad_outputs, create_graph=True)``,
i.e. it checks the backward of the backward.
"""
import warnings

import numpy as np

from .. import autograd

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck / gradgradcheck when a check fails (``raise_exception=True``)."""


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x):
    from .._tensor import Tensor
    return isinstance(x, Tensor)


def _differentiable_outputs(out):
    return tuple(o for o in _as_tuple(out) if o.requires_grad)


def _check_inputs(inputs):
    """torch's input checks: a float64 warning, no stride-0 inputs, at least one requiring grad."""
    any_grad = False
    for idx, inp in enumerate(inputs):
        if _is_tensor(inp) and inp.requires_grad:
            if inp._data.dtype != np.float64:
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating point "
                    "or complex. This check will likely fail if all the inputs are not of double "
                    "precision floating point or complex. ", UserWarning, stacklevel=3)
            if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.shape)):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                    "inputs that are non-overlapping to be able to compute the numerical "
                    "gradients correctly. You should call .contiguous on the input before passing "
                    "it to gradcheck.")
            any_grad = True
    if not any_grad:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")


def _numerical_jacobians(func, inputs, diff_inputs, eps):
    """jac[j][i]: (x_j.numel(), y_i.numel()) central differences of every output."""
    n_out = len(_as_tuple(func(*inputs)))
    jacobians = []
    for x in diff_inputs:
        arr = x._data
        per_output = [None] * n_out
        for r, idx in enumerate(np.ndindex(arr.shape)):
            orig = arr[idx].copy()
            arr[idx] = orig - eps
            minus = [np.array(o._data, dtype=np.float64) for o in _as_tuple(func(*inputs))]
            arr[idx] = orig + eps
            plus = [np.array(o._data, dtype=np.float64) for o in _as_tuple(func(*inputs))]
            arr[idx] = orig
            for i, (p, m) in enumerate(zip(plus, minus)):
                if per_output[i] is None:
                    per_output[i] = np.zeros((arr.size, p.size))
                per_output[i][r] = ((p - m) / (2 * eps)).reshape(-1)
        jacobians.append([np.zeros((arr.size, 0)) if j is None else j for j in per_output])
    return jacobians


def _analytical_jacobians(output, diff_inputs):
    """One backward per element of ``output``: column k of jac[j] is d output[k] / d x_j.

    Also reports whether each gradient had its input's dtype and shape.
    """
    from .._tensor import _make
    jacobians = [np.zeros((x._data.size, output._data.size)) for x in diff_inputs]
    types_ok = sizes_ok = True
    for k in range(output._data.size):
        seed = np.zeros(output._data.size, dtype=output._data.dtype)
        seed[k] = 1
        grads = autograd.grad(output, diff_inputs, _make(seed.reshape(output._data.shape)),
                              retain_graph=True, allow_unused=True)
        for j, (g, x) in enumerate(zip(grads, diff_inputs)):
            if g is None:
                continue
            types_ok = types_ok and g._data.dtype == x._data.dtype
            if g._data.shape != x._data.shape:
                sizes_ok = False
                continue
            jacobians[j][:, k] = g._data.reshape(-1)
    return jacobians, types_ok, sizes_ok


def _mismatch_message(analytical, numerical, i, j):
    from .._tensor import _make
    return (f"Jacobian mismatch for output {i:d} with respect to input {j:d},\n"
            f"numerical:{_make(numerical)}\nanalytical:{_make(analytical)}\n")


def _check_backward_scales_with_grad(outputs, diff_inputs):
    """A zero grad_output must give zero input gradients of the inputs' dtype and shape."""
    from .. import creation
    grads = autograd.grad(outputs, diff_inputs, [creation.zeros_like(o) for o in outputs],
                          allow_unused=True)
    for g, x in zip(grads, diff_inputs):
        if g is None:
            continue
        if not bool(np.all(g._data == 0)):
            raise GradcheckError("backward not multiplied by grad_output")
        if g._data.dtype != x._data.dtype:
            raise GradcheckError("grad is incorrect type")
        if g._data.shape != x._data.shape:
            raise GradcheckError("grad is incorrect size")


def _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes):
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    func_out = _as_tuple(func(*inputs))
    outputs = _differentiable_outputs(func_out)
    diff_inputs = [x for x in inputs if _is_tensor(x) and x.requires_grad]
    numerical = _numerical_jacobians(func, inputs, diff_inputs, eps)
    if not outputs:
        if any(np.any(n != 0) for per_input in numerical for n in per_input):
            raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    keep = [i for i, o in enumerate(func_out) if o.requires_grad]
    for i, out in zip(range(len(outputs)), outputs):
        first, types_ok, sizes_ok = _analytical_jacobians(out, diff_inputs)
        second, _, _ = _analytical_jacobians(out, diff_inputs)
        if not types_ok and check_grad_dtypes:
            raise GradcheckError("Gradient has dtype mismatch")
        if not sizes_ok:
            raise GradcheckError("Analytical gradient has incorrect size")
        if any(np.abs(a - b).max(initial=0.0) > nondet_tol for a, b in zip(first, second)):
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and "
                "grad_output multiple times gives different values, although analytical "
                f"gradient matches numerical gradient.The tolerance for nondeterminism was "
                f"{nondet_tol}.")
        for j, a in enumerate(first):
            n = numerical[j][keep[i]]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                raise GradcheckError(_mismatch_message(a, n, i, j))
    _check_backward_scales_with_grad(outputs, diff_inputs)
    return True


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    """True if backward's Jacobians match central finite differences for every input that
    requires grad; otherwise raise ``GradcheckError`` (or return False with
    ``raise_exception=False``). Use float64 inputs. ``fast_mode`` is accepted and runs the full
    check; forward-mode and batched checks are not available."""
    if check_forward_ad or check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError("minigrad has no forward-mode AD or vmap")
    if not check_backward_ad:
        raise AssertionError(
            "Expected at least one of check_forward_ad or check_backward_ad to be True")
    try:
        return _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the map (inputs, grad_outputs) -> grad of func's outputs w.r.t. inputs.

    Without ``grad_outputs``, random ones in [-1, 1) of the outputs' shapes are drawn (they
    require grad, so the check covers them too).
    """
    from .._tensor import _make
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng()
        grad_outputs = tuple(
            _make(rng.uniform(-1, 1, o._data.shape).astype(
                o._data.dtype if o._data.dtype.kind == "f" else np.float64), requires_grad=True)
            for o in _differentiable_outputs(func(*inputs)))
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_out = len(grad_outputs)
    diff_idx = {i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad}

    def grad_of_func(*args):
        ins = args[:-n_out] if n_out else args
        outputs = _differentiable_outputs(func(*ins))
        diff_inputs = tuple(x for i, x in enumerate(ins) if i in diff_idx)
        grads = autograd.grad(outputs, diff_inputs, args[len(ins):], create_graph=True,
                              allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(grad_of_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)
