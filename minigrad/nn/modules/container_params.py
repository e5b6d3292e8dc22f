"""Parameter containers: ``ParameterList`` and ``ParameterDict``.

Each entry is stored as an attribute of the container (named "0", "1", ... or by its key), so a
tensor becomes a registered Parameter (a plain Tensor is wrapped in one) that ``parameters()``,
the state_dict ("0", "key", or "ps.0" inside a model) and optimizers see; other objects are
kept as plain attributes.
"""
from collections import OrderedDict

from ..._tensor import Tensor
from ..parameter import Parameter
from .container import _check_index
from .module import Module

__all__ = ["ParameterList", "ParameterDict"]


def _as_parameter(value):
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(value,
                                                                            Parameter) else value


def _entry_repr(key, value, dtype_text):
    """One line of the container's repr: "  (key): Parameter containing: [... of size 2x3]"."""
    if not isinstance(value, Tensor):
        return f"  ({key}): Object of type: {type(value).__name__}"
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    size = "x".join(str(s) for s in value.shape)
    return f"  ({key}): {kind} containing: [{dtype_text(value)} of size {size}]"


class ParameterList(Module):
    """A list of Parameters, registered under "0", "1", ... (a Tensor is made a Parameter)."""

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def __len__(self):
        return self._size

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(len(self))[idx]])
        return getattr(self, str(_check_index(idx, len(self))))

    def __setitem__(self, idx, param):
        setattr(self, str(_check_index(idx, len(self))), _as_parameter(param))

    def __iter__(self):
        return iter(self[i] for i in range(len(self)))

    def __iadd__(self, parameters):
        return self.extend(parameters)

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, value):
        """Add ``value`` at the end (a Tensor becomes a Parameter)."""
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values):
        """Append each of ``values``."""
        if isinstance(values, Tensor) or not hasattr(values, "__iter__"):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        return "\n".join(_entry_repr(i, value, lambda p: p.dtype)
                         for i, value in enumerate(self))

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """An ordered dict of Parameters, registered under their keys (a Tensor becomes one)."""

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    def _key_to_attr(self, key):
        if not isinstance(key, str):
            raise TypeError("Index given to ParameterDict cannot be used as a key as it is not "
                            f"a string (type is '{type(key).__name__}'). Open an issue on github "
                            "if you need non-string keys.")
        return key

    def __getitem__(self, key):
        return getattr(self, self._key_to_attr(key))

    def __setitem__(self, key, value):
        self._keys[key] = None
        setattr(self, self._key_to_attr(key), _as_parameter(value))

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, self._key_to_attr(key))

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def keys(self):
        return self._keys.keys()

    def items(self):
        return ((k, self[k]) for k in self._keys)

    def values(self):
        return (self[k] for k in self._keys)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        key = list(self._keys)[-1]
        return key, self.pop(key)

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def copy(self):
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def fromkeys(self, keys, default=None):
        return ParameterDict((k, default) for k in keys)

    def update(self, parameters):
        """Add the (key, value) pairs of a mapping, a ParameterDict or an iterable of pairs."""
        if not hasattr(parameters, "__iter__"):
            raise TypeError("ParametersDict.update should be called with an iterable of "
                            "key/value pairs, but got " + type(parameters).__name__)
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif hasattr(parameters, "keys"):
            pairs = sorted(parameters.items())
        else:
            pairs = list(parameters)
        for j, pair in enumerate(pairs):
            if not hasattr(pair, "__iter__") or isinstance(pair, Tensor):
                raise TypeError("ParameterDict update sequence element #" + str(j)
                                + " should be Iterable; is" + type(pair).__name__)
            if len(pair) != 2:
                raise ValueError("ParameterDict update sequence element #" + str(j)
                                 + " has length " + str(len(pair)) + "; 2 is required")
            self[pair[0]] = pair[1]
        return self

    def __or__(self, other):
        return self.copy().update(other)

    def __ror__(self, other):
        return ParameterDict(other).update(self)

    def __ior__(self, other):
        return self.update(other)

    def extra_repr(self):
        return "\n".join(_entry_repr(k, v, lambda p: p.type()) for k, v in self.items())

    def __call__(self, input):
        raise RuntimeError("ParameterDict should not be called.")
