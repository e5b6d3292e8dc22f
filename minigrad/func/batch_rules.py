"""Batching rules: how each op runs once on a whole batch (see ``batching.py``).

A rule gets the op's Function class, its arguments (batched ones included) and the vmap levels
in play, and returns the *physical* result: a Tensor with one leading dim per level, then the
logical dims. Each rule is the op itself on the physical tensors, with the batch dims kept out
of the op's way:

* pointwise ops: operands aligned (a dim per level, logical dims padded to the same rank) so
  that NumPy broadcasting pairs example with example: ``mul(A, B)``;
* ops along dims: every dim shifted past the k batch dims: ``sum(X, dims + k)``;
* whole-tensor reductions: over the logical dims only: ``sum()`` becomes ``sum(X, (k, ...))``;
* shapes: the batch dims prefixed: ``view(X, batch + shape)``, ``X[:, ..., key]``;
* products: ``matmul`` on the physical tensors, which broadcasts over leading dims.

``RULES`` maps a node name to its rule; an op missing from it runs once per example
(``batching.loop_fallback``). ``NO_RULE`` lists the differentiable ops in that case (docs/func.md).
"""
import numpy as np

from .. import _tensor
from .batching import align, batch_sizes, is_batched, levels_of, loop_fallback, physical_of
from ..ops import reduction, sorting
from ..ops.linalg import matmul
from ..ops.shape import SqueezeBackward2, TransposeBackward0, reshape

RULES = {}


def _logical_ndim(a):
    data = a._data if isinstance(a, _tensor.Tensor) else a
    return np.ndim(data)


# ---- pointwise --------------------------------------------------------------------------------
def pointwise(cls, args, levels):
    """Operands aligned for broadcasting; numbers and plain tensors pass as they are."""
    rank = max((_logical_ndim(a) for a in args
                if isinstance(a, (_tensor.Tensor, np.ndarray))), default=0)
    call = []
    for a in args:
        if is_batched(a):
            phys = align(a, levels, rank)
            call.append(phys if isinstance(a, _tensor.Tensor) else phys._data)
        else:
            call.append(a)
    out = cls.apply(*call)
    # a batched 0-dim example is dimensioned physically: the promotion may need its logical view
    zero_dim = any(is_batched(a) and _logical_ndim(a) == 0 for a in args)
    return _logical_dtype(out, args, call) if rank == 0 or zero_dim else out


def _promoted(operands):
    from .._dtype import promote_values
    return promote_values(*[a._data if isinstance(a, _tensor.Tensor) else a for a in operands
                            if isinstance(a, (_tensor.Tensor, np.ndarray, bool, int, float))])


def _logical_dtype(out, args, call):
    """0-dim operands weigh less in torch's type promotion than dimensioned ones; batched, a
    0-dim example is dimensioned physically (float32 batch * float64 0-dim -> float32). An op
    whose result followed the physical promotion takes the one its examples would give."""
    if not isinstance(out, _tensor.Tensor) or out._data.dtype.kind != "f":
        return out
    physical, logical = _promoted(call), _promoted(args)
    if out._data.dtype != physical or logical is None or logical.kind != "f" \
            or logical == physical:
        return out
    from .._dtype import from_numpy_dtype
    from ..ops.conversion import to_dtype
    return to_dtype(out, from_numpy_dtype(logical))


_POINTWISE = (
    "AbsBackward0 AcosBackward0 AddBackward0 AsinBackward0 Atan2Backward0 AtanBackward0 "
    "CeilBackward0 ClampBackward0 ClampBackward1 ClampMaxBackward0 ClampMaxBackward1 "
    "ClampMinBackward0 ClampMinBackward1 CosBackward0 CoshBackward0 DivBackward0 DivBackward2 "
    "ErfBackward0 Exp2Backward0 ExpBackward0 Expm1Backward0 FloorBackward0 FmaxBackward0 "
    "FminBackward0 FmodBackward0 FmodBackward1 FracBackward0 LerpBackward0 LerpBackward1 "
    "Log10Backward0 Log1PBackward0 Log2Backward0 LogBackward0 MaximumBackward0 "
    "MinimumBackward0 MulBackward0 NegBackward0 PowBackward0 PowBackward1 PowBackward2 "
    "ReciprocalBackward0 ReluBackward0 RemainderBackward0 RemainderBackward1 RoundBackward0 "
    "RoundBackward1 RsqrtBackward0 RsubBackward0 RsubBackward1 SigmoidBackward0 SignBackward0 "
    "SinBackward0 SinhBackward0 SqrtBackward0 SubBackward0 TanBackward0 TanhBackward0 "
    "ThresholdBackwardBackward0 TruncBackward0 WhereBackward0 CloneBackward0 ToCopyBackward0 "
    "AliasBackward0 ZeroBackward0 FillBackward2 MaskedFillBackward0 MaskedFillBackward1 "
    "TrilBackward0 TriuBackward0 NanToNumBackward0 AsinhBackward0 AcoshBackward0 "
    "AtanhBackward0 LgammaBackward0 DigammaBackward0 PolygammaBackward0 ErfinvBackward0 "
    "XlogyBackward0 XlogyBackward1 XlogyBackward2 CopysignBackward0 CopysignBackward1 "
    "LogaddexpBackward0 Logaddexp2Backward0 HypotBackward0").split()
