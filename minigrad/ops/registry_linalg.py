"""Registry declarations of the matrix ops (``ops/linalg.py``), softmax, the arithmetic and
comparison ops outside the elementwise tables, and the ``nn.functional`` losses and layers
written in ``nn/functional.py``.

As in ``registry_shape.py``: ops written before the registry, declared here; each ``case`` is
one call tested against torch by ``tests/test_registry.py``.
"""
from . import arithmetic, clamp, comparison, conv, linalg, softmax
from ..nn import functional as F
from .registry import arr, case, cases, declare, idx

_FM = ("function", "method")
_FMI = ("function", "method", "inplace")

# ---- matrix products -----------------------------------------------------------------------------
declare("matmul", linalg.matmul, forms=_FM, args=("input", "other"), family="linalg",
        nodes=("MmBackward0", "DotBackward0", "MvBackward0", "SqueezeBackward4",
               "UnsafeViewBackward0", "BmmBackward0", "ViewBackward0", "ExpandBackward0"),
        sample=cases(case(arr(2, 3), arr(3, 4)), case(arr(3), arr(3)), case(arr(2, 3), arr(3)),
                     case(arr(3), arr(3, 2)), case(arr(2, 2, 3), arr(3, 4)),
                     case(arr(2, 2, 3), arr(2, 3, 2))))
declare("mm", linalg.mm, nodes=("MmBackward0",), forms=_FM, args=("input", "mat2"),
        family="linalg", sample=cases(case(arr(2, 3), arr(3, 4))))
declare("bmm", linalg.bmm, nodes=("BmmBackward0",), forms=_FM, args=("input", "mat2"),
        family="linalg", sample=cases(case(arr(2, 2, 3), arr(2, 3, 4))))
declare("mv", linalg.mv, nodes=("MvBackward0",), forms=_FM, args=("input", "vec"),
        family="linalg", sample=cases(case(arr(2, 3), arr(3))))
declare("dot", linalg.dot, nodes=("DotBackward0",), forms=_FM, args=("input", "other"),
        family="linalg", sample=cases(case(arr(4), arr(4))))
declare("outer", linalg.outer, nodes=("MulBackward0",), forms=_FM, aliases=("ger",),
        args=("input", "vec2"), family="linalg", sample=cases(case(arr(3), arr(2))))
declare("addmm", linalg.addmm, nodes=("AddmmBackward0",), forms=_FM,
        args=("input", "mat1", "mat2"), family="linalg",
        sample=cases(case(arr(2, 4), arr(2, 3), arr(3, 4)),
                     case(arr(4), arr(2, 3), arr(3, 4), beta=0.5, alpha=2.0)))
declare("einsum", linalg.einsum, forms=("function",), args=("equation", "operands"),
        nodes=("EinsumBackward0",), family="linalg",
        node_gap="one EinsumBackward0 node here; torch records the permute/bmm/view/sum nodes "
                 "it builds einsum from",
        sample=cases(case("ij,jk->ik", arr(2, 3), arr(3, 4)), case("ii->i", arr(3, 3)),
                     case("bij,bjk->bik", arr(2, 2, 3), arr(2, 3, 2)), case("i,i", arr(3), arr(3)),
                     case("ij->", arr(2, 3))))

# ---- diagonals and triangles ---------------------------------------------------------------------
declare("diag", linalg.diag, nodes=("DiagEmbedBackward0", "DiagonalBackward0_copy"), forms=_FM,
        args=("input", "diagonal"), family="linalg",
        sample=cases(case(arr(3)), case(arr(3), 1), case(arr(3, 4)), case(arr(3, 4), -1)))
declare("diagonal", linalg.diagonal, nodes=("DiagonalBackward0",), forms=_FM,
        args=("input", "offset", "dim1", "dim2"), family="linalg",
        sample=cases(case(arr(3, 4)), case(arr(2, 3, 4), 1, 1, 2), case(arr(3, 3), -1)))
