"""Forward formulas of the spatial ops: convolution, pooling, padding, upsampling, rearranging,
embedding (see ``forward_formulas.py`` for the conventions).

Nearly all of them are linear in their float input -- they move, copy, weigh and add elements
with weights that do not depend on it (``pad``, ``interpolate``, ``avg_pool``, ``unfold``,
``roll``, ``embedding`` in its weight) -- so the tangent is the op itself applied to the tangent
(``LINEAR``): ``t_out = avg_pool2d(t_self, kernel, ...)``. Their backward nodes
(``...BackwardBackward0``) are linear in the gradient they carry. A max pool picks one input per
window: its tangent is ``t_self`` read at the indices it returned. A convolution is linear in
its input and in its weight separately, and affine in its bias.
"""
from .forward_formulas import LINEAR, TRANSPOSED_VJP, formula, linear

_IN_GRAD = linear(which=(0,))   # a backward node: linear in the gradient (argument 0) only


# ---- convolution ------------------------------------------------------------------------------
def _conv(c):
    """conv(t_x, w) + conv(x, t_w) + t_b (one per output channel)."""
    x, w, b, *rest = c.args
    total = None
    for i, (inp, weight) in ((0, (c.raw[0], w)), (1, (x, c.raw[1]))):
        if c.has(i):
            term = c.cls.apply(inp, weight, None, *rest)
            total = term if total is None else total + term
    if c.has(2):
        out = c.out
        bias = c.raw[2].reshape((-1,) + (1,) * (out.ndim - 2))
        total = bias if total is None else total + bias
    return total


formula("ConvolutionBackward0", "conv(t_input, weight) + conv(input, t_weight) + t_bias",
        _conv)
formula("ConvolutionBackwardBackward0", "the convolution's gradient at t_grad, plus its change "
        "with t_input / t_weight  (the VJP, transposed)", TRANSPOSED_VJP)


# ---- pooling ----------------------------------------------------------------------------------
def _max_pool(c):
    """The values' tangent: t_self at the indices the pool returned (within each plane)."""
    from ..ops.pooling import _gather_planes
    from ..func.batching import run_physical
    values, indices = c.out
    nd = c.args[1]
    # (inside a vmap: on the physical tensors, batch dims leading, planes unchanged)
    return run_physical(lambda t, idx: _gather_planes(t, idx, nd), c.t[0], indices), None


for _name in ("MaxPool2DWithIndicesBackward0", "MaxPool3DWithIndicesBackward0",
              "AdaptiveMaxPool2DBackward0", "AdaptiveMaxPool3DBackward0"):
    formula(_name, "t_self[indices] within each plane  (indices: the returned argmax)",
            _max_pool)
formula("MaxPoolScatter", "t_grad added at indices (max pooling's backward: linear in grad)",
        _IN_GRAD)
formula("MaxUnpool2DBackward0", "max_unpool(t_self, indices, output_size)", LINEAR)
formula("MaxUnpool3DBackward0", "max_unpool(t_self, indices, output_size)", LINEAR)
for _nd in (2, 3):
    formula(f"AvgPool{_nd}DBackward0", "avg_pool(t_self, kernel, stride, padding, ...)", LINEAR)
    formula(f"AvgPool{_nd}DBackwardBackward0", "avg_pool_backward(t_grad, ...)", _IN_GRAD)
    formula(f"AdaptiveAvgPool{_nd}DBackward0", "adaptive_avg_pool(t_self, output_size)", LINEAR)
    formula(f"AdaptiveAvgPool{_nd}DBackwardBackward0", "adaptive_avg_pool_backward(t_grad)",
            _IN_GRAD)

# ---- padding and upsampling (the taps maps: see ops/_taps.py) ----------------------------------
formula("ConstantPadNdBackward0", "pad(t_self, pad, value=0)", linear(zero=(2,)))
_TAPS = [f"{kind}Pad{nd}DBackward0" for kind in ("Reflection", "Replication") for nd in (1, 2, 3)]
_TAPS += [f"UpsampleNearest{e}{nd}DBackward0" for e in ("", "Exact") for nd in (1, 2, 3)]
_TAPS += ["UpsampleLinear1DBackward0", "UpsampleBilinear2DBackward0",
          "UpsampleBicubic2DBackward0", "UpsampleTrilinear3DBackward0"]
for _name in _TAPS:
    formula(_name, "the same map of t_self (taps: fixed indices and weights)", LINEAR)
    formula(_name[:-1] + "Backward0", "the transposed map of t_grad (linear in grad)", _IN_GRAD)
formula("PixelShuffleBackward0", "pixel_shuffle(t_self, upscale_factor)", LINEAR)
formula("PixelUnshuffleBackward0", "pixel_unshuffle(t_self, downscale_factor)", LINEAR)

# ---- rearranging ------------------------------------------------------------------------------
formula("RollBackward0", "t_self.roll(shifts, dims)", LINEAR)
formula("Rot90Backward0", "t_self.rot90(k, dims)", LINEAR)
formula("UnfoldBackward0", "t_self.unfold(dimension, size, step)", LINEAR)
formula("Im2ColBackward0", "unfold(t_self, kernel_size, dilation, padding, stride)", LINEAR)
formula("Col2ImBackward0", "fold(t_self, output_size, kernel_size, dilation, padding, stride)",
        LINEAR)

# ---- embedding --------------------------------------------------------------------------------
formula("EmbeddingBackward0", "t_weight[indices]", LINEAR)
formula("EmbeddingDenseBackward0", "t_grad added into the rows at indices (linear in grad)",
        LINEAR)
