"""Forward formulas of the elementwise ops (see ``forward_formulas.py`` for the conventions).

An elementwise op's Jacobian is diagonal, so its JVP is its derivative times the tangent,
elementwise: the backward formula with ``grad`` replaced by ``t_self``. ``result`` is the op's
output, ``t_self`` / ``t_other`` the tangents of its inputs.
"""
import math

from . import formulas
from .forward_formulas import (LINEAR, MULTILINEAR, TRANSPOSED_VJP, formula, formula_table, linear,
                               zeros_rule)


def _w(cond, a, b):
    return formulas.where(cond, a, b)


# ---- unary ------------------------------------------------------------------------------------
def _x(c):
    return c.args[0]


formula("NegBackward0", "-t_self", LINEAR)
formula("ExpBackward0", "t_self * result", lambda c: c.t[0] * c.out)
formula("Exp2Backward0", "t_self * result * ln 2", lambda c: c.t[0] * (c.out * math.log(2.0)))
formula("Expm1Backward0", "t_self * (result + 1)", lambda c: c.t[0] * (c.out + 1))
formula("LogBackward0", "t_self / self", lambda c: c.t[0] / _x(c))
formula("Log2Backward0", "t_self / (self * ln 2)",
        lambda c: c.t[0] / (_x(c) * math.log(2.0)))
formula("Log10Backward0", "t_self / (self * ln 10)",
        lambda c: c.t[0] / (_x(c) * math.log(10.0)))
formula("Log1PBackward0", "t_self / (self + 1)", lambda c: c.t[0] / (_x(c) + 1))
formula("SqrtBackward0", "t_self / (2 * result)", lambda c: c.t[0] / (2 * c.out))
formula("RsqrtBackward0", "-t_self * result³ / 2",
        lambda c: c.t[0] * (c.out * c.out * c.out) * -0.5)
formula("ReciprocalBackward0", "-t_self * result²", lambda c: -c.t[0] * (c.out * c.out))
formula("AbsBackward0", "t_self * sign(self)", lambda c: c.t[0] * _x(c).sign())
formula("SinBackward0", "t_self * cos(self)", lambda c: c.t[0] * _x(c).cos())
formula("CosBackward0", "-t_self * sin(self)", lambda c: c.t[0] * -_x(c).sin())
formula("TanBackward0", "t_self * (1 + result²)", lambda c: c.t[0] * (c.out * c.out + 1))
formula("AsinBackward0", "t_self / sqrt(1 - self²)",
        lambda c: c.t[0] * (1 - _x(c) * _x(c)).rsqrt())
formula("AcosBackward0", "-t_self / sqrt(1 - self²)",
        lambda c: c.t[0] * -(1 - _x(c) * _x(c)).rsqrt())
formula("AtanBackward0", "t_self / (1 + self²)", lambda c: c.t[0] / (_x(c) * _x(c) + 1))
formula("AsinhBackward0", "t_self / sqrt(self² + 1)",
        lambda c: c.t[0] * (_x(c) * _x(c) + 1).rsqrt())
formula("AcoshBackward0", "t_self / sqrt(self² - 1)",
        lambda c: c.t[0] * (_x(c) * _x(c) - 1).rsqrt())
formula("AtanhBackward0", "t_self / (1 - self²)", lambda c: c.t[0] / (1 - _x(c) * _x(c)))
formula("SinhBackward0", "t_self * cosh(self)", lambda c: c.t[0] * _x(c).cosh())
formula("CoshBackward0", "t_self * sinh(self)", lambda c: c.t[0] * _x(c).sinh())
formula("TanhBackward0", "t_self * (1 - result²)", lambda c: c.t[0] * (1 - c.out * c.out))
formula("SigmoidBackward0", "t_self * result * (1 - result)",
        lambda c: c.t[0] * (c.out * (1 - c.out)))
formula("ErfBackward0", "t_self * 2/sqrt(pi) * exp(-self²)",
        lambda c: c.t[0] * ((-_x(c) * _x(c)).exp() * (2 / math.sqrt(math.pi))))
formula("ReluBackward0", "t_self where result > 0, else 0",
        lambda c: _w(c.out > 0, c.t[0], 0.0))
