"""Matrix products: dot, mv, mm, bmm, addmm (each a Function), and matmul / ``@`` built from them.

``matmul`` is a composite, as in torch: depending on the operands' dims it calls dot, mv or mm,
folds batch dims into an mm (``(B, n, k) @ (k, m)``), or broadcasts batch dims and calls bmm.
The shape ops around the product (unsqueeze, reshape, expand, transpose) are ordinary graph
nodes, so ``grad_fn`` and ``next_functions`` read like torch's (``SqueezeBackward4`` for
``1-D @ 2-D``, ``UnsafeViewBackward0`` for ``3-D @ 2-D``, ...) and gradients need nothing new.

No type promotion: both operands must have the same dtype (torch's errors otherwise). Integer
products stay integer; float16 accumulates in float32.
"""
import numpy as np

from .. import _buffers
from .._args import check_int
from .._dtype import from_numpy_dtype
from .._tensor import Tensor, wrap_dim
from ..autograd import formulas
from ..autograd.function import Function
from ._util import inplace_variant, register_methods
from .conversion import contiguous
from .shape import (SqueezeBackward1, UnsafeViewBackward0, _view_op, reshape, squeeze, t,
                    transpose, unsqueeze)
from ..creation import tensor

__all__ = ["matmul", "mm", "bmm", "dot", "mv", "outer", "ger", "addmm"]

# C++ type names torch prints in "expected m1 and m2 to have the same dtype" messages.
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}


def _short(a):
    return from_numpy_dtype(a.dtype).short_name


def _no_bool(a, kernel):
    if a.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _product(np_fn, a, b):
    """np_fn(a, b) in the operands' dtype; float16 accumulates in float32 as torch does."""
    if a.dtype == np.float16:
        return np_fn(a.astype(np.float32), b.astype(np.float32)).astype(np.float16)
    if np_fn is np.matmul and a.ndim == b.ndim >= 2 and a.shape[:-2] == b.shape[:-2]:
        # (mm, bmm: the product into a kept array when it is large, _buffers.py)
        shape = a.shape[:-1] + b.shape[-1:]
        return np.matmul(a, b, out=_buffers.empty(shape, np.result_type(a.dtype, b.dtype)))
    return np.asarray(np_fn(a, b))


def _mm_product(a, b):
    """a @ b for mm and addmm. With one column in a, each element is a single product, and
    torch's CPU kernel gives that product itself (0 * -1 is -0.0); NumPy's matmul adds it to
    +0.0. (bmm, mv, dot and float16 products start from +0.0 in torch too.)"""
    if a.shape[1] == 1 and a.dtype.kind == "f" and a.dtype != np.float16:
        return np.multiply(a, b, order="C")   # (n, 1) * (1, m) broadcast: the outer product
    if _short_times_transposed(a, b):
        out = _buffers.empty((a.shape[0], b.shape[1]), a.dtype)
        np.copyto(out, _product(np.matmul, b.T, a.T).T)
        return out
    return _product(np.matmul, a, b)


def _short_times_transposed(a, b):
    """Whether to compute a @ b as (b^T @ a^T)^T: a few row-major rows a times a transposed
    row-major matrix b (a Linear's ``x @ weight.t()`` on a small batch). OpenBLAS's product is
    slow on that layout when the batch is short and the output wide (64 x 784 by 784 x 256: 380
    against 311 us); the transposed product adds the same terms in the same order (the same
    bits) faster, and one copy makes it row-major."""
    rows, inner, cols = a.shape[0], a.shape[1], b.shape[1]
    return (a.dtype.kind == "f" and a.dtype.itemsize >= 4 and a.flags.c_contiguous
            and b.flags.f_contiguous and not b.flags.c_contiguous and rows <= 64
            and cols >= 256 and (inner >= 256 or rows <= 16))


