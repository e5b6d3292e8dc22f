"""The BLAS-style updates besides addmm: ``baddbmm``, ``addbmm``, ``addmv`` and ``addr``.

Each is ``beta * input + alpha * product`` with ``input`` broadcast to the product's shape:

    baddbmm   product[b] = batch1[b] @ batch2[b]         (B, n, m)
    addbmm    product    = sum_b batch1[b] @ batch2[b]   (n, m)
    addmv     product    = mat @ vec                     (n,)
    addr      product    = outer(vec1, vec2)             (n, m)

As in torch, ``beta = 0`` ignores ``input`` (its nan and inf too). The matrix products take no
type promotion (torch's errors); ``addr`` is elementwise and promotes its three operands. The
product is scaled by alpha first, then ``beta * input`` is added, as ``AddmmBackward0`` does.
"""
import numpy as np

from .._dtype import from_numpy_dtype, promote_values
from .._fma import fma
from .._tensor import Tensor
from ..autograd import formulas
from ..autograd.function import Function
from ..optim._kernels import _VECTOR_BYTES
from .linalg import _CPP_NAMES, BmmBackward0, MvBackward0, _no_bool, _short
from .registry import arr, case, cases, register
from ._util import inplace_variant, register_methods

__all__ = ["baddbmm", "addbmm", "addmv", "addr"]


def _scaled(x, factor):
    return x if factor == 1 else x * factor


def _combine(c, product, beta, alpha):
    """beta * c + alpha * product, in product's dtype (c broadcast; ignored when beta is 0)."""
    kind = product.dtype.type
    product = product * kind(alpha) if alpha != 1 else product
    if beta == 0:
        return np.ascontiguousarray(product)
    return np.asarray(product + (c if beta == 1 else c * kind(beta))).astype(product.dtype,
                                                                             copy=False)


def _expandable(fname, c, shape):
    """torch's expand error when input cannot broadcast to the product's shape."""
    if c.ndim > len(shape):
        raise RuntimeError(f"expand(torch.{from_numpy_dtype(c.dtype).legacy_name}{{"
                           f"{list(c.shape)}}}, size={list(shape)}): the number of sizes "
                           f"provided ({len(shape)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({c.ndim})")
    padded = (1,) * (len(shape) - c.ndim) + c.shape
    for i in reversed(range(len(shape))):
        if padded[i] not in (1, shape[i]):
            raise RuntimeError(
                f"The expanded size of the tensor ({shape[i]}) must match the existing size "
                f"({padded[i]}) at non-singleton dimension {i}.  Target sizes: {list(shape)}.  "
                f"Tensor sizes: {list(c.shape)}")


def _check_batches(b1, b2):
    if b1.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")


# ---- the shared node: beta * input + alpha * product(a, b) --------------------------------
class _ScaledProduct(Function):
    """Forward and backward of ``beta * input + alpha * product(a, b)``: each subclass gives
    ``product`` and the two operands' gradients before scaling (``grad_a``, ``grad_b``)."""

    numpy_backward = True

    @classmethod
    def forward(cls, ctx, c, a, b, beta, alpha):
        ctx.beta, ctx.alpha, ctx.shapes = beta, alpha, (a.shape, b.shape)
        ctx.save_for_backward(a if ctx.needs_input_grad[2] else None,
                              b if ctx.needs_input_grad[1] else None)
        return _combine(c, cls.product(a, b), beta, alpha)

    @classmethod
    def backward(cls, ctx, grad):
        a, b = ctx.saved_tensors
        ga = None if b is None else _scaled(cls.grad_a(ctx, grad, b), ctx.alpha)
        gb = None if a is None else _scaled(cls.grad_b(ctx, grad, a), ctx.alpha)
        return _scaled(grad, ctx.beta), ga, gb, None, None


# ---- baddbmm ---------------------------------------------------------------------------------
class BaddbmmBackward0(_ScaledProduct):
    """out[b] = beta * input + alpha * batch1[b] @ batch2[b]
    grad_input = beta * grad        grad_batch1 = alpha * grad @ batch2^T
    grad_batch2 = alpha * batch1^T @ grad   (per batch)"""

    product = staticmethod(np.matmul)

    @staticmethod
    def grad_a(ctx, grad, b2):
        return formulas.call(BmmBackward0, grad, formulas.transpose(b2, 1, 2))

    @staticmethod
    def grad_b(ctx, grad, b1):
        return formulas.call(BmmBackward0, formulas.transpose(b1, 1, 2), grad)


