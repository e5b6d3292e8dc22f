"""Which of W5's arrays cost page faults: minor faults per step, by forward op and backward node.

``python -m benchmarks.page_faults [--n 1000000] [--steps 20]`` runs W5's step
(``((x*x+1).log() * x.exp().sqrt()).sum()`` forward and backward, float32) in this process and
counts ``ru_minflt`` around every Function's ``forward`` and ``backward``, the engine's sum of
two gradients for one input (``engine._sum``) and ``.grad``'s accumulation. One fresh 4 MB array
(1e6 float32) costs about 977 faults (4 KB pages) when it lands above the heap's top, i.e. after
glibc has given the free top back to the kernel; the same array reused from a free block inside
the heap costs none. The rows say which op's arrays landed there; their sum is the step's total
(what ``python -m benchmarks.fresh W5 minigrad`` reports). The wrappers are for attribution only
(they add a Python call per op), so time the step with ``benchmarks.fresh``, not here.
"""
import argparse
import collections
import functools
import resource
import sys


def _faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _counting(fn, label, counts):
    @functools.wraps(fn)
    def counted(*args, **kwargs):
        before = _faults()
        try:
            return fn(*args, **kwargs)
        finally:
            counts[label] += _faults() - before
    return counted


def _function_classes(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _function_classes(sub)


def instrument(counts):
    """Count faults per forward/backward of every Function class, engine sum, .grad update."""
    from minigrad import _tensor
    from minigrad.autograd import engine
    from minigrad.autograd.function import Function
    for cls in set(_function_classes(Function)):
        for name in ("forward", "backward"):
            method = cls.__dict__.get(name)
            if isinstance(method, staticmethod):
                label = f"{cls.__name__}.{name}"
                setattr(cls, name, staticmethod(_counting(method.__func__, label, counts)))
    engine._sum = _counting(engine._sum, "engine._sum (two gradients for one input)", counts)
    _tensor.Tensor._accumulate_grad = _counting(_tensor.Tensor._accumulate_grad,
                                                "Tensor._accumulate_grad (.grad)", counts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="elements of x")
    parser.add_argument("--steps", type=int, default=20, help="steps counted (after 3 warm-up)")
    args = parser.parse_args(argv)
    import minigrad

    from .floor import expression_input
    from .workloads import big_expression
    counts = collections.Counter()
    instrument(counts)
    step = big_expression(minigrad, "cpu", {"n": args.n})
    for _ in range(3):
        step()
    counts.clear()
    before = _faults()
    for _ in range(args.steps):
        step()
    total = (_faults() - before) / args.steps
    page_arrays = expression_input(args.n).nbytes / resource.getpagesize()
    print(f"W5 on {args.n:,} float32 ({page_arrays:,.0f} pages per array): minor page faults "
          f"per step, by where they happened")
    for label, n in counts.most_common():
        if n:
            print(f"{n / args.steps:10,.0f}  {label}")
    print(f"{total:10,.0f}  total per step ({total / page_arrays:.1f} arrays' worth)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
