"""``torch.special``: the special functions under their SciPy-style names."""
from .ops.elementwise import erf, exp2, expm1, log1p
from .ops.elementwise import sigmoid as expit
from .ops.special import digamma, erfinv, polygamma, xlogy
from .ops.special import digamma as psi
from .ops.special import lgamma as gammaln

__all__ = ["digamma", "erf", "erfinv", "exp2", "expit", "expm1", "gammaln", "log1p", "polygamma",
           "psi", "xlogy"]
