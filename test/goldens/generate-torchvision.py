#!/usr/bin/env python3
"""Goldens for torchvision's own models, built the way users build them: a script that does

    import torch
    import torchvision
    model = torchvision.models.BUILDER()        # (weights_backbone=None) for segmentation models
    model.eval()
    out = model(torch.randn(2, 3, SIZE, SIZE))

(`torchvision.models.segmentation.BUILDER()` for segmentation models; test/torchvision.test.ts writes the same script and runs `conv-lens check` on it, reading torchvision's sources from
the machine's Python). Each builder's forward runs in PyTorch with hooks on every built-in leaf module, recording its
qualified name, type and output shape, and the model's output (a dict's "out" for segmentation models) and
parameter count. In eval mode, as Conv Lens follows models (`self.training` is False: GoogLeNet and Inception-v3
return their logits without the auxiliary heads), batch 2.

Run: /usr/bin/python3 test/goldens/generate-torchvision.py [BUILDER ...]   (Debian's python3-torch/-torchvision)
"""
import json
import os
import sys

import torch
import torchvision

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torchvision")

# Every classification and segmentation family of torchvision 0.14; the input size each is built for.
BUILDERS = {
    "alexnet": 224, "vgg11": 224, "vgg16_bn": 224,
    "resnet18": 224, "resnet50": 224, "resnext50_32x4d": 224, "wide_resnet50_2": 224,
    "squeezenet1_0": 224, "squeezenet1_1": 224, "densenet121": 224,
    "googlenet": 224, "inception_v3": 299,
    "mobilenet_v2": 224, "mobilenet_v3_large": 224, "mobilenet_v3_small": 224,
    "mnasnet0_5": 224, "mnasnet1_0": 224, "shufflenet_v2_x1_0": 224,
    "efficientnet_b0": 224, "efficientnet_b1": 240, "efficientnet_b2": 260, "efficientnet_b3": 300,
    "efficientnet_b4": 380, "efficientnet_b5": 456, "efficientnet_b6": 528, "efficientnet_b7": 600,
    "efficientnet_v2_s": 384, "efficientnet_v2_m": 480, "efficientnet_v2_l": 480,
    "regnet_x_400mf": 224, "regnet_y_400mf": 224,
    "convnext_tiny": 224, "convnext_small": 224, "convnext_base": 224, "convnext_large": 224,
    # Segmentation builders download a backbone's weights by default: users offline pass weights_backbone=None.
    "segmentation.fcn_resnet50": 224, "segmentation.deeplabv3_resnet50": 224,
    "segmentation.deeplabv3_mobilenet_v3_large": 224, "segmentation.lraspp_mobilenet_v3_large": 224,
}


def is_leaf(module):
    return type(module).__module__.startswith("torch.nn.") and next(module.children(), None) is None


def golden(builder, size):
    torch.manual_seed(0)
    build = torchvision.models
    for part in builder.split("."):
        build = getattr(build, part)
    args = "weights_backbone=None" if builder.startswith("segmentation.") else ""
    model = build(weights_backbone=None) if args else build()
    model.eval()
    names = {id(m): n for n, m in model.named_modules()}
    layers = []
    for module in model.modules():
        if is_leaf(module):
            module.register_forward_hook(lambda m, i, o: layers.append(
                {"name": names[id(m)], "type": type(m).__name__,
                 "output": [int(d) for d in o.shape] if isinstance(o, torch.Tensor) else None}))
    with torch.no_grad():
        y = model(torch.randn(2, 3, size, size))
    if isinstance(y, dict):
        y = y["out"]
    elif isinstance(y, tuple):
        y = y[0]
    return {"builder": builder, "call": f"torchvision.models.{builder}({args})", "input": [2, 3, size, size], "output": [int(d) for d in y.shape],
            "params": sum(p.numel() for p in model.parameters()), "layers": layers}


def main(only):
    os.makedirs(OUT, exist_ok=True)
    for builder, size in BUILDERS.items():
        if only and builder not in only:
            continue
        text = json.dumps(golden(builder, size), separators=(",", ":"))
        with open(os.path.join(OUT, f"{builder}.json"), "w", encoding="utf-8") as f:
            f.write(text + "\n")
        print(builder, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
