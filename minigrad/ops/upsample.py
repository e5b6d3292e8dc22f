"""``F.interpolate`` (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area) and
``F.pixel_shuffle`` / ``F.pixel_unshuffle``.

Each resized dim (input size S, output size P) is a separable map (``_taps``): output position
j reads a few inputs with weights, computed as torch's kernels compute them, in the input's
float precision. With ``scale`` = 1 / scale_factor when given, else S / P:

    nearest:        i = min(floor(j * scale), S - 1)
    nearest-exact:  i = min(floor((j + 0.5) * scale), S - 1)
    linear:         src = scale * j (align_corners, scale = (S - 1) / (P - 1)) or
                    max(scale * (j + 0.5) - 0.5, 0); i0 = floor(src), i1 = min(i0 + 1, S - 1),
                    weights (1 - t, t) with t = src - i0
    cubic:          src as linear but never clamped; taps i0 - 1 .. i0 + 2 clamped to the input,
                    weights Keys' cubic convolution with A = -0.75
    area:           adaptive average pooling to the output size

The gradient of each is its transpose (every tap's weighted gradient added back).
"""
import math

import numpy as np

from ..autograd.function import Function
from ..autograd import formulas
from ._taps import node_pair
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
from .registry import register

__all__ = []

_NAMES = {"nearest": "UpsampleNearest{}D", "nearest-exact": "UpsampleNearestExact{}D",
          "linear": "UpsampleLinear1D", "bilinear": "UpsampleBilinear2D",
          "bicubic": "UpsampleBicubic2D", "trilinear": "UpsampleTrilinear3D"}
UpsampleNearest1DBackward0 = node_pair("UpsampleNearest1DBackward0", __name__)
UpsampleNearest1DBackwardBackward0 = UpsampleNearest1DBackward0.adjoint
UpsampleNearest2DBackward0 = node_pair("UpsampleNearest2DBackward0", __name__)
UpsampleNearest2DBackwardBackward0 = UpsampleNearest2DBackward0.adjoint
UpsampleNearest3DBackward0 = node_pair("UpsampleNearest3DBackward0", __name__)
UpsampleNearest3DBackwardBackward0 = UpsampleNearest3DBackward0.adjoint
UpsampleNearestExact1DBackward0 = node_pair("UpsampleNearestExact1DBackward0", __name__)
UpsampleNearestExact1DBackwardBackward0 = UpsampleNearestExact1DBackward0.adjoint
UpsampleNearestExact2DBackward0 = node_pair("UpsampleNearestExact2DBackward0", __name__)
UpsampleNearestExact2DBackwardBackward0 = UpsampleNearestExact2DBackward0.adjoint
UpsampleNearestExact3DBackward0 = node_pair("UpsampleNearestExact3DBackward0", __name__)
UpsampleNearestExact3DBackwardBackward0 = UpsampleNearestExact3DBackward0.adjoint
UpsampleLinear1DBackward0 = node_pair("UpsampleLinear1DBackward0", __name__)
UpsampleLinear1DBackwardBackward0 = UpsampleLinear1DBackward0.adjoint
UpsampleBilinear2DBackward0 = node_pair("UpsampleBilinear2DBackward0", __name__)
UpsampleBilinear2DBackwardBackward0 = UpsampleBilinear2DBackward0.adjoint
UpsampleBicubic2DBackward0 = node_pair("UpsampleBicubic2DBackward0", __name__)
UpsampleBicubic2DBackwardBackward0 = UpsampleBicubic2DBackward0.adjoint
UpsampleTrilinear3DBackward0 = node_pair("UpsampleTrilinear3DBackward0", __name__)
UpsampleTrilinear3DBackwardBackward0 = UpsampleTrilinear3DBackward0.adjoint
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")
_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _node(mode, nd):
    return globals()[_NAMES[mode].format(nd) + "Backward0"]


def _scale(size, out, scale_factor, align_corners, ft):
    if align_corners:
        return ft((size - 1) / (out - 1)) if out > 1 else ft(0)
    if scale_factor is not None and scale_factor > 0:
        return ft(1.0 / scale_factor)
    return ft(size / out)


