"""torch's random API on Tensors: seeds, generators, rand/randn/randint/randperm, normal,
bernoulli, and the in-place samplers ``uniform_``, ``normal_``, ``random_``, ``bernoulli_``,
``exponential_``.

The numbers come from ``minigrad._generator``, which reproduces torch's CPU streams bit for
bit (see its docstring for the rules and the CPU caveats).  This module only parses torch's
signatures, checks arguments with torch's messages, and wraps the arrays in Tensors.

Elements are produced in memory order, as torch's serial kernels do, so in-place sampling into
a transposed (non-contiguous) tensor gives torch's values too.
"""
import numpy as np

from . import _dtype, _generator as _engine
from ._args import check_int
from ._device import EMPTY, EMPTY_STRIDED, _as_device
from ._dtype import get_default_dtype
from ._tensor import Tensor, _check_device
from .autograd.function import Function
from .creation import _size_args

__all__ = [
    "Generator", "default_generator", "manual_seed", "initial_seed", "seed", "get_rng_state",
    "set_rng_state", "rand", "randn", "randint", "randperm", "rand_like", "randn_like",
    "randint_like", "bernoulli", "normal",
]


# what torch.Generator(device) raises in a CPU-only build, per device type (others: as tensors)
_NO_GENERATOR = {
    "mps": "Cannot execute getNewGenerator() without MPS backend.",
    "hip": "Backend doesn`t support getNewGenerator()",
    "xpu": "Cannot get XPU generator without ATen_xpu library.",
    "cuda": "Cannot get CUDA generator without ATen_cuda library. PyTorch splits its backend into "
            "two shared libraries: a CPU library and a CUDA library; this error has occurred "
            "because you are trying to use some CUDA functionality, but the CUDA library has not "
            "been loaded by the dynamic linker for some reason.  The CUDA library MUST be loaded, "
            "EVEN IF you don't directly use any symbols from the CUDA library! One common culprit "
            "is a lack of -Wl,--no-as-needed in your link arguments; many dynamic linkers will "
            "delete dynamic library dependencies if you don't depend on any of their symbols.  "
            "You can check if this has occurred by using ldd on your binary to see if there is a "
            "dependency on *_cuda.so library.",
}


def _check_generator_device(device):
    message = _NO_GENERATOR.get(_as_device(device).type)
    if message:
        raise RuntimeError(message)
    _check_device(device)


class Generator(_engine.Generator):
    """``torch.Generator``: a CPU mt19937 stream; states are uint8 Tensors of 5056 bytes."""

    def __init__(self, device="cpu"):
        _check_generator_device(device)
        super().__init__()

    def get_state(self):
        """The state as a uint8 Tensor, byte-identical to torch's."""
        return Tensor._from_array(super().get_state())

    def set_state(self, new_state):
        """Restore a state from ``get_state`` (ours or torch's bytes); returns self."""
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        super().set_state(np.ascontiguousarray(new_state._data).reshape(-1))
        return self

    def __repr__(self):
        return f"<torch._C.Generator object at {hex(id(self))}>"


# The default generator starts from a nondeterministic seed, like torch's; the engine's
# module-level default is rebound to it so that both see one stream.
default_generator = Generator()
default_generator.manual_seed(_engine.default_generator.initial_seed())
_engine.default_generator = default_generator


def _gen(generator):
    if generator is None:
        return default_generator
    if not isinstance(generator, _engine.Generator):
        raise TypeError(f"expected a torch.Generator, got {type(generator).__name__}")
    return generator


# ---- seeds and states ----------------------------------------------------------------------
def manual_seed(seed):
    """Seed the default generator (``int(seed)``; negatives wrap mod 2**64); returns it."""
    return default_generator.manual_seed(int(seed))


def initial_seed():
    """The default generator's seed as a Python int."""
    return default_generator.initial_seed()


def seed():
    """Re-seed the default generator nondeterministically; returns the new seed."""
    return default_generator.seed()


