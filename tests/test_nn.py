"""nn.Module, nn.Parameter, layers and loss modules against torch.

Most tests build the same model with both libraries (``build(torch)`` / ``build(minigrad)``, the
code is identical), copy torch's weights across and compare reprs, names, outputs and grads.
"""
import platform
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch

import minigrad
from helpers import assert_same_error, assert_tensor_equal, to_mg

RNG = np.random.default_rng(7)


def _cpu_vendor():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.split(":")[1].strip()
    except OSError:
        pass
    return platform.processor()


# torch's dropout uses MKL's own random stream on Intel CPUs (see minigrad/_generator.py)
MKL_BERNOULLI = _cpu_vendor() == "GenuineIntel" and torch.backends.mkl.is_available()


def copy_weights(mg_model, th_model):
    mg_model.load_state_dict({k: to_mg(v) for k, v in th_model.state_dict().items()})


def randn(*shape, dtype=np.float32):
    return torch.from_numpy(RNG.standard_normal(shape).astype(dtype))


class Net:
    """The same small model written against either library."""

    @staticmethod
    def build(lib):
        nn = lib.nn

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)
                self.act = nn.Tanh()
                self.register_buffer("running", lib.zeros(3))
                self.register_buffer("scratch", lib.ones(2), persistent=False)

            def forward(self, x):
                return self.act(self.fc(x)) + self.running

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Dropout(0.1))
                self.block = Block()
                self.head = nn.Linear(3, 2, bias=False)
                self.scale = nn.Parameter(lib.ones(1))
                self.alias = self.head  # the same module twice: listed once

            def forward(self, x):
                return self.head(self.block(self.features(x))) * self.scale

        return Model()


@pytest.fixture
def models():
    th = Net.build(torch)
    mg = Net.build(minigrad)
    copy_weights(mg, th)
    return mg, th


# ---- Parameter ----------------------------------------------------------------------------------
def test_parameter_basics():
    data = randn(2, 3)
    pm, pt = minigrad.nn.Parameter(to_mg(data)), torch.nn.Parameter(data.clone())
    assert isinstance(pm, minigrad.Tensor) and type(pm).__name__ == "Parameter"
    assert str(type(pm)) == str(type(pt)) == "<class 'torch.nn.parameter.Parameter'>"
    assert pm.requires_grad and pm.is_leaf and pm.grad_fn is None
    assert repr(pm) == repr(pt)
    assert repr(minigrad.nn.Parameter(to_mg(data), requires_grad=False)) == repr(
        torch.nn.Parameter(data, requires_grad=False))
    assert repr(minigrad.nn.Parameter()) == repr(torch.nn.Parameter())
    assert repr(pm.detach()) == repr(pt.detach()) and type(pm.detach()) is minigrad.Tensor
    assert type(pm * 2) is minigrad.Tensor
    ints = torch.tensor([1, 2])
    assert_same_error(lambda: minigrad.nn.Parameter(to_mg(ints)),
                      lambda: torch.nn.Parameter(ints))


def test_parameter_shares_storage():
    t = minigrad.zeros(3)
    p = minigrad.nn.Parameter(t)
    with minigrad.no_grad():
        p.add_(1)
    assert t.tolist() == [1.0, 1.0, 1.0]


# ---- Linear -------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 42])
@pytest.mark.parametrize("shape", [(1, 1), (3, 2), (5, 3), (20, 10), (10, 1000)])
def test_linear_init_bit_exact(seed, shape):
    minigrad.manual_seed(seed)
    torch.manual_seed(seed)
    m, t = minigrad.nn.Linear(*shape), torch.nn.Linear(*shape)
    np.testing.assert_array_equal(m.weight.detach().numpy(), t.weight.detach().numpy())
    np.testing.assert_array_equal(m.bias.detach().numpy(), t.bias.detach().numpy())
    m, t = minigrad.nn.Linear(*shape, bias=False), torch.nn.Linear(*shape, bias=False)
    np.testing.assert_array_equal(m.weight.detach().numpy(), t.weight.detach().numpy())
    assert m.bias is None and list(m.state_dict()) == ["weight"]
    np.testing.assert_array_equal(minigrad.rand(3).numpy(), torch.rand(3).numpy())