formula("ThresholdBackwardBackward0", "t_grad where y > 0, else 0  (relu's backward, linear in "
        "grad)", linear(which=(0,)))
formula("FracBackward0", "t_self", lambda c: c.t[0] + 0)
formula("NanToNumBackward0", "t_self where self is finite, else 0",
        lambda c: _w(_x(c).isfinite(), c.t[0], 0.0))
for _name in ("CeilBackward0", "FloorBackward0", "RoundBackward0", "RoundBackward1",
              "TruncBackward0", "SignBackward0"):
    formula(_name, "0  (piecewise constant)", zeros_rule)


# ---- clamp ------------------------------------------------------------------------------------
def _clamp_numbers(c):
    x, lo, hi = c.args
    keep = None
    if lo is not None:
        keep = x >= lo
    if hi is not None:
        keep = x <= hi if keep is None else keep & (x <= hi)
    return _w(keep, c.t[0], 0.0)


def _clamp_tensors(c):
    """t_self inside [lo, hi]; t_min below lo; t_max above hi (and wherever lo > hi)."""
    x, lo, hi = c.args
    out = c.t[0]
    if hi is not None:
        out = _w(x > hi, c.t[2], out)
    if lo is not None:
        out = _w(x < lo, c.t[1], out)
    if lo is not None and hi is not None:
        out = _w(lo > hi, c.t[2], out)
    return out


_CLAMP_NUMBERS = "t_self where min <= self <= max, else 0"
_CLAMP_TENSORS = "t_self where min <= self <= max; t_min where self < min; t_max where self > max"
formula("ClampBackward1", _CLAMP_NUMBERS, _clamp_numbers)
formula("ClampMinBackward0", _CLAMP_NUMBERS, _clamp_numbers)
formula("ClampMaxBackward0", _CLAMP_NUMBERS, _clamp_numbers)
formula("ClampBackward0", _CLAMP_TENSORS, _clamp_tensors)
formula("ClampMinBackward1", _CLAMP_TENSORS, _clamp_tensors)
formula("ClampMaxBackward1", _CLAMP_TENSORS, _clamp_tensors)


# ---- binary -----------------------------------------------------------------------------------
_AFFINE = linear(zero=(0, 1))  # a number operand (x + 2) is a constant: its tangent is 0
formula("AddBackward0", "t_self + alpha * t_other", _AFFINE)
formula("SubBackward0", "t_self - alpha * t_other", _AFFINE)
formula("RsubBackward0", "t_other - alpha * t_self", _AFFINE)
formula("RsubBackward1", "t_other - alpha * t_self", _AFFINE)
formula("MulBackward0", "t_self * other + self * t_other", MULTILINEAR)
formula("WhereBackward0", "where(condition, t_self, t_other)", linear(zero=(1, 2)))
formula("LerpBackward0", "lerp(t_self, t_end, weight)", linear(which=(0, 1)))
formula("LerpBackward1", "lerp(t_self, t_end, weight) + (end - self) * t_weight",
        lambda c: linear(which=(0, 1))(c) + (c.args[1] - c.args[0]) * c.t[2])


def _sum_terms(*terms):
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total


def _div(c):
    b = c.args[1]
    return _sum_terms(c.t[0] / b if c.has(0) else None,
                      -c.t[1] * c.out / b if c.has(1) else None)


formula("DivBackward0", "(t_self - t_other * result) / other", _div)
formula("DivBackward2", "(t_self - t_other * result) / other; 0 with a rounding mode",
        lambda c: _div(c) if c.args[2] is None else zeros_rule(c))
formula("Atan2Backward0", "(t_self * other - t_other * self) / (self² + other²)",
        lambda c: (c.t[0] * c.args[1] - c.t[1] * c.args[0])
        / (c.args[0] * c.args[0] + c.args[1] * c.args[1]))


def _rounded_quotient_rule(rounding):
    def rule(c):
        a, b = c.args
        return _sum_terms(c.t[0] if c.has(0) else None,
                          -c.t[1] * getattr(a / b, rounding)() if c.has(1) else None)
    return rule


