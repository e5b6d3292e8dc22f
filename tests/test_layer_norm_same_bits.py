"""Layer norm's kernels (ops/_moments.py, ops/layer_norm.py) give the same bits as their first,
plain version (tests/_moments_reference.py) on drawn inputs: odd widths, widths under one
vector, widths of several Welford chunks and cascade levels, rows of one, NaN, inf, -0.0,
subnormal and huge values, random bit patterns. A NaN must sit where the reference has one; its
payload bits follow NumPy's inner loops (which operand a compiled loop hands on) and are not
compared. Also: a compiled GPT training step replays bit for bit, and the transposed input a
forward keeps for its backward stays its own while other layer norms run."""
import numpy as np
import pytest

import _moments_reference as reference
import minigrad
from benchmarks.lm_steps import gpt_train
from minigrad.ops import _moments

WIDTHS = [1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 63, 64, 65, 127, 128, 129, 135, 200, 256, 257,
          384, 520, 640, 1030]   # 520: five chunks (a level merged while empty); 1030: eight
KINDS = ["normal", "bits", "special", "large", "tiny", "constant"]
_SPECIAL = np.concatenate([
    np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-45, -1e-45, 3e38, -3e38, 1e-38,
              1.5, 2.5e-40], np.float32),
    np.array([0x7FA00001, 0xFFC12345, 0x7F800001], np.uint32).view(np.float32)])  # NaN payloads


def draw(rng, shape, kind):
    """float32 values of one kind (module docstring)."""
    if kind == "normal":
        scale, shift = rng.choice([1e-3, 1.0, 3.0, 1e4]), rng.choice([0.0, 1.0, -50.0])
        return (rng.standard_normal(shape) * scale + shift).astype(np.float32)
    if kind == "bits":
        return rng.integers(0, 2**32, size=shape, dtype=np.uint64).astype(np.uint32) \
            .view(np.float32)
    if kind == "special":
        x = rng.standard_normal(shape).astype(np.float32)
        mask = rng.random(shape) < rng.choice([0.05, 0.3, 0.9])
        x[mask] = rng.choice(_SPECIAL, size=int(mask.sum()))
        return x
    if kind == "large":
        return (rng.standard_normal(shape) * 1e19).astype(np.float32)
    if kind == "tiny":
        return (rng.standard_normal(shape) * 1e-41).astype(np.float32)
    return np.full(shape, rng.standard_normal(), np.float32)


def assert_same_bits(got, want):
    assert got.shape == want.shape and got.dtype == want.dtype
    got, want = np.array(got), np.array(want)
    nan = np.isnan(want)
    assert (np.isnan(got) == nan).all()
    got[nan] = want[nan] = 0
    assert got.tobytes() == want.tobytes()


def _rows(rng, n):
    return int(rng.choice([1, 2, 3, 5, 17] if n > 256 else [1, 2, 3, 5, 17, 64]))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_row_moments_same_bits(kind, dtype):
    rng = np.random.default_rng(KINDS.index(kind))
    for n in WIDTHS:
        for _ in range(2):
            x = draw(rng, (_rows(rng, n), n), kind).astype(dtype)
            with np.errstate(all="ignore"):
                mean, var = _moments.row_moments(x)
                want_mean, want_var = reference.row_moments(x)
                mean_t, var_t = _moments.row_moments(x, _moments.transposed(x))
            assert_same_bits(mean, want_mean)
            assert_same_bits(var, want_var)
            assert_same_bits(mean_t, want_mean)
            assert_same_bits(var_t, want_var)


def test_row_moments_of_many_rows_same_bits():
    rng = np.random.default_rng(7)
    for kind in ("normal", "special"):
        x = draw(rng, (512, 64), kind)
        with np.errstate(all="ignore"):
            for got, want in zip(_moments.row_moments(x), reference.row_moments(x)):
                assert_same_bits(got, want)


def _statistics(rng, x, kind):
    """(mean, rstd) columns: the rows' own (float32 statistics for float16, as the op saves
    them) or drawn."""
    if kind == "drawn":
        mean, rstd = draw(rng, (x.shape[0], 1), "special"), draw(rng, (x.shape[0], 1), "normal")
        return mean.astype(x.dtype), rstd.astype(x.dtype)
    wide = x.astype(np.float32) if x.dtype == np.float16 else x
    mean, var = reference.row_moments(wide)
    rstd = wide.dtype.type(1) / np.sqrt(var + wide.dtype.type(1e-5))
    return mean[:, None], rstd[:, None]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("kind", KINDS)
def test_layer_norm_grad_input_same_bits(kind, dtype):
    rng = np.random.default_rng(10 + KINDS.index(kind))
    with np.errstate(all="ignore"):
        for n in WIDTHS:
            rows = _rows(rng, n)
            x = draw(rng, (rows, n), kind).astype(dtype)
            g = draw(rng, (rows, n), KINDS[n % len(KINDS)]).astype(dtype)
            mean, rstd = _statistics(rng, x, "drawn" if n % 3 == 0 else "own")
            for w in (None, draw(rng, (n,), "normal"), draw(rng, (n,), "special")):
                w = None if w is None else w.astype(dtype)
                want = reference.layer_norm_grad_input(g, x, mean, rstd, w)
                assert_same_bits(_moments.layer_norm_grad_input(g, x, mean, rstd, w), want)
                got = _moments.layer_norm_grad_input(g, x, mean, rstd, w, _moments.transposed(x))
                assert_same_bits(got, want)


