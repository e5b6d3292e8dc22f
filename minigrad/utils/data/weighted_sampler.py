"""``WeightedRandomSampler``: indices drawn with probability proportional to given weights
(the usual remedy for imbalanced classes: weight each example by 1 / its class count).

Each pass is one ``torch.multinomial(weights, num_samples, replacement)`` over the float64
weights, from ``generator`` or the global stream, so the indices are torch's after the same
``manual_seed``.
"""
from ... import float64
from ...creation import as_tensor
from ...ops.sampling import multinomial
from .sampler import Sampler

__all__ = ["WeightedRandomSampler"]


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices into ``weights`` (with replacement by default)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or \
                num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError("replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        weights = as_tensor(weights, dtype=float64)
        if weights.dim() != 1:
            raise ValueError("weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights.shape)}")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        indices = multinomial(self.weights, self.num_samples, self.replacement,
                              generator=self.generator)
        yield from indices.tolist()

    def __len__(self):
        return self.num_samples
