"""Printing tensors exactly the way torch 2.13 prints them.

``repr(t)`` and ``str(t)`` of a tensor are ``tensor_repr(t)``; the printing options are
changed with ``set_printoptions`` and read with ``get_printoptions``.

The output is built in three steps, following ``torch/_tensor_str.py``:

1. **Summarize.** If the tensor has more than ``threshold`` elements, only the first and
   last ``edgeitems`` entries of every long dimension are kept; the rest becomes ``...``.
   This happens *before* anything is formatted, so a huge tensor costs little more than
   the few dozen numbers that are actually shown.
2. **Choose one element format** for the whole tensor (``_Formatter``): every printed
   element is right-aligned to the same width. Floating tensors pick one of three styles
   from their nonzero finite values: integer style (``3.``), fixed (``3.1416``) or
   scientific (``3.1416e+00``).
3. **Lay out** the nested brackets, wrapping rows at ``linewidth``, and append the
   suffixes (``size=``, ``dtype=``, ``grad_fn=``/``requires_grad=``), which move to a new
   line when they would not fit.

The tensor is duck-typed: anything with ``_data`` (a NumPy array of any shape and
strides), ``dtype`` (a minigrad dtype), ``grad_fn`` and ``requires_grad`` prints.
"""
import math

import numpy as np

from ._dtype import get_default_dtype
from .autograd import forward_ad

__all__ = [
    "get_printoptions", "parameter_repr", "printoptions", "set_printoptions", "tensor_format",
    "tensor_repr",
]


# ---- options ---------------------------------------------------------------------------------
class _PrintOptions:
    """The current printing options (one shared instance, ``_OPTS``)."""

    def __init__(self):
        self.precision = 4      # digits after the point (fixed) or in the mantissa (sci)
        self.threshold = 1000   # more elements than this are summarized with '...'
        self.edgeitems = 3      # entries kept at each end of a summarized dimension
        self.linewidth = 80     # characters per line before rows wrap
        self.sci_mode = None    # None: chosen per tensor; True/False: forced


_OPTS = _PrintOptions()
_OPTION_NAMES = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")  # torch's order

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set the options used when printing tensors (torch.set_printoptions).

    precision: digits after the decimal point (default 4).
    threshold: tensors with more elements than this are summarized (default 1000).
    edgeitems: items kept at the start and end of each summarized dimension (default 3).
    linewidth: characters per line before wrapping (default 80).
    profile: 'default', 'short' or 'full' resets the four options above first;
        explicit arguments then override it. An unknown profile name is ignored.
    sci_mode: True or False forces scientific notation on or off. Like torch, this
        option is *always* assigned, so leaving it out switches back to automatic.
    """
    if profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_OPTS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(_OPTS, name, value)
    _OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options as a dict that can be passed back to set_printoptions(**d)."""
    return {name: getattr(_OPTS, name) for name in _OPTION_NAMES}


class printoptions:
    """Context manager that changes the printing options and restores them on exit.

    ``with printoptions(precision=2): print(t)`` takes the same keywords as
    set_printoptions.
    """

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._saved = None

    def __enter__(self):
        self._saved = get_printoptions()
        set_printoptions(**self._kwargs)
        return self

    def __exit__(self, *exc_info):
        set_printoptions(**self._saved)
        return False


# ---- step 1: summarization ------------------------------------------------------------------
def _kept_indices(length):
    """Indices of a dimension of this length that survive summarization."""
    edge = _OPTS.edgeitems
    if length > 2 * edge:
        return np.r_[0:edge, length - edge:length]
    return np.arange(length)


def _summarized_values(data):
    """The elements a summarized tensor actually shows, as one flat array.

    Each dimension independently keeps its first and last ``edgeitems`` entries when it
    is longer than ``2 * edgeitems``. With ``edgeitems == 0`` nothing but ``...`` is
    shown (except for a 0-dim tensor, which always shows its value).
    """
    if data.ndim == 0:
        return data.reshape(1)
    if not _OPTS.edgeitems:
        return data.reshape(-1)[:0]
    return data[np.ix_(*[_kept_indices(n) for n in data.shape])].reshape(-1)


# ---- step 2: the element formatter ----------------------------------------------------------
class _Formatter:
    """Formats every element of one tensor in the same style and to the same width.

    Integer and bool tensors print ``str(value)``. Floating tensors look only at their
    nonzero finite values:

    * none at all (only 0, nan, inf): integer style, width 1, regardless of sci_mode;
    * ``int_mode`` when all of them are integral: ``'{:.0f}'`` plus a trailing ``.``
      (nan and inf get no dot);
    * ``sci_mode`` when forced by the options, or else when
      ``max/min > 1000 or max > 1e8 or min < 1e-4`` (of the absolute values):
      ``'{:.<precision>e}'``, which wins over int_mode;
    * otherwise fixed point, ``'{:.<precision>f}'``.

    Values are formatted from their exact double value (``float16``/``float32`` widen
    exactly), with Python's correctly rounded ``format``. Only the nonzero finite values
    decide the width, but every element is left-padded to it.
    """

    def __init__(self, values, is_floating_point):
        """``values``: flat NumPy array of the elements that will be printed."""
        self.floating = is_floating_point
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not self.floating:
            if values.size:
                # str() gets longer with |v| on each side of zero, so the extremes decide.
                extremes = (values.min().item(), values.max().item())
                self.width = max(len(str(v)) for v in extremes)
            return

        nonzero_finite = values[np.isfinite(values) & (values != 0)]
        if nonzero_finite.size == 0:
            return
        magnitudes = np.abs(nonzero_finite).astype(np.float64)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if _OPTS.sci_mode is None:
            self.sci_mode = bool(largest / smallest > 1000.0 or largest > 1.0e8
                                 or smallest < 1.0e-4)
        else:
            self.sci_mode = _OPTS.sci_mode
        self.width = max(len(self._format_unpadded(v)) for v in _extremes(nonzero_finite))

    def _format_unpadded(self, value):
        """One Python number in this tensor's style, without padding."""
        if not self.floating:
            return str(value)
        if self.sci_mode:
            return f"{value:.{_OPTS.precision}e}"
        if self.int_mode:
            text = f"{value:.0f}"
            return text if math.isinf(value) or math.isnan(value) else text + "."
        return f"{value:.{_OPTS.precision}f}"

    def __call__(self, value):
        """One Python number, right-aligned to the common width."""
        return self._format_unpadded(value).rjust(self.width)


