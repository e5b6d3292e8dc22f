"""``torch.return_types``: the named tuples that ops such as ``max(dim)`` return.

Each is a tuple subclass with read-only fields (``values``, ``indices``, ...). It unpacks and
indexes like a tuple, and prints one field per line, as torch's do::

    torch.return_types.max(
    values=tensor([5., 9.]),
    indices=tensor([0, 0]))
"""

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "mode", "cummax", "cummin",
           "aminmax", "histogram"]


def _structseq(name, fields):
    """A tuple type named ``name`` whose items are also reachable as attributes ``fields``."""

    def __new__(cls, sequence):
        sequence = tuple(sequence)
        if len(sequence) != len(fields):
            raise TypeError(f"torch.return_types.{name}() takes a {len(fields)}-sequence "
                            f"({len(sequence)}-sequence given)")
        return tuple.__new__(cls, sequence)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    def __reduce__(self):  # by name: the class's __module__ is torch's, for printing
        return (_rebuild, (name, tuple(self)))

    namespace = {"__slots__": (), "__new__": __new__, "__repr__": __repr__,
                 "__str__": __repr__, "__reduce__": __reduce__,
                 "n_fields": len(fields), "n_sequence_fields": len(fields),
                 "n_unnamed_fields": 0, "__module__": "torch.return_types"}
    for i, f in enumerate(fields):
        namespace[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    return type(name, (tuple,), namespace)


def _rebuild(name, values):
    return globals()[name](values)


max = _structseq("max", ("values", "indices"))  # noqa: A001 - torch's names
min = _structseq("min", ("values", "indices"))  # noqa: A001
sort = _structseq("sort", ("values", "indices"))
topk = _structseq("topk", ("values", "indices"))
kthvalue = _structseq("kthvalue", ("values", "indices"))
median = _structseq("median", ("values", "indices"))
mode = _structseq("mode", ("values", "indices"))
cummax = _structseq("cummax", ("values", "indices"))
cummin = _structseq("cummin", ("values", "indices"))
aminmax = _structseq("aminmax", ("min", "max"))
# what max(dim, out=...) / min(dim, out=...) return
max_out = _structseq("max_out", ("values", "indices"))
min_out = _structseq("min_out", ("values", "indices"))
histogram = _structseq("histogram", ("hist", "bin_edges"))
