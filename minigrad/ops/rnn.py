"""Recurrent cells, and one fused LSTM layer, in torch's gate order.

The cells, composed of ordinary ops as torch composes them (their grad_fns come out as torch's):

    RNN:   h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)            (or relu)
    LSTM:  i, f, g, o = chunks of (x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)     (gate order i, f, g, o)
           c' = σ(f) c + σ(i) tanh(g)       h' = σ(o) tanh(c')   (then h' W_hrᵀ with proj_size)
    GRU:   r, z, n from x W_ihᵀ + b_ih and h W_hhᵀ + b_hh, chunk by chunk (gate order r, z, n):
           r = σ(x_r + h_r)   z = σ(x_z + h_z)   n = tanh(x_n + r h_n)   h' = n + z (h - n)

``MkldnnRnnLayerBackward0`` is a whole float32 LSTM layer (one direction, all time steps) as one
node, as torch runs it on CPU: forward loops over the steps in NumPy, backward runs the
recurrence backwards in time (BPTT) with the saved gates:

    dh_t += (from the output) ;  dc_t += dh_t σ(o) (1 - tanh²(c_t))
    d(gates) = [dc σ(g)... ] (each gate's derivative), dx_t = d(gates) W_ih,
    dh_{t-1} = d(gates) W_hh,  dc_{t-1} = dc_t σ(f),  dW_ih = Σ d(gates)ᵀ x_t, ...
"""
import numpy as np

from .. import _buffers
from ..autograd.function import Function
from .._tensor import _make
from ..autograd import grad_mode
from ._util import silent_fp
from ..nn.functional import linear

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell", "lstm_layer"]


def _gates(x, h, w_ih, w_hh, b_ih, b_hh):
    return linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)


def rnn_tanh_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)"""
    return _gates(x, h, w_ih, w_hh, b_ih, b_hh).tanh()


def rnn_relu_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = relu(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)"""
    return _gates(x, h, w_ih, w_hh, b_ih, b_hh).relu()


