"""The pickle side of torch's checkpoint format: writing objects under torch's names, and
reading them back either through an allow-list (``weights_only``) or in full.

A tensor pickles as torch pickles one: ``torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, requires_grad, OrderedDict())`` where ``storage`` is a *persistent id*
``('storage', torch.FloatStorage, key, 'cpu', numel)`` naming a raw record of the archive;
Parameters wrap that in ``torch._utils._rebuild_parameter``; dtypes, ``Size`` and ``device``
pickle as ``torch.float32``, ``torch.Size``, ``torch.device``. So torch reads minigrad's files
and minigrad reads torch's, each rebuilding its own tensors.

Reading with ``weights_only=True`` resolves globals only from ``WEIGHTS_ONLY_GLOBALS`` (the
names torch's own weights-only unpickler accepts: tensors, parameters, storages, dtypes,
``Size``, ``device``, ``OrderedDict``/``Counter``, ``set``, ``bytearray``, ``complex``,
``_codecs.encode``) plus anything given to ``add_safe_globals``; every other global — a class
to instantiate, ``os.system`` — stops the load with ``pickle.UnpicklingError`` before it is
resolved. A pre-scan bounds the pickle's nesting depth.
"""
import _codecs
import _compat_pickle
import io
import pickle
import pickletools
from collections import Counter, OrderedDict

import numpy as np

from . import _dtype
from ._device import device
from ._tensor import Size, Tensor, _make
from .nn.parameter import Parameter

MAX_NESTING = 1000   # the deepest pickle stack a checkpoint may build

# storage class name <-> element type
_STORAGE_DTYPES = {"FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
                   "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
                   "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
                   "BoolStorage": "bool", "UntypedStorage": "uint8"}
_STORAGE_NAMES = {np.dtype(v): k for k, v in _STORAGE_DTYPES.items()
                  if k not in ("BFloat16Storage", "UntypedStorage")}