def _check_mm(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_mm_shapes_and_dtypes(a, b)


def _check_mm_shapes_and_dtypes(a, b):
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    if a.dtype != b.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{_CPP_NAMES[a.dtype.name]} != {_CPP_NAMES[b.dtype.name]}")
    _no_bool(a, "addmm_impl_cpu_")


# ---- the products ------------------------------------------------------------------------------
class DotBackward0(Function):
    """out = sum(a * b)  (1-D . 1-D)        grad_a = grad * b        grad_b = grad * a"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 1 or b.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
        if a.shape != b.shape:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] "
                f"to have the same number of elements, but got {a.shape[0]} and {b.shape[0]} "
                "elements respectively")
        if a.dtype != b.dtype:
            raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                               f"{_short(a)} and {_short(b)}")
        _no_bool(a, "dot")
        _save_operands(ctx, a, b, *ctx.needs_input_grad[:2])
        out = _product(np.dot, a, b)
        if out.dtype.kind == "f":
            out += 0.0  # torch's sum starts from +0.0: one product of -0.0 gives +0.0
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class MvBackward0(Function):
    """out = A @ v  (2-D @ 1-D)        grad_A = outer(grad, v)        grad_v = A^T @ grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, m, v):
        if m.ndim != 2 or v.ndim != 1:
            raise RuntimeError(f"vector + matrix @ vector expected, got 1, {m.ndim}, {v.ndim}")
        if m.shape[1] != v.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({m.shape[0]}), mat "
                               f"({m.shape[0]}x{m.shape[1]}), vec ({v.shape[0]})")
        if m.dtype != v.dtype:
            raise RuntimeError("addmv input tensors must have the same dtype, but got "
                               f"{_short(v)}, {_short(m)}, and {_short(v)}")
        _no_bool(m, "addmv_impl_cpu")
        _save_operands(ctx, m, v, *ctx.needs_input_grad[:2])
        return _product(np.matmul, m, v)

    @staticmethod
    def backward(ctx, grad):
        m, v = ctx.saved_tensors
        need_m, need_v = ctx.needs_input_grad
        grad_m = formulas.reshape(grad, (grad.shape[0], 1)) * v if need_m else None  # outer
        grad_v = formulas.call(MvBackward0, formulas.t(m), grad) if need_v else None
        return grad_m, grad_v


