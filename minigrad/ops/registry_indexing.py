"""Registry declarations of the indexing, gathering and sorting ops: ``ops/indexing.py``
(select, masks, take, nonzero, index_put), ``ops/gather.py`` (index_select, gather, scatter,
index_add, index_fill), ``ops/sorting.py`` and ``count_nonzero``.

As in ``registry_shape.py``: ops written before the registry, declared here; each ``case`` is
one call tested against torch by ``tests/test_registry.py``. Index arrays are drawn with
``idx``; where torch leaves the winner of two writes to one place unspecified (scatter), each
case writes each place at most once.
"""
from . import gather, indexing, reduction, sorting
from .registry import arr, case, cases, declare, idx, mask

_FM = ("function", "method")
_FMI = ("function", "method", "inplace")

# ---- picking by position -------------------------------------------------------------------------
declare("select", indexing.select, nodes=("SelectBackward0",), forms=_FM,
        args=("input", "dim", "index"), family="indexing",
        sample=cases(case(arr(3, 4), 0, 1), case(arr(3, 4), -1, -2)))
declare("take", indexing.take, nodes=("TakeBackward0",), forms=_FM, args=("input", "index"),
        family="indexing", sample=cases(case(arr(3, 4), idx(12, 5)), case(arr(3), idx(3, 2, 2))))
declare("index_select", gather.index_select, nodes=("IndexSelectBackward0",), forms=_FM,
        args=("input", "dim", "index"), family="indexing",
        sample=cases(case(arr(3, 4), 0, idx(3, 5)), case(arr(3, 4), 1, idx(4, 2))))
declare("gather", gather.gather, nodes=("GatherBackward0",), forms=_FM,
        args=("input", "dim", "index"), family="indexing",
        sample=cases(case(arr(3, 4), 1, idx(4, 3, 2)), case(arr(3, 4), 0, idx(3, 5, 4))))
declare("index_put", indexing.index_put, nodes=("IndexPutBackward0",), forms=_FMI,
        args=("input", "indices", "values", "accumulate"), family="indexing",
        sample=cases(case(arr(4, 3), (idx(4, 5),), arr(5, 3), True),
                     case(arr(4, 3), (idx(4, 2), idx(3, 2)), arr(2), accumulate=True)))

# ---- writing by position -------------------------------------------------------------------------
declare("scatter", gather.scatter, nodes=("ScatterBackward0", "ScatterBackward1"), forms=_FMI,
        args=("input", "dim", "index", "src"), family="indexing",
        sample=cases(case(arr(3, 3), 0, idx(3, 1, 3), arr(1, 3)),
                     case(arr(3, 4), 1, idx(4, 3, 1), value=1.5)))
declare("scatter_add", gather.scatter_add, nodes=("ScatterAddBackward0",), forms=_FMI,
        args=("input", "dim", "index", "src"), family="indexing",
        sample=cases(case(arr(3, 4), 0, idx(3, 5, 4), arr(5, 4)),
                     case(arr(3, 4), 1, idx(4, 3, 2), arr(3, 2))))
declare("index_add", gather.index_add, nodes=("IndexAddBackward0",), forms=_FMI,
        args=("input", "dim", "index", "source"), family="indexing",
        sample=cases(case(arr(3, 4), 0, idx(3, 5), arr(5, 4)),
                     case(arr(3, 4), 1, idx(4, 2), arr(3, 2), alpha=2.0)))
declare("index_fill", gather.index_fill, nodes=("IndexFillBackward0",), forms=_FMI,
        args=("input", "dim", "index", "value"), family="indexing",
        sample=cases(case(arr(3, 4), 0, idx(3, 2), 1.5), case(arr(3, 4), -1, idx(4, 3), -2.0)))

# ---- masks ---------------------------------------------------------------------------------------
declare("masked_fill", indexing.masked_fill, nodes=("MaskedFillBackward0",), forms=_FMI,
        args=("input", "mask", "value"), family="indexing",
        sample=cases(case(arr(3, 4), mask(3, 4), 0.5), case(arr(3, 4), mask(4), -1.0)))
declare("masked_select", indexing.masked_select, nodes=("MaskedSelectBackward0",), forms=_FM,
        args=("input", "mask"), family="indexing",
        sample=cases(case(arr(3, 4), mask(3, 4)), case(arr(3, 4), mask(4))))
declare("nonzero", indexing.nonzero, forms=_FM, family="indexing", differentiable=False,
        sample=cases(case(mask(3, 4)), case(arr(2, 3)), case(mask(3, 4), as_tuple=True)))
declare("argwhere", indexing.argwhere, forms=_FM, family="indexing", differentiable=False,
        sample=cases(case(mask(3, 4)), case(mask(5))))
declare("count_nonzero", reduction.count_nonzero, forms=_FM, args=("input", "dim"),
        family="indexing", differentiable=False,
        sample=cases(case(mask(3, 4)), case(mask(3, 4), 1), case(arr(2, 3), dim=(0, 1))))

# ---- sorting -------------------------------------------------------------------------------------
declare("sort", sorting.sort, nodes=("SortBackward0", "SortBackward1"), forms=_FM,
        args=("input", "dim", "descending"), family="sorting",
        sample=cases(case(arr(3, 4)), case(arr(3, 4), 0, True), case(arr(5), stable=True)))
declare("argsort", sorting.argsort, forms=_FM, args=("input", "dim", "descending"),
        family="sorting", differentiable=False,
        sample=cases(case(arr(3, 4)), case(arr(3, 4), 0, True)))
declare("topk", sorting.topk, nodes=("TopkBackward0",), forms=_FM,
        args=("input", "k", "dim", "largest", "sorted"), family="sorting",
        sample=cases(case(arr(3, 5), 2), case(arr(3, 5), 2, 0, False), case(arr(6), 3)))
declare("kthvalue", sorting.kthvalue, nodes=("KthvalueBackward0",), forms=_FM,
        args=("input", "k", "dim", "keepdim"), family="sorting",
        sample=cases(case(arr(3, 5), 2), case(arr(3, 5), 1, 0, True)))
declare("median", sorting.median, nodes=("MedianBackward0", "MedianBackward1"), forms=_FM,
        args=("input", "dim", "keepdim"), family="sorting",
        sample=cases(case(arr(3, 4)), case(arr(3, 5), 1), case(arr(4, 3), 0, True)))
declare("std_mean", sorting.std_mean, nodes=("StdMeanBackward0",), forms=("function",),
        args=("input", "dim"), family="statistics",
        sample=cases(case(arr(3, 4)), case(arr(3, 4), 1, keepdim=True)))
declare("var_mean", sorting.var_mean, nodes=("VarMeanBackward0",), forms=("function",),
        args=("input", "dim"), family="statistics",
        sample=cases(case(arr(3, 4)), case(arr(3, 4), 0, correction=0)))
