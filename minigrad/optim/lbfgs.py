"""L-BFGS with an optional strong-Wolfe line search (closure API).

The parameters are handled as one flat vector x with gradient g. Each iteration builds the
direction d = -H g from the last ``history_size`` pairs (s = t d, y = g_new - g_old) with the
two-loop recursion (H_0 = y.s / y.y), then steps x = x + t d, t = lr (the first iteration:
min(1, 1 / sum|g|) lr), or the t a strong-Wolfe line search finds (cubic interpolation,
c1 = 1e-4, c2 = 0.9). It stops at max_iter iterations or max_eval closure calls, when
max|g| <= tolerance_grad, or when the step or the change of loss is below tolerance_change.

Scalars are kept in the parameters' dtype as torch keeps them in 0-dim tensors, the operations
follow torch's order, and the cubic interpolation's square root is torch's (MKL's rounding, as
the other optimizers'). The dot products and the sum are NumPy's (``dot``, ``total``): torch's
``dot`` is MKL's BLAS kernel, which sums in an order of its own that depends on the processor,
so results agree with torch's to rounding (about 1e-6 relative), not bit for bit; given torch's
``dot`` and ``sum`` in their place, a run is torch's to the bit (tests/test_optim_lbfgs.py).
"""
import numpy as np

from .._tensor import _make
from .. import _seam as seam
from ..autograd.grad_mode import enable_grad
from ._kernels import add_, sqrt
from .optimizer import Optimizer, check_nonnegative

__all__ = ["LBFGS"]

dot = np.dot       # a.b of two flat vectors (see the module's docstring)
total = np.sum     # the sum of a flat vector


def _divide(numerator, denominator):
    """numerator / denominator as torch rounds it: a Python number over a 0-dim tensor (here a
    NumPy scalar) is the tensor's reciprocal times the number (``Tensor.__rtruediv__``), two
    roundings."""
    if isinstance(denominator, np.generic) and not isinstance(numerator, np.generic):
        return np.reciprocal(denominator) * numerator
    return numerator / denominator


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped
    to bounds (default: between x1 and x2); their midpoint if the cubic has none."""
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - _divide(3 * (f1 - f2), x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = sqrt(np.asarray(d2_square))[()]   # torch's 0-dim sqrt (MKL's rounding)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, low), high)


class _Bracket:
    """The line search's interval: steps t, losses f, gradients g and slopes gtd at its ends."""

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd

    def set(self, i, t, f, g, gtd):
        self.t[i], self.f[i], self.g[i], self.gtd[i] = t, f, g, gtd

    def ends(self):
        """(low, high): the end with the lower loss first."""
        return (0, 1) if self.f[0] <= self.f[-1] else (1, 0)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """A step t along d satisfying the strong Wolfe conditions (sufficient decrease c1,
    curvature c2). ``evaluate(t)`` -> (loss, flat gradient) at x + t d.
    Returns (loss, gradient, t, number of evaluations)."""
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket = None
    # bracketing phase: grow t until an interval contains a point satisfying the conditions
    while ls_iter < max_ls:
        sufficient_decrease = not (f_new > (f + c1 * t * gtd)
                                   or (ls_iter > 1 and f_new >= f_prev))
        if sufficient_decrease and abs(gtd_new) <= -c2 * gtd:
            bracket = _Bracket([t], [f_new], [g_new], [gtd_new])
            done = True
            break
        if not sufficient_decrease or gtd_new >= 0:
            bracket = _Bracket([t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()],
                               [gtd_prev, gtd_new])
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                          bounds=(min_step, max_step))
        f_prev, g_prev, gtd_prev = f_new, g_new.copy(), gtd_new
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = _Bracket([0, t], [f, f_new], [g, g_new], None)
    insufficient_progress = False
    low, high = bracket.ends()
    # zoom phase: shrink the interval by cubic interpolation
    while not done and ls_iter < max_ls:
        if abs(bracket.t[1] - bracket.t[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket.t[0], bracket.f[0], bracket.gtd[0],
                               bracket.t[1], bracket.f[1], bracket.gtd[1])
        top, bottom = max(bracket.t), min(bracket.t)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:   # too close to an end: move away from it
            if insufficient_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket.f[low]:
            bracket.set(high, t, f_new, g_new.copy(), gtd_new)
            low, high = bracket.ends()
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket.t[high] - bracket.t[low]) >= 0:
                bracket.set(high, bracket.t[low], bracket.f[low], bracket.g[low],
                            bracket.gtd[low])
            bracket.set(low, t, f_new, g_new.copy(), gtd_new)
    return bracket.f[low], bracket.g[low], bracket.t[low], evals


