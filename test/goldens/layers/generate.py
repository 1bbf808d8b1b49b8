"""Writes cases.json: every layer rule's expected output shape or error, as PyTorch 1.13 computes it.

Run with Debian's Python, which has PyTorch:  /usr/bin/python3 test/goldens/layers/generate.py
Each case is (layer or function, constructor args, input shapes); PyTorch builds the layer and runs it on
zero tensors, and the case records the output shape or the exception (phase, type, exact message).
Modules run in their default (training) mode, as a freshly built model does. Lists in the table are passed
as tuples. Python prints sets in hash order: run with PYTHONHASHSEED=0 for a stable file.
"""
import itertools
import json
import os
import random
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
warnings.simplefilter("ignore")
rng = random.Random(1234)
cases = []


def case(target, args=(), kwargs=None, inputs=(), note="", forward=None):
    """inputs: one shape per tensor argument; a list of shapes stands for a tuple of tensors (an LSTM's (h0, c0)).
    forward: keyword arguments of the forward call that are not tensors (need_weights, output_size)."""
    c = {"target": target, "args": list(args), "kwargs": dict(kwargs or {}), "inputs": [list(s) for s in inputs], "note": note}
    if forward:
        c["forward"] = forward
    cases.append(c)


def sample(items, n):
    items = list(items)
    return items if len(items) <= n else rng.sample(items, n)


# ---------------------------------------------------------------- convolutions
def conv_grid(name, dims, n):
    if dims == 2:
        kernels = [1, 2, 3, 4, 5, 7, [3, 5], [2, 3]]
        strides = [1, 2, 3, [2, 1]]
        paddings = [0, 1, 2, 3, [1, 2], "same", "valid"]
        dilations = [1, 2, [2, 1]]
        sizes = [[5, 5], [7, 9], [8, 8], [15, 15], [16, 17], [32, 32], [3, 3], [1, 1], [11, 6]]
    else:
        kernels = [1, 2, 3, 4, 5, 7]
        strides = [1, 2, 3]
        paddings = [0, 1, 2, 3, "same", "valid"]
        dilations = [1, 2, 3]
        sizes = [[5], [7], [8], [15], [16], [32], [3], [1], [50]]
    for k, s, p, d, hw in sample(itertools.product(kernels, strides, paddings, dilations, sizes), n):
        kw = {}
        if s != 1:
            kw["stride"] = s
        if p != 0:
            kw["padding"] = p
        if d != 1:
            kw["dilation"] = d
        case(name, [3, 4, k], kw, [[2, 3] + hw])


conv_grid("Conv2d", 2, 260)
conv_grid("Conv1d", 1, 120)
for name, sp in (("Conv2d", [8, 8]), ("Conv1d", [8])):
    case(name, [4, 8, 3], {"groups": 2}, [[1, 4] + sp])
    case(name, [4, 4, 3], {"groups": 4, "padding": 1}, [[1, 4] + sp], "depthwise")
    case(name, [6, 9, 3], {"groups": 3}, [[1, 6] + sp])
    case(name, [4, 8, 3], {"groups": 2}, [[1, 6] + sp], "channel mismatch with groups")
    case(name, [4, 6, 3], {"groups": 4}, [[1, 4] + sp], "out_channels not divisible")
    case(name, [3, 6, 3], {"groups": 2}, [[1, 3] + sp], "in_channels not divisible")
    case(name, [4, 8, 3], {"groups": 0}, [[1, 4] + sp])
    case(name, [3, 8, 3], {"padding": "same", "stride": 2}, [[1, 3] + sp])
    case(name, [3, 8, 3], {"padding": "full"}, [[1, 3] + sp])
    case(name, [3, 8, 3], {"padding_mode": "zero"}, [[1, 3] + sp])
    case(name, [3, 8, 3], {"bias": False}, [[1, 3] + sp])
    case(name, [3, 8, 3], {}, [[3] + sp], "unbatched")
    case(name, [3, 8, 3], {"padding": 1}, [[5] + sp], "unbatched channel mismatch")
    case(name, [3, 8, 3], {}, [[1, 3]], "rank too small")
    case(name, [3, 8, 3], {}, [[1, 1, 3] + sp], "rank too large")
    case(name, [3, 8, 5], {}, [[1, 3] + [3] * len(sp)], "input too small")
    case(name, [3, 8, 3], {"dilation": 4}, [[1, 3] + [7] * len(sp)], "dilated kernel too big")
    case(name, [3, 8, 3], {"padding": 1}, [[1, 3] + [1] * len(sp)], "padding saves a 1-pixel input")
    case(name, [3, 8, 2], {"padding": "same"}, [[1, 3] + sp], "same with even kernel")
    case(name, [3, 8, 2], {"padding": "same"}, [[1, 4] + sp], "channel mismatch after asymmetric same padding")
    case(name, [3, 8, 3], {"padding": 2, "padding_mode": "reflect"}, [[1, 4] + sp], "channel mismatch after reflect padding")
    case(name, [3, 8, 4], {"padding": "same", "dilation": 3}, [[1, 3] + sp], "same with dilation")
    case(name, [3, 8, 3], {"stride": 0}, [[1, 3] + sp])
    case(name, [3, 8, 3], {"padding": -1}, [[1, 3] + sp])
    case(name, [3, 8, 3], {"dilation": 0}, [[1, 3] + sp])
    case(name, [32, 10, 3], {}, [[1, 64] + sp])
    case(name, [3, 8, 3], {}, [[2, 3] + [0] * len(sp)], "empty spatial")
    for mode in ("reflect", "replicate", "circular"):
        for p in (1, 2, 3, "same"):
            for size in (3, 4, 9):
                case(name, [2, 3, 5 if p == "same" else 3], {"padding": p, "padding_mode": mode}, [[1, 2] + [size] * len(sp)])
        case(name, [2, 3, 3], {"padding": 1, "padding_mode": mode}, [[2] + sp], "unbatched padding mode")
case("Conv2d", [64, 32, 2], {}, [[1, 32, 30, 30]], "the brief's example")
case("Conv2d", [3, 8, [3, 5]], {"padding": [1, 2]}, [[1, 3, 9, 9]])
case("Conv2d", [3, 8], {"kernel_size": 3, "stride": [1, 2], "padding": [0, 1], "dilation": [1, 2]}, [[1, 3, 20, 21]])
case("Conv2d", [3, 8, 3], {"padding": [1, 1, 1]}, [[1, 3, 8, 8]], "padding tuple too long")

# ------------------------------------------------------------- transposed conv
for name, sizes in (("ConvTranspose2d", [[1, 1], [3, 3], [4, 5], [7, 7], [16, 16]]), ("ConvTranspose1d", [[1], [3], [5], [8], [16]])):
    grid = itertools.product([1, 2, 3, 4, 5], [1, 2, 3], [0, 1, 2], [0, 1, 2], [1, 2], sizes)
    for k, s, p, op, d, hw in sample(grid, 120 if name.endswith("2d") else 70):
        kw = {}
        if s != 1:
            kw["stride"] = s
        if p:
            kw["padding"] = p
        if op:
            kw["output_padding"] = op
        if d != 1:
            kw["dilation"] = d
        case(name, [3, 4, k], kw, [[2, 3] + hw])
    sp = sizes[2]
    case(name, [4, 8, 3], {"groups": 2, "stride": 2}, [[1, 4] + sp])
    case(name, [4, 8, 3], {"groups": 2}, [[1, 6] + sp], "channel mismatch")
    case(name, [3, 8, 3], {}, [[1, 4] + sp], "channel mismatch")
    case(name, [3, 8, 3], {}, [[3] + sp], "unbatched")
    case(name, [3, 8, 3], {}, [[1, 3]], "rank")
    case(name, [3, 8, 3], {"padding_mode": "reflect"}, [[1, 3] + sp])
    case(name, [3, 8, 3], {"padding": 3}, [[1, 3] + [1] * len(sp)], "output too small")
    case(name, [4, 6, 3], {"groups": 4}, [[1, 4] + sp])
    case(name, [3, 8, 3], {"stride": 2, "output_padding": 2}, [[1, 3] + sp], "output padding = stride")
    case(name, [3, 8, 3], {"stride": 2, "output_padding": 1, "dilation": 3}, [[1, 3] + sp])
    case(name, [3, 8, 4], {"stride": 2, "padding": 1}, [[1, 3] + sp], "DCGAN upsample")
    case(name, [3, 8, 2], {"stride": 2}, [[1, 3] + sp], "UNet up")

