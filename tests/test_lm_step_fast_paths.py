"""The fast paths of the tiny-GPT training step (W7) give the bytes of the general ones:

* clip_grad_norm_ / get_total_norm take each gradient's norm straight from its array when no op
  is being recorded: the same total norm and clipped gradients, byte for byte, as through the
  norm op (drawn gradients of both float dtypes, every norm type), and the norm op still runs
  (so is seen) under forward AD and minigrad.compile's capture;
* float32 GELU's forward and backward write their large results and temporaries into kept
  arrays (_buffers.py): the same bytes and layout as the formulas with fresh arrays (written out
  here), on drawn arrays of every layout, special values included; and a result still held is
  never handed out again;
* a view of a row-major array is NumPy's reshape: the strides torch's rule gives, checked
  against that rule on drawn shapes and layouts (size-1 dims with any stride, column-major,
  empty arrays).
"""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.autograd.function import _NO_CTX
from minigrad.nn.utils import clip_grad
from minigrad.ops import shape as shape_ops
from minigrad.ops.activation import GeluBackward0, GeluBackwardBackward0, normal_cdf_parts


def _grads(seed, count, dtypes, scale):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        shape = tuple(rng.integers(1, 5, size=int(rng.integers(0, 4))))
        dtype = dtypes[i % len(dtypes)]
        out.append(np.asarray(scale * rng.standard_normal(shape), dtype=dtype))
    return out


def _clipped(grads, norm_type, max_norm):
    params = []
    for g in grads:
        p = minigrad.zeros(g.shape, dtype=minigrad.float32 if g.dtype == np.float32
                           else minigrad.float64, requires_grad=True)
        p.grad = minigrad.from_numpy(g.copy())
        params.append(p)
    total = minigrad.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    return [total.numpy().tobytes(), str(total.dtype)] + [p.grad.numpy().tobytes()
                                                          for p in params]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6),
       st.sampled_from([(np.float32,), (np.float64,), (np.float32, np.float64)]),
       st.sampled_from([2.0, 1.0, 3.0, 0.5, float("inf"), -float("inf"), 0.0]),
       st.sampled_from([1e-3, 1.0, 1e3]), st.sampled_from([0.01, 1.0, 100.0]))
def test_clip_grad_norm_fast_path_gives_the_norm_ops_bytes(seed, count, dtypes, norm_type,
                                                           scale, max_norm):
    grads = _grads(seed, count, dtypes, scale)
    fast = _clipped(grads, norm_type, max_norm)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(clip_grad, "_unrecorded", lambda tensors: False)   # through the norm op
        general = _clipped(grads, norm_type, max_norm)
    assert fast == general


def test_clip_grad_norm_fast_path_only_without_recording():
    g = minigrad.ones(3)
    assert clip_grad._unrecorded([g])
    assert not clip_grad._unrecorded([minigrad.ones(3, dtype=minigrad.int64)])
    import minigrad.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        assert not clip_grad._unrecorded([g])


_A = 3.57599
_Q = (-224.95218, 233.21605, -41.05217, 12.783437, 0.80871826, 0.41842118)
_SPECIALS = np.array([0.0, -0.0, np.nan, -np.nan, np.inf, -np.inf, 1e-45, -1e-45, 1e-38, -1e-38,
                      1e-7, -1e-7, 3.4e38, -3.4e38, 5, -5, 10, -10, 13, -13, 20, -20], np.float32)


def _fresh_cdf(x):
    """float32 (Φ(x), exp(-x²/2)), each step of the fit one pass over all of x into fresh arrays
    (x's layout): h = t Q(t) exp(-x²/2), t = 1 / (|x| + a);  Φ = 1/2 + sign(x) (1/2 - h)."""
    f = np.float32
    t = np.abs(x, out=np.empty_like(x))
    t += f(_A)
    np.divide(f(1), t, out=t)
    gauss = np.multiply(x, x, out=np.empty_like(x))
    gauss *= f(-0.5 * math.log2(math.e))
    np.exp2(gauss, out=gauss)
    h = np.multiply(t, f(_Q[0]), out=np.empty_like(x))
    h += f(_Q[1])
    for q in _Q[2:]:
        h *= t
        h += f(q)
    h *= t
    h *= gauss
    cdf = np.subtract(f(0.5), h, out=h)
    flip = (np.signbit(x)).astype(np.uint32) << 31     # -cdf where x's sign bit is set
    cdf.view(np.uint32)[...] ^= flip
    cdf += f(0.5)
    return cdf, gauss


def _fresh_gelu_slope(x, cdf, gauss):
    """gelu'(x) = Φ(x) + x exp(-x²/2) / √(2π), in fresh arrays."""
    slope = np.multiply(gauss, np.float32(1 / math.sqrt(2 * math.pi)), out=np.empty_like(x))
    slope *= x
    slope += cdf
    return slope


