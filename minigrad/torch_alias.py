"""Run unmodified PyTorch code on minigrad: make ``import torch`` resolve to minigrad.

    from minigrad import torch_alias; torch_alias.install()
    import torch            # -> minigrad
    import torch.nn as nn   # -> minigrad.nn

or from the shell: ``python -m minigrad.torch_alias script.py [args...]``.
"""
import importlib
import importlib.abc
import importlib.util
import os
import runpy
import sys

# torch module name -> minigrad module name
ALIASES = {
    "torch": "minigrad",
    "torch.nn": "minigrad.nn",
    "torch.nn.functional": "minigrad.nn.functional",
    "torch.nn.init": "minigrad.nn.init",
    "torch.nn.parameter": "minigrad.nn.parameter",
    "torch.nn.modules": "minigrad.nn",
    "torch.optim": "minigrad.optim",
    "torch.utils": "minigrad.utils",
    "torch.utils.data": "minigrad.utils.data",
    "torch.autograd": "minigrad.autograd",
    "torch.return_types": "minigrad.return_types",
}


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of ``torch`` and its submodules with minigrad's modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "torch" or fullname.startswith("torch."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        target = ALIASES.get(spec.name, "minigrad" + spec.name[len("torch"):])
        try:
            return importlib.import_module(target)
        except ImportError:
            raise ImportError(f"minigrad has no counterpart of '{spec.name}' ({target})") from None

    def exec_module(self, module):
        pass


_finder = _AliasFinder()


def install():
    """Route every later ``import torch...`` to minigrad (idempotent)."""
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        del sys.modules[name]
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall():
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        del sys.modules[name]


def run_script(path, argv=()):
    """Run a PyTorch script file as ``__main__`` with torch resolved to minigrad."""
    install()
    sys.argv = [path, *argv]
    # like ``python script.py``: the script's folder comes first on the import path, and its
    # __file__ (shown in warnings and tracebacks) is absolute
    path = os.path.abspath(path)
    sys.path.insert(0, os.path.dirname(path))
    runpy.run_path(path, run_name="__main__")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: python -m minigrad.torch_alias SCRIPT.py [args...]", file=sys.stderr)
        raise SystemExit(2)
    run_script(sys.argv[1], sys.argv[2:])
