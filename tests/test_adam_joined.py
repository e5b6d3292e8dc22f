"""Adam and AdamW stepping many parameters together, against torch byte for byte.

Float32 parameters of up to ``adam._JOIN_SIZE`` elements are stepped as joined arrays, their
state kept joined between steps (``optim/_joined_state.py``), a chunk of ``adam._CHUNK``
elements at a time in work arrays (``fma_exact``, ``_torch_sqrt.sqrt(x, work)``). Drawn here:
parameter shapes (some beyond a chunk, some beyond the join size, 0-dim ones), every option
(amsgrad, maximize, weight decay coupled or decoupled, betas on both forms of lerp, foreach),
gradients missing on some steps, a state dict loaded midway (the joined state then takes over
the loaded tensors); parameters and every state tensor compared as bytes with torch's after
each of several steps. Also: a checkpoint stores each joined state tensor on its own, a state
tensor replaced by the user is stepped from its new values, and the float64 route of
``fma_exact`` and the work-array square root against the general ones.
"""
import io

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad import _fma, _torch_sqrt
from minigrad.optim import adam
from optim_pairs import assert_bytes_equal, assert_state_equal, use_torchs_sqrt_if_unknown

torch.set_num_threads(1)

SHAPES = st.lists(st.sampled_from([(), (1,), (7,), (64,), (3, 5), (33, 65), (130, 129),
                                   (300, 300)]), min_size=1, max_size=5)


@pytest.fixture
def torch_sqrt(monkeypatch):
    use_torchs_sqrt_if_unknown(monkeypatch)


def _options(draw):
    name = draw(st.sampled_from(["Adam", "AdamW"]))
    kwargs = {"lr": draw(st.sampled_from([1e-3, 0.1])), "amsgrad": draw(st.booleans()),
              "maximize": draw(st.booleans()),
              "betas": (draw(st.sampled_from([0.9, 0.6, 0.3])), draw(st.sampled_from([0.999,
                                                                                      0.9]))),
              "weight_decay": draw(st.sampled_from([0, 0.01, 0.3])),
              "foreach": draw(st.sampled_from([None, False, True]))}
    if name == "Adam":
        kwargs["decoupled_weight_decay"] = draw(st.booleans())
    return name, kwargs


def _run(name, kwargs, shapes, dtype, rng, steps, reload_at, missing):
    init = [np.asarray(rng.standard_normal(s), dtype) for s in shapes]
    pm = [minigrad.nn.Parameter(minigrad.from_numpy(w.copy())) for w in init]
    pt = [torch.nn.Parameter(torch.from_numpy(w.copy())) for w in init]
    om = getattr(minigrad.optim, name)(pm, **kwargs)
    ot = getattr(torch.optim, name)(pt, **kwargs)
    for step in range(steps):
        for i, (a, b) in enumerate(zip(pm, pt)):
            if (step, i) in missing:
                a.grad = b.grad = None
                continue
            g = np.asarray(rng.standard_normal(a.shape) * (rng.random(a.shape) > 0.1), dtype)
            a.grad, b.grad = minigrad.from_numpy(g.copy()), torch.from_numpy(g.copy())
        if step == reload_at:
            saved = om.state_dict()
            om = getattr(minigrad.optim, name)(pm, **kwargs)
            om.load_state_dict(saved)
        om.step()
        ot.step()
        for a, b in zip(pm, pt):
            assert_bytes_equal(a, b)
            assert_state_equal(om.state.get(a, {}), ot.state.get(b, {}))
    return om, pm


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data(), shapes=SHAPES, dtype=st.sampled_from([np.float32, np.float64]))
def test_many_steps_match_torch_bytes(torch_sqrt, data, shapes, dtype):
    name, kwargs = _options(data.draw)
    steps = 4
    missing = set(data.draw(st.lists(st.tuples(st.integers(0, steps - 1),
                                               st.integers(0, len(shapes) - 1)), max_size=2)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    _run(name, kwargs, shapes, dtype, rng, steps, data.draw(st.integers(-1, steps - 1)),
         missing)


def test_joined_state_spans_chunks_and_is_kept(torch_sqrt, monkeypatch):
    """Parameters stepped together across several chunks; their state stays joined."""
    monkeypatch.setattr(adam, "_CHUNK", 1000)
    shapes = [(64,), (30, 70), (5,), (2, 999), ()]
    om, pm = _run("AdamW", {"lr": 0.01, "amsgrad": True}, shapes, np.float32,
                  np.random.default_rng(3), 5, -1, set())
    (joined,) = om._joined_states().values()
    flat = joined.flat["exp_avg"]
    assert flat.size == sum(p.numel() for p in pm)
    parts = [om.state[p]["exp_avg"].numpy() for p in pm]
    assert all(np.shares_memory(part, flat) for part in parts)


def test_a_checkpoint_stores_each_state_tensor_on_its_own():
    params = [minigrad.nn.Parameter(minigrad.ones(3, 4)), minigrad.nn.Parameter(minigrad.ones(5))]
    opt = minigrad.optim.Adam(params)
    for p in params:
        p.grad = minigrad.ones_like(p)
    opt.step()
    buffer = io.BytesIO()
    minigrad.save(opt.state_dict(), buffer)
    buffer.seek(0)
    loaded = torch.load(buffer)
    for i, p in enumerate(params):
        for key in ("exp_avg", "exp_avg_sq"):
            t = loaded["state"][i][key]
            assert t.untyped_storage().nbytes() == 4 * p.numel() and t.storage_offset() == 0


def test_a_replaced_state_tensor_is_stepped_from_its_values(torch_sqrt):
    rng = np.random.default_rng(5)
    init = [rng.standard_normal(s).astype(np.float32) for s in [(4, 3), (6,), (2,)]]
    pm = [minigrad.nn.Parameter(minigrad.from_numpy(w.copy())) for w in init]
    pt = [torch.nn.Parameter(torch.from_numpy(w.copy())) for w in init]
    om, ot = minigrad.optim.AdamW(pm, lr=0.1), torch.optim.AdamW(pt, lr=0.1)
    for step in range(4):
        for a, b in zip(pm, pt):
            g = rng.standard_normal(a.shape).astype(np.float32)
            a.grad, b.grad = minigrad.from_numpy(g.copy()), torch.from_numpy(g.copy())
        if step == 2:
            value = rng.random((6,)).astype(np.float32)
            om.state[pm[1]]["exp_avg_sq"] = minigrad.from_numpy(value.copy())
            ot.state[pt[1]]["exp_avg_sq"] = torch.from_numpy(value.copy())
            om.state[pm[0]]["exp_avg"].mul_(2)
            ot.state[pt[0]]["exp_avg"].mul_(2)
        om.step()
        ot.step()
        for a, b in zip(pm, pt):
            assert_bytes_equal(a, b)
            assert_state_equal(om.state[a], ot.state[b])


def _special_floats(rng, n):
    x = rng.standard_normal(n) * np.exp2(rng.integers(-140, 60, n))
    pick = rng.random(n)
    x[pick < 0.05] = 0.0
    x[(pick > 0.05) & (pick < 0.07)] = np.inf
    return x.astype(np.float32)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 3000), st.booleans())
