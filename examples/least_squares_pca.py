"""Least squares and PCA with ``torch.linalg``, in the style of the linear-algebra tutorials:

1. fit a cubic polynomial to noisy samples of sin(x): once in closed form with
   ``torch.linalg.lstsq`` (and checked with the normal equations, ``torch.linalg.solve`` and
   ``torch.linalg.pinv``), once by gradient descent on the squared error;
2. principal component analysis of scikit-learn's 8x8 digits: the covariance's eigenvalues with
   ``torch.linalg.eigh``, the same spectrum from ``torch.linalg.svd`` of the centred data, the
   variance each component explains, and the reconstruction error with k components;
3. a whitening check: Cholesky of the covariance (plus a ridge), and a gradient through
   ``logdet``, as a Gaussian log-likelihood needs.

Singular vectors are defined up to sign, so the program prints only what does not depend on
the signs (values, explained variance, reconstruction errors, projections' norms).

A plain PyTorch program: ``python examples/least_squares_pca.py`` runs it on torch,
``python -m compare run examples/least_squares_pca.py`` compares minigrad with it.
"""
import math

import torch
from sklearn.datasets import load_digits

torch.manual_seed(0)
torch.set_printoptions(precision=4)

# ---- 1. a cubic fitted in closed form and by gradient descent -------------------------------
x = torch.linspace(-math.pi, math.pi, 200, dtype=torch.float64)
y = torch.sin(x) + 0.1 * torch.randn(200, dtype=torch.float64)
X = torch.stack([x ** k for k in range(4)], dim=1)   # columns 1, x, x^2, x^3

fit = torch.linalg.lstsq(X, y.unsqueeze(1))
coef = fit.solution.squeeze(1)
print("lstsq coefficients:", coef)
print("rank:", fit.rank.item())
normal = torch.linalg.solve(X.T @ X, X.T @ y)
print("normal equations agree:", torch.allclose(coef, normal, atol=1e-8))
print("pinv agrees:", torch.allclose(coef, torch.linalg.pinv(X) @ y, atol=1e-8))
residual = torch.linalg.vector_norm(X @ coef - y)
print(f"residual norm: {residual.item():.6f}")

w = torch.zeros(4, dtype=torch.float64, requires_grad=True)
scale = torch.linalg.vector_norm(X, dim=0)   # columns scaled to unit norm: better conditioned
optimizer = torch.optim.SGD([w], lr=20.0, momentum=0.9)
for step in range(2001):
    optimizer.zero_grad()
    loss = ((X / scale) @ w - y).pow(2).mean()
    loss.backward()
    optimizer.step()
    if step % 500 == 0:
        print(f"step {step:4d}  loss {loss.item():.6f}")
print("gradient-descent coefficients:", (w / scale).detach())
print(f"distance to lstsq: {torch.linalg.vector_norm(w.detach() / scale - coef).item():.4f}")

# ---- 2. PCA of the digits ---------------------------------------------------------------------
digits = load_digits()
data = torch.tensor(digits.data, dtype=torch.float64)
centred = data - data.mean(dim=0)
cov = centred.T @ centred / (len(data) - 1)

eigenvalues, eigenvectors = torch.linalg.eigh(cov)
eigenvalues, eigenvectors = eigenvalues.flip(0), eigenvectors.flip(1)   # largest first
U, S, Vh = torch.linalg.svd(centred, full_matrices=False)
from_svd = S ** 2 / (len(data) - 1)
print("top 5 variances (eigh):", eigenvalues[:5])
print("top 5 variances (svd): ", from_svd[:5])
print("eigh and svd agree:", torch.allclose(eigenvalues, from_svd, rtol=1e-8, atol=1e-8))
explained = eigenvalues / eigenvalues.sum()
print("explained by 2, 10, 20 components:",
      [round(explained[:k].sum().item(), 4) for k in (2, 10, 20)])
for k in (2, 10, 30):
    components = Vh[:k]                                 # k x 64, rows orthonormal
    projected = centred @ components.T
    restored = projected @ components
    error = torch.linalg.matrix_norm(centred - restored) / torch.linalg.matrix_norm(centred)
    print(f"k={k:2d}: relative reconstruction error {error.item():.4f}, "
          f"projection norm {torch.linalg.matrix_norm(projected).item():.3f}")
print("components orthonormal:", torch.allclose(Vh @ Vh.T, torch.eye(Vh.shape[0],
                                                                        dtype=torch.float64)))
print("nuclear norm:", round(torch.linalg.matrix_norm(centred, "nuc").item(), 3),
      " spectral norm:", round(torch.linalg.matrix_norm(centred, 2).item(), 3))

# ---- 3. whitening with a Cholesky factor, and a log-determinant's gradient --------------------
ridge = cov + 0.1 * torch.eye(64, dtype=torch.float64)
L = torch.linalg.cholesky(ridge)
white = torch.linalg.solve_triangular(L, centred.T, upper=False).T
white_cov = white.T @ white / (len(data) - 1)
L_inv = torch.linalg.solve_triangular(L, torch.eye(64, dtype=torch.float64), upper=False)
print("L^-1 cov L^-T + 0.1 L^-1 L^-T is I:",   # as L L^T = cov + 0.1 I
      torch.allclose(white_cov + 0.1 * L_inv @ L_inv.T, torch.eye(64, dtype=torch.float64),
                     atol=1e-8))
print("cholesky_inverse is the inverse:",
      torch.allclose(torch.cholesky_inverse(L), torch.linalg.inv(ridge), atol=1e-8))
sigma = ridge.clone().requires_grad_()
logdet = torch.logdet(sigma)
logdet.backward()
print(f"logdet {logdet.item():.4f}; its gradient is the inverse:",
      torch.allclose(sigma.grad, torch.linalg.inv(ridge), atol=1e-8))
sign, logabsdet = torch.linalg.slogdet(ridge)
print(f"slogdet: sign {sign.item():.0f}, log|det| {logabsdet.item():.4f}")
