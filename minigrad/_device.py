"""Devices: ``torch.device`` objects, the default device, and what placing a tensor on one does.

minigrad computes on the CPU only, so it behaves like a torch build without any accelerator:
a ``device('cuda')`` object can be made, compared and printed, but putting a tensor there raises
the error such a build raises (``AssertionError: Torch not compiled with CUDA enabled``).
"""
import re

__all__ = ["device", "set_default_device", "get_default_device"]

DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")
# "type" or "type:index", the index without a sign or leading zeros
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::([1-9][0-9]*|0))?")

NO_ACCELERATOR = "Cannot access accelerator device when none is available."


def _invalid_combination(args):
    got = ", ".join(type(a).__name__ for a in args)
    marked = ", ".join(f"!{type(a).__name__}!" for a in args)
    hint = f"\n      didn't match because some of the arguments have invalid types: ({marked})"
    return TypeError(f"device() received an invalid combination of arguments - got ({got}), but "
                     f"expected one of:\n * (torch.device device){hint if args else ''}\n"
                     f" * (str type, int index = -1)\n")


def _check_index(index, keyword):
    where = "" if keyword else " (position 2)"
    if type(index) is not int:
        raise TypeError(f"device(): argument 'index'{where} must be int, not "
                        f"{type(index).__name__}")
    if index < 0:
        raise RuntimeError("Device index must not be negative")


def _parse(text):
    """'cuda:1' -> ('cuda', 1); torch's errors for an empty, malformed or unknown string."""
    if not text:
        raise RuntimeError("Device string must not be empty")
    match = _DEVICE_STRING.fullmatch(text)
    if match is None:
        raise RuntimeError(f"Invalid device string: '{text}'")
    kind, index = match.groups()
    if kind not in DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of "
                           f"device string: {kind}")
    return kind, None if index is None else int(index)


class device:
    """``device('cuda:1')``, ``device('cuda', 1)`` or ``device(other)``: a type and an index.

    Also a context manager: inside ``with device(d):`` factory functions default to ``d``.
    """

    __slots__ = ("type", "index", "_previous")

    def __init__(self, *args, **kwargs):
        kind = kwargs.pop("type", args[0] if args else None)
        index_given = "index" in kwargs or len(args) > 1
        index = kwargs.pop("index", args[1] if len(args) > 1 else None)
        if kwargs or len(args) > 2 or kind is None:
            raise _invalid_combination(args)
        if isinstance(kind, device) and not index_given:
            kind, index = kind.type, kind.index
        elif isinstance(kind, int) and not isinstance(kind, bool) and not index_given:
            raise RuntimeError("Device index must not be negative" if kind < 0 else NO_ACCELERATOR)
        elif not isinstance(kind, str):
            if index_given:
                raise TypeError("device(): argument 'type' (position 1) must be str, not "
                                f"{_type_name(kind)}")
            raise _invalid_combination(args)
        else:
            text = kind
            kind, parsed_index = _parse(text)
            if index is not None:
                _check_index(index, keyword=len(args) < 2)
                if parsed_index is not None:
                    raise RuntimeError("type (string) must not include an index because index "
                                       f"was passed explicitly: {text}")
            else:
                index = parsed_index
        self.type = kind
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # as in torch, a device never equals a string: t.device == 'cpu' is False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type,) if self.index is None else (self.type, self.index))

    def __enter__(self):
        self._previous = _default.device
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        _default.device = self._previous
        return False


def _type_name(obj):
    return "torch.device" if isinstance(obj, device) else type(obj).__name__


CPU = device("cpu")


class _Default:
    device = None     # None: the CPU


_default = _Default()


def _as_device(dev):
    """A device object from what torch accepts as a device argument (an int: an accelerator)."""
    if isinstance(dev, device):
        return dev
    return device(dev)


# the dispatcher's names of the backends a CPU-only torch build has no kernels for: a factory
# function allocating a tensor there raises NotImplementedError naming its allocation operator
# and the backend; copying data there (tensor(), .to()) says the build is not linked with it
_DISPATCH_KEYS = {"ipu": "IPU", "hip": "HIP", "ve": "VE", "fpga": "FPGA", "maia": "MAIA",
                  "xla": "XLA", "vulkan": "Vulkan", "mps": "MPS", "lazy": "Lazy"}
EMPTY = "aten::empty.memory_format"     # what factory functions (zeros, rand, ...) allocate with
EMPTY_STRIDED = "aten::empty_strided"   # what the *_like functions allocate with


def check_device(dev, allocating=None):
    """Accept the CPU (``None``: the default device); raise what a CPU-only torch build raises
    when a tensor is placed anywhere else: made there by a factory function (``allocating``: its
    allocation operator, ``EMPTY`` or ``EMPTY_STRIDED``) or copied there."""
    if dev is None:
        dev = _default.device
        if dev is None:
            return
    kind = _as_device(dev).type
    if kind == "cpu":
        return
    if kind == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if kind == "xpu":
        raise AssertionError("Torch not compiled with XPU enabled")
    if kind in _DISPATCH_KEYS and (allocating or kind == "lazy"):
        raise NotImplementedError(
            f"Could not run '{allocating or EMPTY}' with arguments from the "
            f"'{_DISPATCH_KEYS[kind]}' backend. This could be because the operator doesn't exist "
            f"for this backend, or was omitted during the selective/custom build process (if "
            f"using custom build).")
    if kind in _DISPATCH_KEYS:
        raise RuntimeError(f"PyTorch is not linked with support for {kind} devices")
    raise NotImplementedError(f"minigrad computes on the CPU only: it cannot place a tensor on "
                              f"the '{kind}' device")


def set_default_device(dev):
    """The device factory functions use when none is given (``None``: back to the CPU)."""
    _default.device = None if dev is None else _as_device(dev)


def get_default_device():
    check_device(None)
    return _default.device or CPU
