"""The double backward of batch norm and layer norm (their ``...BackwardBackward0`` nodes).

Both normalise x over ``axes`` (per channel; per row) to h = (x - mean) s, s = 1/√(var + eps),
then scale by w and shift by b, w broadcasting against x (per channel; per feature). Their
first-order gradients for the output gradient g, with P(v) = v - mean(v) - h mean(v h)
(means over ``axes``; P is self-adjoint) and gh = g w:
    grad_x = s P(gh)   (statistics from x)   or   s gh   (fixed statistics: eval mode)
    grad_w = Σ g h     grad_b = Σ g          (sums over the axes w broadcasts along)
For upstream gradients (G_x, G_w, G_b), M values per statistic:
    grad_g = G_b + G_w h + w s P(G_x)          grad_w = Σ s P(G_x) g
    grad_x = s P(V) - s² A h / M,  V = G_w g - s (Σ G_x h / M) gh - s c G_x,
             c = mean(gh h),  A = Σ G_x (gh - mean(gh) - c h)
With fixed statistics P is the identity and grad_x = G_w g s.

Layer norm's double backward is computed as torch computes it (``layer_norm_double_backward``):
from the statistics its forward saved (mean μ and a = 1/√(var + eps), constants: torch drops
the gradients they would pass on), per row of N values, d = x - μ, gh = g w:
    grad_x = d a³ (Σ G_x Σ gh / N - Σ G_x gh + 3 a² Σ gh d Σ G_x d / N) / N
             + (Σ G_x d) a³ / N (Σ gh / N - gh) + (Σ gh d) a³ / N (Σ G_x / N - G_x)
             + G_w-terms:  g G_w a - a Σ g G_w / N - d a³ Σ g G_w d / N
    grad_g = (w a / N)(N G_x - Σ G_x - d a² Σ G_x d) + G_w d a + G_b
    grad_w = Σ_rows g (a / N)(N G_x - Σ G_x - d a² Σ G_x d)
in that order of operations: in float32 the ill-conditioned short rows (two values normalise to
±1) then round as torch's do.
"""
from ..autograd import formulas

__all__ = ["normalization_double_backward", "layer_norm_double_backward"]


def _given(value, fn):
    """fn(value), or None for a gradient that did not arrive."""
    return None if value is None else fn(value)


def _total(terms):
    """The sum of the terms that are not None (None if all are)."""
    terms = [t for t in terms if t is not None]
    total = terms[0] if terms else None
    for t in terms[1:]:
        total = total + t
    return total


def normalization_double_backward(g, x, w, upstream, axes, w_axes, stats, needs):
    """(grad_g, grad_x, grad_w) on Tensors. ``w`` and the upstream (G_x, G_w, G_b) shaped to
    broadcast against x (None where absent); ``stats``: (mean, s, fixed), mean and s computed
    from x on Tensors unless ``fixed`` (eval mode's running statistics); grad_w is summed over
    ``w_axes``."""
    ggx, ggw, ggb = upstream
    mean, s, fixed = stats
    h = (x - mean) * s
    gh = g if w is None else g * w
    count = _count(x, axes)
    project = (lambda v: v if fixed else v - v.mean(axes, keepdim=True)
               - h * (v * h).mean(axes, keepdim=True))
    gg = gx = gw = None
    if needs[0]:
        terms = [_given(ggb, lambda v: formulas.expand(v, tuple(g.shape))),
                 _given(ggw, lambda v: v * h)]
        if ggx is not None:
            p = project(ggx)
            terms.append(s * p if w is None else w * s * p)
        gg = _total(terms)
    if needs[1]:
        if fixed:
            gx = _given(ggw, lambda v: v * g * s)
        elif ggx is not None or ggw is not None:
            c = (gh * h).mean(axes, keepdim=True)
            v = [_given(ggw, lambda v: v * g)]
            if ggx is not None:
                sum_gx_h = (ggx * h).sum(axes, keepdim=True)
                v += [-(s * sum_gx_h / count) * gh, -(s * c) * ggx]
                a = (ggx * (gh - gh.mean(axes, keepdim=True) - c * h)).sum(axes, keepdim=True)
            gx = s * project(_total(v))
            if ggx is not None:
                gx = gx + (-(s * s) * a / count) * h
    if needs[2] and w is not None and ggx is not None:
        gw = s * project(ggx) * g
        gw = gw.sum(w_axes) if w_axes else gw   # (an empty dim list would sum everything)
    return gg, gx, gw


def _count(x, axes):
    n = 1
    for d in axes:
        n *= x.shape[d]
    return n


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
