"""``parameters_to_vector`` / ``vector_to_parameters``: all parameters as one flat vector and
back (the vector's slices, viewed in each parameter's shape, become the parameters' data)."""
from ... import _tensor
from ...ops.join import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """``cat([p.view(-1) for p in parameters])``: differentiable, one copy."""
    return cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Set each parameter's ``.data`` to its slice of ``vec`` (in order, viewed in its shape)."""
    if not isinstance(vec, _tensor.Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
