"""Special functions: ``lgamma``, ``digamma``, ``polygamma``, ``erfinv``, ``xlogy``.

All are NumPy only and evaluate in float64 (float32 inputs are rounded once at the end; digamma
excepted), with torch's conventions at the poles and infinities:

* lgamma: Stirling's series for x >= 10; the Taylor series of lgamma(2 + w) (|w| <= 1/2, from
  zeta values) on [1.5, 2.5), reached by the recurrence lgamma(x + 1) = lgamma(x) + log(x) from
  [0.5, 10); the reflection log(pi / |sin(pi x)|) - lgamma(1 - x) below 0.5. Poles give +inf.
* digamma and trigamma: torch's algorithms (recurrence up to 10, then the asymptotic series;
  reflection for negative x; digamma of float32 in float32 as torch's), so values near the
  roots agree with torch's as well.
  polygamma(n >= 2) = (-1)^(n+1) n! zeta(n + 1, x) with the Hurwitz zeta of Cephes, as torch.
* erfinv: the rational first guess of torch's kernel, then two Newton steps on erf.
"""
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.function import Function
from .registry import register
from ._util import inplace_variant, silent_fp

__all__ = ["lgamma", "digamma", "polygamma", "erfinv", "xlogy"]


def _float_input(x):
    """(x as float64, the result dtype): integers compute in the default dtype."""
    dt = x.dtype if x.dtype.kind == "f" else _dtype.get_default_dtype().np
    return np.asarray(x, dtype=np.float64), dt


# ---- lgamma ----------------------------------------------------------------------------------
def _zeta_minus_one(k):
    """zeta(k) - 1 for an integer k >= 2, to double precision (Euler-Maclaurin after 10 terms)."""
    n = 10
    head = math.fsum(j ** -k for j in range(2, n))
    tail = n ** (1 - k) / (k - 1) + 0.5 * n ** -k
    # Bernoulli terms B2 = 1/6, B4 = -1/30, B6 = 1/42, B8 = -1/30:
    # B_2j/(2j)! k(k+1)..(k+2j-2) n^-(k+2j-1)
    for b, j in ((1 / 6, 1), (-1 / 30, 2), (1 / 42, 3), (-1 / 30, 4)):
        rising = math.prod(k + i for i in range(2 * j - 1))
        tail += b / math.factorial(2 * j) * rising * n ** (-k - 2 * j + 1)
    return head + tail


_EULER = 0.57721566490153286061
# lgamma(2 + w) = (1 - gamma) w + sum_{k>=2} (-1)^k (zeta(k) - 1) / k w^k
_LGAMMA2_COEFFS = np.array([(-1) ** k * _zeta_minus_one(k) / k for k in range(30, 1, -1)])
# Stirling: sum_k B_2k / (2k (2k - 1) x^(2k - 1)), k = 1..8
_STIRLING = np.array([1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
                      -3617 / 122400])


def _lgamma_near_2(w):
    acc = np.zeros_like(w)
    for c in _LGAMMA2_COEFFS:
        acc = (acc + c) * w
    return acc * w + (1 - _EULER) * w


def _lgamma_positive(x):
    """lgamma for x >= 0.5."""
    out = np.empty_like(x)
    big = x >= 10
    xb = x[big]
    inv2 = 1 / (xb * xb)
    series = np.zeros_like(xb)
    for c in _STIRLING[::-1]:
        series = series * inv2 + c
    out[big] = (xb - 0.5) * np.log(xb) - xb + 0.5 * math.log(2 * math.pi) + series / xb
    small = ~big
    xs = x[small]
    shift = np.floor(xs - 1.5)              # xs - shift in [1.5, 2.5)
    y = xs - shift
    below = shift < 0                        # xs in [0.5, 1.5): lgamma(xs) = lgamma(xs+1) - log(xs)
    product = np.ones_like(xs)
    for j in range(1, 9):                    # lgamma(y + s) = lgamma(y) + log(y (y+1) .. (y+s-1))
        product = np.where(j <= shift, product * (y + (j - 1)), product)
    out[small] = _lgamma_near_2(y - 2) + np.where(below, -np.log(xs), np.log(product))
    return out


