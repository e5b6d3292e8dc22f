"""Activation functions: ``F.gelu``, ``F.silu``, ``F.elu`` ... with torch's graph nodes.

Each pointwise activation is a ``Function`` named like torch's grad_fn; the docstring gives the
forward and the derivative (``grad`` is the incoming gradient). Backward formulas are written
with arithmetic and ``formulas`` helpers, so they run on ndarrays (plain backward) and on Tensors
(``create_graph=True``: the second derivative comes from the recorded formula). Masks of
piecewise definitions are constants (their derivative is zero almost everywhere).

The in-place forms (``F.elu(x, inplace=True)``, ``F.elu_``) compute out of place and write the
result into x; where torch's in-place node is a different one (``EluBackward1``: it saves the
result, since x itself is overwritten) the result-based node is used.

The compositions torch also composes (softsign is a division, tanhshrink a subtraction, softmin
a softmax of -x) are plain functions: their grad_fn is that of the last op, as in torch.
"""
import math

import numpy as np

from .. import _buffers, _dtype
from ..autograd import formulas
from ..autograd.function import _NO_CTX, Function
from . import elementwise as ew
from ._util import inplace_variant, silent_fp
from .registry import register
from .softmax import SoftmaxBackward0, softmax_args

__all__ = [
    "gelu", "silu", "mish", "elu", "elu_", "celu", "celu_", "selu", "selu_", "leaky_relu",
    "leaky_relu_", "relu6", "hardtanh", "hardtanh_", "hardswish", "hardsigmoid", "softplus",
    "softsign", "tanhshrink", "logsigmoid", "softmin", "threshold",
    "threshold_",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def float_input(x, kernel):
    """x's array, refused as torch refuses integer and bool inputs to a float-only kernel."""
    if x.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_dtype.from_numpy_dtype(x.dtype).short_name}'")
    return x


def _where(mask, a, b):
    """a where the constant bool array ``mask`` holds, else b (a graph node on Tensors)."""
    return formulas.where(mask, a, b)


def _masked_grad_node(name, refuse=None):
    """torch's backward node of a piecewise-linear activation (``HardtanhBackwardBackward0``
    & co): out = grad · (inside where mask, else outside), a node of its own that keeps the
    gradient connected to x, so a second derivative is defined (zero for x) as in torch.
    ``refuse``: the op whose second derivative torch does not implement."""
    def forward(ctx, grad, x, mask, inside, outside):
        ctx.save_for_backward(x)
        ctx.args = mask, inside, outside
        # a 0 factor is a choice in torch's kernels (cond ? grad * k : 0): 0 for a NaN grad
        return np.where(mask, grad * inside if inside else 0, grad * outside if outside else 0
                        ).astype(grad.dtype, copy=False)

    def backward(ctx, gg):
        if refuse:
            raise RuntimeError(f"derivative for aten::{refuse} is not implemented")
        x, = ctx.saved_tensors
        return formulas.call(node, gg, x, *ctx.args), formulas.zeros_like(x), None, None, None
    doc = ("out = grad · (inside where mask, else outside; a 0 factor gives 0, also for a NaN "
           "grad)    grad_grad = gg likewise    grad_x = 0")
    node = type(name, (Function,), {"__doc__": doc, "numpy_backward": refuse is None,
                                    "forward": staticmethod(forward),
                                    "backward": staticmethod(backward),
                                    "__module__": __name__})
    return node


LeakyReluBackwardBackward0 = _masked_grad_node("LeakyReluBackwardBackward0")
HardtanhBackwardBackward0 = _masked_grad_node("HardtanhBackwardBackward0")
HardsigmoidBackwardBackward0 = _masked_grad_node("HardsigmoidBackwardBackward0",
                                                 refuse="hardsigmoid_backward")
SoftshrinkBackwardBackward0 = _masked_grad_node("SoftshrinkBackwardBackward0")
HardshrinkBackwardBackward0 = _masked_grad_node("HardshrinkBackwardBackward0")


def _exp(x):
    return formulas.call(ew.ExpBackward0, x)


