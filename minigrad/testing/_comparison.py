"""``torch.testing.assert_close``: are two results close, and if not, a message saying how.

The inputs are paired up first, walking sequences and mappings in step (so a length or key
mismatch, or a pair nothing can compare, is reported before any value is compared); then each
pair is compared and the first failure is raised.

A pair is one of

* ``None`` and anything: equal only if both are ``None``;
* two ``bool`` (or ``numpy.bool_``): the same truth value;
* two numbers (``int``, ``float``, ``complex``, NumPy scalars): ``|a - e| <= atol + rtol * |e|``,
  the tolerances those of the number's dtype (``int`` -> int64, ``float`` -> float64);
* two tensor-likes of directly related types (a Tensor, or what ``as_tensor`` accepts, such as
  two NumPy arrays): shape, then (optionally) stride, device and dtype must match; then every
  element must satisfy ``isclose``.

Default tolerances (rtol, atol) per dtype, the loosest of the two inputs' dtypes:

    float16 (1e-3, 1e-5)   bfloat16 (1.6e-2, 1e-5)   float32 (1.3e-6, 1e-5)
    float64 (1e-7, 1e-7)   integer and bool dtypes (0, 0): exact equality

Passing only one of ``rtol``/``atol`` is a ValueError.
"""
import cmath
import collections.abc
import contextlib

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..creation import as_tensor

__all__ = ["assert_close", "default_tolerances", "mismatch_statistics"]

# dtype name -> (rtol, atol); every other dtype compares exactly
DTYPE_TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (0.016, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}
# the dtype a Python number is compared as
NUMBER_DTYPES = {int: "int64", float: "float64", complex: "complex128"}


class _Failure(Exception):
    """A comparison failure: the exception class to raise, its message, and where it happened
    (the path of indices and keys into the compared containers)."""

    def __init__(self, kind, message, path=()):
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path

    def error(self, msg=None):
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.message
        if self.path:
            text += "\n\nThe failure occurred for item " + "".join(str([p]) for p in self.path)
        return self.kind(msg(text) if callable(msg) else text)


class _Unsupported(Exception):
    """This kind of pair cannot hold the two inputs; the next kind is tried."""


def default_tolerances(*dtype_names):
    """(rtol, atol): the loosest of the dtypes' default tolerances."""
    pairs = [DTYPE_TOLERANCES.get(name, (0.0, 0.0)) for name in dtype_names]
    return max(r for r, _ in pairs), max(a for _, a in pairs)


def _tolerances(dtype_names, rtol, atol, path):
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise _Failure(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                                   f"but got no {missing}.", path)
    if rtol is not None:
        return rtol, atol
    return default_tolerances(*dtype_names)


def _difference_message(identifier, equality, extra, abs_diff, abs_at, atol, rel_diff, rel_at,
                         rtol):
    lines = [f"{identifier} are not {'equal' if equality else 'close'}!", ""]
    if extra:
        lines.append(extra)
    for kind, diff, at, tol in (("absolute", abs_diff, abs_at, atol),
                                ("relative", rel_diff, rel_at, rtol)):
        line = (f"{kind.title()} difference: {diff}" if at is None
                else f"Greatest {kind} difference: {diff} at index {at}")
        lines.append(line if equality else f"{line} (up to {tol} allowed)")
    return "\n".join(lines)


def scalar_message(actual, expected, rtol, atol):
    """The message for two numbers (or one-element tensors) that are not close."""
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _difference_message("Scalars", rtol == 0 and atol == 0,
                               f"Expected {expected} but got {actual}.",
                               abs_diff, None, atol, rel_diff, None, rtol)


def isclose(actual, expected, rtol, atol, equal_nan):
    """Elementwise ``|a - e| <= atol + rtol * |e|`` on same-dtype arrays, computed in their dtype;
    equal infinities are close; NaNs are close to each other only with ``equal_nan``."""
    with np.errstate(all="ignore"):
        close = actual == expected
        if rtol == 0 and atol == 0:
            return close | (np.isnan(actual) & np.isnan(expected)) if equal_nan else close
        if actual.dtype.kind in "biu":
            actual, expected = actual.astype(np.int64), expected.astype(np.int64)
        error = np.abs(actual - expected)
        close |= np.isfinite(error) & (error <= atol + rtol * np.abs(expected))
        if equal_nan:
            close |= np.isnan(actual) & np.isnan(expected)
    return close


