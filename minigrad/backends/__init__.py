"""``torch.backends``: the switches of libraries minigrad does not use (cuDNN, MPS, CUDA).

They answer as on a torch build without them, and their flags can be set and read back.
"""
from . import cuda, cudnn, mps  # noqa: F401
