"""Forward-mode cases of the nn op families (activations, conv, pooling, normalisation, padding,
upsampling, attention, embedding, rnn, rearranging): the same ``Case`` as ``forward_cases``.

Inputs are drawn as there (``domains`` names a ``registry.DOMAINS`` entry); integer arguments
(indices, lengths) are built inside ``fn``. Kinked activations draw from "nonzero" so that no
input sits on a kink where a finite difference would straddle it.
"""
from forward_cases import Case


def _f(lib):
    return lib.nn.functional


def _act(name, domain="anywhere", **kw):
    return Case(name, lambda lib, x: getattr(_f(lib), name)(x, **kw), (domain,))


def _act_(name, domain="anywhere", **kw):
    """The in-place form, on a copy (the dual itself is a view of a leaf)."""
    return Case(name + "_", lambda lib, x: getattr(_f(lib), name)(x * 1, inplace=True, **kw),
                (domain,))


def _hvp(name, fn, domain="anywhere", shapes="nd"):
    """Forward over reverse: the tangent of the gradient reaches the op's backward node."""
    return Case("hvp_" + name, fn, (domain,), shapes, hvp=True)


def _one(shape):
    return ("anywhere",), (shape,)


IMG = (2, 3, 5, 6)       # (N, C, H, W)
VOL = (1, 2, 4, 3, 5)    # (N, C, D, H, W)
SEQ = (2, 3, 7)          # (N, C, L)

ACTIVATIONS = [
    _act("gelu"), _act("gelu", approximate="tanh"), _act("silu"), _act("mish"),
    _act("elu", "nonzero", alpha=0.7), _act_("elu", "nonzero"), _act("selu", "nonzero"),
    _act("celu", "nonzero", alpha=1.3), _act_("celu", "nonzero", alpha=1.3),
    _act("leaky_relu", "nonzero", negative_slope=0.2), _act_("leaky_relu", "nonzero"),
    _act("hardtanh", "nonzero", min_val=-0.7, max_val=0.8), _act("relu6", "nonzero"),
    _act("hardswish", "nonzero"), _act("hardsigmoid", "nonzero"),
    Case("threshold", lambda lib, x: _f(lib).threshold(x, 0.1, -2.0), ("nonzero",)),
    Case("threshold_", lambda lib, x: _f(lib).threshold(x * 1, 0.1, -2.0, inplace=True),
         ("nonzero",)),
    _act("softshrink", "nonzero", lambd=0.05), _act("hardshrink", "nonzero", lambd=0.05),
    _act("softplus", beta=1.5, threshold=2.0), _act("logsigmoid"),
    Case("prelu", lambda lib, x, w: _f(lib).prelu(x, w), ("nonzero", "anywhere"),
         ((2, 3, 4), (3,))),
    Case("glu", lambda lib, x: _f(lib).glu(x, 1), shapes=((2, 4, 3),)),
    _hvp("gelu", lambda lib, x: (_f(lib).gelu(x) * x).sum()),
    _hvp("leaky_relu", lambda lib, x: (_f(lib).leaky_relu(x, 0.2) * x).sum(), "nonzero"),
    _hvp("hardtanh", lambda lib, x: (_f(lib).hardtanh(x, -0.5, 0.5) * x).sum(), "nonzero"),
    _hvp("softshrink", lambda lib, x: (_f(lib).softshrink(x, 0.05) * x).sum(), "nonzero"),
    _hvp("hardshrink", lambda lib, x: (_f(lib).hardshrink(x, 0.05) * x).sum(), "nonzero"),
]


def _conv(lib, x, w, b, **kw):
    return getattr(_f(lib), f"conv{x.dim() - 2}d")(x, w, b, **kw)