# ----------------------------------------------------------------------- pools
for name in ("MaxPool2d", "AvgPool2d", "MaxPool1d", "AvgPool1d"):
    is2 = name.endswith("2d")
    sizes = [[1, 1], [2, 2], [5, 5], [6, 7], [7, 7], [8, 8], [15, 15], [16, 16], [13, 10]] if is2 else [[1], [2], [5], [6], [7], [8], [15], [16], [31]]
    kernels = [1, 2, 3, 4, 5] + ([[2, 3]] if is2 else [])
    strides = [None, 1, 2, 3] + ([[1, 2]] if is2 else [])
    pads = [0, 1, 2]
    dils = [1, 2] if name.startswith("Max") else [1]
    for k, s, p, d, c, hw in sample(itertools.product(kernels, strides, pads, dils, [False, True], sizes), 150 if is2 else 90):
        kw = {}
        if s is not None:
            kw["stride"] = s
        if p:
            kw["padding"] = p
        if d != 1:
            kw["dilation"] = d
        if c:
            kw["ceil_mode"] = True
        case(name, [k], kw, [[2, 3] + hw])
    one = [1] * (2 if is2 else 1)
    # ceil_mode: the last window must start inside the input or the left padding
    case(name, [2], {"stride": 2, "ceil_mode": True}, [[1, 3] + [5] * len(one)], "ceil mode keeps the partial window")
    case(name, [3], {"stride": 2, "padding": 1, "ceil_mode": True}, [[1, 3] + [6] * len(one)], "ceil mode drops the window that starts in the right padding")
    case(name, [2], {"stride": 3, "ceil_mode": True}, [[1, 3] + [7] * len(one)])
    case(name, [3], {"stride": 3, "padding": 1, "ceil_mode": True}, [[1, 3] + [5] * len(one)])
    case(name, [3], {"stride": 2, "padding": 1, "ceil_mode": True}, [[1, 3] + [8] * len(one)])
    case(name, [3], {"padding": 2}, [[1, 3] + [8] * len(one)], "padding more than half the kernel")
    case(name, [4], {}, [[1, 3] + [3] * len(one)], "input smaller than kernel")
    case(name, [2], {}, [[3] + [8] * len(one)], "unbatched")
    case(name, [2], {}, [[3]], "rank too small")
    case(name, [2], {}, [[1, 1, 3] + [8] * len(one)], "rank too large")
    case(name, [2], {"stride": 0}, [[1, 3] + [8] * len(one)], "zero stride")
    case(name, [0], {}, [[1, 3] + [8] * len(one)], "zero kernel")
    case(name, [2], {}, [[1, 3] + [1] * len(one)], "1x1 input")
    if name.startswith("Max"):
        case(name, [3], {"dilation": 3}, [[1, 3] + [6] * len(one)], "dilation too big")
        case(name, [2], {"return_indices": True}, [[1, 3] + [8] * len(one)], "returns a tuple")
    else:
        case(name, [3], {"padding": 1, "count_include_pad": False}, [[1, 3] + [8] * len(one)])
        if is2:
            case(name, [3], {"divisor_override": 2}, [[1, 3, 8, 8]])
for fn, shape in (("max_pool2d", [1, 3, 9, 9]), ("avg_pool2d", [1, 3, 9, 9]), ("max_pool1d", [1, 3, 9]), ("avg_pool1d", [1, 3, 9])):
    full = "torch.nn.functional." + fn
    case(full, [2], {}, [shape])
    case(full, [3, 2], {}, [shape])
    case(full, [3], {"stride": 2, "padding": 1}, [shape])
    case(full, [], {"kernel_size": 2, "ceil_mode": True}, [shape])
    case(full, [3, 2, 1, ], {"ceil_mode": True}, [shape])
    case(full, [5], {}, [[1, 3] + [3] * (len(shape) - 2)], "too small")
case("torch.nn.functional.max_pool2d", [3, 1, 0, 2], {}, [[1, 3, 9, 9]], "positional dilation")
case("torch.nn.functional.max_pool2d", [2], {"return_indices": True}, [[1, 3, 8, 8]])

# -------------------------------------------------------------- adaptive pools
for name in ("AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d"):
    is2 = name.endswith("2d")
    outs = [1, 2, 3, 7, [2, 3], [None, 4], [5, None], None] if is2 else [1, 2, 3, 5, 7]
    for o in outs:
        for hw in ([[1, 1], [7, 7], [5, 9], [14, 14]] if is2 else [[1], [7], [10]]):
            case(name, [o], {}, [[2, 3] + hw])
    case(name, [2], {}, [[3] + ([8, 8] if is2 else [8])], "unbatched")
    case(name, [2], {}, [[3]], "rank too small")
    case(name, [2], {}, [[1, 2, 3, 8, 8] if is2 else [1, 2, 3, 8]], "rank too large")
    case(name, [], {"output_size": 2}, [[1, 3, 0, 4] if is2 else [1, 3, 0]], "empty input")
case("AdaptiveMaxPool2d", [2], {"return_indices": True}, [[1, 3, 8, 8]])
for fn in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
    for o in (1, [3, 4], [None, 2]):
        case("torch.nn.functional." + fn, [o], {}, [[1, 3, 9, 10]])
    case("torch.nn.functional." + fn, [], {"output_size": 5}, [[1, 3, 9, 10]])
case("torch.nn.functional.adaptive_avg_pool1d", [3], {}, [[1, 3, 10]])
case("torch.nn.functional.adaptive_max_pool1d", [3], {}, [[1, 3, 10]])

# ---------------------------------------------------------------------- norms
for C in (3, 4):
    case("BatchNorm2d", [C], {}, [[2, 4, 5, 5]])
    case("BatchNorm1d", [C], {}, [[2, 4]])
    case("BatchNorm1d", [C], {}, [[2, 4, 7]])
    case("InstanceNorm2d", [C], {}, [[2, 4, 5, 5]])
    case("InstanceNorm2d", [C], {"affine": True}, [[2, 4, 5, 5]])
    case("InstanceNorm1d", [C], {"affine": True}, [[2, 4, 7]])
    case("InstanceNorm1d", [C], {}, [[2, 4, 7]])
    case("InstanceNorm2d", [C], {"affine": True}, [[4, 5, 5]], "unbatched")
    case("InstanceNorm2d", [C], {"affine": True, "track_running_stats": True}, [[2, 4, 5, 5]])
case("BatchNorm2d", [4], {"affine": False}, [[2, 4, 5, 5]])
case("BatchNorm2d", [4], {"track_running_stats": False}, [[2, 3, 5, 5]], "no running stats, weight still checks")
case("BatchNorm2d", [4], {"affine": False, "track_running_stats": False}, [[2, 3, 5, 5]], "nothing to check")
case("BatchNorm2d", [4], {}, [[4, 5, 5]], "3-D input")
case("BatchNorm2d", [4], {}, [[2, 4, 5, 5, 5]], "5-D input")
case("BatchNorm1d", [4], {}, [[2, 4, 5, 5]], "4-D input")
case("BatchNorm1d", [4], {}, [[4]], "1-D input")
case("BatchNorm2d", [4], {}, [[1, 4, 1, 1]], "one value per channel in training")
case("BatchNorm1d", [4], {}, [[1, 4]], "one value per channel in training")
case("BatchNorm2d", [4], {"momentum": None, "eps": 1e-3}, [[2, 4, 3, 3]])
case("InstanceNorm1d", [4], {}, [[2, 4, 1]], "one spatial element")
case("InstanceNorm2d", [4], {}, [[2, 4, 1, 1]], "one spatial element")
case("InstanceNorm2d", [4], {}, [[2, 4, 5, 5, 5]], "5-D input")
case("InstanceNorm1d", [4], {}, [[2, 4, 5, 5]], "4-D input")
case("InstanceNorm1d", [4], {"affine": True}, [[4, 9]], "unbatched")
for g, c, shape in ((2, 4, [2, 4, 5, 5]), (4, 8, [2, 8, 3]), (1, 6, [2, 6]), (3, 6, [2, 6, 4, 4]), (2, 4, [2, 6, 5, 5]),
                    (2, 4, [2, 5, 5, 5]), (3, 4, [2, 4, 5, 5]), (2, 4, [2, 4]), (4, 4, [3, 4, 2, 2, 2]), (2, 6, [2, 4, 5, 5]), (2, 4, [4]), (0, 4, [2, 4, 3])):
    case("GroupNorm", [g, c], {}, [shape])
case("GroupNorm", [2, 6], {"affine": False}, [[2, 4, 5, 5]], "no weight to check")
for ns, shape in ((8, [2, 8]), (8, [2, 4, 8]), ([4, 8], [2, 4, 8]), ([5, 5], [2, 3, 5, 5]), (8, [2, 8, 4]), ([4, 8], [2, 8, 4]),
                  ([3, 5, 5], [2, 3, 5, 5]), (8, [8]), ([2, 8], [8]), (6, [2, 4, 8]), ([8], [3, 8])):
    case("LayerNorm", [ns], {}, [shape])
case("LayerNorm", [8], {"elementwise_affine": False}, [[2, 8]])
case("LayerNorm", [8], {"elementwise_affine": False}, [[2, 7]], "no weight, still checked")

# --------------------------------------------------------------------- linear
for i, o, shape in ((8, 4, [2, 8]), (8, 4, [8]), (8, 4, [2, 3, 8]), (8, 4, [2, 3, 5, 8]), (2048, 10, [1, 2048]), (4096, 10, [1, 2048]),
                    (8, 4, [2, 7]), (8, 4, [7]), (8, 4, [2, 3, 7]), (8, 4, [2, 3, 5, 7]), (8, 4, []), (1, 1, [5, 1]), (8, 4, [2, 8, 1])):
    case("Linear", [i, o], {}, [shape])
case("Linear", [8, 4], {"bias": False}, [[2, 8]])
case("Linear", [8, 4], {"bias": False}, [[2, 9]])
case("Linear", [], {"in_features": 16, "out_features": 3}, [[5, 16]])
case("Linear", [8, 0], {}, [[2, 8]], "zero outputs")
case("LazyLinear", [4], {}, [[2, 9]])
case("Bilinear", [4, 5, 6], {}, [[2, 4], [2, 5]])
case("Bilinear", [4, 5, 6], {}, [[2, 3, 4], [2, 3, 5]])
case("Bilinear", [4, 5, 6], {}, [[2, 3], [2, 5]], "first input wrong")
case("Bilinear", [4, 5, 6], {}, [[2, 4], [2, 6]], "second input wrong")
case("Bilinear", [4, 5, 6], {}, [[2, 4], [3, 5]], "batch differs")
case("torch.nn.functional.linear", [], {}, [[2, 8], [4, 8]], "weight as a tensor input")
case("torch.nn.functional.linear", [], {}, [[2, 8], [4, 7]], "weight as a tensor input")
case("torch.nn.functional.linear", [], {}, [[2, 8], [4, 8], [4]], "with bias")
case("torch.nn.functional.layer_norm", [[8]], {}, [[2, 4, 8]])
case("torch.nn.functional.layer_norm", [8], {"eps": 1e-6}, [[2, 5, 5, 8]], "an int normalized_shape")
case("torch.nn.functional.layer_norm", [[4, 8]], {}, [[2, 4, 8]])
case("torch.nn.functional.layer_norm", [[16]], {}, [[2, 4, 8]], "normalized_shape does not match")
case("torch.nn.functional.layer_norm", [[3, 4, 8]], {}, [[4, 8]], "normalized_shape longer than the input")

