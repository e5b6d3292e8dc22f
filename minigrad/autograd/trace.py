"""Watch ``backward()`` run: each node in the engine's order, what it receives and sends.

    >>> x = torch.tensor([10., 20.], requires_grad=True)
    >>> y = 2 * x ** 2
    >>> with minigrad.autograd.trace() as tr:
    ...     y.sum().backward()
    [1] SumBackward0  receives () tensor(1.)
          -> MulBackward0  (2,) tensor([1., 1.])
    [2] MulBackward0  receives (2,) tensor([1., 1.])
          -> PowBackward0  (2,) tensor([2., 2.])
          -> None          (needs no grad)
    ...
    >>> tr.events          # the same, as TraceEvent objects (for tests and notebooks)

For each node that runs, the trace shows the gradient it receives for each of its outputs
(shape always, values when there are at most ``max_values`` of them) and the gradient it sends
along each of its ``next_functions`` edges. An ``AccumulateGrad`` node shows the leaf it adds
into (``x.grad``) and the leaf's gradient afterwards. Leaves are named after the variables of
the code that opened the ``with`` block (or ``names={"x": x}``); parameters of an ``nn.Module``
variable ``model`` are named ``model.weight``.

The engine calls every active tracer right after a node has run (``engine._tracers``); with no
tracer active that costs one truth test per node.

Run ``python -m minigrad.viz --trace`` to see the trace of ``y = 2 * x ** 2``.
"""
import dataclasses
import sys

from . import engine
from .function import AccumulateGrad

__all__ = ["trace", "TraceEvent", "Send", "format_values"]


@dataclasses.dataclass
class Send:
    """The gradient a node sends along one of its ``next_functions`` edges."""

    to: str | None          # receiving node's name (``MulBackward0``, ``AccumulateGrad``); None
    node: object            # the receiving node (None for an input that needs no gradient)
    grad: object            # the gradient Tensor, or None


@dataclasses.dataclass
class TraceEvent:
    """One node run by the engine."""

    step: int               # 1, 2, ... in execution order
    name: str               # torch's class name of the node, e.g. ``MulBackward0``
    node: object            # the node itself (``tensor.grad_fn`` or an AccumulateGrad)
    received: list          # gradient per output of the node (Tensor or None)
    sends: list             # a Send per ``next_functions`` edge (empty for AccumulateGrad)
    leaf: str | None = None         # AccumulateGrad: the leaf's name, e.g. ``x`` or ``w``
    leaf_grad: object = None        # AccumulateGrad: the leaf's ``.grad`` after accumulating


def format_values(t, max_values=6):
    """``tensor([40., 80.])`` on one line, or ``''`` when t has more than max_values elements."""
    if t is None or t.numel() > max_values:
        return ""
    text = repr(t.detach())
    return " ".join(part.strip() for part in text.splitlines())


def _shape(t):
    return str(tuple(t.shape))


def _node_name(node):
    return None if node is None else type(node).__name__


class trace:
    """Context manager recording (and by default printing) every node backward runs.

    verbose: print each event as it happens (to ``file``, default ``sys.stdout``).
    names: ``{"x": x, ...}`` naming leaves; by default the caller's variables are used.
    max_values: show values of gradients with at most this many elements.
    """

    def __init__(self, verbose=True, file=None, names=None, max_values=6):
        self.verbose = verbose
        self.file = file
        self.max_values = max_values
        self.events = []
        self._explicit = names
        self._names = {}

    # ---- context manager --------------------------------------------------------------------
    def __enter__(self):
        frame = sys._getframe(1)
        self._names = _names_of({**frame.f_globals, **frame.f_locals})
        if self._explicit:
            self._names.update(_names_of(self._explicit))
        engine._tracers.append(self)
        return self

    def __exit__(self, *exc):
        engine._tracers[:] = [t for t in engine._tracers if t is not self]
        return False

    # ---- called by the engine ---------------------------------------------------------------
    def record(self, node, received, sent):
        """``received``: the node's incoming gradients; ``sent``: what it returned per edge."""
        event = TraceEvent(len(self.events) + 1, _node_name(node), node, list(received), [])
        if isinstance(node, AccumulateGrad):
            leaf = node.variable
            event.leaf = self._names.get(id(leaf), "leaf")
            event.leaf_grad = leaf.grad
        else:
            sent = sent if sent is not None else [None] * len(node.next_functions)
            event.sends = [Send(_node_name(nxt), nxt, g)
                           for (nxt, _), g in zip(node.next_functions, sent)]
        self.events.append(event)
        if self.verbose:
            print(self.format_event(event), file=self.file or sys.stdout)

    # ---- text -------------------------------------------------------------------------------
    def _grad_text(self, g):
        if g is None:
            return "None"
        return f"{_shape(g)} {format_values(g, self.max_values)}".rstrip()

    def format_event(self, event):
        """``[2] MulBackward0  receives ...`` then one ``-> target  grad`` line per edge."""
        received = " | ".join(self._grad_text(g) for g in event.received)
        lines = [f"[{event.step}] {event.name}  receives {received}"]
        targets = [(s.to or "None", self._grad_text(s.grad) if s.to else "(needs no grad)")
                   for s in event.sends]
        if event.leaf is not None:
            targets.append((f"{event.leaf}.grad", "untouched (autograd.grad returns it)"
                            if event.leaf_grad is None
                            else "now " + self._grad_text(event.leaf_grad)))
        width = max((len(t) for t, _ in targets), default=0)
        lines += [f"      -> {t:<{width}}  {g}" for t, g in targets]
        return "\n".join(lines)

    def text(self):
        """Every event, formatted as it is printed."""
        return "\n".join(self.format_event(e) for e in self.events)

    def __str__(self):
        return self.text()


def _names_of(namespace):
    """id(tensor) -> name for the Tensors (and nn.Module parameters) in a namespace."""
    from .._tensor import Tensor
    names = {}
    for var, obj in namespace.items():
        if var.startswith("_"):
            continue
        if isinstance(obj, Tensor):
            names.setdefault(id(obj), var)
        elif hasattr(obj, "named_parameters") and callable(obj.named_parameters):
            try:
                params = list(obj.named_parameters())
            except TypeError:
                continue
            for pname, p in params:
                names.setdefault(id(p), f"{var}.{pname}")
    return names