declare("diag_embed", linalg.diag_embed, nodes=("DiagEmbedBackward0",), forms=_FM,
        args=("input", "offset", "dim1", "dim2"), family="linalg",
        sample=cases(case(arr(2, 3)), case(arr(2, 3), 1, 0, 2)))
declare("trace", linalg.trace, nodes=("TraceBackward0",), forms=_FM, family="linalg",
        sample=cases(case(arr(3, 3)), case(arr(2, 4))))
declare("tril", linalg.tril, nodes=("TrilBackward0",), forms=_FMI, args=("input", "diagonal"),
        family="linalg", sample=cases(case(arr(3, 4)), case(arr(2, 3, 3), -1)))
declare("triu", linalg.triu, nodes=("TriuBackward0",), forms=_FMI, args=("input", "diagonal"),
        family="linalg", sample=cases(case(arr(3, 4)), case(arr(2, 3, 3), 1)))

# ---- softmax -------------------------------------------------------------------------------------
_SOFTMAX_CASES = cases(case(arr(3, 4), 1), case(arr(3, 4), 0), case(arr(2, 3, 2), dim=-1))
declare("softmax", softmax.softmax, nodes=("SoftmaxBackward0",),
        forms=("function", "method", "functional"), args=("input", "dim"), family="softmax",
        sample=_SOFTMAX_CASES)
declare("log_softmax", softmax.log_softmax, nodes=("LogSoftmaxBackward0",),
        forms=("function", "method", "functional"), args=("input", "dim"), family="softmax",
        sample=_SOFTMAX_CASES)

# ---- arithmetic and comparisons outside the elementwise tables -----------------------------------
declare("rsub", arithmetic.rsub, nodes=("RsubBackward0", "RsubBackward1"), forms=("function",),
        args=("input", "other", "alpha"), family="binary",
        sample=cases(case(arr(2, 3), arr(3)), case(arr(2, 3), 2.0, alpha=3), case(arr(3), 1.5)))
declare("floor_divide", arithmetic.floor_divide, forms=_FMI, args=("input", "other"),
        family="binary", differentiable=False,
        sample=cases(case(arr(2, 3), arr(2, 3, domain="nonzero")), case(arr(3), 0.7)))
declare("clamp_min", clamp.clamp_min, nodes=("ClampMinBackward0", "ClampMinBackward1"),
        forms=_FMI, args=("input", "min"), family="binary",
        sample=cases(case(arr(2, 3), 0.1), case(arr(2, 3), arr(3))))
declare("clamp_max", clamp.clamp_max, nodes=("ClampMaxBackward0", "ClampMaxBackward1"),
        forms=_FMI, args=("input", "max"), family="binary",
        sample=cases(case(arr(2, 3), 0.1), case(arr(2, 3), arr(3))))
_CLOSE_CASES = cases(case(arr(2, 3), arr(2, 3)), case(arr(3), arr(3), atol=2.0),
                     case(arr(2, 3), arr(3), rtol=0.5, atol=0.5))
declare("isclose", comparison.isclose, forms=_FM, args=("input", "other"), family="comparison",
        differentiable=False, sample=_CLOSE_CASES)
declare("allclose", comparison.allclose, forms=_FM, args=("input", "other"), family="comparison",
        differentiable=False, sample=_CLOSE_CASES)
declare("equal", comparison.equal, forms=_FM, args=("input", "other"), family="comparison",
        differentiable=False, sample=cases(case(arr(2, 3), arr(2, 3)), case(arr(3), arr(2))))

# ---- convolution (under conv1d..conv_transpose3d) and the nn.functional layers and losses -------
declare("convolution", conv.convolution, nodes=("ConvolutionBackward0",), forms=("function",),
        args=("input", "weight", "bias", "stride", "padding", "dilation", "transposed",
              "output_padding", "groups"), family="convolution", dtypes=("float64",),
        sample=cases(case(arr(2, 2, 5), arr(3, 2, 2), arr(3), (1,), (0,), (1,), False, (0,), 1),
                     case(arr(1, 2, 4, 4), arr(2, 1, 3, 3), None, (2, 1), (1, 1), (1, 1), True,
                          (1, 0), 1)))
