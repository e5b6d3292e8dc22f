"""Forward formulas of reductions, sorting, softmax, losses and random sampling.

A reduction's tangent is the same reduction of the tangent when it is linear (``sum``,
``mean``, ``cumsum``); an op that picks elements (``max(dim)``, ``sort``, ``topk``) picks the
same elements of the tangent (``gather`` by the indices it returned); an extreme value shared
by several elements reads their tangents' mean, as torch's ``evenly_read_jvp`` does.
"""
from .forward_formulas import LINEAR, TRANSPOSED_VJP, formula, zeros_rule

# ---- linear reductions ------------------------------------------------------------------------
for _name in ("SumBackward0", "SumBackward1", "MeanBackward0", "MeanBackward1"):
    formula(_name, f"{'sum' if _name.startswith('Sum') else 'mean'}(t_self, dim, keepdim)",
            LINEAR)
formula("CumsumBackward0", "cumsum(t_self, dim)", LINEAR)
formula("_ReverseCumsum", "reverse cumsum(t_self, dim)  (cumsum's backward)", LINEAR)


# ---- picking elements -------------------------------------------------------------------------
def _gather_values(t, dim, indices, keepdim):
    """t's elements at ``indices`` along dim (indices without that dim unless keepdim)."""
    if t.ndim == 0:
        return t + 0
    if keepdim:
        return t.gather(dim, indices)
    return t.gather(dim, indices.unsqueeze(dim)).squeeze(dim)


def _picked(dim_at, keepdim_at):
    """(values, indices) ops: the values' tangent is t_self gathered at the indices."""
    def rule(c):
        keepdim = True if keepdim_at is None else c.args[keepdim_at]
        values, indices = c.out
        return _gather_values(c.t[0], c.args[dim_at], indices, keepdim), None
    return rule


_GATHER = "gather(t_self, dim, indices)"
formula("MaxBackward0", _GATHER, _picked(1, 2))
formula("MinBackward0", _GATHER, _picked(1, 2))
formula("MedianBackward1", _GATHER, _picked(1, 2))
formula("KthvalueBackward0", _GATHER, _picked(2, 3))
formula("SortBackward0", _GATHER, _picked(1, None))
formula("SortBackward1", _GATHER, _picked(1, None))
formula("TopkBackward0", _GATHER, _picked(2, None))
formula("ModeBackward0", _GATHER, _picked(1, 2))
formula("CummaxBackward0", _GATHER, _picked(1, None))
formula("CumminBackward0", _GATHER, _picked(1, None))


def _kept(out, x, dims, keepdim):
    """out (reduced over dims) reshaped to keep those dims as size 1."""
    if keepdim:
        return out
    shape = [1 if d in dims else n for d, n in enumerate(x.shape)]
    return out.reshape(shape)


def _evenly_read(c, dims=None, keepdim=False):
    """The mean of t_self over the elements equal to the result (ties share it)."""
    x = c.args[0]
    dims = tuple(range(x.ndim)) if dims is None else dims
    mask = x == _kept(c.out, x, dims, keepdim)
    picked = (c.t[0] * mask).sum(dims, keepdim=keepdim) if dims else c.t[0] * mask
    count = mask.sum(dims, keepdim=keepdim) if dims else mask
    return picked / count


_EVENLY = "mean of t_self where self == result"
formula("MaxBackward1", _EVENLY, _evenly_read)
formula("MinBackward1", _EVENLY, _evenly_read)
formula("MedianBackward0", _EVENLY, _evenly_read)
formula("AmaxBackward0", _EVENLY + " (over dim)", lambda c: _evenly_read(c, *c.args[1:3]))
formula("AminBackward0", _EVENLY + " (over dim)", lambda c: _evenly_read(c, *c.args[1:3]))


def _logsumexp(c):
    x, dims, keepdim = c.args
    weights = (x - _kept(c.out, x, dims, keepdim)).exp()
    return (c.t[0] * weights).sum(dims, keepdim=keepdim) if dims else c.t[0] * weights


formula("LogsumexpBackward0", "sum(t_self * exp(self - result), dim, keepdim)", _logsumexp)

def _logcumsumexp(c):
    """torch's form: cumsum(exp(self - m) t) / (cumsum(exp(self - m)) + 1e-13), m the max over
    dim (the 1e-13 keeps an all-underflowed prefix finite; it shows where that sum is small)."""
    x, dim = c.args[0], c.args[1]
    shift = x.detach().amax(dim, keepdim=True) if x.numel() else 0
    weights = (x - shift).exp()
    return (weights * c.t[0]).cumsum(dim) / (weights.cumsum(dim) + 1e-13)


formula("LogcumsumexpBackward0",
        "cumsum(exp(self - m) t_self, dim) / (cumsum(exp(self - m), dim) + 1e-13)",
        _logcumsumexp)

# ---- softmax ----------------------------------------------------------------------------------
formula("SoftmaxBackward0", "result * (t_self - sum(result * t_self, dim))",
        lambda c: c.out * (c.t[0] - (c.out * c.t[0]).sum(c.args[1], keepdim=True)))
formula("LogSoftmaxBackward0", "t_self - sum(exp(result) * t_self, dim)",
        lambda c: c.t[0] - (c.out.exp() * c.t[0]).sum(c.args[1], keepdim=True))

# ---- read off the backward formula (d/du <vjp(u), t>) -----------------------------------------
_TRANSPOSED = {
    "ProdBackward0": "sum(t_self * prod_backward(1))  (the VJP, transposed)",
    "ProdBackward1": "sum(t_self * prod_backward(1), dim)  (the VJP, transposed)",
    "CumprodBackward0": "d/du <cumprod_backward(u), t_self>  (the VJP, transposed)",
    "LinalgVectorNormBackward0": "sum(t_self * sign(self) * |self|^(p-1), dim) / result^(p-1)  "
                                 "(the VJP, transposed)",
    "VarBackward0": "sum(2 * (self - mean) * t_self, dim) / (N - correction)  (the VJP, "
                    "transposed)",
    "StdBackward0": "var's tangent / (2 * result)  (the VJP, transposed)",
    "VarMeanBackward0": "(var's tangent, mean(t_self, dim))  (the VJP, transposed)",
    "StdMeanBackward0": "(std's tangent, mean(t_self, dim))  (the VJP, transposed)",
    "MseLossBackward0": "reduce(2 * (self - target) * (t_self - t_target))  (the VJP, "
                        "transposed)",
    "BinaryCrossEntropyBackward0": "reduce(weight * ((self - target) / (self * (1 - self)) * "
                                   "t_self + log((1 - self) / self) * t_target))  (the VJP, "
                                   "transposed)",
    "BinaryCrossEntropyWithLogitsBackward0": "reduce(weight * ((sigmoid-weighted) self_t - "
                                             "self * t_target))  (the VJP, transposed)",
    "NllLossBackward0": "-reduce(weight[target] * t_self[target])  (the VJP, transposed)",
    "NllLoss2DBackward0": "-reduce(weight[target] * t_self[target])  (the VJP, transposed)",
    "ScatterReduceBackward0": "the reduction's tangent at each target  (the VJP, transposed)",
}
for _name, _text in _TRANSPOSED.items():
    formula(_name, _text, TRANSPOSED_VJP)

# ---- random sampling: the sample's tangent is zero, as its gradient is ------------------------
for _name in ("BernoulliBackward0", "NormalBackward1", "NormalBackward2", "NormalBackward3"):
    formula(_name, "0  (a random sample)", zeros_rule)