def _tanh(x):
    return formulas.call(ew.TanhBackward0, x)


def _sigmoid(x):
    return formulas.call(ew.SigmoidBackward0, x)


# ---- smooth activations ------------------------------------------------------------------------
_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_C = 0.044715
# h(x) = erfc(x/√2) / 2 = t Q(t) exp(-x²/2) + ε  for x >= 0,  t = 1 / (x + a),
# Q(t) = q₀ + q₁ t + ... + q₅ t⁵: a minimax fit of ε relative to h + 1/50 (iteratively
# reweighted least squares on [0, 13.5], q₀ set by h(0) = 1/2, then each q rounded to float32
# and the rest refitted; a and the q's are the float32 numbers below, the q's in Horner order,
# q₅ first): |ε| <= 6.4e-8 (h + 0.02), so at most 2.9e-8 near x = 0 (below the rounding of the
# float32 steps there, ~2e-7) and 9e-10 from x = 3 on (below the float32 spacing of Φ there);
# in float32, h(0) is 1/2 exactly. exp(-x²/2) is the Gaussian of gelu' too.
_ERFC_A = 3.57599
_HALF_ERFC_Q = (-224.95218, 233.21605, -41.05217, 12.783437, 0.80871826, 0.41842118)
_exact_erfc = np.vectorize(math.erfc, otypes=[np.float64])
_SIGN_BIT = np.uint32(1 << 31)


def normal_cdf(x):
    """Φ(x) = (1 + erf(x/√2)) / 2 on an ndarray (float32: see ``normal_cdf_parts``)."""
    return normal_cdf_parts(x)[0]


def normal_cdf_parts(x):
    """(Φ(x), exp(-x²/2)) on an ndarray. float64: Φ exact (math.erfc), and None for the
    Gaussian. float32, with the fit above:
        h = erfc(|x|/√2) / 2 = t Q(t) exp(-x²/2),   t = 1 / (|x| + a)
        Φ(x) = 1/2 + sign(x) (1/2 - h)
    each step rounded to float32, so that 2Φ = 1 + erf(x/√2) is rounded as torch's float32
    kernel rounds it (the far lower tail is 0 there too); exp(-x²/2) = 2^(-x² log₂(e) / 2)
    (NumPy's float32 exp2 is the faster of the two)."""
    if x.dtype != np.float32:
        cdf = (_exact_erfc(x * -_SQRT1_2) * 0.5).astype(x.dtype) if x.size else x.copy()
        return cdf, None
    # (each step in place, in x's layout: out= gives arrays even for a 0-d x)
    t = np.abs(x, out=_buffers.empty_like(x))
    t += np.float32(_ERFC_A)
    np.divide(np.float32(1), t, out=t)                      # t = 1 / (|x| + a)
    gauss = np.multiply(x, x, out=_buffers.empty_like(x))
    gauss *= np.float32(-0.5 * math.log2(math.e))
    np.exp2(gauss, out=gauss)                               # exp(-x²/2) = 2^(-x² log₂(e) / 2)
    cdf = np.multiply(t, np.float32(_HALF_ERFC_Q[0]), out=_buffers.empty_like(x))
    cdf += np.float32(_HALF_ERFC_Q[1])
    for q in _HALF_ERFC_Q[2:]:
        cdf *= t
        cdf += np.float32(q)
    cdf *= t
    cdf *= gauss                                            # h = t Q(t) exp(-x²/2)
    np.subtract(np.float32(0.5), cdf, out=cdf)              # |erf(x/√2)| / 2
    # times sign(x): x's sign bit flipped into it (x's -0.0 and NaNs too: 1/2 - h is then 0
    # or NaN), written in t's memory (t is done)
    sign = np.bitwise_and(x.view(np.uint32), _SIGN_BIT, out=t.view(np.uint32))
    bits = cdf.view(np.uint32)
    bits ^= sign
    cdf += np.float32(0.5)
    return cdf, gauss


def _gelu_tanh(x):
    """tanh(√(2/π) (x + 0.044715 x³)) on arrays or Tensors."""
    return _tanh((x + x * x * x * _GELU_C) * _SQRT_2_OVER_PI)


