"""Layer norm's row statistics and input gradient, rounded as torch's CPU kernels round them.

torch's ``RowwiseMoments`` (layer norm's statistics) runs Welford's algorithm per vector lane
over the row's whole vectors (8 float32 lanes: AVX2 vectors), in chunks of 16
vectors merged pairwise (a cascade), then over the remaining scalars one by one, and finally
merges the lanes into the scalar result one after another. Everything stays in the input's
dtype. Here the same steps run on all rows at once (NumPy over the rows and lanes).

Welford step k (1-based) for a value x:   d = x - m,  m += d / k,  s += d (x - m)
Merging (count a, mean m_a, sum of squares s_a) into (count b, mean m, s):
    n = a + b,  c = a / n,  d = m_a - m,  m += c d,  s += s_a + d d c b
Where the compiled kernel fuses a multiply and an add into one rounding (an fma) is as measured
on torch 2.13's x86-64 build: the vector Welford steps (both updates), the vector merge's
``s`` (as fma(d d c, b, s + s_a)), the scalar merge (m as fma(c, d, m), s as
s + fma(d d c, b, s_a)); the scalar tail's steps are not fused. Means then agree bit for bit with
torch and variances in all but about 1 row in 50 of long rows (one rounding apart). Meant for
float32 (float64 rows take the same steps with float64's plain roundings): float64's roundings
are far below any tolerance, and an exact float64 fma is costly.

How it is computed (the same roundings, in fewer NumPy passes; the results are the bytes of
the first, plain version kept in tests/_moments_reference.py, NaN payloads aside):

* the work runs on x transposed, ``x_t`` (``transposed``: columns as rows): one lane of one
  vector for all rows is then a contiguous run, one vector a contiguous block; the forward
  keeps ``x_t`` for the input gradient's row sums;
* a float32 fma is rounded twice, as ``fma`` below: the product (exact in float64), plus the
  addend in float64, rounded to float32. As passes: the float32 operands cast to float64 (in
  reused buffers), a float64 multiply and add, the cast back to float32 (NumPy's own widening
  inside a mixed-dtype operation is a slower buffered pass on small arrays);
* a chunk's Welford steps run one after another on all rows and lanes at once, each fma in
  small float64 buffers that every step reuses (they stay in the cache);
* the first step of a chunk, from m = s = 0, and the merge of a chunk into an empty cascade
  level need no float64: their products are by 1 or 0 (``_first_step``, ``_into_empty``);
* sums that must add in order do so by explicit NumPy adds, one term after another (a NumPy
  reduction may add pairwise or in blocks);
* the input gradient's row sums add the vectors lane-wise (contiguous blocks of ``x_t``'s
  layout), then the lanes in a tree; over ``_BLOCK`` values they run on transposed views
  instead of copies.
"""
import functools

import numpy as np

from .. import _buffers

__all__ = ["row_moments", "layer_norm_grad_input", "transposed"]

_CHUNK = 16          # vectors per Welford chunk
_VECTOR_BYTES = 32   # AVX2 vectors: the kernel's width on x86-64
_F64 = np.float64
_BLOCK = 1 << 15     # up to this many values the input gradient's sums run on copies


@functools.lru_cache(maxsize=8)
def _reciprocals(dtype):
    """1/k for Welford's steps k = 2, 3, ...: the quotient in ``dtype``, as Python floats."""
    one = dtype.type(1)
    return tuple(float(one / dtype.type(k)) for k in range(2, _CHUNK + 1))


def fma(a, b, c):
    """a * b + c rounded once to float32: the product is exact in float64 and the sum rounds
    there first (a second rounding, wrong only on an exact float32 tie: rare enough here).
    Other dtypes: a plain multiply-add (float64's roundings are far below any tolerance)."""
    if c.dtype != np.float32:
        return a * b + c
    exact = np.multiply(a, b, dtype=np.float64)
    if c.shape == exact.shape or exact.shape == np.broadcast_shapes(exact.shape, c.shape):
        exact += c     # (in place: one float64 temporary, no fresh pages)
    else:
        exact = exact + c
    return exact.astype(np.float32)


def transposed(x):
    """The 2-d array x with its columns as rows, contiguous: the layout the lane-wise work
    runs in (``x_t[k]``: column k for every row)."""
    out = _buffers.empty(x.shape[::-1], x.dtype)
    np.copyto(out, x.T)
    return out