# -------------------------------------------------------------- flatten & co
for shape in ([2, 3, 4, 5], [2, 3], [2], [2, 3, 4]):
    for sd, ed in ((1, -1), (0, -1), (1, 2), (2, 3), (-2, -1), (0, 0), (2, 1), (1, 5), (-5, -1), (1, 1)):
        case("Flatten", [sd, ed], {}, [shape])
case("Flatten", [], {}, [[2, 3, 4, 5]])
case("Flatten", [], {}, [[2, 3, 0, 5]], "empty dim")
case("Flatten", [], {}, [[]], "0-d")
for shape in ([2, 3, 4, 5], [6], [2, 3]):
    for args in ([], [1], [1, 2], [0, -1], [-3], [3, 2]):
        case("torch.flatten", args, {}, [shape])
case("torch.flatten", [], {"start_dim": 1}, [[2, 3, 4]])
case("torch.flatten", [], {}, [[]], "0-d")
for dim, sizes, shape in ((1, [2, 4], [3, 8]), (1, [2, -1], [3, 8]), (-1, [2, 2, 2], [3, 8]), (1, [3, 3], [3, 8]), (0, [3, 1], [3, 8]),
                          (1, [-1, -1], [3, 8]), (2, [2, 4], [3, 8]), (1, [16, 16], [1, 256]), (1, [5, -1], [3, 8]), (1, [0, -1], [3, 8])):
    case("Unflatten", [dim, sizes], {}, [shape])

# ---------------------------------------------------------------- activations
act_modules = {
    "ReLU": [], "ReLU6": [], "LeakyReLU": [0.2], "ELU": [], "SELU": [], "CELU": [], "GELU": [], "SiLU": [], "Mish": [],
    "Sigmoid": [], "Tanh": [], "Hardswish": [], "Hardsigmoid": [], "Hardtanh": [-2.0, 2.0], "Softplus": [],
    "Softsign": [], "Tanhshrink": [], "LogSigmoid": [], "Hardshrink": [], "Softshrink": [], "Threshold": [0.1, 0.0],
}
for name, args in act_modules.items():
    for shape in ([2, 3, 4, 4], [5], [2, 7]):
        case(name, args, {}, [shape])
case("LeakyReLU", [], {"negative_slope": 0.1, "inplace": True}, [[2, 3]])
case("GELU", [], {"approximate": "tanh"}, [[2, 3]])
case("GELU", [], {"approximate": "fast"}, [[2, 3]], "bad approximate")
case("ReLU", [True], {}, [[2, 3]])
case("Threshold", [], {}, [[2, 3]], "missing threshold and value")
for name in ("Softmax", "LogSoftmax", "Softmin"):
    for dim, shape in ((1, [2, 5]), (-1, [2, 3, 5]), (0, [4]), (2, [2, 5]), (-3, [2, 5]), (3, [2, 3, 4, 5]), (None, [2, 5])):
        case(name, [] if dim is None else [dim], {}, [shape])
for shape in ([2, 3, 4, 4], [3, 4, 4], [3, 4], [2, 2, 3, 4, 4]):
    case("Softmax2d", [], {}, [shape])
for n, shape in ((1, [2, 3, 4, 4]), (3, [2, 3, 4, 4]), (4, [2, 3, 4, 4]), (3, [2, 3]), (3, [3]), (1, [5]), (3, [5]), (2, [2, 3, 4, 4])):
    case("PReLU", [n], {}, [shape])
for dim, shape in ((-1, [2, 6]), (1, [2, 6, 3]), (-1, [2, 5]), (0, [4, 3]), (1, [2, 3, 4])):
    case("GLU", [dim], {}, [shape])
case("GLU", [], {}, [[2, 8]])
acts_fn = ["torch.nn.functional.relu", "torch.relu", "torch.sigmoid", "torch.tanh", "torch.nn.functional.gelu", "torch.nn.functional.silu",
           "torch.nn.functional.leaky_relu", "torch.nn.functional.elu", "torch.nn.functional.hardswish", "torch.nn.functional.relu6",
           "torch.nn.functional.sigmoid", "torch.nn.functional.tanh", "torch.nn.functional.mish", "torch.nn.functional.selu",
           "torch.nn.functional.celu", "torch.nn.functional.hardsigmoid", "torch.nn.functional.hardtanh", "torch.nn.functional.softplus",
           "torch.nn.functional.softsign", "torch.nn.functional.logsigmoid", "torch.nn.functional.relu_", "torch.nn.functional.hardshrink",
           "torch.nn.functional.tanhshrink", "torch.nn.functional.softshrink"]
for fn in acts_fn:
    case(fn, [], {}, [[2, 3, 8, 8]])
case("torch.nn.functional.leaky_relu", [0.2], {}, [[2, 3]])
case("torch.nn.functional.leaky_relu", [], {"negative_slope": 0.2, "inplace": True}, [[2, 3]])
case("torch.nn.functional.relu", [], {"inplace": True}, [[2, 3]])
case("torch.nn.functional.elu", [], {"alpha": 0.5}, [[2, 3]])
case("torch.nn.functional.gelu", [], {"approximate": "tanh"}, [[2, 3]])
case("torch.nn.functional.hardtanh", [0.0, 6.0], {}, [[2, 3]])
case("torch.nn.functional.threshold", [0.1, 20.0], {}, [[2, 3]])
for fn in ("torch.nn.functional.softmax", "torch.nn.functional.log_softmax", "torch.softmax", "torch.log_softmax", "torch.nn.functional.softmin"):
    case(fn, [1], {}, [[2, 5]])
    case(fn, [], {"dim": -1}, [[2, 3, 5]])
    case(fn, [], {"dim": 2}, [[2, 5]])
case("torch.nn.functional.softmax", [], {}, [[2, 5]], "implicit dim")
case("torch.nn.functional.glu", [], {}, [[2, 6]])
case("torch.nn.functional.glu", [], {"dim": 1}, [[2, 5]])
case("torch.nn.functional.prelu", [], {}, [[2, 3, 4], [3]], "weight as a tensor input")

# -------------------------------------------------------------------- dropout
for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
    for shape in ([2, 3], [2, 3, 4], [2, 3, 4, 4], [2, 3, 4, 4, 4], [5]):
        case(name, [], {}, [shape])
    case(name, [0.2], {}, [[2, 3, 4]])
    case(name, [1.5], {}, [[2, 3, 4]], "probability above 1")
    case(name, [], {"p": -0.1}, [[2, 3, 4]], "negative probability")
    case(name, [0.3, True], {}, [[2, 3, 4]])
for fn in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"):
    case("torch.nn.functional." + fn, [], {}, [[2, 3, 4, 4]])
    case("torch.nn.functional." + fn, [0.25, False], {}, [[2, 3, 4]])
    case("torch.nn.functional." + fn, [], {"p": 2.0}, [[2, 3, 4]], "probability above 1")
case("torch.nn.functional.dropout1d", [], {}, [[2, 3, 4, 4]], "4-D input")
case("torch.nn.functional.dropout", [], {"p": 0.1, "training": False}, [[2, 3]])

# ------------------------------------------------------------------- upsample
ups = []
for mode in ("nearest", "bilinear", "bicubic", "area", "nearest-exact"):
    for kw in ({"scale_factor": 2}, {"scale_factor": 1.5}, {"scale_factor": 0.5}, {"scale_factor": [2, 3]}, {"scale_factor": 2.4},
               {"size": 10}, {"size": [6, 9]}, {"scale_factor": 0.29}, {"scale_factor": 1.0 / 3}, {"size": [5]}, {"scale_factor": [2.0]}):
        for hw in ([7, 7], [5, 8], [100, 100], [1, 1]):
            ups.append((mode, kw, hw))
for mode, kw, hw in sample(ups, 110):
    case("Upsample", [], dict(kw, mode=mode), [[1, 2] + hw])
for mode in ("nearest", "linear", "area"):
    for kw in ({"scale_factor": 2}, {"scale_factor": 0.5}, {"size": 9}, {"scale_factor": 1.7}, {"size": [4]}):
        for L in (5, 8, 100):
            case("Upsample", [], dict(kw, mode=mode), [[1, 2, L]])
