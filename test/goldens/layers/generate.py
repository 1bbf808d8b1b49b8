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


def case(target, args=(), kwargs=None, inputs=(), note=""):
    cases.append({"target": target, "args": list(args), "kwargs": dict(kwargs or {}), "inputs": [list(s) for s in inputs], "note": note})


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


# ------------------------------------------------------------------ run them
def resolve(target):
    if target.startswith("torch."):
        obj = torch
        for part in target.split(".")[1:]:
            obj = getattr(obj, part)
        return obj, False
    return getattr(nn, target), True


def shape_of(t):
    return list(t.shape)


def as_python(v):
    """Argument lists in the table stand for tuples, as model code usually writes them: (3, 3)."""
    return tuple(as_python(x) for x in v) if isinstance(v, list) else v


def run(c):
    fn, is_module = resolve(c["target"])
    args = [as_python(a) for a in c["args"]]
    kwargs = {k: as_python(v) for k, v in c["kwargs"].items()}
    long_input = c["target"] in ("Embedding",)
    try:
        layer = fn(*args, **kwargs) if is_module else None
    except Exception as e:  # noqa: BLE001 - the golden records every exception
        return {"error": {"phase": "init", "type": type(e).__name__, "message": str(e)}}
    tensors = [torch.zeros(s, dtype=torch.long if long_input else torch.float32) for s in c["inputs"]]
    try:
        with torch.no_grad():
            out = layer(*tensors) if is_module else fn(*tensors, *args, **kwargs)
    except Exception as e:  # noqa: BLE001
        return {"error": {"phase": "forward", "type": type(e).__name__, "message": str(e)}}
    if isinstance(out, tuple):
        return {"output": shape_of(out[0]), "outputs": [shape_of(t) for t in out]}
    return {"output": shape_of(out)}


def describe(c):
    def lit(v):
        if isinstance(v, str):
            return repr(v)
        if isinstance(v, list):
            return "(" + ", ".join(lit(x) for x in v) + ("," if len(v) == 1 else "") + ")"
        return repr(v)
    parts = [lit(a) for a in c["args"]] + ["%s=%s" % (k, lit(v)) for k, v in c["kwargs"].items()]
    return "%s(%s) on %s" % (c["target"], ", ".join(parts), " and ".join(str(s) for s in c["inputs"]))


out = []
seen = set()
for c in cases:
    name = describe(c)
    if name in seen:
        continue
    seen.add(name)
    result = run(c)
    rec = {"name": name, "target": c["target"], "args": c["args"], "kwargs": c["kwargs"], "inputs": c["inputs"]}
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
