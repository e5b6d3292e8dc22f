"""The elementwise family, one import away: ``from minigrad.ops.elementwise import mul``.

The ops live in modules of one concern each, every op reading math first (its formula in the
class docstring, then ``forward`` and ``backward``), the public functions after the classes:

* ``arithmetic.py`` – add, sub, mul, div, remainder, fmod, pow
* ``unary.py``      – exp, log, sqrt, trig, tanh, sigmoid, relu, sign, floor..., neg, reciprocal
* ``clamp.py``      – clamp, maximum / minimum, fmax / fmin, where, lerp
* ``comparison.py`` – comparisons, logic and bitwise ops (no gradient)
* ``broadcast.py``  – broadcast_to and sum_to_size, each other's backward
* ``operators.py``  – Tensor's operators and elementwise methods
* ``_compat.py``    – torch-compatibility rules: dtypes, layouts, fma, wrap-around, error texts

This module re-exports all of their names (private helpers too), so code written against the
single module it once was keeps working.
"""
from . import _compat, arithmetic, broadcast, clamp, comparison, operators, unary

_FAMILY = (_compat, broadcast, arithmetic, unary, clamp, comparison, operators)
globals().update({name: value for module in _FAMILY for name, value in vars(module).items()
                  if not name.startswith("__")})
__all__ = [name for module in _FAMILY for name in getattr(module, "__all__", ())]
