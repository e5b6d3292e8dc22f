"""minigrad: PyTorch's autograd rebuilt in readable NumPy.

``import minigrad as torch`` and a plain PyTorch program runs unchanged.
"""
import warnings as _warnings

from . import _dtype
from ._dtype import (bfloat16, bool, double, dtype, float, float16, float32, float64,  # noqa: A004
                     get_default_dtype, half, int, int8, int16, int32, int64, long,
                     promote_types, result_type, set_default_dtype, short, uint8,
                     is_floating_point, can_cast)
from ._tensor import Size, Tensor, device
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                                 set_grad_enabled)
from .ops.conversion import *  # noqa: F403
from .ops.elementwise import *  # noqa: F403
from .ops.reduction import *  # noqa: F403
from .ops.statistics import *  # noqa: F403
from .ops.cumulative import *  # noqa: F403
from .ops.shape import *  # noqa: F403
from .ops.indexing import *  # noqa: F403
from .ops.gather import *  # noqa: F403
from .ops.join import *  # noqa: F403
from .ops.linalg import *  # noqa: F403
from .ops.sorting import *  # noqa: F403
from .ops.softmax import *  # noqa: F403
from .creation import *  # noqa: F403
from ._printing import set_printoptions, get_printoptions
from . import autograd
from . import random
from .random import (Generator, default_generator, manual_seed, initial_seed, seed,
                     get_rng_state, set_rng_state, rand, randn, randint, randperm,
                     rand_like, randn_like, randint_like, bernoulli, normal)
from . import nn, optim, utils
from .serialization import save, load
from .ops.nan_to_num import nan_to_num
from . import testing
from .ops import registry as _registry
from .ops._util import inplace_variant as _inplace_variant
import sys as _sys

# ops declared in the registry (minigrad/ops/registry.py) get their torch.X, Tensor.X, Tensor.X_
# and nn.functional.X forms here, once every op module is imported
_registry.expose(_sys.modules[__name__], Tensor, nn.functional, _inplace_variant)

__version__ = "0.1.0"

# torch computes inf/nan silently; NumPy would warn from inside minigrad's ops. Silence only the
# floating-point warnings raised in minigrad's own modules (the user's NumPy settings stay as-is).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minigrad(\.|$)")


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()
