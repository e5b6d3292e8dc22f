"""The Tensor: a NumPy array plus the fields autograd needs.

* ``_data``        the ndarray (possibly a view of another tensor's array)
* ``requires_grad`` whether gradients flow to / through it
* ``grad_fn``      the graph node that produced it (None for leaves)
* ``grad``         the accumulated gradient (leaves, or non-leaves after ``retain_grad()``)
* ``_vc``          the version counter, a one-element list shared by a base and its views;
                   in-place ops bump it, and backward checks saved tensors against it.

Ops are not defined here: each family in ``minigrad/ops/`` adds its functions as Tensor methods
and operators (``ops/elementwise.py`` gives ``__add__``, ``ops/reduction.py`` gives ``sum``...).
"""
import warnings
import weakref

import numpy as np

from . import _dtype
from ._args import check_bool
from ._dtype import from_numpy_dtype
from ._layout import empty_in_layout_of
from .autograd import grad_mode
from .autograd.function import AccumulateGrad

_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information.")
_SCALAR_WARNING = ("Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
                   "behavior.\nConsider using tensor.detach() first.")
_warned_scalar = [False]


def warn_scalar_conversion(stacklevel=3):
    """torch warns once per process when a requires-grad tensor becomes a Python number."""
    if not _warned_scalar[0]:
        _warned_scalar[0] = True
        warnings.warn(_SCALAR_WARNING, UserWarning, stacklevel=stacklevel + 1)


# C++ names of the element types, as torch's messages print them
_C_NAME = {np.dtype(k): v for k, v in (
    ("float32", "float"), ("float64", "double"), ("float16", "c10::Half"), ("int64", "long int"),
    ("int32", "int"), ("int16", "short int"), ("int8", "signed char"), ("uint8", "unsigned char"),
    ("bool", "bool"))}