case("Upsample", [], {}, [[1, 2, 8, 8]], "neither size nor scale_factor")
case("Upsample", [4, 2.0], {}, [[1, 2, 8, 8]], "both size and scale_factor")
case("Upsample", [], {"scale_factor": 2, "mode": "nearest", "align_corners": True}, [[1, 2, 8, 8]])
case("Upsample", [], {"scale_factor": 2, "mode": "bilinear", "align_corners": True}, [[1, 2, 8, 8]])
case("Upsample", [], {"scale_factor": 2, "mode": "bilinear", "align_corners": False}, [[1, 2, 8, 8]])
case("Upsample", [], {"scale_factor": 2, "mode": "bilinear"}, [[1, 2, 8]], "bilinear on 3-D")
case("Upsample", [], {"scale_factor": 2, "mode": "linear"}, [[1, 2, 8, 8]], "linear on 4-D")
case("Upsample", [], {"scale_factor": 2, "mode": "bicubic"}, [[1, 2, 8]], "bicubic on 3-D")
case("Upsample", [], {"scale_factor": 2, "mode": "trilinear"}, [[1, 2, 8, 8]], "trilinear on 4-D")
case("Upsample", [], {"scale_factor": 2, "mode": "cubic"}, [[1, 2, 8, 8]], "unknown mode")
case("Upsample", [], {"scale_factor": 2}, [[2, 8]], "2-D input")
case("Upsample", [], {"scale_factor": 2}, [[1, 2, 4, 4, 4]], "5-D nearest")
case("Upsample", [], {"scale_factor": 2, "mode": "trilinear"}, [[1, 2, 4, 4, 4]])
case("Upsample", [], {"scale_factor": 0.1}, [[1, 2, 8, 8]], "scales to zero")
case("Upsample", [], {"size": 0}, [[1, 2, 8, 8]], "zero size")
case("Upsample", [], {"scale_factor": 2, "mode": "bilinear", "recompute_scale_factor": True}, [[1, 2, 5, 5]])
case("Upsample", [16], {}, [[1, 2, 8, 8]])
case("UpsamplingNearest2d", [], {"scale_factor": 2}, [[1, 2, 5, 6]])
case("UpsamplingNearest2d", [[4, 6]], {}, [[1, 2, 5, 6]])
case("UpsamplingBilinear2d", [], {"scale_factor": 3}, [[1, 2, 5, 6]])
case("UpsamplingBilinear2d", [], {"scale_factor": 0.5}, [[1, 2, 5, 6]])
case("UpsamplingBilinear2d", [], {"scale_factor": 2}, [[1, 2, 5]])
for kw, shape in (({"scale_factor": 2}, [1, 3, 7, 7]), ({"size": [4, 4]}, [1, 3, 7, 7]), ({"scale_factor": 2, "mode": "bilinear", "align_corners": False}, [1, 3, 7, 7]),
                  ({"scale_factor": 0.5, "mode": "area"}, [1, 3, 7, 7]), ({"size": 12, "mode": "linear"}, [1, 3, 7]), ({"scale_factor": 1.3, "mode": "bicubic"}, [1, 3, 9, 9]),
                  ({"scale_factor": [2, 1], "mode": "nearest"}, [1, 3, 5, 5]), ({"size": [4, 4, 4]}, [1, 3, 7, 7]), ({"scale_factor": 2, "antialias": True, "mode": "bilinear"}, [1, 3, 7, 7]),
                  ({"scale_factor": 2, "antialias": True}, [1, 3, 7, 7]), ({"size": 4, "scale_factor": 2.0}, [1, 3, 7, 7]), ({"size": 6, "recompute_scale_factor": True}, [1, 3, 7, 7])):
    case("torch.nn.functional.interpolate", [], kw, [shape])
case("torch.nn.functional.interpolate", [[10, 11]], {}, [[1, 3, 7, 7]], "positional size")
case("torch.nn.functional.interpolate", [None, 2, "bilinear", True], {}, [[1, 3, 7, 7]], "positional everything")

# --------------------------------------------------------------- pixel shuffle
for r, shape in ((2, [1, 8, 4, 4]), (3, [1, 18, 5, 6]), (2, [8, 4, 4]), (2, [1, 6, 4, 4]), (2, [3, 2, 8, 4, 4]), (1, [1, 3, 4, 4]), (2, [4, 4]), (4, [1, 32, 2, 3])):
    case("PixelShuffle", [r], {}, [shape])
    case("torch.nn.functional.pixel_shuffle", [r], {}, [shape])
for r, shape in ((2, [1, 2, 4, 4]), (3, [1, 2, 6, 9]), (2, [2, 4, 6]), (2, [1, 2, 5, 4]), (2, [1, 2, 4, 5]), (2, [4, 4]), (1, [1, 3, 5, 5])):
    case("PixelUnshuffle", [r], {}, [shape])
    case("torch.nn.functional.pixel_unshuffle", [r], {}, [shape])

# ------------------------------------------------------------------- padding
pad_layers = {
    "ReflectionPad1d": ([1, 2, 3, [1, 2], [0, 4], [3, 0]], [[1, 2, 5], [2, 5], [1, 2, 3], [1, 2, 1], [1, 2, 4, 4]]),
    "ReplicationPad1d": ([1, 2, [1, 2], [0, 6]], [[1, 2, 5], [2, 5], [1, 2, 1], [2, 2, 4, 4]]),
    "ConstantPad1d": ([1, [1, 2], [-1, -1], [-2, 0]], [[1, 2, 5], [2, 5], [1, 2, 1], [5], [2, 2, 4, 4]]),
    "ReflectionPad2d": ([1, 2, 3, [1, 2, 3, 0], [0, 0, 4, 4], [4, 4, 0, 0]], [[1, 2, 5, 5], [2, 5, 6], [1, 2, 3, 4], [1, 2, 1, 1], [1, 2, 5], [2, 2, 2, 5, 5]]),
    "ReplicationPad2d": ([1, 2, [1, 2, 3, 0], [5, 0, 0, 5]], [[1, 2, 5, 5], [2, 5, 6], [1, 2, 1, 1], [1, 2, 5]]),
    "ZeroPad2d": ([1, 2, [1, 2, 3, 0], [-1, -1, 0, 0], [-3, 0, 0, 0]], [[1, 2, 5, 5], [2, 5, 6], [1, 2, 1, 1], [5, 5], [1, 2, 5]]),
}
for name, (pads, shapes) in pad_layers.items():
    for p in pads:
        for shape in shapes:
            case(name, [p, 0.5] if name.startswith("Constant") else [p], {}, [shape])
case("ConstantPad2d", [1, 3.5], {}, [[1, 2, 4, 4]])
case("ConstantPad2d", [[1, 0, 2, 0], 0.0], {}, [[2, 4, 4]])
case("ConstantPad2d", [], {"padding": 2, "value": 1}, [[2, 3]])
case("ConstantPad1d", [2], {}, [[1, 2, 4]], "missing value")
case("ReflectionPad2d", [[1, 2]], {}, [[1, 2, 5, 5]], "2-tuple padding")
for pad, shape, kw in (([1, 1], [1, 2, 5, 5], {}), ([1, 1, 2, 2], [1, 2, 5, 5], {}), ([1, 2, 3, 4, 5, 6], [1, 2, 5, 5, 5], {}), ([1, 1, 1, 1, 1, 1], [1, 2, 5, 5], {}),
                       ([1, 2], [5], {}), ([1], [1, 2, 5], {}), ([2, 2], [1, 2, 5], {"mode": "reflect"}), ([6, 6], [1, 2, 5], {"mode": "reflect"}),
                       ([1, 1, 1, 1], [1, 2, 5, 5], {"mode": "reflect"}), ([1, 1, 1, 1], [1, 2, 5, 5], {"mode": "replicate"}),
                       ([2, 2, 2, 2], [1, 2, 5, 5], {"mode": "circular"}), ([6, 6], [1, 2, 5], {"mode": "circular"}), ([1, 1], [2, 5], {"mode": "reflect"}),
                       ([1, 1], [1, 2, 5], {"mode": "constant", "value": 2.0}), ([-1, -1], [1, 2, 5], {}), ([-3, -3], [1, 2, 5], {}),
                       ([1, 1, 1, 1], [1, 2, 5], {"mode": "reflect"}), ([1, 1], [5], {"mode": "reflect"}), ([1, 1], [1, 2, 5], {"mode": "wrap"})):
    case("torch.nn.functional.pad", [pad], kw, [shape])

# -------------------------------------------------------------------- misc
for args, shape in (([], [2, 3]), ([5, "x"], [2, 3, 4]), ([], [])):
    case("Identity", args, {}, [shape])
for n, d, shape, kw in ((10, 4, [2, 5], {}), (10, 4, [5], {}), (10, 4, [2, 3, 5], {}), (10, 4, [], {}), (10, 8, [2, 5], {"padding_idx": 0}),
                        (10, 8, [2, 5], {"padding_idx": -1}), (10, 8, [2, 5], {"padding_idx": 10}), (10, 8, [2, 5], {"padding_idx": -11}),
                        (10, 8, [2, 5], {"max_norm": 1.0}), (1000, 16, [4, 7], {"sparse": True})):
    case("Embedding", [n, d], kw, [shape])
case("Embedding", [], {"num_embeddings": 5, "embedding_dim": 3}, [[2, 2]])

# ------------------------------------------------------------------ 3-D layers
conv_grid_3d = itertools.product([1, 2, 3, [3, 1, 1], [1, 3, 3]], [1, 2, [1, 2, 2]], [0, 1, "same", "valid", [0, 1, 1]], [1, 2],
                                 [[5, 5, 5], [8, 8, 8], [4, 16, 16], [3, 7, 9], [1, 1, 1], [16, 32, 32]])
for k, s, p, d, dhw in sample(conv_grid_3d, 90):
    kw = {}
    if s != 1:
        kw["stride"] = s
    if p != 0:
        kw["padding"] = p
    if d != 1:
        kw["dilation"] = d
    case("Conv3d", [3, 4, k], kw, [[2, 3] + dhw])
sp3 = [6, 8, 8]
case("Conv3d", [3, 8, 3], {}, [[1, 3, 8, 8]], "a 4-D batch [N, C, H, W] is read as one unbatched volume")
case("Conv3d", [1, 8, 3], {}, [[1, 3, 8, 8]], "4-D input is unbatched [C, D, H, W]")
case("Conv3d", [3, 8, 3], {}, [[3, 8, 8]], "3-D input")
case("Conv3d", [3, 8, 3], {}, [[1, 1, 3, 8, 8, 8]], "6-D input")
case("Conv3d", [3, 8, 3], {}, [[1, 4] + sp3], "channel mismatch")
case("Conv3d", [4, 8, 3], {"groups": 2}, [[1, 4] + sp3])
case("Conv3d", [4, 6, 3], {"groups": 4}, [[1, 4] + sp3], "out_channels not divisible")
case("Conv3d", [3, 8, 3], {"padding": "same", "stride": 2}, [[1, 3] + sp3])
case("Conv3d", [3, 8, 2], {"padding": "same"}, [[1, 3] + sp3], "same with even kernel")
case("Conv3d", [3, 8, 5], {}, [[1, 3, 4, 8, 8]], "depth smaller than the kernel")
case("Conv3d", [3, 8, [3, 3]], {}, [[1, 3] + sp3], "kernel tuple too short")
case("Conv3d", [3, 8, 3], {"padding": [1, 1]}, [[1, 3] + sp3], "padding tuple too short")
case("Conv3d", [3, 8, 3], {"bias": False, "padding": 1}, [[2, 3] + sp3])
for mode in ("reflect", "replicate", "circular"):
    case("Conv3d", [2, 3, 3], {"padding": 1, "padding_mode": mode}, [[1, 2, 4, 5, 6]])
    case("Conv3d", [2, 3, 3], {"padding": 2, "padding_mode": mode}, [[1, 2, 2, 5, 6]])
