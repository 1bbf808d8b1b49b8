#!/usr/bin/python3
"""Whole-model goldens for the engine: every correct PyTorch entry of test/corpus/manifest.json, run in real
PyTorch 1.13, for test/engine-corpus.test.ts.

    /usr/bin/python3 test/goldens/engine/generate-corpus.py [STEM ...]     (npm run goldens:engine-corpus)

Each entry is built exactly as test/goldens/generate-torch.py builds it (same file execution, "construct",
"modelLine", "provide"), put in eval mode, and given deterministic weights; then one forward pass runs on a
seeded random input. test/goldens/engine/corpus/<stem>.<n>.safetensors holds (metadata "file": the model file, from the repository root):
  - "input": the input (token ids as float32 values for int64 inputs),
  - "output": the model's output,
  - "out/<qualified name>": every built-in leaf module's output (of a tuple, its first tensor; MultiheadAttention and
    the Transformer layers count as leaves, as the core records them), "#k" appended for the k-th repeat of a module
    (the engine's keys, src/engine/run-graph.ts),
  - metadata "state_dict": [[name, shape], ...] of the model's float parameters and buffers, and "input": the shape.

Weights: the state_dict is not stored. Stored as float32, ResNet-18, AlexNet, the VGGs, the DCGANs and the UNets
alone would be over 400 MB, so every tensor is filled from the engine's seeded stream instead
(src/engine/weights/init.ts: mulberry32 seeded by a hash of the qualified name, seed 0, here vectorised in numpy)
by the rule in fill(); the test rebuilds the same state_dict from the metadata list, bit for bit, and passes it
to runGraph by name like a loaded file. Norm layers get non-trivial running statistics and affine parameters.

Skipped: the entries in SKIP (a forward that samples random numbers, a size the core cannot know), listed with the reason in corpus/skipped.json.

Inputs: the entry's own input, except the models below: batch 1 and, where their adaptive pooling or fully
convolutional structure accepts it, a smaller image. Every leaf output is stored in full, so the goldens are
about 29 MB (about 22 MB compressed, as git stores them); the largest are the fixed-size models (the VGGs, the DCGANs,
MobileNet at 32x32), about 9 MB together:
"""
import importlib.util
import json
import os
import struct
import sys
from collections import Counter

if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
OUT = os.path.join(HERE, "corpus")

_spec = importlib.util.spec_from_file_location("generate_torch", os.path.join(ROOT, "test", "goldens", "generate-torch.py"))
gt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gt)

