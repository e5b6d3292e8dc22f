"""Expressions reaching the numpy_backward nodes of ops/*_more.py, for test_numpy_backward.py
(which passes in its input constructors: X normal, U in (0, 1), idx, mask)."""


def more_cases(X, U, idx, mask):
    return {
        "baddbmm": (lambda T, c, a, b: T.baddbmm(c, a, b, beta=0.5, alpha=2),
                    [X(2, 3, 4), X(2, 3, 5), X(2, 5, 4)]),
        "addbmm": (lambda T, c, a, b: T.addbmm(c, a, b, alpha=-1.5),
                   [X(3, 4), X(2, 3, 5), X(2, 5, 4)]),
        "addmv": (lambda T, c, m, v: T.addmv(c, m, v, beta=2, alpha=-1), [X(3), X(3, 4), X(4)]),
        "block_diag": (lambda T, a, b: T.block_diag(a, b, a), [X(2, 3), X(4)]),
        "scalar_overloads": (lambda T, y: T.gradient(y, spacing=2.0)[0].sum(-1)
                             + T.trapezoid(y, dx=0.5), [X(3, 5)]),
        "index_copy": (lambda T, x, i, s: T.index_copy(x, 1, i, s),
                       [X(3, 4), idx(1, 1), X(3, 1)]),
        "logit": (lambda T, p: T.logit(p) + T.logit(p, 0.2), [U(3, 4)]),
        "masked_scatter": (lambda T, x, m, s: T.masked_scatter(x, m, s),
                           [X(3, 4), mask(4), X(12)]),
        "nan_reductions": (lambda T, x: T.nansum(x, 1) + T.nanmedian(x), [X(3, 4)]),
        "nextafter_sgn": (lambda T, a, b: T.nextafter(a, b) + T.sgn(a) * b, [X(3, 4), X(4)]),
    }