for _name in _POINTWISE:
    RULES[_name] = pointwise


# ---- ops along dims ---------------------------------------------------------------------------
def _single(args, levels):
    """The one tensor argument (position 0) aligned to levels; and k."""
    return align(args[0], levels), len(levels)


def along(*positions):
    """A rule shifting the dim arguments at ``positions`` (an int or a tuple of ints) by k."""
    def rule(cls, args, levels):
        x, k = _single(args, levels)
        call = [x, *args[1:]]
        for p in positions:
            d = call[p]
            call[p] = tuple(i + k for i in d) if isinstance(d, (tuple, list)) else d + k
        return cls.apply(*call)
    return rule


_ALONG = {
    "SumBackward1": (1,), "MeanBackward1": (1,), "AmaxBackward0": (1,), "AminBackward0": (1,),
    "LogsumexpBackward0": (1,), "LinalgVectorNormBackward0": (2,), "ProdBackward1": (1,),
    "CumsumBackward0": (1,), "CumprodBackward0": (1,), "_ReverseCumsum": (1,),
    "SoftmaxBackward0": (1,), "LogSoftmaxBackward0": (1,), "MaxBackward0": (1,),
    "MinBackward0": (1,), "MedianBackward1": (1,), "KthvalueBackward0": (2,),
    "SortBackward0": (1,), "SortBackward1": (1,), "TopkBackward0": (2,), "FlipBackward0": (1,),
    "UnsqueezeBackward0": (1,), "UnsqueezeBackward1": (1,), "SqueezeBackward1": (1,),
    "SqueezeBackward4": (1,), "SqueezeBackward2": (1,), "SqueezeBackward5": (1,),
    "TransposeBackward0": (1, 2), "TransposeBackward1": (1, 2), "DiagonalBackward0": (2, 3),
    "DiagonalBackward0_copy": (2, 3), "SplitBackward0": (2,), "SplitWithSizesBackward0": (2,),
    "UnbindBackward0": (1,), "CummaxBackward0": (1,), "CumminBackward0": (1,),
    "LogcumsumexpBackward0": (1,), "ModeBackward0": (1,),
}
for _name, _positions in _ALONG.items():
    RULES[_name] = along(*_positions)


def _logical_dims(x, k):
    return tuple(range(k, x.ndim))


def _full_reduction(target, make_args):
    """A whole-tensor reduction as the dims version over the logical dims."""
    def rule(cls, args, levels):
        x, k = _single(args, levels)
        return target().apply(x, *make_args(x, k, args))
    return rule


def _reduction_cls(name):
    def get():
        return getattr(reduction, name)
    return get


RULES["SumBackward0"] = _full_reduction(_reduction_cls("SumBackward1"),
                                        lambda x, k, a: (_logical_dims(x, k), False, a[1]))
RULES["MeanBackward0"] = _full_reduction(_reduction_cls("MeanBackward1"),
                                         lambda x, k, a: (_logical_dims(x, k), False, a[1]))
RULES["MaxBackward1"] = _full_reduction(_reduction_cls("AmaxBackward0"),
                                        lambda x, k, a: (_logical_dims(x, k), False))
RULES["MinBackward1"] = _full_reduction(_reduction_cls("AminBackward0"),
                                        lambda x, k, a: (_logical_dims(x, k), False))


def _flattened_then(name, extra):
    """prod() / median() of everything: the logical dims flattened into one, then along it."""
    def rule(cls, args, levels):
        x, k = _single(args, levels)
        flat = reshape(x, tuple(x.shape[:k]) + (-1,))
        target = getattr(reduction, name, None) or getattr(sorting, name)
        out = target.apply(flat, k, False, *extra(args))
        return out[0] if isinstance(out, tuple) else out
    return rule


RULES["ProdBackward0"] = _flattened_then("ProdBackward1", lambda a: (a[1],))
RULES["MedianBackward0"] = _flattened_then("MedianBackward1", lambda a: ())


# ---- shapes -----------------------------------------------------------------------------------
def _reshaped(cls, args, levels):
    x, k = _single(args, levels)
    return reshape(x, tuple(x.shape[:k]) + tuple(args[1]))


for _name in ("ViewBackward0", "ReshapeAliasBackward0", "UnsafeViewBackward0"):
    RULES[_name] = _reshaped


def _expand(cls, args, levels):
    x = align(args[0], levels, len(args[1]))
    k = len(levels)
    return cls.apply(x, tuple(x.shape[:k]) + tuple(args[1]))