def get_rng_state():
    """The default generator's state: a uint8 Tensor of 5056 bytes, as torch's."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator from ``get_rng_state()`` (or torch's bytes)."""
    default_generator.set_state(new_state)


# ---- helpers ---------------------------------------------------------------------------------
def _size(size, fname):
    return _size_args(size, fname)


def _float_dtype(dtype, kernel):
    """The NumPy dtype of a floating minigrad dtype; torch's NotImplementedError otherwise."""
    dtype = get_default_dtype() if dtype is None else dtype
    if dtype.np not in (np.float32, np.float64):
        if dtype.is_floating_point:
            raise NotImplementedError(f"minigrad: random sampling is not implemented for "
                                      f"{dtype.short_name} (only float32 and float64)")
        raise NotImplementedError(f'"{kernel}" not implemented for \'{dtype.short_name}\'')
    return dtype.np


def _wrap(array, requires_grad):
    if requires_grad and array.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._from_array(array, requires_grad=requires_grad)


def _num(x):
    """A number as torch prints it in messages (C++'s default: 6 significant digits):
    2.0 -> 2, 2.5 -> 2.5, 1/3 -> 0.333333, 1e20 -> 1e+20."""
    return f"{float(x):g}"


def _memory_order(a):
    """``a`` with its axes ordered by decreasing stride: C order of it is memory order."""
    order = sorted(range(a.ndim), key=lambda d: -abs(a.strides[d]))
    return a.transpose(order), order


def _fill(self, values):
    """Write ``values`` (memory order, as torch's serial kernels produce) into ``self``."""
    data = self._data
    if data.flags.c_contiguous:
        data.reshape(-1)[...] = values.reshape(-1)
    else:
        view, _ = _memory_order(data)
        view[...] = values.reshape(view.shape)
    self._bump_version()
    return self


# ---- factories -------------------------------------------------------------------------------
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
         layout=None, pin_memory=False):
    """Uniform [0, 1) samples (float32: 24 random bits, float64: 53)."""
    _check_device(device, EMPTY)
    np_dt = _float_dtype(dtype, "check_uniform_bounds")
    arr = _engine.uniform(_size(size, "rand"), np_dt, generator=_gen(generator))
    return _wrap(arr, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
          layout=None, pin_memory=False):
    """Standard normal samples (normal_fill for >= 16 elements, scalar Box-Muller below)."""
    _check_device(device, EMPTY)
    np_dt = _float_dtype(dtype, "normal_kernel_cpu")
    arr = _engine.normal(_size(size, "randn"), np_dt, generator=_gen(generator))
    return _wrap(arr, requires_grad)


