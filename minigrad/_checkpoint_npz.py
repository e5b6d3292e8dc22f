"""minigrad's first checkpoint format, still read by ``minigrad.load`` (``save`` now writes
torch's own format, see serialization.py); ``save_npz`` writes it.

Such a checkpoint is a NumPy ``.npz`` archive (a zip of ``.npy`` files):

* one array per distinct tensor (``t0``, ``t1``, ...; raw values, no pickling);
* ``__manifest__``: UTF-8 JSON describing the saved object as a tree of nodes, e.g.
  ``{"type": "dict", "items": [[{"type": "str", "value": "weight"},
  {"type": "tensor", "ref": "t0", "dtype": "float32", "requires_grad": false}]]}``.

Supported values: tensors (Parameters keep their class and requires_grad), NumPy arrays,
None, bool, int, float, str, and dicts (OrderedDict kept), lists and tuples of these; so module
and optimizer state dicts round-trip. Loading uses ``np.load(allow_pickle=False)`` and never
executes code from the file; a malformed file raises ``RuntimeError`` saying what is wrong.
"""
import json
import os
import zipfile
from collections import OrderedDict

import numpy as np

from ._dtype import from_numpy_dtype, dtype, _BY_NAME
from ._tensor import Tensor, _make
from .nn.parameter import Parameter

__all__ = ["save_npz", "load_npz", "is_npz_checkpoint"]

_MANIFEST = "__manifest__"
_FORMAT = "minigrad-checkpoint"
_VERSION = 1


