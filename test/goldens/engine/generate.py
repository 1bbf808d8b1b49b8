#!/usr/bin/python3
"""PyTorch goldens for the engine: one small .safetensors file per operator x parameter combination.

Run with Debian's Python (PyTorch 1.13):  /usr/bin/python3 test/goldens/engine/generate.py
Each file holds the inputs, the layer's parameters and buffers, and torch's output; its metadata says
what ran: {"kind": "module", "type": "Conv2d", "args": <constructor args, defaults filled>} or
{"kind": "function", "op": "interpolate", "args": <keyword args>}.
"""
import inspect
import json
import os
import struct
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OPS = os.path.join(HERE, 'ops')
NETS = os.path.join(HERE, 'nets')


def write_safetensors(path, tensors, metadata):
    header = {'__metadata__': metadata}
    blobs, off = [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class Layer:
    """A layer passed as another layer's argument (encoder_layer, norm, activation): built for torch, and stored
    as the core's graph carries it, {"type": ..., "args": <its bound args>}."""

    def __init__(self, cls, **kwargs):
        self.cls, self.kwargs = cls, kwargs

    def build(self):
        return self.cls(**{k: build(v) for k, v in self.kwargs.items()})


def build(v):
    return v.build() if isinstance(v, Layer) else v


def jsonable(v):
    if isinstance(v, Layer):
        return {'type': v.cls.__name__, 'args': bound_args(v.cls, v.kwargs)}
    if v is F.relu or v is F.gelu:  # the Transformer layers' default activation is the function F.relu
        return v.__name__
    if isinstance(v, (tuple, list)):
        return [jsonable(e) for e in v]
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    if isinstance(v, torch.Size):
        return list(v)
    raise TypeError(f'cannot store argument {v!r}')


def bound_args(cls, kwargs):
    """Constructor args bound to parameter names with defaults filled, as the core reports them."""
    sig = inspect.signature(cls.__init__)
    b = sig.bind(None, **kwargs)
    b.apply_defaults()
    args = {}
    for k, v in b.arguments.items():
        kind = sig.parameters[k].kind
        if kind == inspect.Parameter.VAR_KEYWORD:  # RNNBase(*args, **kwargs): the keywords as given
            args.update(v)
        elif kind != inspect.Parameter.VAR_POSITIONAL:
            args[k] = v
    return {k: jsonable(v) for k, v in args.items() if k not in ('self', 'device', 'dtype')}


def randomize(m, gen):
    """Non-trivial parameters and running stats so every term of the formula matters."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5 + (0.25 if name == 'weight' and p.dim() == 1 else 0))
        for name, b in m.named_buffers():
            if name == 'running_mean':
                b.copy_(torch.randn(b.shape, generator=gen) * 0.3)
            elif name == 'running_var':
                b.copy_(torch.rand(b.shape, generator=gen) + 0.5)


CASES = []


def module(name, cls, shape, scale=1.0, **kwargs):
    CASES.append(('module', name, cls, shape, scale, kwargs))


def seq_module(name, cls, shapes, call=None, forward=None, **kwargs):
    """A module with several inputs, forward arguments and tuple outputs: inputs 'input', 'input.1', ...; outputs
    flattened as the core flattens them, 'output', 'output.1', ... (none stored for a None); metadata 'forward'."""
    CASES.append(('module', name, cls, shapes, 1.0, dict(kwargs, __call=call, __forward=forward or {})))


def function(name, fn, op, shapes, scale=1.0, **kwargs):
    CASES.append(('function', name, (fn, op), shapes, scale, kwargs))


def define_cases():
    # Convolutions: every parameter, and every path of the engine (pointwise GEMM, strip GEMM, depthwise).
    module('conv2d_basic', nn.Conv2d, (1, 3, 9, 10), in_channels=3, out_channels=8, kernel_size=3, padding=1)
    module('conv2d_stride2_nopad', nn.Conv2d, (1, 3, 11, 9), in_channels=3, out_channels=5, kernel_size=3, stride=2)
    module('conv2d_rect_kernel_stride_dilation', nn.Conv2d, (1, 4, 13, 12), in_channels=4, out_channels=6, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), dilation=(2, 1))
    module('conv2d_same_even_kernel', nn.Conv2d, (1, 3, 8, 9), in_channels=3, out_channels=4, kernel_size=4, padding='same')
    module('conv2d_same_dilated', nn.Conv2d, (1, 3, 8, 9), in_channels=3, out_channels=4, kernel_size=3, padding='same', dilation=2)
    module('conv2d_same_rect', nn.Conv2d, (1, 2, 7, 10), in_channels=2, out_channels=3, kernel_size=(2, 5), padding='same')
    module('conv2d_valid', nn.Conv2d, (1, 3, 8, 8), in_channels=3, out_channels=4, kernel_size=3, padding='valid')
    module('conv2d_groups2', nn.Conv2d, (1, 8, 9, 9), in_channels=8, out_channels=12, kernel_size=3, padding=1, groups=2)
    module('conv2d_groups4_stride2', nn.Conv2d, (1, 8, 10, 10), in_channels=8, out_channels=8, kernel_size=3, stride=2, padding=1, groups=4)
    module('conv2d_depthwise', nn.Conv2d, (1, 8, 12, 11), in_channels=8, out_channels=8, kernel_size=3, padding=1, groups=8)
    module('conv2d_depthwise_odd_rows_relu6_range', nn.Conv2d, (1, 5, 9, 10), in_channels=5, out_channels=5, kernel_size=3, padding=1, groups=5)
    # Seven rows: the direct kernel's four-row passes end with one moved up over rows already written
    module('conv2d_depthwise_rows7', nn.Conv2d, (1, 3, 7, 9), in_channels=3, out_channels=3, kernel_size=3, padding=1, groups=3)
    module('conv2d_depthwise_reflect', nn.Conv2d, (1, 3, 8, 9), in_channels=3, out_channels=3, kernel_size=3, padding=1, groups=3, padding_mode='reflect')
    module('conv2d_depthwise_multiplier2', nn.Conv2d, (1, 4, 9, 9), in_channels=4, out_channels=8, kernel_size=3, padding=1, groups=4)
    module('conv2d_depthwise_stride2', nn.Conv2d, (1, 6, 12, 13), in_channels=6, out_channels=6, kernel_size=3, stride=2, padding=1, groups=6)
    # MobileNet's downsampling depthwise conv on widths that are a multiple of 4 (the engine's direct kernel), odd and even heights
    module('conv2d_depthwise_stride2_w16', nn.Conv2d, (2, 6, 11, 16), in_channels=6, out_channels=6, kernel_size=3, stride=2, padding=1, groups=6)
    module('conv2d_depthwise_stride2_w8', nn.Conv2d, (1, 3, 8, 8), in_channels=3, out_channels=3, kernel_size=3, stride=2, padding=1, groups=3, bias=False)
    module('conv2d_depthwise_k5_dilation2', nn.Conv2d, (1, 4, 14, 14), in_channels=4, out_channels=4, kernel_size=5, padding=4, dilation=2, groups=4)
    module('conv2d_depthwise_tiny', nn.Conv2d, (1, 4, 2, 2), in_channels=4, out_channels=4, kernel_size=3, padding=1, groups=4, bias=False)
    module('conv2d_reflect', nn.Conv2d, (1, 3, 7, 8), in_channels=3, out_channels=4, kernel_size=3, padding=(1, 2), padding_mode='reflect')
    module('conv2d_replicate', nn.Conv2d, (1, 3, 7, 8), in_channels=3, out_channels=4, kernel_size=3, padding=(2, 1), padding_mode='replicate')
    module('conv2d_circular', nn.Conv2d, (1, 3, 7, 8), in_channels=3, out_channels=4, kernel_size=3, padding=2, padding_mode='circular')
    module('conv2d_reflect_stride2', nn.Conv2d, (1, 3, 9, 9), in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=1, padding_mode='reflect')
    module('conv2d_no_bias', nn.Conv2d, (1, 3, 9, 9), in_channels=3, out_channels=5, kernel_size=3, padding=1, bias=False)
    module('conv2d_pointwise', nn.Conv2d, (1, 16, 6, 7), in_channels=16, out_channels=9, kernel_size=1)
    module('conv2d_pointwise_stride2', nn.Conv2d, (1, 8, 7, 7), in_channels=8, out_channels=6, kernel_size=1, stride=2)
    module('conv2d_pointwise_tiny_map', nn.Conv2d, (1, 8, 2, 2), in_channels=8, out_channels=5, kernel_size=1)
    module('conv2d_7x7_stride2_pad3', nn.Conv2d, (1, 3, 20, 20), in_channels=3, out_channels=8, kernel_size=7, stride=2, padding=3)
    module('conv2d_batch2', nn.Conv2d, (2, 4, 8, 8), in_channels=4, out_channels=6, kernel_size=3, padding=1)
    module('conv2d_1x1_output', nn.Conv2d, (1, 3, 3, 3), in_channels=3, out_channels=4, kernel_size=3)
    # Wide layers whose K (in_channels x kernel) is split into cache blocks accumulated in the output.
    module('conv2d_k_blocked', nn.Conv2d, (1, 64, 6, 6), in_channels=64, out_channels=256, kernel_size=3, padding=1)
    module('conv2d_pointwise_k_blocked', nn.Conv2d, (1, 520, 4, 4), in_channels=520, out_channels=256, kernel_size=1)
    # 32x32 planes: a 1x1 conv copies them one cache line apart, a 3x3 pads the stride of its copied B rows (batch 2, groups 2)
    module('conv2d_pointwise_32x32_groups2', nn.Conv2d, (2, 8, 32, 32), in_channels=8, out_channels=6, kernel_size=1, groups=2)
    module('conv2d_3x3_32x32', nn.Conv2d, (2, 3, 32, 32), in_channels=3, out_channels=5, kernel_size=3, padding=1)
    module('conv1d_basic', nn.Conv1d, (2, 3, 20), in_channels=3, out_channels=5, kernel_size=3, padding=1)
    module('conv1d_stride_dilation', nn.Conv1d, (1, 4, 25), in_channels=4, out_channels=6, kernel_size=3, stride=2, dilation=2, padding=2)
    module('conv1d_same_even', nn.Conv1d, (1, 3, 16), in_channels=3, out_channels=4, kernel_size=4, padding='same')
    module('conv1d_groups', nn.Conv1d, (1, 6, 16), in_channels=6, out_channels=6, kernel_size=3, padding=1, groups=3)
    module('conv1d_depthwise', nn.Conv1d, (1, 6, 16), in_channels=6, out_channels=6, kernel_size=5, padding=2, groups=6)
    module('conv1d_reflect', nn.Conv1d, (1, 3, 12), in_channels=3, out_channels=4, kernel_size=3, padding=2, padding_mode='reflect')
    module('conv1d_circular', nn.Conv1d, (1, 3, 12), in_channels=3, out_channels=4, kernel_size=3, padding=1, padding_mode='circular')
    module('conv_transpose2d_basic', nn.ConvTranspose2d, (1, 4, 5, 6), in_channels=4, out_channels=3, kernel_size=3)
    module('conv_transpose2d_stride2_output_padding', nn.ConvTranspose2d, (1, 4, 5, 5), in_channels=4, out_channels=3, kernel_size=3, stride=2, padding=1, output_padding=1)
    module('conv_transpose2d_k4_s2_p1', nn.ConvTranspose2d, (1, 6, 4, 5), in_channels=6, out_channels=4, kernel_size=4, stride=2, padding=1)
    module('conv_transpose2d_groups', nn.ConvTranspose2d, (1, 4, 5, 5), in_channels=4, out_channels=6, kernel_size=3, stride=2, groups=2)
    module('conv_transpose2d_dilation', nn.ConvTranspose2d, (1, 3, 5, 5), in_channels=3, out_channels=2, kernel_size=3, dilation=2, padding=1, bias=False)
    module('conv_transpose2d_rect', nn.ConvTranspose2d, (1, 3, 4, 6), in_channels=3, out_channels=2, kernel_size=(2, 3), stride=(2, 3), padding=(0, 1), output_padding=(1, 2))
    # Pooling.
    module('max_pool2d_k2', nn.MaxPool2d, (1, 3, 8, 9), kernel_size=2)
    module('max_pool2d_k3_s2_p1', nn.MaxPool2d, (1, 3, 9, 10), kernel_size=3, stride=2, padding=1)
    # ResNet's stem pool on widths that are a multiple of 4 (the engine's direct kernel), odd and even heights
    module('max_pool2d_k3_s2_p1_w16', nn.MaxPool2d, (2, 3, 9, 16), kernel_size=3, stride=2, padding=1)
    module('max_pool2d_k3_s2_p1_w8', nn.MaxPool2d, (1, 4, 12, 8), kernel_size=3, stride=2, padding=1)
    module('max_pool2d_ceil_mode', nn.MaxPool2d, (1, 2, 10, 11), kernel_size=3, stride=2, ceil_mode=True)
    module('max_pool2d_ceil_mode_pad', nn.MaxPool2d, (1, 2, 6, 7), kernel_size=2, stride=2, padding=1, ceil_mode=True)
    module('max_pool2d_dilation', nn.MaxPool2d, (1, 2, 11, 11), kernel_size=3, stride=1, dilation=2, padding=1)
    module('max_pool1d', nn.MaxPool1d, (2, 3, 15), kernel_size=3, stride=2, padding=1, ceil_mode=True)
    module('avg_pool2d_k2', nn.AvgPool2d, (1, 3, 8, 8), kernel_size=2)
    module('avg_pool2d_pad_include', nn.AvgPool2d, (1, 2, 9, 10), kernel_size=3, stride=2, padding=1)
    module('avg_pool2d_pad_exclude', nn.AvgPool2d, (1, 2, 9, 10), kernel_size=3, stride=2, padding=1, count_include_pad=False)
    module('avg_pool2d_ceil_mode', nn.AvgPool2d, (1, 2, 10, 11), kernel_size=3, stride=2, padding=1, ceil_mode=True)
    module('avg_pool2d_ceil_mode_exclude', nn.AvgPool2d, (1, 2, 10, 11), kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
    module('avg_pool2d_divisor_override', nn.AvgPool2d, (1, 2, 8, 8), kernel_size=3, stride=2, padding=1, divisor_override=5)
    module('avg_pool1d', nn.AvgPool1d, (1, 3, 13), kernel_size=4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)
    module('adaptive_avg_pool2d_1', nn.AdaptiveAvgPool2d, (2, 4, 7, 9), output_size=1)
    module('adaptive_avg_pool2d_uneven', nn.AdaptiveAvgPool2d, (1, 3, 7, 10), output_size=(3, 4))
    module('adaptive_avg_pool2d_none', nn.AdaptiveAvgPool2d, (1, 3, 7, 10), output_size=(None, 3))
    module('adaptive_max_pool2d', nn.AdaptiveMaxPool2d, (1, 3, 7, 8), output_size=(3, 3))
    module('adaptive_avg_pool1d', nn.AdaptiveAvgPool1d, (1, 3, 11), output_size=4)
    module('adaptive_max_pool1d', nn.AdaptiveMaxPool1d, (1, 3, 11), output_size=5)
    # Normalisation (eval mode).
    module('batch_norm2d', nn.BatchNorm2d, (2, 6, 5, 5), num_features=6)
    module('batch_norm2d_no_affine', nn.BatchNorm2d, (1, 4, 5, 5), num_features=4, affine=False, eps=1e-3)
    module('batch_norm2d_no_running_stats', nn.BatchNorm2d, (3, 4, 5, 5), num_features=4, track_running_stats=False)
    module('batch_norm1d_2d_input', nn.BatchNorm1d, (4, 6), num_features=6)
    module('batch_norm1d_3d_input', nn.BatchNorm1d, (2, 5, 7), num_features=5)
    module('group_norm', nn.GroupNorm, (2, 8, 5, 6), num_groups=4, num_channels=8)
    module('group_norm_no_affine', nn.GroupNorm, (1, 6, 4, 4), num_groups=3, num_channels=6, affine=False)
    module('layer_norm_chw', nn.LayerNorm, (2, 3, 4, 5), normalized_shape=[3, 4, 5])
    module('layer_norm_last', nn.LayerNorm, (2, 7, 6), normalized_shape=6, eps=1e-6)
    module('instance_norm2d', nn.InstanceNorm2d, (2, 3, 6, 6), num_features=3)
    module('instance_norm2d_affine', nn.InstanceNorm2d, (1, 3, 6, 6), num_features=3, affine=True)
    module('instance_norm2d_running_stats', nn.InstanceNorm2d, (1, 3, 6, 6), num_features=3, track_running_stats=True)
    module('instance_norm1d', nn.InstanceNorm1d, (2, 3, 9), num_features=3, affine=True)
    module('linear', nn.Linear, (3, 20), in_features=20, out_features=7)
    module('linear_no_bias_3d', nn.Linear, (2, 3, 9), in_features=9, out_features=5, bias=False)
    # Activations.
    for name, cls, kw in [
        ('relu', nn.ReLU, {}), ('relu6', nn.ReLU6, {}), ('leaky_relu', nn.LeakyReLU, {'negative_slope': 0.2}),
        ('elu', nn.ELU, {'alpha': 0.5}), ('selu', nn.SELU, {}), ('celu', nn.CELU, {'alpha': 1.5}), ('gelu', nn.GELU, {}),
        ('gelu_tanh', nn.GELU, {'approximate': 'tanh'}), ('silu', nn.SiLU, {}), ('mish', nn.Mish, {}),
        ('sigmoid', nn.Sigmoid, {}), ('tanh', nn.Tanh, {}), ('hardswish', nn.Hardswish, {}),
        ('hardsigmoid', nn.Hardsigmoid, {}), ('hardtanh', nn.Hardtanh, {'min_val': -2.0, 'max_val': 3.0}),
        ('softplus', nn.Softplus, {'beta': 2.0, 'threshold': 5.0}), ('softsign', nn.Softsign, {}),
        ('prelu_single', nn.PReLU, {}), ('prelu_channels', nn.PReLU, {'num_parameters': 4}),
        ('softmax_dim1', nn.Softmax, {'dim': 1}), ('log_softmax_last', nn.LogSoftmax, {'dim': -1}),
    ]:
        module('act_' + name, cls, (2, 4, 5, 6), scale=4.0, **kw)
    # Resampling and data movement.
    module('upsample_nearest_x2', nn.Upsample, (1, 2, 4, 5), scale_factor=2, mode='nearest')
    module('upsample_nearest_size', nn.Upsample, (1, 2, 4, 5), size=(7, 9), mode='nearest')
    module('upsample_nearest_x1_5', nn.Upsample, (1, 2, 5, 6), scale_factor=1.5, mode='nearest')
    module('upsample_bilinear_x2', nn.Upsample, (1, 2, 4, 5), scale_factor=2, mode='bilinear')
    module('upsample_bilinear_align_corners', nn.Upsample, (1, 2, 4, 5), scale_factor=2, mode='bilinear', align_corners=True)
    module('upsample_bilinear_size', nn.Upsample, (1, 2, 5, 4), size=(8, 11), mode='bilinear')
    module('upsample_bilinear_down', nn.Upsample, (1, 2, 9, 8), size=(4, 3), mode='bilinear')
    module('upsampling_bilinear2d', nn.UpsamplingBilinear2d, (1, 2, 4, 4), scale_factor=2)
    module('upsampling_nearest2d', nn.UpsamplingNearest2d, (1, 2, 3, 4), size=(6, 6))
    module('pixel_shuffle', nn.PixelShuffle, (1, 8, 3, 4), upscale_factor=2)
    module('pixel_unshuffle', nn.PixelUnshuffle, (1, 2, 4, 6), downscale_factor=2)
    module('zero_pad2d', nn.ZeroPad2d, (1, 2, 4, 5), padding=(1, 2, 0, 3))
    module('constant_pad2d', nn.ConstantPad2d, (1, 2, 4, 5), padding=2, value=0.5)
    module('reflection_pad2d', nn.ReflectionPad2d, (1, 2, 4, 5), padding=(2, 1, 1, 3))
    module('replication_pad2d', nn.ReplicationPad2d, (1, 2, 4, 5), padding=3)
    module('reflection_pad1d', nn.ReflectionPad1d, (1, 2, 6), padding=(3, 2))
    module('flatten', nn.Flatten, (2, 3, 4, 5))
    module('flatten_range', nn.Flatten, (2, 3, 4, 5), start_dim=2, end_dim=3)
    # Functional forms, by the names the core's graph uses.
    function('f_relu', F.relu, 'relu', [(2, 3, 4, 4)])
    function('f_max_pool2d', F.max_pool2d, 'max_pool2d', [(1, 3, 9, 9)], kernel_size=3, stride=2, padding=1, ceil_mode=True)
    function('f_avg_pool2d', F.avg_pool2d, 'avg_pool2d', [(1, 3, 9, 9)], kernel_size=2)
    function('f_adaptive_avg_pool2d', F.adaptive_avg_pool2d, 'adaptive_avg_pool2d', [(1, 3, 9, 7)], output_size=(2, 3))
    function('f_interpolate_nearest', F.interpolate, 'interpolate', [(1, 2, 4, 5)], scale_factor=2, mode='nearest')
    function('f_interpolate_bilinear', F.interpolate, 'interpolate', [(1, 2, 4, 5)], size=(9, 7), mode='bilinear', align_corners=False)
    function('f_interpolate_bilinear_ac', F.interpolate, 'interpolate', [(1, 2, 4, 5)], scale_factor=3, mode='bilinear', align_corners=True)
    function('f_pad_reflect', F.pad, 'pad', [(1, 2, 5, 6)], pad=(2, 1, 3, 0), mode='reflect')
    function('f_pad_replicate', F.pad, 'pad', [(1, 2, 5, 6)], pad=(1, 2, 2, 1), mode='replicate')
    function('f_pad_circular', F.pad, 'pad', [(1, 2, 5, 6)], pad=(2, 2, 1, 3), mode='circular')
    function('f_pad_constant', F.pad, 'pad', [(1, 2, 5, 6)], pad=(1, 1, 2, 0), mode='constant', value=-1.5)
    function('f_pad_crop', F.pad, 'pad', [(1, 2, 5, 6)], pad=(-1, 2, 0, -2))
    function('f_softmax', F.softmax, 'softmax', [(2, 5, 3)], scale=3.0, dim=1)
    function('f_log_softmax', F.log_softmax, 'log_softmax', [(2, 5, 3)], scale=3.0, dim=-1)
    function('f_gelu', F.gelu, 'gelu', [(2, 3, 4)], scale=4.0)
    function('f_silu', F.silu, 'silu', [(2, 3, 4)], scale=4.0)
    function('f_leaky_relu', F.leaky_relu, 'leaky_relu', [(2, 3, 4)], negative_slope=0.1)
    function('f_pixel_shuffle', F.pixel_shuffle, 'pixel_shuffle', [(1, 9, 2, 3)], upscale_factor=3)
    function('cat_dim1', lambda a, b, dim: torch.cat([a, b], dim=dim), 'cat', [(1, 2, 3, 4), (1, 5, 3, 4)], dim=1)
    function('cat_last', lambda a, b, dim: torch.cat([a, b], dim=dim), 'cat', [(2, 3, 4), (2, 3, 2)], dim=-1)
    function('add_same', torch.add, 'add', [(2, 3, 4, 4), (2, 3, 4, 4)])
    function('add_broadcast', torch.add, 'add', [(2, 3, 4, 4), (1, 3, 1, 1)])
    function('mul_broadcast', torch.mul, 'mul', [(2, 3, 4, 4), (4,)])
    function('view', lambda x, shape: x.view(*shape), 'view', [(2, 3, 4, 4)], shape=[2, -1])
    function('reshape', lambda x, shape: x.reshape(shape), 'reshape', [(2, 3, 4, 4)], shape=[-1, 8, 6])
    function('flatten_fn', torch.flatten, 'flatten', [(2, 3, 4, 4)], start_dim=1)
    function('permute', lambda x, dims: x.permute(*dims), 'permute', [(2, 3, 4, 5)], dims=[0, 2, 3, 1])
    function('transpose', torch.transpose, 'transpose', [(2, 3, 4, 5)], dim0=1, dim1=3)
    function('mean_spatial', torch.mean, 'mean', [(2, 3, 4, 5)], dim=[2, 3], keepdim=True)
    function('mean_last', torch.mean, 'mean', [(2, 3, 4, 5)], dim=-1)

    # Volumes (3-D): Conv3d through the 2-D GEMM path, 3-D pools and norms.
    module('conv3d_basic', nn.Conv3d, (1, 3, 5, 6, 7), in_channels=3, out_channels=4, kernel_size=3, padding=1)
    module('conv3d_stride_dilation', nn.Conv3d, (1, 2, 9, 8, 9), in_channels=2, out_channels=3, kernel_size=(3, 3, 2), stride=(2, 1, 2), padding=(2, 1, 0), dilation=(2, 1, 1))
    module('conv3d_groups', nn.Conv3d, (1, 4, 4, 6, 6), in_channels=4, out_channels=6, kernel_size=3, padding=1, groups=2)
    module('conv3d_depthwise', nn.Conv3d, (1, 3, 4, 6, 6), in_channels=3, out_channels=3, kernel_size=3, padding=1, groups=3)
    module('conv3d_same_even', nn.Conv3d, (1, 2, 5, 6, 6), in_channels=2, out_channels=3, kernel_size=2, padding='same')
    module('conv3d_reflect', nn.Conv3d, (1, 2, 4, 5, 6), in_channels=2, out_channels=3, kernel_size=3, padding=1, padding_mode='reflect')
    module('conv3d_circular', nn.Conv3d, (1, 2, 4, 5, 6), in_channels=2, out_channels=3, kernel_size=3, padding=(1, 2, 1), padding_mode='circular')
    module('conv3d_pointwise_batch2', nn.Conv3d, (2, 8, 3, 4, 5), in_channels=8, out_channels=5, kernel_size=1)
    module('conv3d_c3d_no_bias', nn.Conv3d, (1, 3, 4, 12, 12), in_channels=3, out_channels=8, kernel_size=3, padding=1, bias=False)
    module('conv3d_unbatched', nn.Conv3d, (2, 4, 5, 5), in_channels=2, out_channels=3, kernel_size=(1, 3, 3), stride=(1, 2, 2))
    module('max_pool3d_k2', nn.MaxPool3d, (1, 3, 4, 6, 7), kernel_size=2)
    module('max_pool3d_c3d', nn.MaxPool3d, (1, 2, 4, 8, 8), kernel_size=(1, 2, 2), stride=(1, 2, 2))
    module('max_pool3d_pad_ceil', nn.MaxPool3d, (1, 2, 5, 7, 7), kernel_size=3, stride=2, padding=1, ceil_mode=True)
    module('max_pool3d_dilation', nn.MaxPool3d, (1, 2, 7, 7, 7), kernel_size=2, stride=1, dilation=2)
    module('max_pool3d_pad_depth', nn.MaxPool3d, (1, 2, 4, 5, 5), kernel_size=2, stride=2, padding=(1, 0, 1))
    module('avg_pool3d_k2', nn.AvgPool3d, (1, 3, 4, 6, 6), kernel_size=2)
    module('avg_pool3d_pad_exclude_ceil', nn.AvgPool3d, (1, 2, 5, 6, 7), kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)
    module('avg_pool3d_pad_include', nn.AvgPool3d, (1, 2, 5, 6, 7), kernel_size=3, stride=2, padding=1)
    module('avg_pool3d_divisor', nn.AvgPool3d, (1, 2, 4, 4, 4), kernel_size=2, divisor_override=3)
    module('adaptive_avg_pool3d', nn.AdaptiveAvgPool3d, (2, 3, 5, 7, 6), output_size=(2, 3, None))
    module('adaptive_max_pool3d', nn.AdaptiveMaxPool3d, (1, 3, 5, 7, 6), output_size=2)
    module('batch_norm3d', nn.BatchNorm3d, (2, 4, 3, 4, 5), num_features=4)
    module('instance_norm3d_affine', nn.InstanceNorm3d, (2, 3, 3, 4, 5), num_features=3, affine=True)
    module('dropout3d_eval', nn.Dropout3d, (1, 2, 3, 4, 4), p=0.5)

    # Recurrent layers (issue 13): outputs (output, h_n[, c_n]) and cells (h[, c]), with and without initial states.
    lstm_hc = lambda m, x, h, c: m(x, (h, c))
    seq_module('lstm_basic', nn.LSTM, [(6, 2, 5)], input_size=5, hidden_size=7)
    seq_module('lstm_bi_2layer_batch_first', nn.LSTM, [(2, 4, 5)], input_size=5, hidden_size=6, num_layers=2, bidirectional=True, batch_first=True)
    seq_module('lstm_proj_2layer', nn.LSTM, [(5, 2, 4)], input_size=4, hidden_size=8, proj_size=3, num_layers=2)
    seq_module('lstm_proj_bi', nn.LSTM, [(3, 2, 4)], input_size=4, hidden_size=6, proj_size=2, bidirectional=True)
    seq_module('lstm_no_bias', nn.LSTM, [(4, 3, 5)], input_size=5, hidden_size=4, bias=False)
    seq_module('lstm_unbatched', nn.LSTM, [(6, 5)], input_size=5, hidden_size=7, bidirectional=True)
    seq_module('lstm_h0_c0', nn.LSTM, [(5, 2, 4), (2, 2, 6), (2, 2, 6)], call=lstm_hc, input_size=4, hidden_size=6, num_layers=2)
    seq_module('lstm_h0_c0_unbatched_bi', nn.LSTM, [(5, 4), (2, 6), (2, 6)], call=lstm_hc, input_size=4, hidden_size=6, bidirectional=True)
    seq_module('lstm_h0_c0_proj_batch_first', nn.LSTM, [(2, 5, 4), (1, 2, 3), (1, 2, 6)], call=lstm_hc, input_size=4, hidden_size=6, proj_size=3, batch_first=True)
    seq_module('lstm_gemm_k_blocks', nn.LSTM, [(4, 3, 300)], input_size=300, hidden_size=128)
    seq_module('gru_basic', nn.GRU, [(6, 2, 5)], input_size=5, hidden_size=7)
    seq_module('gru_bi_2layer_batch_first', nn.GRU, [(3, 4, 5)], input_size=5, hidden_size=6, num_layers=2, bidirectional=True, batch_first=True, dropout=0.3)
    seq_module('gru_h0', nn.GRU, [(5, 2, 4), (2, 2, 6)], input_size=4, hidden_size=6, num_layers=2)
    seq_module('gru_unbatched', nn.GRU, [(6, 5)], input_size=5, hidden_size=7)
    seq_module('gru_no_bias_bi', nn.GRU, [(4, 2, 5)], input_size=5, hidden_size=4, bias=False, bidirectional=True)
    seq_module('rnn_tanh', nn.RNN, [(6, 2, 5)], input_size=5, hidden_size=7)
    seq_module('rnn_relu_bi_2layer', nn.RNN, [(5, 2, 4)], input_size=4, hidden_size=6, num_layers=2, bidirectional=True, nonlinearity='relu')
    seq_module('rnn_h0_batch_first', nn.RNN, [(2, 5, 4), (1, 2, 6)], input_size=4, hidden_size=6, batch_first=True)
    seq_module('rnn_unbatched_h0', nn.RNN, [(5, 4), (2, 6)], input_size=4, hidden_size=6, num_layers=2)
    seq_module('lstm_cell', nn.LSTMCell, [(3, 5)], input_size=5, hidden_size=7)
    seq_module('lstm_cell_state', nn.LSTMCell, [(3, 5), (3, 7), (3, 7)], call=lstm_hc, input_size=5, hidden_size=7)
    seq_module('lstm_cell_unbatched', nn.LSTMCell, [(5,)], input_size=5, hidden_size=4, bias=False)
    seq_module('gru_cell', nn.GRUCell, [(3, 5)], input_size=5, hidden_size=7)
    seq_module('gru_cell_state_unbatched', nn.GRUCell, [(5,), (7,)], input_size=5, hidden_size=7)
    seq_module('rnn_cell_relu_state', nn.RNNCell, [(3, 5), (3, 6)], input_size=5, hidden_size=6, nonlinearity='relu')
    seq_module('rnn_cell_tanh_no_bias', nn.RNNCell, [(3, 5)], input_size=5, hidden_size=6, bias=False)

    # Attention: (attn_output, attn_weights), every constructor and forward argument but the masks.
    seq_module('mha_self', nn.MultiheadAttention, [(5, 2, 16)] * 3, embed_dim=16, num_heads=4)
    seq_module('mha_batch_first_cross', nn.MultiheadAttention, [(2, 3, 16), (2, 6, 16), (2, 6, 16)], embed_dim=16, num_heads=2, batch_first=True)
    seq_module('mha_kdim_vdim', nn.MultiheadAttention, [(4, 2, 12), (6, 2, 10), (6, 2, 7)], embed_dim=12, num_heads=3, kdim=10, vdim=7)
    seq_module('mha_no_weights', nn.MultiheadAttention, [(5, 2, 8)] * 3, forward={'need_weights': False}, embed_dim=8, num_heads=2)
    seq_module('mha_per_head_weights', nn.MultiheadAttention, [(2, 4, 8), (2, 5, 8), (2, 5, 8)], forward={'average_attn_weights': False}, embed_dim=8, num_heads=2, batch_first=True)
    seq_module('mha_bias_kv_zero_attn', nn.MultiheadAttention, [(4, 2, 8), (5, 2, 8), (5, 2, 8)], embed_dim=8, num_heads=2, add_bias_kv=True, add_zero_attn=True)
    seq_module('mha_no_bias', nn.MultiheadAttention, [(4, 2, 8)] * 3, embed_dim=8, num_heads=4, bias=False)
    seq_module('mha_unbatched', nn.MultiheadAttention, [(5, 8), (6, 8), (6, 8)], embed_dim=8, num_heads=2)
    seq_module('mha_unbatched_per_head', nn.MultiheadAttention, [(5, 8), (6, 8), (6, 8)], forward={'average_attn_weights': False}, embed_dim=8, num_heads=2)

    # Transformer layers (eval): post-norm and norm_first, relu/gelu (string or module), layer_norm_eps, batch_first.
    seq_module('transformer_encoder_layer', nn.TransformerEncoderLayer, [(5, 2, 16)], d_model=16, nhead=4, dim_feedforward=32)
    seq_module('transformer_encoder_layer_norm_first_gelu_bf', nn.TransformerEncoderLayer, [(2, 5, 16)], d_model=16, nhead=2, dim_feedforward=24, activation='gelu', norm_first=True, batch_first=True, layer_norm_eps=1e-6)
    seq_module('transformer_encoder_layer_gelu_module', nn.TransformerEncoderLayer, [(4, 2, 8)], d_model=8, nhead=2, dim_feedforward=16, activation=Layer(nn.GELU, approximate='tanh'))
    seq_module('transformer_decoder_layer', nn.TransformerDecoderLayer, [(4, 2, 16), (6, 2, 16)], d_model=16, nhead=4, dim_feedforward=32)
    seq_module('transformer_decoder_layer_norm_first_gelu_bf', nn.TransformerDecoderLayer, [(2, 3, 8), (2, 5, 8)], d_model=8, nhead=2, dim_feedforward=16, activation='gelu', norm_first=True, batch_first=True)
    seq_module('transformer_encoder_norm', nn.TransformerEncoder, [(5, 2, 16)], encoder_layer=Layer(nn.TransformerEncoderLayer, d_model=16, nhead=2, dim_feedforward=24), num_layers=2, norm=Layer(nn.LayerNorm, normalized_shape=16))
    seq_module('transformer_encoder_bf', nn.TransformerEncoder, [(2, 5, 8)], encoder_layer=Layer(nn.TransformerEncoderLayer, d_model=8, nhead=2, dim_feedforward=16, batch_first=True, norm_first=True), num_layers=3)
    seq_module('transformer_decoder', nn.TransformerDecoder, [(3, 2, 8), (5, 2, 8)], decoder_layer=Layer(nn.TransformerDecoderLayer, d_model=8, nhead=2, dim_feedforward=16), num_layers=2, norm=Layer(nn.LayerNorm, normalized_shape=8, eps=1e-4))
    seq_module('transformer', nn.Transformer, [(5, 2, 16), (3, 2, 16)], d_model=16, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=24)
    seq_module('transformer_bf_norm_first_gelu', nn.Transformer, [(2, 4, 8), (2, 3, 8)], d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=16, activation='gelu', batch_first=True, norm_first=True, layer_norm_eps=1e-6)

    # ConvTranspose3d (GEMM + col2im), output_size in forward, unbatched.
    module('conv_transpose3d_k2s2', nn.ConvTranspose3d, (1, 4, 3, 4, 5), in_channels=4, out_channels=3, kernel_size=2, stride=2)
    module('conv_transpose3d_pad_output_padding', nn.ConvTranspose3d, (2, 3, 3, 4, 4), in_channels=3, out_channels=2, kernel_size=3, stride=2, padding=1, output_padding=1)
    module('conv_transpose3d_groups_dilation', nn.ConvTranspose3d, (1, 4, 3, 3, 4), in_channels=4, out_channels=6, kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(0, 1, 1), dilation=(1, 2, 1), groups=2)
    module('conv_transpose3d_no_bias', nn.ConvTranspose3d, (1, 2, 2, 3, 3), in_channels=2, out_channels=3, kernel_size=(1, 3, 3), bias=False)
    module('conv_transpose3d_unbatched', nn.ConvTranspose3d, (2, 3, 3, 3), in_channels=2, out_channels=2, kernel_size=2, stride=2)
    seq_module('conv_transpose3d_output_size', nn.ConvTranspose3d, [(1, 3, 3, 4, 4)], forward={'output_size': [6, 8, 7]}, in_channels=3, out_channels=2, kernel_size=3, stride=2, padding=1)
    seq_module('conv_transpose2d_output_size', nn.ConvTranspose2d, [(1, 3, 4, 5)], forward={'output_size': [1, 2, 8, 9]}, in_channels=3, out_channels=2, kernel_size=3, stride=2, padding=1)

    # Resizing volumes: trilinear and nearest on 5-D.
    function('f_interpolate_trilinear_size', F.interpolate, 'interpolate', [(1, 2, 3, 4, 5)], size=(5, 6, 7), mode='trilinear', align_corners=False)
    function('f_interpolate_trilinear_ac', F.interpolate, 'interpolate', [(1, 2, 3, 4, 5)], scale_factor=2, mode='trilinear', align_corners=True)
    function('f_interpolate_trilinear_unet3d', F.interpolate, 'interpolate', [(1, 2, 4, 5, 6)], scale_factor=(1, 2, 2), mode='trilinear', align_corners=False)
    function('f_interpolate_trilinear_down', F.interpolate, 'interpolate', [(1, 2, 6, 7, 8)], size=(3, 4, 5), mode='trilinear')
    function('f_interpolate_nearest_5d', F.interpolate, 'interpolate', [(1, 2, 3, 4, 5)], scale_factor=2, mode='nearest')
    function('f_interpolate_nearest_exact_5d', F.interpolate, 'interpolate', [(1, 2, 4, 5, 6)], size=(3, 7, 9), mode='nearest-exact')
    module('upsample_trilinear', nn.Upsample, (1, 2, 3, 4, 4), scale_factor=2, mode='trilinear')
    module('upsample_nearest_5d', nn.Upsample, (1, 2, 2, 3, 4), size=(4, 5, 6))

    # Unfold / Fold.
    module('unfold_k2s2', nn.Unfold, (1, 3, 6, 8), kernel_size=2, stride=2)
    module('unfold_pad_dilation', nn.Unfold, (2, 2, 7, 6), kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1))
    module('unfold_unbatched', nn.Unfold, (2, 5, 5), kernel_size=3)
    module('fold_k2', nn.Fold, (1, 12, 12), output_size=(4, 5), kernel_size=2)
    module('fold_overlap_pad_stride', nn.Fold, (1, 18, 12), output_size=(6, 7), kernel_size=3, padding=1, stride=2)
    module('fold_unbatched', nn.Fold, (8, 6), output_size=(3, 4), kernel_size=2)

    # Matrix products (matmul, mm, bmm and @ are one op in the graph) and einsum.
    function('matmul_2d', torch.matmul, 'matmul', [(5, 7), (7, 9)])
    function('matmul_batched_broadcast', torch.matmul, 'matmul', [(2, 3, 4, 6), (3, 6, 5)])
    function('matmul_vector_matrix', torch.matmul, 'matmul', [(6,), (2, 6, 4)])
    function('matmul_matrix_vector', torch.matmul, 'matmul', [(3, 5, 6), (6,)])
    function('matmul_dot', torch.matmul, 'matmul', [(6,), (6,)])
    function('matmul_large_k', torch.matmul, 'matmul', [(9, 700), (700, 13)])
    function('bmm', torch.bmm, 'matmul', [(3, 4, 5), (3, 5, 2)])
    function('einsum_bmm', lambda a, b, equation: torch.einsum(equation, a, b), 'einsum', [(2, 3, 4), (2, 4, 5)], equation='bij,bjk->bik')
    function('einsum_attention_scores', lambda a, b, equation: torch.einsum(equation, a, b), 'einsum', [(2, 2, 3, 4), (2, 2, 5, 4)], equation='bhqd,bhkd->bhqk')
    function('einsum_transpose', lambda a, equation: torch.einsum(equation, a), 'einsum', [(3, 4)], equation='ij->ji')
    function('einsum_implicit', lambda a, b, equation: torch.einsum(equation, a, b), 'einsum', [(3, 4), (4, 5)], equation='ij,jk')
    function('einsum_dot', lambda a, b, equation: torch.einsum(equation, a, b), 'einsum', [(6,), (6,)], equation='i,i->')
    function('einsum_diagonal_outer', lambda a, b, equation: torch.einsum(equation, a, b), 'einsum', [(4, 4), (3,)], equation='ii,j->ij')
    function('f_max_pool3d', F.max_pool3d, 'max_pool3d', [(1, 2, 4, 6, 6)], kernel_size=2)
    function('f_max_pool3d_stride_pad', F.max_pool3d, 'max_pool3d', [(1, 2, 5, 6, 7)], kernel_size=3, stride=2, padding=1)
    function('f_avg_pool3d', F.avg_pool3d, 'avg_pool3d', [(1, 2, 4, 6, 6)], kernel_size=2)


def generate_ops():
    os.makedirs(OPS, exist_ok=True)
    for f in os.listdir(OPS):
        if f.endswith('.safetensors'):
            os.remove(os.path.join(OPS, f))
    for kind, name, what, shape, scale, kwargs in CASES:
        # Seeded by name, so adding a case leaves every other file byte-identical.
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        tensors = {}
        if kind == 'module' and '__call' in kwargs:
            kwargs = dict(kwargs)
            call, forward = kwargs.pop('__call'), kwargs.pop('__forward')
            m = what(**{k: build(v) for k, v in kwargs.items()})
            randomize(m, gen)
            m.eval()
            xs = [torch.randn(sh, generator=gen) for sh in shape]
            with torch.no_grad():
                y = call(m, *xs, **forward) if call is not None else m(*xs, **forward)
            for j, x in enumerate(xs):
                tensors['input' if j == 0 else f'input.{j}'] = x
            for n, p in m.named_parameters():
                tensors[n] = p
            flat = []

            def flatten(v):
                if isinstance(v, (tuple, list)):
                    for e in v:
                        flatten(e)
                else:
                    flat.append(v)
            flatten(y)
            y = flat[0]
            for j, t in enumerate(flat[1:], 1):
                if t is not None:
                    tensors[f'output.{j}'] = t
            meta = {'kind': 'module', 'type': what.__name__, 'args': json.dumps(bound_args(what, kwargs)), 'forward': json.dumps({k: jsonable(v) for k, v in forward.items()})}
        elif kind == 'module':
            m = what(**kwargs)
            randomize(m, gen)
            m.eval()
            x = torch.randn(shape, generator=gen) * scale
            with torch.no_grad():
                y = m(x)
            tensors['input'] = x
            for n, p in m.named_parameters():
                tensors[n] = p
            for n, b in m.named_buffers():
                if n != 'num_batches_tracked':
                    tensors[n] = b
            meta = {'kind': 'module', 'type': what.__name__, 'args': json.dumps(bound_args(what, kwargs))}
        else:
            fn, op = what
            xs = [torch.randn(s, generator=gen) * scale for s in shape]
            with torch.no_grad():
                y = fn(*xs, **kwargs)
            for j, x in enumerate(xs):
                tensors[f'input.{j}'] = x
            meta = {'kind': 'function', 'op': op, 'args': json.dumps({k: jsonable(v) for k, v in kwargs.items()})}
        tensors['output'] = y
        write_safetensors(os.path.join(OPS, name + '.safetensors'), tensors, meta)
    print(f'wrote {len(CASES)} op goldens to {OPS}')


if __name__ == '__main__':
    torch.manual_seed(0)
    define_cases()
    generate_ops()
    if os.path.exists(os.path.join(HERE, 'nets.py')):
        sys.path.insert(0, HERE)
        import nets  # noqa: E402
        nets.generate(NETS, write_safetensors, bound_args)
