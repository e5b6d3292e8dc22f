"""Forward formulas of the normalisations, and the ops that have none (as in torch).

Batch, group and layer norm are smooth but long to differentiate by hand (the statistics
depend on every input of their group); their JVP is read off their backward formula, which is
written on Tensors and so differentiable (``TRANSPOSED_VJP``: ``t_out = d/du <vjp(u), t_in>``).

Three ops have no forward formula in torch either; forward AD raises torch's error for them
(``unsupported``): the fused CPU attention kernel, ``embedding_bag`` and the fused (float32)
LSTM layer. Each has a route that does support it: the same attention on ordinary ops (which
``F.scaled_dot_product_attention`` takes where the fused kernel does not apply), the LSTM in
float64, ``embedding`` and a reduction for a bag. ``pack_padded_sequence`` raises torch's error
itself: its node, a gather, has the formula below for an RNN's packed output, which torch
supports.
"""
from .forward_formulas import LINEAR, TRANSPOSED_VJP, formula, linear, unsupported

formula("NativeBatchNormBackward0", "(t_x - mean(t_x) - xhat mean(t_x xhat)) invstd w + xhat "
        "t_w + t_b in training (statistics over N and the spatial dims); t_x invstd w + xhat "
        "t_w + t_b in eval  (the VJP, transposed)", TRANSPOSED_VJP)
formula("NativeGroupNormBackward0", "batch norm's training formula, statistics per (sample, "
        "group)  (the VJP, transposed)", TRANSPOSED_VJP)
formula("NativeLayerNormBackward0", "(t_x - mean(t_x) - xhat mean(t_x xhat)) invstd w + xhat "
        "t_w + t_b, statistics over the normalized dims  (the VJP, transposed)", TRANSPOSED_VJP)

unsupported("ScaledDotProductFlashAttentionForCpuBackward0",
            "_scaled_dot_product_flash_attention_for_cpu")
unsupported("EmbeddingBagBackward0", "_embedding_bag")
unsupported("MkldnnRnnLayerBackward0", "mkldnn_rnn_layer")

# ---- packed sequences: gathers and scatters of the rows still running at each step ---------
formula("PackPaddedSequenceBackward0", "t_padded[step_j, row_j] for each packed element j",
        LINEAR)
formula("PadPackedSequence", "t_data at (step_j, row_j), 0 elsewhere (the padding value is a "
        "constant)", linear(zero=(4,)))
formula("NativeBatchNormBackwardBackward0", "batch norm's backward at t_grad, plus its change "
        "with t_input / t_weight  (the VJP, transposed)", TRANSPOSED_VJP)
formula("NativeLayerNormBackwardBackward0", "layer norm's backward at t_grad, plus its change "
        "with t_input / t_weight  (the VJP, transposed)", TRANSPOSED_VJP)
