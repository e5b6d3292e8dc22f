"""Where ``minigrad.compile`` listens to eager minigrad.

A compiled function's first call runs eagerly while a recorder (``minigrad/compiler/capture.py``)
writes down every kernel it runs, so that later calls can replay them without the eager
machinery. The recorder hears about the work at a few places only:

* ``Function.apply`` (through ``function.capture_hook``): one kernel per op's forward;
* the engine (``run_backward`` runs its nodes with ``recorder.walk_class``): every backward
  formula, gradient reduction and sum, and each addition into a leaf's ``.grad``;
* the methods decorated with ``@effect`` below (``optimizer.step()``, ``zero_grad()``,
  ``tensor.grad = None``...): replayed as the same call on the same objects;
* ``assign_inplace`` (``ops/_util.py``): the write of an in-place op into its tensor;
* the functions decorated with ``@replayed``: the samplers of ``_generator.py`` (random numbers
  drawn outside an op's forward: a dropout mask, ``randn``), replayed as a new draw from the
  same generator, and the factories of ``creation.py`` (``zeros``, ``arange``...).

When nothing is being captured, each place costs one ``is None`` test.
"""
import functools

recorder = None  # the active capture's recorder, or None


def effect(fn):
    """A method whose work replay repeats by calling it again on the same live objects (it
    changes state, not values flowing through the graph: a step, zeroing gradients)."""
    @functools.wraps(fn)
    def method(*args, **kwargs):
        if recorder is None or recorder.depth:
            return fn(*args, **kwargs)
        return recorder.effect(fn, args, kwargs)
    method.replays_as = fn
    return method


def replayed(fn):
    """A function making a new array or tensor from its arguments (a sampler, a factory):
    replay calls it again with the same arguments (a sampler then draws anew, from the same
    generator in the same order)."""
    @functools.wraps(fn)
    def maker(*args, **kwargs):
        if recorder is None or recorder.depth:
            return fn(*args, **kwargs)
        return recorder.replayed(fn, args, kwargs)
    return maker
