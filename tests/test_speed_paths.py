"""Fast paths taken for speed give the same bits as the general route and as torch."""
import numpy as np
import torch

from minigrad._fma import fma


def test_fma_with_unit_multiplier_is_torchs_add_with_alpha_one():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        a = (rng.standard_normal(50_000) * 10.0 ** rng.integers(-8, 8, 50_000)).astype(dtype)
        c = (rng.standard_normal(50_000) * 10.0 ** rng.integers(-8, 8, 50_000)).astype(dtype)
        a[:4] = [np.inf, -0.0, np.nan, 3e38]
        c[:4] = [1.0, -0.0, 2.0, 3e38]
        expected = torch.from_numpy(c).add(torch.from_numpy(a), alpha=1).numpy()
        for n in (1, 100, 50_000):       # every route of fma (one element, small, sliced)
            got = fma(a[:n], dtype(1), c[:n])
            assert got.tobytes() == expected[:n].tobytes()
            out = c[:n].copy()
            assert fma(a[:n], dtype(1), out, out=out) is out
            assert out.tobytes() == expected[:n].tobytes()


def test_embedding_gradient_rows_add_up_in_the_order_of_add_at_and_torch():
    from minigrad.ops.embedding import scatter_rows
    rng = np.random.default_rng(1)
    for num_rows, lookups, width in ((64, 512, 64), (5, 1000, 3), (2, 300, 2), (7, 0, 4)):
        values = (rng.standard_normal((lookups, width))
                  * 10.0 ** rng.integers(-6, 6, (lookups, width))).astype(np.float32)
        values.flat[:3] = [-0.0, -0.0, np.inf][:values.size]
        rows = rng.integers(0, num_rows, lookups)
        expected = np.zeros((num_rows, width), np.float32)
        np.add.at(expected, rows, values)       # one row after another, in order
        assert scatter_rows(rows, values, num_rows).tobytes() == expected.tobytes()
    weight = torch.zeros(64, 64, requires_grad=True)
    rows, values = rng.integers(0, 64, (16, 32)), rng.standard_normal((16, 32, 64))
    torch.nn.functional.embedding(torch.from_numpy(rows), weight).backward(
        torch.from_numpy(values.astype(np.float32)))
    got = scatter_rows(rows.reshape(-1), values.astype(np.float32).reshape(-1, 64), 64)
    np.testing.assert_allclose(got, weight.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_clip_grad_norm_scales_in_place_with_the_bits_of_mul_():
    import minigrad
    rng = np.random.default_rng(2)
    params = []
    for shape, dtype in (((64, 64), np.float32), ((7,), np.float32), ((3, 3), np.float64)):
        p = minigrad.zeros(shape, dtype=getattr(minigrad, np.dtype(dtype).name),
                           requires_grad=True)
        p.grad = minigrad.from_numpy((rng.standard_normal(shape) * 5).astype(dtype))
        params.append(p)
    params[1].grad.requires_grad_()      # one that needs a graph takes mul_ itself
    grads = [p.grad for p in params]
    total = minigrad.nn.utils.get_total_norm(grads)
    coef = minigrad.clamp(1.0 / (total + 1e-6), max=1.0)
    expected = [g.clone().mul_(coef) for g in grads]
    versions = [g._version for g in grads]
    minigrad.nn.utils.clip_grad_norm_(params, 1.0)
    for g, e, v in zip(grads, expected, versions):
        assert g.detach().numpy().tobytes() == e.detach().numpy().tobytes()
        assert g._version == v + 1


def test_attention_backward_reusing_the_forwards_probabilities_gives_the_same_bits():
    import minigrad
    F = minigrad.nn.functional
    rng = np.random.default_rng(3)
    mask = rng.random((5, 6)) < 0.6
    mask[1] = False                                   # a query row that sees no key
    for kwargs in ({"is_causal": True}, {"attn_mask": minigrad.from_numpy(mask)},
                   {"enable_gqa": True}):
        arrays = [rng.standard_normal(s).astype(np.float32)
                  for s in ((2, 4, 5, 8), (2, 2 if "enable_gqa" in kwargs else 4, 6, 8),
                            (2, 2 if "enable_gqa" in kwargs else 4, 6, 8))]
        upstream = minigrad.from_numpy(rng.standard_normal((2, 4, 5, 8)).astype(np.float32))
        grads = []
        for create_graph in (False, True):            # forward's P / P recomputed
            q, k, v = (minigrad.from_numpy(a.copy()).requires_grad_() for a in arrays)
            out = F.scaled_dot_product_attention(q, k, v, **kwargs)
            grads.append(minigrad.autograd.grad(out, (q, k, v), upstream,
                                                create_graph=create_graph))
        for plain, recorded in zip(*grads):
            assert plain.numpy().tobytes() == recorded.detach().numpy().tobytes()


def test_zero_where_gives_the_bits_and_layout_of_np_where():
    from minigrad.ops._compat import _zero_where
    rng = np.random.default_rng(4)
    for dtype in (np.float32, np.float64, np.float16, np.int32):
        base = rng.standard_normal((6, 28, 28)).astype(dtype)
        if base.dtype.kind == "f":
            base.reshape(-1)[:6] = [-0.0, np.nan, -np.nan, -np.inf, np.inf, 0.0]
        for x in (base, base.transpose(2, 0, 1), base[:, ::2, 1::3], base[0, 0]):
            cond = x < 0
            got = _zero_where(cond, x)
            expected = np.where(cond, x.dtype.type(0), x)
            assert got.tobytes() == expected.tobytes() and got.dtype == expected.dtype
            assert got.shape == x.shape


def test_softmax_computed_in_place_matches_the_out_of_place_formula():
    from minigrad.autograd.function import _NO_CTX
    from minigrad.ops.softmax import SoftmaxBackward0, _shifted, _sum_along
    rng = np.random.default_rng(5)
    cases = (rng.standard_normal((4, 3, 8, 8)).astype(np.float32) * 5,
             rng.standard_normal((3, 4, 5)).transpose(2, 0, 1), np.array(2.0, np.float32),
             np.array([[-np.inf, 0, 1], [np.nan, 1, 2], [-np.inf] * 3], np.float32))
    with np.errstate(all="ignore"):
        for x in cases:
            for dim in range(max(x.ndim, 1)):
                shifted, axis = _shifted(x, dim)
                e = np.exp(shifted)
                expected = np.asarray(e / _sum_along(e, axis))
                got = np.asarray(SoftmaxBackward0.forward(_NO_CTX, x, dim))
                assert got.tobytes() == expected.tobytes() and got.strides == expected.strides


def test_max_pool_gradient_of_non_overlapping_windows_matches_the_summing_route():
    import minigrad
    from minigrad.autograd.function import _NO_CTX
    from minigrad.ops.pooling import MaxPoolScatter
    F = minigrad.nn.functional
    rng = np.random.default_rng(6)
    for shape, kwargs in (((2, 3, 9, 8), {"kernel_size": 2}),
                          ((2, 3, 9, 8), {"kernel_size": 2, "ceil_mode": True}),
                          ((1, 2, 9, 9), {"kernel_size": 2, "stride": 3, "dilation": 2}),
                          ((1, 2, 4, 6, 6), {"kernel_size": 2})):
        x = minigrad.from_numpy(rng.standard_normal(shape).astype(np.float32)).requires_grad_()
        pool = F.max_pool3d if len(shape) == 5 else F.max_pool2d
        out = pool(x, **kwargs)
        grad = rng.standard_normal(out.shape).astype(np.float32)
        grad.reshape(-1)[:2] = [-0.0, np.nan]
        out.backward(minigrad.from_numpy(grad))
        node = out.grad_fn
        assert node.distinct
        indices = pool(x.detach(), **kwargs, return_indices=True)[1].numpy()
        summed = MaxPoolScatter.forward(_NO_CTX, grad, x.detach().numpy(), indices,
                                        node.in_shape, node.nd, False)
        assert x.grad.numpy().tobytes() == summed.tobytes()
        th = torch.from_numpy(x.detach().numpy()).requires_grad_()
        th_pool = torch.nn.functional.max_pool3d if len(shape) == 5 \
            else torch.nn.functional.max_pool2d
        th_pool(th, **kwargs).backward(torch.from_numpy(grad))
        assert x.grad.numpy().tobytes() == th.grad.numpy().tobytes()


def test_short_row_sums_do_not_depend_on_alignment_or_batch_and_match_torch():
    """Sums along a short last dim (einsum, ops/reduction.py): the same bits at every memory
    offset and whatever rows share the call, and within float32 rounding of torch's."""
    import torch
    import minigrad
    rng = np.random.default_rng(7)
    for n in (1, 5, 8, 31, 32, 33, 128, 129):
        x = rng.standard_normal((64, n)).astype(np.float32)
        want = minigrad.from_numpy(x).sum(-1).numpy()
        for offset in range(1, 9):
            buffer = np.empty(x.size + offset, np.float32)
            moved = buffer[offset:].reshape(x.shape)
            moved[...] = x
            assert minigrad.from_numpy(moved).sum(-1).numpy().tobytes() == want.tobytes()
        rows = np.concatenate([minigrad.from_numpy(x[i:i + 1]).sum(-1).numpy() for i in range(64)])
        assert rows.tobytes() == want.tobytes()
        np.testing.assert_allclose(want, torch.from_numpy(x).sum(-1).numpy(), rtol=1e-5,
                                   atol=1e-6)