CONV = [
    Case("conv1d", lambda lib, x, w, b: _conv(lib, x, w, b, padding=1, stride=2),
         ("anywhere",) * 3, (SEQ, (4, 3, 3), (4,))),
    Case("conv2d_groups", lambda lib, x, w: _f(lib).conv2d(x, w, None, dilation=(1, 2), groups=3),
         ("anywhere",) * 2, (IMG, (6, 1, 2, 2))),
    Case("conv3d", lambda lib, x, w, b: _conv(lib, x, w, b, padding=(0, 1, 1)),
         ("anywhere",) * 3, (VOL, (3, 2, 2, 2, 2), (3,))),
    Case("conv_transpose2d", lambda lib, x, w, b: _f(lib).conv_transpose2d(
        x, w, b, stride=2, output_padding=1), ("anywhere",) * 3, (IMG, (3, 2, 3, 3), (2,))),
    Case("conv_input_only", lambda lib, x: _f(lib).conv1d(x, lib.ones(2, 3, 2, dtype=x.dtype)),
         *_one(SEQ)),
    # positive inputs: no cancellation in the float32 sums of the gradient
    Case("hvp_conv2d", lambda lib, x, w: (_f(lib).conv2d(x, w, padding=1) ** 2).sum(),
         ("positive",) * 2, (IMG, (2, 3, 3, 3)), hvp=True),
]


def _pool(name, shape, **kw):
    return Case(name, lambda lib, x: getattr(_f(lib), name)(x, **kw), *_one(shape))


def _hvp_of(name, shape, **kw):
    return Case("hvp_" + name, lambda lib, x: (getattr(_f(lib), name)(x, **kw) ** 3).sum(),
                *_one(shape), hvp=True)


POOLING = [
    _pool("max_pool1d", SEQ, kernel_size=3, stride=2, padding=1),
    _pool("max_pool2d", IMG, kernel_size=2, ceil_mode=True),
    _pool("max_pool3d", VOL, kernel_size=2, stride=1, dilation=(1, 1, 2)),
    _pool("avg_pool1d", SEQ, kernel_size=3, padding=1, count_include_pad=False),
    _pool("avg_pool2d", IMG, kernel_size=2, stride=1, divisor_override=3),
    _pool("avg_pool3d", VOL, kernel_size=2, ceil_mode=True),
    _pool("adaptive_avg_pool1d", SEQ, output_size=4),
    _pool("adaptive_avg_pool2d", IMG, output_size=(3, 4)),
    _pool("adaptive_avg_pool3d", VOL, output_size=2),
    _pool("adaptive_max_pool1d", SEQ, output_size=3),
    _pool("adaptive_max_pool2d", IMG, output_size=(2, 4)),
    _pool("adaptive_max_pool3d", VOL, output_size=(2, 2, 3)),
    Case("max_unpool2d", lambda lib, x: _f(lib).max_unpool2d(
        *_f(lib).max_pool2d(x, 2, return_indices=True), 2), *_one(IMG)),
    Case("max_unpool1d", lambda lib, x: _f(lib).max_unpool1d(
        *_f(lib).max_pool1d(x, 2, return_indices=True), 2), *_one(SEQ)),
    Case("max_unpool3d", lambda lib, x: _f(lib).max_unpool3d(
        *_f(lib).max_pool3d(x, 2, return_indices=True), 2), *_one((1, 2, 4, 2, 4))),
    _hvp_of("max_pool2d", IMG, kernel_size=2),
    _hvp_of("max_pool3d", VOL, kernel_size=2),
    _hvp_of("avg_pool2d", IMG, kernel_size=2),
    _hvp_of("avg_pool3d", VOL, kernel_size=2),
    _hvp_of("adaptive_avg_pool2d", IMG, output_size=3),
    _hvp_of("adaptive_avg_pool3d", VOL, output_size=2),
]


def _pad(mode, shape, pad, **kw):
    return Case(f"pad_{mode}_{len(pad) // 2}d",
                lambda lib, x: _f(lib).pad(x, pad, mode=mode, **kw), *_one(shape))


def _hvp_pad(mode, shape, pad):
    return Case(f"hvp_pad_{mode}_{len(pad) // 2}d",
                lambda lib, x: (_f(lib).pad(x, pad, mode=mode) ** 3).sum(), *_one(shape),
                hvp=True)


PADDING = [
    _pad("constant", IMG, (1, 2, 0, 1), value=1.5),
    _pad("reflect", SEQ, (2, 1)), _pad("reflect", IMG, (1, 2, 2, 1)),
    _pad("reflect", VOL, (1, 1, 2, 1, 0, 1)),
    _pad("replicate", SEQ, (2, 1)), _pad("replicate", IMG, (1, 2, 2, 1)),
    _pad("replicate", VOL, (1, 1, 2, 1, 0, 1)),
    *[_hvp_pad(m, s, p) for m in ("reflect", "replicate")
      for s, p in ((SEQ, (2, 1)), (IMG, (1, 1, 1, 1)), (VOL, (1, 0, 1, 1, 0, 1)))],
]


