"""``out=``: writing a function's result into a tensor the caller provides, with torch's rules.

One wrapper serves every function that takes ``out`` in torch (``install`` applies it to the
``torch.X`` names listed below). ``torch.add(a, b, out=o)``:

* refuses when autograd would be needed (grad mode on, and an input or ``o`` requires grad):
  ``add(): functions with out=... arguments don't support automatic differentiation, but one of
  the arguments requires grad.`` (``aten::zeros()`` for factories);
* computes the result as without ``out``, then checks its dtype against ``o``'s by the function's
  rule: cast into ``o`` when ``can_cast`` allows it (elementwise math, comparisons, mean/std/var,
  cat/stack), or the exact dtype required (mm/bmm/matmul, argmax, max(dim) ...), or — for
  sum/prod/cumsum and the factories — the dtype taken from ``o`` as if passed as ``dtype=``;
* refuses an ``o`` whose elements repeat (an expanded tensor) or that partly overlaps an input;
* resizes ``o`` when its shape differs, warning (as torch does) unless ``o`` was empty;
* writes in place (``o``'s version counter moves) and returns ``o`` itself.
"""
import functools
import warnings

import numpy as np

from .. import _dtype, return_types
from .._tensor import _C_NAME, Tensor
from ..autograd import grad_mode
from ._util import check_overlap

__all__ = ["install"]

_RESIZE_WARNING = (
    "An output with one or more elements was resized since it had shape {old}, which does not "
    "match the required output shape {new}. This behavior is deprecated, and in a future PyTorch "
    "release outputs will not be resized unless they have zero elements. You can explicitly "
    "reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).")
_ARANGE_RESIZE_WARNING = (
    "The number of elements in the out tensor of shape {old} is {count} which does not match the "
    "computed number of elements {n}. Note that this may occur as a result of rounding error. "
    "The out tensor will be resized to a tensor of shape ({n},).")
_NO_AUTOGRAD = ("{name}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad.")


# ---- dtype rules: each gets (name, result dtype, out dtype, input tensors) and may raise ---------
def _castable(name, result, out, inputs):
    if not _dtype.can_cast(result, out):
        raise RuntimeError(f"result type {result.short_name} can't be cast to the desired output "
                           f"type {out.short_name}")


def _mean_castable(name, result, out, inputs):
    """As _castable; torch's message names the default dtype as mean's result type."""
    if not _dtype.can_cast(result, out):
        _castable(name, _dtype.get_default_dtype(), out, inputs)


def _cat_castable(name, result, out, inputs):
    if not all(_dtype.can_cast(t.dtype, out) for t in inputs):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type "
                        f"{out.short_name}")


def _must_equal(template):
    """A rule: out's dtype must be the result's, else RuntimeError(template) naming both
    ({result}/{out}: 'Float', {result_c}/{out_c}: C type names such as 'float', 'long int')."""
    def rule(name, result, out, inputs):
        if result != out:
            raise RuntimeError(template.format(result=result.short_name, out=out.short_name,
                                               result_c=_C_NAME[result.np], out_c=_C_NAME[out.np]))
    return rule


_exact = _must_equal("Expected out tensor to have dtype {result_c}, but got {out_c} instead")
_same_as_input = _must_equal("Expected the dtype for input and out to match, but got {result} "
                             "for input's dtype and {out} for out's dtype.")
_where = _must_equal("Expected out type to be {result} but got {out}")
_same_dtype = _must_equal("Found dtype {out} but expected {result}")
_nan_to_num = _must_equal("nan_to_num: dtype of out: {out} should be same as input: {result}")
_dot = _must_equal("result dtype {out} does not match input dtype {result}")


def _floating_castable(name, result, out, inputs):
    if not out.is_floating_point:
        raise RuntimeError(f"{name}(): Expected floating point type for result tensor, but got: "
                           f"{out.short_name}")
    _castable(name, result, out, inputs)


def _bool_only(name, result, out, inputs):
    if out != _dtype.bool:
        raise RuntimeError(f"{name} only supports bool tensor for result, got: {out.short_name}")


def _mv(name, result, out, inputs):
    if result != out:
        matrix, vector = (t.dtype.short_name for t in inputs[:2])
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{out.short_name}, {matrix}, and {vector}")


# torch name -> dtype rule ("dtype": the function computes in out's dtype, passed as dtype=)
RULES = {}
for _names, _rule in (
        ("add sub subtract mul multiply div divide true_divide floor_divide remainder fmod pow "
         "exp exp2 log log2 log10 log1p expm1 sqrt rsqrt sin cos tan tanh sigmoid asin acos atan "
         "atan2 arctan2 sinh cosh asinh acosh atanh reciprocal square erf erfc maximum minimum "
         "fmax fmin hypot lerp addcmul addcdiv logaddexp xlogy eq ne lt le gt ge greater less "
         "logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor std "
         "var outer", _castable), ("mean", _mean_castable),
        ("neg negative abs floor ceil round trunc frac sign sgn bitwise_not clamp clip",
         _same_dtype),
        ("nan_to_num", _nan_to_num), ("logsumexp", _floating_castable),
        ("cat concat concatenate stack hstack vstack", _cat_castable),
        ("mm bmm matmul addmm argmax argmin max min norm", _exact),
        ("amax amin", _same_as_input), ("where", _where),
        ("all any", _bool_only), ("dot", _dot), ("mv", _mv),
        ("sum prod cumsum cumprod nansum", "dtype")):
    RULES.update(dict.fromkeys(_names.split(), _rule))
