"""Registry declarations of the shape ops: views and reshapes (``ops/shape.py``), broadcasting
(``ops/broadcast.py``), joining and splitting (``ops/join.py``), meshgrid and copies.

These ops were written before the registry, in modules close to the 800-line limit, so their
declarations sit here rather than under each function; an op written now declares itself beside
its function (``CONTRIBUTING.md``). Each ``case`` is one call tested against torch by
``tests/test_registry.py`` (values, grad_fn names, gradients); the ``nodes`` are the grad_fn
classes torch records for those calls.
"""
import numpy as np

from .._tensor import Tensor
from . import broadcast, conversion, join, rearrange, shape
from .registry import arr, case, cases, declare, idx

_FM = ("function", "method")
_FMI = ("function", "method", "inplace")


def _transposed(rng, dtype):
    """A (2, 3) array laid out column-major: contiguous() has to copy it."""
    yield (np.asarray(rng.standard_normal((3, 2)), dtype=dtype).T,), {}
    yield (np.asarray(rng.standard_normal((2, 3)), dtype=dtype),), {}


# ---- views and reshapes --------------------------------------------------------------------------
declare("view", shape.view, nodes=("ViewBackward0",), forms=("method",), args=("input", "size"),
        family="shape", sample=cases(case(arr(2, 3), (3, 2)), case(arr(2, 3), -1),
                                     case(arr(4), 2, 2)))
declare("view_as", shape.view_as, nodes=("ViewBackward0",), forms=("method",),
        args=("input", "other"), family="shape", sample=cases(case(arr(2, 3), arr(6))))
declare("reshape", shape.reshape, nodes=("ViewBackward0",), forms=_FM, args=("input", "shape"),
        family="shape", sample=cases(case(arr(2, 3), (3, 2)), case(arr(2, 3), (-1,)),
                                     case(arr(), (1, 1))))
declare("reshape_as", shape.reshape_as, nodes=("ViewBackward0",), forms=("method",),
        args=("input", "other"), family="shape", sample=cases(case(arr(2, 3), arr(3, 2))))
declare("flatten", shape.flatten, nodes=("ViewBackward0",), forms=_FM,
        args=("input", "start_dim", "end_dim"), family="shape",
        sample=cases(case(arr(2, 3, 4)), case(arr(2, 3, 4), 1), case(arr(2, 3, 4), 0, 1)))
declare("unflatten", shape.unflatten, nodes=("ViewBackward0",), forms=_FM,
        args=("input", "dim", "sizes"), family="shape",
        sample=cases(case(arr(6, 2), 0, (2, 3)), case(arr(2, 6), -1, (3, -1))))
declare("transpose", shape.transpose, nodes=("TransposeBackward0",), forms=_FMI,
        aliases=("swapaxes", "swapdims"), args=("input", "dim0", "dim1"), family="shape",
        sample=cases(case(arr(2, 3, 4), 0, 2), case(arr(3, 2), -1, 0)))
declare("t", shape.t, nodes=("TBackward0",), forms=_FMI, family="shape",
        sample=cases(case(arr(2, 3)), case(arr(3))))
declare("permute", shape.permute, nodes=("PermuteBackward0",), forms=_FM, args=("input", "dims"),
        family="shape", sample=cases(case(arr(2, 3, 4), (2, 0, 1)), case(arr(2, 3), (-1, 0))))
declare("movedim", shape.movedim, nodes=("PermuteBackward0",), forms=_FM, aliases=("moveaxis",),
        args=("input", "source", "destination"), family="shape",
        sample=cases(case(arr(2, 3, 4), 0, 2), case(arr(2, 3, 4), (0, 1), (2, 0))))
declare("unsqueeze", shape.unsqueeze, nodes=("UnsqueezeBackward0",), forms=_FMI,
        args=("input", "dim"), family="shape",
        sample=cases(case(arr(2, 3), 1), case(arr(2, 3), -1), case(arr(), 0)))
declare("squeeze", shape.squeeze, forms=_FMI, args=("input", "dim"), family="shape",
        nodes=("SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2"),
        sample=cases(case(arr(2, 1, 3, 1)), case(arr(2, 1, 3), 1), case(arr(1, 3, 1), (0, 2))))
declare("expand", shape.expand, nodes=("ExpandBackward0",), forms=("method",),
        args=("input", "size"), family="shape",
        sample=cases(case(arr(3, 1), (3, 4)), case(arr(3), 2, 3), case(arr(3, 1), (-1, 2))))
