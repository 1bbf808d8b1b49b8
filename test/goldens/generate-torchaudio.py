#!/usr/bin/env python3
"""Goldens for torchaudio's own models (held-out real code: Debian's python3-torchaudio 0.13.1, for torch 1.13),
built the way users build them: a script that does

    import torch
    import torchaudio
    model = torchaudio.models.CALL
    model.eval()
    out = model(ARGS)

(test/torchaudio.test.ts writes the same script and runs `conv-lens check` on it, reading torchaudio's sources from
the machine's Python). Each model's forward runs in PyTorch with hooks on every built-in leaf module, recording its
qualified name, type and output shape (a tuple's first tensor, as Conv Lens records recurrent and attention layers), and the
model's output (a tuple's first tensor: wav2vec2/HuBERT return (features, lengths)) and parameter count. In eval
mode, as Conv Lens follows models; seeded, so the inputs' values are the same each run.

Run: /usr/bin/python3 test/goldens/generate-torchaudio.py [NAME ...]   (Debian's python3-torch/-torchaudio)
"""
import json
import os
import sys

import torch
import torchaudio

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torchaudio")

# name -> (the builder or class call after `torchaudio.models.`, the forward's arguments). The CNN/RNN models of
# torchaudio.models and the wav2vec2/HuBERT models (a CNN feature extractor under a Transformer).
MODELS = {
    "Wav2Letter": ("Wav2Letter()", "torch.randn(2, 1, 8000)"),
    "Wav2Letter_mfcc": ("Wav2Letter(num_classes=29, input_type='mfcc', num_features=13)", "torch.randn(2, 13, 100)"),
    "Wav2Letter_power_spectrum": ("Wav2Letter(input_type='power_spectrum', num_features=201)", "torch.randn(2, 201, 60)"),
    "DeepSpeech": ("DeepSpeech(n_feature=40, n_hidden=256)", "torch.randn(2, 1, 50, 40)"),
    "ConvTasNet": ("ConvTasNet(num_sources=2, enc_kernel_size=16, enc_num_feats=64, msk_kernel_size=3, msk_num_feats=32, msk_num_hidden_feats=64, msk_num_layers=3, msk_num_stacks=2)", "torch.randn(2, 1, 4000)"),
    "conv_tasnet_base": ("conv_tasnet_base()", "torch.randn(2, 1, 8000)"),
    "WaveRNN": ("WaveRNN(upsample_scales=[5, 5, 8], n_classes=512, hop_length=200)", "torch.randn(2, 1, 2000), torch.randn(2, 1, 128, 14)"),
    "wav2vec2_base": ("wav2vec2_base()", "torch.randn(2, 16000)"),
    "hubert_base": ("hubert_base()", "torch.randn(2, 16000)"),
    "Conformer": ("Conformer(input_dim=80, num_heads=4, ffn_dim=128, num_layers=2, depthwise_conv_kernel_size=31)", "torch.randn(2, 100, 80), torch.full((2,), 100)"),
    "Emformer": ("Emformer(input_dim=128, num_heads=4, ffn_dim=256, num_layers=2, segment_length=4, right_context_length=1)", "torch.randn(2, 41, 128), torch.full((2,), 41)"),
    "hdemucs_low": ("hdemucs_low(sources=['bass', 'drums', 'other', 'vocals'])", "torch.randn(2, 2, 44100)"),
    "emformer_rnnt_base": ("emformer_rnnt_base(num_symbols=128)", "torch.randn(2, 84, 80), torch.tensor([84, 80]), torch.randint(0, 128, (2, 10)), torch.tensor([10, 8])"),
    "Tacotron2": ("Tacotron2(n_symbol=40)", "torch.randint(0, 40, (2, 12)), torch.tensor([12, 10]), torch.randn(2, 80, 20), torch.tensor([20, 18])"),
}


# Built-in layers made of other layers whose forward calls none of them as modules (MultiheadAttention runs
# F.multi_head_attention_forward on out_proj's weights): recorded as layers, as Conv Lens lists them.
COMPOSITES = {"MultiheadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer"}


def is_leaf(module):
    if not type(module).__module__.startswith("torch.nn."):
        return False
    return next(module.children(), None) is None or type(module).__name__ in COMPOSITES


def first_tensor(value):
    while isinstance(value, (tuple, list)):
        value = value[0]
    return value


def golden(name, call, args):
    torch.manual_seed(0)
    model = eval(f"torchaudio.models.{call}")
    model.eval()
    names = {id(m): n for n, m in model.named_modules()}
    layers = []
    for module in model.modules():
        if is_leaf(module):
            module.register_forward_hook(lambda m, i, o: layers.append(
                {"name": names[id(m)], "type": type(m).__name__,
                 "output": [int(d) for d in first_tensor(o).shape] if isinstance(first_tensor(o), torch.Tensor) else None}))
    inputs = eval(f"({args},)")
    with torch.no_grad():
        y = first_tensor(model(*inputs))
    return {"name": name, "call": f"torchaudio.models.{call}", "args": args, "output": [int(d) for d in y.shape],
            "params": sum(p.numel() for p in model.parameters()), "layers": layers}


def main(only):
    os.makedirs(OUT, exist_ok=True)
    for name, (call, args) in MODELS.items():
        if only and name not in only:
            continue
        text = json.dumps(golden(name, call, args), separators=(",", ":"))
        with open(os.path.join(OUT, f"{name}.json"), "w", encoding="utf-8") as f:
            f.write(text + "\n")
        print(name, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
