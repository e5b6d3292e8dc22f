"""Hostile checkpoints cost no more memory than what they name, and a save that fails midway
leaves the previous file whole. The 1 GiB records are written sparse (a hole in the file), so
the tests write about a megabyte to disk."""
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import minigrad
from minigrad import _checkpoint_npz, _torch_zip

GIB = 1 << 30
_ZEROS = bytes(1 << 24)


class _SparseFile(io.FileIO):
    """A file that turns writes of the shared zero chunk into a hole (seek past it)."""

    def write(self, data):
        if data is _ZEROS:
            self.seek(len(data), io.SEEK_CUR)
            return len(data)
        return super().write(data)


def _add_record(path, record, header=b""):
    """Append a stored record of ``header`` then 1 GiB of zeros to the zip at ``path``."""
    info = zipfile.ZipInfo(record, date_time=(1980, 1, 1, 0, 0, 0))
    info.file_size = len(header) + GIB
    with _SparseFile(path, "r+b") as file, zipfile.ZipFile(file, "a") as archive:
        with archive.open(info, "w", force_zip64=True) as out:
            out.write(header)
            for _ in range(GIB // len(_ZEROS)):
                out.write(_ZEROS)


def _npy_header(shape, dtype):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": shape})
    return b"\x93NUMPY\x01\x00" + buffer.getvalue()[8:]


def _peak_growth_of_load(path):
    """(bytes the process's peak memory grew by while loading, what it loaded) in a fresh
    interpreter."""
    code = ("import resource, sys, minigrad\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "obj = minigrad.load(sys.argv[1])\n"
            "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "print((after - before) * 1024, obj['w'].sum().item())\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    growth, total = out.stdout.split()
    return int(growth), float(total)


@pytest.mark.parametrize("form", ["torch", "legacy"])
def test_an_unnamed_gigabyte_record_costs_no_memory(tmp_path, form):
    """torch's format with a 1 GiB record the pickle never names, and minigrad's first format
    with a 1 GiB member its manifest never names: each loads with peak memory under 100 MB
    above the named contents (8 kB)."""
    path = tmp_path / f"{form}.pt"
    if form == "torch":
        minigrad.save({"w": minigrad.ones(1000)}, path)
        _add_record(path, "archive/data/999")
    else:
        _checkpoint_npz.save_npz({"w": minigrad.ones(1000)}, path)
        _add_record(path, "t9.npy", _npy_header((GIB,), np.uint8))
    assert os.path.getsize(path) > GIB   # (on disk: a hole)
    growth, total = _peak_growth_of_load(path)
    assert total == 1000.0
    assert growth < 100e6 + 8000, growth


def test_a_legacy_array_larger_than_its_data_is_refused_without_allocating(tmp_path):
    """A named member whose header declares 2**40 float64 values but holds 80 bytes: refused
    with the library's error (not MemoryError), having read only what is there."""
    manifest = {"format": "minigrad-checkpoint", "version": 1,
                "root": {"type": "dict", "items": [[{"type": "str", "value": "w"},
                         {"type": "tensor", "ref": "t0", "dtype": "float64"}]]}}
    path = tmp_path / "legacy.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("t0.npy", _npy_header((1 << 40,), np.float64) + bytes(80))
        text = json.dumps(manifest).encode()
        archive.writestr("__manifest__.npy", _npy_header((len(text),), np.uint8) + text)
    with pytest.raises(RuntimeError, match="declares"):
        minigrad.load(path)


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, OSError])
def test_a_save_failing_midway_leaves_the_old_file_loadable(tmp_path, monkeypatch,
                                                            interruption):
    """The writer fails after its first records (a full disk, an interrupt): the old file is
    untouched and loads, in minigrad and in torch, and no temporary file is left behind."""
    path = tmp_path / "ckpt.pt"
    minigrad.save({"w": minigrad.arange(4.0)}, path)
    before = path.read_bytes()
    written = []
    original = _torch_zip.ArchiveWriter.write

    def failing_write(self, name, data, align=False):
        if len(written) == 3:
            raise interruption("the disk is full" if interruption is OSError else None)
        written.append(name)
        original(self, name, data, align)

    monkeypatch.setattr(_torch_zip.ArchiveWriter, "write", failing_write)
    with pytest.raises(interruption):
        minigrad.save({"w": minigrad.zeros(1 << 16)}, path)
    assert written == ["data.pkl", ".format_version", ".storage_alignment"]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.pt"]
    assert minigrad.load(path)["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert torch.load(path, weights_only=True)["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