_RANDINT_SIGNATURES = (
    " * (int high, tuple of ints size, *, torch.Generator generator, Tensor out = None, "
    "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
    "bool pin_memory = False, bool requires_grad = False)\n"
    " * (int high, tuple of ints size, *, Tensor out = None, torch.dtype dtype = None, "
    "torch.layout layout = None, torch.device device = None, bool pin_memory = False, "
    "bool requires_grad = False)\n"
    " * (int low, int high, tuple of ints size, *, torch.Generator generator, Tensor out = None, "
    "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
    "bool pin_memory = False, bool requires_grad = False)\n"
    " * (int low, int high, tuple of ints size, *, Tensor out = None, torch.dtype dtype = None, "
    "torch.layout layout = None, torch.device device = None, bool pin_memory = False, "
    "bool requires_grad = False)\n")


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def randint(*args, low=None, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad=False, out=None, layout=None, pin_memory=False):
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high).

    ``size`` must be a tuple or list.  Ranges below 2**28 take one 32-bit draw per element,
    larger ones a 64-bit draw; the value is ``low + v % (high - low)`` (int64 by default).
    """
    _check_device(device, EMPTY)
    params = list(args) + [v for v in (low, high, size) if v is not None]
    if len(params) == 2:
        params.insert(0, 0)
    ok = len(params) == 3 and _is_int(params[0]) and _is_int(params[1])
    if not ok or not isinstance(params[2], (tuple, list)):
        if ok and len(args) == 2:
            raise TypeError(f"randint(): argument 'size' (position 2) must be tuple of ints, "
                            f"not {type(params[2]).__name__}")
        got = ", ".join(type(a).__name__ for a in args)
        raise TypeError(f"randint() received an invalid combination of arguments - got "
                        f"({got}), but expected one of:\n{_RANDINT_SIGNATURES}")
    lo, hi, shape = int(params[0]), int(params[1]), _size((tuple(params[2]),), "randint")
    dtype = _dtype.int64 if dtype is None else dtype
    _check_randint_bounds(lo, hi, dtype.np)
    arr = _engine.randint(lo, hi, shape, dtype.np, generator=_gen(generator))
    return _wrap(arr, requires_grad)


# torch's C++ names and value ranges in randint's "out of bounds" errors
_BOUNDED = {"bool": ("bool", 0, 1), "uint8": ("unsigned char", 0, 255),
            "int8": ("signed char", -128, 127), "int16": ("short int", -2**15, 2**15 - 1),
            "int32": ("int", -2**31, 2**31 - 1), "float16": ("c10::Half", -65504, 65504)}


def _check_randint_bounds(low, high, np_dtype):
    """torch's check_from_to: ``low`` and ``high - 1`` must fit the dtype (once low < high)."""
    if np_dtype.name not in _BOUNDED or low >= high:
        return
    name, lo, hi = _BOUNDED[np_dtype.name]
    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None,
             layout=None, pin_memory=False):
    """A random permutation of 0..n-1 (torch's Fisher-Yates stream; int64 by default)."""
    _check_device(device, EMPTY)
    n = check_int("randperm", n, "n", 1)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dtype = _dtype.int64 if dtype is None else dtype
    arr = _engine.randperm(n, dtype.np, generator=_gen(generator))
    return _wrap(arr, requires_grad)


def _like_dtype(input, dtype):
    return input.dtype if dtype is None else dtype


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False,
              memory_format=None, layout=None):
    """``rand`` with ``input``'s shape and (by default) dtype."""
    _check_device(device, EMPTY_STRIDED)
    return rand(tuple(input.shape), generator=generator, dtype=_like_dtype(input, dtype),
                device=device, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False,
               memory_format=None, layout=None):
    """``randn`` with ``input``'s shape and (by default) dtype."""
    _check_device(device, EMPTY_STRIDED)
    return randn(tuple(input.shape), generator=generator, dtype=_like_dtype(input, dtype),
                 device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False, memory_format=None, layout=None):
    """``randint_like(input, high)`` / ``randint_like(input, low, high)``."""
    _check_device(device, EMPTY_STRIDED)
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator,
                   dtype=_like_dtype(input, dtype), device=device, requires_grad=requires_grad)


# ---- normal and bernoulli with tensor parameters ----------------------------------------------
class NormalBackward1(Function):
    """out = normal(mean_tensor, std)        grad_mean = 0 (torch does not reparameterize)"""

    @staticmethod
    def forward(ctx, mean, std, gen):
        out = _engine.normal(mean.shape, mean.dtype, 0.0, std, generator=gen)
        return out + mean

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None, None


class NormalBackward2(Function):
    """out = normal(mean, std_tensor)        grad_std = 0"""

    @staticmethod
    def forward(ctx, mean, std, gen):
        out = _engine.normal(std.shape, std.dtype, generator=gen)
        return out * std + std.dtype.type(mean)

    @staticmethod
    def backward(ctx, grad):
        return None, grad * 0, None


class NormalBackward3(Function):
    """out = normal(mean_tensor, std_tensor)        grad_mean = grad_std = 0"""

    @staticmethod
    def forward(ctx, mean, std, gen):
        shape = np.broadcast_shapes(mean.shape, std.shape)
        out = _engine.normal(shape, mean.dtype, generator=gen)
        return (out * std).astype(mean.dtype) + mean

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, grad * 0, None