@silent_fp
def _lgamma(x):
    out = np.full_like(x, np.inf)            # poles, -inf and +inf
    out[np.isnan(x)] = np.nan
    finite = np.isfinite(x)
    integer_pole = finite & (x <= 0) & (x == np.floor(x))
    pos = finite & (x >= 0.5)
    out[pos] = _lgamma_positive(x[pos])
    neg = finite & (x < 0.5) & ~integer_pole
    xn = x[neg]
    frac = xn - np.round(xn)                 # exact; |sin(pi x)| = |sin(pi frac)|
    out[neg] = np.log(math.pi / np.abs(np.sin(math.pi * frac))) - _lgamma_positive(1 - xn)
    return out


class LgammaBackward0(Function):
    """out = lgamma(x)        grad_x = grad * digamma(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xd, dt = _float_input(x)
        return _lgamma(xd).astype(dt)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * digamma(x)


_UNARY = dict(forms=("function", "method", "inplace"), family="special")


@register(nodes=("LgammaBackward0",), special_names=("gammaln",), **_UNARY)
def lgamma(input):
    """log|Gamma(input)| (+inf at 0, the negative integers and ±inf)."""
    return LgammaBackward0.apply(input)


# ---- digamma, trigamma, polygamma ------------------------------------------------------------
_PSI_10 = 2.25175258906672110764
_PSI_ASYMPTOTIC = (8.33333333333333333333E-2, -2.10927960927960927961E-2,
                   7.57575757575757575758E-3, -4.16666666666666666667E-3,
                   3.96825396825396825397E-3, -8.33333333333333333333E-3,
                   8.33333333333333333333E-2)


def _digamma_nonnegative(x):
    """torch's calc_digamma for x > 0, in x's own dtype (float32 runs in float32, as torch's)."""
    one = x.dtype.type(1)
    result = np.zeros_like(x)
    for _ in range(11):                     # push x to >= 10: psi(x) = psi(x + 1) - 1/x
        low = x < 10
        if not low.any():
            break
        result = np.where(low, result - one / np.where(low, x, one), result)
        x = np.where(low, x + one, x)
    z = one / (x * x)
    poly = np.zeros_like(x)
    for a in _PSI_ASYMPTOTIC:
        poly = poly * z + x.dtype.type(a)
    y = np.where(x < 1e17, z * poly, x.dtype.type(0))
    asymptotic = result + np.log(x) - x.dtype.type(0.5) / x - y
    return np.where(x == 10, result + x.dtype.type(_PSI_10), asymptotic).astype(x.dtype)


@silent_fp
def _digamma(x):
    out = np.empty_like(x)
    zero = x == 0
    out[zero] = np.copysign(np.inf, -x[zero])
    neg = x < 0
    pole = neg & (x == np.trunc(x))
    out[pole] = np.nan
    reflect = neg & ~pole
    xr = x[reflect]
    r = xr.astype(np.float64) - np.trunc(xr)       # modf: the fractional part, sign kept
    pi_over_tan = (math.pi / np.tan(math.pi * r)).astype(x.dtype)
    out[reflect] = _digamma_nonnegative(1 - xr) - pi_over_tan
    rest = ~(zero | neg)
    out[rest] = _digamma_nonnegative(x[rest])
    return out


@silent_fp
def _trigamma(x):
    """torch's calc_trigamma, in x's own dtype."""
    t = x.dtype.type
    low = x < 0.5
    sign = np.where(low, t(-1), t(1))
    sin_pi_x = np.sin(t(math.pi) * x)
    result = np.where(low, -t(math.pi * math.pi) / (sin_pi_x * sin_pi_x), t(0))
    x = np.where(low, t(1) - x, x)
    for _ in range(6):
        result = result + t(1) / (x * x)
        x = x + t(1)
    ixx = t(1) / (x * x)
    tail = ixx * (t(1 / 6) - ixx * (t(1 / 30) - ixx * t(1 / 42)))
    result = result + (t(1) + t(1) / (t(2) * x) + tail) / x
    return (sign * result).astype(x.dtype)


_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)
_MACHEP = 1.11022302462515654042E-16


