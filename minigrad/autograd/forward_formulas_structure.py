"""Forward formulas of shape, indexing, joining, copying and linear-algebra ops.

Almost all of them are linear in their float inputs: moving, picking, copying or adding
elements. Their tangent is the op itself applied to the tangents (``t_out = t_self.view(shape)``,
``t_out = cat(t_tensors)``); an index, mask or dim stays as it is, and a number written into
the tensor (``fill_``, ``masked_fill(x, m, 2.0)``) has tangent 0. The matrix products are
linear in each factor: one product per factor that has a tangent.
"""
from .forward_formulas import LINEAR, MULTILINEAR, formula, linear
from ..ops.shape import expand, reshape

_VIEWS = {
    "ViewBackward0": "t_self.view(size)",
    "ReshapeAliasBackward0": "t_self.reshape(size)",
    "UnsafeViewBackward0": "t_self.view(size)",
    "AliasBackward0": "t_self",
    "ExpandBackward0": "t_self.expand(size)",
    "RepeatBackward0": "t_self.repeat(repeats)",
    "PermuteBackward0": "t_self.permute(dims)",
    "TBackward0": "t_self.t()",
    "TBackward1": "t_self.t()",
    "TransposeBackward0": "t_self.transpose(dim0, dim1)",
    "TransposeBackward1": "t_self.transpose(dim0, dim1)",
    "SqueezeBackward0": "t_self.squeeze()",
    "SqueezeBackward1": "t_self.squeeze(dim)",
    "SqueezeBackward2": "t_self.squeeze(dims)",
    "SqueezeBackward3": "t_self.squeeze()",
    "SqueezeBackward4": "t_self.squeeze(dim)",
    "SqueezeBackward5": "t_self.squeeze(dims)",
    "UnsqueezeBackward0": "t_self.unsqueeze(dim)",
    "UnsqueezeBackward1": "t_self.unsqueeze(dim)",
    "FlipBackward0": "t_self.flip(dims)",
    "AsStridedBackward0": "t_self.as_strided(size, stride)",
    "AsStridedScatterBackward0": "as_strided_scatter(t_self, t_src, size, stride)",
    "DiagonalBackward0": "t_self.diagonal(offset, dim1, dim2)",
    "DiagonalBackward0_copy": "t_self.diagonal(offset, dim1, dim2)",
    "DiagonalBackwardBackward0": "diagonal_backward(t_grad, size, offset, dim1, dim2)",
    "DiagEmbedBackward0": "diag_embed(t_self, offset, dim1, dim2)",
    "TraceBackward0": "trace(t_self)",
    "TrilBackward0": "t_self.tril(diagonal)",
    "TriuBackward0": "t_self.triu(diagonal)",
    "CloneBackward0": "t_self.clone()",
    "ToCopyBackward0": "t_self.to(dtype)",
    "ZeroBackward0": "0",
    # indexing: the same index, applied to the tangent
    "IndexBackward0": "t_self[indices]",
    "SelectBackward0": "t_self.select(dim, index)",
    "SliceBackward0": "t_self[start:end:step] along dim",
    "SelectBackwardBackward0": "select_backward(t_grad, size, dim, index)",
    "SliceBackwardBackward0": "slice_backward(t_grad, size, dim, start, end, step)",
    "TakeBackward0": "t_self.take(index)",
    "GatherBackward0": "t_self.gather(dim, index)",
    "IndexSelectBackward0": "t_self.index_select(dim, index)",
    "MaskedSelectBackward0": "t_self.masked_select(mask)",
    "ScatterAddBackward0": "t_self.scatter_add(dim, index, t_src)",
    "IndexAddBackward0": "t_self.index_add(dim, index, t_source, alpha)",
    # joining and splitting
    "CatBackward0": "cat(t_tensors, dim)",
    "StackBackward0": "stack(t_tensors, dim)",
    "SplitBackward0": "t_self.split(split_size, dim)",
    "SplitWithSizesBackward0": "t_self.split(split_sizes, dim)",
    "UnbindBackward0": "t_self.unbind(dim)",
}


def _reshaped(c):
    """A view's tangent: the tangent viewed alike -- or reshaped (a copy) where the tangent's
    strides do not allow that view although the primal's do (an expanded tangent)."""
    return reshape(c.t[0], c.args[1])


def _expanded(c):
    """An expand's tangent: a view of the tangent that can be written through (0 strides where
    repeated), as the primal's expand is, so that ``zero_()`` on it reaches the base's tangent."""
    return expand(c.t[0], c.args[1])


_RESHAPED = {"ViewBackward0", "ReshapeAliasBackward0", "UnsafeViewBackward0"}
_SPECIAL = dict.fromkeys(_RESHAPED, _reshaped) | {"ExpandBackward0": _expanded}
for _name, _text in _VIEWS.items():
    formula(_name, _text, _SPECIAL.get(_name, LINEAR))

# a number written into the tensor is a constant: it becomes 0 in the tangent
_WRITES = {
    "FillBackward2": ("0  (every element overwritten by a number)", 1),
    "MaskedFillBackward0": ("t_self.masked_fill(mask, 0)", 2),
    "MaskedFillBackward1": ("t_self.masked_fill(mask, t_value)", 2),
    "IndexFillBackward0": ("t_self.index_fill(dim, index, 0)", 3),
    "ScatterBackward0": ("t_self.scatter(dim, index, t_src)", 3),
    "ScatterBackward1": ("t_self.scatter(dim, index, 0)", 3),
    "IndexPutBackward0": ("t_self.index_put(indices, t_values, accumulate)", 2),
    "CopySlices": ("t_self with t_src written into the region (0 for a number)", 2),
    "CopyBackwards": ("t_src (broadcast into self's shape)", 2),
    "FillBackward3": ("t_self with the region filled with t_value (0 for a number)", 2),
}
for _name, (_text, _value_at) in _WRITES.items():
    formula(_name, _text, linear(zero=(_value_at,)))

# ---- products ---------------------------------------------------------------------------------
for _name, _text in (("MmBackward0", "t_self @ mat2 + self @ t_mat2"),
                     ("BmmBackward0", "t_self @ mat2 + self @ t_mat2"),
                     ("MvBackward0", "t_self @ vec + self @ t_vec"),
                     ("DotBackward0", "dot(t_self, tensor) + dot(self, t_tensor)"),
                     ("EinsumBackward0", "sum over operands k: einsum(eq, ..., t_k, ...)")):
    formula(_name, _text, MULTILINEAR)


def _addmm(c):
    """beta * t_self + alpha * (t_mat1 @ mat2 + mat1 @ t_mat2)."""
    _, a, b, beta, alpha = c.args
    terms = []
    if c.has(0) and beta != 0:
        terms.append(c.t[0] * beta)
    if c.has(1):
        terms.append(c.t[1].mm(b) * alpha)
    if c.has(2):
        terms.append(a.mm(c.t[2]) * alpha)
    if not terms:  # beta == 0: the bias is ignored, its tangent too
        return c.out.new_zeros(c.out.shape)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


formula("AddmmBackward0", "beta * t_self + alpha * (t_mat1 @ mat2 + mat1 @ t_mat2)", _addmm)
