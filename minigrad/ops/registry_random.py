"""Registry declarations of the ops that draw random numbers from a tensor: ``bernoulli``,
``multinomial`` (``ops/sampling.py``), ``normal`` with tensor arguments, the ``*_like`` draws
(``random.py``) and ``nn.functional.dropout``.

Each is ``random_stream=True``: ``tests/test_registry.py`` seeds minigrad's and torch's default
generators alike before every call, so the draws themselves are compared, value for value.
The factories that take only sizes (``rand``, ``randn``, ``randperm``, ...) have no tensor input
and are not ops in the registry's sense (``tests/test_public_ops.py`` lists them).
"""
from .. import random
from ..nn import functional as F
from . import sampling
from .registry import arr, case, cases, declare

_P = "probability"

declare("bernoulli", random.bernoulli, forms=("function", "method", "inplace"),
        nodes=("BernoulliBackward0",), args=("input", "p"), family="random", random_stream=True,
        sample=cases(case(arr(3, 4, domain=_P)), case(arr(50, domain=_P))))
declare("multinomial", sampling.multinomial, forms=("function", "method"),
        args=("input", "num_samples", "replacement"), family="random", differentiable=False,
        random_stream=True,
        sample=cases(case(arr(3, 4, domain="positive"), 2),
                     case(arr(5, domain="positive"), 8, True)))
declare("normal", random.normal, forms=("function",), args=("mean", "std"), family="random",
        nodes=("NormalBackward1", "NormalBackward2", "NormalBackward3"), random_stream=True,
        sample=cases(case(arr(3, 4), arr(3, 4, domain="positive")), case(arr(3, 4), 0.5),
                     case(0.5, arr(5, domain="positive"))))
for _like in (random.rand_like, random.randn_like):
    declare(_like.__name__, _like, forms=("function",), family="random", differentiable=False,
            random_stream=True, sample=cases(case(arr(3, 4)), case(arr())))
declare("randint_like", random.randint_like, forms=("function",), args=("input", "low", "high"),
        family="random", differentiable=False, random_stream=True,
        sample=cases(case(arr(3, 4), 5), case(arr(6), -2, 3)))
declare("dropout", F.dropout, forms=("functional",), nodes=("MulBackward0",),
        args=("input", "p", "training"), family="dropout", random_stream=True,
        sample=cases(case(arr(4, 5)), case(arr(4, 5), 0.2), case(arr(3), 0.5, False)))
