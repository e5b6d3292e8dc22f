"""``Dropout``: random zeroing while training, identity in eval mode."""
from .. import functional as F
from ...ops import feature_dropout as FD
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class _FeatureDropout(Dropout):
    fn = None

    def forward(self, input):
        return type(self).fn(input, self.p, self.training, self.inplace)


class Dropout1d(_FeatureDropout):
    """Zero whole channels of (N, C, L) input with probability p (training only)."""

    fn = staticmethod(FD.dropout1d)


class Dropout2d(_FeatureDropout):
    """Zero whole channels of (N, C, H, W) input with probability p (training only)."""

    fn = staticmethod(FD.dropout2d)


class Dropout3d(_FeatureDropout):
    """Zero whole channels of (N, C, D, H, W) input with probability p (training only)."""

    fn = staticmethod(FD.dropout3d)


class AlphaDropout(_FeatureDropout):
    """Dropout for SELU networks: keeps zero mean and unit variance (training only)."""

    fn = staticmethod(FD.alpha_dropout)


class FeatureAlphaDropout(_FeatureDropout):
    fn = staticmethod(FD.feature_alpha_dropout)


__all__ += ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]
