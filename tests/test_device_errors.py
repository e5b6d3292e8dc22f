"""Making a tensor on a device a CPU-only build lacks, by every route, against torch.

torch's errors depend on the route: a factory function (zeros, rand, arange, ...) allocates
through its dispatcher, which has no kernel for MPS, HIP, XLA, ... and raises NotImplementedError
naming the allocation operator (``aten::empty.memory_format``; ``aten::empty_strided`` for the
``*_like`` functions); copying data there (``tensor``, ``as_tensor``, ``new_tensor``, ``.to``)
raises RuntimeError ("PyTorch is not linked with support for mps devices"); CUDA and XPU raise
AssertionError either way; ``Generator(device)`` has messages of its own. torch's dispatcher
message goes on with a list of backends that minigrad leaves out (it names none of them), so
those compare as torch's message starting with minigrad's.
"""
import warnings

import pytest
import torch

import minigrad
from helpers import catch

KINDS = ["mps", "hip", "ipu", "xla", "vulkan", "lazy", "cuda", "xpu"]
ROUTES = {
    "zeros": lambda t, d: t.zeros(2, device=d), "ones": lambda t, d: t.ones(2, device=d),
    "empty": lambda t, d: t.empty(2, device=d), "full": lambda t, d: t.full((2,), 1., device=d),
    "scalar_tensor": lambda t, d: t.scalar_tensor(1., device=d),
    "arange": lambda t, d: t.arange(3, device=d), "range": lambda t, d: t.range(0, 3, device=d),
    "linspace": lambda t, d: t.linspace(0, 1, 3, device=d),
    "logspace": lambda t, d: t.logspace(0, 1, 3, device=d), "eye": lambda t, d: t.eye(2, device=d),
    "tensor": lambda t, d: t.tensor([1.], device=d),
    "as_tensor": lambda t, d: t.as_tensor([1.], device=d),
    "asarray": lambda t, d: t.asarray([1.], device=d),
    "rand": lambda t, d: t.rand(2, device=d), "randn": lambda t, d: t.randn(2, device=d),
    "randint": lambda t, d: t.randint(0, 3, (2,), device=d),
    "randperm": lambda t, d: t.randperm(3, device=d),
    "normal": lambda t, d: t.normal(0., 1., (2,), device=d),
    "Generator": lambda t, d: t.Generator(d),
    "zeros_like": lambda t, d: t.zeros_like(t.zeros(2), device=d),
    "ones_like": lambda t, d: t.ones_like(t.zeros(2), device=d),
    "empty_like": lambda t, d: t.empty_like(t.zeros(2), device=d),
    "full_like": lambda t, d: t.full_like(t.zeros(2), 1, device=d),
    "rand_like": lambda t, d: t.rand_like(t.zeros(2), device=d),
    "randn_like": lambda t, d: t.randn_like(t.zeros(2), device=d),
    "randint_like": lambda t, d: t.randint_like(t.zeros(2), 3, device=d),
    "new_zeros": lambda t, d: t.zeros(2).new_zeros(2, device=d),
    "new_ones": lambda t, d: t.zeros(2).new_ones(2, device=d),
    "new_full": lambda t, d: t.zeros(2).new_full((2,), 1., device=d),
    "new_empty": lambda t, d: t.zeros(2).new_empty(2, device=d),
    "new_tensor": lambda t, d: t.zeros(2).new_tensor([1.], device=d),
    "to": lambda t, d: t.zeros(2).to(d), "to_device": lambda t, d: t.zeros(2).to(t.device(d)),
}
# routes whose error for these device types differs from torch's (kept as minigrad's own)
NOT_COMPARED = {("Generator", kind) for kind in ("ipu", "xla", "vulkan", "lazy")}


