"""float32 ``F.gelu`` (approximate='none'): forward and gradient against torch on a dense grid.

minigrad's float32 Φ is a fit of its own (``ops/activation.py``): torch's float32 kernel is not
reproducible bit for bit, so the two are held to the float32 tolerance (rtol 1e-5, atol 1e-6)
and to the exact values (float64 gelu, gelu' and Φ of the same float32 inputs), on the 2,000,001
evenly spaced float32 numbers of [-10, 10]:

* torch: |minigrad - torch| <= atol + rtol |torch| at every point, or, where torch's own float32
  result is further than that from the exact value (a few points near x = -3.45, where it is off
  by up to 1.2e-6), minigrad closer to the exact value than torch;
* exact: Φ within 2.5e-7 everywhere (a few float32 roundings of Φ ~ 1/2), within 1.7e-8 for
  x <= -3 (half the float32 spacing of 1 + erf there, plus the fit's 1e-9) and within 5e-8 for
  x >= 3; gelu' within 2.5e-7; gelu within |x| 2.5e-7 + its float32 spacing;
* special values (±0, subnormals, large finite values, -inf, NaN) give torch's values, NaNs and
  signed zeros; above 1.7e38 and at +inf minigrad keeps x Φ(x) (x, and inf), where torch's
  float32 kernel overflows (inf) and gives NaN at +inf;
* the fit's stated error, |ε| <= 6.4e-8 (h + 0.02) (in float64, on [0, 13.5]);
* the checks can fail: the fit with any one of its numbers moved by 1e-5 of itself fails them.
"""
import math

import numpy as np
import pytest
import torch

import minigrad
from minigrad.ops import activation
from tests.helpers import TOLERANCES, assert_tensor_equal, pair

RTOL, ATOL = TOLERANCES["float32"]


def _grid(n=2_000_001):
    return np.linspace(-10, 10, n, dtype=np.float64).astype(np.float32)


def _minigrad(x):
    xt = minigrad.tensor(x, requires_grad=True)
    y = minigrad.nn.functional.gelu(xt)
    y.backward(minigrad.ones_like(y))
    return y.detach().numpy(), xt.grad.numpy()


def _torch(x, dtype=torch.float32):
    xt = torch.tensor(x, dtype=dtype, requires_grad=True)
    y = torch.nn.functional.gelu(xt)
    y.backward(torch.ones_like(y))
    return y.detach().numpy().astype(np.float64), xt.grad.numpy().astype(np.float64)


def _failures(x):
    """What of the checks in the module docstring fails on the float32 points x (finite, in
    [-10, 10]): a list of messages, empty when all hold."""
    with np.errstate(all="ignore"):
        got = _minigrad(x)
        cdf = activation.normal_cdf(x).astype(np.float64)
    ref, exact = _torch(x), _torch(x, torch.float64)
    exact_cdf = torch.special.ndtr(torch.tensor(x, dtype=torch.float64)).numpy()
    xd = x.astype(np.float64)
    failures = []
    for name, mine, theirs, true in zip(("gelu", "gelu'"), got, ref, exact):
        mine = mine.astype(np.float64)
        off = np.abs(mine - theirs) > ATOL + RTOL * np.abs(theirs)
        closer = np.abs(mine - true) < np.abs(theirs - true)
        if (off & ~closer).any():
            i = np.flatnonzero(off & ~closer)[0]
            failures.append(f"{name}({x[i]!r}) = {mine[i]!r}, torch {theirs[i]!r}, exact "
                            f"{true[i]!r}")
    cdf_error = np.abs(cdf - exact_cdf)
    for where, bound in ((np.ones(x.shape, bool), 2.5e-7), (xd <= -3, 1.7e-8), (xd >= 3, 5e-8)):
        if (cdf_error[where] > bound).any():
            failures.append(f"Φ off by {cdf_error[where].max():.3g} > {bound:g}")
    gelu_error = np.abs(got[0] - exact[0])
    gelu_bound = np.abs(xd) * 2.5e-7 + np.spacing(np.abs(exact[0]).astype(np.float32))
    if (gelu_error > gelu_bound).any():
        failures.append(f"gelu off by {np.max(gelu_error / gelu_bound):.3g} of its bound")
    if np.abs(got[1] - exact[1]).max() > 2.5e-7:
        failures.append(f"gelu' off by {np.abs(got[1] - exact[1]).max():.3g} > 2.5e-7")
    return failures


def test_gelu_float32_dense_grid_agrees_with_torch_and_the_exact_values():
    assert _failures(_grid()) == []


SPECIALS = np.array([0.0, -0.0, 1e-45, -1e-45, 1e-40, -1e-40, 1.1754944e-38, -1.1754944e-38,
                     1e-30, -1e-30, 1e-10, -1e-10, 13, -13, 30, -30, 1e10, -1e10, 1e30, -1e30,
                     1.7e38, -1.7e38, -3.4028235e38, -np.inf, np.nan], np.float32)


def test_gelu_float32_special_values():
    x_mg, x_th = pair(SPECIALS, requires_grad=True)
    y_mg, y_th = minigrad.nn.functional.gelu(x_mg), torch.nn.functional.gelu(x_th)
    assert_tensor_equal(y_mg, y_th)
    got, want = y_mg.detach().numpy(), y_th.detach().numpy()
    assert (np.signbit(got[want == 0]) == np.signbit(want[want == 0])).all()
    y_mg.sum().backward()
    y_th.sum().backward()
    assert_tensor_equal(x_mg.grad, x_th.grad)
    assert (x_mg.grad.numpy()[:12] == 0.5).all()   # gelu'(0) = Φ(0) = 1/2, both zeros, tiny x


def test_gelu_float32_above_torchs_overflow():
    x = minigrad.tensor(np.array([1.8e38, 3.4028235e38, np.inf], np.float32), requires_grad=True)
    y = minigrad.nn.functional.gelu(x)
    y.backward(minigrad.ones_like(y))
    assert y.detach().numpy().tolist() == x.detach().numpy().tolist()
    assert x.grad.numpy()[:2].tolist() == [1.0, 1.0] and np.isnan(x.grad.numpy()[2])


def test_the_fits_stated_error():
    """h(x) = erfc(x/√2) / 2 = t Q(t) exp(-x²/2) + ε, t = 1 / (x + a), evaluated in float64."""
    x = np.linspace(0, 13.5, 270_001)
    t = 1 / (x + float(np.float32(activation._ERFC_A)))
    q = [float(np.float32(c)) for c in activation._HALF_ERFC_Q]
    fit = t * np.polyval(q, t) * np.exp(-x * x / 2)
    exact = np.array([math.erfc(v / math.sqrt(2)) / 2 for v in x])
    assert np.all(np.abs(fit - exact) <= 6.4e-8 * (exact + 0.02))
    assert np.abs(fit - exact)[x >= 3].max() < 9e-10


_FIT = [("_ERFC_A", None)] + [("_HALF_ERFC_Q", i) for i in range(len(activation._HALF_ERFC_Q))]


@pytest.mark.parametrize("name, index", _FIT)
def test_a_fit_number_moved_by_1e_5_of_itself_fails_the_checks(monkeypatch, name, index):
    value = getattr(activation, name)
    if index is None:
        moved = value * (1 + 1e-5)
    else:
        moved = tuple(q * (1 + 1e-5) if i == index else q for i, q in enumerate(value))
    monkeypatch.setattr(activation, name, moved)
    assert _failures(_grid(200_001)) != []
