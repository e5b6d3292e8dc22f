"""A corpus of malformed calls across the API: each raises the exception class torch raises
(or succeeds where torch succeeds). Hand-written calls cover wrong types, shapes and kwargs; a
generated part puts every bad dim into every op that takes one; hypothesis draws more."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad


def x(T):
    return T.ones(2, 3)


# template -> bad values ({v} is replaced by each); T is the library under test
MALFORMED = {
    "T.zeros(2, dtype={v})": ["'float32'", "3", "np.float32", "None.__class__", "[1]"],
    "T.ones({v})": ["", "-1", "'a'", "2.5", "(2, -1)", "[[2]]", "None"],
    "T.full((2,), {v})": ["'a'", "[1, 2]", "None"],
    "T.arange({v})": ["'a'", "float('nan')", "float('inf')", "-1", "(1, 2)"],
    "T.arange(0, 5, {v})": ["0", "-1", "0.0"],
    "T.tensor({v})": ["'abc'", "[[1, 2], [3]]", "[1, 'a']", "object()", "{1: 2}", "[[1], 2]"],
    "x(T).sum({v})": ["5", "-4", "'a'", "1.5", "(0, 0)", "[0, 5]"],
    "x(T).sum(0, keepdim={v})": ["'yes'", "2", "None"],
    "x(T).mean({v})": ["5", "1.5", "'a'"],
    "x(T).max({v})": ["5", "'a'", "1.5"],
    "x(T).max(0, keepdim={v})": ["'yes'", "1.5"],
    "x(T).transpose(0, {v})": ["5", "1.5", "'a'"],
    "x(T).reshape({v})": ["(4, 2)", "(-1, -1)", "(7,)", "'a'", "(2.5, 2)"],
    "x(T).view({v})": ["(4, 2)", "(-1, -1)", "'a'", "(-2, 3)"],
    "x(T).permute({v})": ["(0,)", "(0, 0)", "(0, 2)", "'a'"],
    "x(T).squeeze({v})": ["5", "'a'", "1.5"],
    "x(T).unsqueeze({v})": ["5", "-4", "'a'", "1.5"],
    "x(T).tril({v})": ["1.5", "'a'"],
    "x(T).nonzero(as_tuple={v})": ["'x'", "2"],
    "T.cat([x(T), {v}])": ["T.ones(3, 3)", "T.ones(2)", "1", "None"],
    "T.cat({v})": ["[]", "x(T)", "1"],
    "T.stack([x(T), {v}])": ["T.ones(3, 3)", "1", "T.ones(2, 3, dtype=T.float64)"],
    "x(T) @ {v}": ["T.ones(2, 3)", "T.ones(4)", "1", "'a'", "T.ones(())"],
    "T.matmul(x(T), {v})": ["T.ones(2, 3)", "T.ones(4)", "T.ones(2, 3, dtype=T.float64)"],
    "x(T) + {v}": ["T.ones(4)", "'a'", "None", "[1, 2, 3]", "T.ones(3, 2)"],
    "x(T).softmax({v})": ["5", "'a'"],
    "x(T)[{v}]": [
        "5",
        "(0, 5)",
        "'a'",
        "1.5",
        "(0, 0, 0)",
        "T.tensor([1.5])",
        "T.tensor([5])",
        "[[0, 5]]",
        "None, 5",
    ],
    "x(T).expand({v})": ["(3, 3)", "(1, 3)", "(-1, 2)", "'a'"],
    "x(T).repeat({v})": ["(1,)", "(-1, 1)", "'a'"],
    "x(T).split({v})": ["0", "'a'", "-1"],
    "x(T).chunk({v})": ["0", "-1", "'a'"],
    "x(T).topk({v})": ["5", "-1", "'a'"],
    "x(T).gather(0, {v})": ["T.tensor([[5]])", "T.tensor([[0.5]])", "T.tensor([0])"],
    "x(T).index_select(0, {v})": ["T.tensor([5])", "T.tensor([0.5])", "T.tensor([[0]])"],
    "x(T).clamp({v})": ["'a'", "None"],
    "x(T).pow({v})": ["'a'", "None"],
    "x(T).to({v})": ["'float33'", "'cuda'"],
    "x(T).type({v})": ["'torch.Foo'", "5"],
    "x(T).requires_grad_({v})": ["'yes'"],
    "x(T).detach().int().requires_grad_({v})": ["True"],
    "T.randn({v})": ["-1", "'a'", "2.5"],
    "T.randint({v})": ["0, 0, (2,)", "5, 2, (2,)", "'a', (2,)", "5"],
    "T.randperm({v})": ["-1", "'a'", "2.5"],
    "T.manual_seed({v})": ["'a'", "-1", "2**64", "1.5"],
    "T.nn.Linear({v})": ["-1, 2", "'a', 2", "2.5, 2"],
    "T.nn.functional.cross_entropy(x(T), {v})": [
        "T.tensor([0, 5])",
        "T.tensor([0.5, 1])",
        "T.tensor([0])",
    ],
    "T.nn.functional.mse_loss(x(T), {v})": ["T.ones(3)", "1"],
    "T.optim.SGD([x(T).requires_grad_()], lr={v})": ["-1", "'a'"],
    "T.utils.data.DataLoader([1, 2], {v})": [
        "sampler=[0.5]",
        "batch_sampler=[0, 1]",
        "timeout=-1",
        "prefetch_factor=2",
        "batch_size=0",
        "batch_size=-1",
        "num_workers=-1",
        "shuffle=True, sampler=[0, 1]",
    ],
    "x(T)[0].detach_({v})": [""],
    "x(T).t().detach_({v})": [""],
    "x(T).flatten({v})": ["5", "1, 0", "'a'"],
    "x(T).narrow({v})": ["0, 0, 5", "5, 0, 1", "0, -5, 1"],
    "x(T).masked_fill({v}, 0)": ["T.ones(2, 3)", "T.ones(5, dtype=T.bool)"],
    "x(T).norm(p={v})": ["'a'", "'fro'"],
    "T.where({v}, x(T), x(T))": ["x(T)", "T.ones(5, dtype=T.bool)"],
    "x(T).argmax({v})": ["5", "'a'"],
    "x(T).var({v})": ["5", "'a'", "correction='a'"],
    "T.eye({v})": ["-1", "'a'", "2.5"],
    "T.linspace(0, 1, {v})": ["-1", "'a'", "2.5"],
}

# ops that take a dim, called with a dim that cannot be one
DIM_OPS = [
    "sum({d})",
    "mean({d})",
    "prod({d})",
    "max({d})",
    "min({d})",
    "amax({d})",
    "amin({d})",
    "argmax({d})",
    "argmin({d})",
    "softmax({d})",
    "log_softmax({d})",
    "cumsum({d})",
    "cumprod({d})",
    "squeeze({d})",
    "unsqueeze({d})",
    "flatten({d})",
    "transpose(0, {d})",
    "select({d}, 0)",
    "narrow({d}, 0, 1)",
    "std({d})",
    "var({d})",
    "logsumexp({d})",
    "norm(dim={d})",
    "all({d})",
    "any({d})",
    "unbind({d})",
    "chunk(2, {d})",
    "split(1, {d})",
    "flip({d})",
    "sort({d})",
    "argsort({d})",
    "topk(1, {d})",
    "kthvalue(1, {d})",
    "median({d})",
    "movedim(0, {d})",
    "index_select({d}, T.tensor([0]))",
    "count_nonzero({d})",
    "mean({d}, keepdim=True)",
    "sum(({d}, 0))",
]
BAD_DIMS = ["7", "-8", "1.5", "'a'"]
SHAPES = ["T.ones(2, 3)", "T.ones(4)"]


def _outcome(expr, lib):
    try:
        eval(expr, {"T": lib, "x": x, "np": np})
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__
    return "ok"


def _calls():
    calls = [tpl.format(v=v) for tpl, values in MALFORMED.items() for v in values]
    calls += [f"{shape}.{op.format(d=d)}" for op in DIM_OPS for d in BAD_DIMS for shape in SHAPES]
    return calls


CALLS = _calls()


def test_the_corpus_is_large():
    assert len(CALLS) >= 300


@pytest.mark.parametrize("expr", CALLS)
def test_malformed_call_raises_torchs_exception_class(expr):
    assert _outcome(expr, minigrad) == _outcome(expr, torch), expr


@settings(max_examples=60, deadline=None)
@given(
    ndim=st.integers(0, 3),
    op=st.sampled_from(DIM_OPS),
    dim=st.one_of(st.integers(-9, 9), st.floats(-3, 3), st.sampled_from(["0", "a"])),
)
def test_drawn_dims_raise_as_torch(ndim, op, dim):
    expr = f"T.ones({(2,) * ndim}).{op.format(d=repr(dim))}"
    assert _outcome(expr, minigrad) == _outcome(expr, torch), expr