# (file stem, construct or model name) -> input shape used instead of the manifest's.
SHRINK = {
    ("seed001_medical_model", "MedicalImageModel()"): [1, 1, 32, 32],
    ("seed003_conv2d_examples", "model"): [1, 3, 16, 16],
    ("cifar_tutorial_net", "Net()"): [1, 3, 32, 32],
    ("alexnet", "AlexNet()"): [1, 3, 64, 64],
    ("vgg_make_layers", "vgg16(num_classes=100)"): [1, 3, 32, 32],
    ("resnet18", "ResNet(BasicBlock, [2, 2, 2, 2])"): [1, 3, 32, 32],
    ("unet", "UNet(n_channels=3, n_classes=2)"): [1, 3, 25, 25],
    ("unet", "UNet(n_channels=1, n_classes=1, bilinear=True)"): [1, 1, 25, 25],
    ("squeezenet_fire", "SqueezeNet(num_classes=10)"): [1, 3, 35, 35],
    ("espcn", "ESPCN(scale_factor=3)"): [1, 1, 16, 16],
    ("inception_block", "TinyInception()"): [1, 3, 17, 17],
    ("padding_modes", "PaddingModes()"): [1, 3, 15, 20],
    ("explicit_pad_layers", "model"): [1, 3, 20, 20],
    ("norm_layers", "NormZoo()"): [1, 3, 16, 16],
    ("upsample_decoder", "SegHead()"): [1, 3, 32, 24],
    ("sequential_star_layers", "ConvStack()"): [1, 3, 16, 16],
    ("sequential_subclass", "TinyMobileNetV2()"): [1, 3, 16, 16],
    ("module_list_dict", "MultiHeadNet()"): [1, 1, 14, 14],
    ("add_module_sequential", "ZFNetLike()"): [1, 3, 32, 32],
    ("norm_layer_param", "StyleEncoder()"): [1, 3, 16, 16],
    ("config_table_loop", "Detector()"): [1, 3, 16, 16],
    ("training_script", "Classifier()"): [1, 3, 16, 16],
    ("identity_shortcut", "PreActNet()"): [1, 3, 16, 16],
    ("helper_functions", "HelperNet()"): [1, 3, 16, 16],
    ("helper_functions", "HelperNet(num_classes=5, hidden=32)"): [1, 3, 16, 16],
    ("densenet_block", "MiniDenseNet()"): [1, 3, 8, 8],
    ("se_block", "SENet()"): [1, 3, 16, 16],
    ("aspp_dilation", "ASPP()"): [1, 64, 9, 9],
    ("ct_volume_net", "CTVolumeNet()"): [1, 1, 8, 16, 16],
    ("dataclass_config_subclass", "TinyEfficientNet(width_mult=1.1, depth_mult=1.2)"): [1, 3, 16, 16],
    ("unet3d_transpose", "UNet3D()"): [1, 1, 8, 16, 16],
    ("crnn_lstm", "CRNN()"): [1, 1, 32, 48],
    ("crnn_lstm", "CRNNGRU()"): [1, 1, 32, 48],
    ("resnet_downsample_shortcut", "resnet18()"): [1, 3, 32, 32],
    ("resnet_downsample_shortcut", "resnet50()"): [1, 3, 17, 17],
    ("models_with_own_inputs", "Big(classes=7)"): [1, 3, 32, 32],
    ("line_continuation", "ContinuedNet()"): [1, 3, 32, 32],
    ("config_type_checks", "TinyYolo()"): [1, 3, 16, 16],
    ("argparse_options", "Generator(opt)"): [1, 100],
    ("argparse_options", "Discriminator()"): [1, 1, 32, 32],
    ("backbone_head", "Backbone()"): [1, 3, 32, 32],
    ("backbone_head", "SegHead()"): [1, 32, 8, 8],
    ("channel_shuffle", "TinyShuffleNet([2, 3], [24, 48, 96, 128])"): [1, 3, 32, 32],
    ("torchvision_style", "tiny_net_s()"): [1, 3, 16, 16],
    ("torchvision_style", "tiny_net_s(weights=TinyNet_Weights.DEFAULT)"): [1, 3, 16, 16],
    ("torchvision_style", "tiny_net_s(pretrained=True, aux_logits=False)"): [1, 3, 16, 16],
    ("torchvision_style", "tiny_net_s(num_classes=10, dropout=0.5)"): [1, 3, 16, 16],
}
# (file stem, construct) -> stride: models whose input size is fixed (a Linear after the convolutions) and whose every
# leaf output in full would be tens of MB. Every leaf output and the output are stored as every stride-th value of the
# flattened tensor (metadata "sample"); the test compares the engine's values at the same positions.
SAMPLE = {
    ("c3d_video", "C3D()"): 61,
}
# Engine-only models (test/goldens/engine/models): forward code the corpus does not cover, same treatment.
# (file relative to the repository, model class, construct, input); goldens named extra.<stem>.0.safetensors.
SEQ = "test/goldens/engine/models/volumes_and_sequences.py"
EXTRA = [
    ("test/goldens/engine/models/tensor_methods.py", "TensorMethods", "TensorMethods()", [1, 3, 8, 8]),
    (SEQ, "VoxNet", "VoxNet()", [1, 1, 32, 32, 32]),
    (SEQ, "ResNet3D", "ResNet3D()", [1, 3, 4, 16, 16]),
    (SEQ, "HybridSN", "HybridSN()", [2, 1, 16, 11, 11]),
    (SEQ, "AudioConv1d", "AudioConv1d()", [2, 40, 101]),
    (SEQ, "CNNGRU", "CNNGRU()", [2, 5, 3, 8, 8]),
    (SEQ, "CNNLSTM", "CNNLSTM()", [2, 1, 6, 16, 16]),
    (SEQ, "PatchEncoder", "PatchEncoder()", [2, 3, 16, 16]),
]

