"""The fast paths of the tiny-GPT training step (W7) give the bytes of the general ones:

* clip_grad_norm_ / get_total_norm take each gradient's norm straight from its array when no op
  is being recorded: the same total norm and clipped gradients, byte for byte, as through the
  norm op (drawn gradients of both float dtypes, every norm type), and the norm op still runs
  (so is seen) under forward AD and minigrad.compile's capture.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.nn.utils import clip_grad


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