def mismatch_statistics(actual, expected, matches):
    """For same-shape, same-dtype arrays and their ``isclose`` mask: (mismatched count, greatest
    absolute difference and its index, greatest relative difference and its index), the
    differences as Python numbers, measured only where the elements do not match. Integer and
    bool arrays are compared as int64, their relative difference in the default float dtype."""
    actual, expected = actual.reshape(-1), expected.reshape(-1)
    mismatched = ~matches.reshape(-1)
    if actual.dtype.kind in "biu":
        actual, expected = actual.astype(np.int64), expected.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = np.abs(actual - expected)
        abs_diff[~mismatched] = 0
        if abs_diff.dtype.kind in "iu":
            float_type = _dtype.get_default_dtype().np
            rel_diff = abs_diff.astype(float_type) / np.abs(expected).astype(float_type)
        else:
            rel_diff = abs_diff / np.abs(expected)
        rel_diff[~mismatched] = 0

    def unravel(flat):
        return tuple(int(i) for i in np.unravel_index(flat, matches.shape))

    abs_at, rel_at = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))
    return (int(mismatched.sum()), abs_diff[abs_at].item(), unravel(abs_at),
            rel_diff[rel_at].item(), unravel(rel_at))


def tensor_message(actual, expected, matches, rtol, atol):
    """The message for two same-shape arrays whose elements are not all close."""
    count, abs_diff, abs_at, rel_diff, rel_at = mismatch_statistics(actual, expected, matches)
    total = matches.size
    extra = f"Mismatched elements: {count} / {total} ({count / total:.1%})"
    return _difference_message("Tensor-likes", rtol == 0 and atol == 0, extra,
                               abs_diff, abs_at, atol, rel_diff, rel_at, rtol)


class _NonePair:
    def __init__(self, actual, expected, path, **options):
        if actual is not None and expected is not None:
            raise _Unsupported
        self.actual, self.expected, self.path = actual, expected, path

    def compare(self):
        if not (self.actual is None and self.expected is None):
            raise _Failure(AssertionError,
                           f"None mismatch: {self.actual} is not {self.expected}", self.path)


class _BooleanPair:
    def __init__(self, actual, expected, path, **options):
        if not all(isinstance(x, (bool, np.bool_)) for x in (actual, expected)):
            raise _Unsupported
        self.actual, self.expected, self.path = bool(actual), bool(expected), path

    def compare(self):
        if self.actual is not self.expected:
            raise _Failure(AssertionError,
                           f"Booleans mismatch: {self.actual} is not {self.expected}", self.path)


class _NumberPair:
    def __init__(self, actual, expected, path, *, rtol, atol, equal_nan, check_dtype, **options):
        numbers = (int, float, complex, np.number)
        if not all(isinstance(x, numbers) for x in (actual, expected)):
            raise _Unsupported
        actual, expected = (x.item() if isinstance(x, np.number) else x
                            for x in (actual, expected))
        if any(isinstance(x, bool) for x in (actual, expected)):
            raise RuntimeError(f"Cannot compare the bool and the number {actual!r} and "
                               f"{expected!r}; compare bools with bools.")
        self.actual, self.expected, self.path = actual, expected, path
        self.rtol, self.atol = _tolerances([NUMBER_DTYPES[type(x)] for x in (actual, expected)],
                                           rtol, atol, path)
        self.equal_nan, self.check_dtype = equal_nan, check_dtype

    def compare(self):
        actual, expected = self.actual, self.expected
        if self.check_dtype and type(actual) is not type(expected):
            raise _Failure(AssertionError, f"The (d)types do not match: {type(actual)} != "
                                           f"{type(expected)}.", self.path)
        if actual == expected:
            return
        if self.equal_nan and cmath.isnan(actual) and cmath.isnan(expected):
            return
        abs_diff = abs(actual - expected)
        if cmath.isfinite(abs_diff) and abs_diff <= self.atol + self.rtol * abs(expected):
            return
        raise _Failure(AssertionError, scalar_message(actual, expected, self.rtol, self.atol),
                       self.path)


