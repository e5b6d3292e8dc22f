"""Adam and AdamW (decoupled weight decay), with amsgrad and maximize."""
import numpy as np

from .. import _buffers
from ..creation import tensor, zeros_like
from .._fma import fma_exact
from ._joined import joinable, joined, write_back
from ._joined_state import JoinedState, can_join
from ._kernels import lerp as _lerp, sqrt
from .optimizer import Optimizer, new_step, scalar

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """With g = grad (negated if maximize), t the step count:

        g = g + weight_decay * p            (Adam)   or   p = p * (1 - lr * weight_decay) (AdamW)
        m = m + (1 - beta1) (g - m)         v = beta2 v + (1 - beta2) g²
        v_hat = max(v_hat, v) with amsgrad, else v
        p = p - lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _state(self, p, group):
        state = self.state[p]
        if not state:
            state["step"] = tensor(0.0)
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p)
        return state

    def _update_params(self, params, group):
        """The float32 parameters of up to _JOIN_SIZE elements stepped together, in batches of
        up to _JOIN_TOTAL elements: every step below is elementwise, so this computes the same
        bits with far fewer NumPy calls; the others one by one."""
        if abs(1 - group["betas"][0]) >= 0.5:   # (lerp's other form rounds its tail apart)
            return super()._update_params(params, group)
        joined_state = self._joined_states().get(id(params[0])) if params else None
        if joined_state is not None and joined_state.holds(
                params, [self.state[p] for p in params], _KEYS[group["amsgrad"]]):
            return self._step_joined(joined_state, params, group)   # (as the last step)
        together = [p for p in params if _joinable(p)]
        if len(together) < len(params):
            super()._update_params([p for p in params if not _joinable(p)], group)
        for batch in _batches(together):
            self._update_together(batch, group)

    def _joined_states(self):
        """{id of the first parameter: the JoinedState of the batch it starts}"""
        return self.__dict__.setdefault("_kept_joined", {})

    def _update_together(self, params, group):
        """One step of ``params`` on joined arrays, their state kept joined (JoinedState); one
        by one when their states cannot be joined (mixed step counts, state made elsewhere)."""
        keys = _KEYS[group["amsgrad"]]
        states = [self.state[p] for p in params]
        kept = self._joined_states()
        joined_state = kept.get(id(params[0]))
        if joined_state is None or not joined_state.holds(params, states, keys):
            step_dtype = new_step()._data.dtype
            if len(params) < 2 or not can_join(params, states, keys, step_dtype):
                return super()._update_params(params, group)
            joined_state = kept[id(params[0])] = JoinedState(params, states, keys, step_dtype)
        self._step_joined(joined_state, params, group)

    @staticmethod
    def _step_joined(joined_state, params, group):
        """The step of joined parameters whose state ``joined_state`` keeps. With no coupled
        weight decay the update does not read the parameters: each is then updated in place
        from its part of the joined update, rather than copied in and out."""
        joined_state.steps += 1
        flat = joined_state.flat
        state = (joined([p._grad._data for p in params]), flat["exp_avg"], flat["exp_avg_sq"],
                 flat.get("max_exp_avg_sq"), group, joined_state.steps[0].item())
        apart = group["weight_decay"] == 0 or group["decoupled_weight_decay"]
        if apart and all(p._data.flags.c_contiguous for p in params):
            if group["weight_decay"] != 0:
                for p in params:
                    p._data *= scalar(1 - group["lr"] * group["weight_decay"], p._data)
            _step_chunks(None, *state, parts=[p._data.reshape(-1) for p in params])
        else:
            data = joined([p._data for p in params])
            _step_chunks(data, *state)
            write_back(data, [p._data for p in params])
        for p in params:
            p._bump_version()

    def _update(self, p, grad, group):
        state = self._state(p, group)
        count = state["step"]._data
        count += 1
        v_max = state["max_exp_avg_sq"]._data if group["amsgrad"] else None
        data, m, v = p._data, state["exp_avg"]._data, state["exp_avg_sq"]._data
        if data.ndim == 1:   # (in chunks, in kept work arrays)
            _step_chunks(data, grad, m, v, v_max, group, count.item())
        else:
            _step_arrays(data, grad, m, v, v_max, group, count.item())


_KEYS = {False: ("exp_avg", "exp_avg_sq"), True: ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")}


def _step_chunks(data, grad, m, v, v_max, group, step, parts=None):
    """``_step_arrays`` on 1-d arrays, _CHUNK elements at a time, in work arrays kept for
    reuse (a chunk's arrays stay in the processor's cache, and no memory is allocated).
    ``parts``: instead of ``data`` (None), the parameters' own (1-d) arrays laid end to end,
    which receive their parts of each chunk's update (their decay already applied)."""
    size = min(grad.size, _CHUNK)
    rows = _buffers.empty((_ROWS * size,), grad.dtype)
    wide = _buffers.empty((2 * size,), np.float64)
    for i in range(0, grad.size, size):
        s = slice(i, i + size)
        n = min(size, grad.size - i)
        update = _step_arrays(None if data is None else data[s], grad[s], m[s], v[s],
                              None if v_max is None else v_max[s], group, step,
                              rows[:_ROWS * n].reshape(_ROWS, n), wide[:2 * n])
        if parts is not None:
            _add_parts(update, i, parts)


