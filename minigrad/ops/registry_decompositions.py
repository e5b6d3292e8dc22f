"""Registry declarations of torch's top-level matrix functions (``torch.det``, ``Tensor.svd``,
...), written in ``minigrad/linalg.py``; ``torch.linalg.X`` itself is tested in
``tests/test_linalg_decompositions.py``. Samples are well-conditioned matrices (and symmetric
positive-definite ones for the Cholesky family), so that both libraries' LAPACKs agree to
the registry tests' tolerances."""
import numpy as np

from ..linalg import TORCH_LEVEL
from .registry import declare

_FM = ("function", "method")


def _well(rng, shape, dtype):
    n = shape[-1]
    return (rng.standard_normal(shape) + n * np.eye(n)).astype(dtype)


def _spd(rng, shape, dtype):
    x = rng.standard_normal(shape)
    return (x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def _lower(rng, shape, dtype):
    return np.linalg.cholesky(_spd(rng, shape, np.float64)).astype(dtype)


def _calls(*makers):
    """A sample: each maker(rng, dtype) -> (args, kwargs)."""
    def sample(rng, dtype):
        for make in makers:
            yield make(rng, dtype)
    return sample


_SQUARE = _calls(lambda r, d: ([_well(r, (3, 3), d)], {}), lambda r, d: ([_well(r, (2, 3, 3), d)],
                                                                        {}))
_SPD = _calls(lambda r, d: ([_spd(r, (3, 3), d)], {}), lambda r, d: ([_spd(r, (2, 3, 3), d)], {}))
_LOWER = _calls(lambda r, d: ([_lower(r, (3, 3), d)], {}),
                lambda r, d: ([_lower(r, (3, 3), d).T.copy()], {"upper": True}))

_ONE_TRIANGLE = ("only one triangle of the factor is read: a tangent in the other is a "
                 "direction the op ignores, where torch's formula (and minigrad's, as torch's "
                 "reverse mode) differentiates the full matrix")
_SIGNS = ("singular vectors / Q are defined up to sign: the sample is a diagonal (triangular) "
          "matrix, on which both LAPACKs choose the same signs, and a finite-difference step from "
          "it crosses where that choice jumps")
_NO_DRAWN_TANGENTS = {
    "cholesky_solve": _ONE_TRIANGLE, "cholesky_inverse": _ONE_TRIANGLE,
    "triangular_solve": "only one triangle of A is read: torch's forward formula differentiates "
                        "the full matrix (and fails on an A broadcast against B); minigrad's "
                        "tangent is the finite differences' (test_linalg_decompositions)",
    "svd": _SIGNS, "qr": _SIGNS,
    "slogdet": "torch gives the sign output a ZeroTensor tangent, which cannot be read back",
}

for _name, _nodes, _forms, _sample in (
        ("det", ("LinalgDetBackward0",), _FM, _SQUARE),
        ("logdet", ("WhereBackward0",), _FM, _SPD),
        ("slogdet", ("LinalgSlogdetBackward0",), _FM, _SQUARE),
        ("inverse", ("LinalgInvExBackward0",), _FM, _SQUARE),
        ("matrix_exp", ("LinalgMatrixExpBackward0",), _FM,
         _calls(lambda r, d: ([r.standard_normal((3, 3)).astype(d)], {}))),
        ("matrix_power", ("MmBackward0", "UnsafeViewBackward0", "CloneBackward0"), _FM,
         _calls(lambda r, d: ([_well(r, (3, 3), d) / 3, 3], {}),
                lambda r, d: ([_well(r, (2, 3, 3), d) / 3, 2], {}),
                lambda r, d: ([_well(r, (3, 3), d), 1], {}))),
        ("pinverse", ("LinalgPinvBackward0",), _FM,
         _calls(lambda r, d: ([r.standard_normal((4, 2)).astype(d)], {}))),
        ("cholesky", ("CholeskyBackward0",), _FM, _SPD),
        ("cholesky_inverse", ("CholeskyInverseBackward0",), _FM, _LOWER),
        ("cholesky_solve", ("CholeskySolveBackward0",), _FM,
         _calls(lambda r, d: ([r.standard_normal((3, 2)).astype(d), _lower(r, (3, 3), d)], {}))),
        ("cross", ("LinalgCrossBackward0",), _FM,
         _calls(lambda r, d: ([r.standard_normal((2, 3)).astype(d),
                               r.standard_normal((2, 3)).astype(d)], {"dim": 1}))),
        ("tensordot", ("ViewBackward0",), ("function",),
         _calls(lambda r, d: ([r.standard_normal((2, 3, 4)).astype(d),
                               r.standard_normal((3, 4, 2)).astype(d)], {}),
                lambda r, d: ([r.standard_normal((2, 3)).astype(d),
                               r.standard_normal((3, 2)).astype(d)], {"dims": ([1], [0])}))),
        ("chain_matmul", ("ViewBackward0", "MmBackward0"), ("function",),
         _calls(lambda r, d: ([r.standard_normal((2, 3)).astype(d),
                               r.standard_normal((3, 4)).astype(d),
                               r.standard_normal((4, 2)).astype(d)], {}))),
        ("triangular_solve", ("TriangularSolveBackward0",), _FM,
         _calls(lambda r, d: ([r.standard_normal((3, 2)).astype(d), np.triu(_well(r, (3, 3), d))],
                              {}),
                lambda r, d: ([r.standard_normal((2, 3, 2)).astype(d),
                               np.tril(_well(r, (3, 3), d))],
                              {"upper": False, "transpose": True, "unitriangular": True}))),
        ("svd", ("LinalgSvdBackward0", "TransposeBackward0"), _FM,
         _calls(lambda r, d: ([np.diag([3.0, -2.0, 1.0]).astype(d)], {}))),
        ("qr", ("LinalgQrBackward0",), _FM,
         _calls(lambda r, d: ([np.triu(_well(r, (3, 3), d)) * np.array([1.0, -1, 1], d)], {}))),
):
    declare(_name, TORCH_LEVEL[_name], nodes=_nodes, forms=_forms, family="linalg",
            args=("input",), sample=_sample, no_drawn_tangents=_NO_DRAWN_TANGENTS.get(_name, ""))
