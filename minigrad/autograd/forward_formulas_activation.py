"""Forward formulas of the activation functions (see ``forward_formulas.py`` for conventions).

An elementwise activation's Jacobian is diagonal, hence symmetric: J t = Jᵀ t. Its tangent is
therefore its own backward formula with the tangent in the place of the output gradient,
``t_out = act'(self) * t_self`` -- the rule ``DIAGONAL`` runs the op's backward once on
``t_self``. The texts below state each derivative. The gated ones (prelu, glu) mix two inputs
and read their JVP off the backward formula (``TRANSPOSED_VJP``). The nodes of the activations'
own backward (``HardtanhBackwardBackward0`` & co: ``grad * mask``) are linear in the gradient
(hardsigmoid's excepted: torch gives it none, and forward AD raises torch's error).
"""
from . import grad_mode
from ..func import batching
from .forward_formulas import TRANSPOSED_VJP, formula, formula_table, linear, unsupported


def DIAGONAL(c):  # noqa: N802 - a rule, named like the other rule constants
    """t_out = J t_self = Jᵀ t_self (J diagonal): the op's backward formula at u = t_self.

    An input that requires grad is used as it is, so the tangent stays differentiable with
    respect to it (reverse over forward); otherwise a fresh leaf stands in for it. Inside a
    vmap it runs on the physical tensors (elementwise, so any batch layout will do)."""
    return batching.run_physical(lambda x, tangent: _diagonal_vjp(c, x, tangent), c.args[0],
                                 c.t[0])


def _diagonal_vjp(c, x, tangent):
    """DIAGONAL on plain tensors (the physical ones, inside a vmap)."""
    from . import grad as autograd_grad
    keep_graph = (x.requires_grad or tangent.requires_grad) and grad_mode.is_grad_enabled()
    leaf = x if x.requires_grad else x.detach().requires_grad_(True)
    with grad_mode.enable_grad():
        out = c.cls.apply(leaf, *c.args[1:])
        # the backward on Tensors (create_graph), so that a tangent batched by vmap runs
        # through the ops' batching rules
        t_out, = autograd_grad(out, leaf, tangent, create_graph=True, materialize_grads=True)
    return t_out if keep_graph else batching.detach(t_out)


_DIAGONAL = {
    "GeluBackward0": "t_self * gelu'(self)  (Φ(x) + x φ(x); tanh form: see GeluBackwardBackward0)",
    "SiluBackward0": "t_self * s (1 + self (1 - s)),  s = sigmoid(self)",
    "MishBackward0": "t_self * (t + self sigmoid(self) (1 - t²)),  t = tanh(softplus(self))",
    "EluBackward0": "t_self * scale where self > 0, else t_self * input_scale alpha scale "
                    "exp(self input_scale)",
    "EluBackward1": "t_self * scale where result > 0, else t_self * input_scale (result + alpha "
                    "scale)",
    "CeluBackward0": "t_self where self > 0, else t_self * exp(self / alpha)",
    "CeluBackward1": "t_self where result > 0, else t_self * (result / alpha + 1)",
    "LeakyReluBackward0": "t_self where self > 0, else negative_slope * t_self",
    "LeakyReluBackward1": "t_self where result > 0, else negative_slope * t_self",
    "HardtanhBackward0": "t_self where min_val < self < max_val, else 0",
    "HardswishBackward0": "0 (self < -3),  t_self (self / 3 + 1/2) (-3 <= self <= 3),  t_self "
                          "(self > 3)",
    "HardsigmoidBackward0": "t_self / 6 where -3 < self < 3, else 0",
    "ThresholdBackward0": "t_self where self > threshold, else 0",
    "ThresholdBackward1": "t_self where self > threshold (self as it was before the write), "
                          "else 0",
    "SoftshrinkBackward0": "t_self where |self| > lambd, else 0",
    "HardshrinkBackward0": "t_self where |self| > lambd, else 0",
    "SoftplusBackward0": "t_self * sigmoid(beta self), or t_self where beta self > threshold",
    "LogSigmoidBackward0": "t_self * sigmoid(-self)",
}
formula_table(_DIAGONAL, DIAGONAL, "  (diagonal Jacobian: the VJP at u = t_self)")

formula("PreluKernelBackward0", "t_self where self > 0, else weight t_self + t_weight self  "
        "(the VJP, transposed)", TRANSPOSED_VJP)
formula("GluBackward0", "t_a sigmoid(b) + a sigmoid(b) (1 - sigmoid(b)) t_b,  (a, b) = halves "
        "of self  (the VJP, transposed)", TRANSPOSED_VJP)

# ---- the activations' backward nodes ----------------------------------------------------------
formula("GeluBackwardBackward0", "t_grad gelu'(self) + grad gelu''(self) t_self  (the VJP, "
        "transposed)", TRANSPOSED_VJP)
for _name in ("LeakyReluBackwardBackward0", "HardtanhBackwardBackward0",
              "SoftshrinkBackwardBackward0", "HardshrinkBackwardBackward0"):
    formula(_name, "t_grad · (inside where mask, else outside)  (0 for self: piecewise "
            "linear)", linear(which=(0,)))
# torch gives hardsigmoid's backward no derivatives at all (its second derivative raises too)
unsupported("HardsigmoidBackwardBackward0", "aten::hardsigmoid_backward")
for _name, _text in (("EluBackwardBackward0", "t_grad elu'(self) + grad elu''(self) t_self"),
                     ("HardswishBackwardBackward0", "t_grad hardswish'(self) + grad "
                                                    "hardswish''(self) t_self"),
                     ("LogSigmoidBackwardBackward0", "t_grad sigmoid(-self) - grad "
                                                     "sigmoid(-self) sigmoid(self) t_self"),
                     ("PreluKernelBackwardBackward0", "prelu's backward at t_grad, plus its "
                                                      "change with t_self / t_weight")):
    formula(_name, _text + "  (the VJP, transposed)", TRANSPOSED_VJP)
