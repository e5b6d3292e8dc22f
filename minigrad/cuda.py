"""``torch.cuda`` as a torch build without CUDA answers it: nothing is available.

Queries answer (``is_available() -> False``, ``device_count() -> 0``, memory counters 0), the
seeding calls are accepted and do nothing (a script seeds every device unconditionally), and
anything that needs a GPU raises torch's ``AssertionError: Torch not compiled with CUDA enabled``.
"""
__all__ = ["is_available", "device_count", "is_initialized", "init", "manual_seed",
           "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state",
           "set_rng_state", "synchronize", "empty_cache", "current_device", "get_device_name",
           "get_device_properties", "get_device_capability", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "is_bf16_supported", "get_arch_list"]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def _no_cuda(*args, **kwargs):
    raise AssertionError(_NOT_COMPILED)


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Accepted and ignored (no CUDA generator exists); the seed must still be an integer."""
    int(seed)


def manual_seed_all(seed):
    int(seed)


def seed():
    pass


def seed_all():
    pass


def empty_cache():
    pass


def memory_allocated(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def is_bf16_supported(including_emulation=True):
    return False


def get_arch_list():
    return []


# each of these needs an initialized CUDA runtime
init = initial_seed = get_rng_state = set_rng_state = synchronize = current_device = _no_cuda
get_device_name = get_device_properties = get_device_capability = _no_cuda
