"""Forward-mode AD of the nn op families against torch.autograd.forward_ad.

Each case of ``forward_cases_nn.NN_CASES`` (activations, convolution, pooling, padding,
upsampling, rearranging, normalisation, attention, embedding, recurrent layers) runs in both
libraries, float32 and float64: primals and tangents as torch's, float64 tangents as central
finite differences (``test_forward_ad.check_case``). The ops torch gives no forward formula
raise torch's error here too.
"""
import pytest
import torch
import torch.autograd.forward_ad as th_fwad
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.autograd.forward_ad as mg_fwad
from forward_cases_nn import NN_CASES
from forward_draws_nn import FAMILIES
from helpers import assert_same_error, assert_tensor_equal
from test_forward_ad import check_case


@pytest.mark.parametrize("case", NN_CASES, ids=[c.name for c in NN_CASES])
@settings(max_examples=2, deadline=None)
@given(data=st.data())
def test_nn_forward_mode_matches_torch(case, data):
    check_case(case, data)


@pytest.mark.slow
@pytest.mark.parametrize("case", NN_CASES, ids=[c.name for c in NN_CASES])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_nn_forward_mode_matches_torch_many_draws(case, data):
    check_case(case, data)


def _bag(lib, w):
    return lib.nn.functional.embedding_bag(lib.tensor([[1, 0], [2, 2]]), w, mode="mean")


def _fused_attention(lib, q):
    return lib.nn.functional.scaled_dot_product_attention(q, q * 2, q + 1, is_causal=True)


def _fused_lstm(lib, x):
    lib.manual_seed(0)
    return lib.nn.LSTM(3, 2, batch_first=True)(x)[0]


def _pack(lib, x):
    return lib.nn.utils.rnn.pack_padded_sequence(x, lib.tensor([3, 1]), batch_first=True)


def _hardsigmoid_hvp(lib, x):
    leaf = x.detach().requires_grad_()
    return lib.autograd.grad((lib.nn.functional.hardsigmoid(leaf) * x).sum(), leaf,
                             create_graph=True)


WITHOUT_FORMULA_IN_TORCH = {
    "hardsigmoid_backward": (_hardsigmoid_hvp, (2, 3)),
    "embedding_bag": (_bag, (4, 3)),
    "fused_cpu_attention": (_fused_attention, (1, 2, 4, 3)),
    "fused_lstm_layer_float32": (_fused_lstm, (2, 4, 3)),
    "pack_padded_sequence": (_pack, (2, 3, 2)),
}


@pytest.mark.parametrize("name", sorted(WITHOUT_FORMULA_IN_TORCH))
def test_ops_without_a_forward_formula_in_torch_raise_its_error(name):
    fn, shape = WITHOUT_FORMULA_IN_TORCH[name]

    def attempt(lib, fwad):
        lib.manual_seed(1)
        with fwad.dual_level():
            x = fwad.make_dual(lib.randn(*shape), lib.randn(*shape))
            return fn(lib, x)
    assert_same_error(lambda: attempt(minigrad, mg_fwad), lambda: attempt(torch, th_fwad))


def test_derivative_table_shows_every_forward_formula():
    """docs/derivatives.md's forward-mode column: each node's JVP text, or torch's reason."""
    from minigrad.autograd import derivatives, forward_formulas
    rows = {r.name: r for r in derivatives.rows()}
    assert rows["GeluBackward0"].jvp == forward_formulas.jvp_formula("GeluBackward0")
    assert rows["EmbeddingBagBackward0"].jvp.startswith("none (torch has none")
    blank = sorted(name for name, r in rows.items() if not r.jvp)
    assert blank == ["TapsAdjoint", "TapsFunction"]  # base classes, never recorded
    assert "| forward mode (JVP) |" in derivatives.HEADER


# ---- drawn configurations: shapes and arguments from hypothesis ------------------------------
@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_drawn_nn_forward_mode_matches_torch(family, data):
    """Each family's op on drawn sizes, kernels, strides, paddings, groups and modes: primals
    and tangents as torch's (float32 and float64), float64 tangents as finite differences."""
    check_case(FAMILIES[family](data), data)


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_drawn_nn_forward_mode_matches_torch_many_draws(family, data):
    check_case(FAMILIES[family](data), data)


@pytest.mark.parametrize("name", ["threshold", "silu", "mish", "hardswish", "elu"])
def test_inplace_activation_backward_reads_the_input_before_the_write(name):
    """An in-place activation whose backward needs its input saves a copy of it, tangent
    included (torch saves a clone of the original self): its gradient, and the tangent of
    that gradient, are the out-of-place op's. (threshold_ read its mask from the result, wrong
    where the value written is above the threshold; silu_, mish_ and hardswish_ read the
    tangent the write gave the input.)"""
    def run_lib(lib, fwad):
        x = lib.tensor([-0.7, 0.5, 2.5], dtype=lib.float64, requires_grad=True)
        args = (0.1, 2.0) if name == "threshold" else ()
        grad, = lib.autograd.grad((getattr(lib.nn.functional, name)(x * 1, *args, inplace=True)
                                   * x).sum(), x)
        with fwad.dual_level():
            d = fwad.make_dual(x, lib.tensor([0.8, 0.3, -0.4], dtype=lib.float64))
            y = getattr(lib.nn.functional, name)(d * 1, *args, inplace=True)
            g, = lib.autograd.grad((y * d).sum(), x, create_graph=True)
            return grad, fwad.unpack_dual(y).tangent, fwad.unpack_dual(g).tangent
    for got, expected in zip(run_lib(minigrad, mg_fwad), run_lib(torch, th_fwad)):
        assert_tensor_equal(got, expected)
