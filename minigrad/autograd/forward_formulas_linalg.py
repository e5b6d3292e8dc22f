"""Forward formulas of the matrix decompositions, solves and inverses (``ops/decompositions.py``,
``ops/spectral.py``): each tangent is read off the node's backward formula (``TRANSPOSED_VJP``),
which is written with differentiable minigrad ops. In closed form they are, for example,
``t_out = -A^-1 t_A out`` (inv), ``t_out = out * trace(A^-1 t_A)`` (det) and
``t_L = L Phi(L^-1 t_A L^-T)`` (Cholesky)."""
from .forward_formulas import TRANSPOSED_VJP, formula_table, unsupported

formula_table({
    "LinalgSolveExBackward0": "t_out = A^-1 (t_B - t_A out)",
    "LinalgInvExBackward0": "t_out = -out t_A out",
    "LinalgDetBackward0": "t_out = out * trace(A^-1 t_A)",
    "LinalgSlogdetBackward0": "t_logabsdet = trace(A^-1 t_A);  t_sign = 0",
    "LinalgCholeskyExBackward0": "t_L = L Phi(L^-1 t_A L^-T)",
    "LinalgSolveTriangularBackward0": "t_out = T^-1 (t_B - t_T out)",
    "TriangularSolveBackward0": "t_solution = T^-1 (t_B - t_T solution);  t_coefficient = t_A",
    "CholeskySolveBackward0": "t_out = (L L^T)^-1 (t_B - (t_L L^T + L t_L^T) out)",
    "CholeskyInverseBackward0": "t_out = -out (t_L L^T + L t_L^T) out",
    "LinalgEighBackward0": "t_L = diag(V^T t_A V);  t_V = V ((V^T t_A V) / E off the diagonal)",
    "LinalgSvdBackward0": "the SVD's differential (t_U, t_S, t_Vh) from U^T t_A V",
    "LinalgQrBackward0": "the QR differential (t_Q, t_R) from Q^T t_A R^-1",
    "LinalgPinvBackward0": "the pseudo-inverse's differential",
    "LinalgLstsqBackward0": "t_solution = the differential of pinv(A) B",
    "LinalgMatrixExpBackward0": "t_out = the top-right block of exp([[A, t_A], [0, A]])",
    "LinalgCrossBackward0": "t_out = t_a x b + a x t_b",
}, TRANSPOSED_VJP, "  (the VJP, transposed)")

# torch.cholesky (the deprecated one) has no forward formula in torch either
unsupported("CholeskyBackward0", "cholesky")
