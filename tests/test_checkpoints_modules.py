"""Checkpoints of every module type and every optimizer across the border: a state_dict that
minigrad.save writes opens in torch.load(weights_only=True) and loads (strictly) into torch's
module or optimizer of the same kind, holding the same keys, dtypes, shapes and bytes; and the
other way, torch.save's state_dicts (after torch has changed the weights and the running
statistics, or stepped the optimizer) load into minigrad's. Optimizers then step on from the
loaded state bit for bit with torch (on this processor's square roots: tests/optim_pairs.py).
Also: torch files holding a dtype minigrad has no room for are refused with an error that says so.
"""
import inspect
import io
import pickle

import numpy as np
import pytest
import torch

import minigrad
from optim_pairs import Pair, assert_bytes_equal, assert_state_equal, use_torchs_sqrt_if_unknown

torch.set_num_threads(1)

# every module that holds parameters or buffers, with small constructor arguments (the same for
# both libraries); the test below checks that every other module class has an empty state_dict
STATEFUL = {
    "Linear": (4, 3), "Conv1d": (2, 3, 3), "Conv2d": (2, 3, 3), "Conv3d": (2, 3, 2),
    "ConvTranspose1d": (2, 3, 3), "ConvTranspose2d": (2, 3, 3), "ConvTranspose3d": (2, 3, 2),
    "BatchNorm1d": (3,), "BatchNorm2d": (3,), "BatchNorm3d": (3,), "LayerNorm": ((2, 3),),
    "GroupNorm": (2, 4), "RMSNorm": (5,), "PReLU": (3,), "Embedding": (10, 4),
    "EmbeddingBag": (10, 4), "RNN": (3, 4, 2), "LSTM": (3, 4, 2), "GRU": (3, 4, 2),
    "RNNCell": (3, 4), "LSTMCell": (3, 4), "GRUCell": (3, 4), "MultiheadAttention": (8, 2),
    "TransformerEncoderLayer": (8, 2, 16), "TransformerDecoderLayer": (8, 2, 16),
    "Bilinear": (2, 3, 4),
}
KEYWORDS = {"InstanceNorm1d": {"affine": True, "track_running_stats": True},
            "LSTM": {"bidirectional": True, "proj_size": 2},
            "GRU": {"bidirectional": True, "bias": False}}
STATEFUL.update({f"InstanceNorm{d}d": (3,) for d in (1, 2, 3)})
ABSTRACT = {"Module", "RNNBase", "RNNCellBase", "Sequential", "ModuleList", "ModuleDict"}


def build(lib, name):
    lib.manual_seed(0)
    if name == "TransformerEncoder":
        return lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(8, 2, 16), 2)
    if name == "TransformerDecoder":
        return lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(8, 2, 16), 2)
    return getattr(lib.nn, name)(*STATEFUL[name], **KEYWORDS.get(name, {}))


def through_file(save, load, obj):
    buf = io.BytesIO()
    save(obj, buf)
    return load(io.BytesIO(buf.getvalue()), weights_only=True)


def module_classes():
    return sorted(n for n, c in vars(minigrad.nn).items()
                  if inspect.isclass(c) and issubclass(c, minigrad.nn.Module) and n not in ABSTRACT)


def test_every_module_with_state_is_covered():
    """A module class not in STATEFUL must construct from simple arguments to an empty state."""
    for name in module_classes():
        if name in STATEFUL or name in ("TransformerEncoder", "TransformerDecoder"):
            continue
        for args in ((), (2,), (2, 3), (1, (2, 3))):
            try:
                module = getattr(minigrad.nn, name)(*args)
            except (TypeError, ValueError):
                continue
            assert module.state_dict() == {}, f"{name} has state: add it to STATEFUL"
            break
        else:
            pytest.fail(f"{name} did not construct: add it to STATEFUL")


def _changed(state):
    """torch's state changed everywhere: floats scaled and shifted, counters advanced."""
    out = {}
    for key, value in state.items():
        if value.is_floating_point():
            out[key] = value * -1.5 + 0.25
        else:
            out[key] = value + 7
    return out


@pytest.mark.parametrize("name", sorted(STATEFUL) + ["TransformerEncoder", "TransformerDecoder"])
def test_module_state_dicts_cross_both_ways(name):
    mine, theirs = build(minigrad, name), build(torch, name)
    # minigrad -> torch
    loaded = through_file(minigrad.save, torch.load, mine.state_dict())
    assert list(loaded) == list(theirs.state_dict())
    theirs.load_state_dict(loaded)
    for key, value in mine.state_dict().items():
        assert_bytes_equal(value, theirs.state_dict()[key])
    # torch -> minigrad, every entry changed first
    theirs.load_state_dict(_changed(theirs.state_dict()))
    mine.load_state_dict(through_file(torch.save, minigrad.load, theirs.state_dict()))
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert_bytes_equal(mine.state_dict()[key], value)


