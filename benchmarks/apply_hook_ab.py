"""A/B in one process: W2's chain (10 ops, sum, backward) with Function.apply as it is, and
with its two hook checks (forward AD's ``dual_hook``, vmap's ``batch_hook``) removed.

    PYTHONPATH=$PWD python benchmarks/apply_hook_ab.py

The two versions alternate round by round in one process, so that the load of the machine
weighs on both alike; the paired difference of each round is what is reported.
"""
import inspect
import statistics
import textwrap
import time
import minigrad as T
from minigrad.autograd import function
from benchmarks import workloads

src = textwrap.dedent(inspect.getsource(function.Function.apply.__func__))
lines = [l for l in src.splitlines() if not l.lstrip().startswith("@")]
plain = "\n".join(l for l in lines if "dual_hook" not in l and "batch_hook" not in l)
assert plain.count("\n") == len(lines) - 5, "expected to drop 4 hook lines"
ns = {}
exec(plain, function.__dict__, ns)
with_hook = function.Function.__dict__["apply"]
without_hook = classmethod(ns["apply"])

step = workloads.chain(T, "cpu", {"shape": (16, 1)})
for _ in range(300):
    step()
res = {"with hooks": [], "without": []}
pairs = []
for rnd in range(160):
    for name, impl in (("with hooks", with_hook), ("without", without_hook)) if rnd % 2 else \
            (("without", without_hook), ("with hooks", with_hook)):
        function.Function.apply = impl
        t0 = time.perf_counter()
        for _ in range(100):
            step()
        res[name].append((time.perf_counter() - t0) / 100 * 1e6)
    pairs.append(res["with hooks"][-1] / res["without"][-1] - 1)
function.Function.apply = with_hook
for name, v in res.items():
    print(f"{name:<11} median {statistics.median(v):8.2f} us/step   min {min(v):8.2f}")
m = {k: statistics.median(v) for k, v in res.items()}
print(f"difference: {100 * (m['with hooks'] / m['without'] - 1):+.2f}% (medians), "
      f"{100 * (min(res['with hooks']) / min(res['without']) - 1):+.2f}% (minima), "
      f"{100 * statistics.median(pairs):+.2f}% (median of paired rounds)")

# the bare cost per op: one small op that records nothing (x * 1.5), many times
x = T.ones(16, 1)
bare = {"with hooks": [], "without": []}
for _ in range(60):
    for name, impl in (("with hooks", with_hook), ("without", without_hook)):
        function.Function.apply = impl
        t0 = time.perf_counter()
        for _ in range(2000):
            x * 1.5
        bare[name].append((time.perf_counter() - t0) / 2000 * 1e9)
function.Function.apply = with_hook
b = {k: statistics.median(v) for k, v in bare.items()}
print(f"one unrecorded op: {b['with hooks']:.0f} ns with hooks, {b['without']:.0f} ns without "
      f"({100 * (b['with hooks'] / b['without'] - 1):+.2f}%)")