def _hurwitz_zeta(x, q):
    """zeta(x, q) = sum_k (q + k)^-x (Cephes): direct terms, then Euler-Maclaurin."""
    if x == 1:
        return math.inf
    if x < 1:
        return math.nan
    if q <= 0:
        if q == math.floor(q):
            return math.inf
        if x != math.floor(x):
            return math.nan
    s, a, i, b = q ** -x, q, 0, 0.0
    while i < 9 or a <= 9.0:
        i += 1
        a += 1.0
        b = a ** -x
        s += b
        if -_MACHEP * s < b < _MACHEP * s:
            return s
    w = a
    s += b * w / (x - 1) - 0.5 * b
    a, k = 1.0, 0.0
    for coeff in _ZETA_A:
        a *= x + k
        b /= w
        t = a * b / coeff
        s += t
        if abs(t / s) < _MACHEP:
            return s
        k += 1.0
        a *= x + k
        b /= w
        k += 1.0
    return s


@silent_fp
def _polygamma(n, x, dt):
    if n == 0:
        return _digamma(x.astype(dt))
    if n == 1:
        return _trigamma(x.astype(dt))
    scale = (1.0 if n % 2 else -1.0) * math.factorial(n)
    zeta = np.frompyfunc(lambda q: _hurwitz_zeta(float(n + 1), float(q)), 1, 1)
    return scale * np.asarray(zeta(x), dtype=np.float64)


class DigammaBackward0(Function):
    """out = digamma(x)        grad_x = grad * polygamma(1, x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xd, dt = _float_input(x)
        return _digamma(xd.astype(dt))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * polygamma(1, x)


class PolygammaBackward0(Function):
    """out = polygamma(n, x)        grad_x = grad * polygamma(n + 1, x)"""

    @staticmethod
    def forward(ctx, n, x):
        ctx.n = n
        ctx.save_for_backward(x)
        xd, dt = _float_input(x)
        return _polygamma(n, xd, dt).astype(dt)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return None, grad * polygamma(ctx.n + 1, x)


@register(nodes=("DigammaBackward0",), domain="positive", special_names=("digamma", "psi"),
          **_UNARY)
def digamma(input):
    """d/dx log Gamma(x) (-inf at +0, +inf at -0, NaN at the negative integers)."""
    return DigammaBackward0.apply(input)


def _polygamma_sample(rng, dtype):
    for n in (1, 2, 3):
        yield [n, rng.uniform(0.2, 4.0, (2, 3)).astype(dtype)], {}


@register(nodes=("PolygammaBackward0",), args=("n", "input"), forms=("function",),
          family="special", sample=_polygamma_sample, special_names=("polygamma",))
def polygamma(n, input):
    """The n-th derivative of digamma (n >= 0)."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return PolygammaBackward0.apply(int(n), input)


def _polygamma_method(self, n):
    """``t.polygamma(n)``: ``polygamma(n, t)``."""
    return polygamma(n, self)


_polygamma_method.__name__ = "polygamma"
Tensor.polygamma = _polygamma_method
Tensor.polygamma_ = inplace_variant(_polygamma_method)


# ---- erfinv ----------------------------------------------------------------------------------
_ERFINV_A = (0.886226899, -1.645349621, 0.914624893, -0.140543331)
_ERFINV_B = (-2.118377725, 1.442710462, -0.329097515, 0.012229801)
_ERFINV_C = (-1.970840454, -1.624906493, 3.429567803, 1.641345311)
_ERFINV_D = (3.543889200, 1.637067800)
_erf = np.frompyfunc(math.erf, 1, 1)