# (file stem, construct or model name) -> why the entry has no golden. Listed in corpus/skipped.json for the test.
SKIP = {
    ("vae_chunk", "VAE()"): "forward samples torch.randn_like: no engine can reproduce PyTorch's random stream",
    ("unknown_config_sizes", "CoordFuse()"): "a channel count read from the environment stays unknown to the core "
    "(by design), so the engine cannot build the conv that takes it",
    ("attention_keyword_inputs", "ConformerStyleLayer()"): "MultiheadAttention with a key_padding_mask: the engine "
    "does not run attention masks",
    ("weight_norm_layers", "PositionalConv()"): "weight_norm stores each weight as weight_g and weight_v: the engine "
    "loads a layer's weight by its own name",
    ("stft_mask_net", "SpectrogramMask()"): "torch.stft and complex tensors: the engine runs real tensors only",
    ("packed_sequence_encoder", "PackedEncoder()"): "PackedSequence inputs to recurrent layers: the engine runs padded "
    "batches only",
}
__doc__ += "".join(f"    {stem} {which}: {shape}\n" for (stem, which), shape in SHRINK.items())


def mulberry_uniforms(name, n, seed=0):
    """The engine's rng(seed, name) stream, first n values, as float64 in [0, 1)."""
    m = 0xFFFFFFFF
    h = (seed ^ 0x9E3779B9) & m
    for ch in (ord(c) for c in name):  # UTF-16 code units for names in the BMP, as charCodeAt
        h = ((h ^ ch) * 0x85EBCA6B) & m
        h = (h ^ (h >> 13)) & m
    h = ((h ^ (h >> 16)) * 0xC2B2AE35) & m
    with np.errstate(over="ignore"):
        a = (np.uint32(h) + np.arange(1, n + 1, dtype=np.uint64).astype(np.uint32) * np.uint32(0x6D2B79F5)).astype(np.uint32)
        t = ((a ^ (a >> np.uint32(15))) * (a | np.uint32(1))).astype(np.uint32)
        t = (t ^ (t + ((t ^ (t >> np.uint32(7))) * (t | np.uint32(61))).astype(np.uint32))).astype(np.uint32)
        t = (t ^ (t >> np.uint32(14))).astype(np.uint32)
    return t.astype(np.float64) / 4294967296.0