def _repeat(cls, args, levels):
    x = align(args[0], levels, len(args[1]))
    return cls.apply(x, (1,) * len(levels) + tuple(args[1]))


def _permute(cls, args, levels):
    x, k = _single(args, levels)
    return cls.apply(x, tuple(range(k)) + tuple(d + k for d in args[1]))


def _t(cls, args, levels):
    x, k = _single(args, levels)
    if x.ndim - k < 2:
        return x.view(x.shape)
    return TransposeBackward0.apply(x, k, k + 1)


def _squeeze_all(cls, args, levels):
    x, k = _single(args, levels)
    return SqueezeBackward2.apply(x, tuple(k + i for i, n in enumerate(x.shape[k:]) if n == 1))


RULES.update({"ExpandBackward0": _expand, "RepeatBackward0": _repeat,
              "PermuteBackward0": _permute, "TBackward0": _t, "TBackward1": _t,
              "SqueezeBackward0": _squeeze_all, "SqueezeBackward3": _squeeze_all})


# ---- indexing ---------------------------------------------------------------------------------
def _keyed(cls, args, levels):
    """x[key]: the key prefixed with a full slice per batch dim -- unless the key holds batched
    index arrays, or index arrays apart from each other (NumPy then moves their dims first)."""
    key = args[1]
    arrays = [i for i, item in enumerate(key) if isinstance(item, np.ndarray)]
    if any(is_batched(key[i]) for i in arrays) or (
            arrays and arrays[-1] - arrays[0] + 1 != len(arrays)):
        return loop_fallback(cls, args, levels)
    x, k = _single(args, levels)
    return cls.apply(x, (slice(None),) * k + tuple(key), *args[2:])


def _gather(cls, args, levels):
    """gather(x, dim, index): x and index both batched to the full batch sizes."""
    k = len(levels)
    sizes = batch_sizes(args, levels)
    x = align(args[0], levels)
    x = x.expand(*sizes, *x.shape[k:])
    index = args[2]
    if is_batched(index):
        idx = align(index, levels)
        idx = np.broadcast_to(idx._data, tuple(sizes) + tuple(idx.shape[k:]))
    else:
        idx = np.broadcast_to(index, tuple(sizes) + np.shape(index))
    return cls.apply(x, args[1] + k, np.ascontiguousarray(idx))


def _index_select(cls, args, levels):
    if is_batched(args[2]):
        return loop_fallback(cls, args, levels)
    x, k = _single(args, levels)
    return cls.apply(x, args[1] + k, args[2])


RULES.update({"SelectBackward0": _keyed, "SliceBackward0": _keyed, "IndexBackward0": _keyed,
              "GatherBackward0": _gather, "IndexSelectBackward0": _index_select})


# ---- joining ----------------------------------------------------------------------------------
def _joined(cls, args, levels):
    """cat / stack (dim, *tensors): every tensor to the full batch sizes, the dim shifted."""
    dim, tensors = args[0], args[1:]
    k = len(levels)
    sizes = batch_sizes(tensors, levels)
    rank = max(_logical_ndim(t) for t in tensors)
    call = []
    for t in tensors:
        phys = align(t, levels, rank if cls.__name__ == "StackBackward0" else None)
        call.append(phys.expand(*sizes, *phys.shape[k:]))
    return cls.apply(dim + k, *call)


RULES["CatBackward0"] = RULES["StackBackward0"] = _joined


# ---- products ---------------------------------------------------------------------------------
def _matmul_rule(prepare):
    def rule(cls, args, levels):
        return prepare(matmul, args, levels)
    return rule


def _mm(matmul, args, levels):
    return matmul(align(args[0], levels, 2), align(args[1], levels, 2))


def _mv(matmul, args, levels):
    return matmul(align(args[0], levels, 2), align(args[1], levels, 1).unsqueeze(-1)).squeeze(-1)


def _dot(matmul, args, levels):
    return (align(args[0], levels, 1) * align(args[1], levels, 1)).sum(-1)


def _addmm(matmul, args, levels):
    c, a, b, beta, alpha = args
    product = _mm(matmul, (a, b), levels)
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        return product
    bias = align(c, levels, 2) if is_batched(c) else c
    return product + (bias if beta == 1 else bias * beta)


RULES.update({"MmBackward0": _matmul_rule(_mm), "BmmBackward0": _matmul_rule(_mm),
              "MvBackward0": _matmul_rule(_mv), "DotBackward0": _matmul_rule(_dot),
              "AddmmBackward0": _matmul_rule(_addmm)})


def no_rule(node_names):
    """Of the given node names, those run by the per-example loop."""
    return sorted(n for n in node_names if n not in RULES)


__all__ = ["RULES", "no_rule", "pointwise", "along", "levels_of", "physical_of"]

from . import batch_rules_nn  # noqa: E402,F401  (the nn families' rules join RULES)
from . import batch_rules_more  # noqa: E402,F401  (elementwise nodes of ops/*_more.py)
