"""Pooling layers: each holds its arguments (as torch stores them: ``extra_repr`` prints them)
and calls the functional of ``minigrad/ops/pooling.py``."""
from ...ops import pooling as P
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d",
           "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


def _ntuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class _MaxPoolNd(Module):
    fn = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return type(self).fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                             ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    fn = staticmethod(P.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    fn = staticmethod(P.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    fn = staticmethod(P.max_pool3d)


class _AvgPoolNd(Module):
    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, 1)
        self.stride = _ntuple(stride if stride is not None else kernel_size, 1)
        self.padding = _ntuple(padding, 1)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return P.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class _AvgPool(_AvgPoolNd):
    fn = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return type(self).fn(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)


class AvgPool2d(_AvgPool):
    fn = staticmethod(P.avg_pool2d)


class AvgPool3d(_AvgPool):
    fn = staticmethod(P.avg_pool3d)


class _AdaptivePool(Module):
    fn = None

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        if "Max" in type(self).__name__:
            self.return_indices = return_indices

    def forward(self, input):
        if hasattr(self, "return_indices"):
            return type(self).fn(input, self.output_size, self.return_indices)
        return type(self).fn(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool):
    fn = staticmethod(P.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptivePool):
    fn = staticmethod(P.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptivePool):
    fn = staticmethod(P.adaptive_avg_pool3d)


class AdaptiveMaxPool1d(_AdaptivePool):
    fn = staticmethod(P.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptivePool):
    fn = staticmethod(P.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptivePool):
    fn = staticmethod(P.adaptive_max_pool3d)


class _LPPool(Module):
    fn = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input):
        return type(self).fn(input, float(self.norm_type), self.kernel_size, self.stride,
                             self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPool):
    fn = staticmethod(P.lp_pool1d)


class LPPool2d(_LPPool):
    fn = staticmethod(P.lp_pool2d)


class LPPool3d(_LPPool):
    fn = staticmethod(P.lp_pool3d)


class MaxUnpool2d(Module):
    """Puts each pooled value back where max_pool2d found it (zeros elsewhere)."""

    nd = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self.nd)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self.nd)
        self.padding = _ntuple(padding, self.nd)

    def forward(self, input, indices, output_size=None):
        return P.max_unpool(input, indices, self.kernel_size, self.stride, self.padding,
                            output_size, self.nd)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    nd = 1


class MaxUnpool3d(MaxUnpool2d):
    nd = 3
