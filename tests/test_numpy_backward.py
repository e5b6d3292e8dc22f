"""Backward formulas marked ``numpy_backward`` give the same gradients on ndarrays as on Tensors.

Without ``create_graph`` the engine hands such a formula plain ndarrays (see
``autograd/function.py``); with it, Tensors, and every step is recorded. Each expression below
is differentiated both ways, with the same random upstream gradient: the two results must be
bit-identical (values, dtypes, shapes and strides), and close to torch's. Together the
expressions must reach every Function subclass that sets ``numpy_backward``, so a class that
is switched to arrays without an expression here fails ``test_every_numpy_backward_class_is_
exercised``. Every op of the registry whose inputs a domain describes gets an expression of its
own (``registry_<name>``).
"""
import dataclasses
import zlib

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd.function import Function
from numpy_backward_more import more_cases

TORCH_TOLERANCES = {"float32": (1e-4, 1e-5), "float64": (1e-10, 1e-12)}


@dataclasses.dataclass(frozen=True)
class In:
    """One input: its shape, how its values are drawn, whether it requires grad, its dtype
    (None: the case's dtype)."""

    shape: tuple
    # normal | positive (0.5..2) | unit (0.05..0.95) | ties | index | perm | mask
    kind: str = "normal"
    grad: bool = True
    dtype: str = None
    high: int = 0            # index: values in [0, high)

    def value(self, rng, dtype):
        if self.kind == "index":
            return rng.integers(0, self.high, self.shape).astype(np.int64)
        if self.kind == "perm":  # a permutation of range(shape[-1]) in every row
            rows = np.broadcast_to(np.arange(self.shape[-1]), self.shape)
            return rng.permuted(rows, axis=-1).astype(np.int64)
        if self.kind == "mask":
            return rng.random(self.shape) < 0.5
        x = {"normal": lambda: rng.standard_normal(self.shape),
             "positive": lambda: rng.uniform(0.5, 2.0, self.shape),
             "unit": lambda: rng.uniform(0.05, 0.95, self.shape),
             "ties": lambda: rng.integers(-2, 3, self.shape)}[self.kind]()
        return np.asarray(x, dtype=self.dtype or dtype)


def X(*shape, **kw):
    return In(shape, **kw)


def P(*shape, **kw):
    return In(shape, "positive", **kw)


def U(*shape, **kw):
    return In(shape, "unit", **kw)


def ties(*shape, **kw):
    """Small integers (zeros and repeated values: ties for max, zeros for cumprod)."""
    return In(shape, "ties", **kw)


def C(*shape, **kw):
    """A float input that does not require grad."""
    return In(shape, grad=False, **kw)


def idx(high, *shape):
    return In(shape, "index", grad=False, high=high)


def perm(*shape):
    return In(shape, "perm", grad=False)


def mask(*shape):
    return In(shape, "mask", grad=False)


def _second(T, y, x):
    """dy/dx with create_graph: its graph holds the backward's own nodes."""
    return T.autograd.grad(y.sum(), x, create_graph=True)[0]


def _prod_with_zeros(z):
    """Products of a tensor holding zeros (z is clamped at 0)."""
    assert (z.detach().numpy() == 0).any()
    return z.prod() + z.prod(1, keepdim=True) + z.prod(0)


def _setitems(T, y, b, c, i, m):
    """y written in place: basic (CopySlices), advanced (IndexPutBackward0), everything."""
    y[0] = b
    y[:, 1:3] = 2.0
    y[i] = c
    y[m] = 0.5
    return y


def _act(F, a):
    return (F.gelu(a) + F.silu(a) + F.mish(a) + F.elu(a, 0.5) + F.celu(a, 0.7) + F.selu(a)
            + F.leaky_relu(a, 0.1) + F.hardtanh(a, -0.5, 0.5) + F.hardswish(a * 3)
            + F.hardsigmoid(a * 3) + F.softplus(a, 2.0, 1.0) + F.softshrink(a, 0.3)
            + F.hardshrink(a, 0.3) + F.logsigmoid(a) + F.threshold(a, 0.1, 2.0))


def _piecewise(F, a):
    return (F.leaky_relu(a, 0.1) + F.hardtanh(a, -0.5, 0.5) + F.softshrink(a, 0.3)
            + F.hardshrink(a, 0.3) + F.threshold(a, 0.1, 2.0))