formula("FmodBackward0", "t_self - t_other * trunc(self / other)", _rounded_quotient_rule("trunc"))
formula("FmodBackward1", "t_self - t_other * trunc(self / other)", _rounded_quotient_rule("trunc"))
formula("RemainderBackward0", "t_self - t_other * floor(self / other)",
        _rounded_quotient_rule("floor"))
formula("RemainderBackward1", "t_self - t_other * floor(self / other)",
        _rounded_quotient_rule("floor"))


def _maximum(c, wins):
    a, b = c.args
    return _w(a == b, (c.t[0] + c.t[1]) / 2, _w(wins(a, b), c.t[0], c.t[1]))


def _fmax(c, wins):
    a, b = c.args
    return _w(wins(a, b) | b.isnan(), c.t[0], c.t[1])


formula("MaximumBackward0", "t_self where self > other, t_other where self < other, their mean "
        "where equal", lambda c: _maximum(c, lambda a, b: a > b))
formula("MinimumBackward0", "t_self where self < other, t_other where self > other, their mean "
        "where equal", lambda c: _maximum(c, lambda a, b: a < b))
formula("FmaxBackward0", "t_self where self >= other or other is nan, else t_other",
        lambda c: _fmax(c, lambda a, b: a >= b))
formula("FminBackward0", "t_self where self <= other or other is nan, else t_other",
        lambda c: _fmax(c, lambda a, b: a <= b))


# ---- powers -----------------------------------------------------------------------------------
def _pow_number(c):
    x, p = c.args
    if p == 0:
        return zeros_rule(c)
    return c.t[0] * (formulas.pow(x, p - 1) * p)


def _pow_tensors(c):
    a, b = c.args
    ta = _w(b == 0, 0.0, c.t[0] * (b * a ** (b - 1))) if c.has(0) else None
    tb = (_w((a == 0) & (b >= 0), 0.0, c.t[1] * (c.out * a.log()))
          if c.has(1) else None)
    return _sum_terms(ta, tb)


def _pow_base_number(c):
    s, x = c.args
    log_s = math.log(s) if s > 0 else -math.inf if s == 0 else math.nan
    t = c.t[1] * (c.out * log_s)
    return _w(x >= 0, 0.0, t) if s == 0 else t


formula("PowBackward0", "t_self * exponent * self^(exponent - 1)  (0 if exponent == 0)",
        _pow_number)
formula("PowBackward1", "t_self * exponent * self^(exponent - 1) + t_exponent * result * "
        "log(self)", _pow_tensors)
formula("PowBackward2", "t_exponent * result * log(self)  (self a number)", _pow_base_number)


# ---- special functions and the rarer binary ops: read off their backward formulas ----------
_READ_OFF = {
    "LgammaBackward0": "t_self * digamma(self)",
    "DigammaBackward0": "t_self * polygamma(1, self)",
    "PolygammaBackward0": "t_self * polygamma(n + 1, self)",
    "ErfinvBackward0": "t_self * sqrt(pi)/2 * exp(result²)",
    "XlogyBackward0": "t_self * log(other) + t_other * self / other  (0 where self == 0)",
    "XlogyBackward1": "t_other * self / other  (self a number)",
    "XlogyBackward2": "t_self * log(other)  (other a number; 0 where self == 0)",
    "CopysignBackward1": "t_self * result / self  (0 where self == 0)",
    "LogaddexpBackward0": "(t_self * e^self + t_other * e^other) / (e^self + e^other)",
    "Logaddexp2Backward0": "(t_self * 2^self + t_other * 2^other) / (2^self + 2^other)",
    "HypotBackward0": "(t_self * self + t_other * other) / result",
}
formula_table(_READ_OFF, TRANSPOSED_VJP, "  (the VJP, transposed)")


def _copysign(c):
    """torch differentiates copysign by self only: other's tangent alone gives no tangent (None,
    not zeros)."""
    return TRANSPOSED_VJP(c) if c.has(0) else None


formula("CopysignBackward0", "t_self * result / self  (0 where self == 0; other's tangent "
        "is not used)  (the VJP, transposed)", _copysign)