@silent_fp
def _erfinv(y):
    a, b, c, d = _ERFINV_A, _ERFINV_B, _ERFINV_C, _ERFINV_D
    y_abs = np.abs(y)
    z = y * y
    central = y * (((a[3] * z + a[2]) * z + a[1]) * z + a[0]) / (
        (((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + 1)
    zt = np.sqrt(-np.log((1 - y_abs) / 2))
    tail = np.copysign(((c[3] * zt + c[2]) * zt + c[1]) * zt + c[0], y) / (
        (d[1] * zt + d[0]) * zt + 1)
    x = np.where(y_abs <= 0.7, central, tail)
    inner = np.abs(y) < 1
    for _ in range(2):       # Newton on erf(x) = y
        step = (np.asarray(_erf(np.where(inner, x, 0)), dtype=np.float64) - y) / (
            2 / math.sqrt(math.pi) * np.exp(-x * x))
        x = np.where(inner, x - step, x)
    x = np.where(y_abs == 1, np.copysign(np.inf, y), x)
    return np.where(y_abs > 1, np.nan, x)


class ErfinvBackward0(Function):
    """out = erfinv(x)        grad_x = grad * sqrt(pi)/2 * exp(erfinv(x)²)"""

    @staticmethod
    def forward(ctx, x):
        xd, dt = _float_input(x)
        out = _erfinv(xd).astype(dt)
        ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return 0.5 * math.sqrt(math.pi) * erfinv(x).pow(2).exp() * grad


@register(nodes=("ErfinvBackward0",), domain="unit", special_names=("erfinv",), **_UNARY)
def erfinv(input):
    """The inverse of erf on (-1, 1) (±inf at ±1, NaN outside)."""
    return ErfinvBackward0.apply(input)


# ---- xlogy -----------------------------------------------------------------------------------
@silent_fp
def _xlogy(x, y):
    dt = _dtype.promote_values(x, y)
    dt = dt if dt.kind == "f" else _dtype.get_default_dtype().np
    xd, yd = (np.asarray(v, dtype=dt) for v in (x, y))
    out = np.where(xd == 0, 0, xd * np.log(yd))
    return np.where(np.isnan(yd), np.nan, out).astype(dt)


def _xlogy_grad_x(grad, x, y):
    # at::xlogy(grad, y), with 0 where x == 0 and y <= 0
    g = xlogy(grad, y)
    return g.masked_fill((x == 0) & (y <= 0), 0.0) if isinstance(x, Tensor) else g


class XlogyBackward0(Function):
    """out = x * log(y) (0 where x == 0, NaN where y is NaN)
    grad_x = xlogy(grad, y) (0 where x == 0 and y <= 0)        grad_y = grad * x / y"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return _xlogy(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _xlogy_grad_x(grad, x, y), grad * x / y


class XlogyBackward1(Function):
    """out = number * log(y)        grad_y = grad * number / y"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.x = x
        ctx.save_for_backward(y)
        return _xlogy(x, y)

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return None, grad * ctx.x / y


class XlogyBackward2(Function):
    """out = x * log(number)        grad_x = xlogy(grad, number) (0 where x == 0, number <= 0)"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.y = y
        ctx.save_for_backward(x)
        return _xlogy(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        g = xlogy(grad, ctx.y)
        return (g.masked_fill(x == 0, 0.0) if ctx.y <= 0 else g), None


def _xlogy_sample(rng, dtype):
    for shape in [(), (3,), (2, 3)]:
        x = rng.standard_normal(shape).astype(dtype)
        yield [x, rng.uniform(0.2, 3.0, shape).astype(dtype)], {}
    yield [rng.standard_normal((2, 3)).astype(dtype), 2.5], {}


@register(nodes=("XlogyBackward0", "XlogyBackward1", "XlogyBackward2"), args=("input", "other"),
          forms=("function", "method", "inplace"), family="special", sample=_xlogy_sample,
          special_names=("xlogy",))
def xlogy(input, other):
    """``input * log(other)``, 0 where input is 0 (unless other is NaN)."""
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            raise TypeError("xlogy() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(other).__name__})")
        return XlogyBackward1.apply(input, other)
    if not isinstance(other, Tensor):
        return XlogyBackward2.apply(input, other)
    return XlogyBackward0.apply(input, other)