@register(nodes=("BaddbmmBackward0",), args=("input", "batch1", "batch2"),
          forms=("function", "method", "inplace"), family="linalg",
          sample=cases(case(arr(2, 3, 5), arr(2, 3, 4), arr(2, 4, 5)),
                       case(arr(2, 3, 5), arr(2, 3, 4), arr(2, 4, 5), beta=0.5, alpha=-2.0),
                       case(arr(2, 3, 5), arr(2, 3, 4), arr(2, 4, 5), beta=0)))
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * (batch1 @ batch2)``, a matrix product per batch."""
    c, b1, b2 = input._data, batch1._data, batch2._data
    if b1.dtype != b2.dtype:
        raise RuntimeError(f"expected scalar type {_short(b1)} but found {_short(b2)}")
    if c.dtype != b1.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {_cpp(c)}, batch1: "
                           f"{_cpp(b1)}, batch2: {_cpp(b2)}")
    if b1.ndim >= 2 and b2.ndim >= 1:     # torch expands input first, then checks the dims
        _expandable("baddbmm", c, (b1.shape[0], b1.shape[1], b2.shape[-1]))
    _check_batches(b1, b2)
    if b2.shape[:2] != (b1.shape[0], b1.shape[2]):
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b1.shape[0]}, {b1.shape[2]}] but got: [{b2.shape[0]}, "
                           f"{b2.shape[1]}].")
    _no_bool(b1, "baddbmm")
    return BaddbmmBackward0.apply(input, batch1, batch2, beta, alpha)


def _cpp(a):
    return _CPP_NAMES[a.dtype.name].split()[-1] if a.dtype.kind == "f" else _CPP_NAMES[
        a.dtype.name]


# ---- addbmm ----------------------------------------------------------------------------------
class AddbmmBackward0(_ScaledProduct):
    """out = beta * input + alpha * sum_b batch1[b] @ batch2[b]
    grad_input = beta * grad        grad_batch1[b] = alpha * grad @ batch2[b]^T
    grad_batch2[b] = alpha * batch1[b]^T @ grad"""

    @staticmethod
    def product(b1, b2):
        batches, n, k = b1.shape      # one product over the joined (batch, k) axis
        return np.transpose(b1, (1, 0, 2)).reshape(n, batches * k) @ b2.reshape(batches * k, -1)

    @staticmethod
    def _each(ctx, grad):
        """grad repeated for every batch: (B, n, m)."""
        (batches, n, _), (_, _, m) = ctx.shapes
        return formulas.expand(formulas.unsqueeze(grad, 0), (batches, n, m))

    @classmethod
    def grad_a(cls, ctx, grad, b2):
        return formulas.call(BmmBackward0, cls._each(ctx, grad), formulas.transpose(b2, 1, 2))

    @classmethod
    def grad_b(cls, ctx, grad, b1):
        return formulas.call(BmmBackward0, formulas.transpose(b1, 1, 2), cls._each(ctx, grad))


@register(nodes=("AddbmmBackward0",), args=("input", "batch1", "batch2"),
          forms=("function", "method", "inplace"), family="linalg",
          sample=cases(case(arr(3, 5), arr(2, 3, 4), arr(2, 4, 5)),
                       case(arr(3, 5), arr(4, 3, 2), arr(4, 2, 5), beta=-1.5, alpha=0.5),
                       case(arr(3, 5), arr(1, 3, 4), arr(1, 4, 5), beta=0)))
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * sum_b (batch1[b] @ batch2[b])``."""
    c, b1, b2 = input._data, batch1._data, batch2._data
    _check_batches(b1, b2)
    if b1.shape[0] != b2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{b1.shape[0]} and {b2.shape[0]}")
    if b1.shape[2] != b2.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({b1.shape[1]}x{b1.shape[2]} "
                           f"and {b2.shape[1]}x{b2.shape[2]})")
    _expandable("addbmm", c, (b1.shape[1], b2.shape[2]))
    for a in (c, b1):
        if a.dtype != b2.dtype:
            name = "self" if a is c else "mat1"
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got "
                               f"{_short(a)} and {_short(b2)}")
    _no_bool(b1, "addbmm")
    return AddbmmBackward0.apply(input, batch1, batch2, beta, alpha)


# ---- addmv -----------------------------------------------------------------------------------
class AddmvBackward0(_ScaledProduct):
    """out = beta * input + alpha * mat @ vec
    grad_input = beta * grad        grad_mat = alpha * outer(grad, vec)
    grad_vec = alpha * mat^T @ grad"""

    product = staticmethod(np.matmul)

    @staticmethod
    def grad_a(ctx, grad, v):
        return formulas.reshape(grad, (grad.shape[0], 1)) * v

    @staticmethod
    def grad_b(ctx, grad, m):
        return formulas.call(MvBackward0, formulas.t(m), grad)