def _act_inplace(F, a):
    return (F.elu(a * 1, inplace=True) + F.celu(a * 1, 0.7, inplace=True)
            + F.leaky_relu(a * 1, 0.1, inplace=True) + F.threshold(a * 1, 0.1, -1.0, inplace=True))


# name -> (fn(T, *inputs) -> one output, inputs). T is minigrad or torch.
CASES = {
    # ---- arithmetic
    "add": (lambda T, a, b: a + b, [X(3, 4), X(4)]),
    "add_alpha_scalar": (lambda T, a, b: T.add(a, b, alpha=2.5) + 1.5, [X(3, 1), X(1, 4)]),
    "sub": (lambda T, a, b: a - b, [X(3, 1), X(4)]),
    "sub_alpha": (lambda T, a, b: T.sub(a, b, alpha=0.5) - 2, [X(2, 3), X(2, 3)]),
    "rsub_scalar": (lambda T, a: 2 - a + T.rsub(a, 3.0, alpha=2), [X(5)]),
    "rsub_tensor": (lambda T, a, b: T.rsub(a, b) + T.rsub(a, b, alpha=3), [X(3, 4), X(4)]),
    "mul": (lambda T, a, b, c: a * b * 1.5 * c, [X(3, 4), X(3, 1), C(4)]),
    "div": (lambda T, a, b: a / b / 3, [X(3, 4), P(4)]),
    "pow_scalar": (lambda T, a, p: a ** 3 + a ** 2 + p ** 0.5 + p ** -1.5 + a ** 0,
                   [X(3, 4), P(3, 4)]),
    "neg_reciprocal": (lambda T, a, p: -a + p.reciprocal(), [X(4), P(4)]),
    # mixed dtypes: a 0-d float64 or an int64 array next to float32 does not widen the result
    "mul_mixed_0d": (lambda T, a, s: a * s, [X(3, 4), X(dtype="float64")]),
    "div_mixed_0d": (lambda T, a, s: a / s + s / a, [P(3, 4), P(dtype="float64")]),
    "mul_int": (lambda T, a, i: a * i, [X(3, 4), idx(5, 3, 4)]),
    "numpy_scalars": (lambda T, a, b: T.add(a, b, alpha=np.float64(0.1))
                      + T.sub(a, b, alpha=np.float64(0.3)) + T.rsub(a, 2, alpha=np.float64(0.7))
                      + T.lerp(a, b, np.float64(0.3)) + (a * a + 1) ** np.float64(1.1),
                      [X(3, 4), X(4)]),
    "lerp_scalar": (lambda T, a, b: T.lerp(a, b, 0.3), [X(3, 4), X(4)]),
    "nan_to_num": (lambda T, a: T.nan_to_num(a.log(), nan=0.5) * a + (a / 0).nan_to_num(),
                   [X(3, 4)]),
    # ---- unary math
    "exp_family": (lambda T, a: a.exp() + a.exp2() + a.expm1(), [X(3, 4)]),
    "log_family": (lambda T, p: p.log() + p.log2() + p.log10() + p.log1p(), [P(3, 4)]),
    "roots": (lambda T, p: p.sqrt() + p.rsqrt(), [P(3, 4)]),
    "sign_frac": (lambda T, a: a.sign() * 2 + (a * 3).frac(), [X(3, 4)]),
    "tan_atan": (lambda T, u: u.tan() + u.atan(), [U(3, 4)]),
    "tanh_sigmoid": (lambda T, a: a.tanh() * a.sigmoid(), [X(3, 4)]),
    "relu": (lambda T, a: T.relu(a) + a.relu() * 2, [X(3, 4)]),
    "relu_second_order": (lambda T, a, b: _second(T, T.relu(a * b) * b, a), [X(3, 4), X(3, 4)]),
    "div_rounding": (lambda T, a, b: T.div(a, b, rounding_mode="floor") * a
                     + T.div(a, b, rounding_mode="trunc") + T.div(a, b, rounding_mode=None),
                     [X(3, 4), P(4)]),
    "remainder_fmod": (lambda T, a, b: T.remainder(a, b) + a % 0.7 + T.fmod(a, b) + T.fmod(a, 0.7),
                       [X(3, 4), P(4)]),
    "pow_tensor": (lambda T, p, b: p ** b + p ** (b * 0), [P(3, 4), X(4)]),
    "pow_scalar_base": (lambda T, a, p: 2.0 ** a + 0.0 ** p + 1.5 ** p, [X(3, 4), P(3, 4)]),
    "abs_rounding": (lambda T, a: a.abs() + a.floor() + a.ceil() + a.round() + a.trunc()
                     + T.round(a, decimals=1) + a, [X(3, 4)]),
    "trig": (lambda T, u, a, b: u.sin() * u.cos() + u.asin() + u.acos() + a.sinh() * a.cosh()
             + T.atan2(a, b) + T.erf(a), [U(3, 4), X(3, 4), X(4)]),
    "clamp": (lambda T, a, lo, hi: a.clamp(-0.5, 0.5) + a.clamp(min=0.1) + a.clamp_min(0.1)
              + a.clamp_max(0.2) + a.clamp(min=lo, max=hi) + a.clamp(min=lo) + a.clamp_min(lo)
              + a.clamp_max(hi) + a.clamp(hi, lo), [X(3, 4), X(4), X(4)]),
    "clamp_mixed": (lambda T, a, lo: a.clamp(np.float64(-0.3), np.float64(0.7)) + a.clamp(min=lo),
                    [X(3, 4), X(4, dtype="float64")]),
    "maximum_minimum": (lambda T, a, b: T.maximum(a, b) * T.minimum(a, b)
                        + T.maximum(a, a * 1) + T.minimum(a * 1, a), [X(3, 4), X(4)]),
    "fmax_fmin_nan": (lambda T, a, b: T.fmax(a, b.log()) + T.fmin(a, b.log())
                      + T.fmax(b.log(), a), [X(3, 4), X(3, 4)]),
    "where": (lambda T, m, a, b: T.where(m, a, b) + T.where(m, a, 0.5) + T.where(m, 2.0, b),
              [mask(3, 4), X(3, 4), X(4)]),
    "lerp_tensor": (lambda T, a, b, w: T.lerp(a, b, w), [X(3, 4), X(4), U(3, 1)]),
    # ---- reductions
    "sum": (lambda T, a: a.sum() * a, [X(3, 4)]),
    "sum_dim": (lambda T, a: a.sum(1, keepdim=True) + a.sum((0, 2), keepdim=True)
                + a.sum(0).sum(0), [X(2, 3, 4)]),
    "mean": (lambda T, a: a.mean() * a + a.mean(0) + a.mean((0, 1), keepdim=True),
             [X(2, 3, 4)]),
    # ---- matrix products (column-major operands: gradients laid out like them)
    "mm": (lambda T, a, b: T.mm(a, b), [X(3, 4), X(4, 5)]),
    "mm_column_major": (lambda T, a, b: T.mm(a.t(), b.t()), [X(4, 3), X(5, 4)]),
    "linear": (lambda T, x, w, b: T.nn.functional.linear(x, w, b), [X(6, 4), X(3, 4), X(3)]),
    "addmm_scaled": (lambda T, c, a, b: T.addmm(c, a, b, beta=0.5, alpha=2.0)
                     + T.addmm(c, a, b, beta=np.float64(0.1), alpha=np.float64(0.3)),
                     [X(3, 5), X(3, 4), X(4, 5)]),
    "dot_mv": (lambda T, a, m: T.dot(a, a * 2) * T.mv(m, a), [X(4), X(3, 4)]),
    "vector_matmul": (lambda T, a, m: a @ m, [X(3), X(3, 4)]),
    "bmm": (lambda T, a, b: T.bmm(a, b), [X(2, 3, 4), X(2, 4, 5)]),
    "matmul_batched": (lambda T, a, b: a @ b, [X(2, 1, 3, 4), X(3, 4, 5)]),
    "matmul_folded": (lambda T, a, b: a @ b, [X(2, 3, 4), X(4, 5)]),
    "diagonals": (lambda T, a, v: a.diagonal() * a.diagonal(1, 0, 1).sum() + T.diag(a)
                  + T.diag_embed(v).diagonal(0, 1, 2).sum(0) + T.diag(v).sum(0)
                  + a.tril().sum(0) + a.triu(1).sum(1) + a.trace(), [X(4, 4), X(3, 4)]),
    "diagonal_second_order": (lambda T, a, b: _second(T, a.diagonal() * b, a) * a,
                              [X(4, 4), X(4)]),
    "einsum": (lambda T, a, b, c: T.einsum("ij,jk->ik", a, b) * T.einsum("ij->j", a).sum()
               + T.einsum("ij,jk,k->i", a, b, c)[:, None], [X(3, 4), X(4, 5), X(5)]),
    # ---- shape ops (gradients keep the strides the Tensor ops give them)
    "view_reshape": (lambda T, a: a.view(4, 3) * a.reshape(2, 6).reshape(4, 3)
                     + a.t().reshape(12).reshape(4, 3) + a.t().reshape(4, 3, 1).squeeze(2),
                     [X(3, 4)]),
    "transposes": (lambda T, a: a.transpose(0, 2) * a.permute(2, 1, 0) + a.mT.mT.transpose(0, 2),
                   [X(2, 3, 4)]),
    "t_and_T": (lambda T, a: a.t() * a.T, [X(3, 4)]),
    "squeeze_unsqueeze": (lambda T, a: a.unsqueeze(1).squeeze() * a.squeeze(1).unsqueeze(-1)
                          + a.squeeze((0, 1, 3)).unsqueeze(0).squeeze(0), [X(3, 1, 4, 1)]),
    "inplace_views": (lambda T, a: (a * 1).squeeze_() + (a * 2).squeeze_(1).unsqueeze_(0).squeeze_(
        (0, 2)) + (a * 3).squeeze().t_().t_() + (a * 4).squeeze().transpose_(0, 1).t(),
        [X(3, 1, 4)]),
    "expand": (lambda T, a, b: a.expand(2, 3, 4) * b.expand_as(a.expand(2, 3, 4))
               + T.broadcast_to(a, (5, 3, 4)).sum(0), [X(3, 1), X(4)]),
    "repeat_flip": (lambda T, a: a.repeat(2, 1, 3) * a.flip(0, 1).repeat(2, 1, 3), [X(3, 2)]),
    # ---- softmax and losses
    "softmax": (lambda T, a: T.softmax(a, 1) * a.softmax(-1) + a.softmax(0), [X(2, 3, 4)]),
    "log_softmax": (lambda T, a: T.log_softmax(a, 1) * a.log_softmax(0), [X(3, 4)]),
    "cross_entropy": (lambda T, a, y, w: T.nn.functional.cross_entropy(a, y)
                      + T.nn.functional.cross_entropy(a, y, weight=w, reduction="sum")
                      + T.nn.functional.cross_entropy(a, y, ignore_index=2, label_smoothing=0.1),
                      [X(6, 4), idx(4, 6), P(4, grad=False)]),
    "nll_loss": (lambda T, a, y, y2: T.nn.functional.nll_loss(a, y, reduction="none")
                 * T.nn.functional.nll_loss(a.unsqueeze(2).expand(6, 4, 3), y2).sum(),
                 [X(6, 4), idx(4, 6), idx(4, 6, 3)]),
    "mse_loss": (lambda T, a, b: T.nn.functional.mse_loss(a, b)
                 + T.nn.functional.mse_loss(a, b, reduction="none")
                 + T.nn.functional.mse_loss(a * 2, b, reduction="sum"), [X(3, 4), X(3, 4)]),
    "mse_loss_mixed": (lambda T, a, b: T.nn.functional.mse_loss(a, b, reduction="none"),
                       [X(3, 4), X(3, 4, dtype="float64")]),
    "bce": (lambda T, x, t, w: T.nn.functional.binary_cross_entropy(x, t)
            + T.nn.functional.binary_cross_entropy(x, t, weight=w, reduction="none"),
            [U(3, 4), U(3, 4), P(4, grad=False)]),
    "bce_with_logits": (lambda T, x, t, w, pw: (
        T.nn.functional.binary_cross_entropy_with_logits(x, t)
        + T.nn.functional.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw,
                                                           reduction="none")),
        [X(3, 4), U(3, 4), P(4, grad=False), P(4, grad=False)]),
    # ---- copies and overwrites
    "to_clone": (lambda T, a: a.to(T.float64) * a.clone() + a.t().contiguous().t().float()
                 + a.half().float(), [X(3, 4)]),
    "fill_zero": (lambda T, a: (a * 2).fill_(3.0) * a + (a * 3).zero_() * a, [X(3, 4)]),
    "max_min": (lambda T, a: a.max() + a.min() * a + a.max(1, keepdim=True)[0] + a.min(0)[0]
                + a.median(), [ties(3, 4)]),
    "amax_amin": (lambda T, a: a.amax(1) + a.amin((0, 1), keepdim=True) + a.amax(), [ties(3, 4)]),
    "var_std": (lambda T, a, b: a.var() + a.std(0) + a.var(1, keepdim=True, correction=0)
                + a.std((0, 1), keepdim=True) + b.var() * b.std(), [X(3, 4), X(1)]),
    "logsumexp": (lambda T, a: a.logsumexp(1) + a.logsumexp((0, 1), keepdim=True), [X(3, 4)]),
    "norm": (lambda T, a, t: a.norm() + a.norm(1, dim=0) + a.norm(0.5, dim=0, keepdim=True)
             + a.norm(3) + a.norm(0) + t.norm(float("inf"), dim=0) + t.norm(float("inf"))
             + a.norm(-float("inf")), [X(3, 4), ties(3, 4)]),
    "norm_dtype": (lambda T, a: a.norm(dtype=T.float64) * a, [X(3, 4)]),
    "prod": (lambda T, p, z, c: p.prod() * p.prod(1, keepdim=True) + p.prod(0)
             + _prod_with_zeros(z.clamp(min=0)) + c.prod(1, keepdim=True) + c.prod(),
             [P(3, 4), ties(3, 4), X(3, 1)]),
    "prod_dtype": (lambda T, p: p.prod(dtype=T.float64) * p + p.prod(1, dtype=T.float64)[:, None],
                   [P(3, 4)]),
    "cumsum_cumprod": (lambda T, a, z: a.cumsum(1) * a.cumprod(0) + z.cumprod(1) + z.cumprod(0),
                       [X(3, 4), ties(3, 4)]),
    "cumsum_second_order": (lambda T, a, b: _second(T, a.cumsum(1) * b, a) * a, [X(3, 4), X(3, 4)]),
    # ---- joining, splitting, indexing
    "cat_stack": (lambda T, a, b, e: T.cat([a, b], 1) * T.stack([a, a * 2], 0).sum(0).sum(1, True)
                  + T.cat([a.reshape(-1), e]).sum() + T.stack([a[0], b[0]], 1).sum(),
                  [X(3, 4), X(3, 4), X(0)]),
    "cat_mixed": (lambda T, a, b: T.cat([a, b]) * 2, [X(3, 4), X(2, 4, dtype="float64")]),
    "split_unbind": (lambda T, a: a.split(2, 1)[0] * a.split([1, 3], 1)[1][:, :2]
                     + a.chunk(3, 0)[2].sum() + a.unbind(1)[3].unsqueeze(1), [X(3, 4)]),
    "getitem": (lambda T, a, i, m: a[0] * a[:, 1:3].sum() + a[1:, ::2].sum(0).sum()
                + a[..., 0:1] + a[[0, 2]].sum(0) + a[i].sum(0) + a[m].sum() + a[...],
                [X(3, 4), idx(3, 5), mask(3, 4)]),
    "gather_scatter": (lambda T, a, b, p, i: a.gather(1, p) * a.scatter(1, p, b)
                       + a.scatter(1, p, 0.5) + a.scatter_add(1, i, b) + a.take(i)
                       + a.index_select(1, i[0]).sum(),
                       [X(3, 4), X(3, 4), perm(3, 4), idx(4, 3, 4)]),
    "index_family": (lambda T, a, b, i, m, v: a.index_add(0, i, b, alpha=2)
                     * a.index_fill(1, i, -1.0) + a.masked_fill(m, 0.0) + a.masked_fill(m, v)
                     + a.masked_select(m).sum(), [X(3, 4), X(2, 4), idx(3, 2), mask(3, 4), X()]),
    "setitem": (lambda T, a, b, c, i, m, z: _setitems(T, a * 1, b, c, i, m) * a
                + (a * 2).copy_(z) + (a * 3).fill_(z.sum()) + (a * 4).index_put((i,), c)
                + (a * 5).index_put((i,), c, accumulate=True),
                [X(3, 4), X(4), X(2, 4), In((2,), "perm", grad=False), mask(3, 4), X(3, 4)]),
    "getitem_second_order": (lambda T, a, b: _second(T, a[0] * b, a) * a
                             + _second(T, a[:, 1:3] * b[:2], a) * a, [X(3, 4), X(4)]),
    # ---- 0-d tensors: NumPy gives 0-d results as NumPy scalars, which must still act as tensors
    "zero_dim": (lambda T, a, b, p: T.atan2(a, b) * T.maximum(a, b) + T.where(a > b, a, b)
                 + p ** a + a ** p + a.clamp(-0.5, 0.5) + T.fmin(a, b) + a.sin() * b.cos()
                 + (a * b).abs() + T.remainder(a, b) + T.lerp(a, b, p), [X(), X(), P()]),
    "zero_dim_reductions": (lambda T, a, b: a.sum() * a.mean() + a.softmax(0) + a.log_softmax(0)
                            + a.norm() * a.logsumexp(0) + a.cumsum(0) * a.cumprod(0) + a.max()
                            + a.amax() + b.var() + b.std() + a.expand(3).sum(), [X(), X(1)]),
    # ---- activations (ops/activation.py)
    "activations": (lambda T, a: _act(T.nn.functional, a), [X(3, 4)]),
    "activations_inplace": (lambda T, a: _act_inplace(T.nn.functional, a), [X(3, 4)]),
    "activation_second_order": (lambda T, a: _second(T, T.nn.functional.gelu(a) * a, a)
                                + _second(T, T.nn.functional.gelu(a, approximate="tanh"), a)
                                + _second(T, _piecewise(T.nn.functional, a) * a, a),
                                [X(3, 4)]),
    "prelu_glu": (lambda T, a, w: T.nn.functional.prelu(a, w) + T.nn.functional.glu(a, 0).sum(),
                  [X(2, 3), X(3)]),
    "activation_second_order_nodes": (
        lambda T, a, w: _second(T, T.nn.functional.elu(a, 0.5) * a, a)
        + _second(T, T.nn.functional.elu(a * 1, inplace=True) * a, a)
        + _second(T, T.nn.functional.hardswish(a * 3) * a, a)
        + _second(T, T.nn.functional.prelu(a, w) * a, a)
        + _second(T, T.nn.functional.logsigmoid(a) * a, a), [X(2, 3), X(3)]),
    "embedding": (lambda T, w, i: _second(T, T.nn.functional.embedding(i, w, 1) ** 2, w) * w,
                  [X(5, 3), idx(5, 2, 4)]),
    "layer_norm": (lambda T, a, w, b: T.nn.functional.layer_norm(a, (3, 4), w, b)
                   + T.nn.functional.layer_norm(a, (4,)), [X(2, 3, 4), X(3, 4), X(3, 4)]),
    "conv2d": (lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, stride=2, padding=1),
               [X(2, 2, 5, 5), X(3, 2, 3, 3), X(3)]),
    "conv_double_backward": (lambda T, x, w: _second(T, T.nn.functional.conv_transpose2d(
        x, w, stride=2) ** 2, w) * w, [X(2, 2, 3, 3), X(2, 3, 2, 2)]),
    "sdpa": (lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                            is_causal=True),
             [X(2, 2, 3, 4), X(2, 2, 3, 4), X(2, 2, 3, 4)]),
    "packed_sequence": (lambda T, a: T.manual_seed(0) and _second(T, T.nn.GRU(2, 2).double()(
        T.nn.utils.rnn.pack_padded_sequence(a, [3, 2]))[0].data ** 2, a) * a,
                        [X(3, 2, 2, dtype="float64")]),
}


