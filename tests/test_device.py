"""The device namespace on a machine without a GPU: torch.device, torch.cuda, torch.accelerator,
torch.backends, the default device, thread counts and autocast, each answer and error compared
with real torch (a CPU-only build, as minigrad is)."""
import subprocess
import sys
import warnings

import pytest
import torch

import minigrad
from helpers import catch


def answers(run):
    """run(torch) and run(minigrad): the same repr, or the same exception class and message."""
    th_err, th_msg = catch(lambda: run(torch))
    mg_err, mg_msg = catch(lambda: run(minigrad))
    assert (mg_err, mg_msg) == (th_err, th_msg)
    if th_err is None:
        got, expected = repr(run(minigrad)), repr(run(torch))
        assert got.replace("minigrad", "torch") == expected


DEVICE_CALLS = [
    lambda t: t.device("cuda"), lambda t: t.device("cuda", 1), lambda t: t.device("cuda:1"),
    lambda t: t.device("cpu", 0), lambda t: t.device("cpu:0"), lambda t: t.device("mps"),
    lambda t: t.device(type="cuda", index=3), lambda t: t.device("cuda", index=None),
    lambda t: t.device(t.device("cuda:2")), lambda t: t.device("privateuseone"),
    lambda t: str(t.device("cuda", 2)), lambda t: t.device("cuda:1").index,
    lambda t: t.device("cuda:1").type, lambda t: t.device("cpu").index,
    lambda t: t.device("cpu") == t.device("cpu", 0), lambda t: t.device("cpu") == "cpu",
    lambda t: t.device("cuda", 0) == t.device("cuda:0"), lambda t: t.device("cpu") == 1,
    lambda t: {t.device("cpu"): 1}[t.device("cpu")],
    # errors
    lambda t: t.device(0), lambda t: t.device("foo"), lambda t: t.device("CPU"),
    lambda t: t.device("cuda:x"), lambda t: t.device("cuda:-1"), lambda t: t.device("cuda:01"),
    lambda t: t.device("cuda:0:1"), lambda t: t.device(" cpu"), lambda t: t.device(""),
    lambda t: t.device("cuda", -1), lambda t: t.device("cuda", index=-1),
    lambda t: t.device("cuda", "x"), lambda t: t.device("cuda", True),
    lambda t: t.device(type="cpu", index="1"), lambda t: t.device("cuda", index=2.0),
    lambda t: t.device("cuda:1", 2), lambda t: t.device(t.device("cpu"), 0),
    lambda t: t.device(1.5), lambda t: t.device(None),
]


@pytest.mark.parametrize("run", DEVICE_CALLS)
def test_device_objects(run):
    answers(run)


PLACEMENTS = [
    lambda t: t.tensor(1.).cuda(), lambda t: t.tensor(1.).cuda(0),
    lambda t: t.tensor(1.).cuda("cuda:0"),
    lambda t: t.tensor(1.).to("cuda"), lambda t: t.tensor(1.).to("cuda:0"),
    lambda t: t.tensor(1.).to(device="cuda"), lambda t: t.tensor(1.).to(t.device("cuda")),
    lambda t: t.tensor(1.).to("cuda", t.float64), lambda t: t.tensor(1.).to(0),
    lambda t: t.tensor(1.).to("mps"), lambda t: t.tensor(1.).to("hip"),
    lambda t: t.tensor(1.).to("xpu"), lambda t: t.tensor(1.).to("gpu"),
    lambda t: t.tensor(1., device="cuda"), lambda t: t.zeros(2, device="cuda"),
    lambda t: t.zeros(2, device=t.device("cuda", 0)), lambda t: t.zeros(2, device=0),
    lambda t: t.arange(3, device="cuda"),
    lambda t: t.randn(2, device="cuda"), lambda t: t.tensor(1., device="xpu"),
    lambda t: t.nn.Linear(2, 2).cuda(), lambda t: t.nn.Linear(2, 2).to("cuda"),
    lambda t: t.nn.Linear(2, 2).to(t.device("cuda")), lambda t: t.nn.Linear(2, 2).to(0),
    lambda t: t.nn.Linear(2, 2).to("mps"), lambda t: t.nn.Sequential().cuda(),
    # the CPU is accepted under every spelling; tensors report device(type='cpu')
    lambda t: t.tensor(1.).to("cpu:0").device, lambda t: t.zeros(2, device="cpu:1").device,
    lambda t: t.tensor(1.).to(t.device("cpu", 0)).device, lambda t: t.tensor(1.).is_cuda,
    lambda t: t.tensor(1.).get_device(), lambda t: t.nn.Linear(2, 2).to("cpu").weight.device,
]


