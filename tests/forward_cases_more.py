"""Forward-mode cases for the functions of ops/*_more.py (see forward_cases.py for the fields);
forward_cases.py appends them to its CASES."""
from forward_cases import Case

_ANY3 = ("anywhere",) * 3

MORE_CASES = [
    Case("addcmul", lambda lib, a, b, c: lib.addcmul(a, b, c, value=0.5), _ANY3),
    Case("addcdiv", lambda lib, a, b, c: lib.addcdiv(a, b, c, value=-2),
         ("anywhere", "anywhere", "nonzero")),
    Case("rad2deg_deg2rad", lambda lib, x: x.rad2deg() + x.deg2rad()),
    Case("sgn", lambda lib, x: x.sgn() * x, ("nonzero",)),
    Case("nextafter", lambda lib, a, b: lib.nextafter(a, b), ("anywhere",) * 2),
    Case("ldexp", lambda lib, a, b: lib.ldexp(a, b), ("anywhere",) * 2),
    Case("logit", lambda lib, x: x.logit(), ("probability",)),
    Case("logit_eps", lambda lib, x: x.logit(0.2), ("probability",)),
    Case("baddbmm", lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=0.5, alpha=2), _ANY3,
         ((2, 2, 4), (2, 2, 3), (2, 3, 4))),
    Case("addbmm", lambda lib, c, a, b: lib.addbmm(c, a, b, alpha=-1), _ANY3,
         ((2, 4), (3, 2, 3), (3, 3, 4))),
    Case("addmv", lambda lib, c, a, b: lib.addmv(c, a, b, beta=2), _ANY3, ((2,), (2, 3), (3,))),
    Case("addr", lambda lib, c, a, b: lib.addr(c, a, b, alpha=0.5), _ANY3, ((2, 3), (2,), (3,))),
    Case("block_diag", lambda lib, a, b: lib.block_diag(a, b), ("anywhere",) * 2,
         ((2, 3), (2,))),
    Case("trapezoid", lambda lib, y: lib.trapezoid(y, dx=0.5) + lib.trapezoid(y).sum(),
         shapes="nd"),
    Case("gradient", lambda lib, y: lib.gradient(y, spacing=2.0)[0], shapes="nd"),
    Case("nansum", lambda lib, x: (x.log() * 1).nansum(-1), ("anywhere",), shapes="nd"),
    Case("nanmedian", lambda lib, x: x.nanmedian() + x.nanmedian(-1).values.sum(),
         shapes="nd"),
    Case("aminmax", lambda lib, x: lib.aminmax(x, dim=-1).max - x.aminmax().min, shapes="nd"),
    Case("renorm", lambda lib, x: x.renorm(2, 0, 0.5), shapes=((3, 2),)),
    Case("index_copy", lambda lib, x, s: x.index_copy(0, lib.tensor([2, 0]), s),
         ("anywhere",) * 2, ((3, 2), (2, 2))),
    Case("masked_scatter", lambda lib, x, s: x.masked_scatter(x > 0, s), ("anywhere",) * 2,
         ((2, 3), (6,))),
]
