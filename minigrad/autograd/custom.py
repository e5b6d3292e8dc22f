"""User-defined ``autograd.Function`` subclasses, with torch's calling convention.

minigrad's own ops are Functions whose ``forward`` works on NumPy arrays. A Function written by a
user (any subclass defined outside the minigrad package) follows torch's rules instead::

    class MyExp(Function):
        @staticmethod
        def forward(ctx, x):              # x is a Tensor; runs under no_grad
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):          # one gradient per forward input (None if not needed)
            y, = ctx.saved_tensors
            return grad * y

    y = MyExp.apply(x)                    # y.grad_fn is a <MyExpBackward ...>

The ctx is the graph node itself, an instance of the generated class ``MyExpBackward``. It offers
``save_for_backward`` / ``saved_tensors``, ``needs_input_grad``, ``mark_dirty`` (inputs modified
in place and returned), ``mark_non_differentiable`` and ``set_materialize_grads``. A forward that
takes no ctx plus a ``setup_context(ctx, inputs, output)`` staticmethod works too.
"""
from . import grad_mode
from .function import Function, _edge, _SavedOutput, _sequence
from .. import creation
from .._dtype import from_numpy_dtype
from .._tensor import Tensor, _make


class FunctionCtx:
    """The ctx methods only user Functions have (minigrad's own ops do not need them)."""

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


def backward_class(cls):
    """``MyExp`` -> the node class ``MyExpBackward`` (made once, cached on MyExp)."""
    node_cls = cls.__dict__.get("_node_class")
    if node_cls is None:
        def backward(ctx, *grads):
            return _run_backward(cls, ctx, grads)
        node_cls = type(cls.__name__ + "Backward", (FunctionCtx, cls), {
            "backward": staticmethod(backward), "__module__": cls.__module__,
            "__repr__": lambda self: (f"<torch.autograd.function.{type(self).__name__} object "
                                      f"at {id(self):#x}>"),
        })
        type.__setattr__(cls, "_node_class", node_cls)
    return node_cls


def apply(cls, *args, **kwargs):
    """Run a user Function: forward on Tensors under no_grad, then record one node."""
    ctx = object.__new__(backward_class(cls))
    ctx._saved = ctx._saved_versions = ()
    ctx._pre_hooks = ctx._hooks = None
    ctx._dirty = ctx._non_differentiable = ()
    ctx.materialize_grads = True
    ctx._needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
    with grad_mode.no_grad():
        if "setup_context" in _defined(cls):
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    if not (grad_mode._state.enabled and any(ctx._needs)):
        return output
    outputs = output if isinstance(output, tuple) else (output,)
    ctx._seq = next(_sequence)
    ctx._edges = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    ctx.next_functions = tuple(_edge(args[i]) for i in ctx._edges)
    ctx._meta = tuple((args[i]._data.shape, args[i]._data.dtype) for i in ctx._edges)
    ctx._n_inputs = len(args)
    ctx.n_outputs = len(outputs)
    wrapped = tuple(_wrap_output(ctx, o, i, args) for i, o in enumerate(outputs))
    ctx._out_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None
                          for o in wrapped)
    ctx._saved, ctx._saved_versions = _pack(ctx, ctx._saved, outputs, wrapped)
    return wrapped if isinstance(output, tuple) else wrapped[0]


def _defined(cls):
    names = set()
    for klass in cls.__mro__:
        if klass is Function:
            break
        names.update(klass.__dict__)
    return names


def _wrap_output(ctx, out, i, args):
    """The Tensor the caller gets for forward's output ``out`` (output number i)."""
    if not isinstance(out, Tensor):
        return out
    differentiable = (out._data.dtype.kind == "f"
                      and not any(out is t for t in ctx._non_differentiable))
    if any(out is t for t in ctx._dirty):
        if out._requires_grad and out._grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad has been used in an in-place operation.")
        out._bump_version()
        t = out
    else:
        t = _make(out._data)
        t._vc = out._vc
        if any(out is a for a in args):
            t._base = out if out._base is None else out._base
    if differentiable:
        t._grad_fn, t._output_nr, t._requires_grad = ctx, i, True
    return t


def _pack(ctx, items, outputs, wrapped):
    """Saved Tensors: an output is kept as a _SavedOutput (no cycle), others with their version."""
    saved, versions = [], []
    for item in items:
        for o, w in zip(outputs, wrapped):
            if item is o and w._grad_fn is ctx:
                saved.append(_SavedOutput(w))
                versions.append(None)
                break
        else:
            saved.append(item)
            versions.append(None if item is None else item._vc[0])
    return tuple(saved), tuple(versions)


def _run_backward(cls, ctx, grads):
    """Call the user's backward and check what it returns, as torch does."""
    if ctx.materialize_grads:
        grads = tuple(creation.zeros(meta[0], dtype=_dtype(meta[1])) if g is None and meta
                      else g for g, meta in zip(grads, ctx._out_meta))
    out = cls.backward(ctx, *grads)
    out = out if isinstance(out, tuple) else (out,)
    name = type(ctx).__name__
    n = ctx._n_inputs
    if len(out) > n and all(g is None for g in out[n:]):
        out = out[:n]
    if len(out) != n:
        raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                           f"(expected {n}, got {len(out)})")
    for pos, (i, (shape, _)) in enumerate(zip(ctx._edges, ctx._meta)):
        g = out[i]
        if isinstance(g, Tensor) and not _expandable(shape, g._data.shape):
            raise RuntimeError(
                f"Function {name} returned an invalid gradient at index {pos} - got "
                f"{list(g._data.shape)} but expected shape compatible with {list(shape)}")
    return out


def _expandable(shape, grad_shape):
    """Can ``shape`` be broadcast to ``grad_shape`` (so the grad sums down to it)?"""
    if len(shape) > len(grad_shape):
        return False
    return all(s == g or s == 1 for s, g in zip(reversed(shape), reversed(grad_shape)))


def _dtype(np_dtype):
    return from_numpy_dtype(np_dtype)