@pytest.mark.parametrize("run", PLACEMENTS)
def test_placing_tensors(run):
    answers(run)


NAMESPACE_CALLS = [
    lambda t: t.cuda.is_available(), lambda t: t.cuda.device_count(),
    lambda t: t.cuda.manual_seed(1), lambda t: t.cuda.manual_seed_all(1),
    lambda t: t.cuda.manual_seed("a"), lambda t: t.cuda.seed(), lambda t: t.cuda.seed_all(),
    lambda t: t.cuda.synchronize(), lambda t: t.cuda.empty_cache(),
    lambda t: t.cuda.current_device(), lambda t: t.cuda.get_device_name(),
    lambda t: t.cuda.get_device_name(0), lambda t: t.cuda.is_initialized(),
    lambda t: t.cuda.init(), lambda t: t.cuda.initial_seed(), lambda t: t.cuda.get_rng_state(),
    lambda t: t.cuda.get_device_properties(0), lambda t: t.cuda.get_device_capability(),
    lambda t: t.cuda.memory_allocated(), lambda t: t.cuda.max_memory_allocated(),
    lambda t: t.cuda.memory_reserved(), lambda t: t.cuda.is_bf16_supported(),
    lambda t: t.cuda.get_arch_list(),
    lambda t: t.accelerator.is_available(), lambda t: t.accelerator.current_accelerator(),
    lambda t: t.accelerator.current_accelerator(check_available=True),
    lambda t: t.accelerator.device_count(), lambda t: t.accelerator.current_device_index(),
    lambda t: t.accelerator.synchronize(), lambda t: t.accelerator.set_device_index(0),
    lambda t: t.backends.mps.is_available(), lambda t: t.backends.mps.is_built(),
    lambda t: t.backends.cudnn.is_available(), lambda t: t.backends.cudnn.version(),
    lambda t: t.backends.cuda.is_built(), lambda t: t.backends.cuda.matmul.allow_tf32,
    lambda t: t.version.cuda,
    lambda t: t.cpu.is_available(), lambda t: t.cpu.device_count(), lambda t: t.cpu.synchronize(),
    lambda t: t.cpu.current_device(),
    lambda t: t.is_inference_mode_enabled(), lambda t: t.get_default_device(),
    lambda t: t.set_default_device(1), lambda t: t.set_default_device("foo"),
    lambda t: t.set_num_threads(0), lambda t: t.set_num_threads(-1),
    lambda t: t.set_num_threads(1.5), lambda t: t.set_num_threads("2"),
    lambda t: t.set_num_interop_threads(0),
    lambda t: t.get_autocast_dtype("cpu"), lambda t: t.get_autocast_dtype("cuda"),
    lambda t: t.get_autocast_dtype("hpu"), lambda t: t.get_autocast_dtype("meta"),
    lambda t: t.get_autocast_dtype("foo"), lambda t: t.is_autocast_enabled(),
    lambda t: t.is_autocast_enabled("cpu"), lambda t: t.is_autocast_enabled(1),
]


@pytest.mark.parametrize("run", NAMESPACE_CALLS)
def test_namespace_answers(run):
    answers(run)


def test_device_selection_line_picks_the_cpu():
    def pick(t):
        return t.accelerator.current_accelerator().type if t.accelerator.is_available() else "cpu"
    assert pick(minigrad) == pick(torch) == "cpu"
    assert ("cuda" if minigrad.cuda.is_available() else "cpu") == "cpu"


@pytest.mark.parametrize("flag,setter", [("benchmark", "set_benchmark_cudnn"),
                                         ("deterministic", "set_deterministic_cudnn"),
                                         ("enabled", "set_enabled_cudnn"),
                                         ("allow_tf32", "set_allow_tf32_cublas")])
