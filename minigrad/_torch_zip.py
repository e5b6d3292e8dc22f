"""torch's checkpoint archive (the zip that ``torch.save`` writes since torch 1.6).

An uncompressed zip whose records all sit under one folder (``archive/``)::

    archive/data.pkl            the object, pickled (protocol 2) with storages as persistent ids
    archive/.format_version     "1"
    archive/.storage_alignment  "64": each storage record's bytes start at a multiple of 64
    archive/byteorder           "little"
    archive/data/<key>          one storage's raw bytes, little-endian
    archive/version             "3"

Reading checks before trusting: the records must be stored (no compression: a record's size is
the bytes it occupies, so nothing inflates), a storage record must hold exactly the elements
its persistent id declares, and only records the pickle names are read.
"""
import pickle
import struct
import zipfile

import numpy as np

ALIGNMENT = 64
_PADDING_FIELD = b"FB"   # the zip extra-field id torch pads local headers with


class ArchiveWriter:
    """Writes records into a zip on a binary file object, storages aligned as torch aligns."""

    def __init__(self, file, folder="archive"):
        self.zip = zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True)
        self.file, self.folder = file, folder

    def write(self, name, data, align=False):
        info = zipfile.ZipInfo(f"{self.folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        if align:   # pad the local header so that the data starts on an ALIGNMENT boundary
            header = 30 + len(info.filename.encode("utf-8")) + 4
            pad = -(self.file.tell() + header) % ALIGNMENT
            info.extra = _PADDING_FIELD + struct.pack("<H", pad) + b"Z" * pad
        self.zip.writestr(info, data)

    def close(self):
        self.zip.close()


def write_archive(file, pickled, storages):
    """The archive for a pickle and its storages (key -> flat C-contiguous array)."""
    writer = ArchiveWriter(file)
    try:
        _write_records(writer, pickled, storages)
    except BaseException:
        writer.zip.fp = None   # abandoned: no index is written (the caller discards the file)
        raise


def _write_records(writer, pickled, storages):
    writer.write("data.pkl", pickled)
    writer.write(".format_version", b"1")
    writer.write(".storage_alignment", str(ALIGNMENT).encode())
    writer.write("byteorder", b"little")
    for key, array in storages.items():
        little = array.astype(array.dtype.newbyteorder("<"), copy=False)
        writer.write(f"data/{key}", memoryview(np.ascontiguousarray(little)).cast("B"),
                     align=True)
    writer.write("version", b"3\n")
    writer.close()


class ArchiveReader:
    """Reads torch's archive from a seekable binary file: the pickle and, on request, storage
    records (nothing else in the file is read)."""

    def __init__(self, file, name):
        self.name = name
        try:
            self.zip = zipfile.ZipFile(file)
            names = self.zip.namelist()
        except (zipfile.BadZipFile, ValueError, EOFError) as e:
            raise RuntimeError(f"{name} is not a readable checkpoint archive ({e})") from None
        pickles = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise RuntimeError(f"{name} is not a torch checkpoint archive (expected one "
                               f"<folder>/data.pkl record, found {len(pickles)})")
        self.folder = pickles[0][:-len("data.pkl")]
        self.byteorder = "little"
        if self.folder + "byteorder" in names:
            self.byteorder = self._read(self.folder + "byteorder", 16).decode("ascii", "replace")
            if self.byteorder not in ("little", "big"):
                raise RuntimeError(f"{name}: unknown byte order {self.byteorder!r}")
        self.storages = {}   # key -> the flat array read for it (shared between tensors)

    def _read(self, record, expected_size):
        """A record's bytes, after checking it is stored as-is and has the expected size."""
        try:
            info = self.zip.getinfo(record)
        except KeyError:
            raise RuntimeError(f"{self.name}: the checkpoint has no record {record!r}") from None
        if info.compress_type != zipfile.ZIP_STORED:
            raise RuntimeError(f"{self.name}: record {record!r} is compressed; torch's "
                               "checkpoints store records uncompressed")
        if expected_size is not None and info.file_size > expected_size:
            raise RuntimeError(f"{self.name}: record {record!r} holds {info.file_size} bytes, "
                               f"more than the {expected_size} expected")
        try:
            return self.zip.read(info)
        except (zipfile.BadZipFile, ValueError, EOFError, OSError) as e:
            raise RuntimeError(f"{self.name}: record {record!r} is damaged ({e})") from None

    def pickle_bytes(self):
        return self._read(self.folder + "data.pkl", None)

    def storage(self, dtype, key, numel):
        """The flat array of storage ``key``: exactly ``numel`` elements of ``dtype``."""
        array = self.storages.get(key)
        if array is None:
            if "/" in key or key in ("", ".", ".."):
                raise pickle.UnpicklingError(f"invalid storage key {key!r}")
            nbytes = numel * dtype.itemsize
            record = f"{self.folder}data/{key}"
            data = self._read(record, nbytes)
            if len(data) != nbytes:
                raise RuntimeError(
                    f"{self.name}: storage {key!r} declares {numel} elements of {dtype} "
                    f"({nbytes} bytes) but its record holds {len(data)} bytes")
            order = "<" if self.byteorder == "little" else ">"
            array = np.frombuffer(bytearray(data), dtype=dtype.newbyteorder(order))
            # native order, under NumPy's own dtype object (the fused kernels of _fma know their
            # dtypes by identity: a '<f8' twin of float64 sent them down their inexact path)
            native = np.dtype(dtype.type)
            array = array.view(native) if array.dtype.isnative else array.astype(native)
            self.storages[key] = array
        elif array.dtype != dtype or array.size != numel:
            raise RuntimeError(f"{self.name}: storage {key!r} is used with two "
                                         "different types or sizes")
        return array
