"""Creating tensors: tensor, Tensor(...), the typed constructors, zeros/ones/full/empty,
arange, linspace, eye, from_numpy, as_tensor, and the ``*_like`` forms.

dtype inference follows torch: Python ints -> int64, any Python float -> the default dtype
(float32), only bools -> bool, NumPy arrays keep their dtype.
"""
import builtins
import math
import warnings

import numpy as np

from . import _seam as seam
from . import _dtype
from ._dtype import from_numpy_dtype, get_default_dtype
from ._args import check_dtype, check_number
from ._device import EMPTY, EMPTY_STRIDED
from ._tensor import Size, Tensor, _check_device, _make, warn_scalar_conversion

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
    "zeros_like", "ones_like", "full_like", "empty_like", "arange", "range", "linspace",
    "logspace", "eye", "FloatTensor", "DoubleTensor", "HalfTensor", "IntTensor", "LongTensor",
    "ShortTensor", "ByteTensor", "CharTensor", "BoolTensor", "scalar_tensor",
]

_COPY_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).")
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _finish(array, requires_grad):
    t = _make(array)
    if requires_grad:
        if array.dtype.kind != "f":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


_MISSING = object()  # an argument that was not passed


# ---- torch.tensor ------------------------------------------------------------------------------
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (scalar, nested sequence, ndarray or tensor)."""
    _check_device(device)
    check_dtype("tensor", dtype)
    if isinstance(data, Tensor):
        warnings.warn(_COPY_WARNING, UserWarning, stacklevel=2)
        array = np.array(data._data, copy=True)
    elif isinstance(data, np.ndarray):
        from_numpy_dtype(data.dtype)
        array = np.array(data, copy=True)
    elif isinstance(data, np.generic):
        array = np.array(data)
        from_numpy_dtype(array.dtype)
    else:
        # Python floats are doubles: convert them straight to a requested float dtype
        array = _array_from_python(data, dtype.np if dtype is not None and dtype.np.kind == "f"
                                   else None)
        if dtype is not None:
            check_python_values(array, dtype)
    if dtype is not None:
        array = _cast_checked(array, dtype)
    return _finish(array, requires_grad)


def _array_from_python(data, float_dtype=None):
    """Nested Python data -> ndarray with torch's dtype inference and errors (floats are built
    in ``float_dtype`` when given)."""
    if isinstance(data, float) and float_dtype is not None:
        return np.array(data, dtype=float_dtype)
    if isinstance(data, (bool, int, float)):
        return _scalar_array(data)
    if isinstance(data, complex):
        raise TypeError("complex tensors are not supported")
    if isinstance(data, (dict, set)) or not isinstance(data, (list, tuple)) and not hasattr(
            data, "__len__"):
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
    shape, flat, np_dtype = _flatten(data)
    if float_dtype is not None and np_dtype is not None and np.dtype(np_dtype).kind == "f":
        np_dtype = float_dtype
    if np_dtype is None:  # empty
        np_dtype = get_default_dtype().np
    try:
        with np.errstate(over="ignore"):  # floats beyond float32 become inf, silently
            return np.array(flat, dtype=np_dtype).reshape(shape)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None


def _scalar_array(x):
    if isinstance(x, bool):
        return np.array(x)
    if isinstance(x, int):
        if not _INT64_MIN <= x <= _INT64_MAX:
            raise ValueError("Overflow when unpacking long long")
        return np.array(x, dtype=np.int64)
    with np.errstate(over="ignore"):
        return np.array(x, dtype=get_default_dtype().np)


def _flatten(data):
    """(shape, flat values, numpy dtype) of a nested list, checking it is rectangular."""
    flat = []
    kinds = {"bool": False, "int": False, "float": False}
    tensor_dtypes = []
    shape = None
    # Walk level by level, as torch does: the first item of a level decides whether the level
    # holds sequences (lists, tuples, ndarrays) or scalars.
    level = [data]
    dims = []
    while level and _is_seq(level[0]):
        n = len(level[0])
        for s in level:
            if not _is_seq(s):
                raise TypeError("not a sequence")
            if len(s) != n:
                raise ValueError(f"expected sequence of length {n} at dim {len(dims)} "
                                 f"(got {len(s)})")
        dims.append(n)
        level = [y for s in level for y in s]
    if level and type(level[0]) is np.ndarray and level[0].ndim == 0 and dims:
        raise TypeError("len() of unsized object")  # torch takes an ndarray for a sequence
    misplaced = next((x for x in level if _is_seq(x)), None)
    if misplaced is not None:  # reported below, once the scalars' type is known
        level = [x for x in level if not _is_seq(x)]
    shape = tuple(dims)
    for x in level:
        if isinstance(x, Tensor):
            if x._data.size != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            if x._requires_grad:
                warn_scalar_conversion(4)
            tensor_dtypes.append(x._data.dtype)
            flat.append(x._data.reshape(()).item())
        elif isinstance(x, np.ndarray) or isinstance(x, np.generic):
            tensor_dtypes.append(np.asarray(x).dtype)
            flat.append(np.asarray(x).item())
        elif isinstance(x, bool):
            kinds["bool"] = True
            flat.append(x)
        elif isinstance(x, int):
            if not _INT64_MIN <= x <= _INT64_MAX:
                raise ValueError("Overflow when unpacking long long")
            kinds["int"] = True
            flat.append(x)
        elif isinstance(x, float):
            kinds["float"] = True
            flat.append(x)
        else:
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    if not flat:
        return shape, flat, None
    if misplaced is not None:  # a sequence where a scalar belongs (torch's conversion error)
        name = type(misplaced).__name__
        raise TypeError(f"must be real number, not {name}" if kinds["float"] else
                        f"'{name}' object cannot be interpreted as an integer")
    dt = None
    for d in tensor_dtypes:
        dt = d if dt is None else _dtype._promote_np(dt, d)
    scalar_dt = (get_default_dtype().np if kinds["float"] else
                 np.dtype(np.int64) if kinds["int"] else
                 np.dtype(np.bool_) if kinds["bool"] else None)
    if dt is None:
        dt = scalar_dt
    elif scalar_dt is not None:
        dt = _dtype._promote_np(dt, scalar_dt) if _dtype._category(scalar_dt) <= \
            _dtype._category(dt) else (scalar_dt if _dtype._category(scalar_dt) !=
                                       _dtype._category(dt) else _dtype._promote_np(dt, scalar_dt))
        if kinds["float"] and _dtype._category(dt) == 2 and tensor_dtypes and all(
                _dtype._category(d) < 2 for d in tensor_dtypes):
            dt = get_default_dtype().np
    return shape, flat, dt


def _is_seq(x):
    if type(x) is np.ndarray:
        return x.ndim > 0
    return isinstance(x, (list, tuple)) or (
        not isinstance(x, (Tensor, np.ndarray, np.generic, str, bytes, int, float, bool))
        and hasattr(x, "__len__") and hasattr(x, "__getitem__"))


def _cast_checked(array, dtype):
    """Cast to dtype; float -> int truncates toward zero (C semantics), as torch does."""
    if dtype is _dtype.bfloat16:
        raise TypeError("bfloat16 is not supported by minigrad (NumPy has no bfloat16)")
    with np.errstate(invalid="ignore", over="ignore"):
        return array.astype(dtype.np, copy=False)


# ---- legacy constructors -----------------------------------------------------------------------
def legacy_new(cls, dtype, args, kwargs):
    """torch.Tensor(...) / torch.FloatTensor(...): sizes -> uninitialized, data -> converted."""
    kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"new() received an invalid combination of arguments - got "
                        f"({', '.join(kwargs)})")
    if not args:
        return _make(np.empty((0,), dtype=dtype.np))
    if builtins.all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        return _make(_uninitialized(tuple(int(a) for a in args), dtype.np))
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Size):
            return _make(_uninitialized(tuple(data), dtype.np))
        if isinstance(data, Tensor):
            if data.dtype is not dtype:
                raise TypeError(f"expected {dtype.np} (got {data.dtype})")
            return data
        if isinstance(data, np.ndarray):
            return _make(_legacy_cast(np.array(data), dtype))
        if isinstance(data, (list, tuple)):
            return _make(_legacy_cast(_array_from_python(data), dtype))
        if isinstance(data, str):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    raise TypeError("new() received an invalid combination of arguments")


def _uninitialized(shape, np_dtype):
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")
    return np.empty(shape, dtype=np_dtype)


def _legacy_cast(array, dtype):
    if dtype.np.kind in "iu" and array.dtype.kind in "iuf" and array.size:
        info = np.iinfo(dtype.np)
        lo, hi = array.min(), array.max()
        if lo < info.min or hi > info.max:
            raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
    if dtype.np.kind == "f" and array.dtype.kind == "f" and array.size:
        with np.errstate(over="ignore"):
            return array.astype(dtype.np)
    return array.astype(dtype.np)


class _LegacyTensorType(type):
    """Metaclass of FloatTensor & co: calling constructs, isinstance checks the dtype."""

    def __call__(cls, *args, **kwargs):
        return legacy_new(Tensor, cls.dtype, args, kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_type(d):
    return _LegacyTensorType(d.legacy_name, (), {"dtype": d, "__module__": "torch"})


FloatTensor = _legacy_type(_dtype.float32)
DoubleTensor = _legacy_type(_dtype.float64)
HalfTensor = _legacy_type(_dtype.float16)
IntTensor = _legacy_type(_dtype.int32)
LongTensor = _legacy_type(_dtype.int64)
ShortTensor = _legacy_type(_dtype.int16)
ByteTensor = _legacy_type(_dtype.uint8)
CharTensor = _legacy_type(_dtype.int8)
BoolTensor = _legacy_type(_dtype.bool)


# ---- filled tensors ----------------------------------------------------------------------------
def _size_args(size, fname="zeros"):
    """Sizes given as varargs or one list/tuple/Size (torch's TypeErrors otherwise, and for no
    size at all: ``zeros()``; a 0-d tensor is ``zeros(())``)."""
    if not size:
        raise TypeError(f'{fname}() missing 1 required positional arguments: "size"')
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        seq = size[0]
    elif size and not _is_size_int(size[0]):
        if len(size) == 1:
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(size[0]).__name__}")
        raise TypeError(f"{fname}() takes 1 positional argument but {len(size)} were given")
    else:
        seq = size
    out = []
    for i, s in enumerate(seq):
        if not _is_size_int(s):
            name = type(s).__name__
            if i == 0:
                raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, "
                                f"but found element of type {name} at pos 0")
            raise TypeError(f"{fname}(): argument 'size' failed to unpack the object at pos "
                            f"{i + 1} with error \"type must be tuple of ints,but got {name}\"")
        s = int(s.item() if isinstance(s, Tensor) else s)
        if s < 0:
            if fname == "zeros":  # torch.zeros checks its sizes itself, with its own message
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{[int(v) for v in seq]}")
        out.append(s)
    return tuple(out)


def _is_size_int(s):
    if isinstance(s, Tensor):
        return s._data.size == 1 and s._data.dtype.kind in "iu"
    return isinstance(s, (int, np.integer)) and not isinstance(s, bool)


def _dtype_or_default(dtype, fn="tensor"):
    check_dtype(fn, dtype)
    if dtype is None:
        return get_default_dtype()
    if dtype is _dtype.bfloat16:
        raise TypeError("bfloat16 is not supported by minigrad (NumPy has no bfloat16)")
    return dtype


@seam.replayed
def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          pin_memory=False):
    """A tensor of zeros (float32 unless dtype is given)."""
    _check_device(device, EMPTY)
    return _finish(np.zeros(_size_args(size, "zeros"), _dtype_or_default(dtype, "zeros").np),
                   requires_grad)


@seam.replayed
def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False):
    """A tensor of ones (float32 unless dtype is given)."""
    _check_device(device, EMPTY)
    return _finish(np.ones(_size_args(size, "ones"), _dtype_or_default(dtype, "ones").np),
                   requires_grad)


@seam.replayed
def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          pin_memory=False, memory_format=None):
    """An uninitialized tensor."""
    _check_device(device, EMPTY)
    return _finish(np.empty(_size_args(size, "empty"), _dtype_or_default(dtype, "empty").np),
                   requires_grad)


def _fill_dtype(value):
    if isinstance(value, Tensor):
        return value.dtype
    if isinstance(value, (bool, np.bool_)):
        return _dtype.bool
    if isinstance(value, (int, np.integer)):
        return _dtype.int64
    return get_default_dtype()


@seam.replayed
def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None,
         layout=None, pin_memory=False):
    """A tensor filled with fill_value; its dtype comes from the value (int -> int64)."""
    _check_device(device, EMPTY)
    if not isinstance(size, (list, tuple)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    check_number("full", fill_value, "fill_value", 2)
    dt = check_dtype("full", dtype) or _fill_dtype(fill_value)
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    check_fill_value(value, dt)
    shape = _size_args((size,), "full")
    if isinstance(value, int) and dt.np.kind == "u" and value < 0:
        value %= 1 << (8 * dt.np.itemsize)
    with np.errstate(over="ignore", invalid="ignore"):
        return _finish(np.full(shape, value, dtype=dt.np), requires_grad)


_C_TYPE = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
           "int64": "int64_t"}


def check_python_int(value):
    """torch turns a Python int into a 64-bit scalar first: beyond int64 and uint64 it refuses."""
    if value >= 1 << 64:
        raise OverflowError("int too big to convert")
    if value < -(1 << 63):
        raise OverflowError("can't convert negative int to unsigned")


def check_fill_value(value, dt):
    """torch's overflow check for a Python number written into a dtype (fill_, full): an int
    into an integer dtype must fit it (an unsigned type also takes negatives down to -max, which
    wrap around: full([2], -1, uint8) is 255); a float into an integer dtype must be finite and
    within range (no negatives for an unsigned type)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if isinstance(value, int):
        check_python_int(value)
    if dt.np.kind not in "iu":
        return
    info = np.iinfo(dt.np)
    if isinstance(value, int):
        fits = (-info.max if dt.np.kind == "u" else info.min) <= value <= info.max
    else:
        fits = math.isfinite(value) and (0 if dt.np.kind == "u" else info.min) <= value <= info.max
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_C_TYPE[dt.name]} without "
                           "overflow")