def _check_std(std):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False, out=None, layout=None, pin_memory=False):
    """``normal(mean, std, size)`` with numbers, or with Tensor mean and/or std.

    Numbers: ``empty(size).normal_(mean, std)``.  Tensors follow torch's composition:
    ``normal(0, std) + mean``, or ``normal(0, 1) * std + mean`` for a Tensor std.
    """
    _check_device(device, EMPTY)
    gen = _gen(generator)
    m_t, s_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not m_t and not s_t:
        if size is None:
            raise TypeError("normal() missing required argument 'size' (pos 3)")
        _check_std(std)
        np_dt = _float_dtype(dtype, "normal_kernel_cpu")
        arr = _engine.normal(_size(tuple(size), "normal"), np_dt, float(mean), float(std),
                             generator=gen)
        return _wrap(arr, requires_grad)
    if m_t and not s_t:
        _check_std(std)
        _float_dtype(mean.dtype, "normal_kernel_cpu")
        return NormalBackward1.apply(mean, float(std), gen)
    if s_t:
        if (std._data < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        _float_dtype(std.dtype, "normal_kernel_cpu")
    if not m_t:
        return NormalBackward2.apply(float(mean), std, gen)
    return NormalBackward3.apply(mean, std, gen)


class BernoulliBackward0(Function):
    """out = bernoulli(p)        grad_p = 0"""

    edge_args = (0,)

    @staticmethod
    def forward(ctx, p, gen):
        return _bernoulli_p_tensor(p, p.shape, p.dtype, gen)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


def _bernoulli_p_tensor(p, shape, np_dtype, gen, order=None):
    """Samples ``U < p`` for p broadcast to ``shape``; float64 p uses U53, others 24 bits.

    ``order`` is the axis order of the target's memory layout (C order when None).
    """
    pb = np.broadcast_to(p, shape)
    if order is not None:
        pb = pb.transpose(order)
    contiguous = np.ascontiguousarray(pb if pb.dtype == np.float64 else pb.astype(np.float32))
    pb = contiguous.reshape(pb.shape)          # ascontiguousarray makes a 0-d p 1-d
    bad = ~((pb >= 0) & (pb <= 1))
    if bad.any():
        # torch checks each p inside its serial loop: earlier elements have drawn already
        first = int(np.argmax(bad.reshape(-1)))
        _engine.bernoulli_tensor(pb.reshape(-1)[:first], generator=gen)
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")
    return _engine.bernoulli_tensor(pb, np_dtype, generator=gen)


def bernoulli(input, p=None, *, generator=None, out=None):
    """``bernoulli(input)``: 1 with probability ``input``; ``bernoulli(input, p)``: with p."""
    gen = _gen(generator)
    if p is not None:
        return _bernoulli_(Tensor._from_array(np.empty_like(input._data)), p, generator=gen)
    return BernoulliBackward0.apply(input, gen)


# ---- in-place samplers (attached to Tensor below) ---------------------------------------------
def _uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs):
    """Fill with U[from, to): ``fma(x, to - from, from)``, and ``to`` replaced by ``from``."""
    from_ = kwargs.pop("from", from_)
    self._check_inplace()
    np_dt = _float_dtype(self.dtype, "check_uniform_bounds")
    _check_uniform_bounds(np_dt, float(from_), float(to))
    vals = _engine.uniform((self.numel(),), np_dt, float(from_), float(to),
                           generator=_gen(generator))
    return _fill(self, vals)