def outcome(lib, route, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return catch(lambda: ROUTES[route](lib, kind))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_the_error_torch_raises(route, kind):
    if (route, kind) in NOT_COMPARED:
        assert outcome(minigrad, route, kind)[0] is not None
        return
    th_cls, th_msg = outcome(torch, route, kind)
    mg_cls, mg_msg = outcome(minigrad, route, kind)
    assert th_cls is not None
    assert mg_cls == th_cls, (mg_cls, mg_msg, th_cls, th_msg)
    if th_msg.startswith("Could not run"):
        assert th_msg.startswith(mg_msg) and mg_msg.endswith("(if using custom build)."), (
            mg_msg, th_msg)
    else:
        assert mg_msg == th_msg


def test_default_device_mps_makes_factories_raise_as_torch():
    for lib in (torch, minigrad):
        lib.set_default_device("mps")
    try:
        for route in ("zeros", "randn", "arange", "zeros_like"):
            th, mg = (outcome(lib, route, None) for lib in (torch, minigrad))
            assert mg[0] == th[0] == "NotImplementedError" and th[1].startswith(mg[1]), route
    finally:
        for lib in (torch, minigrad):
            lib.set_default_device(None)


MODULES = {
    "Linear": lambda nn, d: nn.Linear(2, 2, device=d),
    "Conv2d": lambda nn, d: nn.Conv2d(1, 1, 2, device=d),
    "ConvTranspose1d": lambda nn, d: nn.ConvTranspose1d(1, 1, 2, device=d),
    "BatchNorm1d": lambda nn, d: nn.BatchNorm1d(3, device=d),
    "BatchNorm1d_stats_only": lambda nn, d: nn.BatchNorm1d(3, affine=False, device=d),
    "BatchNorm1d_nothing": lambda nn, d: nn.BatchNorm1d(3, affine=False,
                                                        track_running_stats=False, device=d),
    "InstanceNorm1d": lambda nn, d: nn.InstanceNorm1d(3, device=d),
    "InstanceNorm1d_affine": lambda nn, d: nn.InstanceNorm1d(3, affine=True, device=d),
    "LayerNorm": lambda nn, d: nn.LayerNorm(3, device=d),
    "LayerNorm_plain": lambda nn, d: nn.LayerNorm(3, elementwise_affine=False, device=d),
    "RMSNorm": lambda nn, d: nn.RMSNorm(3, device=d),
    "RMSNorm_plain": lambda nn, d: nn.RMSNorm(3, elementwise_affine=False, device=d),
    "GroupNorm": lambda nn, d: nn.GroupNorm(1, 3, device=d),
    "GroupNorm_plain": lambda nn, d: nn.GroupNorm(1, 3, affine=False, device=d),
    "PReLU": lambda nn, d: nn.PReLU(device=d),
    "MultiheadAttention": lambda nn, d: nn.MultiheadAttention(4, 2, device=d),
    "RNN": lambda nn, d: nn.RNN(2, 3, device=d), "LSTM": lambda nn, d: nn.LSTM(2, 3, device=d),
    "GRU": lambda nn, d: nn.GRU(2, 3, device=d),
    "RNNCell": lambda nn, d: nn.RNNCell(2, 3, device=d),
    "LSTMCell": lambda nn, d: nn.LSTMCell(2, 3, device=d),
    "GRUCell": lambda nn, d: nn.GRUCell(2, 3, device=d),
    "Embedding": lambda nn, d: nn.Embedding(3, 2, device=d),
    "Embedding_given_weight": lambda nn, d: nn.Embedding(
        3, 2, _weight=nn.Linear(2, 3).weight.detach(), device=d),
    "EmbeddingBag": lambda nn, d: nn.EmbeddingBag(3, 2, device=d),
    "TransformerEncoderLayer": lambda nn, d: nn.TransformerEncoderLayer(4, 2, 8, device=d),
    "TransformerDecoderLayer": lambda nn, d: nn.TransformerDecoderLayer(4, 2, 8, device=d),
}


@pytest.mark.parametrize("kind", ["mps", "hip", "cuda", "cpu"])
@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_made_on_a_device(module, kind):
    """Modules raise as their first allocation there raises; those that allocate nothing
    (InstanceNorm, LayerNorm without affine, an Embedding given its weight) are made."""
    th_cls, th_msg = catch(lambda: MODULES[module](torch.nn, kind))
    mg_cls, mg_msg = catch(lambda: MODULES[module](minigrad.nn, kind))
    assert mg_cls == th_cls, (mg_cls, mg_msg, th_cls, th_msg)
    assert th_cls is None or th_msg.startswith(mg_msg)