def check_python_values(array, dtype):
    """torch.tensor(data, dtype=an integer type) with Python numbers that do not fit it:
    torch refuses (RuntimeError) instead of wrapping around. Ints may go down to -max for an
    unsigned type (they wrap); floats must be finite and in range."""
    if dtype.np.kind not in "iu" or array.size == 0 or array.dtype.kind not in "iuf":
        return
    info = np.iinfo(dtype.np)
    if array.dtype.kind == "f":
        lo = 0 if dtype.np.kind == "u" else info.min
        fits = bool(np.isfinite(array).all()) and lo <= array.min() and array.max() <= info.max
    else:
        lo = -info.max if dtype.np.kind == "u" else info.min
        fits = lo <= array.min() and array.max() <= info.max
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")


@seam.replayed
def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    _check_device(device, EMPTY)
    return _finish(np.array(s, dtype=(dtype or get_default_dtype()).np), requires_grad)


@seam.replayed
def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None,
               layout=None):
    _check_device(device, EMPTY_STRIDED)
    dt = check_dtype("zeros_like", dtype) or input.dtype
    return _finish(np.zeros(input._data.shape, dt.np), requires_grad)


@seam.replayed
def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None,
              layout=None):
    _check_device(device, EMPTY_STRIDED)
    dt = check_dtype("ones_like", dtype) or input.dtype
    return _finish(np.ones(input._data.shape, dt.np), requires_grad)