class GeluBackward0(Function):
    """approximate='none':  out = x Φ(x) = x/2 (1 + erf(x/√2))
    approximate='tanh':     out = x/2 (1 + tanh(u)),  u = √(2/π) (x + 0.044715 x³)
    grad_x = grad gelu'(x)  (GeluBackwardBackward0, which has the formulas for gelu'; it is
    handed Φ(x) and exp(-x²/2) from the forward, the costly parts, so that they are computed
    once)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x, approximate):
        float_input(x, "GeluKernelImpl")
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = (x + x * x * x * _GELU_C) * _SQRT_2_OVER_PI
            return x * 0.5 * (1 + np.tanh(inner))
        cdf, gauss = normal_cdf_parts(x)
        ctx.cdf, ctx.gauss = cdf, gauss
        return np.multiply(x, cdf, out=_buffers.for_result(x, cdf))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        cdf, gauss = getattr(ctx, "cdf", None), getattr(ctx, "gauss", None)
        return formulas.call(GeluBackwardBackward0, grad, x, ctx.approximate, cdf, gauss), None


class GeluBackwardBackward0(Function):
    """out = grad gelu'(x)
    'none': gelu'(x) = Φ(x) + x φ(x),  φ(x) = exp(-x²/2) / √(2π);  gelu''(x) = φ(x) (2 - x²)
    'tanh': gelu'(x) = ½(1 + t) + ½ x (1 - t²) u',  t = tanh(u),  u' = √(2/π)(1 + 3·0.044715 x²)
            gelu''(x) = (1 - t²) (u' + ½ x (u'' - 2 t u'²)),  u'' = 6·0.044715 √(2/π) x
    grad_grad = gg gelu'(x)        grad_x = gg grad gelu''(x)
    (cdf, gauss: Φ(x) and exp(-x²/2) as the forward computed them, or None to compute them
    here)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, grad, x, approximate, cdf=None, gauss=None):
        ctx.save_for_backward(grad, x)
        ctx.approximate, ctx.cdf, ctx.gauss = approximate, cdf, gauss
        if approximate == "tanh":
            t = np.tanh((x + x * x * x * _GELU_C) * _SQRT_2_OVER_PI)
            d_inner = (1 + x * x * (3 * _GELU_C)) * _SQRT_2_OVER_PI
            return grad * ((1 + t) * 0.5 + x * 0.5 * (1 - t * t) * d_inner)
        if cdf is None:
            cdf, gauss = normal_cdf_parts(x)
        if gauss is None:       # (float64: exp(-x²/2) here)
            gauss = np.multiply(x, x, out=_buffers.empty_like(x))
            gauss *= -0.5
            np.exp(gauss, out=gauss)
        # grad (Φ(x) + x φ(x)),  φ(x) = exp(-x²/2) / √(2π), each step in place
        slope = np.multiply(gauss, x.dtype.type(_INV_SQRT_2PI), out=_buffers.empty_like(x))
        slope *= x
        slope += cdf
        return np.multiply(grad, slope, out=slope if grad.shape == slope.shape else None)

    @staticmethod
    def backward(ctx, gg):
        grad, x = ctx.saved_tensors
        grad_grad = formulas.call(GeluBackwardBackward0, gg, x, ctx.approximate, ctx.cdf,
                                  ctx.gauss)
        if ctx.approximate == "tanh":
            t = _gelu_tanh(x)
            d_inner = (1 + x * x * (3 * _GELU_C)) * _SQRT_2_OVER_PI
            dd_inner = x * (6 * _GELU_C * _SQRT_2_OVER_PI)
            second = (1 - t * t) * (d_inner + x * 0.5 * (dd_inner - t * d_inner * d_inner * 2))
        else:
            second = _exp(x * x * -0.5) * _INV_SQRT_2PI * (2 - x * x)
        return grad_grad, gg * grad * second, None, None, None


