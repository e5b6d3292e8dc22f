"""Calculus and statistics on sampled data: finite differences, numerical integration,
covariance and correlation, and numerical guards taken from ``torch.finfo``.

A plain PyTorch program: ``python examples/signal_and_stats.py`` runs it on torch,
``python -m minigrad.torch_alias examples/signal_and_stats.py`` on minigrad, and
``python -m compare run examples/signal_and_stats.py`` checks that both print the same.

1. Differentiate a sampled signal with ``torch.diff`` and ``torch.gradient`` and compare the
   estimates with the exact derivative, on an even and an uneven grid.
2. Integrate it with ``torch.trapezoid`` and ``torch.cumulative_trapezoid``, and check that
   autograd's derivative of the integral with respect to the samples is the trapezoid weights.
3. Summarise scikit-learn's handwritten digits: the covariance and correlation of a few pixel
   features with ``torch.cov`` / ``torch.corrcoef`` (also weighted, with ``fweights`` and
   ``aweights``), and the features' ranges with ``torch.aminmax``.
4. Guard a computation with ``torch.finfo``: a safe log, a safe normalisation, a logit that
   stays finite, and gradients checked under ``torch.autograd.detect_anomaly``.
"""
import math
import warnings

import torch

torch.manual_seed(0)
torch.set_printoptions(precision=4)


# ---- 1. Finite differences --------------------------------------------------------------------
print("== 1. finite differences ==")
t = torch.linspace(0, 2 * math.pi, 41, dtype=torch.float64)
signal = torch.sin(t) + 0.5 * torch.sin(3 * t)
exact = torch.cos(t) + 1.5 * torch.cos(3 * t)
step = (t[1] - t[0]).item()

forward = torch.diff(signal) / step                  # one-sided, between the samples
(central,) = torch.gradient(signal, spacing=step)    # central inside, one-sided at the ends
(second_order,) = torch.gradient(signal, spacing=step, edge_order=2)
midpoints = (t[1:] + t[:-1]) / 2
print("diff / step      max error at midpoints:",
      f"{(forward - (torch.cos(midpoints) + 1.5 * torch.cos(3 * midpoints))).abs().max():.6f}")
print("gradient         max error:", f"{(central - exact).abs().max():.6f}")
print("edge_order=2     max error at the ends:",
      f"{(second_order - exact)[[0, -1]].abs().max():.6f}")

# the second difference approximates the second derivative
curvature = torch.diff(signal, n=2) / step**2
print("diff(n=2) / step^2 at t=pi/2:", f"{curvature[9].item():.4f}",
      "exact:", f"{(-torch.sin(t[10]) - 4.5 * torch.sin(3 * t[10])).item():.4f}")

# an uneven grid: give gradient the sample coordinates
uneven = torch.sort(torch.rand(30, dtype=torch.float64) * 2 * math.pi).values
uneven = torch.cat([uneven.new_zeros(1), uneven, uneven.new_full((1,), 2 * math.pi)])
(slope,) = torch.gradient(torch.sin(uneven), spacing=(uneven,))
print("uneven grid      max error inside:",
      f"{(slope - torch.cos(uneven))[1:-1].abs().max():.4f}")
# diff with prepend keeps the length: the increments of a running total
totals = torch.tensor([3, 5, 9, 10, 16])
print("increments:", torch.diff(totals, prepend=totals.new_zeros(1)).tolist())

# ---- 2. Numerical integration -----------------------------------------------------------------
print("\n== 2. integration ==")
area = torch.trapezoid(signal, t)
print("trapezoid over one period, |area| < 1e-12:", abs(area.item()) < 1e-12, "(exact 0)")
half = torch.trapezoid(torch.sin(t[:21]), dx=step)
print("integral of sin over [0, pi]:", f"{half.item():.6f}", "(exact 2)")
running = torch.cumulative_trapezoid(torch.cos(t), t)
print("running integral of cos vs sin, max error:",
      f"{(running - torch.sin(t[1:])).abs().max():.6f}")

# the integral is linear in the samples: its gradient is the trapezoid weights
samples = torch.randn(6, dtype=torch.float64, requires_grad=True)
torch.trapezoid(samples, dx=0.5).backward()
print("d integral / d samples:", samples.grad.tolist())
print("grad_fn:", type(torch.trapezoid(samples, dx=0.5).grad_fn).__name__)

# ---- 3. Covariance and correlation of digit features ------------------------------------------
print("\n== 3. statistics of the digits ==")
from sklearn.datasets import load_digits  # noqa: E402

digits = load_digits()
images = torch.tensor(digits.data, dtype=torch.float32)      # (1797, 64) pixel intensities
labels = torch.tensor(digits.target)
pixels = [20, 27, 36, 43]                                    # four pixels near the centre
features = images[:, pixels].T                               # variables in rows
low, high = torch.aminmax(features, dim=1)
print("pixel ranges:", list(zip(low.tolist(), high.tolist())))
print("covariance:\n", torch.cov(features))
print("correlation:\n", torch.corrcoef(features))
# frequency weights: count every image of the digits 0-4 twice
weights = (labels < 5).long() + 1
print("covariance with 0-4 counted twice (fweights):\n", torch.cov(features, fweights=weights))
print("... and pixel 20 weighted by its own intensity (aweights):\n",
      torch.cov(features, aweights=features[0] + 1, correction=0))
zeros, ones = features[:, labels == 0], features[:, labels == 1]
print("mean of each pixel for 0s:", zeros.mean(1), "for 1s:", ones.mean(1))
print("pixel 36 with missing values -> nanmean:",
      f"{torch.nanmean(torch.where(images[:, 36] > 14, float('nan'), images[:, 36])):.4f}")

# ---- 4. Numerical guards from finfo --------------------------------------------------------
print("\n== 4. guards ==")
info = torch.finfo(torch.float32)
print(info)
print("eps:", info.eps, "tiny:", info.tiny, "max:", info.max, "bits:", info.bits)
print(torch.iinfo(torch.int64))

probs = torch.tensor([0.0, 1e-30, 0.25, 1.0])
print("log(p):", torch.log(probs))
print("log(p + tiny) stays finite:", torch.log(probs.clamp_min(info.tiny)))
print("logit with eps:", torch.logit(probs, eps=info.eps))

scores = torch.zeros(3, 4)
scores[1] = torch.randn(4)
norms = scores.norm(dim=1, keepdim=True)
print("normalised rows:", scores / norms.clamp_min(info.eps))

# detect_anomaly: a correct gradient passes, a NaN gradient is caught where it appears
# (its warnings -- the mode's cost, the failing node -- are silenced to keep the output short)
warnings.simplefilter("ignore", UserWarning)
x = torch.tensor([0.5, 2.0], requires_grad=True)
with torch.autograd.detect_anomaly():
    torch.sqrt(x.clamp_min(info.eps)).sum().backward()
print("guarded sqrt gradient:", x.grad)
x = torch.tensor([0.0, 2.0], requires_grad=True)
try:
    with torch.autograd.detect_anomaly():
        (torch.sqrt(x) * 0).sum().backward()
except RuntimeError as error:
    print("caught:", error)
