"""minigrad.save / minigrad.load: round trips (tensors, module and optimizer state dicts, nested
containers), agreement with what torch.save/torch.load give back, and hostile files."""
import io
import json
import math
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_tensor_equal, to_mg

RNG = np.random.default_rng(11)


def roundtrip(obj, tmp_path=None):
    if tmp_path is None:
        buf = io.BytesIO()
        minigrad.save(obj, buf)
        buf.seek(0)
        return minigrad.load(buf)
    path = tmp_path / "ckpt.mgt"
    minigrad.save(obj, path)
    return minigrad.load(str(path))


def torch_roundtrip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf)


def assert_same_value(m, t):
    """A minigrad object loaded back equals what torch.load gives for the torch twin."""
    if isinstance(t, torch.Tensor):
        assert_tensor_equal(m, t, check_grad_flag=True)
        assert type(m).__name__ == type(t).__name__
    elif isinstance(t, dict):
        assert type(m) is type(t) and list(m) == list(t)
        for k in t:
            assert_same_value(m[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(m) is type(t) and len(m) == len(t)
        for a, b in zip(m, t):
            assert_same_value(a, b)
    elif isinstance(t, float) and math.isnan(t):
        assert math.isnan(m)
    else:
        assert type(m) is type(t) and m == t


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32",
                                   "int64", "uint8", "bool"])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3, 4)])
def test_tensor_round_trip(dtype, shape):
    t = torch.from_numpy(np.asarray(RNG.standard_normal(shape) * 50).astype(dtype))
    assert_same_value(roundtrip(to_mg(t)), torch_roundtrip(t))


def test_requires_grad_parameters_and_views(tmp_path):
    p = torch.nn.Parameter(torch.randn(2, 3))
    frozen = torch.nn.Parameter(torch.randn(2), requires_grad=False)
    leaf = torch.randn(3, requires_grad=True)
    view = torch.arange(12.0).reshape(3, 4)[:, 1]
    obj_t = {"p": p, "frozen": frozen, "leaf": leaf, "view": view}
    obj_m = {"p": minigrad.nn.Parameter(to_mg(p)),
             "frozen": minigrad.nn.Parameter(to_mg(frozen), requires_grad=False),
             "leaf": to_mg(leaf), "view": minigrad.arange(12.0).reshape(3, 4)[:, 1]}
    assert_same_value(roundtrip(obj_m, tmp_path), torch_roundtrip(obj_t))


def test_nested_containers_and_scalars():
    obj = OrderedDict([
        ("ints", [1, -2, 2**62]), ("floats", (0.1, float("inf"), -0.0, float("nan"))),
        ("flags", [True, False, None]), ("text", "héllo\n"), (3, {"nested": ({"a": [()]},)}),
        ("empty", {}),
    ])
    assert_same_value(roundtrip(obj), torch_roundtrip(obj))
    assert roundtrip(minigrad.float64) is minigrad.float64


def test_shared_tensors_stay_shared():
    t = minigrad.ones(3)
    a, b = roundtrip([t, t])
    assert a is b


def test_module_state_dict_round_trip(tmp_path):
    th = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    mg = minigrad.nn.Sequential(minigrad.nn.Linear(4, 3), minigrad.nn.ReLU(),
                                minigrad.nn.Linear(3, 2))
    mg.load_state_dict({k: to_mg(v) for k, v in th.state_dict().items()})
    loaded = roundtrip(mg.state_dict(), tmp_path)
    assert_same_value(loaded, torch_roundtrip(th.state_dict()))
    fresh = minigrad.nn.Sequential(minigrad.nn.Linear(4, 3), minigrad.nn.ReLU(),
                                   minigrad.nn.Linear(3, 2))
    fresh.load_state_dict(loaded)
    x = torch.randn(5, 4)
    assert_tensor_equal(fresh(to_mg(x)), th(x))


