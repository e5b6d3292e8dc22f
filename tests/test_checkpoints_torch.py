"""Checkpoints across the border: files minigrad.save writes open in torch.load(weights_only=True)
and files torch.save writes open in minigrad.load — state_dicts, optimizer states, every dtype,
views and shared storages — and hostile or damaged archives are refused as torch refuses them."""
import io
import os
import pickle
import warnings
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from helpers import assert_tensor_equal, to_mg, to_torch

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def mg_to_torch(obj):
    buf = io.BytesIO()
    minigrad.save(obj, buf)
    return torch.load(io.BytesIO(buf.getvalue()), weights_only=True)


def torch_to_mg(obj, **kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf)
    return minigrad.load(io.BytesIO(buf.getvalue()), **kwargs)


def values(rng, dtype, shape):
    if dtype == "bool":
        return np.asarray(rng.random(shape) > 0.5)
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 3, 4)])
def test_every_dtype_both_ways(dtype, shape):
    data = values(np.random.default_rng(0), dtype, shape)
    got = mg_to_torch({"t": minigrad.from_numpy(data.copy())})["t"]
    assert got.dtype == getattr(torch, dtype) and np.array_equal(got.numpy(), data)
    back = torch_to_mg({"t": torch.from_numpy(data.copy())})["t"]
    assert back.dtype == getattr(minigrad, dtype) and np.array_equal(back.numpy(), data)


def _models(lib):
    nn = lib.nn
    lib.manual_seed(0)
    return {"linear": nn.Linear(4, 3),
            "no_bias": nn.Linear(4, 3, bias=False),
            "sequential": nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1),
                                        nn.Linear(8, 2), nn.Sigmoid()),
            "nested": nn.Sequential(nn.Flatten(), nn.ModuleList([nn.Linear(4, 4)]),
                                    nn.ModuleDict({"head": nn.Linear(4, 1)}))}


@pytest.mark.parametrize("name", ["linear", "no_bias", "sequential", "nested"])
def test_module_state_dicts_both_ways(name):
    mg_model, th_model = _models(minigrad)[name], _models(torch)[name]
    # minigrad -> torch: torch's module takes the state and holds the same numbers
    loaded = mg_to_torch(mg_model.state_dict())
    assert list(loaded) == list(th_model.state_dict())
    th_model.load_state_dict(loaded)
    for key, value in mg_model.state_dict().items():
        assert_tensor_equal(to_mg(th_model.state_dict()[key]), to_torch(value))
    # torch -> minigrad, after changing torch's weights
    with torch.no_grad():
        for p in th_model.parameters():
            p.mul_(-2.0)
    mg_model.load_state_dict(torch_to_mg(th_model.state_dict()))
    for key, value in th_model.state_dict().items():
        assert_tensor_equal(mg_model.state_dict()[key], value)


def _trained_optimizer(lib, name):
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 2)
    make = {"sgd": lambda p: lib.optim.SGD(p, lr=0.1, momentum=0.9),
            "adam": lambda p: lib.optim.Adam(p, lr=0.01, amsgrad=True)}[name]
    opt = make(model.parameters())
    x = lib.arange(12.0).reshape(4, 3) / 10
    for _ in range(3):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
    return opt