def test_sequential_init_bit_exact():
    for lib in (minigrad, torch):
        lib.manual_seed(5)
    mk = lambda lib: lib.nn.Sequential(lib.nn.Linear(8, 32), lib.nn.ReLU(),  # noqa: E731
                                       lib.nn.Linear(32, 4))
    m, t = mk(minigrad), mk(torch)
    for (nm, pm), (nt, pt) in zip(m.named_parameters(), t.named_parameters()):
        assert nm == nt
        np.testing.assert_array_equal(pm.detach().numpy(), pt.detach().numpy())


def test_linear_seed_facts():
    """nn.Linear: shapes, dtype, leaves, generator, names, repr."""
    m = minigrad.nn.Linear(in_features=1, out_features=1)
    assert m.weight.shape == (1, 1) and m.bias.shape == (1,)
    assert m.weight.dtype == minigrad.float32 and m.weight.is_leaf and m.bias.requires_grad
    params = m.parameters()
    assert type(params).__name__ == "generator"
    assert list(params) == [m.weight, m.bias] or [id(p) for p in m.parameters()] == [
        id(m.weight), id(m.bias)]
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert repr(m) == "Linear(in_features=1, out_features=1, bias=True)"


@pytest.mark.parametrize("in_shape", [(4, 3), (3,), (2, 4, 3), (2, 2, 1, 3)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_forward_backward(in_shape, bias, dtype):
    t = torch.nn.Linear(3, 2, bias=bias).to(getattr(torch, np.dtype(dtype).name))
    m = minigrad.nn.Linear(3, 2, bias=bias).to(getattr(minigrad, np.dtype(dtype).name))
    copy_weights(m, t)
    x = randn(*in_shape, dtype=dtype).requires_grad_()
    xm = to_mg(x)
    yt, ym = t(x), m(xm)
    assert_tensor_equal(ym, yt)
    if len(in_shape) == 2:
        assert type(ym.grad_fn).__name__ == type(yt.grad_fn).__name__
    g = randn(*yt.shape, dtype=dtype)
    yt.backward(g)
    ym.backward(to_mg(g))
    assert_tensor_equal(xm.grad, x.grad)
    for (_, pm), (_, pt) in zip(m.named_parameters(), t.named_parameters()):
        assert_tensor_equal(pm.grad, pt.grad)


def test_linear_grad_fn_names():
    m = minigrad.nn.Linear(3, 2)
    x = minigrad.ones(4, 3)
    assert type(m(x).grad_fn).__name__ == "AddmmBackward0"
    assert type(minigrad.nn.Linear(3, 2, bias=False)(x).grad_fn).__name__ == "MmBackward0"


def test_linear_errors():
    t = torch.nn.Linear(1, 1)
    m = minigrad.nn.Linear(1, 1)
    for x in (torch.ones(4, 1, dtype=torch.float64), torch.ones(4, 2)):
        assert_same_error(lambda x=x: m(to_mg(x)), lambda x=x: t(x))


# ---- registration and traversal -----------------------------------------------------------------
def test_names_and_traversal_match_torch(models):
    mg, th = models
    assert [n for n, _ in mg.named_parameters()] == [n for n, _ in th.named_parameters()]
    assert [n for n, _ in mg.named_buffers()] == [n for n, _ in th.named_buffers()]
    assert [n for n, _ in mg.named_modules()] == [n for n, _ in th.named_modules()]
    assert [n for n, _ in mg.named_children()] == [n for n, _ in th.named_children()]
    assert len(list(mg.modules())) == len(list(th.modules()))
    assert len(list(mg.children())) == len(list(th.children()))
    assert list(mg.state_dict()) == list(th.state_dict())
    assert type(mg.state_dict()) is OrderedDict
    assert [n for n, _ in mg.named_parameters(prefix="m", recurse=False)] == [
        n for n, _ in th.named_parameters(prefix="m", recurse=False)]
    assert type(mg.parameters()).__name__ == "generator"
    sd = mg.state_dict()
    assert type(sd["head.weight"]) is minigrad.Tensor and not sd["head.weight"].requires_grad
    assert type(mg.state_dict(keep_vars=True)["head.weight"]).__name__ == "Parameter"


def test_forward_matches_torch(models):
    mg, th = models
    mg.eval()
    th.eval()
    x = randn(6, 5)
    assert_tensor_equal(mg(to_mg(x)), th(x))


def test_setattr_registration_and_errors():
    for lib in (minigrad, torch):
        m = lib.nn.Module()
        m.w = lib.nn.Parameter(lib.ones(2))
        m.plain = lib.ones(2)                  # a plain tensor is not registered
        m.sub = lib.nn.Linear(2, 2)
        assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
        m.w = None
        assert [n for n, _ in m.named_parameters()] == ["sub.weight", "sub.bias"]
        del m.sub
        assert list(m.named_children()) == []
    mm, mt = minigrad.nn.Module(), torch.nn.Module()
    mm.w, mt.w = minigrad.nn.Parameter(minigrad.ones(1)), torch.nn.Parameter(torch.ones(1))
    mm.s, mt.s = minigrad.nn.Linear(1, 1), torch.nn.Linear(1, 1)
    assert_same_error(lambda: setattr(mm, "w", minigrad.ones(1)),
                      lambda: setattr(mt, "w", torch.ones(1)))
    assert_same_error(lambda: setattr(mm, "s", 3), lambda: setattr(mt, "s", 3))
    assert_same_error(lambda: mm.nothing, lambda: mt.nothing)
    assert_same_error(lambda: mm.register_buffer("w", minigrad.ones(1)),
                      lambda: mt.register_buffer("w", torch.ones(1)))
    assert_same_error(lambda: mm.register_parameter("a.b", None),
                      lambda: mt.register_parameter("a.b", None))
    y = minigrad.ones(1, requires_grad=True) * 2
    yt = torch.ones(1, requires_grad=True) * 2
    assert_same_error(lambda: mm.register_parameter("y", y),
                      lambda: mt.register_parameter("y", yt))

    class Early(minigrad.nn.Module):
        def __init__(self):
            self.p = minigrad.nn.Parameter(minigrad.ones(1))

    class EarlyT(torch.nn.Module):
        def __init__(self):
            self.p = torch.nn.Parameter(torch.ones(1))

    assert_same_error(Early, EarlyT)


def test_shared_parameters_listed_once():
    for lib in (minigrad, torch):
        a = lib.nn.Linear(2, 2)
        seq = lib.nn.Sequential(a, lib.nn.ReLU(), a)
        assert len(list(seq.parameters())) == 2
        assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
        assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


# ---- state dict ---------------------------------------------------------------------------------
def test_load_state_dict_round_trip(models):
    mg, th = models
    for k, v in th.state_dict().items():
        assert_tensor_equal(mg.state_dict()[k], v)
    fresh = Net.build(minigrad)
    result = fresh.load_state_dict(mg.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    for (_, a), (_, b) in zip(fresh.state_dict().items(), mg.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_load_state_dict_errors_match_torch(models):
    mg, th = models
    sd_t = th.state_dict()
    cases = []
    missing = OrderedDict((k, v) for k, v in sd_t.items() if k != "block.fc.bias")
    cases.append(missing)
    extra = OrderedDict(sd_t)
    extra["block.extra"] = torch.ones(1)
    extra["nope.weight"] = torch.ones(1)
    cases.append(extra)
    resized = OrderedDict(sd_t)
    resized["head.weight"] = torch.ones(3, 3)
    cases.append(resized)
    both = OrderedDict(missing)
    both["zzz"] = torch.ones(1)
    both["head.weight"] = torch.ones(2)
    cases.append(both)
    for sd in cases:
        sd_m = OrderedDict((k, to_mg(v)) for k, v in sd.items())
        assert_same_error(lambda sd_m=sd_m: mg.load_state_dict(sd_m),
                          lambda sd=sd: th.load_state_dict(sd))
    sd_m = OrderedDict((k, to_mg(v)) for k, v in both.items() if k != "head.weight")
    rm = mg.load_state_dict(sd_m, strict=False)
    rt = th.load_state_dict(OrderedDict((k, v) for k, v in both.items() if k != "head.weight"),
                            strict=False)
    assert rm.missing_keys == rt.missing_keys and rm.unexpected_keys == rt.unexpected_keys
    assert repr(rm) == repr(rt)


# ---- modes and bulk operations ------------------------------------------------------------------
def test_train_eval_zero_grad_apply(models):
    mg, th = models
    for m in (mg, th):
        assert m.training and m.block.fc.training
        m.eval()
        assert not m.training and not m.features[2].training
        m.train()
        assert m.features[2].training
    x = to_mg(randn(2, 5))
    mg(x).sum().backward()
    assert all(p.grad is not None for p in mg.parameters())
    mg.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in mg.parameters())
    mg.zero_grad()
    assert all(p.grad is None for p in mg.parameters())
    names_m, names_t = [], []
    mg.apply(lambda m: names_m.append(type(m).__name__))
    th.apply(lambda m: names_t.append(type(m).__name__))
    assert names_m == names_t
    assert_same_error(lambda: mg.train("yes"), lambda: th.train("yes"))


def test_dtype_conversion_keeps_parameter_objects(models):
    mg, th = models
    w = mg.head.weight
    assert mg.double() is mg
    assert mg.head.weight is w and w.dtype == minigrad.float64
    assert all(p.dtype == minigrad.float64 for p in mg.parameters())
    assert mg.block.running.dtype == minigrad.float64
    mg.to(minigrad.float32)
    assert w.dtype == minigrad.float32 and isinstance(w, minigrad.nn.Parameter)
    mg.to(dtype=minigrad.float64).float()
    assert w.dtype == minigrad.float32
    assert_same_error(lambda: mg.to(minigrad.int64), lambda: th.to(torch.int64))
    mg.requires_grad_(False)
    assert not any(p.requires_grad for p in mg.parameters())


def test_forward_hooks():
    m = minigrad.nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append(("pre", len(args))))
    h2 = m.register_forward_hook(lambda mod, args, out: out * 0)
    out = m(minigrad.ones(1, 2))
    assert calls == [("pre", 1)] and out.tolist() == [[0.0, 0.0]]
    h1.remove()
    h2.remove()
    assert m(minigrad.ones(1, 2)).tolist() != [[0.0, 0.0]]


# ---- reprs --------------------------------------------------------------------------------------
def _reprs(lib):
    nn = lib.nn

    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())

        def extra_repr(self):
            return "k=1\nmulti=line"

    return [
        nn.Sequential(nn.Linear(1, 1)),
        nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Sequential(
            nn.Linear(128, 10, bias=False), nn.Dropout(p=0.2), nn.Softmax(dim=1)),
            nn.Flatten(), nn.Identity(), nn.LogSoftmax(dim=-1), nn.Tanh()),
        nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU(inplace=True))])),
        nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(),
                       nn.Linear(2, 2)]),
        nn.ModuleList(),
        nn.ModuleDict({"a": nn.Linear(1, 2), "b": nn.Sigmoid()}),
        nn.MSELoss(), nn.L1Loss(reduction="sum"), nn.BCELoss(), nn.BCEWithLogitsLoss(),
        nn.CrossEntropyLoss(label_smoothing=0.1), nn.NLLLoss(), nn.Softmax(), nn.Dropout(),
        nn.Flatten(0, 2), nn.Module(), Custom(),
    ]