# Every op of the op registry (minigrad/ops/registry.py) whose inputs a domain describes: each
# argument a (3, 4) array from that domain, the op called as torch.<name>(...).
_KIND_OF_DOMAIN = {"anywhere": "normal", "nonzero": "positive", "positive": "positive",
                   "unit": "unit", "away_from_integers": "normal"}


def _registered_cases():
    from minigrad.ops.registry import ops_in
    for op in ops_in():
        kind = _KIND_OF_DOMAIN.get(op.domain)
        if op.sample is None and op.differentiable and kind and "function" in op.forms:
            yield f"registry_{op.name}", (lambda T, *xs, _name=op.name: getattr(T, _name)(*xs),
                                          [In((3, 4), kind) for _ in op.args])


CASES.update(_registered_cases())
CASES.update(more_cases(X, U, idx, mask))     # the ops of ops/*_more.py

def numpy_backward_classes():
    """Every minigrad Function subclass that sets (or inherits) ``numpy_backward = True``,
    but for shared bases such as ``_Amax`` (a leading underscore and subclasses of their own),
    which are never nodes themselves."""
    seen, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return {c for c in seen if c.numpy_backward and c.__module__.startswith("minigrad.")
            and not (c.__name__.startswith("_") and c.__subclasses__())}


def graph_classes(out):
    """The node classes of out's graph (grad_fn and everything behind it)."""
    seen, stack = set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(n for n, _ in node.next_functions)
    return {type(n) for n in seen}