def _assert_same_state(got, expected):
    assert list(got) == list(expected)
    assert got["param_groups"] == expected["param_groups"]
    for key, state in expected["state"].items():
        assert list(got["state"][key]) == list(state)
        for field, value in state.items():
            assert_tensor_equal(got["state"][key][field], value, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_optimizer_state_dicts_both_ways(name):
    mg_state = _trained_optimizer(minigrad, name).state_dict()
    th_state = _trained_optimizer(torch, name).state_dict()
    via_torch = mg_to_torch(mg_state)
    _assert_same_state({**via_torch, "state": {k: {f: to_mg(v) if isinstance(v, torch.Tensor)
                                                   else v for f, v in s.items()}
                                               for k, s in via_torch["state"].items()}},
                       th_state)
    _assert_same_state(torch_to_mg(th_state), th_state)


def test_views_and_shared_storage_minigrad_to_torch():
    x = minigrad.arange(12.0).reshape(3, 4)
    saved = {"base": x, "column": x[:, 1], "transposed": x.T, "tail": x.flatten()[5:],
             "row_expanded": x[0].expand(2, 4), "param": minigrad.nn.Parameter(x[1])}
    loaded = mg_to_torch(saved)
    for key, value in saved.items():
        assert np.array_equal(loaded[key].detach().numpy(), value.detach().numpy()), key
    assert isinstance(loaded["param"], torch.nn.Parameter)
    # the views share the base's storage in torch too: a write shows through them
    loaded["base"][1, 1] = 100.0
    assert loaded["column"][1].item() == 100.0 and loaded["transposed"][1, 1].item() == 100.0
    assert loaded["tail"][0].item() == 100.0
    assert loaded["column"].stride() == (4,) and loaded["transposed"].stride() == (1, 4)


def test_views_and_shared_storage_torch_to_minigrad():
    x = torch.arange(12.0).reshape(3, 4)
    saved = {"base": x, "column": x[:, 1], "transposed": x.t(), "tail": x.flatten()[5:],
             "expanded": x[0].expand(2, 4)}
    loaded = torch_to_mg(saved)
    for key, value in saved.items():
        assert_tensor_equal(loaded[key], value)
    loaded["base"][1, 1] = 100.0
    assert loaded["column"][1].item() == 100.0 and loaded["transposed"][1, 1].item() == 100.0
    assert loaded["tail"][0].item() == 100.0


def test_containers_scalars_and_torch_types_both_ways():
    def build(t):
        return {"ints": [1, -2, 3], "tuple": (1.5, "a", None, True), "set": {1, 2},
                "bytes": b"\x00\xff", "complex": 1 + 2j, "size": t.Size([2, 3]),
                "dtype": t.float64, "device": t.device("cpu"), "nested": {1: {"x": [t.ones(2)]}}}
    for got, expected in ((mg_to_torch(build(minigrad)), build(torch)),
                          (torch_to_mg(build(torch)), build(minigrad))):
        assert repr(got).replace("minigrad", "torch") == repr(expected)


def test_whole_module_needs_weights_only_false(tmp_path):
    model = minigrad.nn.Sequential(minigrad.nn.Linear(2, 3), minigrad.nn.ReLU())
    path = tmp_path / "model.pth"
    minigrad.save(model, path)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL minigrad"):
        minigrad.load(path)
    again = minigrad.load(path, weights_only=False)
    x = minigrad.ones(4, 2)
    assert_tensor_equal(again(x), to_torch(model(x)))
    assert type(again[0].weight).__name__ == "Parameter"
    # torch refuses it the same way (its weights-only loader knows no minigrad classes)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    # and torch's own whole-module file is refused by both in the default mode
    torch_path = tmp_path / "torch_model.pth"
    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 3)), torch_path)
    for lib in (torch, minigrad):
        with pytest.raises(pickle.UnpicklingError, match="Sequential"):
            lib.load(torch_path)


def test_map_location():
    saved = {"w": torch.ones(2)}
    for location in ("cpu", minigrad.device("cpu"), {"cpu": "cpu"}, lambda s, loc: s):
        assert torch_to_mg(saved, map_location=location)["w"].tolist() == [1.0, 1.0]
    errors = []
    for lib in (torch, minigrad):
        buf = io.BytesIO()
        lib.save({"w": lib.ones(2)}, buf)
        with pytest.raises(RuntimeError) as info:
            lib.load(io.BytesIO(buf.getvalue()), map_location="cuda")
        errors.append(str(info.value))
    assert errors[0] == errors[1]


# ---- hostile and damaged archives -------------------------------------------------------------
class _RunsCode:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def _archive(records, folder="archive"):
    records = {"version": b"3\n", **records}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in records.items():
            z.writestr(f"{folder}/{name}", data)
    return buf.getvalue()


def _storage_pickle(storage_type, numel, size, stride, offset=0):
    """data.pkl of one tensor, as torch writes it, with the layout given."""
    class Rebuild:
        def __reduce__(self):
            return (_named("torch._utils", "_rebuild_tensor_v2"),
                    (_Storage(storage_type, numel), offset, size, stride, False, {}))

    class Pickler(pickle._Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _Storage):
                return ("storage", _named("torch", obj.kind), "0", "cpu", obj.numel)
            return None

        def save_global(self, obj, name=None):
            if isinstance(obj, _Name):
                self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
                return
            super().save_global(obj, name)
        dispatch = {**pickle._Pickler.dispatch, _Name: save_global}

    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(Rebuild())
    return buf.getvalue()


class _Name:
    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):
        raise AssertionError("never called")


def _named(module, name):
    return _Name(module, name)


class _Storage:
    def __init__(self, kind, numel):
        self.kind, self.numel = kind, numel