case("Conv3d", [1, 64, 3], {"padding": 1}, [[2, 1, 32, 64, 64]], "CT volume")
case("Conv3d", [3, 64, [3, 3, 3]], {"padding": [1, 1, 1]}, [[1, 3, 16, 112, 112]], "C3D conv1")
grid_t3 = itertools.product([1, 2, 3, 4], [1, 2], [0, 1], [0, 1], [1, 2], [[1, 1, 1], [3, 3, 3], [4, 5, 6]])
for k, s, p, op, d, dhw in sample(grid_t3, 60):
    kw = {}
    if s != 1:
        kw["stride"] = s
    if p:
        kw["padding"] = p
    if op:
        kw["output_padding"] = op
    if d != 1:
        kw["dilation"] = d
    case("ConvTranspose3d", [3, 4, k], kw, [[2, 3] + dhw])
case("ConvTranspose3d", [3, 8, 2], {"stride": 2}, [[1, 3, 4, 8, 8]], "3D U-Net up")
case("ConvTranspose3d", [3, 8, 3], {}, [[1, 4, 4, 8, 8]], "channel mismatch")
case("ConvTranspose3d", [3, 8, 3], {}, [[3, 4, 8, 8]], "unbatched")
case("ConvTranspose3d", [3, 8, 3], {}, [[1, 3, 8, 8, 8, 8]], "rank")
case("ConvTranspose3d", [3, 8, 3], {"stride": 2, "output_padding": 2}, [[1, 3, 4, 4, 4]], "output padding = stride")
case("ConvTranspose3d", [3, 8, 3], {"padding": 3}, [[1, 3, 1, 1, 1]], "output too small")
case("ConvTranspose3d", [3, 8, 3], {"padding_mode": "reflect"}, [[1, 3, 4, 4, 4]])
case("ConvTranspose2d", [3, 8, 3], {"stride": 2, "padding": 1}, [[1, 3, 4, 4]], "output_size in forward", forward={"output_size": [8, 8]})
case("ConvTranspose2d", [3, 8, 3], {"stride": 2, "padding": 1}, [[1, 3, 4, 4]], "output_size in forward", forward={"output_size": [1, 8, 7, 7]})
case("ConvTranspose2d", [3, 8, 3], {"stride": 2, "padding": 1}, [[1, 3, 4, 4]], "output_size out of reach", forward={"output_size": [10, 10]})
case("ConvTranspose3d", [3, 8, 3], {"stride": 2, "padding": 1}, [[1, 3, 4, 4, 4]], "output_size in forward", forward={"output_size": [8, 8, 8]})
case("ConvTranspose3d", [3, 8, 3], {"stride": 2, "padding": 1}, [[1, 3, 4, 4, 4]], "output_size of the wrong length", forward={"output_size": [8, 8]})
case("ConvTranspose1d", [3, 8, 3], {"stride": 2, "padding": 1}, [[1, 3, 4]], "output_size in forward", forward={"output_size": [8]})

for name in ("MaxPool3d", "AvgPool3d"):
    sizes = [[1, 1, 1], [2, 2, 2], [5, 5, 5], [4, 7, 7], [8, 8, 8], [16, 15, 15], [3, 10, 13]]
    kernels = [1, 2, 3, [1, 2, 2], [2, 3, 3]]
    strides = [None, 1, 2, [1, 2, 2]]
    dils = [1, 2] if name.startswith("Max") else [1]
    for k, s, p, d, c, dhw in sample(itertools.product(kernels, strides, [0, 1], dils, [False, True], sizes), 80):
        kw = {}
        if s is not None:
            kw["stride"] = s
        if p:
            kw["padding"] = p
        if d != 1:
            kw["dilation"] = d
        if c:
            kw["ceil_mode"] = True
        case(name, [k], kw, [[2, 3] + dhw])
    case(name, [2], {}, [[3, 8, 8, 8]], "unbatched")
    case(name, [2], {}, [[3, 8, 8]], "rank too small")
    case(name, [2], {}, [[1, 1, 3, 8, 8, 8]], "rank too large")
    case(name, [5], {}, [[1, 3, 4, 8, 8]], "depth smaller than the kernel")
    case(name, [3], {"padding": 2}, [[1, 3, 8, 8, 8]], "padding more than half the kernel")
    case(name, [0], {}, [[1, 3, 8, 8, 8]], "zero kernel")
    case(name, [2], {"stride": 0}, [[1, 3, 8, 8, 8]], "zero stride")
    case(name, [[1, 2]], {}, [[1, 3, 8, 8, 8]], "kernel tuple too short")
    case(name, [3], {"stride": 2, "padding": 1, "ceil_mode": True}, [[1, 3, 6, 6, 6]])
    case(name, [[1, 2, 2]], {}, [[1, 64, 16, 112, 112]], "C3D pool1")
    if name.startswith("Max"):
        case(name, [2], {"return_indices": True}, [[1, 3, 8, 8, 8]], "returns a tuple")
        case(name, [3], {"dilation": 3}, [[1, 3, 6, 6, 6]], "dilation too big")
    else:
        case(name, [3], {"padding": 1, "count_include_pad": False}, [[1, 3, 8, 8, 8]])
        case(name, [3], {"divisor_override": 2}, [[1, 3, 8, 8, 8]])
for fn in ("max_pool3d", "avg_pool3d"):
    full = "torch.nn.functional." + fn
    case(full, [2], {}, [[1, 3, 8, 9, 9]])
    case(full, [3, 2, 1], {"ceil_mode": True}, [[1, 3, 8, 9, 9]])
    case(full, [], {"kernel_size": [1, 2, 2]}, [[2, 4, 8, 9, 9]])
    case(full, [5], {}, [[1, 3, 3, 3, 3]], "too small")
    case(full, [2], {}, [[1, 3, 8]], "rank too small")
case("torch.nn.functional.max_pool3d", [2], {"return_indices": True}, [[1, 3, 8, 8, 8]])
for name in ("AdaptiveAvgPool3d", "AdaptiveMaxPool3d"):
    for o in (1, 2, [1, 2, 2], [None, 4, 4], None, [2, None, 3]):
        for dhw in ([1, 1, 1], [4, 7, 7], [16, 14, 14]):
            case(name, [o], {}, [[2, 3] + dhw])
    case(name, [2], {}, [[3, 8, 8, 8]], "unbatched")
    case(name, [2], {}, [[8, 8]], "rank too small")
    case(name, [2], {}, [[1, 2, 3, 8, 8, 8]], "rank too large")
    case(name, [[2, 2]], {}, [[1, 3, 8, 8, 8]], "output_size tuple too short")
    case(name, [], {"output_size": 2}, [[1, 3, 0, 4, 4]], "empty input")
case("AdaptiveMaxPool3d", [2], {"return_indices": True}, [[1, 3, 8, 8, 8]])
for fn in ("adaptive_avg_pool3d", "adaptive_max_pool3d"):
    for o in (1, [2, 3, 4], [None, 2, 2]):
        case("torch.nn.functional." + fn, [o], {}, [[1, 3, 9, 10, 11]])
for C in (3, 4):
    case("BatchNorm3d", [C], {}, [[2, 4, 5, 5, 5]])
    case("InstanceNorm3d", [C], {}, [[2, 4, 5, 5, 5]])
    case("InstanceNorm3d", [C], {"affine": True}, [[2, 4, 5, 5, 5]])
    case("InstanceNorm3d", [C], {"affine": True}, [[4, 5, 5, 5]], "unbatched")
    case("InstanceNorm3d", [C], {"track_running_stats": True}, [[2, 4, 5, 5, 5]])
case("BatchNorm3d", [4], {}, [[2, 4, 5, 5]], "4-D input")
case("BatchNorm3d", [4], {}, [[4, 5, 5, 5]], "unbatched 4-D input")
case("BatchNorm3d", [4], {}, [[2, 4, 5, 5, 5, 5]], "6-D input")
case("BatchNorm3d", [4], {}, [[1, 4, 1, 1, 1]], "one value per channel in training")
case("BatchNorm3d", [4], {"affine": False, "track_running_stats": False}, [[2, 3, 5, 5, 5]], "nothing to check")
case("InstanceNorm3d", [4], {}, [[2, 4, 1, 1, 1]], "one spatial element")
case("InstanceNorm3d", [4], {}, [[2, 4, 5, 5]], "4-D is unbatched")
case("InstanceNorm3d", [4], {}, [[2, 4, 5]], "3-D input")
for kw in ({"scale_factor": 2}, {"scale_factor": 2, "mode": "trilinear"}, {"scale_factor": [1, 2, 2], "mode": "trilinear"}, {"size": [4, 8, 8], "mode": "nearest"},
           {"scale_factor": 2, "mode": "trilinear", "align_corners": True}, {"size": [8, 8]}, {"scale_factor": 0.5, "mode": "area"}, {"scale_factor": 2, "mode": "bilinear"},
           {"scale_factor": 1.5, "mode": "nearest-exact"}, {"size": 7, "mode": "trilinear"}):
    case("Upsample", [], kw, [[1, 2, 4, 6, 6]])
    case("torch.nn.functional.interpolate", [], kw, [[1, 2, 4, 6, 6]])