def _up(mode, shape, hvp=False, **kw):
    if hvp:
        return Case(f"hvp_interpolate_{mode}_{len(shape) - 2}d",
                    lambda lib, x: (_f(lib).interpolate(x, mode=mode, **kw) ** 3).sum(),
                    *_one(shape), hvp=True)
    return Case(f"interpolate_{mode}_{len(shape) - 2}d",
                lambda lib, x: _f(lib).interpolate(x, mode=mode, **kw), *_one(shape))


UPSAMPLE = [
    *[_up(m, s, hvp=h, scale_factor=2) for m in ("nearest", "nearest-exact")
      for s in (SEQ, IMG, VOL) for h in (False, True)],
    *[_up(m, s, hvp=h, size=sz, align_corners=ac) for m, s, sz, ac in (
        ("linear", SEQ, 9, False), ("bilinear", IMG, (7, 4), True),
        ("bicubic", IMG, (4, 9), False), ("trilinear", VOL, (5, 4, 3), False))
      for h in (False, True)],
    Case("pixel_shuffle", lambda lib, x: _f(lib).pixel_shuffle(x, 2), *_one((1, 8, 2, 3))),
    Case("pixel_unshuffle", lambda lib, x: _f(lib).pixel_unshuffle(x, 2), *_one((1, 2, 4, 6))),
]

REARRANGE = [
    Case("roll", lambda lib, x: x.roll((1, -2), (0, 2)), *_one((2, 3, 4))),
    Case("rot90", lambda lib, x: x.rot90(1, (1, 2)), *_one((2, 3, 4))),
    Case("unfold", lambda lib, x: x.unfold(1, 3, 2), *_one((2, 7))),
    Case("im2col", lambda lib, x: _f(lib).unfold(x, (2, 3), padding=1, stride=2), *_one(IMG)),
    Case("col2im", lambda lib, x: _f(lib).fold(x, (4, 5), (2, 2)), *_one((2, 12, 12))),
]


def _bn(lib, x, w, b, training):
    mean = lib.zeros(3, dtype=x.dtype) + 0.1
    var = lib.ones(3, dtype=x.dtype) * 1.5
    return _f(lib).batch_norm(x, mean, var, w, b, training=training, momentum=0.2, eps=1e-3)


NORMS = [
    Case("batch_norm_train", lambda lib, x, w, b: _bn(lib, x, w, b, True), ("anywhere",) * 3,
         ((4, 3, 2), (3,), (3,))),
    Case("batch_norm_eval", lambda lib, x, w, b: _bn(lib, x, w, b, False), ("anywhere",) * 3,
         ((4, 3, 2), (3,), (3,))),
    Case("batch_norm_no_affine", lambda lib, x: _f(lib).batch_norm(x, None, None, training=True),
         *_one((4, 3))),
    Case("group_norm", lambda lib, x, w, b: _f(lib).group_norm(x, 2, w, b, eps=1e-3),
         ("anywhere",) * 3, ((2, 4, 3), (4,), (4,))),
    Case("layer_norm", lambda lib, x, w, b: _f(lib).layer_norm(x, (2, 3), w, b, eps=1e-3),
         ("anywhere",) * 3, ((4, 2, 3), (2, 3), (2, 3))),
    Case("layer_norm_no_affine", lambda lib, x: _f(lib).layer_norm(x, (3,)), *_one((2, 3))),
]


def _sdpa(lib, q, k, v, **kw):
    return _f(lib).scaled_dot_product_attention(q, k, v, **kw)


