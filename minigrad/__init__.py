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
                                 set_grad_enabled, is_inference_mode_enabled)
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
from . import serialization
from . import special
from .serialization import save, load
from . import accelerator, amp, backends, cpu, cuda, version
from ._device import get_default_device, set_default_device
from ._threads import (get_num_interop_threads, get_num_threads, set_num_interop_threads,
                       set_num_threads)
from .amp import autocast, get_autocast_dtype, is_autocast_enabled
from .ops.nan_to_num import nan_to_num
from . import testing
from .ops import out as _out
from .ops.sampling import *  # noqa: F403
from .ops.binary_more import *  # noqa: F403
from .ops.hyperbolic import *  # noqa: F403
from .ops.scan import *  # noqa: F403
from .ops.scatter_reduce import *  # noqa: F403
from .ops.order_statistics import *  # noqa: F403
from .ops.special import *  # noqa: F403
from .ops.counting import *  # noqa: F403
from .ops.conv import *  # noqa: F403
from .ops.padding import *  # noqa: F403
from .ops.pooling import *  # noqa: F403
from .ops.batch_norm import *  # noqa: F403
from .ops.upsample import *  # noqa: F403
from .ops.feature_dropout import *  # noqa: F403
from .ops.rearrange import *  # noqa: F403
from .ops.activation import celu_, selu_, threshold_  # noqa: F401 (and the registered ones)
from .ops import activation_gated as _activation_gated  # noqa: F401
from .ops import activation_shrink as _activation_shrink  # noqa: F401
from .ops import embedding as _embedding  # noqa: F401
from .ops import layer_norm as _layer_norm  # noqa: F401
from .ops import attention as _attention  # noqa: F401
from . import func  # noqa: E402  (torch.func: grad, vjp, jvp, jacrev, jacfwd, hessian, vmap)
from .ops import registry_shape as _registry_shape  # noqa: F401
from .ops import registry_indexing as _registry_indexing  # noqa: F401
from .ops import registry_linalg as _registry_linalg  # noqa: F401
from .ops import registry_random as _registry_random  # noqa: F401
from .compiler import compile  # noqa: F401  (torch.compile: capture once, replay kernels)
from . import _dynamo  # noqa: F401, E402  (torch._dynamo: config, reset, explain)
from . import linalg  # noqa: E402  (torch.linalg; torch.det, torch.svd, ... in the registry)
from .ops import registry_decompositions as _registry_decompositions  # noqa: F401, E402
from . import distributions  # noqa: F401, E402  (torch.distributions)
from ._finfo import finfo, iinfo  # noqa: F401
from .ops import pointwise_more as _pointwise_more  # noqa: F401
from .ops import blas_more as _blas_more  # noqa: F401
from .ops.split_more import *  # noqa: F403
from .ops.combine_more import *  # noqa: F403
from .ops.numeric_more import *  # noqa: F403
from .ops.stats_more import *  # noqa: F403
from .ops.index_more import *  # noqa: F403
from ._frombuffer import frombuffer  # noqa: F401
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled  # noqa: F401
from .ops import distance as _distance  # noqa: F401  (cosine_similarity, cdist, ...)
from .ops import bilinear as _bilinear  # noqa: F401  (bilinear, channel_shuffle)
from .ops.rrelu import rrelu_  # noqa: F401  (and the registered rrelu)
from .ops import registry as _registry
from .ops._util import inplace_variant as _inplace_variant
import sys as _sys

# ops declared in the registry (minigrad/ops/registry.py) get their torch.X, Tensor.X, Tensor.X_
# and nn.functional.X forms here, once every op module is imported
_registry.expose(_sys.modules[__name__], Tensor, nn.functional, _inplace_variant)
_out.install(_sys.modules[__name__])   # out= on the torch.X functions that take it (ops/out.py)

__version__ = "0.1.0"

# torch computes inf/nan silently; NumPy would warn from inside minigrad's ops. Silence only the
# floating-point warnings raised in minigrad's own modules (the user's NumPy settings stay as-is).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minigrad(\.|$)")


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()