def _add_parts(update, start, parts):
    """Add update (the joined update's elements from ``start`` on) into the parts it covers."""
    end, offset = start + update.size, 0
    for part in parts:
        low, high = max(offset, start), min(offset + part.size, end)
        if low < high:
            part[low - offset:high - offset] += update[low - start:high - start]
        offset += part.size


_ROWS = 6   # work arrays of _step_arrays


def _step_arrays(data, grad, m, v, v_max, group, step, rows=None, wide=None):
    """One Adam step at step count ``step`` on the arrays of a parameter (``data``, in place),
    its gradient and its state (m, v, and v_max with amsgrad, else None; in place). ``rows``:
    _ROWS work arrays of m's shape and dtype, ``wide``: float64 ones for fma_exact (new ones
    if not given). With ``data`` None (no coupled weight decay), returns the update that the
    caller adds to the decayed parameter."""
    lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
    if rows is None:
        rows = np.empty((_ROWS,) + m.shape, m.dtype)
    step_rows, sqrt_rows, spare = rows[0, ...], rows[1:5], rows[5, ...]   # (0-d: arrays)
    if group["maximize"]:
        grad = np.negative(grad, out=spare)
    if wd != 0:
        if group["decoupled_weight_decay"]:
            if data is not None:
                data *= scalar(1 - lr * wd, data)
        else:
            grad = fma_exact(data, scalar(wd, data), grad, out=spare, work=wide)
    weight = scalar(1 - beta1, m)
    if abs(weight) < 0.5:   # lerp's first form (_kernels.lerp)
        fma_exact(np.subtract(grad, m, out=step_rows), weight, m, out=m, work=wide)
    else:
        _lerp(m, grad, weight, out=m)
    v *= scalar(beta2, v)
    fma_exact(np.multiply(grad, scalar(1 - beta2, v), out=step_rows), grad, v, out=v,
              work=wide)
    if v_max is not None:
        np.maximum(v_max, v, out=v_max)
        v = v_max
    step_size = lr / (1 - beta1**step)
    denom = sqrt(v, sqrt_rows)
    denom /= scalar((1 - beta2**step) ** 0.5, v)
    denom += scalar(group["eps"], v)
    update = np.multiply(m, scalar(-step_size, m), out=step_rows)
    update /= denom
    if data is None:
        return update
    data += update


_CHUNK = 1 << 17   # elements of a joined array stepped at a time

# parameters of up to _JOIN_SIZE float32 elements are stepped together (_update_params), in
# joined arrays of up to _JOIN_TOTAL elements (larger ones: the copies cost more than the calls
# they save)
_JOIN_SIZE = 1 << 16
_JOIN_TOTAL = 1 << 20


def _joinable(p):
    return joinable(p, 1, _JOIN_SIZE) and p._data.flags.c_contiguous


def _batches(params):
    """Consecutive runs of ``params`` of up to _JOIN_TOTAL elements together."""
    batch, size = [], 0
    for p in params:
        if batch and size + p._data.size > _JOIN_TOTAL:
            yield batch
            batch, size = [], 0
        batch.append(p)
        size += p._data.size
    if batch:
        yield batch


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01): p <- p (1 - lr wd) before the step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
