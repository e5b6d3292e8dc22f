"""Forward formulas of the ops in ``ops/pointwise_more.py``, ``ops/blas_more.py``,
``ops/numeric_more.py`` and ``ops/index_more.py`` (see ``forward_formulas.py`` for the
conventions: ``t_x`` is input x's tangent, ``result`` the op's output)."""
import math

from . import formulas
from .forward_formulas import LINEAR, TRANSPOSED_VJP, formula, zeros_rule


def _addcmul(c):
    x, t1, t2, value = c.args
    return c.t[0] + (c.t[1] * t2 + t1 * c.t[2]) * value


def _addcdiv(c):
    x, t1, t2, value = c.args
    return c.t[0] + (c.t[1] / t2 - t1 * c.t[2] / (t2 * t2)) * value


def _logit(c):
    x, eps = c.args
    lo, hi = (0.0, 1.0) if eps is None else (eps, 1 - eps)
    inside = c.t[0] / (x * (1 - x))
    return formulas.where((x < lo) | (x > hi), math.nan if eps is None else 0.0, inside)


# ---- pointwise_more.py ------------------------------------------------------------------------
formula("AddcmulBackward0", "t_input + value * (t_t1 * t2 + t1 * t_t2)", _addcmul)
formula("AddcdivBackward0", "t_input + value * (t_t1 / t2 - t1 * t_t2 / t2²)", _addcdiv)
formula("Rad2DegBackward0", "rad2deg(t_self)", LINEAR)
formula("Deg2RadBackward0", "deg2rad(t_self)", LINEAR)
formula("SgnBackward0", "0 (real input)", zeros_rule)
formula("NextafterBackward0", "t_self", lambda c: c.t[0].clone())
formula("LdexpBackward0", "t_self * 2^other + t_other * result * ln 2",
        lambda c: c.t[0] * (2.0 ** c.args[1]) + c.t[1] * c.out * math.log(2.0))
formula("LogitBackward0", "t_self / (self (1 - self)) inside the bounds", _logit)

# ---- blas_more.py: beta * input + alpha * product, linear in each operand --------------------
for _name, _text in (("BaddbmmBackward0", "batch1 @ t_batch2 + t_batch1 @ batch2"),
                     ("AddbmmBackward0", "sum_b (batch1 @ t_batch2 + t_batch1 @ batch2)"),
                     ("AddmvBackward0", "mat @ t_vec + t_mat @ vec"),
                     ("AddrBackward0", "outer(vec1, t_vec2) + outer(t_vec1, vec2)")):
    formula(_name, f"beta * t_input + alpha * ({_text})", TRANSPOSED_VJP)

# ---- combine_more.py --------------------------------------------------------------------------
formula("BlockDiagBackward0", "block_diag(t_tensors)", LINEAR)

# ---- scalar_overloads.py ------------------------------------------------------------------------
formula("MulBackward1", "t_self * other  (other a number)", LINEAR)
formula("DivBackward1", "t_self / other  (other a number)", LINEAR)

# ---- stats_more.py -----------------------------------------------------------------------------
formula("NansumBackward0", "sum of t_self over dim where self is not NaN",
        lambda c: c.cls.apply(formulas.where(c.args[0].isnan(), 0.0, c.t[0]), *c.args[1:]))
for _name in ("NanmedianBackward0", "NanmedianBackward1", "AminmaxBackward0"):
    formula(_name, "t_self at the selected elements (shared among ties)", TRANSPOSED_VJP)
formula("RenormBackward0", "the renorm Jacobian applied to t_self", TRANSPOSED_VJP)

# ---- index_more.py -----------------------------------------------------------------------------
formula("IndexCopyBackward0", "index_copy(t_self, dim, index, t_source)", LINEAR)
formula("MaskedScatterBackward0", "masked_scatter(t_self, mask, t_source)", LINEAR)