def test_module_reprs_match_torch():
    for m, t in zip(_reprs(minigrad), _reprs(torch)):
        assert repr(m) == repr(t)
        assert str(m) == str(t)


# ---- containers ---------------------------------------------------------------------------------
def test_sequential_container_ops():
    for lib in (minigrad, torch):
        nn = lib.nn
        seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        assert len(seq) == 2 and isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.ReLU)
        seq.append(nn.Linear(3, 1))
        assert len(seq) == 3 and [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
        sub = seq[1:]
        assert type(sub) is nn.Sequential and list(sub._modules) == ["1", "2"]
        del seq[1]
        assert list(seq._modules) == ["0", "1"]
        assert seq(lib.ones(4, 2)).shape == (4, 1)
    assert_same_error(lambda: minigrad.nn.Sequential(minigrad.nn.ReLU())[3],
                      lambda: torch.nn.Sequential(torch.nn.ReLU())[3])


def test_module_list_and_dict():
    ml = minigrad.nn.ModuleList([minigrad.nn.Linear(2, 2) for _ in range(3)])
    ml.append(minigrad.nn.ReLU())
    assert len(ml) == 4 and len(list(ml.parameters())) == 6
    assert [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]
    md = minigrad.nn.ModuleDict({"enc": minigrad.nn.Linear(1, 1)})
    md["dec"] = minigrad.nn.Linear(1, 1)
    assert list(md.keys()) == ["enc", "dec"] and "dec" in md
    assert list(md.state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]


# ---- dropout and losses as modules --------------------------------------------------------------
@pytest.mark.skipif(MKL_BERNOULLI, reason="torch uses MKL's bernoulli stream on Intel CPUs")
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_module_matches_torch(p):
    x = randn(5, 7)
    minigrad.manual_seed(11)
    torch.manual_seed(11)
    dm, dt = minigrad.nn.Dropout(p), torch.nn.Dropout(p)
    np.testing.assert_array_equal(dm(to_mg(x)).numpy(), dt(x).numpy())
    dm.eval()
    dt.eval()
    np.testing.assert_array_equal(dm(to_mg(x)).numpy(), dt(x).numpy())


def test_dropout_module_errors():
    assert_same_error(lambda: minigrad.nn.Dropout(2), lambda: torch.nn.Dropout(2))


@pytest.mark.parametrize("name, make_input, make_target, kwargs", [
    ("MSELoss", lambda: randn(4, 3), lambda: randn(4, 3), {}),
    ("L1Loss", lambda: randn(4, 3), lambda: randn(4, 3), {"reduction": "sum"}),
    ("BCELoss", lambda: torch.sigmoid(randn(4, 3)), lambda: torch.rand(4, 3),
     {"weight": torch.rand(3)}),
    ("BCEWithLogitsLoss", lambda: randn(4, 3) * 10, lambda: torch.rand(4, 3),
     {"pos_weight": torch.rand(3) + 0.5}),
    ("CrossEntropyLoss", lambda: randn(4, 3) * 10, lambda: torch.tensor([0, 2, 1, 2]),
     {"weight": torch.rand(3) + 0.5, "label_smoothing": 0.05, "ignore_index": 1}),
    ("NLLLoss", lambda: torch.log_softmax(randn(4, 3), 1), lambda: torch.tensor([0, 2, 1, 2]),
     {"reduction": "none"}),
])
def test_loss_modules(name, make_input, make_target, kwargs):
    x, target = make_input().requires_grad_(), make_target()
    lt = getattr(torch.nn, name)(**kwargs)
    lm = getattr(minigrad.nn, name)(**{k: to_mg(v) if isinstance(v, torch.Tensor) else v
                                       for k, v in kwargs.items()})
    assert repr(lm) == repr(lt)
    assert list(lm.state_dict()) == list(lt.state_dict())
    xm = to_mg(x)
    out_m, out_t = lm(xm, to_mg(target)), lt(x, target)
    assert_tensor_equal(out_m, out_t)
    out_t.sum().backward()
    out_m.sum().backward()
    assert_tensor_equal(xm.grad, x.grad)


def test_legacy_reduction_flags():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert minigrad.nn.MSELoss(reduce=False).reduction == torch.nn.MSELoss(
            reduce=False).reduction
        assert minigrad.nn.MSELoss(size_average=False).reduction == torch.nn.MSELoss(
            size_average=False).reduction


# ---- nn.init -------------------------------------------------------------------------------------
INIT_CASES = [
    ("uniform_", {"a": -2.0, "b": 3.0}), ("normal_", {"mean": 1.0, "std": 0.5}),
    ("xavier_uniform_", {"gain": 2.0}), ("xavier_normal_", {}),
    ("kaiming_uniform_", {"a": 5 ** 0.5}), ("kaiming_uniform_", {"mode": "fan_out",
                                                                  "nonlinearity": "relu"}),
    ("kaiming_normal_", {}), ("kaiming_normal_", {"nonlinearity": "tanh", "mode": "fan_out"}),
]


@pytest.mark.parametrize("shape", [(3, 5), (20, 7), (4, 3, 2, 2)])
@pytest.mark.parametrize("name, kwargs", INIT_CASES)
def test_init_matches_torch(name, kwargs, shape):
    minigrad.manual_seed(21)
    torch.manual_seed(21)
    pm = minigrad.nn.Parameter(minigrad.empty(*shape))
    pt = torch.nn.Parameter(torch.empty(*shape))
    version = pm._version
    out_m = getattr(minigrad.nn.init, name)(pm, **kwargs)
    out_t = getattr(torch.nn.init, name)(pt, **kwargs)
    assert out_m is pm and pm._version > version and pm.requires_grad
    assert_tensor_equal(pm.detach(), pt.detach(), rtol=1e-6, atol=1e-7)
    gm, gt = minigrad.Generator().manual_seed(2), torch.Generator().manual_seed(2)
    getattr(minigrad.nn.init, name)(pm, generator=gm, **kwargs)
    getattr(torch.nn.init, name)(pt, generator=gt, **kwargs)
    assert_tensor_equal(pm.detach(), pt.detach(), rtol=1e-6, atol=1e-7)
    assert_tensor_equal(out_m.detach(), out_t.detach(), rtol=1e-6, atol=1e-7)


def test_init_constants_gain_and_fans():
    for fn, args in (("zeros_", ()), ("ones_", ()), ("constant_", (0.25,)), ("eye_", ())):
        pm = minigrad.nn.Parameter(minigrad.empty(3, 4))
        pt = torch.nn.Parameter(torch.empty(3, 4))
        getattr(minigrad.nn.init, fn)(pm, *args)
        getattr(torch.nn.init, fn)(pt, *args)
        assert_tensor_equal(pm.detach(), pt.detach())
    for args in (("linear",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                 ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu",), ("conv2d",)):
        assert minigrad.nn.init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)
    for args in (("softplus",), ("leaky_relu", True), ("leaky_relu", "x")):
        assert_same_error(lambda args=args: minigrad.nn.init.calculate_gain(*args),
                          lambda args=args: torch.nn.init.calculate_gain(*args))
    for shape in ((3, 4), (5, 2, 3), (6, 4, 3, 2)):
        assert minigrad.nn.init._calculate_fan_in_and_fan_out(minigrad.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    assert_same_error(lambda: minigrad.nn.init.xavier_uniform_(minigrad.empty(3)),
                      lambda: torch.nn.init.xavier_uniform_(torch.empty(3)))
    assert_same_error(lambda: minigrad.nn.init.kaiming_uniform_(minigrad.empty(3, 3), mode="x"),
                      lambda: torch.nn.init.kaiming_uniform_(torch.empty(3, 3), mode="x"))
