"""Forward-mode cases of the nn op families with hypothesis-drawn shapes and arguments.

Each ``draw_<family>(data)`` draws one configuration -- sizes, kernel, stride, padding, groups,
modes, flags -- and returns a ``forward_cases.Case`` with the shapes fixed to the drawn ones;
``test_forward_ad_nn`` then draws its inputs and tangents and runs it in both libraries
(``test_forward_ad.check_case``). Only configurations torch accepts are drawn (an output of at
least one element, a reflect pad smaller than the dim...); torch's errors for the others are
tested where the ops are. Values come from ``registry.DOMAINS``; a kink of a drawn activation is
met with probability zero, so finite differences apply everywhere. ``hvp`` variants run forward
over reverse and so reach each op's backward (double-backward) nodes.
"""
import math

from hypothesis import strategies as st

from forward_cases import Case


def _f(lib):
    return lib.nn.functional


def _ints(data, lo, hi, label):
    return data.draw(st.integers(lo, hi), label=label)


def _pick(data, options, label):
    return data.draw(st.sampled_from(options), label=label)


def _shape(data, min_dims=0, max_dims=3, lo=1, hi=4, label="shape"):
    return tuple(data.draw(st.lists(st.integers(lo, hi), min_size=min_dims, max_size=max_dims),
                           label=label))


def _hvp_or_not(data, name, fn, domains, shapes, power=3):
    """The case as it is, or forward over reverse on sum(out ** power) (its backward nodes)."""
    if data.draw(st.booleans(), label="hvp"):
        return Case("hvp_" + name, lambda lib, *xs: (fn(lib, *xs) ** power).sum(), domains,
                    shapes, hvp=True)
    return Case(name, fn, domains, shapes)


# ---- activations --------------------------------------------------------------------------
def _unit_interval(data, label):
    return data.draw(st.floats(0.05, 0.95), label=label)


_ACTIVATION_ARGS = {
    "gelu": lambda d: {"approximate": _pick(d, ["none", "tanh"], "approximate")},
    "silu": lambda d: {}, "mish": lambda d: {}, "selu": lambda d: {}, "relu6": lambda d: {},
    "hardswish": lambda d: {}, "hardsigmoid": lambda d: {}, "logsigmoid": lambda d: {},
    "softsign": lambda d: {}, "tanhshrink": lambda d: {},
    "elu": lambda d: {"alpha": d.draw(st.floats(0.1, 2.0), label="alpha")},
    "celu": lambda d: {"alpha": d.draw(st.floats(0.1, 2.0), label="alpha")},
    "leaky_relu": lambda d: {"negative_slope": _unit_interval(d, "slope")},
    "hardtanh": lambda d: {"min_val": -_unit_interval(d, "low"),
                           "max_val": _unit_interval(d, "high")},
    "softshrink": lambda d: {"lambd": _unit_interval(d, "lambd")},
    "hardshrink": lambda d: {"lambd": _unit_interval(d, "lambd")},
    "softplus": lambda d: {"beta": d.draw(st.floats(0.5, 3.0), label="beta"),
                           "threshold": d.draw(st.floats(0.5, 20.0), label="threshold")},
    "threshold": lambda d: {"threshold": _unit_interval(d, "threshold"),
                            "value": d.draw(st.floats(-2.0, 2.0), label="value")},
}
_HAS_INPLACE = {"elu", "celu", "leaky_relu", "hardtanh", "relu6", "selu", "hardswish", "silu",
                "mish", "threshold"}
_HVP_ACTIVATIONS = {"gelu", "elu", "leaky_relu", "hardtanh", "softshrink", "hardshrink",
                    "hardswish", "logsigmoid", "softplus", "silu", "celu", "threshold"}


def draw_activation(data):
    name = _pick(data, sorted(_ACTIVATION_ARGS), "activation")
    kw = _ACTIVATION_ARGS[name](data)
    shape = _shape(data)
    inplace = name in _HAS_INPLACE and data.draw(st.booleans(), label="inplace")
    if inplace:  # on a copy: the dual itself is a view of a leaf
        kw["inplace"] = True

    def fn(lib, x):
        return getattr(_f(lib), name)(x * 1 if inplace else x, **kw)
    if name in _HVP_ACTIVATIONS and data.draw(st.booleans(), label="hvp"):
        return Case("hvp_" + name, lambda lib, x: (fn(lib, x) * x).sum(), shapes=(shape,),
                    hvp=True)
    return Case(name, fn, shapes=(shape,))