def test_optimizer_state_dict_round_trip():
    th = torch.nn.Linear(3, 1)
    mg = minigrad.nn.Linear(3, 1)
    mg.load_state_dict({k: to_mg(v) for k, v in th.state_dict().items()})
    ot = torch.optim.Adam(th.parameters(), lr=0.01, amsgrad=True)
    om = minigrad.optim.Adam(mg.parameters(), lr=0.01, amsgrad=True)
    x = torch.randn(8, 3)
    for _ in range(3):
        for model, opt, inp in ((th, ot, x), (mg, om, to_mg(x))):
            opt.zero_grad()
            model(inp).pow(2).mean().backward()
            opt.step()
    loaded = roundtrip(om.state_dict())
    expected = torch_roundtrip(ot.state_dict())
    assert list(loaded) == list(expected)
    assert loaded["param_groups"] == expected["param_groups"]
    for i, state in expected["state"].items():
        assert list(loaded["state"][i]) == list(state)
        for key, value in state.items():
            assert_tensor_equal(loaded["state"][i][key], value, rtol=1e-5, atol=1e-7)
    om2 = minigrad.optim.Adam(mg.parameters())
    om2.load_state_dict(loaded)
    assert repr(om2) == repr(ot)


def test_first_format_files_still_load(tmp_path):
    """Checkpoints written in minigrad's first format (npz + JSON manifest) load unchanged."""
    from minigrad._checkpoint_npz import save_npz
    model = minigrad.nn.Linear(3, 2)
    state = {"model": model.state_dict(), "epoch": 4, "dtype": minigrad.float64,
             "ints": minigrad.arange(3)}
    path = tmp_path / "old.ckpt"
    with open(path, "wb") as f:
        save_npz(state, f)
    loaded = minigrad.load(path)
    assert loaded["epoch"] == 4 and loaded["dtype"] is minigrad.float64
    for key, value in model.state_dict().items():
        assert np.array_equal(loaded["model"][key].numpy(), value.detach().numpy())
    assert loaded["ints"].tolist() == [0, 1, 2]


# ---- hostile and corrupt files ---------------------------------------------------------------
def _npz_bytes(arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _manifest(root, **extra):
    doc = {"format": "minigrad-checkpoint", "version": 1, "root": root, **extra}
    return np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)


class _Exploit:
    """Unpickling this would run ``open(path, 'w')``: loading must never do that."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _hostile_files(tmp_path):
    marker = str(tmp_path / "pwned")
    tensor_node = {"type": "tensor", "ref": "t0", "dtype": "float32", "requires_grad": False}
    yield b"", "empty file"
    yield b"not a checkpoint at all", "random bytes"
    yield pickle.dumps(_Exploit(marker)), "a pickle that would run code"
    yield _npz_bytes({"t0": np.ones(2)}), "npz without manifest"
    yield _npz_bytes({"t0": np.array([_Exploit(marker)], dtype=object),
                      "__manifest__": _manifest(tensor_node)}), "object array"
    yield _npz_bytes({"__manifest__": _manifest(tensor_node)}), "missing array"
    yield _npz_bytes({"t0": np.ones(2), "__manifest__": _manifest(tensor_node)}), "wrong dtype"
    yield _npz_bytes({"__manifest__": _manifest({"type": "pickle", "value": "x"})}), "bad type"
    yield _npz_bytes({"__manifest__": _manifest({"type": "int", "value": "7"})}), "bad value"
    yield _npz_bytes({"__manifest__": _manifest({"type": "dict", "items": [
        [{"type": "list", "items": []}, {"type": "none"}]]})}), "unhashable key"
    yield _npz_bytes({"__manifest__": np.frombuffer(b"{nope", dtype=np.uint8)}), "bad JSON"
    yield _npz_bytes({"__manifest__": _manifest({"type": "none"}, version=99)}), "version"
    good = _npz_bytes({"__manifest__": _manifest({"type": "none"})})
    yield good[: len(good) // 2], "truncated zip"
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("__manifest__.npy", b"\x93NUMPY garbage")
    yield zbuf.getvalue(), "corrupt npy header"


def test_hostile_files_give_clear_errors(tmp_path):
    for data, what in _hostile_files(tmp_path):
        path = tmp_path / "bad.ckpt"
        path.write_bytes(data)
        with pytest.raises((RuntimeError, pickle.UnpicklingError)) as info:
            minigrad.load(path)
        assert str(info.value), what
        with pytest.raises((RuntimeError, pickle.UnpicklingError)):
            minigrad.load(io.BytesIO(data))
    assert not (tmp_path / "pwned").exists()


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        minigrad.load("/nonexistent/ckpt.mgt")
