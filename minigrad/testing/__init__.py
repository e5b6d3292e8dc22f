"""``torch.testing``: ``assert_close`` and ``make_tensor``, as torch's tests use them.

``assert_allclose`` (deprecated in torch, kept there for old code) is here too. The pytest
plugin that runs one test on minigrad and on torch is ``pytest_minigrad``.
"""
import warnings

from ._comparison import assert_close
from ._creation import make_tensor
from .._tensor import Tensor as _Tensor
from ..creation import tensor as _tensor

__all__ = ["assert_close", "make_tensor", "assert_allclose"]

# assert_allclose's own defaults (rtol, atol), looser than assert_close's
_ALLCLOSE_TOLERANCES = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5),
                        "float64": (1e-5, 1e-8)}


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated: ``assert_close`` with ``check_dtype=False``, NaNs equal, non-tensors turned
    into tensors (``expected`` in ``actual``'s dtype) and looser default tolerances."""
    __tracebackhide__ = True
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed "
                  "in a future release. Please use `torch.testing.assert_close()` instead.",
                  FutureWarning, stacklevel=2)
    if not isinstance(actual, _Tensor):
        actual = _tensor(actual)
    if not isinstance(expected, _Tensor):
        expected = _tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        tolerances = [_ALLCLOSE_TOLERANCES.get(t.dtype.name, (0.0, 0.0))
                      for t in (actual, expected)]
        rtol, atol = max(r for r, _ in tolerances), max(a for _, a in tolerances)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True,
                 check_dtype=False, check_stride=False, msg=msg or None)
