"""``minigrad.save`` / ``minigrad.load``: torch's checkpoint format, both ways.

``save`` writes the zip archive torch writes (``_torch_zip.py``; the pickle under torch's names,
``_pickling.py``), so ``torch.load(path, weights_only=True)`` opens a minigrad state_dict and
``minigrad.load`` opens one written by ``torch.save``. Tensors that view one memory block share
one storage in the file, as in torch; every dtype minigrad has round-trips.

``load`` defaults to ``weights_only=True``: tensors, containers, numbers, strings and the few
types torch's weights-only loader accepts; anything else (a pickled module, or a hostile
``os.system`` call) is refused with ``pickle.UnpicklingError`` and nothing in it runs.
``weights_only=False`` is the explicit opt-in to general unpickling, needed for
``torch.save(model)`` of a whole module. Files in minigrad's first format (a NumPy ``.npz``
with a JSON manifest) still load.

A path is written atomically: to a temporary file in the same folder, flushed and synced to
disk, then renamed over the target.
"""
import io
import os
import pickle
import tempfile
import zipfile

from . import _pickling
from ._checkpoint_npz import is_npz_checkpoint, load_npz
from ._device import _as_device
from ._pickling import add_safe_globals, clear_safe_globals, get_safe_globals
from ._torch_zip import ArchiveReader, write_archive

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals"]

_NO_CUDA = ("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
            "False. If you are running on a CPU-only machine, please use torch.load with "
            "map_location=torch.device('cpu') to map your storages to the CPU.")


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write ``obj`` to a path or a binary file object in torch's checkpoint format."""
    if pickle_module not in (None, pickle) or pickle_protocol != 2:
        raise ValueError("minigrad.save writes torch's format: pickle protocol 2, the standard "
                         "pickle module")
    if not _use_new_zipfile_serialization:
        raise ValueError("minigrad.save writes only the zip format (torch's default since 1.6)")
    buffer = io.BytesIO()
    pickler = _pickling.TorchPickler(buffer)
    pickler.dump(obj)
    storages = {record.key: record.array for record in pickler.storages.values()}
    if isinstance(f, (str, os.PathLike)):
        _write_atomically(os.fspath(f), lambda file: write_archive(file, buffer.getvalue(),
                                                                   storages))
    else:
        write_archive(f, buffer.getvalue(), storages)


def _write_atomically(path, write):
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".pt", dir=folder)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _check_map_location(map_location):
    if map_location is None or callable(map_location):
        return
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        if _as_device(target).type != "cpu":
            raise RuntimeError(_NO_CUDA)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    """Read a checkpoint (torch's format, or minigrad's first one) from a path or file."""
    if weights_only not in (True, False, None):
        raise TypeError(f"weights_only must be a bool, not {type(weights_only).__name__}")
    _check_map_location(map_location)
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file>")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as file:
            return _load_file(file, name, map_location, weights_only)
    if not (hasattr(f, "seekable") and f.seekable()) or f.tell() != 0:
        f = io.BytesIO(f.read())   # (from where it stands: what follows is the checkpoint)
    return _load_file(f, name, map_location, weights_only)


def _load_file(file, name, map_location, weights_only):
    """Load from a seekable binary file: the zip's index is read, then only the records the
    checkpoint names (the file as a whole never is: an unnamed record costs nothing)."""
    if not zipfile.is_zipfile(file):
        message = "is not a checkpoint (not a zip archive; torch's pre-1.6 format is not read)"
        if weights_only is False:
            raise RuntimeError(f"{name} {message}")
        raise _pickling.weights_only_error(f"{name} {message}")
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            legacy = is_npz_checkpoint(archive)
    except (zipfile.BadZipFile, ValueError, EOFError) as e:
        raise RuntimeError(f"{name} is not a readable checkpoint archive ({e})") from None
    file.seek(0)
    if legacy:
        return load_npz(file, name)
    return _load_torch_archive(ArchiveReader(file, name), map_location,
                               weights_only is not False)


def _load_torch_archive(reader, map_location, weights_only):
    def load_storage(dtype, key, location, numel):
        if map_location is None and not location.startswith("cpu"):
            raise RuntimeError(_NO_CUDA)
        return reader.storage(dtype, key, numel)

    data = reader.pickle_bytes()
    _pickling.check_nesting(data)
    unpickler = (_pickling.WeightsOnlyUnpickler if weights_only
                 else _pickling.FullUnpickler)(data, load_storage)
    try:
        return unpickler.load()
    except pickle.UnpicklingError:
        raise
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as e:
        if not weights_only:
            raise
        raise _pickling.weights_only_error(f"{type(e).__name__}: {e}") from None


class safe_globals:
    """``with safe_globals([cls, ...]):`` allows those globals in weights-only loads inside."""

    def __init__(self, objects):
        self.objects = list(objects)

    def __enter__(self):
        self._before = get_safe_globals()
        add_safe_globals(self.objects)

    def __exit__(self, *exc):
        clear_safe_globals()
        add_safe_globals(self._before)
        return False