def _ceil_log2(x):
    """torch's utils::CeilLog2: the depth of the cascade for x chunks (at least 1)."""
    return 1 if x <= 2 else (x - 1).bit_length()


def _first_step(v, delta, mean):
    """Welford's first step from m = s = 0 into ``delta`` and ``mean``; returns s.
    d = v - 0;  m = fma(d, 1, 0) = d + 0: the product by 1 is exact and so is the sum of two
    float32 values rounded through float64 (it only turns -0 into +0);  s = fma(d, v - m, 0):
    v - m is ±0 for finite v (then d (v - m) = ±0, and + 0 gives +0) and NaN otherwise, so the
    float32 product is exact too, and + 0 the same rounding."""
    np.subtract(v, np.float32(0), out=delta)
    np.add(delta, np.float32(0), out=mean)
    sq = v - mean
    np.multiply(delta, sq, out=sq)
    return np.add(sq, np.float32(0), out=sq)


def _welford_chunk(block):
    """(mean, sq) per lane after Welford's steps over the chunk's vectors ``block`` (size,
    lanes * rows), float32: step k: d = v - m, m = fma(d, 1/k, m), s = fma(d, v - m, s).
    Each fma as ``fma``: float64 product and sum in small buffers reused by every step (they
    stay in the cache), rounded to float32."""
    size, width = block.shape
    delta, mean = np.empty(width, block.dtype), np.empty(width, block.dtype)
    sq = _first_step(block[0], delta, mean)
    after = np.empty_like(mean)                      # v - m, with the step's new mean
    mean64, sq64 = mean.astype(_F64), sq.astype(_F64)
    delta64, step64 = np.empty(width, _F64), np.empty(width, _F64)
    for k, v, r in zip(range(2, size + 1), block[1:], _reciprocals(block.dtype)):
        np.subtract(v, mean, out=delta)
        np.copyto(delta64, delta)
        np.multiply(delta64, r, out=step64)
        np.add(step64, mean64, out=step64)
        np.copyto(mean, step64, casting="same_kind")        # m = fma(d, 1/k, m)
        np.subtract(v, mean, out=after)
        np.copyto(step64, after)
        np.multiply(delta64, step64, out=step64)
        np.add(step64, sq64, out=step64)
        np.copyto(sq, step64, casting="same_kind")          # s = fma(d, v - m, s)
        if k < size:
            np.copyto(mean64, mean)
            np.copyto(sq64, sq)
    return mean, sq


def _into_empty(mean_add, sq_add):
    """AddMomentsVec of a chunk (mean_add, sq_add) into an empty cascade level (count 0, zeros):
    c = 1, d = mean_add - 0, m = 0 + 1 d,  s = fma(d d 1, 0, 0 + sq_add). The products by 1
    are exact; d d · 0 is +0 for finite d d (never negative) and NaN for inf or NaN, in
    float32 as in float64; the sum of two float32 values rounds the same through float64."""
    delta = mean_add - np.float32(0)
    mean = np.add(np.float32(0), delta)
    np.multiply(delta, delta, out=delta)
    np.multiply(delta, np.float32(0), out=delta)
    sq = np.add(np.float32(0), sq_add)
    return [mean, np.add(delta, sq, out=sq)]


def _merge_vectors(count_add, mean_add, sq_add, count, mean, sq):
    """AddMomentsVec: the lanes' (count_add, mean_add, sq_add) merged into (count, mean, sq)."""
    if count == 0:
        return [count_add, *_into_empty(mean_add, sq_add)]
    dt = mean.dtype.type
    total = count + count_add
    c = dt(count_add) / dt(total)
    delta = mean_add - mean
    mean = mean + c * delta
    sq = fma(delta * delta * c, dt(count), sq + sq_add)
    return [total, mean, sq]


