"""``BatchNorm1d/2d/3d``: per-channel normalization with learned scale and shift and running
statistics (``minigrad/ops/batch_norm.py`` has the formulas).

In training mode each call normalizes with the batch's statistics and (with
``track_running_stats``) moves the running ones by ``momentum`` -- or, with ``momentum=None``,
keeps their cumulative average (factor 1 / num_batches_tracked); in eval mode it normalizes with
the running statistics. ``num_batches_tracked`` is a buffer, so it is in the state_dict.
"""
from ... import creation
from ..._dtype import int64
from ...ops import batch_norm as N
from .. import init
from ..parameter import Parameter
from .module import Module
from ..._device import EMPTY, check_device

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


def affine_parameters(module, n, affine, bias, dtype):
    """weight and bias (uninitialized, length n) -- or None for those turned off."""
    weight = Parameter(creation.empty(n, dtype=dtype)) if affine else None
    module.register_parameter("weight", weight)
    module.register_parameter("bias", Parameter(creation.empty(n, dtype=dtype))
                              if affine and bias else None)


class _NormBase(Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        if affine or track_running_stats:   # torch fails allocating there
            check_device(device, EMPTY)
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        affine_parameters(self, num_features, affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.tensor(0, dtype=int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def extra_repr(self):
        bias = f", bias={self.bias is not None}" if self.affine else ", bias=False"
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}{bias}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    dims = ()

    def _check_input_dim(self, input):
        if input.ndim not in self.dims:
            want = " or ".join(f"{d}D" for d in self.dims)
            raise ValueError(f"expected {want} input (got {input.ndim}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return N.batch_norm(input, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    dims = (4,)


class BatchNorm3d(_BatchNorm):
    dims = (5,)
