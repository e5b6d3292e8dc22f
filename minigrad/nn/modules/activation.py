"""Activation modules: thin wrappers around ``nn.functional``."""
import warnings

from ... import creation
from .. import functional as F
from .. import init as nn_init
from ..parameter import Parameter
from .module import Module
from ..._device import EMPTY, check_device

__all__ = ["ReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "GELU", "SiLU", "Mish", "ELU",
           "CELU", "SELU", "LeakyReLU", "PReLU", "ReLU6", "Hardtanh", "Hardswish", "Hardsigmoid",
           "Softplus", "Softsign", "Softshrink", "Hardshrink", "Tanhshrink", "LogSigmoid",
           "Softmin", "Softmax2d", "GLU", "Threshold"]


class ReLU(Module):
    """max(x, 0)"""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x))"""

    def forward(self, input):
        return input.sigmoid()


class Tanh(Module):
    """tanh(x)"""

    def forward(self, input):
        return input.tanh()


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``."""

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


# ---- the activation family (functions in ops/activation.py) ------------------------------------
class _Inplace(Module):
    """An activation with only ``inplace=``: ``forward`` calls ``_fn(input, inplace=...)``."""

    _fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class _Plain(Module):
    """An activation without arguments: ``forward`` calls ``_fn(input)``."""

    _fn = None

    def forward(self, input):
        return type(self)._fn(input)


class GELU(Module):
    """x Φ(x) (approximate='none') or its tanh approximation (approximate='tanh')."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(_Inplace):
    """x sigmoid(x)"""
    _fn = staticmethod(lambda x, inplace: F.silu(x, inplace))


class Mish(_Inplace):
    """x tanh(softplus(x))"""
    _fn = staticmethod(lambda x, inplace: F.mish(x, inplace))


class SELU(_Inplace):
    """scale * elu(x, alpha) with the self-normalising constants"""
    _fn = staticmethod(lambda x, inplace: F.selu(x, inplace))


class Hardswish(_Inplace):
    """x relu6(x + 3) / 6"""
    _fn = staticmethod(lambda x, inplace: F.hardswish(x, inplace))


class Hardsigmoid(_Inplace):
    """relu6(x + 3) / 6"""
    _fn = staticmethod(lambda x, inplace: F.hardsigmoid(x, inplace))


class ELU(Module):
    """x for x > 0, alpha (exp(x) - 1) otherwise"""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))"""

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class LeakyReLU(Module):
    """max(0, x) + negative_slope min(0, x)"""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace
                                                          else "")


class PReLU(Module):
    """max(0, x) + a min(0, x) with a learned a: one per channel, or one for all; each a
    starts at ``init``."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(creation.empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        nn_init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Hardtanh(Module):
    """clamp(x, min_val, max_val)"""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None,
                 max_value=None):
        super().__init__()
        if min_value is not None or max_value is not None:
            warnings.warn("keyword argument `min_value` and `max_value` is deprecated and will "
                          "be removed in future, use `min_val` and `max_val` instead.",
                          FutureWarning, stacklevel=2)
            min_val = min_val if min_value is None else min_value
            max_val = max_val if max_value is None else max_value
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if self.max_val <= self.min_val:
            raise AssertionError

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return (f"min_val={self.min_val}, max_val={self.max_val}"
                + (", inplace=True" if self.inplace else ""))


class ReLU6(Hardtanh):
    """min(max(0, x), 6)"""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Threshold(Module):
    """x where x > threshold, else value"""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return (f"threshold={self.threshold}, value={self.value}"
                + (", inplace=True" if self.inplace else ""))


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear above threshold"""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softshrink(Module):
    """x - lambd (x > lambd), x + lambd (x < -lambd), 0 otherwise"""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x where |x| > lambd, else 0"""

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class Softsign(_Plain):
    """x / (1 + |x|)"""
    _fn = staticmethod(lambda x: F.softsign(x))


class Tanhshrink(_Plain):
    """x - tanh(x)"""
    _fn = staticmethod(lambda x: F.tanhshrink(x))


class LogSigmoid(_Plain):
    """log(sigmoid(x))"""
    _fn = staticmethod(lambda x: F.logsigmoid(x))


class Softmin(Softmax):
    """softmax(-x) along ``dim``"""

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """softmax over the channel dim of (C, H, W) or (N, C, H, W)"""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D "
                             "instead")
        return F.softmax(input, -3, _stacklevel=5)


class GLU(Module):
    """a sigmoid(b), a and b the two halves of the input along ``dim``"""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