@seam.replayed
def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None,
               layout=None):
    _check_device(device, EMPTY_STRIDED)
    dt = check_dtype("empty_like", dtype) or input.dtype
    return _finish(np.empty(input._data.shape, dt.np), requires_grad)


@seam.replayed
def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=None, layout=None):
    """Same shape and dtype as input; the value is cast (2.7 -> 2 for int64)."""
    _check_device(device, EMPTY_STRIDED)
    dt = (check_dtype("full_like", dtype) or input.dtype).np
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    with np.errstate(invalid="ignore", over="ignore"):
        return _finish(np.full(input._data.shape, np.array(value).astype(dt), dtype=dt),
                       requires_grad)


# ---- ranges --------------------------------------------------------------------------------------
def _number(x, name):
    if isinstance(x, Tensor):
        if x._data.ndim != 0 and x._data.size != 1:
            raise RuntimeError(f"{name} must be a 0-dim tensor")
        return x._data.reshape(()).item(), x.dtype
    return x, None


@seam.replayed
def arange(start=None, end=None, step=1, *, dtype=None, device=None, requires_grad=False,
           out=None, layout=None, pin_memory=False):
    """[start, end) in steps: int64 if every argument is an int, else the default float dtype."""
    _check_device(device, EMPTY)
    if end is None:
        start, end = 0, start
    elif start is None:
        start = 0
    for name, v in (("end", end), ("start", start), ("step", step)):
        if not _is_number(v):
            raise TypeError(f"arange(): argument '{name}' (position 1) must be Number, not "
                            f"{type(v).__name__}")
    (start, d0), (end, d1), (step, d2) = (_number(start, "start"), _number(end, "end"),
                                          _number(step, "step"))
    if dtype is None:
        floats = any(isinstance(v, float) or (d is not None and d.is_floating_point)
                     for v, d in ((start, d0), (end, d1), (step, d2)))
        dtype = get_default_dtype() if floats else _dtype.int64
    if dtype is _dtype.bool:
        raise _not_implemented_for_bool("arange_cpu")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    for v in (start, end):
        if isinstance(v, float) and not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype.np.kind == "f" or any(isinstance(v, float) for v in (start, end, step)):
        n = max(0, math.ceil((end - start) / step))
        values = start + np.arange(n, dtype=np.float64) * step
    else:
        n = max(0, -((start - end) // step))
        values = start + np.arange(n, dtype=np.int64) * step
    return _finish(values.astype(dtype.np), requires_grad)


def _is_number(v):
    if isinstance(v, Tensor):
        return v._data.ndim == 0
    return isinstance(v, (int, float, np.number, np.bool_))


def _not_implemented_for_bool(kernel):
    return NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


@seam.replayed
def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated torch.range: [start, end] inclusive, float by default."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    values = start + np.arange(n, dtype=np.float64) * step
    return _finish(values.astype((dtype or get_default_dtype()).np), requires_grad)


@seam.replayed
def linspace(start, end, steps=_MISSING, *, dtype=None, device=None, requires_grad=False,
             out=None, layout=None):
    """``steps`` evenly spaced values over [start, end], bit-identical to torch's kernel.

    torch: step = (end - start) / (steps - 1); the first half is start + i*step, the second half
    end - (steps-1-i)*step, each as one fused multiply-add.
    """
    _check_device(device, EMPTY)
    start_arg, end_arg = start, end
    for v in (start, end):
        if isinstance(v, Tensor) and v._data.ndim != 0:
            raise RuntimeError(
                "linspace only supports 0-dimensional start and end tensors, but got start with "
                f"{_ndim(start)} dimension(s) and end with {_ndim(end)} dimension(s).")
    start, _ = _number(start, "start")
    end, _ = _number(end, "end")
    if isinstance(steps, Tensor):
        steps = steps.item()
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(_invalid_linspace_args(start_arg, end_arg, steps, dtype))
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = _dtype_or_default(dtype)
    compute = np.float32 if dtype.np == np.float32 or dtype.np == np.float16 else np.float64
    if steps == 0:
        return _finish(np.empty((0,), dtype.np), requires_grad)
    if steps == 1:
        return _finish(np.array([start], dtype=np.float64).astype(dtype.np), requires_grad)
    s, e = compute(start), compute(end)
    step = compute((e - s) / compute(steps - 1))
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    lo = _fma(s, step, i[:half], compute)
    hi = _fma(e, -step, steps - 1 - i[half:], compute)
    values = np.concatenate([lo, hi]).astype(compute)
    if dtype.np.kind in "iu":
        values = np.trunc(values)
    return _finish(values.astype(dtype.np), requires_grad)


def _invalid_linspace_args(start, end, steps, dtype):
    """torch's TypeError for a missing or non-int ``steps``, listing the accepted signatures."""
    got = [type(v).__name__ for v in (start, end, steps) if v is not _MISSING]
    if dtype is not None:
        got.append("dtype=torch.dtype")
    tail = ("int steps, *, Tensor out = None, torch.dtype dtype = None, torch.layout layout = "
            "None, torch.device device = None, bool pin_memory = False, bool requires_grad = "
            "False)\n")
    forms = "".join(f" * ({a} start, {b} end, {tail}" for a, b in
                    (("Tensor", "Tensor"), ("Number", "Tensor"), ("Tensor", "Number"),
                     ("Number", "Number")))
    return (f"linspace() received an invalid combination of arguments - got ({', '.join(got)}), "
            f"but expected one of:\n{forms}")


def _fma(c, a, k, compute):
    """c + a * k rounded once to ``compute`` (float32 or float64), as torch's fused
    multiply-add, for an integer-valued float64 array k < 2**26.

    The exact result is kept as an unevaluated sum of doubles (Dekker/Veltkamp splitting and
    TwoSum). Its small part is rounded "to odd" before the last rounding, which makes that last
    rounding correct (Boldo and Melquiond), with no double-rounding errors.
    """
    c, a = np.float64(c), np.float64(a)
    if compute is np.float32:
        s, err = _two_sum(c, a * k)  # a float32 times k < 2**29 is exact in float64
        return _round_to_odd(s, err).astype(np.float32)
    t = a * 134217729.0  # Veltkamp split of a into two 26-bit halves (2**27 + 1)
    a_hi = t - (t - a)
    a_lo = a - a_hi
    s1, e1 = _two_sum(k * a_hi, k * a_lo)    # k * a exactly, as s1 + e1
    s2, e2 = _two_sum(c, s1)
    return s2 + _round_to_odd(*_two_sum(e2, e1))


def _two_sum(x, y):
    """s, e with s = fl(x + y) and s + e == x + y exactly (Knuth)."""
    s = x + y
    yv = s - x
    return s, (x - (s - yv)) + (y - yv)


def _round_to_odd(s, err):
    """s = fl(x) with error err: move an inexact s with an even last bit one ulp toward x."""
    even = (s.view(np.int64) & 1) == 0
    return np.where((err != 0) & even, np.nextafter(s, np.copysign(np.inf, err)), s)


def _ndim(x):
    return x._data.ndim if isinstance(x, Tensor) else 0


@seam.replayed
def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    _check_device(device, EMPTY)
    exps = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _finish((base ** exps).astype(_dtype_or_default(dtype).np), requires_grad)


@seam.replayed
def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """The n x m identity matrix."""
    _check_device(device, EMPTY)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    return _finish(np.eye(n, n if m is None else m, dtype=_dtype_or_default(dtype, "eye").np),
                   requires_grad)


# ---- NumPy interop -----------------------------------------------------------------------------
def from_numpy(ndarray):
    """A tensor sharing ``ndarray``'s memory and dtype."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    from_numpy_dtype(ndarray.dtype)
    if not ndarray.flags.writeable:
        warnings.warn(
            "The given NumPy array is not writable, and PyTorch does not support non-writable "
            "tensors. This means writing to this tensor will result in undefined behavior. You "
            "may want to copy the array to protect its data or make it writable before converting "
            "it to a tensor. This type of warning will be suppressed for the rest of this "
            "program.", UserWarning, stacklevel=2)
    if ndarray.dtype.byteorder not in "=|":
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    return _make(ndarray)


def as_tensor(data, dtype=None, device=None):
    """Share memory when possible (ndarray of a matching dtype, or a tensor), else copy."""
    _check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    _check_device(device)
    t = as_tensor(obj, dtype=dtype)
    if copy:
        t = _make(np.array(t._data, copy=True))
    if requires_grad:
        t.requires_grad_()
    return t