case("Upsample", [], {"scale_factor": 2, "mode": "trilinear"}, [[2, 4, 6, 6]], "trilinear on a 4-D volume")
for pad, shape, kw in (([1, 1, 1, 1, 1, 1], [1, 2, 4, 5, 5], {}), ([1, 2, 3, 4, 5, 6], [1, 2, 4, 5, 5], {"mode": "reflect"}), ([1, 1, 1, 1, 1, 1], [2, 4, 5, 5], {"mode": "replicate"}),
                       ([1, 1, 1, 1, 1, 1], [1, 2, 4, 5, 5], {"mode": "circular"}), ([4, 4, 0, 0, 0, 0], [1, 2, 4, 4, 4], {"mode": "reflect"}), ([1, 1, 1, 1, 1, 1], [1, 1, 2, 4, 5, 5], {"mode": "replicate"}),
                       ([0, 0, 0, 0, 2, 2], [1, 2, 4, 5, 5], {"mode": "constant", "value": 1.0})):
    case("torch.nn.functional.pad", [pad], kw, [shape])
pad3 = {"ReflectionPad3d": [1, [1, 0, 2, 0, 1, 1], 4], "ReplicationPad3d": [1, [0, 1, 0, 1, 2, 2]], "ConstantPad3d": [1, [1, 1, 0, 0, -1, 0]]}
for name, pads in pad3.items():
    for p in pads:
        for shape in ([1, 2, 4, 5, 5], [2, 4, 5, 5], [5, 5]):
            case(name, [p, 0.5] if name.startswith("Constant") else [p], {}, [shape])

# --------------------------------------------------------------- recurrent
rnn_grid = itertools.product(("RNN", "LSTM", "GRU"), (1, 2, 3), (False, True), (False, True), ([5, 3], [7, 1], [5]))
for name, layers, bidir, bf, seq in rnn_grid:
    kw = {}
    if layers != 1:
        kw["num_layers"] = layers
    if bidir:
        kw["bidirectional"] = True
    if bf:
        kw["batch_first"] = True
    case(name, [10, 20], kw, [seq + [10]])
for name in ("RNN", "LSTM", "GRU"):
    case(name, [10, 20], {}, [[5, 3, 12]], "input_size mismatch")
    case(name, [10, 20], {"batch_first": True}, [[3, 5, 12]], "input_size mismatch, batch first")
    case(name, [10, 20], {}, [[5, 12]], "unbatched input_size mismatch")
    case(name, [10, 20], {}, [[5, 3, 4, 10]], "4-D input")
    case(name, [10, 20], {}, [[10]], "1-D input")
    case(name, [10, 20], {"dropout": 0.5}, [[5, 3, 10]], "dropout with one layer only warns")
    case(name, [10, 20], {"dropout": 1.5}, [[5, 3, 10]], "dropout above 1")
    case(name, [10, 20], {"bias": False, "num_layers": 2}, [[5, 3, 10]])
    case(name, [], {"input_size": 10, "hidden_size": 20, "num_layers": 2, "batch_first": True, "bidirectional": True}, [[4, 6, 10]])
    case(name, [10, 0], {}, [[5, 3, 10]], "zero hidden size")
    case(name, [10], {}, [[5, 3, 10]], "missing hidden_size")
    case(name, [10, 20, 2], {}, [[5, 3, 10]], "num_layers positionally")
    case(name, [10, 20, 0], {}, [[5, 3, 10]], "zero layers")
    h = [[1, 3, 20], [1, 3, 20]] if name == "LSTM" else [1, 3, 20]
    case(name, [10, 20], {}, [[5, 3, 10], h], "with h0")
    hb = [[4, 3, 20], [4, 3, 20]] if name == "LSTM" else [4, 3, 20]
    case(name, [10, 20], {"num_layers": 2, "bidirectional": True}, [[5, 3, 10], hb], "with h0")
    case(name, [10, 20], {"num_layers": 2}, [[5, 3, 10], hb], "h0 for the wrong number of layers")
    hw = [[1, 3, 16], [1, 3, 16]] if name == "LSTM" else [1, 3, 16]
    case(name, [10, 20], {}, [[5, 3, 10], hw], "h0 of the wrong hidden size")
    hu = [[1, 20], [1, 20]] if name == "LSTM" else [1, 20]
    case(name, [10, 20], {}, [[5, 10], hu], "unbatched with h0")
    case(name, [10, 20], {}, [[5, 10], h], "unbatched input, batched h0")
case("RNN", [10, 20], {"nonlinearity": "relu"}, [[5, 3, 10]])
case("RNN", [10, 20], {"nonlinearity": "gelu"}, [[5, 3, 10]], "unknown nonlinearity")
for kw, shape in (({"proj_size": 8}, [5, 3, 10]), ({"proj_size": 8, "bidirectional": True, "num_layers": 2}, [5, 3, 10]), ({"proj_size": 8, "batch_first": True}, [3, 5, 10]),
                  ({"proj_size": 8}, [5, 10]), ({"proj_size": 20}, [5, 3, 10]), ({"proj_size": 25}, [5, 3, 10]), ({"proj_size": -1}, [5, 3, 10])):
    case("LSTM", [10, 20], kw, [shape], "projection")
case("LSTM", [10, 20], {"proj_size": 8}, [[5, 3, 10], [[1, 3, 8], [1, 3, 20]]], "projection with h0")
case("LSTM", [10, 20], {"proj_size": 8}, [[5, 3, 10], [[1, 3, 20], [1, 3, 20]]], "projection with an h0 of hidden_size")
case("GRU", [10, 20], {"proj_size": 8}, [[5, 3, 10]], "GRU has no proj_size")
for name in ("RNNCell", "LSTMCell", "GRUCell"):
    for shape in ([3, 10], [10], [3, 12], [12], [3, 4, 10], [1, 10]):
        case(name, [10, 20], {}, [shape])
    case(name, [10, 20], {"bias": False}, [[3, 10]])
    h = [[3, 20], [3, 20]] if name == "LSTMCell" else [3, 20]
    case(name, [10, 20], {}, [[3, 10], h], "with hx")
    hw = [[3, 16], [3, 16]] if name == "LSTMCell" else [3, 16]
    case(name, [10, 20], {}, [[3, 10], hw], "hx of the wrong hidden size")
    hn = [[4, 20], [4, 20]] if name == "LSTMCell" else [4, 20]
    case(name, [10, 20], {}, [[3, 10], hn], "hx of the wrong batch")
case("RNNCell", [10, 20, True, "relu"], {}, [[3, 10]])
case("RNNCell", [10, 20], {"nonlinearity": "sigmoid"}, [[3, 10]], "unknown nonlinearity")

# ------------------------------------------------------------------ attention
for E, H, bf, L, S, N in sample(itertools.product((8, 12, 16), (1, 2, 4), (False, True), (1, 5), (5, 7), (1, 3)), 40):
    q = [N, L, E] if bf else [L, N, E]
    kv = [N, S, E] if bf else [S, N, E]
    case("MultiheadAttention", [E, H], {"batch_first": True} if bf else {}, [q, kv, kv])
case("MultiheadAttention", [10, 3], {}, [[5, 2, 10], [5, 2, 10], [5, 2, 10]], "embed_dim not divisible by num_heads")
case("MultiheadAttention", [16, 4], {}, [[5, 2, 12], [5, 2, 12], [5, 2, 12]], "query of the wrong embedding size")
case("MultiheadAttention", [16, 4], {}, [[5, 2, 16], [6, 2, 16], [7, 2, 16]], "key and value lengths differ")
case("MultiheadAttention", [16, 4], {}, [[5, 2, 16], [6, 3, 16], [6, 3, 16]], "batch differs")
case("MultiheadAttention", [16, 4], {}, [[5, 16], [6, 16], [6, 16]], "unbatched")
case("MultiheadAttention", [16, 4], {}, [[5, 2, 16], [6, 16], [6, 16]], "query batched, key unbatched")
case("MultiheadAttention", [16, 4], {}, [[2, 5, 2, 16], [2, 6, 2, 16], [2, 6, 2, 16]], "4-D query")
case("MultiheadAttention", [16, 4], {"kdim": 8, "vdim": 6}, [[5, 2, 16], [7, 2, 8], [7, 2, 6]], "kdim and vdim")
case("MultiheadAttention", [16, 4], {"kdim": 8, "vdim": 6}, [[5, 2, 16], [7, 2, 16], [7, 2, 6]], "key of the wrong size")
case("MultiheadAttention", [16, 4], {"kdim": 8}, [[5, 2, 16], [7, 2, 8], [7, 2, 16]], "kdim only")
case("MultiheadAttention", [16, 4], {"bias": False, "add_bias_kv": True, "add_zero_attn": True}, [[5, 2, 16], [7, 2, 16], [7, 2, 16]])
case("MultiheadAttention", [16, 4], {"batch_first": True}, [[2, 5, 16], [2, 7, 16], [2, 7, 16]], "need_weights=False", forward={"need_weights": False})
case("MultiheadAttention", [16, 4], {"batch_first": True}, [[2, 5, 16], [2, 7, 16], [2, 7, 16]], "per-head weights", forward={"average_attn_weights": False})
case("MultiheadAttention", [16, 4], {}, [[5, 16], [7, 16], [7, 16]], "unbatched per-head weights", forward={"average_attn_weights": False})
case("MultiheadAttention", [0, 4], {}, [[5, 2, 16], [7, 2, 16], [7, 2, 16]], "zero embed_dim")

layer_kw = ({}, {"batch_first": True}, {"dim_feedforward": 64, "activation": "gelu"}, {"norm_first": True, "batch_first": True})
for kw in layer_kw:
    for shape in ([7, 2, 16], [2, 7, 16], [7, 16]):
        case("TransformerEncoderLayer", [16, 4], kw, [shape])
        case("TransformerDecoderLayer", [16, 4], kw, [shape, [5, 2, 16] if not kw.get("batch_first") else [2, 5, 16]])
