"""The double backward of batch norm and layer norm (their ``...BackwardBackward0`` nodes),
computed as torch computes them (``batchnorm_double_backward``, ``layer_norm_double_backward``):
closed forms from the statistics the forward saved (mean μ and a = 1/√(var + eps), constants:
torch drops the gradients they would pass on), in torch's order of operations, so that the
ill-conditioned cases (two values normalise to ±1; constant channels) round as torch's do.

Both normalise x over M values per statistic (per channel; per row); d = x - μ. For upstream
gradients (G_x, G_w, G_b) of the first backward's (grad_x, grad_w, grad_b), output gradient g:
    grad_x = d a³ (Σ G_x Σ g / M - Σ G_x g + 3 a² Σ g d Σ G_x d / M) / M
             + (Σ G_x d) a³ / M (Σ g / M - g) + (Σ g d) a³ / M (Σ G_x / M - G_x)
             + G_w (g a - a Σ g / M - d a³ Σ g d / M)
    grad_g = (w a / M)(M G_x - Σ G_x - d a² Σ G_x d) + G_w d a + G_b
    grad_w = Σ g (a / M)(M G_x - Σ G_x - d a² Σ G_x d)
with the weight inside (g → g w) for layer norm, whose w varies along a row, and outside
(w · grad_x) for batch norm. Batch norm in eval mode (the running statistics, fixed):
    grad_x = G_w a g,   grad_g = G_x a w + G_w d a + G_b,   grad_w = Σ G_x g a.
"""
from ..autograd import formulas

__all__ = ["batch_norm_double_backward", "layer_norm_double_backward"]


def _total(terms):
    """The sum of the terms that are not None (None if all are)."""
    terms = [t for t in terms if t is not None]
    total = terms[0] if terms else None
    for t in terms[1:]:
        total = total + t
    return total


def layer_norm_double_backward(g, x, w, upstream, rows, mean, rstd, needs):
    """(grad_g, grad_x, grad_w) on Tensors, for x viewed as ``rows`` rows of N values; ``mean``
    and ``rstd`` (one per row, arrays) are the forward's statistics; w, and the upstream
    (G_x, G_w, G_b) as given (None where absent). The module docstring has the formulas."""
    ggx, ggw, ggb = upstream
    n = x.numel() // rows if rows else 0
    x2, g2 = x.reshape(rows, n), g.reshape(rows, n)
    a = formulas.constant(rstd.reshape(rows, 1).astype(x2._data.dtype, copy=False))
    mu = formulas.constant(mean.reshape(rows, 1).astype(x2._data.dtype, copy=False))
    w2 = None if w is None else w.reshape(1, n)
    gx2 = None if ggx is None else ggx.reshape(rows, n)
    d = x2 - mu
    a2, a3 = a * a, a * a * a
    d_a3 = d * a3

    def row_sum(v):
        return v.sum(1, keepdim=True)

    def first_backward(v, scale):   # (scale a / N)(N v - Σ v - d a² Σ v d): grad_x's formula
        h0 = a / n if scale is None else scale * a / n
        return h0 * (n * v - row_sum(v) - d * a2 * row_sum(v * d))

    gg = gx = gw = None
    if needs[1]:
        terms = []
        if gx2 is not None:
            gh = g2 if w2 is None else g2 * w2
            gh_d, gh_sum = row_sum(gh * d), row_sum(gh)
            gx_sum, gx_d = row_sum(gx2), row_sum(gx2 * d)
            all_sub = (gx_sum * gh_sum / n - row_sum(gx2 * gh)
                       + a2 * gh_d * gx_d * (3.0 / n))
            terms.append(d_a3 * all_sub / n + gx_d * a3 / n * (gh_sum / n - gh)
                         + gh_d * a3 / n * (gx_sum / n - gx2))
        if w2 is not None and ggw is not None:
            gw2 = g2 * ggw.reshape(1, n)
            terms.append(gw2 * a + a * row_sum(gw2) / -n + d_a3 * row_sum(gw2 * d) / -n)
        gx = _total(terms)
        gx = None if gx is None else gx.reshape(x.shape)
    if needs[2] and w is not None and gx2 is not None:
        gw = (g2 * first_backward(gx2, None)).sum(0).reshape(w.shape)
    if needs[0]:
        terms = [None if gx2 is None else first_backward(gx2, w2),
                 None if ggw is None else ggw.reshape(1, n) * d * a,
                 None if ggb is None else ggb.reshape(1, n)]
        gg = _total(terms)
        gg = None if gg is None else formulas.expand(gg, (rows, n)).reshape(x.shape)
    return gg, gx, gw