def lstm_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None):
    """(h', c') from (h, c): the gates i, f, g, o in torch's order."""
    h, c = state
    i, f, g, o = _gates(x, h, w_ih, w_hh, b_ih, b_hh).chunk(4, -1)
    c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h_next = o.sigmoid() * c_next.tanh()
    if w_hr is not None:
        h_next = h_next.matmul(w_hr.t())
    return h_next, c_next


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = n + z (h - n), with r, z, n as in the module docstring."""
    x_r, x_z, x_n = linear(x, w_ih, b_ih).chunk(3, -1)
    h_r, h_z, h_n = linear(h, w_hh, b_hh).chunk(3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return n + z * (h - n)


class MkldnnRnnLayerBackward0(Function):
    """One LSTM layer over all steps: (x (T, B, I), W_ih, W_hh, b_ih, b_hh, h0, c0) ->
    (out (T, B, H), h_T, c_T); reverse runs the steps from T-1 down to 0. The formulas are in the
    module docstring; backward computes on arrays (no second derivative, as in torch)."""

    n_outputs = 3

    @staticmethod
    @silent_fp
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse):
        steps, hidden = x.shape[0], h0.shape[-1]
        h2, h3 = 2 * hidden, 3 * hidden
        # σ's gates (i, f, o) are computed negated, -a, ready for exp: from copies of the weights
        # and bias with those rows negated, which gives exactly the negated sums (rounding is
        # symmetric) for one NumPy call less a step
        w_ih_neg, w_hh_t = w_ih.copy(), np.array(w_hh.T, order="C")
        bias = None if b_ih is None else b_ih + b_hh
        for part in (slice(0, h2), slice(h3, None)):
            for w in (w_ih_neg[part], w_hh_t[:, part]) + (() if bias is None else (bias[part],)):
                np.negative(w, out=w)
        # the input projection of every step at once, one 2-D product: (T, B, 4H); each step's
        # gates are then computed in it, in place
        # (the large arrays are kept for the next step once nothing holds them: _buffers.py)
        flat_x = x.reshape(-1, x.shape[-1])
        gates = np.matmul(flat_x, w_ih_neg.T,
                          out=_buffers.empty((flat_x.shape[0], 4 * hidden), x.dtype))
        gates = gates.reshape(x.shape[:-1] + (4 * hidden,))
        if bias is not None:
            gates += bias
        out = _buffers.empty((steps,) + h0.shape, x.dtype)
        cells = _buffers.empty((steps + 1,) + c0.shape, x.dtype)       # by step number k
        tanh_cells = _buffers.empty((steps,) + c0.shape, x.dtype)     # by time t
        recurrent = np.empty(gates.shape[1:], x.dtype)          # h W_hhᵀ of one step
        g_pre, input_part = np.empty(h0.shape, x.dtype), np.empty(h0.shape, x.dtype)
        h, cells[0] = h0, c0
        one = x.dtype.type(1)
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for k, t in enumerate(order):
            act = gates[t]
            act += np.matmul(h, w_hh_t, out=recurrent)
            np.copyto(g_pre, act[..., h2:h3])
            np.exp(act, out=act)                            # σ(a) = 1 / (1 + exp(-a)) on all
            act += one
            np.reciprocal(act, out=act)
            np.tanh(g_pre, out=act[..., h2:h3])             # then g = tanh(a_g)
            c = cells[k + 1]
            np.multiply(act[..., hidden:h2], cells[k], out=c)                   # f c
            c += np.multiply(act[..., :hidden], act[..., h2:h3], out=input_part)  # + i g
            h = out[t]
            np.multiply(np.tanh(c, out=tanh_cells[t]), act[..., h3:], out=h)   # o tanh(c)
        ctx.save_for_backward(x, w_ih, w_hh, h0)
        ctx.gates, ctx.cells, ctx.out, ctx.reverse = gates, cells, out, reverse
        ctx.tanh_cells = tanh_cells
        ctx.has_bias = b_ih is not None
        return out, h.copy(), cells[-1].copy()

    @staticmethod
    def backward(ctx, grad_out, grad_h, grad_c):
        if grad_mode.is_grad_enabled():
            raise RuntimeError("derivative for aten::mkldnn_rnn_layer_backward is not "
                               "implemented")
        x, w_ih, w_hh, h0 = (getattr(t, "_data", t) for t in ctx.saved_tensors)
        grad_out, grad_h, grad_c = (getattr(g, "_data", g) for g in (grad_out, grad_h, grad_c))
        gates, cells, out = ctx.gates, ctx.cells, ctx.out
        steps, hidden = x.shape[0], h0.shape[-1]
        batch = h0.shape[:-1]
        dt = x.dtype
        dh = np.zeros(h0.shape, dt) if grad_h is None else grad_h.astype(dt, copy=True)
        dc = np.zeros(h0.shape, dt) if grad_c is None else grad_c.astype(dt, copy=True)
        order = list(range(steps - 1, -1, -1) if ctx.reverse else range(steps))
        # every factor that does not depend on the recurrence, for all steps at once
        c_prev = cells[-2::-1] if ctx.reverse else cells[:-1]      # by time t, as gates
        d_c_from_h, d_ifg, d_o = _step_factors(gates, c_prev, ctx.tanh_cells)
        d_gates = _buffers.empty(gates.shape, gates.dtype)
        f = gates[..., hidden:2 * hidden]
        from_h = np.empty(h0.shape, dt)
        for t in reversed(order):
            if grad_out is not None:
                dh += grad_out[t]
            dc += np.multiply(dh, d_c_from_h[t], out=from_h)
            da = d_gates[t]
            np.multiply(d_ifg[t], dc[..., None, :],
                        out=da[..., :3 * hidden].reshape(batch + (3, hidden)))
            np.multiply(dh, d_o[t], out=da[..., 3 * hidden:])
            dh = da @ w_hh
            dc *= f[t]
        grads = [None] * 8
        needs = ctx.needs_input_grad
        flat = d_gates.reshape(-1, 4 * hidden)
        if needs[0]:
            grads[0] = (flat @ w_ih).reshape(x.shape)
        if needs[1]:
            grads[1] = flat.T @ x.reshape(-1, x.shape[-1])
        if needs[2]:
            # the h each step started from: h0, then the previous step's output
            prev = np.concatenate([out[1:], h0[None]] if ctx.reverse else [h0[None], out[:-1]],
                                  out=_buffers.empty(out.shape, out.dtype))
            grads[2] = flat.T @ prev.reshape(-1, hidden)
        if ctx.has_bias and (needs[3] or needs[4]):
            bias_grad = flat.sum(0)
            grads[3] = bias_grad if needs[3] else None
            grads[4] = bias_grad.copy() if needs[4] else None
        grads[5] = dh if needs[5] else None
        grads[6] = dc if needs[6] else None
        return tuple(None if g is None else _make(g) for g in grads)


def _step_factors(gates, c_prev, tanh_c):
    """The backward's factors that do not depend on the recurrence, for all steps at once, each
    product in the order of its formula (written in place: few large temporaries):
    dc += dh · o (1 - tanh²(c));  d(i, f, g) = dc · (g i (1 - i), c_prev f (1 - f), i (1 - g²));
    d(o) = dh · tanh(c) o (1 - o)."""
    hidden = tanh_c.shape[-1]
    i, f = gates[..., :hidden], gates[..., hidden:2 * hidden]
    g, o = gates[..., 2 * hidden:3 * hidden], gates[..., 3 * hidden:]
    one = gates.dtype.type(1)
    scratch = _buffers.empty(tanh_c.shape, tanh_c.dtype)

    def one_minus(a):
        return np.subtract(one, a, out=scratch)

    d_c_from_h = np.multiply(tanh_c, tanh_c, out=_buffers.empty(tanh_c.shape, tanh_c.dtype))
    np.subtract(one, d_c_from_h, out=d_c_from_h)
    np.multiply(o, d_c_from_h, out=d_c_from_h)
    d_ifg = _buffers.empty(tanh_c.shape[:-1] + (3, hidden), gates.dtype)
    d_i, d_f, d_g = d_ifg[..., 0, :], d_ifg[..., 1, :], d_ifg[..., 2, :]
    np.multiply(np.multiply(g, i, out=d_i), one_minus(i), out=d_i)
    np.multiply(np.multiply(c_prev, f, out=d_f), one_minus(f), out=d_f)
    np.multiply(i, one_minus(np.multiply(g, g, out=scratch)), out=d_g)
    d_o = np.multiply(tanh_c, o, out=_buffers.empty(tanh_c.shape, tanh_c.dtype))
    d_o *= one_minus(o)
    return d_c_from_h, d_ifg, d_o


def lstm_layer(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse=False):
    """(out, h_T, c_T) of one LSTM layer direction, as one node."""
    return MkldnnRnnLayerBackward0.apply(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse)