@pytest.mark.parametrize("shape", [(40, 1030), (300, 129), (2, 20001), (4100, 8)])
def test_layer_norm_grad_input_of_large_inputs_same_bits(shape):
    """Over ``_moments._BLOCK`` values the row sums run on transposed views, not copies."""
    assert shape[0] * shape[1] > _moments._BLOCK
    rng = np.random.default_rng(shape[1])
    x, g = draw(rng, shape, "normal"), draw(rng, shape, "special")
    mean, rstd = _statistics(rng, x, "own")
    with np.errstate(all="ignore"):
        for w in (None, draw(rng, (shape[1],), "normal")):
            want = reference.layer_norm_grad_input(g, x, mean, rstd, w)
            assert_same_bits(_moments.layer_norm_grad_input(g, x, mean, rstd, w), want)


def _reference_layer_norm(x, w, b, g, eps):
    """Output and (input, weight, bias) gradients of layer norm over the last dim, from the
    reference kernels and the op's own formulas (ops/layer_norm.py)."""
    mean, var = reference.row_moments(x)
    rstd = np.float32(1) / np.sqrt(var + np.float32(eps))
    out = x - mean[:, None]
    out *= rstd[:, None]
    if w is not None and b is not None:
        out = _moments.fma(out, w, b)
    elif w is not None:
        out *= w
    elif b is not None:
        out += b
    a, m = rstd[:, None], mean[:, None]
    grads = [reference.layer_norm_grad_input(g, x, m, a, w)]
    if w is not None:
        grads.append((g * (a * x + -a * m)).sum(0))
    if b is not None:
        grads.append(g.sum(0))
    return out, grads


@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
@pytest.mark.parametrize("kind", ["normal", "special", "bits", "large"])
def test_layer_norm_op_same_bits(kind, affine):
    """F.layer_norm's float32 output and gradients against the reference kernels."""
    rng = np.random.default_rng(20 + KINDS.index(kind))
    for shape in [(512, 64), (3, 5, 17), (7, 1), (2, 200), (1, 9)]:
        n = shape[-1]
        x, g = draw(rng, shape, kind), draw(rng, shape, "normal")
        w = draw(rng, (n,), "normal") if affine in ("both", "weight") else None
        b = draw(rng, (n,), "normal") if affine in ("both", "bias") else None
        with np.errstate(all="ignore"):
            want, want_grads = _reference_layer_norm(x.reshape(-1, n), w, b, g.reshape(-1, n),
                                                     1e-5)
            leaves = [minigrad.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
            xt = leaves[0]
            wt = minigrad.tensor(w, requires_grad=True) if w is not None else None
            bt = minigrad.tensor(b, requires_grad=True) if b is not None else None
            out = minigrad.nn.functional.layer_norm(xt, (n,), wt, bt)
            out.backward(minigrad.tensor(g))
        assert_same_bits(out.detach().numpy().reshape(-1, n), want)
        grads = [t.grad.numpy() for t in (xt, wt, bt) if t is not None]
        assert_same_bits(grads[0].reshape(-1, n), want_grads[0])
        for got, expected in zip(grads[1:], want_grads[1:]):
            assert_same_bits(got, expected)


def test_each_layer_norm_keeps_its_own_transposed_input():
    """Each forward keeps x transposed for its backward: layer norms of the same shape run
    before their backwards give the gradients each gives alone."""
    rng = np.random.default_rng(3)
    xs = [draw(rng, (64, 32), "normal") for _ in range(2)]
    g = draw(rng, (64, 32), "normal")
    alone = []
    for x in xs:
        t = minigrad.tensor(x, requires_grad=True)
        minigrad.nn.functional.layer_norm(t, (32,)).backward(minigrad.tensor(g))
        alone.append(t.grad.numpy().copy())
    ts = [minigrad.tensor(x, requires_grad=True) for x in xs]
    outs = [minigrad.nn.functional.layer_norm(t, (32,)) for t in ts]
    for out in reversed(outs):
        out.backward(minigrad.tensor(g))
    for t, want in zip(ts, alone):
        assert t.grad.numpy().tobytes() == want.tobytes()


def _gpt_losses(compiled):
    """The losses of a few training steps of the suite's small GPT (five layer norms a step)."""
    train = gpt_train(minigrad, batch=4, tokens=8)
    fn = minigrad.compile(train, fullgraph=True) if compiled else train
    return [fn().detach().numpy().tobytes() for _ in range(4)]


def test_compiled_gpt_step_replays_bit_for_bit():
    assert _gpt_losses(compiled=True) == _gpt_losses(compiled=False)
