"""``ChannelShuffle`` (channels split into groups and interleaved) and ``RReLU`` (the randomized
leaky ReLU: random negative slopes in training, their mean in evaluation)."""
from ...ops.bilinear import channel_shuffle
from ...ops.rrelu import rrelu
from .module import Module

__all__ = ["ChannelShuffle", "RReLU"]


class ChannelShuffle(Module):
    """Split the channels (dim 1) into ``groups`` and interleave them."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class RReLU(Module):
    """x where x >= 0, x·r elsewhere: r ~ U(lower, upper) per element in training mode,
    (lower + upper) / 2 in evaluation mode."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        inplace = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace}"
