"""``nn.utils``: helpers around modules."""
from . import rnn  # noqa: F401
