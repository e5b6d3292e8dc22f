"""``LayerNorm`` and ``RMSNorm``: normalisation over the trailing ``normalized_shape`` dims,
with an optional learned elementwise scale (ones at first) and, for LayerNorm, shift (zeros)."""
from ... import creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module
from ..._device import EMPTY, check_device

__all__ = ["LayerNorm", "RMSNorm"]


def _shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(normalized_shape)


class _TrailingNorm(Module):
    """What LayerNorm and RMSNorm share: the shape, eps, and the affine parameters."""

    def _affine(self, elementwise_affine, bias, dtype):
        """weight (and bias, unless ``bias`` is False; RMSNorm: None, no bias at all)."""
        self.elementwise_affine = elementwise_affine
        names = ("weight",) if bias is None else ("weight", "bias")
        for name in names:
            if elementwise_affine and (name == "weight" or bias):
                param = Parameter(creation.empty(self.normalized_shape, dtype=dtype))
                self.register_parameter(name, param)
            else:
                self.register_parameter(name, None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if getattr(self, "bias", None) is not None:
                init.zeros_(self.bias)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LayerNorm(_TrailingNorm):
    """(x - mean) / √(var + eps) · weight + bias over the trailing dims."""

    def __init__(self, normalized_shape, eps=1e-05, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        if elementwise_affine:   # torch fails allocating there
            check_device(device, EMPTY)
        super().__init__()
        self.normalized_shape, self.eps = _shape(normalized_shape), eps
        self._affine(elementwise_affine, bias, dtype)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return super().extra_repr() + f", bias={self.bias is not None}"


class RMSNorm(_TrailingNorm):
    """x / √(mean(x²) + eps) · weight over the trailing dims (eps None: the dtype's eps)."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        if elementwise_affine:   # torch fails allocating there
            check_device(device, EMPTY)
        super().__init__()
        self.normalized_shape, self.eps = _shape(normalized_shape), eps
        self._affine(elementwise_affine, None, dtype)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)