def _extremes(values):
    """The values whose formatted text can be the longest, as Python floats.

    In every style the text grows with |v| (more integer digits) or, in scientific
    notation, with the size of the exponent, and negative numbers add a '-'. So the
    longest text belongs to the smallest or largest magnitude of either sign.
    """
    candidates = []
    for part in (values[values > 0], values[values < 0]):
        if part.size:
            candidates += [part.min().item(), part.max().item()]
    return candidates


# ---- step 3: layout ---------------------------------------------------------------------------
def _vector_str(data, indent, summarize, fmt):
    """A 1-D array as ``[a, b, c]``, wrapped so each line fits the line width."""
    element_length = fmt.width + 2   # the element plus ", "
    per_line = max(1, math.floor((_OPTS.linewidth - indent) / element_length))
    edge = _OPTS.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and data.shape[0] > 2 * edge:
        items = ([fmt(v) for v in data[:edge].tolist()] + [" ..."]
                 + [fmt(v) for v in data[-edge:].tolist()])
    else:
        items = [fmt(v) for v in data.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(data, indent, summarize, fmt):
    """Any array as nested brackets; sub-blocks of an n-D array are separated by n-2
    blank lines, and a summarized dimension shows ``...`` in place of its middle."""
    if data.ndim == 0:
        return fmt(data.item())
    if data.ndim == 1:
        return _vector_str(data, indent, summarize, fmt)
    length, edge = data.shape[0], _OPTS.edgeitems
    if summarize and length > 2 * edge:
        rows = ([_nested_str(data[i], indent + 1, summarize, fmt) for i in range(edge)]
                + ["..."]
                + [_nested_str(data[i], indent + 1, summarize, fmt)
                   for i in range(length - edge, length)])
    else:
        rows = [_nested_str(data[i], indent + 1, summarize, fmt) for i in range(length)]
    separator = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(rows) + "]"


def _body_str(data, is_floating_point, indent):
    """The bracketed contents of a non-empty tensor."""
    summarize = data.size > _OPTS.threshold
    shown = _summarized_values(data) if summarize else data.reshape(-1)
    fmt = _Formatter(shown, is_floating_point)
    return _nested_str(data, indent, summarize, fmt)


def _add_suffixes(text, suffixes, indent):
    """Append ``, suffix`` items and the closing ``)``.

    A suffix moves to its own line (indented to the opening bracket) when it would
    pass the line width. torch measures the last line as
    ``len(text) - text.rfind('\\n') + 1``, which for a one-line text (rfind == -1)
    is ``len(text) + 2``; that quirk is reproduced on purpose.
    """
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


# ---- public entry points -----------------------------------------------------------------------
def tensor_repr(t, prefix="tensor("):
    """``repr(t)`` exactly as torch prints it, e.g. ``tensor([1., 2.], requires_grad=True)``.

    ``prefix`` is what precedes the contents; the contents are indented to its length.
    """
    data = np.asarray(t._data)
    dtype = t.dtype
    indent = len(prefix)
    default_dtype = get_default_dtype()
    suffixes = []

    if data.size == 0:
        # Nothing shows the shape or dtype, so both are spelled out (the shape unless
        # it is the plain ``(0,)``, the dtype unless it is the default float dtype).
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if dtype.name != default_dtype.name:
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        # int64 and bool are recognisable from the values, the default float dtype too.
        if dtype.name not in (default_dtype.name, "int64", "bool"):
            suffixes.append(f"dtype={dtype!r}")
        body = _body_str(data, dtype.is_floating_point, indent)

    if t.grad_fn is not None:
        # the node's class name, as torch prints it (CopySlices, not name()'s full C++ name)
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    tangent = forward_ad.tangent_of(t)
    if tangent is not None:   # a dual tensor (forward mode): as format() gives it (0-dim: item)
        suffixes.append(f"tangent={tangent}")

    return _add_suffixes(prefix + body, suffixes, indent)


def parameter_repr(t):
    """``repr`` of an ``nn.Parameter``: a header line above the plain tensor repr."""
    return "Parameter containing:\n" + tensor_repr(t)


def tensor_format(t, format_spec):
    """``Tensor.__format__``: a 0-dim tensor formats its Python value (``item()``), so
    ``f'{t:.2f}'`` works; any other tensor accepts only an empty spec (giving ``str(t)``)
    and raises ``TypeError: unsupported format string passed to Tensor.__format__``.
    """
    data = np.asarray(t._data)
    if data.ndim == 0:
        return format(data.item(), format_spec)
    return object.__format__(t, format_spec)