def draw_gated(data):
    """prelu (one weight, or one per channel) and glu (halves along a drawn dim)."""
    if data.draw(st.booleans(), label="prelu"):
        shape = _shape(data, 1, 4)
        channels = shape[1] if len(shape) >= 2 else 1
        n = _pick(data, sorted({1, channels}), "weights")
        fn = lambda lib, x, w: _f(lib).prelu(x, w)  # noqa: E731
        if data.draw(st.booleans(), label="hvp"):
            return Case("hvp_prelu", lambda lib, x, w: (fn(lib, x, w) * x).sum(),
                        ("anywhere",) * 2, (shape, (n,)), hvp=True)
        return Case("prelu", fn, ("anywhere",) * 2, (shape, (n,)))
    shape = list(_shape(data, 1, 3))
    dim = _ints(data, -len(shape), len(shape) - 1, "dim")
    shape[dim] *= 2
    return _hvp_or_not(data, "glu", lambda lib, x: _f(lib).glu(x, dim), ("anywhere",),
                       (tuple(shape),), power=2)


# ---- convolution --------------------------------------------------------------------------
def draw_conv(data):
    nd = _ints(data, 1, 3, "nd")
    transposed = data.draw(st.booleans(), label="transposed")
    groups = _ints(data, 1, 2, "groups")
    c_in, c_out = groups * _ints(data, 1, 2, "in/group"), groups * _ints(data, 1, 2, "out/group")
    kernel = tuple(_ints(data, 1, 3 if nd < 3 else 2, "kernel") for _ in range(nd))
    stride = tuple(_ints(data, 1, 2, "stride") for _ in range(nd))
    dilation = tuple(_ints(data, 1, 2, "dilation") for _ in range(nd))
    padding = tuple(_ints(data, 0, 1, "padding") for _ in range(nd))
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    if transposed:
        spatial = tuple(_ints(data, 1, 3, "size") for _ in range(nd))
        # output_padding below stride or dilation; an output of at least one element
        extra = tuple(_ints(data, 0, max(s, d) - 1, "output_padding")
                      for s, d in zip(stride, dilation))
        padding = tuple(min(p, ((n - 1) * s + r + e - 1) // 2)
                        for p, n, s, r, e in zip(padding, spatial, stride, reach, extra))
        w_shape = (c_in, c_out // groups) + kernel
    else:
        spatial = tuple(r - 2 * p + _ints(data, 0, 2, "extra")
                        for r, p in zip(reach, padding))
        spatial = tuple(max(s, 1) for s in spatial)
        w_shape = (c_out, c_in // groups) + kernel
    x_shape = (_ints(data, 1, 2, "batch"), c_in) + spatial
    bias = data.draw(st.booleans(), label="bias")
    shapes = (x_shape, w_shape) + (((c_out,),) if bias else ())

    def fn(lib, x, w, b=None):
        if transposed:
            return getattr(_f(lib), f"conv_transpose{nd}d")(
                x, w, b, stride=stride, padding=padding, output_padding=extra, groups=groups,
                dilation=dilation)
        return getattr(_f(lib), f"conv{nd}d")(x, w, b, stride=stride, padding=padding,
                                               dilation=dilation, groups=groups)
    name = f"conv{'_transpose' if transposed else ''}{nd}d"
    if data.draw(st.booleans(), label="hvp"):
        # positive inputs: no cancellation in the float32 sums of the gradient
        return Case("hvp_" + name, lambda lib, *xs: (fn(lib, *xs) ** 2).sum(),
                    ("positive",) * len(shapes), shapes, hvp=True)
    return Case(name, fn, ("anywhere",) * len(shapes), shapes)


# ---- pooling ------------------------------------------------------------------------------
def draw_pool(data):
    nd = _ints(data, 1, 3, "nd")
    kind = _pick(data, ["max", "avg", "adaptive_max", "adaptive_avg", "max_unpool"], "kind")
    if kind == "avg" and nd == 1:
        kind = _pick(data, ["avg", "lp"], "avg kind")
    lead = (_ints(data, 1, 2, "batch"), _ints(data, 1, 2, "channels"))
    kernel = tuple(_ints(data, 1, 3, "kernel") for _ in range(nd))
    dilation = tuple(_ints(data, 1, 2, "dilation") for _ in range(nd)) if kind == "max" else \
        (1,) * nd
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    spatial = tuple(r + _ints(data, 0, 2 if nd == 3 else 3, "extra") for r in reach)
    shape = lead + spatial
    stride = tuple(_ints(data, 1, k, "stride") for k in kernel)
    padding = tuple(_ints(data, 0, k // 2, "padding") for k in kernel)
    ceil = data.draw(st.booleans(), label="ceil_mode")
    f = f"{kind}_pool{nd}d"
    if kind == "max":
        kw = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                  ceil_mode=ceil)
    elif kind == "avg":
        kw = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil,
                  count_include_pad=data.draw(st.booleans(), label="count_include_pad"))
        if nd > 1 and data.draw(st.booleans(), label="divisor"):
            kw["divisor_override"] = _ints(data, 1, 5, "divisor_override")
    elif kind == "lp":
        f, kw = "lp_pool1d", dict(norm_type=2.0, kernel_size=kernel[0], stride=stride[0])
    elif kind.startswith("adaptive"):
        kw = dict(output_size=tuple(_ints(data, 1, s + 1, "output_size") for s in spatial))
    else:  # unpool the max pool of non-overlapping windows (no index met twice), the input
        # a whole number of windows (else an index would fall outside the unpooled output)
        shape = lead + tuple(k * _ints(data, 1, 2, "windows") for k in kernel)

        def unpool(lib, x):
            out, idx = getattr(_f(lib), f"max_pool{nd}d")(x, kernel, return_indices=True)
            return getattr(_f(lib), f"max_unpool{nd}d")(out, idx, kernel)
        return Case(f"max_unpool{nd}d", unpool, shapes=(shape,))
    domain = ("positive",) if kind == "lp" else ("anywhere",)
    return _hvp_or_not(data, f, lambda lib, x: getattr(_f(lib), f)(x, **kw), domain, (shape,))


# ---- padding, upsampling, rearranging -----------------------------------------------------
def draw_pad(data):
    nd = _ints(data, 1, 3, "nd")
    mode = _pick(data, ["constant", "reflect", "replicate", "circular"], "mode")
    spatial = tuple(_ints(data, 2, 4, "size") for _ in range(nd))
    shape = (_ints(data, 1, 2, "batch"), _ints(data, 1, 2, "channels")) + spatial
    pad = []
    for size in reversed(spatial):  # last dim first, as F.pad reads them
        top = size - 1 if mode in ("reflect", "circular") else 3
        pad += [_ints(data, 0, top, "pad"), _ints(data, 0, top, "pad")]
    kw = {"value": data.draw(st.floats(-2, 2), label="value")} if mode == "constant" else {}
    return _hvp_or_not(data, f"pad_{mode}_{nd}d",
                       lambda lib, x: _f(lib).pad(x, tuple(pad), mode=mode, **kw),
                       ("anywhere",), (shape,))


_UPSAMPLE_MODES = {1: ["nearest", "nearest-exact", "linear"],
                   2: ["nearest", "nearest-exact", "bilinear", "bicubic"],
                   3: ["nearest", "nearest-exact", "trilinear"]}


def draw_upsample(data):
    nd = _ints(data, 1, 3, "nd")
    if nd < 3 and data.draw(st.booleans(), label="shuffle"):
        r = _ints(data, 1, 3, "factor")
        if data.draw(st.booleans(), label="unshuffle"):
            shape = (_ints(data, 1, 2, "batch"), _ints(data, 1, 2, "channels"),
                     r * _ints(data, 1, 2, "h"), r * _ints(data, 1, 2, "w"))
            return Case("pixel_unshuffle", lambda lib, x: _f(lib).pixel_unshuffle(x, r),
                        shapes=(shape,))
        shape = (_ints(data, 1, 2, "batch"), r * r * _ints(data, 1, 2, "channels"),
                 _ints(data, 1, 3, "h"), _ints(data, 1, 3, "w"))
        return Case("pixel_shuffle", lambda lib, x: _f(lib).pixel_shuffle(x, r),
                    shapes=(shape,))
    mode = _pick(data, _UPSAMPLE_MODES[nd], "mode")
    spatial = tuple(_ints(data, 1, 4 if nd < 3 else 3, "size") for _ in range(nd))
    shape = (_ints(data, 1, 2, "batch"), _ints(data, 1, 2, "channels")) + spatial
    if data.draw(st.booleans(), label="by size"):
        kw = {"size": tuple(_ints(data, 1, 6, "out") for _ in range(nd))}
    else:
        kw = {"scale_factor": _pick(data, [0.5, 1.5, 2.0, 3.0], "scale")}
        if any(s * kw["scale_factor"] < 1 for s in spatial):
            kw["scale_factor"] = 2.0
    if mode not in ("nearest", "nearest-exact"):
        kw["align_corners"] = data.draw(st.booleans(), label="align_corners")
    return _hvp_or_not(data, f"interpolate_{mode}_{nd}d",
                       lambda lib, x: _f(lib).interpolate(x, mode=mode, **kw),
                       ("anywhere",), (shape,))


def draw_rearrange(data):
    kind = _pick(data, ["roll", "rot90", "unfold", "im2col", "col2im"], "kind")
    if kind in ("roll", "rot90"):
        shape = _shape(data, 2, 3)
        dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=2,
                                  max_size=2, unique_by=lambda d: d % len(shape)), label="dims")
        if kind == "roll":
            shifts = tuple(_ints(data, -4, 4, "shift") for _ in dims)
            return Case("roll", lambda lib, x: x.roll(shifts, tuple(dims)), shapes=(shape,))
        k = _ints(data, -3, 4, "k")
        return Case("rot90", lambda lib, x: x.rot90(k, tuple(dims)), shapes=(shape,))
    if kind == "unfold":
        shape = _shape(data, 1, 3)
        dim = _ints(data, 0, len(shape) - 1, "dim")
        size = _ints(data, 1, shape[dim], "size")
        step = _ints(data, 1, 3, "step")
        return Case("unfold", lambda lib, x: x.unfold(dim, size, step), shapes=(shape,))
    kernel = (_ints(data, 1, 2, "kh"), _ints(data, 1, 3, "kw"))
    stride = (_ints(data, 1, 2, "sh"), _ints(data, 1, 2, "sw"))
    padding = (_ints(data, 0, 1, "ph"), _ints(data, 0, 1, "pw"))
    out = tuple(k + _ints(data, 0, 3, "extra") for k in kernel)  # the image's (H, W)
    blocks = 1
    for o, k, s, p in zip(out, kernel, stride, padding):
        blocks *= (o + 2 * p - k) // s + 1
    channels, batch = _ints(data, 1, 2, "channels"), _ints(data, 1, 2, "batch")
    kw = dict(kernel_size=kernel, stride=stride, padding=padding)
    if kind == "im2col":
        return Case("im2col", lambda lib, x: _f(lib).unfold(x, **kw),
                    shapes=((batch, channels) + out,))
    return Case("col2im", lambda lib, x: _f(lib).fold(x, out, **kw),
                shapes=((batch, channels * kernel[0] * kernel[1], blocks),))


# ---- normalisation ------------------------------------------------------------------------
def draw_norm(data):
    kind = _pick(data, ["batch_norm", "group_norm", "layer_norm", "instance_norm"], "kind")
    affine = data.draw(st.booleans(), label="affine")
    eps = _pick(data, [1e-5, 1e-3, 0.1], "eps")
    # at least 3 values in each normalized group: with 1 or 2 the output is constant (0, or
    # +-1), whose derivatives are rounding noise -- the float32 ones especially
    if kind == "layer_norm":
        shape = _shape(data, 1, 3, lo=3, hi=4)
        normalized = shape[len(shape) - _ints(data, 1, len(shape), "normalized dims"):]
        shapes = (shape,) + ((normalized,) * 2 if affine else ())

        def fn(lib, x, *wb):
            return _f(lib).layer_norm(x, normalized, *wb, eps=eps)
        return _hvp_or_not(data, kind, fn, ("anywhere",) * len(shapes), shapes)
    groups = _ints(data, 1, 2, "groups")
    per_group = _ints(data, 1, 2, "channels/group")
    channels = groups * per_group
    spatial = _shape(data, 0, 2, hi=3)
    batch = _ints(data, 1, 3, "batch")
    values = math.prod(spatial) * (per_group if kind == "group_norm" else
                                   batch if kind == "batch_norm" else 1)
    if values < 3:
        spatial += (3,)
    shapes = ((batch, channels) + spatial,) + (((channels,),) * 2 if affine else ())
    if kind == "group_norm":
        def fn(lib, x, *wb):
            return _f(lib).group_norm(x, groups, *wb, eps=eps)
    elif kind == "instance_norm":
        def fn(lib, x, *wb):
            return _f(lib).instance_norm(x, None, None, *wb, eps=eps)
    else:
        training = data.draw(st.booleans(), label="training")
        stats = data.draw(st.booleans(), label="running stats") or not training

        def fn(lib, x, *wb):
            mean = var = None
            if stats:
                mean = lib.zeros(channels, dtype=x.dtype) + 0.1
                var = lib.ones(channels, dtype=x.dtype) * 1.5
            return _f(lib).batch_norm(x, mean, var, *wb, training=training, momentum=0.2,
                                      eps=eps)
    return _hvp_or_not(data, kind, fn, ("anywhere",) * len(shapes), shapes)


# ---- attention, embedding, recurrent layers -----------------------------------------------
def draw_attention(data):
    """3-d inputs (a 4-d batch takes torch's fused CPU kernel, which has no forward formula)."""
    batch, heads_e = _ints(data, 1, 2, "batch"), _ints(data, 1, 4, "E")
    target, source, ev = _ints(data, 1, 4, "L"), _ints(data, 1, 4, "S"), _ints(data, 1, 3, "Ev")
    causal = data.draw(st.booleans(), label="is_causal")
    mask = not causal and data.draw(st.booleans(), label="attn_mask")
    scale = data.draw(st.none() | st.floats(0.1, 2.0), label="scale")
    shapes = ((batch, target, heads_e), (batch, source, heads_e), (batch, source, ev))
    shapes += ((target, source),) if mask else ()

    def fn(lib, q, k, v, m=None):
        return _f(lib).scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=causal,
                                                    scale=scale)
    return _hvp_or_not(data, "sdpa", fn, ("anywhere",) * len(shapes), shapes, power=2)


