"""Importing minigrad keeps freed heap memory mapped (glibc's top pad, minigrad/_malloc.py): a
loop that allocates, touches and frees arrays of a few hundred kilobytes, as a training step
does, then faults no new pages in; an allocator tuned through the environment is left alone."""
import os
import subprocess
import sys

import pytest

LOOP = """
import resource, sys
import numpy as np
import minigrad._malloc as m
print(m.keep_heap())
def step():
    kept = [np.ones(n) for n in (40000, 90000, 60000, 120000)]   # 0.3 to 1 MB each
    del kept
for _ in range(5):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _run(**env):
    clean = {k: v for k, v in os.environ.items()
             if not (k.startswith("MALLOC_") or k == "GLIBC_TUNABLES")}
    out = subprocess.run([sys.executable, "-c", LOOP], env={**clean, **env}, check=True,
                         capture_output=True, text=True, cwd=os.path.dirname(__file__) + "/..")
    was_set, faults = out.stdout.split()
    return was_set == "True", int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION")
                    is None, reason="the top pad is glibc's")
def test_heap_is_kept_between_steps_unless_the_user_tuned_it():
    was_set, faults = _run()
    assert was_set and faults < 50, faults        # a page a step at most, not hundreds
    was_set, faults = _run(MALLOC_TOP_PAD_="131072")
    assert not was_set and faults > 1000, faults   # glibc's own behaviour: fresh pages
