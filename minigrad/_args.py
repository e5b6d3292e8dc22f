"""torch's argument type checks, for arguments that NumPy would accept or misread.

torch's Python binding checks each argument against its declared type before the op runs and
raises ``TypeError: fn(): argument 'name' (position N) must be T, not U``. minigrad's ops call
these checks where a wrong type would otherwise slip through (``keepdim='yes'`` read as True)
or fail later with another exception (``dtype='float32'`` as an AttributeError).
"""
import numbers
import operator

import numpy as np

from . import _dtype

__all__ = ["check_dtype", "check_bool", "check_int", "check_number"]


def _type_error(fn, name, position, expected, value):
    where = f" (position {position})" if position is not None else ""
    return TypeError(f"{fn}(): argument '{name}'{where} must be {expected}, not "
                     f"{type(value).__name__}")


def check_dtype(fn, value, name="dtype"):
    """``value`` is None or a minigrad dtype."""
    if value is not None and not isinstance(value, _dtype.dtype):
        raise _type_error(fn, name, None, "torch.dtype", value)
    return value


def check_bool(fn, value, name, position=None):
    """A bool (NumPy's bool too), never a number or a string read as truthy."""
    if not isinstance(value, (bool, np.bool_)):
        raise _type_error(fn, name, position, "bool", value)
    return bool(value)


def check_int(fn, value, name, position=None):
    """An int (NumPy integers and one-element integer tensors count, bools do not)."""
    if isinstance(value, (bool, np.bool_)) or not hasattr(value, "__index__"):
        raise _type_error(fn, name, position, "int", value)
    return operator.index(value)


def check_number(fn, value, name, position=None):
    """A Python or NumPy number (or a bool)."""
    if not isinstance(value, (numbers.Number, np.generic)) and not hasattr(value, "item"):
        raise _type_error(fn, name, position, "Number", value)
    return value


def no_matching_overload(fn, got, overloads, first_hint=None):
    """torch's TypeError when no overload of ``fn`` takes the arguments: ``got`` lists them as
    torch prints them (``"NoneType"``, ``"dim=NoneType"``), ``overloads`` the signatures, each
    but the first (``first_hint``, or none) marked as rejected for the argument types."""
    tail = ", " if all("=" in a for a in got) else ""  # torch's print of keywords-only calls
    marked = ", ".join(a if a == "Tensor" else f"!{a}!" for a in got) + tail
    lines = [f"{fn}() received an invalid combination of arguments - got ({', '.join(got)}"
             f"{tail}), but expected one of:"]
    for i, overload in enumerate(overloads):
        lines.append(f" * {overload}")
        hint = first_hint if i == 0 else f"some of the arguments have invalid types: ({marked})"
        if hint:
            lines.append(f"      didn't match because {hint}")
    return TypeError("\n".join(lines) + "\n")
