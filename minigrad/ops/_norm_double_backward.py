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
"""
from ..autograd import formulas

__all__ = ["normalization_double_backward"]


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
