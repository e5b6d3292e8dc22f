"""torch's CPU random streams, reproduced bit for bit: same seed, same numbers."""
from . import CPU_ONLY_RNG, program


@program("random", skip=CPU_ONLY_RNG)
def seeded_streams(T, device):
    """manual_seed then randn/rand/randint/randperm/normal_/uniform_, and initial_seed."""
    T.manual_seed(100)
    out = {"randn": T.randn(2, 3), "initial_seed": T.initial_seed(), "rand": T.rand(5),
           "randint": T.randint(0, 10, [2, 3]), "randn_f64": T.randn(4, dtype=T.float64),
           "randperm": T.randperm(7), "randn_big": T.randn(40)}
    out["normal_"] = T.empty(10).normal_(1.0, 2.0)
    out["uniform_"] = T.empty(9).uniform_(-1, 1)
    out["randint_f64"] = T.randint(0, 10, [2, 3], dtype=T.float64)
    g = T.Generator().manual_seed(7)
    out["generator"] = T.randn(3, generator=g)
    return out


@program("random", skip=CPU_ONLY_RNG)
def seeded_init(T, device):
    """nn.Linear's default initialisation under manual_seed matches torch's."""
    T.manual_seed(0)
    lin = T.nn.Linear(3, 2)
    return {"weight": lin.weight, "bias": lin.bias}
