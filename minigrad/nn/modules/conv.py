"""``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``: a weight, an optional bias, and the call to
``F.convolution`` (``minigrad/ops/conv.py`` has the formulas).

Initialization is torch's: weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
1/sqrt(fan_in)) with fan_in = weight.size(1) * prod(kernel_size), then bias ~ the same bound, both
drawn from the global generator in that order.
"""
import math

from ... import creation
from ...ops import conv as C
from ...ops.padding import pad
from .. import init
from ..parameter import Parameter
from .module import Module
from ..._device import EMPTY, check_device

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}   # printed as a set


def _ntuple(value, n):
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    nd = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None,
                 output_padding=0):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__()
        nd = self.nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, nd)
        self.stride = _ntuple(stride, nd)
        self.dilation = _ntuple(dilation, nd)
        if isinstance(padding, str):
            valid = {"same", "valid"}     # printed as a set: torch builds it in this order
            if padding not in valid:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {valid}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _ntuple(padding, nd)
        self.output_padding = _ntuple(output_padding, nd)
        self.groups, self.padding_mode = groups, padding_mode
        self._reversed_padding_repeated_twice = self._border()
        if self.transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(creation.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _border(self):
        """F.pad's list for the non-zeros padding modes: last dim first, (left, right) each."""
        border = []
        for i in reversed(range(self.nd)):
            if self.padding == "valid":
                lo = hi = 0
            elif self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                lo = total // 2
                hi = total - lo
            else:
                lo = hi = self.padding[i]
            border += [lo, hi]
        return border

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self.nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            input = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return C.convolution(input, weight, bias, self.stride, 0, self.dilation, False, 0,
                                 self.groups, self.nd, f"conv{self.nd}d")
        return C.convolution(input, weight, bias, self.stride, self.padding, self.dilation,
                             False, 0, self.groups, self.nd, f"conv{self.nd}d")

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class _ConvTranspose(_ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)

    def _output_padding(self, input, output_size):
        """output_padding that makes the result output_size (its last nd entries)."""
        if output_size is None:
            return self.output_padding
        given = output_size
        output_size = list(output_size)[-self.nd:]
        if len(output_size) != self.nd:
            raise ValueError(f"ConvTranspose{self.nd}D: for {input.ndim}D input, output_size "
                             f"must have {self.nd} or {self.nd + 2} elements (got "
                             f"{len(given)})")
        spatial = input.shape[input.ndim - self.nd:]
        smallest = [(size - 1) * st - 2 * p + d * (k - 1) + 1 for size, st, p, d, k in zip(
            spatial, self.stride, self.padding, self.dilation, self.kernel_size)]
        largest = [s + st - 1 for s, st in zip(smallest, self.stride)]
        if any(not lo <= o <= hi for lo, o, hi in zip(smallest, output_size, largest)):
            raise ValueError(f"requested an output size of {given}, but valid sizes range "
                             f"from {smallest} to {largest} (for an input of {spatial})")
        extra = [o - lo for o, lo in zip(output_size, smallest)]
        return tuple(extra)

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return C.convolution(input, self.weight, self.bias, self.stride, self.padding,
                             self.dilation, True, output_padding, self.groups, self.nd,
                             f"conv_transpose{self.nd}d")


def _named(base, name, nd):
    cls = type(name, (base,), {"nd": nd, "__module__": __name__})
    cls.__doc__ = f"{nd}-d {'transposed ' if base is _ConvTranspose else ''}convolution layer."
    return cls


Conv1d, Conv2d, Conv3d = (_named(_Conv, f"Conv{n}d", n) for n in (1, 2, 3))
ConvTranspose1d, ConvTranspose2d, ConvTranspose3d = (
    _named(_ConvTranspose, f"ConvTranspose{n}d", n) for n in (1, 2, 3))
