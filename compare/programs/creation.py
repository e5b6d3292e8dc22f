"""Tensor creation: torch.tensor, zeros/ones/full (+ _like), arange, linspace, eye, legacy."""
import numpy as np

from . import program, rng_for


@program("creation")
def from_data(T, device):
    """torch.tensor from Python scalars, lists and NumPy arrays: values and inferred dtypes."""
    rng = rng_for("creation.from_data")
    out = {
        "scalar_int": T.tensor(10, device=device),
        "scalar_float": T.tensor(2.5, device=device),
        "list_float": T.tensor([[10., 20., 30.], [40., 50., 60.]], device=device),
        "list_int": T.tensor([[1, 2], [3, 4]], device=device),
        "list_bool": T.tensor([True, False], device=device),
        "list_mixed": T.tensor([1, 2.5], device=device),
        "numpy_f64": T.tensor(rng.standard_normal((2, 3)), device=device),
        "numpy_f32": T.tensor(rng.standard_normal((3,)).astype(np.float32), device=device),
        "numpy_i32": T.tensor(np.array([1, 2, 3], dtype=np.int32), device=device),
        "dtype_arg": T.tensor([1, 2, 3], dtype=T.float64, device=device),
        "empty_list": T.tensor([], device=device),
    }
    out["dtypes"] = [str(v.dtype) for v in list(out.values())]
    return out


@program("creation")
def filled(T, device):
    """zeros/ones/full and their _like versions, with and without dtype."""
    base = T.tensor([[1, 2, 3], [4, 5, 6]], device=device)
    return {
        "zeros": T.zeros(2, 3, device=device),
        "zeros_list_shape": T.zeros([2, 3], device=device),
        "ones": T.ones(2, 3, dtype=T.int64, device=device),
        "full_int": T.full([2, 3], 10, device=device),
        "full_float": T.full((2, 2), 1.5, device=device),
        "full_bool": T.full((2,), True, device=device),
        "zeros_like": T.zeros_like(base),
        "ones_like_f": T.ones_like(base, dtype=T.float32),
        "full_like": T.full_like(base, 20),
        "full_like_float_into_int": T.full_like(base, 2.7),
        "empty_shape": tuple(T.empty(3, 0, 2, device=device).shape),
    }


@program("creation")
def ranges(T, device):
    """arange and linspace: dtypes, endpoints, float steps; eye."""
    return {
        "arange_int": T.arange(0, 10, 2, device=device),
        "arange_end": T.arange(5, device=device),
        "arange_float": T.arange(0, 1, 0.1, device=device),
        "arange_neg": T.arange(10, 0, -3, device=device),
        "linspace": T.linspace(0, 9, 10, device=device),
        "linspace_frac": T.linspace(-1, 1, 7, device=device),
        "linspace_one": T.linspace(3, 5, 1, device=device),
        "eye": T.eye(3, device=device),
        "eye_rect": T.eye(2, 4, device=device),
    }


@program("creation")
def legacy_constructors(T, device):
    """torch.Tensor(list) is float32; typed constructors convert their data."""
    return {
        "Tensor_list": T.Tensor([10, 20]),
        "Tensor_shape": tuple(T.Tensor(2, 3).shape),
        "IntTensor": T.IntTensor([2.5, 3.3]),
        "LongTensor": T.LongTensor([1, 2]),
        "DoubleTensor": T.DoubleTensor([1, 2]),
        "FloatTensor_empty": tuple(T.FloatTensor().shape),
    }