# ---- saving -------------------------------------------------------------------------------------
class _Writer:
    """Turns an object into manifest nodes, collecting tensor arrays (each tensor once)."""

    def __init__(self):
        self.arrays = {}
        self.refs = {}   # id(tensor or ndarray) -> array name

    def _array_ref(self, obj, array):
        name = self.refs.get(id(obj))
        if name is None:
            name = self.refs[id(obj)] = f"t{len(self.arrays)}"
            self.arrays[name] = array
        return name

    def node(self, obj):
        if isinstance(obj, Tensor):
            return {"type": "tensor", "ref": self._array_ref(obj, obj._data),
                    "dtype": obj._data.dtype.name, "requires_grad": bool(obj.requires_grad),
                    "parameter": isinstance(obj, Parameter)}
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in "biuf":
                raise TypeError(f"minigrad.save: cannot save a NumPy array of dtype {obj.dtype}")
            return {"type": "ndarray", "ref": self._array_ref(obj, obj)}
        if obj is None:
            return {"type": "none"}
        if isinstance(obj, (bool, np.bool_)):
            return {"type": "bool", "value": bool(obj)}
        if isinstance(obj, (int, np.integer)):
            return {"type": "int", "value": int(obj)}
        if isinstance(obj, (float, np.floating)):
            return {"type": "float", "value": repr(float(obj))}
        if isinstance(obj, str):
            return {"type": "str", "value": obj}
        if isinstance(obj, dict):
            return {"type": "dict", "ordered": isinstance(obj, OrderedDict),
                    "items": [[self.node(k), self.node(v)] for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            return {"type": type(obj).__name__ if type(obj) in (list, tuple) else "list",
                    "items": [self.node(v) for v in obj]}
        if isinstance(obj, dtype):
            return {"type": "dtype", "value": obj.name}
        raise TypeError(f"minigrad.save: cannot save an object of type {type(obj).__name__} "
                        "(save tensors, numbers, strings and dicts/lists/tuples of them, e.g. "
                        "model.state_dict())")


def save_npz(obj, f):
    """Write ``obj`` (tensors, numbers, strings, nested dicts/lists/tuples) to a path or file."""
    writer = _Writer()
    manifest = {"format": _FORMAT, "version": _VERSION, "root": writer.node(obj)}
    text = json.dumps(manifest, allow_nan=False).encode("utf-8")
    arrays = dict(writer.arrays)
    arrays[_MANIFEST] = np.frombuffer(text, dtype=np.uint8)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            np.savez(fh, **arrays)
    else:
        np.savez(f, **arrays)


# ---- loading ------------------------------------------------------------------------------------
class CheckpointError(RuntimeError):
    """A file that is not a valid minigrad checkpoint."""


class _Reader:
    """Rebuilds the object from manifest nodes; every node is validated before use."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.tensors = {}   # array name -> the tensor built from it (shared references stay shared)

    def _array(self, node):
        ref = node.get("ref")
        if not isinstance(ref, str) or ref not in self.arrays or ref == _MANIFEST:
            raise CheckpointError(f"checkpoint refers to a missing array {ref!r}")
        return self.arrays[ref]

    def node(self, node):
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            raise CheckpointError(f"malformed manifest entry: {node!r:.80}")
        kind = node["type"]
        handler = getattr(self, "_load_" + kind, None)
        if handler is None:
            raise CheckpointError(f"unknown entry type {kind!r} in manifest")
        try:
            return handler(node)
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError(f"malformed {kind!r} entry in manifest ({e})") from None

    def _load_tensor(self, node):
        ref = node["ref"]
        if ref in self.tensors:
            return self.tensors[ref]
        array = self._array(node)
        if array.dtype.name != node["dtype"]:
            raise CheckpointError(f"array {ref!r} has dtype {array.dtype.name}, the manifest "
                                  f"says {node['dtype']}")
        from_numpy_dtype(array.dtype)  # a dtype minigrad supports
        requires_grad = bool(node.get("requires_grad", False))
        if node.get("parameter", False):
            t = Parameter(_make(array), requires_grad=requires_grad)
        else:
            t = _make(array)
            if requires_grad:
                t.requires_grad_(True)
        self.tensors[ref] = t
        return t

    def _load_ndarray(self, node):
        return self._array(node)

    def _load_none(self, node):
        return None

    def _load_bool(self, node):
        return _typed(node["value"], bool)

    def _load_int(self, node):
        return _typed(node["value"], int)

    def _load_float(self, node):
        return float(_typed(node["value"], str))

    def _load_str(self, node):
        return _typed(node["value"], str)

    def _load_dtype(self, node):
        return _BY_NAME[node["value"]]

    def _load_list(self, node):
        return [self.node(v) for v in _typed(node["items"], list)]

    def _load_tuple(self, node):
        return tuple(self._load_list(node))

    def _load_dict(self, node):
        out = OrderedDict() if node.get("ordered") else {}
        for pair in _typed(node["items"], list):
            if not isinstance(pair, list) or len(pair) != 2:
                raise CheckpointError("malformed dict item in manifest")
            key = self.node(pair[0])
            try:
                hash(key)
            except TypeError:
                raise CheckpointError("dict key in manifest is not hashable") from None
            out[key] = self.node(pair[1])
        return out


def _typed(value, cls):
    if type(value) is not cls:
        raise TypeError(f"expected {cls.__name__}, got {type(value).__name__}")
    return value


def is_npz_checkpoint(archive):
    """Whether an open zip archive is one of these checkpoints."""
    return _MANIFEST + ".npy" in archive.namelist()


def load_npz(file, name):
    """Read an object written by ``save_npz`` from a seekable binary file (no code is ever
    executed): the manifest, then only the arrays it names, each member decompressed no
    further than its ``.npy`` header's shape and dtype say."""
    try:
        with zipfile.ZipFile(file) as archive:
            arrays = _Members(archive, name)
            if _MANIFEST not in arrays:
                raise CheckpointError(f"{name} is not a minigrad checkpoint (no {_MANIFEST} "
                                      "entry)")
            manifest = _manifest(arrays[_MANIFEST], name)
            return _Reader(arrays).node(manifest.get("root"))
    except RecursionError:
        raise CheckpointError(f"{name}: the manifest nests too deeply") from None
    except OSError as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise CheckpointError(f"{name} is not a minigrad checkpoint ({e})") from None
    except (ValueError, zipfile.BadZipFile, EOFError) as e:
        raise CheckpointError(f"{name} is not a valid minigrad checkpoint ({e})") from None


def _manifest(array, name):
    try:
        manifest = json.loads(array.tobytes().decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise CheckpointError(f"{name}: the manifest is not valid JSON ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        raise CheckpointError(f"{name} is not a minigrad checkpoint (unknown format)")
    if manifest.get("version") != _VERSION:
        raise CheckpointError(f"{name}: unsupported checkpoint version "
                              f"{manifest.get('version')!r}")
    return manifest


class _Members:
    """The archive's arrays by name, each read when first asked for (members nobody names are
    never decompressed)."""

    _CHUNK = 1 << 22

    def __init__(self, archive, name):
        self.archive, self.name = archive, name
        self.names = {n[:-4] for n in archive.namelist() if n.endswith(".npy")}
        self.read = {}

    def __contains__(self, key):
        return key in self.names

    def __getitem__(self, key):
        if key not in self.read:
            self.read[key] = self._read(key)
        return self.read[key]

    def _read(self, key):
        with self.archive.open(key + ".npy") as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, fortran, dt = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, fortran, dt = np.lib.format.read_array_header_2_0(member)
            else:
                raise CheckpointError(f"{self.name}: array {key!r} has .npy format version "
                                      f"{version}")
            if dt.hasobject:
                raise CheckpointError(f"{self.name}: array {key!r} holds Python objects")
            nbytes = dt.itemsize * int(np.prod(shape, dtype=object))
            chunks, left = [], nbytes
            while left:
                chunk = member.read(min(left, self._CHUNK))
                if not chunk:
                    raise CheckpointError(f"{self.name}: array {key!r} declares {nbytes} "
                                          f"bytes but holds {nbytes - left}")
                chunks.append(chunk)
                left -= len(chunk)
        data = bytearray().join(chunks)
        del chunks
        return np.frombuffer(data, dt).reshape(shape, order="F" if fortran else "C")


def _reject_constant(text):
    raise ValueError(f"unexpected constant {text}")