# elementwise ops that compute in one dtype and cast into an out of another through a temporary,
# which torch resizes as well: a resized out of another dtype gets the warning twice. Comparisons
# compute in their inputs' promoted dtype (and give bools); logical ops write any out directly.
_CAST_THROUGH_TEMPORARY = set(
    "add sub subtract mul multiply div divide true_divide floor_divide remainder fmod pow exp "
    "exp2 log log2 log10 log1p expm1 sqrt rsqrt sin cos tan tanh sigmoid asin acos atan atan2 "
    "arctan2 sinh cosh reciprocal square erf maximum minimum fmax fmin lerp".split())
_COMPARISONS = set("eq ne lt le gt ge greater less".split())
# torch resizes out before it checks the dtype for these (and for cat/stack)
_RESIZED_BEFORE_CHECKS = {"mean", "std", "var"}
FACTORIES = "zeros ones empty full arange linspace logspace eye rand randn randint randperm".split()
# max(dim)/min(dim) with out=(values, indices)
_TUPLE_RESULTS = {"max": return_types.max_out, "min": return_types.min_out}


def _tensors_in(args):
    for a in args:
        if isinstance(a, Tensor):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from (t for t in a if isinstance(t, Tensor))


def _resize(out, shape, name, stacklevel=4, warnings_given=1):
    """out reshaped to ``shape`` (new memory), with torch's warning when it held elements;
    factories other than arange resize silently."""
    if out._data.shape == shape:
        return
    size = out._data.size
    if size and name == "arange" and size != int(np.prod(shape)):
        warnings.warn(_ARANGE_RESIZE_WARNING.format(old=list(out._data.shape), count=size,
                                                    n=int(np.prod(shape))),
                      UserWarning, stacklevel=stacklevel)
    elif size and name not in FACTORIES:
        for _ in range(warnings_given):
            warnings.warn(_RESIZE_WARNING.format(old=list(out._data.shape), new=list(shape)),
                          UserWarning, stacklevel=stacklevel)
    out._data = np.empty(shape, out._data.dtype)


def _write(out, result, name, inputs=()):
    """result (a tensor) into out, resized if need be, in place."""
    if name in _COMPARISONS:
        computed_in = functools.reduce(_dtype.promote_types, [t.dtype for t in inputs])
        twice = out.dtype not in (result.dtype, computed_in)
    else:
        twice = name in _CAST_THROUGH_TEMPORARY and result.dtype != out.dtype
    _resize(out, result._data.shape, name, stacklevel=5, warnings_given=2 if twice else 1)
    np.copyto(out._data, result._data, casting="unsafe")
    out._bump_version()


def _check_out_tensor(name, out):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")


def _call_factory(fn, name, args, kwargs, out):
    _check_out_tensor(name, out)
    if grad_mode._state.enabled and out.requires_grad:
        raise RuntimeError(_NO_AUTOGRAD.format(name="aten::" + name))
    dtype = kwargs.get("dtype")
    if dtype is not None and dtype != out.dtype:
        raise RuntimeError(f"dtype {dtype.short_name} does not match dtype of out parameter "
                           f"({out.dtype.short_name})")
    kwargs["dtype"] = out.dtype
    _write(out, fn(*args, **kwargs), name)
    return out


def _call(fn, name, args, kwargs, out):
    outs = tuple(out) if name in _TUPLE_RESULTS and isinstance(out, (list, tuple)) else (out,)
    for o in outs:
        _check_out_tensor(name, o)
    inputs = list(_tensors_in(args))
    if grad_mode._state.enabled and any(t.requires_grad for t in (*inputs, *outs)):
        raise RuntimeError(_NO_AUTOGRAD.format(name=name))
    rule = RULES[name]
    if rule is _same_dtype and inputs:   # checked before computing, as torch does
        for o in outs:
            rule(name, inputs[0].dtype, o.dtype, inputs)
    if rule == "dtype":
        if name in ("cumsum", "cumprod") and out.dtype == _dtype.bool:
            _resize(out, fn(*args, **kwargs)._data.shape, name)
            raise NotImplementedError(f'"{name}_out_cpu" not implemented for \'Bool\'')
        dtype = kwargs.get("dtype")
        if dtype is not None and dtype != out.dtype:
            _exact(name, out.dtype, dtype, inputs)
        kwargs["dtype"] = out.dtype
    with grad_mode.no_grad():
        result = fn(*args, **kwargs)
    results = tuple(result) if isinstance(result, tuple) else (result,)
    if len(results) != len(outs):
        raise TypeError(f"{name}(): expected out to be a tuple of {len(results)} tensors")
    for r, o in zip(results, outs):
        if rule is _cat_castable or name in _RESIZED_BEFORE_CHECKS:
            _resize(o, r._data.shape, name)
        if rule != "dtype":
            rule(name, r.dtype, o.dtype, inputs)
        if o._data.shape == r._data.shape:
            check_overlap(o._data, [t._data for t in inputs])
    for r, o in zip(results, outs):
        _write(o, r, name, inputs)
    return _TUPLE_RESULTS[name](outs) if len(outs) > 1 else out


def _with_out(fn, name, factory):
    call = _call_factory if factory else _call

    @functools.wraps(fn)
    def accepting_out(*args, **kwargs):
        if kwargs.get("out") is None:
            kwargs.pop("out", None)
            return fn(*args, **kwargs)
        return call(fn, name, args, kwargs, kwargs.pop("out"))
    accepting_out.__wrapped_for_out__ = True
    return accepting_out


def install(namespace):
    """Give the torch.X functions of ``namespace`` that take ``out`` in torch their out=."""
    for name in [*RULES, *FACTORIES]:
        fn = getattr(namespace, name, None)
        if fn is not None and not getattr(fn, "__wrapped_for_out__", False):
            setattr(namespace, name, _with_out(fn, name, name in FACTORIES))