def draw_embedding(data):
    num, dim = _ints(data, 1, 5, "num_embeddings"), _ints(data, 1, 3, "embedding_dim")
    ids = data.draw(st.lists(st.integers(0, num - 1), min_size=1, max_size=6), label="ids")
    padding_idx = data.draw(st.none() | st.integers(-num, num - 1), label="padding_idx")

    def fn(lib, w):
        return _f(lib).embedding(lib.tensor(ids), w, padding_idx=padding_idx)
    return _hvp_or_not(data, "embedding", fn, ("anywhere",), ((num, dim),))


def draw_rnn(data):
    """A float64 RNN, LSTM or GRU (float32's fused LSTM layer has no forward formula in torch)
    over a dual input, padded or packed."""
    kind = _pick(data, ["RNN", "LSTM", "GRU"], "kind")
    size, hidden = _ints(data, 1, 3, "input_size"), _ints(data, 1, 3, "hidden_size")
    layers, bidirectional = _ints(data, 1, 2, "num_layers"), data.draw(st.booleans(), label="bi")
    steps, batch = _ints(data, 1, 3, "steps"), _ints(data, 1, 3, "batch")
    packed = data.draw(st.booleans(), label="packed")
    lengths = sorted(data.draw(st.lists(st.integers(1, steps), min_size=batch, max_size=batch),
                               label="lengths"), reverse=True)
    # packed: the rows still running at each step, stacked (the data of a PackedSequence)
    batch_sizes = [sum(n > t for n in lengths) for t in range(lengths[0])]

    def fn(lib, x):
        lib.manual_seed(0)
        net = getattr(lib.nn, kind)(size, hidden, num_layers=layers,
                                    bidirectional=bidirectional).double()
        x = x.double()
        if packed:
            out, state = net(lib.nn.utils.rnn.PackedSequence(x, lib.tensor(batch_sizes)))
            out = out.data
        else:
            out, state = net(x)
        return (out,) + (state if kind == "LSTM" else (state,))
    shape = (sum(lengths), size) if packed else (steps, batch, size)
    return Case(f"{kind.lower()}{'_packed' if packed else ''}", fn, shapes=(shape,))


FAMILIES = {"activation": draw_activation, "gated": draw_gated, "conv": draw_conv,
            "pool": draw_pool, "pad": draw_pad, "upsample": draw_upsample,
            "rearrange": draw_rearrange, "norm": draw_norm, "attention": draw_attention,
            "embedding": draw_embedding, "rnn": draw_rnn}
