"""Forward-mode cases of the losses with nodes of their own, the distances, bilinear,
channel_shuffle and rrelu: the same ``Case`` as ``forward_cases`` (run by
``test_distance_modules``; ``test_forward_ad`` counts the nodes they reach). Targets that carry
no tangent are built inside ``fn``."""
import numpy as np

from forward_cases import Case


def _f(lib):
    return lib.nn.functional


def _signs(lib, x):
    """A ±1 target of x's shape and dtype (a constant: no tangent)."""
    signs = np.where(np.arange(x.numel()) % 3 == 0, -1.0, 1.0).reshape(tuple(x.shape))
    return lib.from_numpy(signs).to(x.dtype)


def _seeded(lib, draw):
    lib.manual_seed(0)
    return draw()


PAIR = ("anywhere", "anywhere")

LOSS_CASES = [
    Case("pairwise_distance", lambda lib, a, b: _f(lib).pairwise_distance(a, b, 3.0), PAIR,
         ((3, 4), (3, 4))),
    Case("cosine_embedding_loss", lambda lib, a, b: _f(lib).cosine_embedding_loss(
        a, b, _signs(lib, a[:, 0]), margin=-0.5), PAIR, ((3, 4), (3, 4))),
    Case("channel_shuffle", lambda lib, x: _f(lib).channel_shuffle(x, 2), shapes=((2, 4, 3),)),
    Case("bilinear", lambda lib, a, b, w: _f(lib).bilinear(a, b, w), ("anywhere",) * 3,
         ((3, 2), (3, 4), (5, 2, 4))),
    Case("smooth_l1_loss", lambda lib, a, b: _f(lib).smooth_l1_loss(a, b, beta=0.5), PAIR,
         "nd"),
    Case("huber_loss", lambda lib, a, b: _f(lib).huber_loss(a, b, reduction="sum", delta=0.7),
         PAIR, "nd"),
    Case("soft_margin_loss", lambda lib, x: _f(lib).soft_margin_loss(x, _signs(lib, x)),
         shapes="nd"),
    Case("rrelu", lambda lib, x: _f(lib).rrelu(x, 0.1, 0.3), ("nonzero",)),
    Case("rrelu_training", lambda lib, x: _seeded(lib, lambda: _f(lib).rrelu(
        x, 0.1, 0.3, training=True)), ("nonzero",)),
]

# ops torch gives no forward formula: forward AD raises torch's error (fn(lib, dual))
NO_FORWARD_FORMULA = {
    "pdist": lambda lib, x: lib.pdist(x),
    "cdist": lambda lib, x: lib.cdist(x, x * 2),
    "cdist_mm": lambda lib, x: lib.cdist(x, x * 2, compute_mode="use_mm_for_euclid_dist"),
    "multi_margin_loss": lambda lib, x: _f(lib).multi_margin_loss(x, lib.tensor([0, 1, 2])),
    "multilabel_margin_loss": lambda lib, x: _f(lib).multilabel_margin_loss(
        x, lib.tensor([[0, -1, 0], [2, 1, -1], [1, 0, 2]])),
    "rrelu_": lambda lib, x: _f(lib).rrelu(x * 1, training=True, inplace=True),
}