def _taps(mode, size, out, scale_factor, align_corners, ft):
    """(idx (P, T), weights (P, T) or None) for one dim; ``ft`` the float type computed in."""
    j = np.arange(out)
    scale = _scale(size, out, scale_factor, align_corners, ft)
    if mode in ("nearest", "nearest-exact"):
        if mode == "nearest" and out == size:            # torch's two shortcuts
            idx = j
        elif mode == "nearest" and out == 2 * size:
            idx = j >> 1
        else:
            shift = ft(0.5) if mode == "nearest-exact" else ft(0)
            idx = np.floor((j.astype(ft) + shift) * scale).astype(np.int64)
        return np.minimum(idx, size - 1)[:, None], None
    jf = j.astype(ft)
    if align_corners:
        src = scale * jf
    else:
        src = scale * (jf + ft(0.5)) - ft(0.5)
        if mode != "bicubic":
            src = np.maximum(src, ft(0))
    base = np.floor(src).astype(np.int64)
    t = (src - base.astype(ft)).astype(ft)
    if mode != "bicubic":
        hi = np.where(base < size - 1, base + 1, base)
        base = np.minimum(base, size - 1)
        return np.stack([base, hi], 1), np.stack([ft(1) - t, t], 1)
    a = ft(-0.75)

    def near(x):       # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):        # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    weights = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], 1)
    idx = np.clip(base[:, None] + np.arange(-1, 3)[None, :], 0, size - 1)
    return idx, weights


