"""torch's dtypes as objects, the default dtype, and type promotion.

A `dtype` wraps a NumPy dtype and carries torch's name for it, so
``print(minigrad.float32)`` shows ``torch.float32`` just like PyTorch.

Type promotion follows torch (not NumPy): operands are ranked by *category*
(bool < integer < floating); Python scalars and 0-dim tensors only decide the
result dtype when their category is higher than that of every dimensioned
operand, and a Python float then means the default dtype (float32).
"""
import numpy as np

__all__ = [
    "dtype", "float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64",
    "uint8", "bool", "half", "float", "double", "short", "int", "long",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type",
    "can_cast", "is_floating_point",
]

_BOOL, _INT, _FLOAT = 0, 1, 2  # promotion categories


class dtype:
    """A torch dtype: ``minigrad.float32`` prints as ``torch.float32``."""

    __slots__ = ("name", "np", "category", "is_floating_point", "is_signed", "itemsize",
                 "legacy_name", "short_name")

    def __init__(self, name, np_dtype, category, legacy_name, short_name):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.is_floating_point = category == _FLOAT
        self.is_signed = self.np.kind != "u" and self.np.kind != "b"
        self.itemsize = self.np.itemsize
        self.legacy_name = legacy_name    # 'FloatTensor', used by Tensor.type()
        self.short_name = short_name      # 'Float', used in torch's error messages

    @property
    def is_complex(self):
        return False

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


float16 = half = dtype("float16", np.float16, _FLOAT, "HalfTensor", "Half")
float32 = float = dtype("float32", np.float32, _FLOAT, "FloatTensor", "Float")
float64 = double = dtype("float64", np.float64, _FLOAT, "DoubleTensor", "Double")
# NumPy has no bfloat16; it is listed so programs that name it import, but creating one fails.
bfloat16 = dtype("bfloat16", np.float32, _FLOAT, "BFloat16Tensor", "BFloat16")
uint8 = dtype("uint8", np.uint8, _INT, "ByteTensor", "Byte")
int8 = dtype("int8", np.int8, _INT, "CharTensor", "Char")
int16 = short = dtype("int16", np.int16, _INT, "ShortTensor", "Short")
int32 = int = dtype("int32", np.int32, _INT, "IntTensor", "Int")
int64 = long = dtype("int64", np.int64, _INT, "LongTensor", "Long")
bool = dtype("bool", np.bool_, _BOOL, "BoolTensor", "Bool")

ALL_DTYPES = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_BY_NP = {d.np: d for d in ALL_DTYPES}
_BY_NAME = {d.name: d for d in ALL_DTYPES + (bfloat16,)}


def _dtype_by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    """The minigrad dtype of a NumPy dtype; TypeError for ones torch lacks."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        np_dtype = np.dtype(np_dtype)
        if np_dtype in _BY_NP:
            return _BY_NP[np_dtype]
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np_dtype.type.__name__}. The only supported "
            "types "
            "are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, "
            "uint32, uint16, uint8, and bool.") from None


_default = [float32]


def get_default_dtype():
    """The dtype a Python float becomes (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d):
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def is_floating_point(t):
    return t.dtype.is_floating_point


# ---- type promotion -------------------------------------------------------------------------
def _promote_np(a, b):
    """Promote two NumPy dtypes of the same tier (dimensioned or 0-dim tensors) like torch."""
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        # The higher category wins with its own dtype: int64 with float32 gives float32
        # (NumPy would widen to float64), bool with anything gives the other dtype.
        return a if ca > cb else b
    # Same category: the wider type; uint8 with a signed int gives int16 (as in NumPy).
    return np.promote_types(a, b)


def promote_types(a, b):
    """torch.promote_types for two dtypes."""
    return _BY_NP[_promote_np(a.np, b.np)]


def result_type(*operands):
    """The dtype of an elementwise op over Tensors and Python scalars (torch's rules)."""
    return _BY_NP[promote_values(*[getattr(o, "_data", o) for o in operands])]


def promote_values(*operands):
    """torch's promotion over ndarrays (a tensor's data) and Python scalars -> NumPy dtype.

    Three tiers take part, in priority order: dimensioned tensors, 0-dim tensors, Python
    scalars. A lower tier only matters if its category beats every higher tier's.
    """
    dim_np = zero_np = None
    scalar_cat = -1
    for o in operands:
        if isinstance(o, np.ndarray):
            d = o.dtype
            if o.ndim:
                dim_np = d if dim_np is None else _promote_np(dim_np, d)
            else:
                zero_np = d if zero_np is None else _promote_np(zero_np, d)
        else:
            scalar_cat = max(scalar_cat, scalar_category(o))
    result = dim_np
    if zero_np is not None:
        if result is None or _category(zero_np) > _category(result):
            result = zero_np
    if scalar_cat >= 0 and (result is None or scalar_cat > _category(result)):
        result = _scalar_default(scalar_cat, result)
    return result


def _category(np_dtype):
    k = np_dtype.kind
    return _FLOAT if k == "f" else (_BOOL if k == "b" else _INT)


def scalar_category(x):
    if isinstance(x, builtins_bool):
        return _BOOL
    if isinstance(x, np.bool_):
        return _FLOAT  # torch's argument parser reads a NumPy bool as a float (x * np.True_)
    if isinstance(x, (builtins_int, np.integer)):
        return _INT
    if isinstance(x, (builtins_float, np.floating)):
        return _FLOAT
    if isinstance(x, complex):
        raise TypeError("complex numbers are not supported")
    raise TypeError(f"unsupported operand type: '{type(x).__name__}'")


def _scalar_default(cat, current):
    if cat == _FLOAT:
        return _default[0].np
    if cat == _INT:
        return np.dtype(np.int64)
    return np.dtype(np.bool_)


def can_cast(from_, to):
    """torch.can_cast: category may not go down (float->int, int->bool)."""
    return from_.category <= to.category


import builtins as _b  # noqa: E402  (names shadowed above: bool, int, float)
builtins_bool, builtins_int, builtins_float = _b.bool, _b.int, _b.float

dtype.__module__ = "torch"  # type(minigrad.float32) prints <class 'torch.dtype'>, as in torch