declare("linear", F.linear, nodes=("AddmmBackward0", "MmBackward0", "ViewBackward0",
                                   "UnsafeViewBackward0", "AddBackward0"),
        forms=("functional",), args=("input", "weight", "bias"), family="layer",
        sample=cases(case(arr(4, 3), arr(2, 3), arr(2)), case(arr(4, 3), arr(2, 3)),
                     case(arr(2, 4, 3), arr(2, 3), arr(2))))
_LOSS_CASES = cases(case(arr(3, 4), arr(3, 4)), case(arr(5), arr(5), reduction="sum"),
                    case(arr(2, 3), arr(2, 3), reduction="none"))
declare("mse_loss", F.mse_loss, nodes=("MseLossBackward0",), forms=("functional",),
        args=("input", "target"), family="loss", sample=_LOSS_CASES)
declare("l1_loss", F.l1_loss, nodes=("MeanBackward0", "SumBackward0", "AbsBackward0"),
        forms=("functional",), args=("input", "target"), family="loss", sample=_LOSS_CASES)
declare("nll_loss", F.nll_loss, nodes=("NllLossBackward0", "NllLoss2DBackward0"),
        forms=("functional",), args=("input", "target"), family="loss",
        sample=cases(case(arr(4, 3), idx(3, 4)), case(arr(4, 3), idx(3, 4), reduction="sum"),
                     case(arr(2, 3, 5), idx(3, 2, 5), ignore_index=1)))
declare("cross_entropy", F.cross_entropy, nodes=("NllLossBackward0", "NegBackward0",
                                                 "DivBackward0", "AddBackward0"),
        node_gap="class-probability targets, mean: torch divides by the batch size with its "
                 "Scalar overload (DivBackward1), minigrad with a tensor (DivBackward0)",
        forms=("functional",), args=("input", "target"), family="loss",
        sample=cases(case(arr(4, 3), idx(3, 4)), case(arr(4, 3), arr(4, 3, domain="positive")),
                     case(arr(4, 3), idx(3, 4), label_smoothing=0.1, reduction="sum")))
declare("binary_cross_entropy", F.binary_cross_entropy, forms=("functional",),
        nodes=("BinaryCrossEntropyBackward0",), args=("input", "target"), family="loss",
        sample=cases(case(arr(3, 4, domain="probability"), arr(3, 4, domain="probability")),
                     case(arr(5, domain="probability"), arr(5, domain="probability"),
                          reduction="sum")))
declare("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits,
        nodes=("BinaryCrossEntropyWithLogitsBackward0",), forms=("functional",),
        args=("input", "target"), family="loss",
        sample=cases(case(arr(3, 4), arr(3, 4, domain="probability")),
                     case(arr(5), arr(5, domain="probability"), reduction="none")))
declare("one_hot", F.one_hot, forms=("functional",), args=("tensor", "num_classes"),
        family="layer", differentiable=False,
        sample=cases(case(idx(4, 5)), case(idx(3, 2, 3), 5)))
declare("multi_head_attention_forward", F.multi_head_attention_forward, forms=("functional",),
        nodes=("ViewBackward0", "TransposeBackward0", "SqueezeBackward1", "MeanBackward1"),
        args=("query", "key", "value", "embed_dim_to_check", "num_heads", "in_proj_weight",
              "in_proj_bias", "bias_k", "bias_v", "add_zero_attn", "dropout_p",
              "out_proj_weight", "out_proj_bias"), family="attention", dtypes=("float64",),
        sample=cases(case(arr(3, 2, 4), arr(5, 2, 4), arr(5, 2, 4), 4, 2, arr(12, 4), arr(12),
                          None, None, False, 0.0, arr(4, 4), arr(4)),
                     case(arr(3, 4), arr(3, 4), arr(3, 4), 4, 1, arr(12, 4), None, None, None,
                          False, 0.0, arr(4, 4), None, need_weights=False)))