def _sum_but_channels(v, keepdim=True):
    """torch's sum over every dim but 1, as it sums: dim 0 first, then from the last dim in."""
    r = v.sum(0, keepdim=keepdim)
    for dim in range(r.ndim - 1, 1 if keepdim else 0, -1):
        r = r.sum(dim, keepdim=keepdim)
    return r


def batch_norm_double_backward(g, x, w, upstream, stats, training, eps, needs):
    """(grad_g, grad_x, grad_w) on Tensors for batch norm over (N, C, *S). ``stats``: the saved
    (mean, invstd) in training, else the running (mean, var), per channel (arrays); w and the
    upstream (G_x, G_w, G_b) per channel (None where absent). The module docstring has the
    formulas."""
    ggx, ggw, ggb = upstream
    shape = (1, -1) + (1,) * (x.ndim - 2)
    m = x.numel() // x.shape[1] if x.shape[1] else 0
    if training:
        dtype = x._data.dtype
        mu = formulas.constant(stats[0].astype(dtype, copy=False).reshape(shape))
        a = formulas.constant(stats[1].astype(dtype, copy=False).reshape(shape))
    else:
        mu = formulas.constant(stats[0].reshape(shape))
        a = (formulas.constant(stats[1]) + eps).pow(-0.5).reshape(shape)

    def per_channel(v):
        return formulas.expand(v.reshape(shape), tuple(x.shape))

    w_full = None if w is None else per_channel(w)
    d = x - mu
    a2, a3 = a.pow(2), a.pow(3)
    d_a3 = d * a3
    g_d, g_sum = _sum_but_channels(g * d), _sum_but_channels(g)

    def first_backward(v, scale):   # (scale a / M)(M v - Σ v - d a² Σ v d): grad_x's formula
        h0 = (a if scale is None else scale * a) / m
        return h0 * (m * v - _sum_but_channels(v) - d * a2 * _sum_but_channels(v * d))

    gg = gx = gw = None
    if needs[1]:
        terms = []
        if ggx is not None and training:
            gx_sum, gx_d = _sum_but_channels(ggx), _sum_but_channels(ggx * d)
            all_sub = (gx_sum * g_sum / m - _sum_but_channels(g * ggx)
                       + a2 * g_d * gx_d * (3.0 / m))
            gi = (d_a3 * all_sub / m + gx_d * a3 / m * (g_sum / m - g)
                  + g_d * a3 / m * (gx_sum / m - ggx))
            terms.append(gi if w_full is None else w_full * gi)
        if w is not None and ggw is not None:
            terms.append(per_channel(ggw) * (g * a + a * g_sum / -m + d_a3 * g_d / -m)
                         if training else per_channel(ggw) * a * g)
        gx = _total(terms)
    if needs[2] and w is not None and ggx is not None:
        gw = ggx * first_backward(g, None) if training else ggx * g * a
        gw = _sum_but_channels(gw, keepdim=False)
    if needs[0]:
        terms = []
        if ggx is not None:
            terms.append(first_backward(ggx, w_full) if training else
                         ggx * a if w_full is None else ggx * a * w_full)
        if ggw is not None:
            terms.append(per_channel(ggw) * d * a)
        if ggb is not None:
            terms.append(per_channel(ggb))
        gg = _total(terms)
    return gg, gx, gw
