"""Statistics besides sum/mean/var: ``nansum``, ``nanmean``, ``nanmedian`` (NaN left out),
``aminmax``, ``msort``, ``renorm``, ``cov``, ``corrcoef`` and ``isin``.

``nansum`` (``NansumBackward0``), ``nanmedian`` (``NanmedianBackward0/1``), ``aminmax``
(``AminmaxBackward0``) and ``renorm`` (``RenormBackward0``) are nodes of their own, as in torch;
``nanmean`` is ``nansum / count``, ``msort`` a ``sort`` along dim 0, and ``cov`` / ``corrcoef``
are written as torch writes them (a weighted mean, an ``mm``, a division, a ``squeeze``; then
division by the standard deviations and a ``clip``), so values and graphs are torch's.
"""
import warnings

import numpy as np

from .. import _dtype, return_types
from .._dtype import from_numpy_dtype
from .._tensor import Tensor, _make, wrap_dim
from ..autograd import formulas
from ..autograd.function import Function
from ..creation import scalar_tensor
from .linalg import mm
from .reduction import (_FullExtremum, _check_reducible, _kept_shape, _np_sum, _sum_dtype,
                        _ties, _unreduce, reduce_dims)
from .registry import arr, case, cases, idx, register
from .sorting import _Selecting, _indices_without_graph, sort
from .statistics import _np_norm, norm

__all__ = ["nansum", "nanmean", "nanmedian", "aminmax", "msort", "renorm", "cov", "corrcoef",
           "isin"]

return_types.nanmedian = return_types._structseq("nanmedian", ("values", "indices"))


def _float_name(x):
    return from_numpy_dtype(x.dtype).short_name


# ---- nansum / nanmean ------------------------------------------------------------------------
class NansumBackward0(Function):
    """out = sum of the non-NaN elements over dim
    grad_x = grad (expanded) * (x is not NaN)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        values = np.where(np.isnan(x), 0, x) if x.dtype.kind == "f" else x
        return _np_sum(values, dims, keepdim, _sum_dtype(x, dtype))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        spread = _unreduce(grad, ctx.dims, ctx.keepdim, x.shape)
        # grad * (x is not NaN), as torch: an inf grad at a NaN gives NaN, not 0
        return spread * ~formulas.isnan(x), None, None, None


def _nan_dims(input, dim):
    return reduce_dims(dim, input._data.ndim)


@register(nodes=("NansumBackward0",), args=("input", "dim", "keepdim"), family="reduction",
          sample=cases(case(arr(3, 4)), case(arr(3, 4), 1), case(arr(2, 3, 4), (0, 2), True),
                       case(arr())))
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum over ``dim`` (all dims by default) with NaN counted as zero."""
    return NansumBackward0.apply(input, _nan_dims(input, dim), keepdim, dtype)


