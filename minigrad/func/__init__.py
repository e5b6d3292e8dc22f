"""``torch.func``: composable function transforms.

* ``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``hessian``
  (``transforms.py``): derivatives of a function, as functions;
* ``vmap`` (``vmap.py``): a function of one example run on a batch, by batching rules;
* ``functional_call`` (``functional_call.py``): a module run with parameters passed in.

They compose: ``vmap(grad(loss))`` is per-example gradients, ``jacfwd(jacrev(f))`` a Hessian.
"""
from .functional_call import functional_call
from .transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp
from .vmap import vmap

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call"]