case("TransformerEncoderLayer", [16, 4], {}, [[7, 2, 12]], "d_model mismatch")
case("TransformerEncoderLayer", [18, 4], {}, [[7, 2, 18]], "d_model not divisible by nhead")
case("TransformerEncoderLayer", [16, 4], {"activation": "swish"}, [[7, 2, 16]], "unknown activation")
case("TransformerEncoderLayer", [16, 4], {}, [[3, 7, 2, 16]], "4-D input")
case("TransformerDecoderLayer", [16, 4], {}, [[7, 2, 16], [5, 2, 12]], "memory d_model mismatch")
case("TransformerDecoderLayer", [16, 4], {}, [[7, 2, 12], [5, 2, 16]], "target d_model mismatch")
case("TransformerDecoderLayer", [16, 4], {}, [[7, 2, 16], [5, 3, 16]], "memory batch differs")
enc = {"module": "TransformerEncoderLayer", "args": [16, 4], "kwargs": {"dim_feedforward": 32}}
enc_bf = {"module": "TransformerEncoderLayer", "args": [16, 4], "kwargs": {"dim_feedforward": 32, "batch_first": True}}
dec = {"module": "TransformerDecoderLayer", "args": [16, 4], "kwargs": {"dim_feedforward": 32}}
for n in (1, 2, 6):
    case("TransformerEncoder", [enc, n], {}, [[7, 2, 16]])
    case("TransformerDecoder", [dec, n], {}, [[7, 2, 16], [5, 2, 16]])