@register(nodes=("DivBackward0",), args=("input", "dim", "keepdim"), family="reduction",
          sample=cases(case(arr(3, 4)), case(arr(3, 4), 1), case(arr(2, 3, 4), (0, 2), True)))
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean over ``dim`` of the non-NaN elements (NaN where there are none)."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_float_name(input._data)}")
    present = _make(np.logical_not(np.isnan(input._data)))
    count = present.sum(_nan_dims(input, dim), keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


# ---- nanmedian -----------------------------------------------------------------------------
class NanmedianBackward0(_FullExtremum):
    """out = the lower median of the non-NaN elements (NaN if all are)
    grad_x = grad / (number of ties), at each tie"""

    @staticmethod
    def forward(ctx, x):
        flat = np.sort(x.reshape(-1), kind="stable")          # NaN sort last
        valid = int(np.count_nonzero(~np.isnan(flat))) if flat.dtype.kind == "f" else flat.size
        out = np.asarray(flat[max(valid - 1, 0) // 2] if flat.size else np.nan, x.dtype)
        ctx.save_for_backward(x, out)
        return out


def _nan_order_statistic(x, dim):
    """Indices (keepdim form) of each slice's lower median among its non-NaN elements (its
    first element, a NaN, when it has none)."""
    order = np.argsort(x, axis=dim, kind="stable")
    valid = np.sum(~np.isnan(x), axis=dim, keepdims=True) if x.dtype.kind == "f" else \
        np.full(_kept_shape(x.shape, (dim,)), x.shape[dim])
    return np.take_along_axis(order, np.maximum(valid - 1, 0) // 2, axis=dim)


class NanmedianBackward1(_Selecting):
    """values, indices = x.nanmedian(dim)     grad_x = grad placed at indices along dim"""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        if x.ndim:
            _check_reducible("median", x.shape, (dim,))
        return _Selecting.pick(ctx, x, dim, keepdim, _nan_order_statistic)


_ALL = object()


@register(nodes=("NanmedianBackward0", "NanmedianBackward1"), args=("input", "dim", "keepdim"),
          family="reduction",
          sample=cases(case(arr(3, 4)), case(arr(3, 4), 1), case(arr(2, 5), 0, True),
                       case(arr(5)), case(arr(), 0)))
def nanmedian(input, dim=_ALL, keepdim=False):
    """The lower median ignoring NaN: of all elements (0-dim), or (values, indices) along
    ``dim``."""
    if dim is _ALL:
        return NanmedianBackward0.apply(input)
    if not isinstance(dim, int):
        raise TypeError(f"nanmedian(): argument 'dim' must be int, not {type(dim).__name__}")
    d = wrap_dim(dim, max(input._data.ndim, 1))
    values, indices = NanmedianBackward1.apply(input, d, keepdim)
    return _indices_without_graph(return_types.nanmedian, values, indices)


# ---- aminmax -------------------------------------------------------------------------------
def _share_among_ties(grad, x, extreme, dims, keepdim):
    """grad of an amin/amax over dims: split evenly among the elements equal to the extreme."""
    if not keepdim and dims:
        extreme = formulas.reshape(extreme, _kept_shape(x.shape, dims))
    ties = _ties(x, extreme)
    count = formulas.sum(ties, dims, keepdim=True)
    return _unreduce(grad, dims, keepdim, x.shape) / count * ties


class AminmaxBackward0(Function):
    """min, max = x.aminmax(dim)
    grad_x = grad_min / (number of minima) at each minimum + the same for the maxima"""

    n_outputs = 2

    @staticmethod
    def forward(ctx, x, dims, keepdim, name):
        if x.size == 0 and (not dims or any(x.shape[d] == 0 for d in dims)):
            if not dims or x.ndim == 0:
                raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension "
                                   "as the operation has no identity.")
            raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero "
                             f"size.")
        axis = dims if dims else None
        low = np.asarray(np.min(x, axis=axis, keepdims=keepdim))
        high = np.asarray(np.max(x, axis=axis, keepdims=keepdim))
        ctx.save_for_backward(x, low, high)
        ctx.dims, ctx.keepdim = tuple(range(x.ndim)) if not dims else dims, keepdim
        return low, high

    @staticmethod
    def backward(ctx, grad_min, grad_max):
        x, low, high = ctx.saved_tensors
        gx = None
        for grad, extreme in ((grad_min, low), (grad_max, high)):
            if grad is not None:
                part = _share_among_ties(grad, x, extreme, ctx.dims, ctx.keepdim)
                gx = part if gx is None else gx + part
        return gx, None, None, None


@register(nodes=("AminmaxBackward0",), args=("input",), family="reduction",
          sample=cases(case(arr(3, 4)), case(arr(3, 4), dim=1), case(arr(2, 3), dim=0,
                                                                    keepdim=True),
                       case(arr()), case(arr(), dim=0)))
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over ``dim`` (all elements by default) in one pass."""
    nd = input._data.ndim
    dims = () if dim is None else (wrap_dim(dim, max(nd, 1)),) if nd else ()
    if nd and dim is not None and input._data.shape[dims[0]] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    low, high = AminmaxBackward0.apply(input, dims, keepdim, "aminmax")
    return return_types.aminmax((low, high))


@register(nodes=("SortBackward0",), family="reduction",
          sample=cases(case(arr(4, 3)), case(arr(5)), case(arr())))
def msort(input):
    """``input`` sorted along its first dim."""
    return sort(input, 0).values


# ---- renorm ----------------------------------------------------------------------------------
def _norm_gradient(x, n, p, dims):
    """d||x||_p / dx for the norms n over dims (keepdim form, broadcast against x)."""
    sign = x.sign()
    if p == 1:
        return sign
    if p == 2:
        return x / n
    if np.isinf(p):
        at_max = (x.abs() == n).to(x.dtype)
        return sign * at_max / at_max.sum(dims, keepdim=True)
    return sign * x.abs() ** (p - 1) / n ** (p - 1)


class RenormBackward0(Function):
    """out = each slice along dim scaled to p-norm maxnorm where its norm n exceeds it:
    x * maxnorm / (n + 1e-7)
    grad_x = where(n > maxnorm, maxnorm / (n + 1e-7) * (grad - sum(x grad) dn/dx / (n + 1e-7)),
    grad)"""

    @staticmethod
    def forward(ctx, x, p, dim, maxnorm):
        dims = tuple(d for d in range(x.ndim) if d != dim)
        n = np.asarray(_np_norm(x, p, dims, True)).astype(x.dtype, copy=False)
        limit, eps = x.dtype.type(maxnorm), x.dtype.type(1e-7)
        factor = np.where(n > limit, limit / (n + eps), x.dtype.type(1))
        ctx.save_for_backward(x)
        ctx.p, ctx.dims, ctx.maxnorm = p, dims, maxnorm
        return x * factor

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        dims = ctx.dims
        n = norm(x, ctx.p, dims, True)
        inverse = (n + 1e-7).reciprocal()
        inner = (x * grad).sum(dims, keepdim=True) * _norm_gradient(x, n, ctx.p, dims)
        scaled = inverse * ctx.maxnorm * (grad - inverse * inner)
        return formulas.where(n > ctx.maxnorm, scaled, grad), None, None, None


@register(nodes=("RenormBackward0",), args=("input", "p", "dim", "maxnorm"),
          forms=("function", "method", "inplace"), family="reduction",
          sample=cases(case(arr(3, 4), 2, 0, 1.0), case(arr(3, 4), 1, 1, 0.5),
                       case(arr(2, 3, 2), 3, -1, 1.2), case(arr(3, 4), 2, 0, 100.0)))
def renorm(input, p, dim, maxnorm):
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` scaled down to
    norm ``maxnorm``."""
    x = input._data
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    if x.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} "
                           f"dimensions")
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {_float_name(x)}")
    return RenormBackward0.apply(input, float(p), wrap_dim(dim, x.ndim), maxnorm)