def _values(name, dtype):
    rng = np.random.default_rng(zlib.crc32(f"{name}/{dtype}".encode()))
    fn, specs = CASES[name]
    return fn, specs, [spec.value(rng, dtype) for spec in specs], rng


def _run(T, fn, specs, values):
    """(output, the inputs that require grad) of the case on library T."""
    tensors = [T.from_numpy(v.copy()) for v in values]
    for t, spec in zip(tensors, specs):
        if spec.grad:
            t.requires_grad_()
    return fn(T, *tensors), [t for t, spec in zip(tensors, specs) if spec.grad]


def _bits(t):
    """Everything the two modes must share: dtype, shape, strides and the exact bytes."""
    a = t.detach().numpy()
    return str(t.dtype), a.shape, t.stride(), np.ascontiguousarray(a).tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_arrays_and_tensors_give_the_same_gradients(name, dtype):
    fn, specs, values, rng = _values(name, dtype)
    out, inputs = _run(minigrad, fn, specs, values)
    g0 = np.asarray(rng.standard_normal(tuple(out.shape)), dtype=out.detach().numpy().dtype)
    on_arrays = minigrad.autograd.grad(out, inputs, grad_outputs=minigrad.from_numpy(g0.copy()))
    out, inputs = _run(minigrad, fn, specs, values)
    on_tensors = minigrad.autograd.grad(out, inputs, grad_outputs=minigrad.from_numpy(g0.copy()),
                                        create_graph=True)
    for i, (a, t) in enumerate(zip(on_arrays, on_tensors)):
        assert _bits(a) == _bits(t), f"input {i}: array mode {a!r} != tensor mode {t!r}"

    out_th, inputs_th = _run(torch, fn, specs, values)
    expected = torch.autograd.grad(out_th, inputs_th, grad_outputs=torch.from_numpy(g0.copy()))
    rtol, atol = TORCH_TOLERANCES[dtype]  # the computation's dtype (a mixed case's float32)
    for a, e in zip(on_arrays, expected):
        assert str(a.dtype) == str(e.dtype)
        np.testing.assert_allclose(a.detach().numpy(), e.numpy(), rtol=rtol, atol=atol)


