"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells.

Parameters are named and shaped as torch's (``weight_ih_l{k}[_reverse]``, ``weight_hh_...``,
``bias_ih_...``, ``bias_hh_...``, ``weight_hr_...`` with proj_size) and all start as
U(-1/√hidden, 1/√hidden), drawn from the global generator in that order. Sequences are
(T, N, features) (``batch_first``: (N, T, features)), or unbatched (T, features), or a
``PackedSequence``. Layers run one after another, both directions of a layer on the same input;
between layers, in training, dropout. The step formulas are in ``ops/rnn.py``; a float32 LSTM
layer without projections runs as one fused node, as torch's CPU kernel does.
"""
import math
import warnings

from ... import creation
from ...ops import join, rnn as cells
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, packed_steps, to_packed
from .module import Module
from ..._device import EMPTY, check_device

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters, the checks, the layer/direction loop."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__()
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1 \
                or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got dropout="
                          f"{dropout} and num_layers={num_layers}", stacklevel=3)
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be an integer greater than zero")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be an integer greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    self.register_parameter(name + suffix,
                                            Parameter(creation.empty(shape, dtype=dtype)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    def _layer_weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"]
        return [getattr(self, n + suffix, None) for n in names]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- running -------------------------------------------------------------------------------
    def _check_input(self, input, batch_sizes):
        expected = 2 if batch_sizes is not None else 3
        if batch_sizes is None and input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.ndim}D instead")
        if input.ndim >= 1 and self.input_size != input.shape[-1]:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight.dtype}). Convert input: input.to({weight.dtype}), or "
                             f"convert model: model.to({input.dtype})")
        return expected

    def _state_shape(self, batch, hidden):
        return (self.num_layers * (2 if self.bidirectional else 1), batch, hidden)

    def _check_hidden(self, hx, expected, which=""):
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(f"Expected hidden{which} size {tuple(expected)}, got "
                               f"{list(hx.shape)}")

    def _run(self, input, states, lengths):
        """Every layer and direction over (T, N, F) input; states: a list (one per state
        kind: h, or h and c) of (L*D, N, H) tensors or lists of L*D (N, H) tensors. Returns
        output and the final states."""
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        x = input
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                out, last = self._direction(x, [s[k] for s in states], layer, direction,
                                            lengths)
                outs.append(out)
                for kind, state in enumerate(last):
                    finals[kind].append(state)
            x = outs[0] if directions == 1 else join.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, [join.stack(f, 0) for f in finals]

    def _direction(self, x, state, layer, direction, lengths):
        """One layer in one direction: (outputs (T, N, H), final states)."""
        w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(layer, direction)
        reverse = direction == 1
        if (self.mode == "LSTM" and w_hr is None and lengths is None
                and x.dtype == w_ih.dtype and str(x.dtype) == "torch.float32"):
            out, h, c = cells.lstm_layer(x, w_ih, w_hh, b_ih, b_hh, state[0], state[1],
                                         reverse)
            return out, (h, c)
        step = _STEPS[self.mode]
        steps = x.shape[0]
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        outputs = [None] * steps
        for t in order:
            new = step(x[t], state if self.mode == "LSTM" else state[0], w_ih, w_hh, b_ih, b_hh,
                       w_hr)
            new = list(new) if self.mode == "LSTM" else [new]
            if lengths is not None:        # packed: a finished sequence keeps its state
                active = lengths[t]
                new = [creation_where(active, n, s) for n, s in zip(new, state)]
            state = new
            outputs[t] = new[0]
        return join.stack(outputs, 0), state


def creation_where(active, new, old):
    """new on the rows still running, old on the finished ones (a packed batch)."""
    return new if active is None else new.where(active, old)


def _rnn_step(cell):
    def step(x, h, w_ih, w_hh, b_ih, b_hh, w_hr):
        return cell(x, h, w_ih, w_hh, b_ih, b_hh)
    return step


_STEPS = {
    "RNN_TANH": _rnn_step(cells.rnn_tanh_cell), "RNN_RELU": _rnn_step(cells.rnn_relu_cell),
    "GRU": _rnn_step(cells.gru_cell),
    "LSTM": lambda x, s, w_ih, w_hh, b_ih, b_hh, w_hr: cells.lstm_cell(x, s, w_ih, w_hh, b_ih,
                                                                      b_hh, w_hr),
}


class _Recurrent(RNNBase):
    """forward for all three: inputs, initial states (h, or (h, c) for LSTM), packed input."""

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        lstm = self.mode == "LSTM"
        if packed:
            data, batch_sizes, sorted_idx, unsorted_idx = input
            self._check_input(data, batch_sizes)
            x, lengths = packed_steps(data, batch_sizes)
            batch, batched = int(batch_sizes[0]), True
        else:
            self._check_input(input, None)
            batched = input.ndim == 3
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.transpose(0, 1)
            batch, lengths, sorted_idx, unsorted_idx = x.shape[1], None, None, None
        out_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        shapes = [self._state_shape(batch, out_hidden)]
        if lstm:
            shapes.append(self._state_shape(batch, self.hidden_size))
        states = self._initial_states(hx, shapes, batched, sorted_idx, x.dtype)
        output, finals = self._run(x, states, lengths)
        if unsorted_idx is not None:
            finals = [f.index_select(1, unsorted_idx) for f in finals]
        if packed:
            output = to_packed(output, batch_sizes, sorted_idx, unsorted_idx)
        elif not batched:
            output, finals = output.squeeze(1), [f.squeeze(1) for f in finals]
        elif self.batch_first:   # (torch's RNN and GRU turn theirs in place: TransposeBackward1)
            output = output.transpose(0, 1) if lstm else output.transpose_(0, 1)
        return output, (tuple(finals) if lstm else finals[0])

    def _initial_states(self, hx, shapes, batched, sorted_idx, dtype):
        lstm = self.mode == "LSTM"
        if hx is None:   # zeros for each layer and direction, as _run indexes them
            return [[creation.zeros(shape[1:], dtype=dtype) for _ in range(shape[0])]
                    for shape in shapes]
        given = list(hx) if lstm else [hx]
        if not batched:
            if any(h.ndim != 2 for h in given):
                dims = ", ".join(f"{h.ndim}-D" for h in given)
                what = "hx and cx should also be 2-D but got (" + dims + ") tensors" if lstm \
                    else f"hx should also be 2-D but got {given[0].ndim}-D tensor"
                raise RuntimeError(f"For unbatched 2-D input, {what}")
            given = [h.unsqueeze(1) for h in given]
        elif any(h.ndim != 3 for h in given):
            dims = ", ".join(f"{h.ndim}-D" for h in given)
            what = "hx and cx should also be 3-D but got (" + dims + ") tensors" if lstm \
                else f"hx should also be 3-D but got {given[0].ndim}-D tensor"
            raise RuntimeError(f"For batched 3-D input, {what}")
        if sorted_idx is not None:
            given = [h.index_select(1, sorted_idx) for h in given]
        for k, (h, shape) in enumerate(zip(given, shapes)):
            self._check_hidden(h, shape, f"[{k}]" if lstm else "")
        return given


class RNN(_Recurrent):
    """h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) (or relu), layer by layer."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype)