def fill(name, shape):
    """Deterministic value of a state_dict tensor; test/engine-corpus.test.ts has the same rule."""
    n = int(np.prod(shape)) if shape else 1
    u = mulberry_uniforms(name, n)
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "running_var":
        v = 0.5 + u
    elif leaf == "running_mean":
        v = (2 * u - 1) * 0.2
    elif len(shape) >= 2:
        v = (2 * u - 1) / np.sqrt(n // shape[0])
    elif leaf == "weight":
        v = 1 + (2 * u - 1) * 0.2
    else:
        v = (2 * u - 1) * 0.2
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main(only):
    manifest = json.load(open(os.path.join(gt.CORPUS, "manifest.json"), encoding="utf-8"))
    by_file = {}
    for entry in manifest:
        if entry["file"].startswith("torch/") and "bugLine" not in entry:
            by_file.setdefault(os.path.join("test", "corpus", entry["file"]), []).append(entry)
    for file, model, construct, shape in EXTRA:
        by_file.setdefault(file, []).append({"file": file, "model": model, "construct": construct, "input": shape, "extra": True})
    os.makedirs(OUT, exist_ok=True)
    total = 0
    written = 0
    skipped = []
    for file, entries in by_file.items():
        stem = os.path.splitext(os.path.basename(file))[0]
        if only and stem not in only:
            continue
        path = os.path.join(ROOT, file)
        snapshots, provide = {}, {}
        for e in entries:
            provide.update(e.get("provide", {}))
            if "modelLine" in e:
                snapshots.setdefault(e["modelLine"], []).append(e["model"])
        torch.manual_seed(0)
        lines = gt.ConstructionLines(path)
        with lines.active():
            namespace, taken, file_error = gt.execute_file(path, stem, snapshots, provide)
        if file_error is not None:
            raise SystemExit(f"{file}: {file_error}")
        for ordinal, entry in enumerate(entries):
            reason = SKIP.get((stem, entry.get("construct", entry["model"])))
            if reason is not None:
                skipped.append({"file": entry["file"], "model": entry["model"], "reason": reason})
                continue
            if "construct" in entry:
                model = eval(entry["construct"], namespace)
            elif "modelLine" in entry:
                model = taken[(entry["model"], entry["modelLine"])]
            else:
                model = namespace[entry["model"]]
            model.eval()
            state = {}
            with torch.no_grad():
                for name, t in model.state_dict().items():
                    if t.is_floating_point():
                        t.copy_(fill(name, list(t.shape)))
                        state[name] = list(t.shape)
            shape = SHRINK.get((stem, entry.get("construct", entry["model"])), entry["input"])
            torch.manual_seed(1)
            if entry.get("inputDtype") == "int64":
                vocab = next(m.num_embeddings for m in model.modules() if isinstance(m, torch.nn.Embedding))
                x = torch.randint(0, vocab, shape, dtype=torch.long)
            else:
                x = torch.randn(shape)
            names = {id(m): name for name, m in model.named_modules()}
            count = Counter()
            outs = {}

            def post(m, inputs, output):
                key = names[id(m)]
                k = count[key]
                count[key] += 1
                # A tuple (an LSTM's output, (h_n, c_n)): its first tensor, the one the core records as the node's.
                while isinstance(output, (tuple, list)):
                    output = output[0]
                outs[f"out/{key}" if k == 0 else f"out/{key}#{k}"] = output.detach().clone()

            # The layers the core records: built-in leaves and the built-in composites (MultiheadAttention, the
            # Transformer family), not the layers inside a composite (its final norm runs as a module of its own).
            inner = [n for n, m in model.named_modules() if gt.is_builtin_composite(m)]
            handles = [m.register_forward_hook(post) for n, m in model.named_modules()
                       if (gt.is_builtin_leaf(m) or gt.is_builtin_composite(m)) and not any(n.startswith(c + ".") for c in inner)]
            with torch.no_grad():
                y = gt.model_output(model(x))
            for h in handles:
                h.remove()
            tensors = {"input": x.to(torch.float32), "output": y, **outs}
            meta = {"file": file, "model": entry["model"], "input": json.dumps(shape), "state_dict": json.dumps(list(state.items()))}
            stride = SAMPLE.get((stem, entry.get("construct", entry["model"])))
            if stride is not None:
                tensors = {k: (v if k == "input" else v.flatten()[::stride].clone()) for k, v in tensors.items()}
                meta["sample"] = str(stride)
            if "construct" in entry:
                meta["construct"] = entry["construct"]
            if "modelLine" in entry:
                meta["modelLine"] = str(entry["modelLine"])
            target = os.path.join(OUT, f"{'extra.' if entry.get('extra') else ''}{stem}.{ordinal}.safetensors")
            write_safetensors(target, tensors, meta)
            total += os.path.getsize(target)
            written += 1
        sys.modules.pop("corpus_" + stem, None)
    if not only:
        with open(os.path.join(OUT, "skipped.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(skipped, indent=2) + "\n")
    print(f"wrote {written} goldens, {total / 1e6:.1f} MB, to {os.path.relpath(OUT, ROOT)} (PyTorch {torch.__version__})")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main(set(sys.argv[1:]))
