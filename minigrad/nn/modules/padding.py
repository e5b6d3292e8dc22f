"""Padding layers: constant (and zero), reflection, replication and circular padding of the last
1, 2 or 3 dims, each a call of ``F.pad`` with its mode. ``padding`` is one int (every side) or a
tuple (left, right, top, bottom, front, back)."""
from ...ops.padding import pad
from .module import Module

__all__ = [f"{kind}Pad{n}d" for kind in ("Constant", "Zero", "Reflection", "Replication",
                                         "Circular") for n in (1, 2, 3)]


def _sides(padding, dims):
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    return tuple(padding)


class _PadNd(Module):
    mode = "constant"
    dims = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _sides(padding, self.dims)

    def forward(self, input):
        return pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    mode = "circular"

    def forward(self, input):
        if input.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"expected {self.dims + 1}D or {self.dims + 2}D input (got "
                             f"{input.ndim}D input)")
        return super().forward(input)


def _layer(name, base, dims, mode=None):
    attrs = {"dims": dims, "__doc__": f"{name}: {base.__name__[1:-2]} padding of the last "
                                      f"{dims} dim{'s' if dims > 1 else ''}."}
    if mode is not None:
        attrs["mode"] = mode
    return type(name, (base,), attrs)


for _n in (1, 2, 3):
    globals()[f"ConstantPad{_n}d"] = _layer(f"ConstantPad{_n}d", _ConstantPadNd, _n)
    globals()[f"ZeroPad{_n}d"] = _layer(f"ZeroPad{_n}d", _ZeroPadNd, _n)
    globals()[f"ReflectionPad{_n}d"] = _layer(f"ReflectionPad{_n}d", _PadNd, _n, "reflect")
    globals()[f"ReplicationPad{_n}d"] = _layer(f"ReplicationPad{_n}d", _PadNd, _n, "replicate")
    globals()[f"CircularPad{_n}d"] = _layer(f"CircularPad{_n}d", _CircularPadNd, _n)
