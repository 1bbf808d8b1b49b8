#!/usr/bin/python3
"""Goldens for torchvision's own models run by the engine (test/engine-torchvision.test.ts): each builder below, from the
torchvision installed with Debian's python3-torchvision (never copied here), built as users build it, put in eval mode,
given the engine corpus's deterministic weights (generate-corpus.py's fill(): the state_dict is not stored, the test
rebuilds it from the metadata list) and run once on a seeded random input.

    /usr/bin/python3 test/goldens/engine/generate-torchvision.py [BUILDER ...]

test/goldens/engine/torchvision/<builder>.safetensors holds "input" and "output" (the logits: any layer computed wrong
changes them), with metadata "builder", "torchvision" (its version) and "state_dict": [[name, shape], ...].
Inputs are small (64x64; Inception v3 needs 80x80), so that the goldens and the test stay small and fast.
"""
import importlib.util
import json
import os
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "torchvision")
_spec = importlib.util.spec_from_file_location("generate_corpus", os.path.join(HERE, "generate-corpus.py"))
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

# A family each, at most about 25 M parameters (the test fills every weight in JavaScript).
BUILDERS = {
    "resnet18": 64, "resnext50_32x4d": 64, "mobilenet_v2": 64, "mobilenet_v3_small": 64, "efficientnet_b0": 64,
    "efficientnet_v2_s": 64, "convnext_tiny": 64, "densenet121": 64, "googlenet": 64, "inception_v3": 80,
    "mnasnet0_5": 64, "regnet_y_400mf": 64, "shufflenet_v2_x1_0": 64, "squeezenet1_0": 64,
}


def main(only):
    os.makedirs(OUT, exist_ok=True)
    for builder, size in BUILDERS.items():
        if only and builder not in only:
            continue
        torch.manual_seed(0)
        model = getattr(torchvision.models, builder)()
        model.eval()
        state = []
        with torch.no_grad():
            for name, t in model.state_dict().items():
                if t.is_floating_point():
                    t.copy_(corpus.fill(name, list(t.shape)))
                    state.append([name, list(t.shape)])
        torch.manual_seed(1)
        x = torch.randn(1, 3, size, size)
        with torch.no_grad():
            y = model(x)
        corpus.write_safetensors(os.path.join(OUT, f"{builder}.safetensors"), {"input": x, "output": y}, {
            "builder": builder, "torchvision": torchvision.__version__, "state_dict": json.dumps(state, separators=(",", ":")),
        })
        print(f"{builder}: input {list(x.shape)} -> output {list(y.shape)}")


if __name__ == "__main__":
    main(set(sys.argv[1:]))