def _layouts(x):
    yield x
    if x.ndim > 1:
        yield np.asfortranarray(x)          # a transposed layout
        yield x[..., ::2]                   # a strided one
        yield np.swapaxes(x, 0, -1)[::-1]   # a negative stride
    yield x.reshape(-1)[1:]                 # not aligned to the array's start


@pytest.mark.parametrize("shape", [(), (7,), (3, 5), (512, 256), (3, 11001), (0,), (2, 0, 3)])
@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_float32_gelu_in_kept_arrays_gives_the_fresh_formulas_bytes(shape, scale):
    rng = np.random.default_rng(int(scale) * 1000 + len(shape))
    x = (rng.standard_normal(shape) * scale).astype(np.float32)
    if x.size >= _SPECIALS.size:
        x.reshape(-1)[:_SPECIALS.size] = _SPECIALS
    grad = rng.standard_normal(shape).astype(np.float32)
    with np.errstate(all="ignore"):
        for v in _layouts(x):
            want, want_gauss = _fresh_cdf(v)
            got, got_gauss = normal_cdf_parts(v)
            for a, b in ((got, want), (got_gauss, want_gauss)):
                assert a.tobytes() == b.tobytes() and a.strides == b.strides
            product = v * want
            out = np.asarray(GeluBackward0.forward(_NO_CTX, v, "none"))
            assert out.tobytes() == product.tobytes() and out.strides == product.strides
            g = grad if v.shape == grad.shape else np.ones(v.shape, np.float32)
            want_grad = g * _fresh_gelu_slope(v, want, want_gauss)
            got_grad = GeluBackwardBackward0.forward(_NO_CTX, g, v, "none", got, got_gauss)
            assert got_grad.tobytes() == want_grad.tobytes()
            # without the forward's Φ and Gaussian (a second derivative's path): the same bytes
            alone = GeluBackwardBackward0.forward(_NO_CTX, g, v, "none")
            assert alone.tobytes() == want_grad.tobytes()


def test_gelu_results_still_held_are_not_reused():
    rng = np.random.default_rng(5)
    x1, x2 = (minigrad.tensor(rng.standard_normal((512, 256)).astype(np.float32),
                              requires_grad=True) for _ in range(2))
    y1 = minigrad.nn.functional.gelu(x1)
    kept = y1.detach().numpy().copy()
    for _ in range(3):   # later GELUs of the same shape, forward and backward
        minigrad.nn.functional.gelu(x2).sum().backward()
    assert y1.detach().numpy().tobytes() == kept.tobytes()
    y1.sum().backward()
    x1_th = torch.tensor(x1.detach().numpy(), requires_grad=True)
    torch.nn.functional.gelu(x1_th).sum().backward()
    np.testing.assert_allclose(x1.grad.numpy(), x1_th.grad.numpy(), rtol=1e-5, atol=1e-6)


def _torch_rule_view(x, shape):
    """x viewed as shape with the strides of torch's computeStride, or None."""
    strides = shape_ops._compute_stride(x.shape, [s // x.itemsize for s in x.strides], shape)
    if strides is None:
        return None
    return np.lib.stride_tricks.as_strided(x, shape, tuple(s * x.itemsize for s in strides))


def _drawn_view_case(rng):
    """(x of a drawn shape and layout, a new shape with as many elements)."""
    old = tuple(int(rng.choice([0, 1, 1, 2, 3, 4]) if rng.random() < 0.97 else 0)
                for _ in range(int(rng.integers(0, 5))))
    size = math.prod(old)
    strides = list(np.empty(old, np.float32).strides)
    layout = rng.random()
    if layout < 0.5:   # size-1 dims with any stride (a row-major array all the same)
        strides = [int(rng.integers(-8, 40)) * 4 if n == 1 and rng.random() < 0.7 else s
                   for n, s in zip(old, strides)]
    elif layout > 0.8 and len(old) > 1:   # column-major
        strides = list(np.empty(old[::-1], np.float32).strides[::-1])
    base = np.zeros(max(size, 1) * 6 + 64, np.float32)
    x = np.lib.stride_tricks.as_strided(base[16:], old, tuple(strides))
    new, rest = [], max(size, 1)
    for _ in range(int(rng.integers(0, 5))):
        n = int(rng.choice([d for d in (1, 2, 3, 4, 6) if rest % d == 0]))
        new.append(n)
        rest //= n
    new.append(rest if size else 0)
    rng.shuffle(new)
    return x, tuple(new)


def test_views_take_torchs_strides():
    rng = np.random.default_rng(11)
    for _ in range(3000):
        x, new = _drawn_view_case(rng)
        got, want = shape_ops._strided_view(x, new), _torch_rule_view(x, new)
        assert (got is None) == (want is None), (x.shape, x.strides, new)
        if got is not None:
            assert (got.shape, got.strides) == (want.shape, want.strides), (x.strides, new)