def test_every_numpy_backward_class_is_exercised():
    reached = set()
    for name in CASES:
        fn, specs, values, _ = _values(name, "float32")
        reached |= graph_classes(_run(minigrad, fn, specs, values)[0])
    missing = sorted(c.__name__ for c in numpy_backward_classes() - reached)
    assert not missing, f"numpy_backward classes without an expression in CASES: {missing}"


def test_float16_broadcast_gradient_sums_like_the_tensor_ops():
    """The engine undoes broadcasting on arrays exactly as Tensor.sum_to_size does (float16
    sums accumulate in float32): array and Tensor modes agree bit for bit, and torch is close."""
    rng = np.random.default_rng(3)
    a0 = rng.random((1, 300)).astype(np.float16)
    b0 = rng.random((200, 1)).astype(np.float16)

    def grads(L, create_graph=False):
        a, b = L.from_numpy(a0.copy()).requires_grad_(), L.from_numpy(b0.copy()).requires_grad_()
        return L.autograd.grad((a * b).sum(), (a, b), create_graph=create_graph)

    for x, y in zip(grads(minigrad), grads(minigrad, create_graph=True)):
        assert _bits(x) == _bits(y)
    for x, e in zip(grads(minigrad), grads(torch)):
        np.testing.assert_allclose(x.detach().numpy().astype(np.float32),
                                   e.numpy().astype(np.float32), rtol=2e-3)