@register(nodes=("AddmvBackward0",), args=("input", "mat", "vec"),
          forms=("function", "method", "inplace"), family="linalg",
          sample=cases(case(arr(3), arr(3, 4), arr(4)),
                       case(arr(3), arr(3, 4), arr(4), beta=2.0, alpha=-0.25),
                       case(arr(3), arr(3, 2), arr(2), beta=0)))
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)``."""
    c, m, v = input._data, mat._data, vec._data
    if m.ndim != 2 or v.ndim != 1 or c.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {c.ndim}, {m.ndim}, "
                           f"{v.ndim}")
    if m.shape[1] != v.shape[0] or c.shape not in ((m.shape[0],), (1,), ()):
        size = c.shape[0] if c.ndim else 1
        raise RuntimeError(f"size mismatch, got input ({size}), mat ({m.shape[0]}x"
                           f"{m.shape[1]}), vec ({v.shape[0]})")
    if not c.dtype == m.dtype == v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{_short(c)}, {_short(m)}, and {_short(v)}")
    _no_bool(m, "addmv_impl_cpu")
    return AddmvBackward0.apply(input, mat, vec, beta, alpha)


# ---- addr ------------------------------------------------------------------------------------
class AddrBackward0(_ScaledProduct):
    """out = beta * input + alpha * outer(vec1, vec2)
    grad_input = beta * grad        grad_vec1 = alpha * grad @ vec2
    grad_vec2 = alpha * grad^T @ vec1"""

    numpy_backward = False

    @staticmethod
    def forward(ctx, c, v1, v2, beta, alpha):
        dt = promote_values(c, v1, v2)
        ctx.beta, ctx.alpha = beta, alpha
        ctx.save_for_backward(v1 if ctx.needs_input_grad[2] else None,
                              v2 if ctx.needs_input_grad[1] else None)
        c, v1, v2 = (a.astype(dt, copy=False) for a in (c, v1, v2))
        if dt == np.bool_:
            outer = np.logical_and.outer(v1, v2) & bool(alpha)
            return outer if not beta else outer | c
        return _addr_values(c, v1, v2, dt.type(beta), dt.type(alpha))

    @staticmethod
    def grad_a(ctx, grad, v2):
        return _times_vector(grad, v2)

    @staticmethod
    def grad_b(ctx, grad, v1):
        return _times_vector(grad.t(), v1)


def _addr_values(c, v1, v2, beta, alpha):
    """torch's addr kernel, row by row: ``beta * c + (alpha * v1) * v2`` rounded as its loops
    round it. A row's whole CPU vectors compute ``fma(alpha * v1, v2, beta * c)``; its last
    elements (fewer than a vector), and every element where input is constant along the row,
    ``fma(beta, c, (alpha * v1) * v2)``; with beta = 0 it is ``(alpha * v1) * v2``."""
    scaled = (alpha * v1)[:, None]
    result = np.multiply(scaled, v2)
    if beta == 0 or result.size == 0 or c.dtype.kind != "f":
        return result if beta == 0 else result + beta * c
    axis = 1 if result.shape[1] > 1 else 0     # the loop runs along the axis longer than 1
    # whole vectors only where input varies along it: with input and vec1 both constant
    # there, every element takes the scalar loop
    varies = ((1,) * (2 - c.ndim) + c.shape)[axis] > 1
    operands = [result] + [np.broadcast_to(x, result.shape) for x in (c, scaled, v2)]
    if axis == 0:
        operands = [x.T for x in operands]
    out, c, t1, t2 = operands    # out: a view of result
    whole = out.shape[1] - out.shape[1] % (_VECTOR_BYTES // out.itemsize) if varies else 0
    vector, tail = np.s_[:, :whole], np.s_[:, whole:]
    # the last elements of a row, fewer than a vector: fma(beta, c, (alpha * v1) * v2)
    out[tail] = fma(np.broadcast_to(beta, c[tail].shape), c[tail], out[tail])
    out[vector] = fma(t1[vector], t2[vector], beta * c[vector])
    return result


def _times_vector(m, v):
    """m @ v, in m's dtype (addr's vectors may have a narrower dtype than its result)."""
    return m.mv(v if v.dtype == m.dtype else v.to(m.dtype))


@register(nodes=("AddrBackward0",), args=("input", "vec1", "vec2"),
          forms=("function", "method", "inplace"), family="linalg",
          sample=cases(case(arr(3, 4), arr(3), arr(4)),
                       case(arr(3, 4), arr(3), arr(4), beta=0.5, alpha=3.0),
                       case(arr(3, 4), arr(3), arr(4), beta=0)))
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """``beta * input + alpha * outer(vec1, vec2)`` (the three operands promote)."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    dt = promote_values(input._data, vec1._data, vec2._data)
    if dt != np.bool_ and (isinstance(beta, bool) or isinstance(alpha, bool)):
        which = "beta" if isinstance(beta, bool) else "alpha"
        raise RuntimeError(f"Boolean {which} only supported for Boolean results.")
    _expandable("addr", input._data, (vec1.shape[0], vec2.shape[0]))
    if not isinstance(input, Tensor):
        raise TypeError(f"addr(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return AddrBackward0.apply(input, vec1, vec2, beta, alpha)


def _addr_(self, vec1, vec2, *, beta=1, alpha=1):
    """In-place addr: self must be the 2-D result itself."""
    if self._data.ndim != 2:
        raise RuntimeError(f"2D tensor expected, got {self._data.ndim}D tensor for input")
    return _addr_inplace(self, vec1, vec2, beta=beta, alpha=alpha)


_addr_inplace = inplace_variant(addr)
_addr_.__name__ = "addr_"
register_methods(Tensor, {"addr_": _addr_})