class LSTM(_Recurrent):
    """Long short-term memory: gates i, f, g, o; returns output, (h_n, c_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, dtype=dtype)


class GRU(_Recurrent):
    """Gated recurrent unit: gates r, z, n."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype=dtype)


# ---- cells --------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """One step of a recurrent layer: weight_ih, weight_hh, bias_ih, bias_hh, all
    U(-1/√hidden, 1/√hidden)."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(creation.empty((num_chunks * hidden_size, input_size),
                                                  dtype=dtype))
        self.weight_hh = Parameter(creation.empty((num_chunks * hidden_size, hidden_size),
                                                  dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input, hx, count):
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            zeros = creation.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
            return x, [zeros] * count, batched
        states = list(hx) if count == 2 else [hx]
        states = states if batched else [h.unsqueeze(0) for h in states]
        for k, h in enumerate(states):
            if h.shape[0] != x.shape[0]:
                raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{k} "
                                   f"batch size {h.shape[0]}")
        return x, states, batched

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu)"""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__(input_size, hidden_size, bias, 1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        if self.nonlinearity == "tanh":
            out = cells.rnn_tanh_cell(x, h, *self._weights())
        elif self.nonlinearity == "relu":
            out = cells.rnn_relu_cell(x, h, *self._weights())
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """(h', c') = one LSTM step (gates i, f, g, o)"""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__(input_size, hidden_size, bias, 4, dtype=dtype)

    def forward(self, input, hx=None):
        x, state, batched = self._prepare(input, hx, 2)
        h, c = cells.lstm_cell(x, state, *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """h' = one GRU step (gates r, z, n)"""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        check_device(device, EMPTY)   # torch fails allocating there
        super().__init__(input_size, hidden_size, bias, 3, dtype=dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        out = cells.gru_cell(x, h, *self._weights())
        return out if batched else out.squeeze(0)