def test_fma_exact_is_the_exact_fma(seed, n, scalar):
    """The float64 route against the general fma (exact float32 fma on every route), special
    values, subnormal products and float32 ties included."""
    rng = np.random.default_rng(seed)
    a, c = _special_floats(rng, n), _special_floats(rng, n)
    b = np.float32(rng.standard_normal()) if scalar else _special_floats(rng, n)
    if not scalar:   # exact ties: c + a b on a float32 midpoint
        a[:2], b[:2], c[:2] = np.float32(1 + 2**-23), np.float32(1 + 2**-23), np.float32(-1)
    want = _fma.fma(a, b, c)
    got = _fma.fma_exact(a, b, c, out=c.copy(), work=np.empty(2 * n))
    assert got.tobytes() == want.tobytes()
    assert _fma.fma_exact(a, b, c).tobytes() == want.tobytes()


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5000))
def test_square_root_in_work_arrays_is_the_same(seed, n):
    rng = np.random.default_rng(seed)
    x = np.abs(_special_floats(rng, n))
    work = np.empty((4, n), np.float32)
    assert _torch_sqrt.sqrt(x, work).tobytes() == _torch_sqrt.sqrt(x).tobytes()
    positive = x[(x > 1e-37) & (x < 1e37)]
    if positive.size:
        got = _torch_sqrt.sqrt(positive, np.empty((4, positive.size), np.float32))
        assert got.tobytes() == _torch_sqrt.sqrt(positive).tobytes()


def test_fma_exact_repairs_only_the_ties_and_tiny_sums_among_ordinary_ones():
    """Arrays mixing ordinary elements with float32 ties and sums below float32's normal range
    (an Adam step on tiny gradients): the same bytes as the exact float32 fma of every element,
    with work arrays reused and no chunk-wide fallback."""
    from minigrad._fma import _fma32, fma_exact
    rng = np.random.default_rng(11)
    for trial in range(60):
        n = int(rng.integers(2, 3000))
        a = (rng.standard_normal(n) * 10.0 ** rng.integers(-25, 5, n)).astype(np.float32)
        c = (rng.standard_normal(n) * 10.0 ** rng.integers(-45, 5, n)).astype(np.float32)
        b = (np.asarray(np.float32(rng.choice([1e-3, 0.1, 1e-20, 3.0]))) if trial % 2 else
             (rng.standard_normal(n) * 10.0 ** rng.integers(-25, 5, n)).astype(np.float32))
        if b.ndim:   # (1 + 2**-23) + 2**-24 - 2**-70 exactly: float64 rounds it onto a float32
            ties = rng.integers(0, n, 3)   # tie, which would then round up, not down
            a[ties] = np.float32(2.0 ** -24 * (1 + 2.0 ** -23))
            b[ties], c[ties] = np.float32(1 - 2.0 ** -23), np.float32(1 + 2.0 ** -23)
        with np.errstate(all="ignore"):
            want = _fma32(a, np.broadcast_to(b, c.shape), c)
            got = fma_exact(a, b, c, out=np.empty_like(c), work=np.empty(2 * n))
        assert got.tobytes() == want.tobytes()