OPTIMIZERS = {"SGD": {"lr": 0.1, "momentum": 0.9, "nesterov": True},
              "Adam": {"lr": 0.01, "amsgrad": True}, "AdamW": {"lr": 0.01},
              "RMSprop": {"lr": 0.01, "momentum": 0.5, "centered": True},
              "Adagrad": {"lr": 0.1, "lr_decay": 0.01}, "Adadelta": {"weight_decay": 0.1},
              "Adamax": {"lr": 0.01}, "NAdam": {"lr": 0.01, "decoupled_weight_decay": True},
              "RAdam": {"lr": 0.01}, "ASGD": {"lr": 0.01, "t0": 2}, "Rprop": {"lr": 0.01}}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_state_dicts_cross_both_ways(monkeypatch, name, dtype):
    """10 steps, then each library's state_dict through the other's file format into a fresh
    optimizer of the other library; 10 more steps: parameters and state bit for bit."""
    use_torchs_sqrt_if_unknown(monkeypatch)
    pair = Pair(name, [(3, OPTIMIZERS[name])], dtype, seed=1)
    pair.step(10)
    to_torch = through_file(minigrad.save, torch.load, pair.om.state_dict())
    to_minigrad = through_file(torch.save, minigrad.load, pair.ot.state_dict())
    pair.om, pair.ot = pair.make(minigrad, pair.mg), pair.make(torch, pair.th)
    pair.om.load_state_dict(to_minigrad)
    pair.ot.load_state_dict(to_torch)
    for pm, pt in zip(pair.mg, pair.th):
        assert_state_equal(pair.om.state[pm], pair.ot.state[pt])
    pair.step(10)
    pair.assert_bit_equal()


def test_lbfgs_state_dict_crosses_both_ways():
    def run(lib, steps, state=None):
        p = lib.nn.Parameter(lib.from_numpy(np.array([-1.2, 1.0, 0.5])))
        opt = lib.optim.LBFGS([p], history_size=3, max_iter=4)
        if state is not None:
            opt.load_state_dict(state)

        def closure():
            opt.zero_grad()
            loss = ((p - 1) ** 2).sum() + (p[0] * p[1]) ** 2
            loss.backward()
            return loss
        for _ in range(steps):
            opt.step(closure)
        return opt
    for save, load, src, dst in ((minigrad.save, torch.load, minigrad, torch),
                                 (torch.save, minigrad.load, torch, minigrad)):
        state = run(src, 2).state_dict()
        loaded = through_file(save, load, state)
        assert list(loaded["state"][0]) == list(state["state"][0])
        assert loaded["param_groups"] == state["param_groups"]
        for key, value in state["state"][0].items():
            values = value if isinstance(value, list) else [value]
            got = loaded["state"][0][key]
            for a, b in zip(got if isinstance(got, list) else [got], values):
                if hasattr(b, "dtype"):
                    assert a.numpy().tobytes() == b.detach().numpy().tobytes(), key
                else:
                    assert a == b, key
        run(dst, 1, loaded)   # the other library steps on from it


@pytest.mark.parametrize("dtype", ["bfloat16", "complex64", "uint16"])
def test_torch_files_with_dtypes_minigrad_lacks_are_refused(dtype):
    buf = io.BytesIO()
    torch.save({"t": torch.ones(3, dtype=getattr(torch, dtype))}, buf)
    with pytest.raises(pickle.UnpicklingError) as caught:
        minigrad.load(io.BytesIO(buf.getvalue()))
    message = str(caught.value)
    assert "bfloat16" in message if dtype == "bfloat16" else "Unsupported global" in message


@pytest.mark.parametrize("dtype", ["float32", "float64", "int16", "int64"])
def test_big_endian_archives_load_as_torch_loads_them(dtype):
    """An archive whose byteorder record says "big" (as torch writes on a big-endian machine):
    the values torch reads, in native order under NumPy's own dtype (so the fused kernels take
    their exact path on them)."""
    import zipfile
    buf = io.BytesIO()
    torch.save({"t": torch.arange(-3, 9).to(getattr(torch, dtype)).reshape(3, 4).t()}, buf)
    source, swapped = zipfile.ZipFile(io.BytesIO(buf.getvalue())), io.BytesIO()
    with zipfile.ZipFile(swapped, "w", zipfile.ZIP_STORED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename and not info.filename.endswith(".pkl"):
                data = np.frombuffer(data, dtype).byteswap().tobytes()
            out.writestr(info, data)
    expected = torch.load(io.BytesIO(swapped.getvalue()), weights_only=True)["t"]
    got = minigrad.load(io.BytesIO(swapped.getvalue()))["t"]
    assert_bytes_equal(got, expected)
    assert got.stride() == expected.stride()
    assert got._data.dtype is np.dtype(dtype)