case("TransformerEncoder", [enc_bf, 2], {}, [[2, 7, 16]])
case("TransformerEncoder", [enc, 2], {"norm": {"module": "LayerNorm", "args": [16], "kwargs": {}}}, [[7, 2, 16]])
case("TransformerEncoder", [enc, 2], {}, [[7, 2, 8]], "d_model mismatch")
case("TransformerDecoder", [dec, 2], {}, [[7, 2, 16], [5, 2, 8]], "memory d_model mismatch")
case("TransformerDecoder", [dec, 2], {"norm": {"module": "LayerNorm", "args": [16], "kwargs": {}}}, [[7, 2, 16], [5, 2, 16]])
for kw, src, tgt in (({}, [10, 2, 512], [7, 2, 512]), ({"d_model": 16, "nhead": 4, "num_encoder_layers": 2, "num_decoder_layers": 1, "dim_feedforward": 32}, [10, 2, 16], [7, 2, 16]),
                     ({"d_model": 16, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 32, "batch_first": True}, [2, 10, 16], [2, 7, 16]),
                     ({"d_model": 16, "nhead": 4, "num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 32}, [10, 2, 16], [7, 3, 16]),
                     ({"d_model": 16, "nhead": 4, "num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 32}, [10, 2, 16], [7, 2, 8]),
                     ({"d_model": 16, "nhead": 4, "num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 32}, [10, 16], [7, 16]),
                     ({"d_model": 16, "nhead": 3}, [10, 2, 16], [7, 2, 16])):
    case("Transformer", [], kw, [src, tgt])

# ------------------------------------------------------------ fold, unfold, matmul
for kw, shape in (({"kernel_size": 3}, [2, 3, 8, 8]), ({"kernel_size": [2, 3], "stride": 2, "padding": 1}, [2, 3, 8, 9]), ({"kernel_size": 2, "dilation": 2}, [1, 4, 7, 7]),
                  ({"kernel_size": 3}, [3, 8, 8]), ({"kernel_size": 9}, [2, 3, 8, 8]), ({"kernel_size": 3}, [2, 3, 8]), ({"kernel_size": 4, "stride": 4}, [1, 3, 224, 224])):
    case("Unfold", [], kw, [shape])
    case("torch.nn.functional.unfold", [], kw, [shape])
for kw, shape in (({"output_size": [4, 5], "kernel_size": 2}, [1, 12, 12]), ({"output_size": 8, "kernel_size": 3, "padding": 1}, [2, 27, 64]), ({"output_size": [4, 5], "kernel_size": 2}, [12, 12]),
                  ({"output_size": [4, 5], "kernel_size": 2}, [1, 10, 12]), ({"output_size": [4, 5], "kernel_size": 2}, [1, 12, 10]), ({"output_size": 8, "kernel_size": 2, "stride": 2}, [1, 12, 16]),
                  ({"output_size": [4, 5], "kernel_size": 2}, [1, 2, 12, 12])):
    case("Fold", [], kw, [shape])
    case("torch.nn.functional.fold", [], kw, [shape])
for a, b in (([2, 3], [3, 4]), ([5, 2, 3], [5, 3, 4]), ([5, 2, 3], [3, 4]), ([3], [3, 4]), ([2, 3], [3]), ([3], [3]), ([2, 1, 2, 3], [5, 3, 4]), ([2, 3], [4, 5]),
             ([5, 2, 3], [4, 3, 4]), ([3], [4]), ([2, 3], [4])):
    case("torch.matmul", [], {}, [a, b])
for a, b in (([5, 2, 3], [5, 3, 4]), ([5, 2, 3], [4, 3, 4]), ([5, 2, 3], [5, 4, 4]), ([2, 3], [3, 4])):
    case("torch.bmm", [], {}, [a, b])
for a, b in (([2, 3], [3, 4]), ([2, 3], [4, 4]), ([5, 2, 3], [3, 4])):
    case("torch.mm", [], {}, [a, b])
for eq, shapes in (("ij,jk->ik", [[2, 3], [3, 4]]), ("bij,bjk->bik", [[5, 2, 3], [5, 3, 4]]), ("bhid,bhjd->bhij", [[2, 4, 5, 8], [2, 4, 7, 8]]), ("ii->i", [[3, 3]]),
                   ("ij->ji", [[2, 3]]), ("ij,ij->", [[2, 3], [2, 3]]), ("...ij,...jk->...ik", [[6, 2, 3], [3, 4]]), ("bi,bj->bij", [[2, 3], [2, 4]]),
                   ("ij,jk->ik", [[2, 3], [4, 5]]), ("ij->ijk", [[2, 3]]), ("ijk->", [[2, 3]]), ("ij,jk", [[2, 3], [3, 4]]), ("i,i->i", [[3], [1]]),
                   ("bchw,bchw->bc", [[2, 3, 4, 4], [2, 3, 4, 4]]), ("ij,jk->ik", [[2, 3]])):
    case("torch.einsum", [eq], {}, shapes)

# ------------------------------------------------------------------ einops
# einops is not installed with Debian's PyTorch: these cases run `mini_einops` below, einops' documented
# semantics written with torch reshape/permute/reductions/expand (shapes only; errors are its own words).
EINOPS = [
    ("rearrange", "b c h w -> b (c h w)", {}, [2, 3, 4, 5]),
    ("rearrange", "b c (h p1) (w p2) -> b (h w) (p1 p2 c)", {"p1": 4, "p2": 4}, [2, 3, 32, 32]),
    ("rearrange", "b c (h p1) (w p2) -> b (h w) (p1 p2 c)", {"p1": 5, "p2": 4}, [2, 3, 32, 32]),
    ("rearrange", "b c h w -> b h w c", {}, [2, 3, 4, 5]),
    ("rearrange", "b c h w -> b h w c", {}, [2, 3, 4]),
    ("rearrange", "b (h w) c -> b c h w", {"h": 8}, [2, 64, 16]),
    ("rearrange", "b (h w) c -> b c h w", {"h": 7}, [2, 64, 16]),
    ("rearrange", "b n (h d) -> b h n d", {"h": 4}, [2, 10, 64]),
    ("rearrange", "b ... c -> b c ...", {}, [2, 5, 6, 7, 3]),
    ("rearrange", "... c -> (...) c", {}, [2, 5, 3]),
    ("rearrange", "t b f -> b t f", {}, [10, 2, 8]),
    ("rearrange", "b c d h w -> b (c d) h w", {}, [1, 4, 3, 8, 8]),
    ("rearrange", "b c h w -> b c", {}, [2, 3, 1, 1]),
    ("rearrange", "b c h w -> (b h) w c", {}, [2, 3, 4, 5]),
    ("rearrange", "b c 1 w -> b w c", {}, [2, 3, 1, 5]),
    ("rearrange", "b c 1 w -> b w c", {}, [2, 3, 2, 5]),
    ("rearrange", "(b1 b2) c -> b1 b2 c", {"b1": 2}, [6, 3]),
    ("rearrange", "b c h w -> b c (h w) 1", {}, [2, 3, 4, 5]),
    ("reduce", "b c h w -> b c", {"reduction": "mean"}, [2, 3, 4, 5]),
    ("reduce", "b c (h 2) (w 2) -> b c h w", {"reduction": "max"}, [2, 3, 8, 6]),
    ("reduce", "b c (h h2) (w w2) -> b c h w", {"reduction": "max", "h2": 2, "w2": 2}, [2, 3, 8, 7]),
    ("reduce", "b t f -> b f", {"reduction": "sum"}, [2, 10, 8]),
    ("reduce", "b c h w -> b c 1 1", {"reduction": "mean"}, [2, 3, 4, 5]),
    ("reduce", "b c h w -> b c () ()", {"reduction": "mean"}, [2, 3, 4, 5]),
    ("reduce", "b c h w -> c", {"reduction": "min"}, [2, 3, 4, 5]),
    ("reduce", "b c h w -> b x", {"reduction": "mean"}, [2, 3, 4, 5]),
    ("repeat", "h w -> h w c", {"c": 3}, [4, 5]),
    ("repeat", "b n d -> b (n r) d", {"r": 2}, [2, 5, 8]),
    ("repeat", "1 n d -> b n d", {"b": 4}, [1, 5, 8]),
    ("repeat", "d -> b n d", {"b": 2, "n": 3}, [8]),
    ("repeat", "h w -> h w c", {}, [4, 5]),
    ("repeat", "h w -> (2 h) w", {}, [4, 5]),
]
for fn, pattern, kw, shape in EINOPS:
    lengths = {k: v for k, v in kw.items() if k != "reduction"}
    if fn == "reduce":
        case("einops.reduce", [pattern, kw["reduction"]], lengths, [shape])
        case("Reduce", [pattern, kw["reduction"]], lengths, [shape])
    else:
        case("einops." + fn, [pattern], lengths, [shape])
        if fn == "rearrange":
            case("Rearrange", [pattern], lengths, [shape])


class EinopsError(Exception):
    pass


def _einops_side(side):
    import re
    out, group = [], None
    for t in re.findall(r"\.\.\.|\(|\)|[A-Za-z_][A-Za-z0-9_]*|\d+", side):
        if t == "(":
            group = []
        elif t == ")":
            out.append(tuple(group))  # a group stays a tuple, so "(...)" differs from a bare "..."
            group = None
        elif group is not None:
            group.append(t)
        else:
            out.append([t])
    return out


def mini_einops(kind, x, pattern, reduction=None, **lengths):
    """einops.rearrange/reduce/repeat by their documented rules, with torch ops."""
    left, right = [s.strip() for s in pattern.split("->")]
    L, R = _einops_side(left), _einops_side(right)
    ell = any(g == ["..."] for g in L)
    fixed = len(L) - (1 if ell else 0)
    if (not ell and fixed != x.dim()) or (ell and fixed > x.dim()):
        raise EinopsError(f"Wrong shape: expected {fixed} dims. Received {x.dim()}-dim tensor.")
    sizes, order, anon = dict(lengths), [], 0
    d = 0
    for g in L:
        if g == ["..."]:
            for i in range(x.dim() - fixed):
                sizes[f"...{i}"] = x.shape[d]
                order.append(f"...{i}")
                d += 1
            continue
        names = []
        for a in g:
            if a.isdigit():
                anon += 1
                sizes[f"_{anon}"] = int(a)
                names.append(f"_{anon}")
            else:
                names.append(a)
        unknown = [a for a in names if a not in sizes]
        known = 1
        for a in names:
            if a not in unknown:
                known *= sizes[a]
        dim = x.shape[d]
        d += 1
        if len(unknown) > 1:
            raise EinopsError(f"Could not infer sizes for {unknown}")
        if unknown:
            if known == 0 or dim % known:
                raise EinopsError(f"Shape mismatch, can't divide axis of length {dim} in chunks of {known}")
            sizes[unknown[0]] = dim // known
        elif known != dim:
            raise EinopsError(f"Shape mismatch, {known} != {dim}")
        order.extend(n for n in names if not n.startswith("_") or sizes[n] != 1)
        x = x  # elementary axes are made by one reshape below
    elementary = [sizes[a] for a in order]
    x = x.reshape(elementary) if elementary else x.reshape(())
    ell_names = [a for a in order if a.startswith("...")]
    right_axes = []
    out_groups = []
    for g in R:
        if g == ["..."]:
            right_axes.extend(ell_names)
            out_groups.extend([[a] for a in ell_names])
            continue
        grp = []
        for a in g:
            if a == "...":
                grp.extend(ell_names)
                right_axes.extend(ell_names)
            elif a.isdigit():
                if int(a) != 1:
                    if kind != "repeat":
                        raise EinopsError(f"Non-unitary anonymous axes are not supported in {kind}")
                    anon += 1
                    sizes[f"_{anon}"] = int(a)
                    grp.append(f"_{anon}")
                    right_axes.append(f"_{anon}")
            else:
                grp.append(a)
                right_axes.append(a)
        out_groups.append(grp)
    left_named = [a for a in order if not a.startswith("_")]
    if kind == "rearrange" and set(right_axes) != set(left_named):
        raise EinopsError(f"Identifiers only on one side of expression (should be on both): {sorted(set(right_axes) ^ set(left_named))}")
    if kind == "reduce":
        extra = [a for a in right_axes if a not in left_named]
        if extra:
            raise EinopsError(f"Unexpected identifiers on the right side of reduce: {extra}")
        gone = [i for i, a in enumerate(order) if a not in right_axes]
        if gone:
            x = getattr(torch, {"mean": "mean", "sum": "sum", "prod": "prod"}.get(reduction, reduction))(x, dim=gone) if reduction in ("mean", "sum", "prod") else getattr(torch, "amax" if reduction == "max" else "amin")(x, dim=gone)
        order = [a for a in order if a in right_axes]
    if kind == "repeat":
        missing = [a for a in left_named if a not in right_axes]
        if missing:
            raise EinopsError(f"Unexpected identifiers on the left side of repeat: {missing}")
        new = [a for a in right_axes if a not in order]
        for a in new:
            if a not in sizes:
                raise EinopsError(f"Specify sizes for new axes in repeat: {{{a!r}}}")
    perm = [order.index(a) for a in right_axes if a in order]
    x = x.permute(perm) if perm else x
    if kind == "repeat":
        present = [a for a in right_axes if a in order]
        shape = []
        j = 0
        for a in right_axes:
            if a in order:
                shape.append(x.shape[j])
                j += 1
            else:
                shape.append(1)
        x = x.reshape(shape).expand([sizes[a] for a in right_axes])
    final = []
    for g in out_groups:
        n = 1
        for a in g:
            n *= sizes[a]
        final.append(n)
    return x.reshape(final)


# ------------------------------------------------------------------ run them
def resolve(target):
    if target.startswith("einops."):
        kind = target.split(".")[1]
        return (lambda x, pattern, *rest, **kw: mini_einops(kind, x, pattern, *rest, **kw)), False
    if target in ("Rearrange", "Reduce"):
        kind = target.lower()

        class Layer(nn.Module):
            def __init__(self, pattern, *rest, **kw):
                super().__init__()
                self.args = (pattern, *rest)
                self.kw = kw

            def forward(self, x):
                return mini_einops(kind, x, *self.args, **self.kw)

        return Layer, True
    if target.startswith("torch."):
        obj = torch
        for part in target.split(".")[1:]:
            obj = getattr(obj, part)
        return obj, False
    return getattr(nn, target), True


def shape_of(t):
    return list(t.shape)


def is_tuple_spec(s):
    return len(s) > 0 and all(isinstance(x, list) for x in s)


def as_python(v):
    """Argument lists in the table stand for tuples, as model code usually writes them: (3, 3); a dict
    {"module": name, "args": [...], "kwargs": {...}} stands for a layer built from them (TransformerEncoder's layer)."""
    if isinstance(v, dict) and "module" in v:
        return getattr(nn, v["module"])(*[as_python(a) for a in v["args"]], **{k: as_python(x) for k, x in v["kwargs"].items()})
    return tuple(as_python(x) for x in v) if isinstance(v, list) else v


def output_tree(out):
    """A tensor's shape, None, or a list of these for (nested) tuples."""
    if out is None:
        return None
    if isinstance(out, tuple):
        return [output_tree(x) for x in out]
    return shape_of(out)


def first_shape(out):
    if isinstance(out, tuple):
        for x in out:
            s = first_shape(x)
            if s is not None:
                return s
        return None
    return None if out is None else shape_of(out)


def run(c):
    fn, is_module = resolve(c["target"])
    args = [as_python(a) for a in c["args"]]
    kwargs = {k: as_python(v) for k, v in c["kwargs"].items()}
    long_input = c["target"] in ("Embedding",)
    try:
        layer = fn(*args, **kwargs) if is_module else None
    except Exception as e:  # noqa: BLE001 - the golden records every exception
        return {"error": {"phase": "init", "type": type(e).__name__, "message": str(e)}}
    lazy = is_module and any(isinstance(p, nn.parameter.UninitializedParameter) for p in layer.parameters())
    params = {"params": sum(p.numel() for p in layer.parameters())} if is_module and not lazy else {}

    def tensor(s):
        if is_tuple_spec(s):
            return tuple(tensor(x) for x in s)
        return torch.zeros(s, dtype=torch.long if long_input else torch.float32)

    tensors = [tensor(s) for s in c["inputs"]]
    fwd = {k: as_python(v) for k, v in c.get("forward", {}).items()}
    try:
        with torch.no_grad():
            if is_module:
                out = layer(*tensors, **fwd)
            elif c["target"] == "torch.einsum":
                out = fn(args[0], *tensors)
            else:
                out = fn(*tensors, *args, **kwargs)
    except Exception as e:  # noqa: BLE001
        return dict(params, error={"phase": "forward", "type": type(e).__name__, "message": str(e)})
    if isinstance(out, tuple):
        return dict(params, output=first_shape(out), outputs=output_tree(out))
    return dict(params, output=shape_of(out))


def describe(c):
    def lit(v):
        if isinstance(v, str):
            return repr(v)
        if isinstance(v, list):
            return "(" + ", ".join(lit(x) for x in v) + ("," if len(v) == 1 else "") + ")"
        return repr(v)
    def lit_arg(v):
        if isinstance(v, dict):
            return "%s(%s)" % (v["module"], ", ".join([lit(a) for a in v["args"]] + ["%s=%s" % (k, lit(x)) for k, x in v["kwargs"].items()]))
        return lit(v)
    parts = [lit_arg(a) for a in c["args"]] + ["%s=%s" % (k, lit_arg(v)) for k, v in c["kwargs"].items()]
    text = "%s(%s) on %s" % (c["target"], ", ".join(parts), " and ".join(str(s) for s in c["inputs"]))
    if c.get("forward"):
        text += " with " + ", ".join("%s=%s" % (k, lit(v)) for k, v in c["forward"].items())
    return text


out = []
seen = set()
for c in cases:
    name = describe(c)
    if name in seen:
        continue
    seen.add(name)
    result = run(c)
    rec = {"name": name, "target": c["target"], "args": c["args"], "kwargs": c["kwargs"], "inputs": c["inputs"]}
    if c.get("forward"):
        rec["forward"] = c["forward"]
    if c["note"]:
        rec["note"] = c["note"]
    rec.update(result)
    out.append(rec)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
with open(path, "w") as f:
    f.write('{\n  "torch": %s,\n  "cases": [\n' % json.dumps(torch.__version__))
    f.write(",\n".join("    " + json.dumps(r) for r in out))
    f.write("\n  ]\n}\n")
errors = sum(1 for r in out if "error" in r)
print("%d cases (%d errors) -> %s" % (len(out), errors, path), file=sys.stderr)
