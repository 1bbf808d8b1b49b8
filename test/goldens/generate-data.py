#!/usr/bin/python3
"""Run the training scripts of test/corpus/data/ in real PyTorch and record what their models were fed.

    /usr/bin/python3 test/goldens/generate-data.py [STEM ...]

Datasets are never downloaded: each torchvision dataset class the scripts use is replaced by a stand-in of the
same name that yields PIL images of the real dataset's mode and size (CIFAR10: RGB 32x32) and int labels, with the
real dataset's length, so the real transforms, random_split and DataLoader produce the batch the model sees.
FakeData and TensorDataset are the real ones. DataLoader runs with num_workers=0 (same batches, no worker
processes), and a script stops once its stand-ins served 4096 items (the first batches are all it needs).

Recorded, per top-level call of a model whose class the script defines (not a call from inside another model's
forward): the class, the first input's shape and the output's (the first tensor of a tuple output). When the
script raises, the error and the line constructing the leaf layer that was running (the line of the failing
statement when no layer was). Output: test/goldens/data/<stem>.json.
"""
import json
import os
import sys
import traceback
import types
import warnings

import PIL.Image
import torch
import torch.nn as nn
import torch.utils.data
import torchvision.datasets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "test", "corpus", "data")
OUT = os.path.join(ROOT, "test", "goldens", "data")

torch.set_num_threads(1)
warnings.filterwarnings("ignore")

# torchvision 0.14: PIL mode, (height, width), and length by split.
REAL = {
    "MNIST": ("L", (28, 28), {"train": 60000, "test": 10000}),
    "FashionMNIST": ("L", (28, 28), {"train": 60000, "test": 10000}),
    "KMNIST": ("L", (28, 28), {"train": 60000, "test": 10000}),
    "EMNIST": ("L", (28, 28), {"train": 112800, "test": 18800}),
    "CIFAR10": ("RGB", (32, 32), {"train": 50000, "test": 10000}),
    "CIFAR100": ("RGB", (32, 32), {"train": 50000, "test": 10000}),
    "SVHN": ("RGB", (32, 32), {"train": 73257, "test": 26032, "extra": 531131}),
    "STL10": ("RGB", (96, 96), {"train": 5000, "test": 8000, "unlabeled": 100000, "train+unlabeled": 105000}),
}
LIMIT = 4096


class Stop(Exception):
    pass


def stand_in(name, mode, size, lengths):
    class Dataset(torch.utils.data.Dataset):
        served = 0

        def __init__(self, root=None, train=True, split=None, transform=None, target_transform=None, download=False, **_):
            self.transform = transform
            self.target_transform = target_transform
            key = split if split is not None else ("train" if train else "test")
            self.length = lengths.get(key, lengths["train"])

        def __len__(self):
            return self.length

        def __getitem__(self, index):
            Dataset.served += 1
            if Dataset.served > LIMIT:
                raise Stop()
            img = PIL.Image.new(mode, (size[1], size[0]), 128)
            label = index % 10
            if self.transform is not None:
                img = self.transform(img)
            if self.target_transform is not None:
                label = self.target_transform(label)
            return img, label

    Dataset.__name__ = name
    return Dataset


for _name, (_mode, _size, _lengths) in REAL.items():
    setattr(torchvision.datasets, _name, stand_in(_name, _mode, _size, _lengths))

_loader_init = torch.utils.data.DataLoader.__init__


def _in_process(self, *args, **kwargs):
    kwargs["num_workers"] = 0
    _loader_init(self, *args, **kwargs)


torch.utils.data.DataLoader.__init__ = _in_process


def first_tensor(v):
    if isinstance(v, torch.Tensor):
        return v
    if isinstance(v, (tuple, list)):
        for x in v:
            if isinstance(x, torch.Tensor):
                return x
    return None


def run(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    module = types.ModuleType("__main__")
    module.__file__ = path
    calls, lines, state = [], {}, {"depth": 0, "running": []}

    original_init = nn.Module.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        for frame in reversed(traceback.extract_stack()):
            if frame.filename == path:
                lines[id(self)] = frame.lineno
                break

    def pre(mod, inputs):
        if type(mod).__module__ == "__main__":
            if state["depth"] == 0:
                t = first_tensor(inputs)
                calls.append({"model": type(mod).__name__, "input": list(t.shape) if t is not None else None, "output": None})
            state["depth"] += 1
        elif next(mod.children(), None) is None:
            state["running"].append(mod)

    def post(mod, inputs, output):
        if type(mod).__module__ == "__main__":
            state["depth"] -= 1
            if state["depth"] == 0:
                t = first_tensor(output)
                calls[-1]["output"] = list(t.shape) if t is not None else None
        elif state["running"] and state["running"][-1] is mod:
            state["running"].pop()

    nn.Module.__init__ = init
    h1 = nn.modules.module.register_module_forward_pre_hook(pre)
    h2 = nn.modules.module.register_module_forward_hook(post)
    error = None
    for ds in REAL:
        getattr(torchvision.datasets, ds).served = 0
    try:
        torch.manual_seed(0)
        code = compile(open(path).read(), path, "exec")
        exec(code, module.__dict__)
    except Stop:
        pass
    except Exception as e:
        tb = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == path]
        leaf = state["running"][-1] if state["running"] else None
        error = {"message": str(e), "line": lines.get(id(leaf)) if leaf is not None else (tb[-1].lineno if tb else None)}
    finally:
        nn.Module.__init__ = original_init
        h1.remove()
        h2.remove()
    # Only the first call of each model: the loops repeat it.
    seen, first = set(), []
    for c in calls:
        if c["model"] not in seen:
            seen.add(c["model"])
            first.append(c)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, stem + ".json"), "w") as f:
        json.dump({"calls": first, "error": error}, f, indent=2, sort_keys=True)
        f.write("\n")
    print(stem, json.dumps({"calls": first, "error": error}))


def main():
    stems = sys.argv[1:] or sorted(os.path.splitext(f)[0] for f in os.listdir(CORPUS) if f.endswith(".py"))
    for stem in stems:
        run(os.path.join(CORPUS, stem + ".py"))


if __name__ == "__main__":
    main()