class device:
    """``device(type='cpu')``: minigrad computes on the CPU only."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if ":" in type:
            type, idx = type.split(":")
            index = int(idx)
        if type not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, "
                f"fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type "
                f"at start of device string: {type}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # as in torch, a device never equals a string: t.device == 'cpu' is False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def _check_device(dev):
    """Accept the CPU; refuse CUDA as a CPU-only torch build does."""
    if dev is None:
        return
    d = dev if isinstance(dev, device) else device(str(dev)) if not isinstance(dev, int) else None
    if d is None or d.type != "cpu":
        raise AssertionError("Torch not compiled with CUDA enabled")


class Tensor:
    """A multi-dimensional array that can record the operations applied to it."""

    __slots__ = ("_data", "_requires_grad", "_grad", "_grad_fn", "_output_nr", "_vc", "_base",
                 "_acc", "_hooks", "_retains_grad", "_view_fn", "_view_version", "__dict__",
                 "__weakref__")
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        """Legacy ``torch.Tensor(...)``: sizes give an uninitialized float32 tensor, data copies."""
        from .creation import legacy_new
        return legacy_new(cls, _dtype.get_default_dtype(), args, kwargs)

    # ---- construction helpers ---------------------------------------------------------------
    @classmethod
    def _from_array(cls, array, requires_grad=False):
        """A leaf tensor around ``array`` (no copy)."""
        t = _make(array)
        if requires_grad:
            t.requires_grad = True
        return t

    # ---- basic properties --------------------------------------------------------------------
    @property
    def dtype(self):
        return from_numpy_dtype(self._data.dtype)

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    @property
    def device(self):
        return CPU

    is_cuda = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = "torch.strided"

    def get_device(self):
        return -1

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return False

    def is_signed(self):
        return self.dtype.is_signed

    def _wrap_dim(self, dim, ndim=None):
        """A possibly negative dim as an index in [0, ndim); torch's IndexError otherwise."""
        return wrap_dim(dim, self._data.ndim if ndim is None else ndim)

    def stride(self, dim=None):
        isz = self._data.itemsize
        strides = tuple(s // isz for s in self._data.strides)
        if dim is None:
            return strides
        return strides[self._wrap_dim(dim)]

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def storage_offset(self):
        base = self._base
        if base is None:
            return 0
        return (self.data_ptr() - base.data_ptr()) // self._data.itemsize

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def untyped_storage(self):
        return _Storage(self)

    # ---- autograd fields ---------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad or (self._view_fn is not None and self._base._requires_grad)

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        if self.grad_fn is not None:
            if not flag:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = flag

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = check_bool("requires_grad_", requires_grad, "requires_grad", 1)
        return self

    @property
    def grad_fn(self):
        """The node that produced this tensor (None for a leaf). A view whose base was modified
        in place since gets a fresh one, as in torch (see ``autograd/views.py``)."""
        if self._view_fn is not None and self._view_version != self._vc[0]:
            from .autograd.views import refresh_view
            refresh_view(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node):
        self._grad_fn = node

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_C_NAME[value._data.dtype]}' "
                    f"to a tensor with grad_dtype '{self.dtype.short_name}'. The gradient must "
                    "match the tensor's grad_dtype (defaults to the tensor's dtype). You can set "
                    "the tensor's grad_dtype attribute with a specific dtype, or None to allow "
                    "any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and "
                    "its gradient may break downstream systems that assume they match.")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version(self):
        return self._vc[0]

    def _bump_version(self):
        self._vc[0] += 1

    @property
    def data(self):
        """A new tensor on the same storage, detached and with its own version counter."""
        return _make(self._data)

    @data.setter
    def data(self, new):
        if not isinstance(new, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(new).__name__}")
        if self._requires_grad and new._data.dtype.kind != "f":
            raise RuntimeError("data set to a tensor that requires gradients must be floating "
                               "point or complex dtype")
        self._data = new._data

    def detach(self):
        """Same storage and version counter, no graph."""
        t = _make(self._data)
        t._vc = self._vc
        t._base = self._base if self._base is not None else self
        return t

    def detach_(self):
        if self._view_fn is not None:  # a view (a detach() shares memory but is no view)
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
                "called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def _accumulator(self):
        """This leaf's AccumulateGrad node (one per leaf, kept while the graph holds it)."""
        acc = self._acc() if self._acc is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._acc = weakref.ref(acc)
        return acc

    def _accumulate_grad(self, g, create_graph):
        """AccumulateGrad: run the leaf's hooks, then add g into .grad.

        g is a Tensor, or (no hooks, no create_graph: the engine carries arrays) an array."""
        if self._hooks:
            from .autograd.function import checked_hook_result
            for hook in tuple(self._hooks.values()):
                r = hook(g)
                if r is not None:
                    g = checked_hook_result(hook, g, r)
        grad = self._grad
        if create_graph:  # recorded: a new .grad's grad_fn is CopyBackwards, as in torch
            if grad is None:
                self._grad = _make(empty_in_layout_of(self._data)).copy_(g)
            else:
                self._grad = grad + g
            return
        array = g._data if isinstance(g, Tensor) else g  # an ndarray or a 0-d NumPy scalar
        if grad is None:  # a copy laid out like this leaf (torch's gradient layout contract)
            if self._data.flags.c_contiguous:
                self._grad = _make(np.array(array, order="C"))
            else:
                new = empty_in_layout_of(self._data)
                np.copyto(new, array, casting="unsafe")
                self._grad = _make(new)
        elif grad.requires_grad:
            self._grad = grad + _make(array)
        else:
            np.add(grad._data, array, out=grad._data, casting="unsafe")
            grad._vc[0] += 1  # an in-place change (_bump_version)

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed; it may return a new grad."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .autograd.function import _add_hook, checked_hook_result
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            return _add_hook(self._hooks, hook)
        nr = self._output_nr

        def prehook(grads):
            if grads[nr] is None:
                return None
            r = checked_hook_result(hook, grads[nr], hook(grads[nr]))
            if r is None:
                return None
            grads = list(grads)
            grads[nr] = r
            return grads
        handle = self.grad_fn.register_prehook(prehook)
        if self._retains_grad:  # torch runs the retain_grad hook after all the others
            hooks = self.grad_fn._pre_hooks
            for key in [k for k, h in hooks.items() if getattr(h, "retains_grad", False)]:
                hooks[key] = hooks.pop(key)
        return handle

    def retain_grad(self):
        """Keep .grad for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)
        nr = self._output_nr

        def keep(grads):
            t = ref()
            g = grads[nr]
            if t is not None and g is not None:
                t._grad = g.detach().clone() if t._grad is None else t._grad + g.detach()
        keep.retains_grad = True
        self.grad_fn.register_prehook(keep)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. the graph leaves (see autograd.backward)."""
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ---- conversion to Python / NumPy -------------------------------------------------------
    def numpy(self, *, force=False):
        """The ndarray itself (shared memory); refused while the tensor requires grad."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        return np.array(a, copy=True) if copy else a

    def __array_wrap__(self, array):
        # torch's signature (no context/return_scalar): numpy 2 warns about it, as for torch.
        return _make(np.asarray(array))

    def tolist(self):
        return self._data.tolist()

    def item(self):
        n = self._data.size
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if self._requires_grad:
            warn_scalar_conversion(3)
        return self._data.reshape(()).item()

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def __complex__(self):
        return complex(self._scalar())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with "
                f"{'no values' if self._data.size == 0 else 'more than one value'} is ambiguous")
        return bool(self._data.reshape(()).item())

    def __index__(self):
        if self._data.size != 1 or self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __reversed__(self):
        return self.flip(0)

    def __contains__(self, element):
        if isinstance(element, (Tensor, int, float, bool)):
            return bool((self == element).any().item())
        raise RuntimeError(
            "Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
            f"{type(element)}.")

    # ---- printing ------------------------------------------------------------------------------
    def __repr__(self, *, tensor_contents=None):
        from ._printing import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    # ---- dtype / device conversion --------------------------------------------------------------
    def type(self, dtype=None, non_blocking=False, **kwargs):
        """No argument: 'torch.FloatTensor'-style name. Else convert (self if already that type)."""
        dtype = kwargs.pop("dtype", dtype)
        if dtype is None:
            return "torch." + self.dtype.legacy_name
        return self.to(_dtype_from_type_arg(dtype))

    def to(self, *args, **kwargs):
        """to(dtype) / to(device) / to(device, dtype) / to(other): self when nothing changes."""
        if not kwargs and len(args) == 1 and type(args[0]) is _dtype.dtype:  # the common call
            dtype = args[0]
            return self if dtype.np == self._data.dtype else _conversion.to_dtype(self, dtype)
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, _dtype.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, device, int)):
                dev = a
            elif isinstance(a, bool):
                pass
            else:
                raise TypeError(f"to() received an invalid combination of arguments - got "
                                f"({type(a).__name__})")
        _check_device(dev)
        if dtype is None or dtype.np == self._data.dtype:
            return self.clone() if copy else self
        return _conversion.to_dtype(self, dtype)

    def cpu(self, memory_format=None):
        return self

    def cuda(self, *args, **kwargs):
        raise AssertionError("Torch not compiled with CUDA enabled")

    def half(self):
        return self.to(_dtype.float16)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def short(self):
        return self.to(_dtype.int16)

    def int(self):
        return self.to(_dtype.int32)

    def long(self):
        return self.to(_dtype.int64)

    def char(self):
        return self.to(_dtype.int8)

    def byte(self):
        return self.to(_dtype.uint8)

    def bool(self):
        return self.to(_dtype.bool)

    def type_as(self, other):
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from .creation import tensor
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import ones
        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from .creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import empty
        return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    # ---- in-place bookkeeping ---------------------------------------------------------------
    def _check_inplace(self):
        """torch's errors for in-place ops on leaves that require grad (outside no_grad)."""
        if grad_mode._state.enabled:
            if self._view_fn is not None:
                from .autograd.views import check_inplace_view
                check_inplace_view(self)
            if self._requires_grad and self.grad_fn is None:
                if self._base is not None and self._base._requires_grad:
                    raise RuntimeError("a view of a leaf Variable that requires grad is being "
                                       "used in an in-place operation.")
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation.")


