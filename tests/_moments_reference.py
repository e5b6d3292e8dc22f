"""The float32 layer norm kernels of ops/_moments.py as they were first written: one NumPy step
per Welford step and per merge, a Python loop over the lane blocks of a row sum, every fma its
own float64 product and sum. The tests hold the faster kernels to these bytes
(tests/test_layer_norm_same_bits.py). ``fma`` (the rounding itself) and ``_ceil_log2`` are the
module's own."""
import numpy as np

from minigrad.ops._moments import _ceil_log2, fma

_CHUNK = 16          # vectors per Welford chunk
_VECTOR_BYTES = 32   # AVX2 vectors: the kernel's width on x86-64


def _merge_vectors(count_add, mean_add, sq_add, count, mean, sq):
    """AddMomentsVec: the lanes' (count_add, mean_add, sq_add) merged into (count, mean, sq)."""
    dt = mean.dtype.type
    total = count + count_add
    c = dt(0) if total == 0 else dt(count_add) / dt(total)
    delta = mean_add - mean
    mean = mean + c * delta
    sq = fma(delta * delta * c, dt(count), sq + sq_add)
    return [total, mean, sq]


def _vector_part(vectors):
    """(count, mean, sq) per lane over the rows' whole vectors (chunks and cascade);
    ``vectors[k]``: every row's k-th vector, as (lanes, rows) (contiguous: fast NumPy steps)."""
    n_vec = vectors.shape[0]
    dt = vectors.dtype.type
    zeros = np.zeros(vectors.shape[1:], vectors.dtype)
    chunks = -(-n_vec // _CHUNK)
    depth = _ceil_log2(chunks)
    stack = [[0, zeros, zeros] for _ in range(depth)]
    for i in range(chunks):
        size = min(_CHUNK, n_vec - i * _CHUNK)
        mean, sq = zeros, zeros
        for j in range(size):
            v = vectors[i * _CHUNK + j]
            delta = v - mean
            mean = fma(delta, dt(1) / dt(j + 1), mean)
            sq = fma(delta, v - mean, sq)
        stack[0] = _merge_vectors(size, mean, sq, *stack[0])
        mask, level = i + 1, 1
        while level < depth and mask & 1 == 0:
            stack[level] = _merge_vectors(*stack[level - 1], *stack[level])
            stack[level - 1] = [0, zeros, zeros]
            mask >>= 1
            level += 1
    for level in range(1, depth):
        stack[0] = _merge_vectors(*stack[level], *stack[0])
    return stack[0]


def row_moments(x):
    """(mean, biased variance) of each row of the 2-d float32 array ``x``, as torch rounds
    them."""
    rows, n_cols = x.shape
    dt = x.dtype.type
    lanes = _VECTOR_BYTES // x.itemsize
    n_vec = n_cols // lanes
    count, mean, sq = 0, np.zeros(rows, x.dtype), np.zeros(rows, x.dtype)
    for k in range(n_vec * lanes, n_cols):       # the scalar tail, in order
        v = x[:, k]
        delta = v - mean
        count += 1
        mean = mean + delta / dt(count)
        sq = sq + delta * (v - mean)
    if n_vec:
        vectors = x[:, :n_vec * lanes].reshape(rows, n_vec, lanes).transpose(1, 2, 0).copy()
        _, lane_mean, lane_sq = _vector_part(vectors)
        mean, sq = _merge_lanes(n_vec, lane_mean, lane_sq, count, mean, sq)
    return mean, sq / dt(n_cols)


def _merge_lanes(n_vec, lane_mean, lane_sq, count, mean, sq):
    """AddMoments for every lane in turn (each holding n_vec values) into (count, mean, sq):
        total = count + n_vec,  c = n_vec / total,  d = lane_mean - mean,
        mean = fma(c, d, mean),  sq = sq + fma(d d c, count, lane_sq)
    the means one lane after another, then the terms of sq for all lanes at once (they need
    only the deltas), then their running sum."""
    dt = mean.dtype.type
    deltas = np.empty_like(lane_mean)
    weights, counts = [], []
    for lane in range(lane_mean.shape[0]):
        total = count + n_vec
        c = dt(0) if total == 0 else dt(n_vec) / dt(total)
        delta = np.subtract(lane_mean[lane], mean, out=deltas[lane])
        mean = fma(c, delta, mean)
        weights.append(c)
        counts.append(dt(count))
        count = total
    column = (len(weights), 1)
    weights, counts = np.array(weights).reshape(column), np.array(counts).reshape(column)
    terms = fma(deltas * deltas * weights, counts, lane_sq)
    for term in terms:
        sq = sq + term
    return mean, sq


def _row_sums(a, b, c=None):
    """Σ a b (c) per row as torch's vectorised reduction adds: lane-wise over whole vectors,
    the last partial vector fused into them (fma), then the lanes pairwise (a tree); a row
    shorter than a vector is added in order."""
    rows, n = a.shape
    lanes = _VECTOR_BYTES // a.itemsize
    product = a * b if c is None else a * b * c
    if n < lanes:
        total = product[:, :1]
        for k in range(1, n):
            total = total + product[:, k:k + 1]
        return total
    whole = n - n % lanes
    acc = product[:, :lanes]
    for d in range(lanes, whole, lanes):
        acc = acc + product[:, d:d + lanes]
    if whole < n:
        acc = acc.copy()
        head = a[:, whole:] * b[:, whole:] if c is not None else a[:, whole:]
        last = c[:, whole:] if c is not None else b[:, whole:]
        acc[:, :n - whole] = fma(head, last, acc[:, :n - whole])
    while acc.shape[1] > 1:
        half = acc.shape[1] // 2
        acc = acc[:, :half] + acc[:, half:]
    return acc


def layer_norm_grad_input(g, x, mean, rstd, w):
    """grad_x of layer norm for rows (M, N), torch's kernel: with a = rstd, γ = w (or 1),
    ds = Σ g x γ,  db = Σ g γ,  b = (db mean - ds) a³ / N,  c = -b mean - db a / N,
    grad_x = a g γ + b x + c   (the fused steps as torch's build fuses them)."""
    dt = x.dtype.type
    n = x.shape[1]
    if w is None:
        ds, db = _row_sums(g, x), _row_sums(g, np.ones_like(g))
        scaled = rstd * g
    else:
        gamma = np.broadcast_to(w, g.shape)
        ds, db = _row_sums(g, x, gamma), _row_sums(g, gamma)
        scaled = rstd * g * gamma
    scale = dt(1) / dt(n)
    b = fma(db, mean, -ds) * rstd * rstd * rstd * scale
    c = fma(-b, mean, -(db * rstd * scale))
    return fma(b, x, scaled) + c
