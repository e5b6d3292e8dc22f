"""vmap rules for the elementwise nodes of ops/pointwise_more.py and ops/scalar_overloads.py:
each runs once on the physical tensors, operands aligned for broadcasting (``pointwise``)."""
from .batch_rules import RULES, pointwise

for _name in ("AddcmulBackward0 AddcdivBackward0 Rad2DegBackward0 Deg2RadBackward0 "
              "SgnBackward0 NextafterBackward0 LdexpBackward0 LogitBackward0 MulBackward1 "
              "DivBackward1").split():
    RULES[_name] = pointwise