class _Storage:
    """Enough of torch's storage object for ``untyped_storage().data_ptr()`` comparisons."""

    def __init__(self, t):
        base = t._data
        while base.base is not None and isinstance(base.base, np.ndarray):
            base = base.base
        self._array = base

    def data_ptr(self):
        return self._array.__array_interface__["data"][0]

    def nbytes(self):
        return self._array.nbytes

    def size(self):
        return self._array.nbytes


def _dtype_from_type_arg(arg):
    """dtype from a dtype, a legacy type class (FloatTensor) or a string ('torch.FloatTensor')."""
    if isinstance(arg, _dtype.dtype):
        return arg
    if isinstance(arg, str):
        for d in _dtype.ALL_DTYPES:
            if arg in ("torch." + d.legacy_name, d.legacy_name):
                return d
        raise ValueError(f"invalid type: '{arg}'")
    d = getattr(arg, "dtype", None)
    if isinstance(d, _dtype.dtype):
        return d
    raise TypeError(f"type() received an invalid combination of arguments - got ({arg!r})")


def _make(array, requires_grad=False, grad_fn=None, output_nr=0):
    """Fast internal constructor: wrap an ndarray (0-d NumPy scalars become 0-d arrays)."""
    if type(array) is not np.ndarray and not getattr(array, "keep_as_tensor_data", False):
        array = np.asarray(array)  # (vmap's stand-in arrays say keep_as_tensor_data)
    t = object.__new__(Tensor)
    t._data = array
    t._requires_grad = requires_grad
    t._grad = None
    t._grad_fn = grad_fn
    t._output_nr = output_nr
    t._vc = [0]
    t._base = None
    t._acc = None
    t._hooks = None
    t._retains_grad = False
    t._view_fn = None
    t._view_version = None
    return t


def _make_view(array, source, requires_grad=False, grad_fn=None):
    """A tensor viewing ``source``'s storage: shares its version counter and base."""
    t = _make(array, requires_grad, grad_fn)
    t._vc = source._vc
    t._base = source._base if source._base is not None else source
    return t


def wrap_dim(dim, ndim):
    """torch's dim wrapping: -1 means the last dim; out of range gives its IndexError."""
    lo, hi = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
    try:
        if type(dim) is bool:   # an int to Python, not to torch's argument parser
            raise AttributeError
        d = dim.__index__()
    except AttributeError:
        raise TypeError(f"dim must be an int, not {type(dim).__name__}") from None
    if d < lo or d > hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
    if ndim == 0:
        return 0   # a 0-d tensor has one dim to name: 0 and -1 both name it
    return d + ndim if d < 0 else d


class Size(tuple):
    """torch.Size: a tuple of ints that prints as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))



from . import autograd as _autograd  # noqa: E402  (both import this module)
from .ops import conversion as _conversion  # noqa: E402

# These classes print as torch's do: <class 'torch.Tensor'>, <class 'torch.Size'>, ...
for _cls in (Tensor, Size, device):
    _cls.__module__ = "torch"