def _hostile(tmp_path):
    marker = tmp_path / "pwned"
    run = pickle.dumps(_RunsCode(f"touch {marker}"), protocol=2)
    yield "os.system via GLOBAL/REDUCE", _archive({"data.pkl": run})
    yield "os.system via STACK_GLOBAL", _archive({"data.pkl": pickle.dumps(
        _RunsCode(f"touch {marker}"), protocol=4)})
    yield "builtins.eval", _archive({"data.pkl": b"\x80\x02cbuiltins\neval\nX\x03\x00\x00\x00"
                                     b"1+1\x85R."})
    yield "too few bytes for the declared elements", _archive({
        "data.pkl": _storage_pickle("FloatStorage", 10, (10,), (1,)),
        "data/0": np.ones(2, np.float32).tobytes()})
    yield "a view past its storage", _archive({
        "data.pkl": _storage_pickle("FloatStorage", 4, (3,), (2,)),
        "data/0": np.ones(4, np.float32).tobytes()})
    yield "a huge declared storage", _archive({
        "data.pkl": _storage_pickle("DoubleStorage", 2 ** 40, (2 ** 40,), (1,)),
        "data/0": b"12345678"})
    yield "a missing storage record", _archive({
        "data.pkl": _storage_pickle("FloatStorage", 2, (2,), (1,))})
    yield "deep nesting", _archive({"data.pkl": b"\x80\x02" + b"]" * 5000 + b"a" * 4999 + b"."})
    yield "truncated pickle", _archive({"data.pkl": run[: len(run) // 2]})
    yield "not a pickle", _archive({"data.pkl": b"garbage"})


def test_hostile_archives_refused_like_torch(tmp_path):
    for what, data in _hostile(tmp_path):
        caught = []
        for lib in (minigrad, torch):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")   # torch's note on pickle protocol 4
                    lib.load(io.BytesIO(data), weights_only=True)
            except Exception as e:  # noqa: BLE001 - each library's class is checked below
                caught.append(e)
            else:
                caught.append(None)
        mg_error, th_error = caught
        assert mg_error is not None, f"{what}: minigrad loaded it"
        if th_error is None:   # torch loads 5000 nested lists; minigrad bounds the nesting
            assert isinstance(mg_error, pickle.UnpicklingError), (what, mg_error)
        else:
            assert type(mg_error) is type(th_error), (what, mg_error, th_error)
    assert not (tmp_path / "pwned").exists()


def test_compressed_records_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(RuntimeError, match="compressed"):
        minigrad.load(io.BytesIO(buf.getvalue()))


def test_only_referenced_records_are_read():
    """A damaged record the pickle never names does not stop the load."""
    extra = io.BytesIO()
    minigrad.save({"w": minigrad.ones(3)}, extra)
    with zipfile.ZipFile(extra, "a", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data/99", b"\x00" * 10)
    raw = bytearray(extra.getvalue())
    at = raw.rfind(b"\x00" * 10)
    raw[at:at + 10] = b"\xff" * 10   # the CRC no longer matches: reading it would fail
    assert minigrad.load(io.BytesIO(bytes(raw)))["w"].tolist() == [1.0, 1.0, 1.0]


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "ckpt.pt"
    minigrad.save({"w": minigrad.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        minigrad.save({"w": minigrad.zeros(2), "bad": lambda: 0}, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.pt"]


def test_storage_records_are_aligned():
    buf = io.BytesIO()
    minigrad.save({"a": minigrad.ones(3), "b": minigrad.zeros(5, dtype=minigrad.int64)}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        names = z.namelist()
        for info in z.infolist():
            if "/data/" in info.filename:
                start = info.header_offset + 30 + len(info.filename) + len(info.extra)
                assert start % 64 == 0
    assert names[0] == "archive/data.pkl" and "archive/byteorder" in names


@st.composite
def _views(draw):
    """(dtype, shape, a view builder taking the library) for a drawn strided view."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    order = draw(st.permutations(range(len(shape))))
    steps = [draw(st.integers(1, 2)) for _ in shape]
    starts = [draw(st.integers(0, n - 1)) for n in shape]

    def view(t, base):
        v = base.permute(*order)
        for d, (start, step) in enumerate(zip(starts, steps)):
            v = v.narrow(d, min(start, v.shape[d] - 1), v.shape[d] - min(start, v.shape[d] - 1))
            v = v[(slice(None),) * d + (slice(None, None, step),)]
        return v
    return dtype, shape, view


@settings(max_examples=40, deadline=None)
@given(case=_views(), seed=st.integers(0, 2 ** 16))
def test_drawn_views_cross_both_ways_sharing_storage(case, seed):
    dtype, shape, view = case
    data = values(np.random.default_rng(seed), dtype, shape)
    for save_lib, load in ((minigrad, mg_to_torch), (torch, torch_to_mg)):
        base = save_lib.from_numpy(data.copy())
        loaded = load({"base": base, "view": view(save_lib, base)})
        assert np.array_equal(loaded["base"].numpy(), data)
        assert np.array_equal(loaded["view"].numpy(), view(save_lib, base).numpy())
        if loaded["view"].numel():   # one storage: writing the base shows through the view
            loaded["base"].zero_()
            assert not loaded["view"].numpy().astype(bool).any()
