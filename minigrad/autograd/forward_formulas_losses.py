"""Forward formulas of the losses with nodes of their own, the distances, bilinear,
channel_shuffle and rrelu (see ``forward_formulas.py`` for the conventions).

The losses are read off their backward formulas (``TRANSPOSED_VJP``); channel_shuffle is a
permutation (``LINEAR``), bilinear's three-way product is linear in each input (the product
rule), and a number added to or subtracted from a tensor (``AddBackward1``) leaves its tangent
as it is. torch has no forward formula for pdist, cdist (either form), the multi-class and
multi-label margin losses or in-place rrelu: forward AD raises torch's error for them.
"""
from .forward_formulas import LINEAR, MULTILINEAR, TRANSPOSED_VJP, formula, linear, unsupported

_NUMBER_IS_CONSTANT = linear(zero=(1,))
formula("AddBackward1", "t_self", _NUMBER_IS_CONSTANT)
formula("SubBackward1", "t_self", _NUMBER_IS_CONSTANT)
formula("ChannelShuffleBackward0", "channel_shuffle(t_self, groups)", LINEAR)
formula("TrilinearBackward0", "t_x1ᵀ W x2 + x1ᵀ t_W x2 + x1ᵀ W t_x2", MULTILINEAR)
for _name, _text in {
        "NormBackward1": "sum(t_self * sign(self) * |self|^(p-1), dim) / result^(p-1)",
        "SmoothL1LossBackward0": "reduce((d / beta where |d| < beta, else sign(d)) * "
                                 "(t_self - t_target))",
        "HuberLossBackward0": "reduce((d where |d| <= delta, else delta sign(d)) * "
                              "(t_self - t_target))",
        "SoftMarginLossBackward0": "reduce(-target sigmoid(-target self) t_self)",
        "RreluWithNoiseBackward0": "t_self * noise (training), t_self where self > 0, else "
                                   "(lower + upper) / 2 * t_self"}.items():
    formula(_name, _text + "  (the VJP, transposed)", TRANSPOSED_VJP)

for _name, _op in (("PdistBackward0", "_pdist_forward"), ("CdistBackward0", "_cdist_forward"),
                   ("EuclideanDistBackward0", "_euclidean_dist"),
                   ("MultiMarginLossBackward0", "multi_margin_loss"),
                   ("MultilabelMarginLossBackward0", "multilabel_margin_loss_forward"),
                   ("RreluWithNoiseBackward1", "rrelu_with_noise_")):
    unsupported(_name, _op)
