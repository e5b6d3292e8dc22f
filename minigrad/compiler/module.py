"""``minigrad.compile(module)``: the module wrapped so that its calls are compiled."""
from ..nn.modules.module import Module


class OptimizedModule(Module):
    """torch's OptimizedModule: calls go through the compiled function; the original module is
    ``_orig_mod`` (so ``state_dict()`` keys start with ``_orig_mod.``, as torch's do); any
    other attribute is the original module's."""

    def __init__(self, mod, compiled):
        super().__init__()
        self._orig_mod = mod
        self.__dict__["_compiled"] = compiled

    def forward(self, *args, **kwargs):
        return self.__dict__["_compiled"](*args, **kwargs)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._orig_mod, name)

    def explain(self):
        return self.__dict__["_compiled"].explain()
