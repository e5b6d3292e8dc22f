"""``torch.version``: the release, and the GPU toolkits it was built with (none)."""
__version__ = "0.1.0"
cuda = None
hip = None
debug = False