@register(nodes=("GeluBackward0",), forms=("functional",), family="activation")
def gelu(input, approximate="none"):
    """Gaussian error linear unit: x Φ(x), or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return GeluBackward0.apply(input, approximate)


class SiluBackward0(Function):
    """out = x sigmoid(x)        grad_x = grad s (1 + x (1 - s)),  s = sigmoid(x)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        float_input(x, "silu_cpu")
        ctx.save_for_backward(x)
        return x / (1 + np.exp(-x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        s = _sigmoid(x)
        return grad * s * (1 + x * (1 - s))   # torch's order (its kernel's rounding too)


def _with_inplace(outplace, node_inplace=None):
    """fn(input, *args, inplace=False): out of place, or written into input (through
    ``node_inplace``, a function applying torch's in-place node, when it has one)."""
    write = inplace_variant(node_inplace or outplace)

    def run(input, *args, inplace=False):
        return write(input, *args) if inplace else outplace(input, *args)
    return run


def _silu(input):
    return SiluBackward0.apply(input)


@register(nodes=("SiluBackward0",), forms=("functional",), family="activation")
def silu(input, inplace=False):
    """Sigmoid linear unit (swish): x sigmoid(x)."""
    return _with_inplace(_silu)(input, inplace=inplace)


class MishBackward0(Function):
    """out = x tanh(softplus(x))      grad_x = grad (t + x sigmoid(x) (1 - t²)),  t = tanh(sp(x))"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x):
        float_input(x, "mish_cpu")
        ctx.save_for_backward(x)
        return x * np.tanh(np.log1p(np.exp(x)))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        t = _tanh(formulas.call(ew.Log1PBackward0, _exp(x)))
        return grad * (t + x * _sigmoid(x) * (1 - t * t))


def _mish(input):
    return MishBackward0.apply(input)


@register(nodes=("MishBackward0",), forms=("functional",), family="activation")
def mish(input, inplace=False):
    """x tanh(softplus(x))."""
    return _with_inplace(_mish)(input, inplace=inplace)


# ---- the ELU family ---------------------------------------------------------------------------
class EluBackward0(Function):
    """out = scale x (x > 0),  scale alpha (exp(x input_scale) - 1) (x <= 0)
    grad_x = grad scale (x > 0),  grad input_scale alpha scale exp(x input_scale) (x <= 0)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x, alpha, scale, input_scale):
        float_input(x, "elu_cpu")
        ctx.save_for_backward(x)
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        ctx.positive = positive = x > 0
        return np.where(positive, x * scale, np.expm1(x * input_scale) * (alpha * scale))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formulas.call(EluBackwardBackward0, grad, x, ctx.alpha, ctx.scale,
                             ctx.input_scale, False), None, None, None


class EluBackwardBackward0(Function):
    """elu's backward as one node, of x (or, is_result, of the output y):
    out = grad scale (x > 0),  grad input_scale alpha scale exp(x input_scale) (x <= 0)
          [grad scale (y > 0),  grad input_scale (y + alpha scale) (y <= 0)]
    grad_grad = the same with gg      grad_x = out(gg grad input_scale) where x < 0, else 0
    [grad_y = gg grad input_scale where y < 0]: torch's strict mask (0 at x = 0)."""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, grad, x, alpha, scale, input_scale, is_result):
        ctx.save_for_backward(grad, x)
        ctx.args = alpha, scale, input_scale, is_result
        if is_result:
            negative = grad * ((x + alpha * scale) * input_scale)
        else:
            negative = grad * (np.exp(x * input_scale) * (input_scale * alpha * scale))
        return np.where(x > 0, grad * scale, negative)

    @staticmethod
    def backward(ctx, gg):
        grad, x = ctx.saved_tensors
        input_scale, is_result = ctx.args[2:]
        grad_grad = formulas.call(EluBackwardBackward0, gg, x, *ctx.args)
        scaled = gg * grad * input_scale
        if not is_result:
            scaled = formulas.call(EluBackwardBackward0, scaled, x, *ctx.args)
        negative = formulas.data(x) < 0
        grad_x = scaled * formulas.constant(negative.astype(formulas.data(x).dtype))
        return grad_grad, grad_x, None, None, None, None