class LBFGS(Optimizer):
    """``step(closure)``: closure() recomputes the loss and its gradients (called several
    times per step). One param group only."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        check_nonnegative(lr=lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ---- the parameters as one flat vector ---------------------------------------------------
    def _flat_grad(self):
        return np.concatenate([np.zeros(p.numel(), p._data.dtype) if p._grad is None
                               else p._grad._data.reshape(-1) for p in self._params])

    def _add_step(self, t, d):
        """x = x + t d, parameter by parameter."""
        offset = 0
        for p in self._params:
            n = p.numel()
            add_(p._data, d[offset:offset + n].reshape(p.shape), t)
            p._bump_version()
            offset += n

    def _evaluate(self, closure):
        with enable_grad():
            loss = closure()
        return loss, float(loss), self._flat_grad()

    def _evaluate_at(self, closure, t, d):
        """(loss, gradient) at x + t d; the parameters are put back to x."""
        saved = [p._data.copy() for p in self._params]
        self._add_step(t, d)
        _, loss, grad = self._evaluate(closure)
        for p, data in zip(self._params, saved):
            p._data[...] = data
            p._bump_version()
        return loss, grad

    @seam.effect
    def step(self, closure):
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss, loss, flat_grad = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss
        memory = _Memory(state, group["history_size"])
        t, d = memory.t, memory.d
        prev_flat_grad, prev_loss = memory.prev_flat_grad, state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                memory.reset()
            else:
                memory.remember(flat_grad - prev_flat_grad, d * t)
                d = memory.direction(flat_grad, state)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / total(np.abs(flat_grad))) * lr
            else:
                t = lr
            gtd = dot(flat_grad, d)
            if gtd > -tolerance_change:   # not a descent direction
                break
            evals = 0
            if group["line_search_fn"] is not None:
                if group["line_search_fn"] != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                loss, flat_grad, t, evals = _strong_wolfe(
                    lambda step, d=d: self._evaluate_at(closure, step, d), t, d, loss, flat_grad,
                    gtd, max_ls=max_eval - current_evals)
                self._add_step(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_step(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    _, loss, flat_grad = self._evaluate(closure)
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals
            if (n_iter == max_iter or current_evals >= max_eval or opt_cond
                    or np.abs(d * t).max() <= tolerance_change
                    or abs(loss - prev_loss) < tolerance_change):
                break
        memory.store(state, d, t, prev_flat_grad)
        state["prev_loss"] = prev_loss
        return orig_loss


class _Memory:
    """The curvature pairs (old_dirs: y, old_stps: s, ro: 1 / y.s), H_diag and the last step,
    read from and written back to the optimizer state (as tensors, under torch's keys)."""

    def __init__(self, state, history_size):
        self.history_size = history_size
        data = lambda key: None if state.get(key) is None else _array(state[key])  # noqa: E731
        self.d, self.t = data("d"), data("t")
        self.prev_flat_grad = data("prev_flat_grad")
        self.old_dirs = [_array(v) for v in state.get("old_dirs") or []]
        self.old_stps = [_array(v) for v in state.get("old_stps") or []]
        self.ro = [_array(v) for v in state.get("ro") or []]
        self.H_diag = data("H_diag")

    def reset(self):
        self.old_dirs, self.old_stps, self.ro, self.H_diag = [], [], [], 1

    def remember(self, y, s):
        """Keep the pair (y, s) if y.s is safely positive (dropping the oldest when full)."""
        ys = dot(y, s)
        if ys > 1e-10:
            if len(self.old_dirs) == self.history_size:
                for pairs in (self.old_dirs, self.old_stps, self.ro):
                    pairs.pop(0)
            self.old_dirs.append(y)
            self.old_stps.append(s)
            self.ro.append(np.reciprocal(ys))
            self.H_diag = ys / dot(y, y)

    def direction(self, flat_grad, state):
        """-H g by the two-loop recursion."""
        if "al" not in state:
            state["al"] = [None] * self.history_size
        al = [None] * len(self.old_dirs)
        q = -flat_grad
        for i in range(len(self.old_dirs) - 1, -1, -1):
            al[i] = dot(self.old_stps[i], q) * self.ro[i]
            add_(q, self.old_dirs[i], -al[i])
        r = q * self.H_diag
        for i in range(len(self.old_dirs)):
            be_i = dot(self.old_dirs[i], r) * self.ro[i]
            add_(r, self.old_stps[i], al[i] - be_i)
        state["al"][:len(al)] = [_make(np.asarray(a)) for a in al]
        return r

    def store(self, state, d, t, prev_flat_grad):
        wrap = lambda x: (x if isinstance(x, (int, float)) and not isinstance(x, np.generic)  # noqa: E731
                          else _make(np.asarray(x)))
        state["d"], state["t"] = _make(d), wrap(t)
        state["old_dirs"] = [_make(v) for v in self.old_dirs]
        state["old_stps"] = [_make(v) for v in self.old_stps]
        state["ro"] = [_make(np.asarray(v)) for v in self.ro]
        state["H_diag"] = wrap(self.H_diag)
        state["prev_flat_grad"] = _make(prev_flat_grad)


def _array(value):
    """A state entry as NumPy (tensors) or as it is (Python numbers)."""
    return value._data if hasattr(value, "_data") else value