# ---- cov / corrcoef ----------------------------------------------------------------------------
def _check_weights(name, w, observations, integral):
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.ndim} dimensions")
    kind_ok = w._data.dtype.kind in "iu" if integral else w._data.dtype.kind == "f"
    if not kind_ok:
        wanted = "integral" if integral else "floating point"
        raise RuntimeError(f"cov(): expected {name} to have {wanted} dtype but got {name} "
                           f"with {_float_name(w._data)} dtype")
    if w.numel() != observations:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {observations}")
    if observations and w._data.min() < 0:
        raise RuntimeError(f"cov(): {name} cannot be negative")


@register(nodes=("SqueezeBackward0",), args=("input",), forms=("function", "method"),
          family="reduction",
          sample=cases(case(arr(3, 5)), case(arr(2, 4), correction=0), case(arr(6)),
                       case(arr(4, 3), correction=2)))
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in ``input``'s rows (observations in columns),
    optionally weighted by observation counts ``fweights`` and weights ``aweights``;
    ``correction=1`` gives the unbiased estimate."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    if input._data.dtype == np.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    rows = input.view(1, -1) if input.ndim < 2 else input
    observations = rows.shape[1]
    w = None
    if fweights is not None:
        _check_weights("fweights", fweights, observations, True)
        w = fweights
    if aweights is not None:
        _check_weights("aweights", aweights, observations, False)
        w = aweights if w is None else w * aweights
    total = w.sum() if w is not None else scalar_tensor(observations, dtype=_dtype.int64)
    if w is not None and not bool(total._data != 0):
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    mean = (rows if w is None else rows * w).sum(1) / total
    if correction == 0:
        dof = total
    elif aweights is not None:
        dof = total - correction * (w * aweights).sum() / total
    else:
        dof = total - correction
    if bool(dof._data <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", stacklevel=2)
        dof = dof.clone() if dof is total else dof
        dof.zero_()
    centered = rows - mean.unsqueeze(1)
    return (mm(centered, (centered if w is None else centered * w).t()) / dof).squeeze()


@register(nodes=("ClampBackward1", "DivBackward0"), args=("input",),
          forms=("function", "method"), family="reduction",
          sample=cases(case(arr(3, 5)), case(arr(2, 4)), case(arr(6))))
def corrcoef(input):
    """The Pearson correlation coefficients of the variables in ``input``'s rows: ``cov``
    divided by the standard deviations, clipped to [-1, 1]."""
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but "
                           f"got an input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c     # one variable: 1, or nan when its variance is 0, inf or nan
    spread = c.diagonal().sqrt()
    c = c / spread.view(-1, 1)
    c = c / spread.view(1, -1)
    return c.clip(-1, 1)


# ---- isin --------------------------------------------------------------------------------------
@register(forms=("function",), args=("elements", "test_elements"), differentiable=False,
          family="comparison",
          sample=cases(case(idx(6, 2, 3), idx(6, 4)), case(idx(6, 5), 3), case(2, idx(4, 3)),
                       case(arr(2, 3), arr(4), invert=True)))
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of ``elements`` is among ``test_elements`` (either may be a
    number); ``invert=True`` gives the opposite."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        options = "".join(f"\n * ({first}, {second}, *, bool assume_unique = False, bool "
                          f"invert = False, Tensor out = None)" for first, second in (
                              ("Tensor elements", "Tensor test_elements"),
                              ("Number element", "Tensor test_elements"),
                              ("Tensor elements", "Number test_element")))
        raise TypeError(f"isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__}), but "
                        f"expected one of:{options}\n")
    values = [x._data if isinstance(x, Tensor) else np.asarray(x)
              for x in (elements, test_elements)]
    for v in values:
        if v.dtype == np.bool_:
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    return _make(np.asarray(np.isin(values[0], values[1], invert=invert)))