ATTENTION = [
    Case("sdpa", lambda lib, q, k, v: _sdpa(lib, q, k, v), ("anywhere",) * 3,
         ((2, 3, 4), (2, 5, 4), (2, 5, 3))),
    Case("sdpa_causal_scale", lambda lib, q, k, v: _sdpa(lib, q, k, v, is_causal=True, scale=0.3),
         ("anywhere",) * 3, ((2, 4, 3), (2, 4, 3), (2, 4, 3))),
    Case("sdpa_mask", lambda lib, q, k, v, m: _sdpa(lib, q, k, v, attn_mask=m),
         ("anywhere",) * 4, ((2, 3, 4), (2, 5, 4), (2, 5, 3), (3, 5))),
]


def _ids(lib):
    return lib.tensor([[1, 0, 3], [3, 3, 2]])


EMBEDDING = [
    Case("embedding", lambda lib, w: _f(lib).embedding(_ids(lib), w), *_one((4, 3))),
    Case("embedding_padding", lambda lib, w: _f(lib).embedding(_ids(lib), w, padding_idx=0),
         *_one((4, 3))),
    Case("hvp_embedding", lambda lib, w: (_f(lib).embedding(_ids(lib), w) ** 3).sum(),
         *_one((4, 3)), hvp=True),
]


def _lstm(lib, x):
    """In float64: a float32 LSTM runs torch's fused layer, which has no forward formula."""
    lib.manual_seed(0)
    lstm = lib.nn.LSTM(3, 2, batch_first=True).double()
    return lstm(x.double())[0]


def _packed_gru(lib, data):
    """A GRU over a packed batch whose data is the dual (lengths 3 and 1)."""
    lib.manual_seed(0)
    gru = lib.nn.GRU(2, 3).to(data.dtype)
    packed = lib.nn.utils.rnn.PackedSequence(data, lib.tensor([2, 1, 1]))
    out, h = gru(packed)
    return out.data, h


RNN = [
    Case("lstm", _lstm, *_one((2, 4, 3))),
    Case("gru_packed", _packed_gru, *_one((4, 2))),
]

NN_CASES = [*ACTIVATIONS, *CONV, *POOLING, *PADDING, *UPSAMPLE, *REARRANGE, *NORMS, *ATTENTION,
            *EMBEDDING, *RNN]


def _seeded(lib, draw):
    lib.manual_seed(0)
    return draw()


# composite ops: made of ops that have forward formulas and batching rules, nothing of their own
COMPOSITES = [
    _act("softsign"), _act("tanhshrink"), Case("softmin", lambda lib, x: _f(lib).softmin(x, -1),
                                               shapes="nd"),
    Case("instance_norm", lambda lib, x: _f(lib).instance_norm(x), *_one((2, 3, 4))),
    Case("local_response_norm", lambda lib, x: _f(lib).local_response_norm(x, 2),
         ("positive",), ((2, 4, 3),)),
    Case("dropout2d", lambda lib, x: _seeded(lib, lambda: _f(lib).dropout2d(x, 0.4)),
         *_one((2, 3, 2, 2))),
    Case("feature_alpha_dropout", lambda lib, x: _seeded(lib, lambda: _f(lib).feature_alpha_dropout(
        x, 0.3, training=True)), *_one((2, 3, 2))),
    Case("alpha_dropout", lambda lib, x: _seeded(lib, lambda: _f(lib).alpha_dropout(
        x, 0.3, training=True)), *_one((2, 3))),
]
NN_CASES += COMPOSITES

# the double-backward nodes of elu, hardswish, logsigmoid, prelu, batch and layer norm
NN_CASES += [
    _hvp("elu", lambda lib, x: (_f(lib).elu(x, 0.7) * x).sum(), "nonzero"),
    _hvp("hardswish", lambda lib, x: (_f(lib).hardswish(x) * x).sum(), "nonzero"),
    _hvp("logsigmoid", lambda lib, x: (_f(lib).logsigmoid(x) * x).sum()),
    Case("hvp_prelu", lambda lib, x, w: (_f(lib).prelu(x, w) * x).sum(), ("nonzero", "anywhere"),
         ((2, 3, 4), (3,)), hvp=True),
    Case("hvp_batch_norm", lambda lib, x: (_f(lib).batch_norm(x, None, None, training=True)
                                          * x).sum(), *_one((4, 3)), hvp=True),
    Case("hvp_layer_norm", lambda lib, x: (_f(lib).layer_norm(x, (3,)) * x).sum(), *_one((2, 3)),
         hvp=True),
]
