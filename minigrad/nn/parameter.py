"""``nn.Parameter``: a Tensor that a Module registers as one of its parameters."""
import numpy as np

from .._tensor import Tensor
from .._printing import parameter_repr


class Parameter(Tensor):
    """A leaf Tensor, ``requires_grad=True`` by default, that shares ``data``'s storage.

    Assigning a Parameter to a Module attribute registers it (see ``Module.__setattr__``);
    a plain Tensor attribute is not registered.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            data = data._data
        else:
            raise TypeError(f"Parameter(): expected a Tensor, got {type(data).__name__}")
        if requires_grad and data.dtype.kind != "f":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients")
        p = object.__new__(cls)
        for slot, value in (("_data", data), ("_requires_grad", bool(requires_grad)),
                            ("_grad", None), ("grad_fn", None), ("_output_nr", 0),
                            ("_vc", [0]), ("_base", None), ("_acc", None), ("_hooks", None),
                            ("_retains_grad", False), ("_view_fn", None)):
            object.__setattr__(p, slot, value)
        return p

    def __repr__(self):
        return parameter_repr(self)

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(Tensor._from_array(self._data.copy()),
                                       self._requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data.copy(), self._requires_grad))


# prints as torch's: <class 'torch.nn.parameter.Parameter'> (pickling goes by _rebuild_parameter)
Parameter.__module__ = "torch.nn.parameter"


def _rebuild_parameter(array, requires_grad):
    return Parameter(Tensor._from_array(array), requires_grad)