class TorchName:
    """A global written under torch's name (``module.name``) in the pickle."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):   # pickle wants a callable here; only its name is written
        raise TypeError(f"{self.module}.{self.name} is a name in a checkpoint, not a function")


_REBUILD_TENSOR = TorchName("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = TorchName("torch._utils", "_rebuild_parameter")
_SIZE = TorchName("torch", "Size")
_DEVICE = TorchName("torch", "device")


class StorageRecord:
    """One storage to write: a flat C-contiguous array, saved as archive record ``key``."""

    def __init__(self, key, array):
        self.key, self.array = key, array


class TorchPickler(pickle._Pickler):
    """Pickles minigrad objects under torch's names; tensors point at storage records.

    ``storages`` collects the StorageRecords to write (one per distinct memory block, so
    tensors viewing one block share one storage, as in torch)."""

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.storages = {}   # id(root array) -> StorageRecord
        self._roots = []     # keeps the root arrays alive while their ids are keys

    def persistent_id(self, obj):
        if isinstance(obj, StorageRecord):
            name = _STORAGE_NAMES.get(obj.array.dtype)
            if name is None:
                raise pickle.PicklingError(f"cannot save a tensor of dtype {obj.array.dtype}")
            return ("storage", TorchName("torch", name), obj.key, "cpu", obj.array.size)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Parameter):
            return (_REBUILD_PARAMETER,
                    (_make(obj._data), obj.requires_grad, OrderedDict()))
        if isinstance(obj, Tensor):
            storage, offset, strides = self._storage_of(obj._data)
            return (_REBUILD_TENSOR, (storage, offset, tuple(obj._data.shape), strides,
                                      obj.requires_grad, OrderedDict()))
        if isinstance(obj, Size):
            return (_SIZE, (tuple(obj),))
        if isinstance(obj, device):
            return (_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index))
        return NotImplemented

    def save_global(self, obj, name=None):
        if isinstance(obj, TorchName):
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
            self.memoize(obj)
        elif isinstance(obj, _dtype.dtype):
            self.write(pickle.GLOBAL + f"torch\n{obj.name}\n".encode("utf-8"))
            self.memoize(obj)
        else:
            super().save_global(obj, name)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[TorchName] = save_global
    dispatch[_dtype.dtype] = save_global

    def _storage_of(self, array):
        """(StorageRecord, element offset, element strides) for a tensor's array: the memory
        block it views when that can be described (same dtype, non-negative strides), else a
        compact copy of its own."""
        root = array
        while isinstance(root.base, np.ndarray):
            root = root.base
        itemsize = array.itemsize
        offset = array.__array_interface__["data"][0] - root.__array_interface__["data"][0] \
            if root is not array else 0
        describable = (root.dtype == array.dtype and root.flags.c_contiguous and
                       root.dtype.isnative and offset % itemsize == 0 and
                       all(s >= 0 and s % itemsize == 0 for s in array.strides))
        if describable:
            strides = tuple(s // itemsize for s in array.strides)
        else:   # a fresh C-ordered copy, native byte order
            root = np.array(array, dtype=array.dtype.newbyteorder("="), order="C")
            offset, strides = 0, tuple(s // itemsize for s in root.strides)
        record = self.storages.get(id(root))
        if record is None:
            record = self.storages[id(root)] = StorageRecord(str(len(self.storages)),
                                                             root.reshape(-1))
            self._roots.append(root)
        return record, offset // itemsize, strides


# ---- reading ------------------------------------------------------------------------------------
class _StorageType:
    """What ``torch.FloatStorage`` etc. resolve to: the element type of a storage record."""

    def __init__(self, name):
        self.name = name
        self.dtype = np.dtype(_STORAGE_DTYPES[name]) if name != "BFloat16Storage" else None


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    """A tensor viewing ``storage`` (a flat array), after checking the view stays inside it."""
    if not (isinstance(storage, np.ndarray) and storage.ndim == 1):
        raise pickle.UnpicklingError("a tensor's storage must be a storage record")
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride) or not all(
            type(v) is int and v >= 0 for v in (storage_offset, *size, *stride)):
        raise pickle.UnpicklingError(f"invalid tensor layout: offset {storage_offset!r}, size "
                                     f"{size!r}, stride {stride!r}")
    if 0 not in size:
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.size:
            raise RuntimeError(
                f"tensor of size {list(size)} and stride {list(stride)} at offset "
                f"{storage_offset} reaches past its storage of {storage.size} elements")
    base = storage[min(storage_offset, storage.size):]
    array = np.lib.stride_tricks.as_strided(base, size, tuple(s * storage.itemsize
                                                             for s in stride))
    tensor = _make(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError("a parameter must wrap a tensor")
    param = Parameter(data, requires_grad=requires_grad)
    if state:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("a parameter's state must be a dict")
        param.__dict__.update(state)
    return param


def _rebuild_from_type_v2(func, new_type, args, state):
    if new_type not in (Tensor, Parameter) or not callable(func):
        raise pickle.UnpicklingError(f"cannot rebuild a tensor of type {new_type!r}")
    result = func(*args)
    if state:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("a tensor's state must be a dict")
        result.__dict__.update(state)
    return result


def _torch_globals():
    """torch's names that both unpicklers resolve to minigrad's objects."""
    names = {
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.Size": Size, "torch.device": device, "torch.Tensor": Tensor,
        "torch.nn.parameter.Parameter": Parameter,
    }
    names.update({f"torch.{d.name}": d for d in _dtype._BY_NAME.values()})
    names.update({f"torch.{s}": _StorageType(s) for s in _STORAGE_DTYPES})
    return names


def weights_only_globals():
    names = _torch_globals()
    names.update({"collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
                  "_codecs.encode": _codecs.encode, "builtins.bytearray": bytearray,
                  "builtins.set": set, "builtins.complex": complex})
    return names


_safe_globals = {}   # added with add_safe_globals: "module.name" -> object


def add_safe_globals(objects):
    """Allow these classes/functions in weights-only loads too (as torch's function does)."""
    for obj in objects:
        _safe_globals[f"{obj.__module__}.{obj.__qualname__}"] = obj


def get_safe_globals():
    return list(_safe_globals.values())


def clear_safe_globals():
    _safe_globals.clear()


_WEIGHTS_ONLY_FAILED = (
    "Weights only load failed. Re-running `torch.load` with `weights_only` set to `False` will "
    "likely succeed, but it can result in arbitrary code execution. Do it only if you got the "
    "file from a trusted source.\n{detail}")


def weights_only_error(detail):
    return pickle.UnpicklingError(_WEIGHTS_ONLY_FAILED.format(detail=detail))


class _Unpickler(pickle.Unpickler):
    """Resolves storage persistent ids through ``load_storage(dtype, key, location, numel)``."""

    def __init__(self, data, load_storage):
        super().__init__(io.BytesIO(data))
        self.proto = data[1] if data[:1] == pickle.PROTO else 0
        self._load_storage = load_storage
        self._torch = _torch_globals()

    def python3_name(self, module, name):
        """Protocol-2 pickles name Python 2 modules (``__builtin__.set``): today's name."""
        if self.proto < 3:
            if (module, name) in _compat_pickle.NAME_MAPPING:
                return _compat_pickle.NAME_MAPPING[(module, name)]
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        return module, name

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and
                isinstance(pid[1], _StorageType) and isinstance(pid[2], str) and
                isinstance(pid[3], str) and type(pid[4]) is int and pid[4] >= 0):
            raise pickle.UnpicklingError("unsupported persistent id encountered")
        if pid[1].dtype is None:
            raise pickle.UnpicklingError("minigrad has no bfloat16 tensors (NumPy has no "
                                         "bfloat16): this checkpoint holds one")
        return self._load_storage(pid[1].dtype, pid[2], pid[3], pid[4])


class WeightsOnlyUnpickler(_Unpickler):
    """Only the allow-listed globals (see the module docstring)."""

    def find_class(self, module, name):
        module, name = self.python3_name(module, name)
        key = f"{module}.{name}"
        allowed = weights_only_globals().get(key, _safe_globals.get(key))
        if allowed is None:
            raise weights_only_error(
                f"Unsupported global: GLOBAL {key} was not an allowed global by default. "
                f"Please use `torch.serialization.add_safe_globals([{name}])` to allowlist "
                "this global if you trust this class/function.")
        return allowed


class FullUnpickler(_Unpickler):
    """Any global (``weights_only=False``): torch's tensor names map to minigrad's."""

    def find_class(self, module, name):
        module, name = self.python3_name(module, name)
        found = self._torch.get(f"{module}.{name}")
        return found if found is not None else super().find_class(module, name)


def check_nesting(data):
    """Refuse a pickle whose stack would grow past MAX_NESTING (walked without running it)."""
    depth, marks = 0, []
    try:
        for opcode, _, _ in pickletools.genops(data):
            before = opcode.stack_before
            if opcode.name == "MARK":
                marks.append(depth)
            elif pickletools.markobject in before:
                depth = marks.pop() + len(opcode.stack_after)
            else:
                depth += len(opcode.stack_after) - len(before)
            if depth > MAX_NESTING or len(marks) > MAX_NESTING:
                raise pickle.UnpicklingError(f"the checkpoint nests deeper than {MAX_NESTING} "
                                             "levels")
    except (ValueError, IndexError) as e:   # a truncated or malformed opcode stream
        raise pickle.UnpicklingError(f"the checkpoint's pickle is malformed ({e})") from None