def _check_uniform_bounds(np_dt, from_, to):
    """torch's checks: both bounds finite in the dtype, from <= to, and to - from finite."""
    lowest, highest = float(np.finfo(np_dt).min), float(np.finfo(np_dt).max)
    c_name, limits_name = ("float", "Float") if np_dt == np.float32 else ("double", "Double")
    for name, value in (("from", from_), ("to", to)):
        if not lowest <= value <= highest:   # NaN fails too
            raise RuntimeError(f"{name} is out of bounds for {c_name}")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_num(from_)} > to={_num(to)}")
    if to - from_ > highest:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{limits_name}>::max(),"
                           f" but found to={_num(to)} and from={_num(from_)} which result in "
                           "to-from to exceed the limit")


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with N(mean, std**2); a non-contiguous tensor takes the scalar Box-Muller path."""
    self._check_inplace()
    np_dt = _float_dtype(self.dtype, "normal_kernel_cpu")
    _check_std(std)
    vals = _engine.normal((self.numel(),), np_dt, float(mean), float(std),
                          contiguous=self._data.flags.c_contiguous, generator=_gen(generator))
    return _fill(self, vals)


def _dtype_int_bounds(np_dt):
    if np_dt == np.bool_:
        return 0, 1
    if np_dt.kind in "iu":
        info = np.iinfo(np_dt)
        return int(info.min), int(info.max)
    return None


_MISSING = object()
_INT_NAMES = {np.dtype(np.uint8): "unsigned char", np.dtype(np.int8): "signed char",
              np.dtype(np.int16): "short int", np.dtype(np.int32): "int",
              np.dtype(np.int64): "long int"}


def _random_(self, from_=None, to=_MISSING, *, generator=None, **kwargs):
    """``random_()``, ``random_(to)``, ``random_(from, to)``; ``to=None`` means the dtype's max.

    No bounds: ``uniform_int_distribution`` (int64: ``random64() & (2**63 - 1)``).  With bounds:
    ``from + v % (to - from)`` with a 32-bit draw below a range of 2**28, 64-bit above.
    """
    from_ = kwargs.pop("from", from_)
    self._check_inplace()
    np_dt = self._data.dtype
    gen = _gen(generator)
    n = self.numel()
    if to is _MISSING:
        if from_ is None:
            return _fill(self, _engine.random_((n,), np_dt, generator=gen))
        from_, to = 0, from_                      # random_(to)
    from_ = 0 if from_ is None else from_
    bounds = _dtype_int_bounds(np_dt)
    if to is None:                                # random_(from, None): up to the dtype's max
        to = (bounds[1] if bounds else 1 << (24 if np_dt == np.float32 else 53)) + 1
    from_, to = int(from_), int(to)
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} "
                           f">= to={to}")
    if np_dt in _INT_NAMES:
        if not bounds[0] <= from_ <= bounds[1]:
            raise RuntimeError(f"from is out of bounds for {_INT_NAMES[np_dt]}")
        if not bounds[0] <= to - 1 <= bounds[1]:
            raise RuntimeError(f"to - 1 is out of bounds for {_INT_NAMES[np_dt]}")
    return _fill(self, _engine.randint(from_, to, (n,), np_dt, generator=gen))


def _bernoulli_(self, p=0.5, *, generator=None):
    """1 with probability p (a number: ``U53() < p``; a Tensor: per element, broadcast)."""
    self._check_inplace()
    gen = _gen(generator)
    np_dt = self._data.dtype
    if isinstance(p, Tensor):
        _, order = _memory_order(self._data)
        vals = _bernoulli_p_tensor(p._data, self._data.shape, np_dt, gen, order)
        return _fill(self, vals)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")
    return _fill(self, _engine.bernoulli((self.numel(),), float(p), np_dt, generator=gen))


def _exponential_(self, lambd=1.0, *, generator=None):
    """Fill with Exp(lambd) samples: ``-1/lambd * log1p(-U53())``."""
    self._check_inplace()
    if self._data.dtype.kind != "f":
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{self.dtype.short_name}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    np_dt = _float_dtype(self.dtype, "exponential")
    return _fill(self, _engine.exponential((self.numel(),), float(lambd), np_dt,
                                           generator=_gen(generator)))


Tensor.uniform_ = _uniform_
Tensor.normal_ = _normal_
Tensor.random_ = _random_
Tensor.bernoulli_ = _bernoulli_
Tensor.exponential_ = _exponential_


def _bernoulli_method(self, p=None, *, generator=None):
    """``t.bernoulli()`` / ``t.bernoulli(p)``: see ``bernoulli``."""
    return bernoulli(self, p, generator=generator)


Tensor.bernoulli = _bernoulli_method