def test_cudnn_flags_set_read_back_and_check_their_type(flag, setter):
    for lib in (torch, minigrad):
        original = getattr(lib.backends.cudnn, flag)
        try:
            setattr(lib.backends.cudnn, flag, not original)
            assert getattr(lib.backends.cudnn, flag) is (not original)
        finally:
            setattr(lib.backends.cudnn, flag, original)
    assert getattr(minigrad.backends.cudnn, flag) == getattr(torch.backends.cudnn, flag)

    def set_int(t):
        setattr(t.backends.cudnn, flag, 3)
    answers(set_int)
    assert catch(lambda: set_int(torch))[1] == f"{setter} expects a bool, but got int"


def test_default_device_set_read_and_context_manager():
    def steps(t):
        seen = []
        try:
            for dev in ("cpu", "cpu:0", t.device("cpu"), None):
                t.set_default_device(dev)
                seen.append((str(t.get_default_device()), str(t.zeros(1).device),
                             str(t.tensor(1.).device)))
            t.set_default_device("cuda")
            seen.append(catch(t.get_default_device))
            seen.append(catch(lambda: t.zeros(2)))
            seen.append(catch(lambda: t.tensor([1.])))
            seen.append(catch(lambda: t.randn(2)))
            seen.append(catch(lambda: t.nn.Linear(2, 2)))
        finally:
            t.set_default_device(None)
        with t.device("cpu"):
            seen.append(str(t.zeros(1).device))
        with t.device("cuda"):
            seen.append(catch(lambda: t.arange(3)))
        seen.append(str(t.get_default_device()))
        return seen
    assert steps(minigrad) == steps(torch)


def test_thread_counts():
    """The defaults torch reports in a fresh interpreter; set/get round trip."""
    script = "import torch; print(torch.get_num_threads(), torch.get_num_interop_threads())"
    fresh_torch = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                 check=True).stdout.split()
    from minigrad import _threads
    assert [str(_threads._cpus())] * 2 == fresh_torch
    before = minigrad.get_num_threads()
    try:
        minigrad.set_num_threads(3)
        assert minigrad.get_num_threads() == 3
    finally:
        minigrad.set_num_threads(before)


def test_inference_mode_exists_and_records_nothing():
    for t in (torch, minigrad):
        x = t.ones(2, requires_grad=True)
        with t.inference_mode():
            y = x * 2
        assert y.requires_grad is False
        assert t.is_inference_mode_enabled() is False


AUTOCASTS = [
    lambda t: t.autocast("cpu", dtype=t.float32), lambda t: t.autocast("cuda"),
    lambda t: t.autocast("cpu", enabled=False), lambda t: t.autocast("mps"),
    lambda t: t.autocast("cuda:0"), lambda t: t.autocast("cpu", dtype=t.int32),
    lambda t: t.amp.autocast("cpu", dtype=t.float64),
]


@pytest.mark.parametrize("make", AUTOCASTS)
def test_autocast_regions_that_change_nothing(make):
    """Same warnings, same enabled flags inside, float32 results unchanged."""
    def run(t):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            region = make(t)
        a = t.ones(2, 2) * 1.5
        with region:
            inside = (t.is_autocast_enabled("cpu"), t.is_autocast_enabled("cuda"),
                      t.is_autocast_enabled("mps"), (a @ a).dtype, (a + a).dtype)
        return [str(w.message) for w in caught], str(inside), t.is_autocast_enabled("mps")
    assert run(minigrad) == run(torch)


def test_autocast_decorator_and_errors():
    for t in (torch, minigrad):
        @t.autocast("cpu", enabled=False)
        def double(x):
            return x * 2
        assert double(t.ones(1)).tolist() == [2.0]
    answers(lambda t: t.autocast(1))
    answers(lambda t: t.autocast("foo"))
    answers(lambda t: t.autocast("meta"))


def test_cpu_autocast_that_would_lower_precision_is_refused():
    """torch runs matmul in bfloat16 here; minigrad says it cannot rather than differ."""
    a = torch.ones(2, 2)
    with torch.autocast("cpu"):
        assert (a @ a).dtype == torch.bfloat16
    with pytest.raises(NotImplementedError, match="no CPU autocast"):
        with minigrad.autocast("cpu"):
            pass
    assert minigrad.is_autocast_enabled("cpu") is False