class EluBackward1(EluBackward0):
    """In place: the same function, its derivative read from the result (x is overwritten):
    grad_x = grad scale (out > 0),  grad input_scale (out + alpha scale) (out <= 0)"""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        out = EluBackward0.forward(_NO_CTX, x, alpha, scale, input_scale)
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        ctx.positive = out > 0
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return formulas.call(EluBackwardBackward0, grad, out, ctx.alpha, ctx.scale,
                             ctx.input_scale, True), None, None, None


def _celu_grad_scale(alpha):
    """torch's celu derivative takes input_scale as 1 / float32(alpha) (the forward: 1 / alpha)"""
    return 1.0 / float(np.float32(alpha))


class CeluBackward0(EluBackward0):
    """celu(x, alpha) = elu(x, alpha, scale=1, input_scale=1/alpha): EluBackward0's formulas"""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        out = EluBackward0.forward(ctx, x, alpha, scale, input_scale)
        ctx.input_scale = _celu_grad_scale(alpha)
        return out


class CeluBackward1(EluBackward1):
    """celu's in-place node: EluBackward1's formulas"""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        out = EluBackward1.forward(ctx, x, alpha, scale, input_scale)
        ctx.input_scale = _celu_grad_scale(alpha)
        return out


def _elu_op(cls, alpha, scale=1.0, input_scale=1.0):
    def run(input):
        return cls.apply(input, alpha, scale, input_scale)
    return run


def _elu(input, alpha, inplace, scale=1.0, input_scale=1.0, nodes=(EluBackward0, EluBackward1)):
    outplace = _elu_op(nodes[0], alpha, scale, input_scale)
    return _with_inplace(outplace, _elu_op(nodes[1], alpha, scale, input_scale))(
        input, inplace=inplace)