class _TensorPair:
    def __init__(self, actual, expected, path, *, allow_subclasses, rtol, atol, equal_nan,
                 check_device, check_dtype, check_layout, check_stride, **options):
        related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
        if not related or (not allow_subclasses and type(actual) is not type(expected)):
            raise _Unsupported
        self.actual, self.expected = (self._as_tensor(x) for x in (actual, expected))
        self.path = path
        self.rtol, self.atol = _tolerances([t.dtype.name for t in (self.actual, self.expected)],
                                           rtol, atol, path)
        self.equal_nan, self.check_layout = equal_nan, check_layout
        self.check_device, self.check_dtype, self.check_stride = (check_device, check_dtype,
                                                                  check_stride)

    @staticmethod
    def _as_tensor(x):
        if isinstance(x, Tensor):
            return x
        try:
            return as_tensor(x)
        except Exception:  # noqa: BLE001 - anything as_tensor refuses is simply not a tensor-like
            raise _Unsupported from None

    def _mismatch(self, name, actual_value, expected_value):
        raise _Failure(AssertionError, f"The values for attribute '{name}' do not match: "
                                       f"{actual_value} != {expected_value}.", self.path)

    def compare(self):
        actual, expected = self.actual, self.expected
        if actual.shape != expected.shape:
            self._mismatch("shape", actual.shape, expected.shape)
        if actual.layout != expected.layout:
            if self.check_layout:
                self._mismatch("layout", actual.layout, expected.layout)
        elif self.check_stride and actual.stride() != expected.stride():
            self._mismatch("stride()", actual.stride(), expected.stride())
        if self.check_device and actual.device != expected.device:
            self._mismatch("device", actual.device, expected.device)
        if self.check_dtype and actual.dtype != expected.dtype:
            self._mismatch("dtype", actual.dtype, expected.dtype)
        a, e = actual.detach().numpy(), expected.detach().numpy()
        if actual.dtype != expected.dtype:
            common = _dtype.promote_types(actual.dtype, expected.dtype).np
            a, e = a.astype(common), e.astype(common)
        matches = isclose(a, e, self.rtol, self.atol, self.equal_nan)
        if matches.all():
            return
        if a.ndim == 0:
            message = scalar_message(a.item(), e.item(), self.rtol, self.atol)
        else:
            message = tensor_message(a, e, matches, self.rtol, self.atol)
        raise _Failure(AssertionError, message, self.path)


PAIR_KINDS = (_NonePair, _BooleanPair, _NumberPair, _TensorPair)


def _is_sequence(x):
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, str)


def _pairs(actual, expected, path, options):
    """The comparable pairs inside ``actual`` and ``expected``, walking containers in step."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(actual)} "
                                           f"!= {len(expected)}", path)
        return [p for i in range(len(actual))
                for p in _pairs(actual[i], expected[i], (*path, i), options)]
    mapping = collections.abc.Mapping
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        actual_keys, expected_keys = set(actual), set(expected)
        if actual_keys != expected_keys:
            raise _Failure(AssertionError, (
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(expected_keys - actual_keys)}\n"
                f"Additional keys in the actual mapping: {sorted(actual_keys - expected_keys)}"),
                path)
        keys = list(actual_keys)
        with contextlib.suppress(TypeError):   # keys that cannot be sorted keep their order
            keys = sorted(keys)
        return [p for k in keys for p in _pairs(actual[k], expected[k], (*path, k), options)]
    for kind in PAIR_KINDS:
        try:
            return [kind(actual, expected, path, **options)]
        except _Unsupported:
            continue
    raise _Failure(TypeError, "No comparison pair was able to handle inputs of type "
                              f"{type(actual)} and {type(expected)}.", path)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise (AssertionError for a mismatch) unless ``actual`` and ``expected`` are close.

    ``msg``: a string replaces the generated message of a value mismatch; a callable receives
    it and returns the message to raise.
    """
    __tracebackhide__ = True
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype,
                   check_layout=check_layout, check_stride=check_stride)
    try:
        pairs = _pairs(actual, expected, (), options)
    except _Failure as failure:
        raise failure.error() from None
    for pair in pairs:
        try:
            pair.compare()
        except _Failure as failure:
            raise failure.error(msg) from None
