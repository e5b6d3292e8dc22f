"""The fast paths of the tiny-GPT training step (W7) give the bytes of the general ones:

* clip_grad_norm_ / get_total_norm take each gradient's norm straight from its array when no op
  is being recorded: the same total norm and clipped gradients, byte for byte, as through the
  norm op (drawn gradients of both float dtypes, every norm type), and the norm op still runs
  (so is seen) under forward AD and minigrad.compile's capture;
* importing minigrad raises glibc's heap thresholds (minigrad/_heap.py): a step's freed
  activations stay in the heap for the next step instead of being faulted in again.
"""
import os
import platform
import subprocess
import sys

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


_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CHURN = """
import resource, sys
import numpy as np
if sys.argv[1] == "minigrad":
    import minigrad  # noqa: F401
def churn():                     # a step's activations: 3 x 1 MiB made, then freed
    arrays = [np.ones(1 << 18, np.float32) for _ in range(3)]
    del arrays
churn()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    churn()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="the heap thresholds are glibc's")
def test_importing_minigrad_keeps_a_steps_freed_activations_in_the_heap():
    """Without minigrad's import, glibc gives the freed 3 MiB back after each round and the next
    round page-faults it in again (256 pages per MiB); after it, the memory is reused."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    faults = {}
    for lib in ("numpy", "minigrad"):
        out = subprocess.run([sys.executable, "-c", _CHURN, lib], env=env, capture_output=True,
                             text=True, check=True, cwd=_ROOT)
        faults[lib] = int(out.stdout.split()[-1])
    assert faults["numpy"] > 50 * 256          # the control: every round faults
    assert faults["minigrad"] < 50 * 16, faults