@register(nodes=("EluBackward0",), forms=("functional",), family="activation")
def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (exp(x) - 1) otherwise."""
    return _elu(input, alpha, inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def _celu_nodes(alpha):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return 1.0 / alpha


@register(nodes=("CeluBackward0",), forms=("function", "functional"), family="activation")
def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""
    input_scale = _celu_nodes(alpha)
    return _elu(input, alpha, inplace, 1.0, input_scale, (CeluBackward0, CeluBackward1))


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


@register(nodes=("EluBackward0",), forms=("function", "functional"), family="activation")
def selu(input, inplace=False):
    """scale (max(0, x) + min(0, alpha (exp(x) - 1))) with the self-normalising constants."""
    return _elu(input, _SELU_ALPHA, inplace, _SELU_SCALE)


def selu_(input):
    return selu(input, inplace=True)


# ---- piecewise-linear activations --------------------------------------------------------------
class LeakyReluBackward0(Function):
    """out = x (x > 0), slope x otherwise        grad_x = grad (x > 0), slope grad otherwise"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, negative_slope):
        float_input(x, "leaky_relu_cpu")
        ctx.positive = positive = x > 0
        ctx.slope = negative_slope
        ctx.save_for_backward(x)
        return np.where(positive, x, x * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formulas.call(LeakyReluBackwardBackward0, grad, x, ctx.positive, 1.0,
                             ctx.slope), None


class LeakyReluBackward1(LeakyReluBackward0):
    """In place: the same derivative, the mask read from the result (out > 0 where x > 0 for
    a positive slope)"""

    @staticmethod
    def forward(ctx, x, negative_slope):
        out = LeakyReluBackward0.forward(_NO_CTX, x, negative_slope)
        ctx.positive, ctx.slope = out > 0, negative_slope
        ctx.save_for_backward(out)
        return out


@register(nodes=("LeakyReluBackward0",), forms=("functional",), family="activation")
def leaky_relu(input, negative_slope=0.01, inplace=False):
    """max(0, x) + negative_slope min(0, x)."""
    if inplace:
        return inplace_variant(LeakyReluBackward1.apply)(input, negative_slope)
    return LeakyReluBackward0.apply(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


class HardtanhBackward0(Function):
    """out = clamp(x, min_val, max_val)      grad_x = grad where min_val < x < max_val, else 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        if x.dtype == np.bool_:
            raise RuntimeError("Bool inputs not supported for hardtanh")
        ctx.inside = (x > min_val) & (x < max_val)
        ctx.save_for_backward(x)
        low = np.where(x < min_val, x.dtype.type(min_val), x)
        return np.where(low > max_val, x.dtype.type(max_val), low)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formulas.call(HardtanhBackwardBackward0, grad, x, ctx.inside, 1.0, 0.0), None, None


def _hardtanh(min_val, max_val):
    def run(input):
        return HardtanhBackward0.apply(input, min_val, max_val)
    return run


@register(nodes=("HardtanhBackward0",), forms=("functional",), family="activation")
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _with_inplace(_hardtanh(min_val, max_val))(input, inplace=inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


@register(nodes=("HardtanhBackward0",), forms=("functional",), family="activation",
          domain="nonzero")
def relu6(input, inplace=False):
    """min(max(0, x), 6): hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


class HardswishBackward0(Function):
    """out = x relu6(x + 3) / 6
    grad_x = 0 (x < -3),  grad (x / 3 + 1/2) (-3 <= x <= 3),  grad (x > 3)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        float_input(x, "hardswish_cpu")
        ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formulas.call(HardswishBackwardBackward0, grad, x)


class HardswishBackwardBackward0(Function):
    """hardswish's backward as one node (torch's kernel: x = -3 takes the 0 branch, x = 3 the
    grad branch):   out = 0 (x <= -3),  grad (x / 3 + 1/2) (-3 < x < 3),  grad (x >= 3)
    grad_grad = the same with gg        grad_x = gg grad / 3 where -3 < x < 3, else 0"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, grad, x):
        ctx.save_for_backward(grad, x)
        ctx.inside = inside = (x > -3) & (x < 3)
        return np.where(inside, grad * (x / 3 + 0.5), np.where(x <= -3, x.dtype.type(0), grad))

    @staticmethod
    def backward(ctx, gg):
        grad, x = ctx.saved_tensors
        return (formulas.call(HardswishBackwardBackward0, gg, x),
                _where(ctx.inside, gg * grad / 3.0, 0.0))


def _hardswish(input):
    return HardswishBackward0.apply(input)


@register(nodes=("HardswishBackward0",), forms=("functional",), family="activation")
def hardswish(input, inplace=False):
    """x relu6(x + 3) / 6."""
    return _with_inplace(_hardswish)(input, inplace=inplace)


_ONE_SIXTH = float(np.float32(1 / 6))  # torch's kernel multiplies by 1/6 as a C float


class HardsigmoidBackward0(Function):
    """out = relu6(x + 3) / 6        grad_x = grad · (1/6) where -3 < x < 3, else 0
    (in the gradient 1/6 is rounded to float32, as torch's kernel has it, whatever the dtype)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        float_input(x, "hardsigmoid_cpu")
        ctx.inside = (x > -3) & (x < 3)
        ctx.save_for_backward(x)
        return np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formulas.call(HardsigmoidBackwardBackward0, grad, x, ctx.inside, _ONE_SIXTH, 0.0)


def _hardsigmoid(input):
    return HardsigmoidBackward0.apply(input)


@register(nodes=("HardsigmoidBackward0",), forms=("functional",), family="activation")
def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    return _with_inplace(_hardsigmoid)(input, inplace=inplace)


class ThresholdBackward0(Function):
    """out = value where x <= threshold, else x      grad_x = 0 where x <= threshold, else grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.threshold = threshold
        ctx.save_for_backward(x)
        return np.where(x > threshold, x, x.dtype.type(value))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors     # (the result, in place): grad where x - threshold > 0
        return formulas.call(ew.ThresholdBackwardBackward0, grad, x - ctx.threshold), None, None


class ThresholdBackward1(ThresholdBackward0):
    """In place: x is about to be overwritten, so the mask is read from a copy of it (as torch
    saves a clone of the original self; the result would pass x <= threshold where the value
    written there is above the threshold)"""

    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.threshold = threshold
        ctx.save_for_backward(x.copy())
        return ThresholdBackward0.forward(_NO_CTX, x, threshold, value)


def _threshold_sample(rng, dtype):
    for shape in [(), (3,), (2, 3)]:
        yield [rng.standard_normal(shape).astype(dtype), 0.3, -2.0], {}


@register(nodes=("ThresholdBackward0",), forms=("function", "functional"), family="activation",
          args=("input", "threshold", "value"), sample=_threshold_sample)
def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    if inplace:
        return inplace_variant(ThresholdBackward1.apply)(input, threshold, value)
    return ThresholdBackward0.apply(input, threshold, value)


def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, inplace=True)


