"""What a hook may return: torch refuses a gradient of another shape or dtype, or no Tensor,
with the same error for leaf hooks, tensor hooks, node hooks and node pre-hooks."""
import pytest
import torch

import minigrad
from helpers import assert_same_error, assert_tensor_equal

REPLACEMENTS = {
    "bigger": lambda lib, g: lib.ones(5),
    "broadcastable": lambda lib, g: lib.ones(1),
    "double": lambda lib, g: g.double(),
    "int": lambda lib, g: g.int(),
    "number": lambda lib, g: 3.0,
    "scaled": lambda lib, g: g * 3,
    "none": lambda lib, g: None,
}


def _leaf_hook(lib, make):
    x = lib.ones(3, requires_grad=True)
    x.register_hook(lambda g: make(lib, g))
    (x * 2).sum().backward()
    return x.grad


def _tensor_hook(lib, make):
    x = lib.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: make(lib, g))
    (y * 2).sum().backward()
    return x.grad


def _node_hook(lib, make):
    x = lib.ones(3, requires_grad=True)
    y = x * 2
    y.grad_fn.register_hook(lambda gi, go: (make(lib, gi[0]), None))
    y.sum().backward()
    return x.grad


def _node_prehook(lib, make):
    x = lib.ones(3, requires_grad=True)
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (make(lib, go[0]),))
    y.sum().backward()
    return x.grad


@pytest.mark.parametrize("where", [_leaf_hook, _tensor_hook, _node_hook, _node_prehook])
@pytest.mark.parametrize("kind", sorted(REPLACEMENTS))
def test_hook_result_checked_as_torch(where, kind):
    make = REPLACEMENTS[kind]
    try:
        expected = where(torch, make)
    except Exception:  # noqa: BLE001 - torch refuses: minigrad must raise the same
        assert_same_error(lambda: where(minigrad, make), lambda: where(torch, make))
        return
    got = where(minigrad, make)
    if expected is None:   # a node hook that returns None for a gradient drops it
        assert got is None
    else:
        assert_tensor_equal(got, expected)