declare("expand_as", shape.expand_as, nodes=("ExpandBackward0",), forms=("method",),
        args=("input", "other"), family="shape", sample=cases(case(arr(1, 3), arr(2, 3))))
declare("broadcast_to", broadcast.broadcast_to, nodes=("ExpandBackward0",), forms=("function",),
        args=("input", "size"), family="shape",
        sample=cases(case(arr(3, 1), (2, 3, 4)), case(arr(), (2,))))
declare("sum_to_size", broadcast.sum_to_size, nodes=("SumBackward1", "ViewBackward0"),
        forms=("method",), args=("input", "size"), family="shape",
        sample=cases(case(arr(2, 3, 4), (3, 1)), case(arr(2, 3), 2, 1)))
declare("repeat", shape.repeat, nodes=("RepeatBackward0",), forms=("method",),
        args=("input", "repeats"), family="shape",
        sample=cases(case(arr(2, 3), (2, 1)), case(arr(3), 2, 2)))
declare("flip", shape.flip, nodes=("FlipBackward0",), forms=_FM, args=("input", "dims"),
        family="shape", sample=cases(case(arr(2, 3), (0,)), case(arr(2, 3, 2), (0, -1))))
declare("narrow", shape.narrow, nodes=("SliceBackward0",), forms=_FM,
        args=("input", "dim", "start", "length"), family="shape",
        sample=cases(case(arr(4, 3), 0, 1, 2), case(arr(4, 3), -1, 0, 1)))

# ---- joining and splitting -----------------------------------------------------------------------
declare("cat", join.cat, nodes=("CatBackward0",), forms=("function",),
        aliases=("concat", "concatenate"), args=("tensors", "dim"), family="join",
        sample=cases(case([arr(2, 3), arr(1, 3)]), case([arr(2, 3), arr(2, 2)], 1)))
declare("stack", join.stack, nodes=("StackBackward0",), forms=("function",),
        args=("tensors", "dim"), family="join",
        sample=cases(case([arr(2, 3), arr(2, 3)]), case([arr(3), arr(3), arr(3)], 1)))
declare("hstack", join.hstack, nodes=("CatBackward0",), forms=("function",), args=("tensors",),
        family="join", sample=cases(case([arr(2, 3), arr(2, 1)]), case([arr(3), arr(2)])))
declare("vstack", join.vstack, nodes=("CatBackward0",), forms=("function",), args=("tensors",),
        family="join", sample=cases(case([arr(2, 3), arr(1, 3)]), case([arr(3), arr(3)])))
declare("split", join.split, nodes=("SplitBackward0", "SplitWithSizesBackward0"), forms=_FM,
        args=("tensor", "split_size_or_sections", "dim"), family="join",
        sample=cases(case(arr(5, 2), 2), case(arr(2, 5), (1, 4), 1)))
declare("chunk", join.chunk, nodes=("SplitBackward0",), forms=_FM,
        args=("input", "chunks", "dim"), family="join",
        sample=cases(case(arr(5, 2), 2), case(arr(2, 6), 3, 1)))
declare("unbind", join.unbind, nodes=("UnbindBackward0",), forms=_FM, args=("input", "dim"),
        family="join", sample=cases(case(arr(3, 2)), case(arr(2, 3), 1)))
declare("meshgrid", rearrange.meshgrid, nodes=("ExpandBackward0",), forms=("function",),
        args=("tensors",), family="join",
        sample=cases(case(arr(3), arr(2), indexing="ij"), case(arr(3), arr(2), indexing="xy")))

# ---- copies and dtype conversions ----------------------------------------------------------------
declare("clone", conversion.clone, nodes=("CloneBackward0",), forms=_FM, family="shape",
        sample=cases(case(arr(2, 3)), case(arr())))
declare("contiguous", conversion.contiguous, nodes=("CloneBackward0",), forms=("method",),
        family="shape", sample=_transposed)
declare("type_as", Tensor.type_as, nodes=("ToCopyBackward0",), forms=("method",),
        args=("input", "other"), family="shape",
        sample=cases(case(arr(2, 3), arr(1)), case(arr(2), idx(3, 1))))
for _name in ("float", "double", "half", "bool", "byte", "char", "short", "int", "long"):
    declare(_name, getattr(Tensor, _name), nodes=("ToCopyBackward0",),
            forms=("method",), family="shape", sample=cases(case(arr(2, 3)), case(arr())))