_threshold = threshold


# ---- softplus and log-sigmoid -----------------------------------------------------------------
class SoftplusBackward0(Function):
    """out = log(1 + exp(β x)) / β, or x where β x > threshold
    grad_x = grad sigmoid(β x), or grad where β x > threshold"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, x, beta, threshold):
        float_input(x, "softplus_cpu")
        ctx.save_for_backward(x)
        ctx.beta = beta
        ctx.linear = linear = x * beta > threshold
        return np.where(linear, x, np.log1p(np.exp(x * beta)) / beta)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return _where(ctx.linear, grad, grad * _sigmoid(x * ctx.beta)), None, None


@register(nodes=("SoftplusBackward0",), forms=("functional",), family="activation")
def softplus(input, beta=1.0, threshold=20.0):
    """A smooth relu: log(1 + exp(beta x)) / beta (linear above threshold)."""
    return SoftplusBackward0.apply(input, beta, threshold)


class LogSigmoidBackward0(Function):
    """out = min(x, 0) - log1p(exp(-|x|))        grad_x = grad sigmoid(-x)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        float_input(x, "log_sigmoid_cpu")
        ctx.save_for_backward(x)
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formulas.call(LogSigmoidBackwardBackward0, grad, x)


class LogSigmoidBackwardBackward0(Function):
    """log_sigmoid's backward as one node, computed as torch's kernel computes it:
    out = grad (m - s z / (1 + z)),  z = exp(-|x|),  (m, s) = (1, 1) for x < 0, else (0, -1)
    grad_grad = the same with gg        grad_x = gg grad (σ(x) - 1) σ(x)   (torch's order)"""

    numpy_backward = True

    @staticmethod
    @silent_fp
    def forward(ctx, grad, x):
        ctx.save_for_backward(grad, x)
        z = np.exp(-np.abs(x))
        negative = x < 0
        one = x.dtype.type(1)
        return (np.where(negative, one, 0) - np.where(negative, one, -one) * (z / (1 + z))) * grad

    @staticmethod
    def backward(ctx, gg):
        grad, x = ctx.saved_tensors
        z = _sigmoid(x)
        return formulas.call(LogSigmoidBackwardBackward0, gg, x), gg * grad * (z - 1) * z


@register(nodes=("LogSigmoidBackward0",), forms=("functional",), family="activation")
def logsigmoid(input):
    """log(sigmoid(x)), without overflow."""
    return LogSigmoidBackward0.apply(input)


# ---- compositions, as torch composes them ------------------------------------------------------
@register(nodes=("DivBackward0",), forms=("functional",), family="activation")
def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


@register(nodes=("SubBackward0",), forms=("functional",), family="activation")
def tanhshrink(input):
    """x - tanh(x)."""
    return input - input.tanh()


def _softmin_sample(rng, dtype):
    for shape, dim in [((3,), 0), ((2, 3), 1), ((2, 3, 4), -1)]:
        yield [rng.standard_normal(shape).astype(dtype)], {"dim": dim}


@register(nodes=("SoftmaxBackward0",), forms=("functional",), family="activation",
          sample=_softmin_sample)
def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along dim."""
    return SoftmaxBackward0.apply(*softmax_args(-input, dim, dtype, "softmin", _stacklevel))