def _vector_part(vectors):
    """(count, mean, sq) per lane over the rows' whole vectors (chunks and cascade);
    ``vectors[k]``: every row's k-th vector, as lanes x rows (contiguous)."""
    n_vec = vectors.shape[0]
    flat = vectors.reshape(n_vec, -1)
    chunks = -(-n_vec // _CHUNK)
    depth = _ceil_log2(chunks)
    zeros = np.zeros(flat.shape[1], flat.dtype)
    empty = [0, zeros, zeros]
    stack = [empty] * depth
    for i in range(chunks):
        mean, sq = _welford_chunk(flat[i * _CHUNK:(i + 1) * _CHUNK])
        stack[0] = _merge_vectors(min(_CHUNK, n_vec - i * _CHUNK), mean, sq, *stack[0])
        mask, level = i + 1, 1
        while level < depth and mask & 1 == 0:
            stack[level] = _merge_vectors(*stack[level - 1], *stack[level])
            stack[level - 1] = empty
            mask >>= 1
            level += 1
    for level in range(1, depth):
        stack[0] = _merge_vectors(*stack[level], *stack[0])
    count, mean, sq = stack[0]
    return count, mean.reshape(vectors.shape[1:]), sq.reshape(vectors.shape[1:])


def row_moments(x, x_t=None):
    """(mean, biased variance) of each row of the 2-d float32 array ``x``, as torch rounds
    them. ``x_t``: ``transposed(x)`` if the caller has it."""
    rows, n_cols = x.shape
    x_t = transposed(x) if x_t is None else x_t
    dt = x.dtype.type
    lanes = _VECTOR_BYTES // x.itemsize
    n_vec = n_cols // lanes
    count, mean, sq = 0, np.zeros(rows, x.dtype), np.zeros(rows, x.dtype)
    for k in range(n_vec * lanes, n_cols):       # the scalar tail, in order
        v = x_t[k]
        delta = v - mean
        count += 1
        mean = mean + delta / dt(count)
        sq = sq + delta * (v - mean)
    if n_vec:
        vectors = x_t[:n_vec * lanes].reshape(n_vec, lanes, rows)
        _, lane_mean, lane_sq = _vector_part(vectors)
        mean, sq = _merge_lanes(n_vec, lane_mean, lane_sq, count, mean, sq)
    return mean, sq / dt(n_cols)


@functools.lru_cache(maxsize=64)
def _lane_weights(n_vec, count, lanes, dtype):
    """For lanes merged one after another from ``count`` values: each lane's weight
    c = n_vec / (its count before + n_vec) and its count before (in ``dtype``, the counts
    widened to float64), as columns (lanes, 1), and the weights as Python floats."""
    dt = dtype.type
    before = [count + lane * n_vec for lane in range(lanes)]
    weights = np.array([dt(n_vec) / dt(b + n_vec) for b in before], dtype).reshape(lanes, 1)
    return weights, np.array(before, dtype).astype(_F64).reshape(lanes, 1), \
        [float(c) for c in weights[:, 0]]


def _merge_lanes(n_vec, lane_mean, lane_sq, count, mean, sq):
    """AddMoments for every lane in turn (each holding n_vec values) into (count, mean, sq):
        total = count + n_vec,  c = n_vec / total,  d = lane_mean - mean,
        mean = fma(c, d, mean),  sq = sq + fma(d d c, count, lane_sq)
    the means one lane after another, then the terms of sq for all lanes at once (they need
    only the deltas), then their running sum. From count 0 (no scalar tail: mean and sq are
    zeros) the first lane's mean is fma(1, d, 0) = d + 0: exact in float32 (``_first_step``)."""
    lanes = lane_mean.shape[0]
    weights, counts, floats = _lane_weights(n_vec, count, lanes, mean.dtype)
    deltas = np.empty_like(lane_mean)
    mean64, step64 = mean.astype(_F64), np.empty(mean.shape, _F64)
    mean = mean.copy()
    for lane, (value, delta, c) in enumerate(zip(lane_mean, deltas, floats)):
        np.subtract(value, mean, out=delta)
        if lane == 0 and count == 0:
            np.add(delta, np.float32(0), out=mean)
        else:
            np.copyto(step64, delta)
            np.multiply(step64, c, out=step64)
            np.add(step64, mean64, out=step64)
            np.copyto(mean, step64, casting="same_kind")
        if lane + 1 < lanes:
            np.copyto(mean64, mean)
    # the terms fma(d d c, count, lane_sq): d d c in float32, then exactly as ``fma``
    terms = np.multiply(deltas, deltas, out=deltas)
    np.multiply(terms, weights, out=terms)
    exact = terms.astype(_F64)
    np.multiply(exact, counts, out=exact)
    np.add(exact, lane_sq.astype(_F64), out=exact)
    np.copyto(terms, exact, casting="same_kind")
    for term in terms:
        sq = sq + term
    return mean, sq


def _row_sums(a_t, b_t, c_t=None):
    """Σ a b (c) per row, the factors given transposed (n, rows) (b may be a scalar), as
    torch's vectorised reduction adds: lane-wise over whole vectors, the last partial vector
    fused into them (fma), then the lanes pairwise (a tree); a row shorter than a vector is
    added in order. Returns a column (rows, 1)."""
    n, rows = a_t.shape
    lanes = _VECTOR_BYTES // a_t.itemsize
    row_major = a_t.flags.c_contiguous   # a transposed copy, else a.T of a row-major a
    work = _buffers.empty(a_t.shape if row_major else a_t.shape[::-1], a_t.dtype)
    product = np.multiply(a_t, b_t, out=work if row_major else work.T)
    if c_t is not None:
        np.multiply(product, c_t, out=product)
    if n < lanes:
        total = product[0].copy(order="K")
        for k in range(1, n):
            np.add(total, product[k], out=total)
        return total.reshape(rows, 1)
    whole = n - n % lanes
    vectors = product[:whole].reshape(whole // lanes, lanes, rows)
    acc = vectors[0].copy(order="K")     # laid out as the vectors
    for vector in vectors[1:]:      # the vectors in order, lane-wise
        np.add(acc, vector, out=acc)
    if whole < n:
        tail = b_t if np.ndim(b_t) == 0 else b_t[whole:]
        head, last = (a_t[whole:] * tail, c_t[whole:]) if c_t is not None else (a_t[whole:], tail)
        acc[:n - whole] = fma(head, last, acc[:n - whole])
    while acc.shape[0] > 1:
        half = acc.shape[0] // 2
        acc = acc[:half] + acc[half:]
    return acc.reshape(rows, 1)


def fma_into(a, b, c, out):
    """``fma(a, b, c)`` written into ``out`` (the result's shape and dtype; it may be a or c):
    for float32, a b exactly and + c in a float64 work array, then rounded into out; the
    product's operands in the order given."""
    if out.dtype != np.float32:
        return np.add(a * b, c, out=out)
    exact = _buffers.empty(out.shape, _F64)
    if a.shape == out.shape:
        np.copyto(exact, a)
        np.multiply(exact, np.asarray(b, _F64), out=exact)
    else:
        np.copyto(exact, b)
        np.multiply(np.asarray(a, _F64), exact, out=exact)
    np.add(exact, c, out=exact)
    np.copyto(out, exact, casting="same_kind")
    return out


def layer_norm_grad_input(g, x, mean, rstd, w, x_t=None, shape=None):
    """grad_x of layer norm for rows (M, N), torch's kernel: with a = rstd, γ = w (or 1),
    ds = Σ g x γ,  db = Σ g γ,  b = (db mean - ds) a³ / N,  c = -b mean - db a / N,
    grad_x = a g γ + b x + c   (the fused steps as torch's build fuses them).
    ``x_t``: ``transposed(x)`` if the caller has it; ``shape``: the result's (M x N values; a
    new array of that shape, not a view). The row sums run on transposed copies up to
    ``_BLOCK`` values (contiguous passes), on transposed views of larger inputs (a large
    transposed copy would cost more than the strided passes it saves)."""
    dt = x.dtype.type
    n = x.shape[1]
    copy = x_t is not None or x.size <= _BLOCK
    if x_t is None:
        x_t = transposed(x) if copy else x.T
    g_t = transposed(g) if copy else g.T
    kind = np.result_type(rstd, g) if w is None else np.result_type(rstd, g, w)
    result = _buffers.empty(g.shape if shape is None else shape, kind)
    scaled = np.multiply(rstd, g, out=result.reshape(g.shape))
    if w is None:
        ds, db = _row_sums(g_t, x_t), _row_sums(g_t, dt(1))
    else:
        if copy:
            gamma_t = _buffers.empty(g_t.shape, g_t.dtype)
            np.copyto(gamma_t, w[:, None])
        else:
            gamma_t = np.broadcast_to(w[:, None], g_t.shape)
        ds, db = _row_sums(g_t, x_t, gamma_t), _row_sums(g_t, gamma_t)
        np.multiply(scaled, w, out=scaled)
    scale = dt(1) / dt(n)
    b = fma(db, mean, -ds) * rstd * rstd * rstd * scale
    c = fma(-b, mean, -(db * rstd * scale))
    grad = fma_into(b, x, scaled, scaled)
    np.add(grad, c, out=grad)
    return result