def _sizes(input, nd, size, scale_factor, recompute_scale_factor):
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        given = size
        size = [size] * nd if isinstance(size, int) else list(size)
        if len(size) != nd:
            raise ValueError("Input and output must have the same number of spatial dimensions, "
                             f"but got input with spatial dimensions of {spatial} and output "
                             f"size of {given}. Please provide input tensor in (N, C, d1, d2, "
                             "...,dK) format and output size in (o1, o2, ...,oK) format.")
        return size, [None] * nd
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = ([float(scale_factor)] * nd if isinstance(scale_factor, (int, float))
              else [float(s) for s in scale_factor])
    if len(scales) != nd:
        raise ValueError("Input and scale_factor must have the same number of spatial "
                         f"dimensions, but got input with spatial dimensions of {spatial} and "
                         f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                         "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                         "format.")
    out = [math.floor(float(s * f)) for s, f in zip(spatial, scales)]
    return out, ([None] * nd if recompute_scale_factor else scales)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, *S) input (see the module docstring)."""
    nd = input.ndim - 2
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("antialias=True is not supported")
    known = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
    if mode not in known:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.ndim}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | trilinear | area | nearest-exact (got "
                                  f"{mode})")
    if nd not in (1, 2, 3) or mode in _DIMS and _DIMS[mode] != nd:
        needed = f" but {mode} mode needs {_DIMS[mode] + 2}D input" if mode in _DIMS else ""
        raise NotImplementedError(f"Got {input.ndim}D input,{needed}" if needed else
                                  "Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.ndim}D) for the modes: nearest | linear | bilinear | "
                                  f"bicubic | trilinear | area | nearest-exact (got {mode})")
    out, scales = _sizes(input, nd, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nd - 1]
        return pool(input, out)
    ft = np.float64 if input._data.dtype == np.float64 else np.float32
    with np.errstate(all="ignore"):
        taps = tuple(_taps(mode, s, o, f, align_corners, ft)
                     for s, o, f in zip(input.shape[2:], out, scales))
    return _node(mode, nd).apply(input, taps)


class _PixelShuffle(Function):
    """(N, C r^2, H, W) -> (N, C, H r, W r): element (c, i, j) of block (y, x) goes to
    (y r + i, x r + j). Its gradient is the inverse rearrangement."""

    inverse = None

    @staticmethod
    def forward(ctx, x, r):
        *lead, c, h, w = x.shape
        ctx.r = r
        y = x.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
        k = len(lead)
        order = tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2)
        return np.ascontiguousarray(y.transpose(order)).reshape(
            tuple(lead) + (c // (r * r), h * r, w * r))

    @classmethod
    def backward(cls, ctx, grad):
        return formulas.call(cls.inverse, grad, ctx.r), None


class _PixelUnshuffle(Function):
    """(N, C, H r, W r) -> (N, C r^2, H, W): the inverse of pixel_shuffle."""

    inverse = None

    @staticmethod
    def forward(ctx, x, r):
        *lead, c, h, w = x.shape
        ctx.r = r
        y = x.reshape(tuple(lead) + (c, h // r, r, w // r, r))
        k = len(lead)
        order = tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3)
        return np.ascontiguousarray(y.transpose(order)).reshape(
            tuple(lead) + (c * r * r, h // r, w // r))

    @classmethod
    def backward(cls, ctx, grad):
        return formulas.call(cls.inverse, grad, ctx.r), None


PixelShuffleBackward0 = type("PixelShuffleBackward0", (_PixelShuffle,),
                             {"__module__": __name__, "__doc__": _PixelShuffle.__doc__})
PixelUnshuffleBackward0 = type("PixelUnshuffleBackward0", (_PixelUnshuffle,),
                               {"__module__": __name__, "__doc__": _PixelUnshuffle.__doc__})
PixelShuffleBackward0.inverse = PixelUnshuffleBackward0
PixelUnshuffleBackward0.inverse = PixelShuffleBackward0


def _check_shuffle(input, name, arg, factor):
    if input.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input "
                           f"with {input.ndim} dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {arg}, but got {factor}")


def pixel_shuffle(input, upscale_factor):
    _check_shuffle(input, "pixel_shuffle", "upscale_factor", upscale_factor)
    c = input.shape[-3]
    if c % (upscale_factor * upscale_factor):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be "
                           "divisible by the square of upscale_factor, but input.size(-3)="
                           f"{c} is not divisible by {upscale_factor * upscale_factor}")
    return PixelShuffleBackward0.apply(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    _check_shuffle(input, "pixel_unshuffle", "downscale_factor", downscale_factor)
    h, w = input.shape[-2:]
    for name, n, dim in (("height", h, -2), ("width", w, -1)):
        if n % downscale_factor:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({dim})={n} is not divisible "
                               f"by {downscale_factor}")
    return PixelUnshuffleBackward0.apply(input, downscale_factor)


def _interp_sample(rng, dtype):
    x1, x2 = rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 2, 4, 5))
    x3 = rng.standard_normal((1, 2, 3, 4, 3))
    yield [x1.astype(dtype)], {"scale_factor": 2.5, "mode": "linear"}
    yield [x2.astype(dtype)], {"size": (7, 3), "mode": "bilinear", "align_corners": True}
    yield [x2.astype(dtype)], {"scale_factor": 1.7, "mode": "bicubic"}
    yield [x2.astype(dtype)], {"size": (9, 10)}
    yield [x3.astype(dtype)], {"scale_factor": 2, "mode": "trilinear"}
    yield [x2.astype(dtype)], {"size": (3, 2), "mode": "area"}


def _shuffle_sample(rng, dtype):
    yield [rng.standard_normal((2, 8, 3, 2)).astype(dtype), 2], {}


def _unshuffle_sample(rng, dtype):
    yield [rng.standard_normal((2, 2, 4, 6)).astype(dtype), 2], {}


register("interpolate", nodes=tuple(n.format(d) + "Backward0" for n in _NAMES.values()
                                    for d in (1, 2, 3)) + ("AdaptiveAvgPool2DBackward0",),
         forms=("functional",), family="resize", sample=_interp_sample)(interpolate)
register("pixel_shuffle", nodes=("PixelShuffleBackward0",), forms=("function", "functional"),
         family="resize", sample=_shuffle_sample)(pixel_shuffle)
register("pixel_unshuffle", nodes=("PixelUnshuffleBackward0",), forms=("function", "functional"),
         family="resize", sample=_unshuffle_sample)(pixel_unshuffle)