class MmBackward0(Function):
    """out = a @ b  (2-D @ 2-D)        grad_a = grad @ b^T        grad_b = a^T @ grad"""

    unpack_order = (1, 0)  # torch unpacks mat2, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        _check_mm(a, b)
        _save_operands(ctx, a, b, *ctx.needs_input_grad[:2])
        return _mm_product(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (_mat1_grad(grad, b, ctx.layout[0]) if need_a else None), \
            (_mat2_grad(grad, a, ctx.layout[1]) if need_b else None)


class BmmBackward0(Function):
    """out[i] = a[i] @ b[i]  (3-D)     grad_a = grad @ b^T     grad_b = a^T @ grad  (per batch)"""

    unpack_order = (1, 0)  # torch unpacks mat2, self

    numpy_backward = True

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 3:
            raise RuntimeError("batch1 must be a 3D tensor")
        if b.ndim != 3:
            raise RuntimeError("batch2 must be a 3D tensor")
        if b.shape[:2] != (a.shape[0], a.shape[2]):
            raise RuntimeError(
                "Expected size for first two dimensions of batch2 tensor to be: "
                f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
        if a.dtype != b.dtype:
            raise RuntimeError(f"expected scalar type {_short(a)} but found {_short(b)}")
        _no_bool(a, "bmm")
        _save_operands(ctx, a, b, *ctx.needs_input_grad[:2])
        return _product(np.matmul, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = formulas.call(BmmBackward0, grad, formulas.transpose(b, 1, 2)) if need_a else None
        gb = formulas.call(BmmBackward0, formulas.transpose(a, 1, 2), grad) if need_b else None
        return ga, gb


class AddmmBackward0(Function):
    """out = beta * c + alpha * (a @ b)
    grad_c = beta * grad        grad_a = alpha * grad @ b^T        grad_b = alpha * a^T @ grad"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, c, a, b, beta=1, alpha=1):
        if a.ndim != 2:
            raise RuntimeError(f"mat1 must be a matrix, got {a.ndim}-D tensor")
        if b.ndim != 2:
            raise RuntimeError(f"mat2 must be a matrix, got {b.ndim}-D tensor")
        if c.dtype != b.dtype:
            raise RuntimeError("self and mat2 must have the same dtype, but got "
                               f"{_short(c)} and {_short(b)}")
        if a.dtype != b.dtype:
            raise RuntimeError("mat1 and mat2 must have the same dtype, but got "
                               f"{_short(a)} and {_short(b)}")
        _check_mm_shapes_and_dtypes(a, b)
        _save_operands(ctx, a, b, *ctx.needs_input_grad[1:3])
        ctx.beta, ctx.alpha = beta, alpha
        formulas.on_tensors_if_mixed(ctx, b.dtype, beta, alpha)
        prod = _mm_product(a, b)
        if alpha != 1:
            prod = prod * alpha
        if beta == 0:  # c is ignored, nan and inf included
            out = prod
        else:  # c broadcasts to prod's shape (addmm checked it), and prod is new: add in place
            out = np.add(prod, c if beta == 1 else c * beta, out=prod)
        return out.astype(b.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_c, need_a, need_b = ctx.needs_input_grad[:3]
        beta, alpha = ctx.beta, ctx.alpha
        gc = (grad if beta == 1 else grad * beta) if need_c else None
        ga = _scaled(_mat1_grad(grad, b, ctx.layout[0]), alpha) if need_a else None
        gb = _scaled(_mat2_grad(grad, a, ctx.layout[1]), alpha) if need_b else None
        return gc, ga, gb, None, None


def _scaled(x, factor):
    return x if factor == 1 else x * factor


def _save_operands(ctx, a, b, need_a, need_b):
    """Save what backward reads, as torch does: b only for a's gradient, a only for b's (so an
    in-place change of an operand nobody reads is no error); and the layouts of a and b."""
    ctx.save_for_backward(a if need_b else None, b if need_a else None)
    ctx.layout = (_column_major(a), _column_major(b))


def _column_major(x):
    f = x.flags
    return f.f_contiguous and not f.c_contiguous


def _mat1_grad(grad, b, a_column_major):
    """grad @ b^T, laid out like a, as torch's mm_mat1_backward: for a column-major a it is
    computed as (b @ grad^T)^T."""
    if a_column_major:
        return formulas.t(formulas.fresh(_mm(b, formulas.t(grad))))
    return formulas.fresh(_mm(grad, formulas.t(b)))


def _mat2_grad(grad, a, b_column_major):
    """a^T @ grad, laid out like b, as torch's mm_mat2_backward: for a column-major b (``x @
    weight.t()`` in Linear) it is (grad^T @ a)^T, so the weight's own gradient is row-major and
    no transposing copy is ever made."""
    if b_column_major:
        return formulas.t(formulas.fresh(_mm(formulas.t(grad), a)))
    return formulas.fresh(_mm(formulas.t(a), grad))


def _mm(a, b):
    """a @ b inside a formula (MmBackward0)."""
    return formulas.call(MmBackward0, a, b)


class SqueezeBackward4(SqueezeBackward1):
    """out = x.squeeze_(dim), in place on a fresh result    grad_x = grad.unsqueeze(dim)"""


# ---- public functions ---------------------------------------------------------------------------
def dot(input, other):
    """Inner product of two 1-D tensors (0-dim result)."""
    return DotBackward0.apply(input, other)


def mv(input, vec):
    """Matrix @ vector."""
    return MvBackward0.apply(input, vec)


def mm(input, mat2):
    """Matrix @ matrix (both 2-D)."""
    return MmBackward0.apply(input, mat2)


def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors with equal batch size."""
    return BmmBackward0.apply(input, mat2)


def outer(input, vec2):
    """Outer product of two 1-D tensors: input[:, None] * vec2 (type promotion applies)."""
    if input.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D")
    if vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return reshape(input, (input.shape[0], 1)) * vec2


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2); input broadcasts to the product's shape."""
    a, b, c = mat1._data, mat2._data, input._data
    if a.ndim == 2 and b.ndim == 2 and c.shape != (a.shape[0], b.shape[1]):
        target = (a.shape[0], b.shape[1])
        ok = c.ndim <= 2 and all(n in (1, m) for n, m in zip(c.shape[::-1], target[::-1]))
        if not ok:
            input.expand(target)  # raises torch's "The expanded size of the tensor ..." error
    return AddmmBackward0.apply(input, mat1, mat2, beta, alpha)


def matmul(input, other):
    """torch.matmul: dot, mv, mm, folded mm, or broadcast bmm depending on the operands' dims."""
    d1, d2 = input.ndim, other.ndim
    if d1 == 0 or d2 == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{d1}D and {d2}D")
    if d1 == 1 and d2 == 1:
        return dot(input, other)
    if d1 == 2 and d2 == 1:
        return mv(input, other)
    if d1 == 1 and d2 == 2:
        out = SqueezeBackward4.apply(mm(unsqueeze(input, 0), other), 0)
        out._bump_version()  # torch squeezes the mm result in place: it starts at version 1
        return out
    if d1 == 2 and d2 == 2:
        return mm(input, other)
    if _should_fold(input, other):
        return _folded_matmul(input, other)
    return _batched_matmul(input, other)


def _should_fold(a, b):
    """torch's rule: fold a (>=3-D) @ b (<=2-D) into one mm/mv when that needs no extra copy."""
    a_larger = a.ndim >= b.ndim
    big = a._data if a_larger else np.swapaxes(b._data, -1, -2)
    small = b if a_larger else a
    if not (big.ndim >= 3 and small.ndim <= 2):
        return False
    if small.requires_grad:
        return True
    if a.ndim == 2:
        return False
    if big.size == 0:
        return True
    strides = [s // big.itemsize for s in big.strides]
    return all(strides[i] == strides[i + 1] * big.shape[i + 1] for i in range(big.ndim - 2))


def _folded_matmul(a, b):
    """(..., n, k) @ (k, m) as one (N, k) @ (k, m) product; the mirrored case via transposes."""
    flip = b.ndim > a.ndim
    big = transpose(b, -1, -2) if flip else a
    small = (t(a) if a.ndim == 2 else a) if flip else b
    out_shape = tuple(big.shape[:-1])
    rows = int(np.prod(out_shape))
    folded = reshape(big, (rows, big.shape[-1]))
    if small.ndim == 2:
        out = UnsafeViewBackward0.apply(mm(folded, small), out_shape + (small.shape[1],))
        return contiguous(transpose(out, -1, -2)) if flip else out
    return UnsafeViewBackward0.apply(mv(folded, small), out_shape)


def _batched_matmul(a, b):
    """Broadcast the batch dims, flatten them into one, and call bmm."""
    d1, d2 = a.ndim, b.ndim
    if d1 == 3 and d2 == 3 and a.shape[0] != b.shape[0]:
        if a.shape[0] == 1 and a.requires_grad:
            return matmul(squeeze(a, 0), b)
        if b.shape[0] == 1 and b.requires_grad:
            return matmul(a, squeeze(b, 0))
    n = a.shape[-2] if d1 > 1 else 1
    k1 = a.shape[-1]
    k2 = b.shape[-2] if d2 > 1 else b.shape[0]
    p = b.shape[-1] if d2 > 1 else 1
    batch1, batch2 = tuple(a.shape[:max(d1 - 2, 0)]), tuple(b.shape[:max(d2 - 2, 0)])
    batch = _broadcast_batch(batch1, batch2)
    count = int(np.prod(batch))
    a3 = reshape(a.expand(batch + (n, k1)), (count, n, k1))
    if d2 == 1:
        b3 = unsqueeze(reshape(b.expand(batch + (k2,)), (count, k2)), 2)
    else:
        b3 = reshape(b.expand(batch + (k2, p)), (count, k2, p))
    out_shape = batch + ((n,) if d1 > 1 else ()) + ((p,) if d2 > 1 else ())
    out = bmm(a3, b3)
    if d2 == 1:
        out = squeeze(out, -1)
    return UnsafeViewBackward0.apply(out, out_shape)


def _broadcast_batch(s1, s2):
    """Broadcast two batch shapes, with torch's error message."""
    n = max(len(s1), len(s2))
    p1, p2 = (1,) * (n - len(s1)) + s1, (1,) * (n - len(s2)) + s2
    out = []
    for i, (x, y) in enumerate(zip(p1, p2)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def _rmatmul(self, other):
    if not isinstance(other, Tensor):
        other = tensor(other)
    return matmul(other, self)


def _matmul_operator(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(self, other)


register_methods(Tensor, {
    "matmul": matmul, "mm": mm, "bmm": bmm, "dot": dot, "mv": mv, "outer": outer, "ger": ger,
    "addmm": addmm,
    "__matmul__": _matmul_operator, "__rmatmul__": _rmatmul,
})


# ---- diagonals, triangles, trace, einsum ---------------------------------------------------------
__all__ += ["diag", "diagonal", "diag_embed", "tril", "triu", "trace", "einsum"]  # noqa: PLE0605


def _diagonal_view(x, offset, d1, d2):
    """A writeable NumPy view of x's diagonal (moved to the last dim), as torch's strides."""
    key = [slice(None)] * x.ndim
    key[d2 if offset >= 0 else d1] = slice(abs(offset), None)
    sub = x[tuple(key)]
    d = np.diagonal(sub, 0, d1, d2)  # read-only, but has the right shape and strides
    return np.lib.stride_tricks.as_strided(sub, d.shape, d.strides)


def _embed(grad_array, shape, offset, d1, d2):
    """zeros(shape) with ``grad_array`` written on the diagonal (offset, d1, d2)."""
    out = np.zeros(shape, grad_array.dtype)
    _diagonal_view(out, offset, d1, d2)[...] = grad_array
    return out


class DiagonalBackward0(Function):
    """out = x.diagonal(offset, d1, d2) (a view)     grad_x = zeros with grad on that diagonal"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.args = x.shape, offset, d1, d2
        return _diagonal_view(x, offset, d1, d2)

    @staticmethod
    def backward(ctx, grad):
        return formulas.call(DiagonalBackwardBackward0, grad, *ctx.args), None, None, None


class DiagonalBackward0_copy(DiagonalBackward0):  # noqa: N801 - torch's name
    """out = diag(x) for a matrix x (a copy)     grad_x = zeros with grad on the diagonal"""

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        return DiagonalBackward0.forward(ctx, x, offset, d1, d2).copy()


class DiagonalBackwardBackward0(Function):
    """out = zeros(shape) with g on the diagonal     grad_g = grad.diagonal(offset, d1, d2)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        ctx.args = offset, d1, d2
        return _embed(g, shape, offset, d1, d2)

    @staticmethod
    def backward(ctx, grad):
        return formulas.diagonal(grad, *ctx.args), None, None, None, None


class DiagEmbedBackward0(Function):
    """out = a matrix with v on diagonal ``offset`` (dims d1, d2)    grad_v = grad.diagonal(...)"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, v, offset, d1, d2):
        ctx.args = offset, d1, d2
        n = v.shape[-1] + abs(offset)
        shape = list(v.shape[:-1])
        for d in sorted((d1, d2)):
            shape.insert(d, n)
        return _embed(v, tuple(shape), offset, d1, d2)

    @staticmethod
    def backward(ctx, grad):
        return formulas.diagonal(grad, *ctx.args), None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` of the (dim1, dim2) matrices, as a view in the last dim."""
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _view_op(DiagonalBackward0, input, offset, d1, d2,
                    rebuild=lambda b: diagonal(b, offset, d1, d2))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (dims dim1, dim2) with the last dim of ``input`` on their diagonal ``offset``."""
    nd = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return DiagEmbedBackward0.apply(input, offset, d1, d2)


def diag(input, diagonal=0):
    """1-D -> a square matrix with it on diagonal ``diagonal``; 2-D -> that diagonal (a copy)."""
    nd = input._data.ndim
    if nd == 1:
        return DiagEmbedBackward0.apply(input, diagonal, 0, 1)
    if nd == 2:
        return DiagonalBackward0_copy.apply(input, diagonal, 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


class _Triangle(Function):
    """Shared by TrilBackward0 / TriuBackward0: keep one triangle of the last two dims."""

    numpy_backward = True
    name_ = keep = None

    @classmethod
    def forward(cls, ctx, x, diagonal):
        if x.ndim < 2:
            raise RuntimeError(f"{cls.name_}: input tensor must have at least 2 dimensions")
        ctx.diagonal = diagonal
        return cls.keep(x, diagonal)

    @classmethod
    def backward(cls, ctx, grad):
        return formulas.call(cls, grad, ctx.diagonal), None


class TrilBackward0(_Triangle):
    """out = x with entries above diagonal k zeroed     grad_x = grad.tril(k)"""

    name_, keep = "tril", staticmethod(np.tril)


class TriuBackward0(_Triangle):
    """out = x with entries below diagonal k zeroed     grad_x = grad.triu(k)"""

    name_, keep = "triu", staticmethod(np.triu)


def tril(input, diagonal=0):
    return TrilBackward0.apply(input, check_int("tril", diagonal, "diagonal"))


def triu(input, diagonal=0):
    return TriuBackward0.apply(input, check_int("triu", diagonal, "diagonal"))


class TraceBackward0(Function):
    """out = sum of the main diagonal of a matrix     grad_x = grad on the diagonal, 0 elsewhere"""

    numpy_backward = True

    @staticmethod
    def forward(ctx, x):
        if x.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
        _no_bool(x, "trace")
        ctx.shape = x.shape
        d = np.diagonal(x)
        return np.asarray(d.sum(dtype=np.int64 if x.dtype.kind in "iu" else x.dtype))

    @staticmethod
    def backward(ctx, grad):
        n = min(ctx.shape)
        return formulas.call(DiagonalBackwardBackward0, formulas.expand(grad, (n,)), ctx.shape,
                             0, 0, 1)


def trace(input):
    return TraceBackward0.apply(input)


# einsum: ``a`` ... ``z`` and ``A`` ... ``Z`` are subscripts; ``...`` is rewritten with free ones.
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class EinsumBackward0(Function):
    """out = einsum(eq, *ops) (no subscript repeated within an operand)
    grad_op_i = einsum(grad and the other operands -> op_i's subscripts), broadcast along the
    subscripts only op_i has (they were summed in the forward). torch has no such node: it
    builds einsum from permute/reshape/bmm/sum, so its grad_fn names differ."""

    numpy_backward = True

    @staticmethod
    def forward(ctx, subscripts, output, *operands):
        ctx.subscripts, ctx.output = subscripts, output
        ctx.save_for_backward(*operands)
        eq = ",".join(subscripts) + "->" + output
        if operands[0].dtype == np.float16:
            return np.einsum(eq, *[o.astype(np.float32) for o in operands]).astype(np.float16)
        return np.asarray(np.einsum(eq, *operands))

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        grads = [None, None]
        for i, (sub, x) in enumerate(zip(ctx.subscripts, operands)):
            if not ctx.needs_input_grad[i + 2]:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(ctx.subscripts, operands)) if j != i]
            seen = set(ctx.output).union(*[s for s, _ in others])
            kept = "".join(c for c in sub if c in seen)
            g = formulas.call(EinsumBackward0, (ctx.output, *[s for s, _ in others]), kept, grad,
                              *[o for _, o in others])
            for pos, c in enumerate(sub):  # re-insert and broadcast the summed-only subscripts
                if c not in seen:
                    g = formulas.unsqueeze(g, pos)
            grads.append(formulas.expand(g, x.shape))
        return tuple(grads)


def _einsum_parse(equation, operands):
    """(subscripts per operand, output subscripts), ``...`` replaced by free letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(subs) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    free = [c for c in _LETTERS if c not in eq]
    n_ellipsis = 0
    for i, (s, x) in enumerate(zip(subs, operands)):
        n = len(s.replace("...", ""))
        if "..." not in s and n != x.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) does "
                               f"not match the number of dimensions ({x.ndim}) for operand {i} "
                               "and no ellipsis was given")
        if "..." in s:
            n_ellipsis = max(n_ellipsis, x.ndim - n)
    ell = "".join(free[:n_ellipsis])
    # an operand's ``...`` stands for its leading dims: the last letters of ``ell``
    subs = [s.replace("...", ell[len(ell) - (x.ndim - len(s) + 3):])
            for s, x in zip(subs, operands)]
    if arrow:
        out = out.replace("...", ell)
        for c in out:
            if c not in "".join(subs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
    else:
        counts = {c: "".join(subs).count(c) for c in "".join(subs)}
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    return subs, out


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)``; ``...`` and implicit output too.

    A subscript repeated within an operand (``'ii->i'``) takes that operand's diagonal first;
    size-1 dims broadcast against the other operands' sizes.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out = _einsum_parse(equation, operands)
    for x in operands[1:]:
        if x.dtype != operands[0].dtype:
            raise RuntimeError(f"expected scalar type {_short(operands[0]._data)} but found "
                               f"{_short(x._data)}")
    ops = []
    for s, x in zip(subs, operands):
        for c in set(s):  # repeated subscript: keep the diagonal, moved to the end
            while s.count(c) > 1:
                p = s.index(c)
                q = s.index(c, p + 1)
                x = diagonal(x, 0, p, q)
                s = s[:p] + s[p + 1:q] + s[q + 1:] + c
        ops.append([s, x])
    sizes = {}
    for i, (s, x) in enumerate(ops):
        for c, n in zip(s, x.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which "
                                   f"does not broadcast with previously seen size {sizes[c]}")
            sizes[c] = max(sizes.get(c, 1), n) if n != 1 else sizes.get(c, 1)
    for item in ops:
        s, x = item
        target = tuple(sizes[c] for c in s)
        if tuple(x.shape) != target:
            item[1] = x.expand(target)
    return EinsumBackward0.apply(tuple(s for s, _ in ops), out, *[x for _, x in ops])


register_methods(Tensor, {
    "diag": diag, "diagonal": diagonal, "diag_embed": diag_embed, "tril": tril, "triu": triu,
    "tril_": inplace_variant(tril), "triu_": inplace_variant(triu), "trace": trace,
})
