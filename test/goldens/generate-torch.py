#!/usr/bin/python3
"""Run every PyTorch entry of test/corpus/manifest.json in real PyTorch and write the goldens.

    /usr/bin/python3 test/goldens/generate-torch.py [STEM ...]

Each corpus file is executed statement by statement as a module named after the file (never as
__main__, so training code under `if __name__ == "__main__":` does not run). The model is built from
the entry's "construct" expression, or taken from the module-level variable "model" (after the
statement on "modelLine" when the variable is reassigned). Forward hooks on every built-in torch.nn
leaf record each layer's output shape in execution order (the first tensor's for a tuple output, such as an
LSTM's, with every element under "outputs"); pre-hooks remember which leaf or built-in composite
(MultiheadAttention, Transformer*) was running when PyTorch raised. Each layer also records "line": the line of the corpus file that constructed it (the
innermost frame in the file, so a layer made in a helper such as conv3x3 points into the helper).
Files run as `python file.py` with no arguments would (sys.argv is just the file), so argparse options take their
defaults. A model's output is its first tensor (of a tuple, namedtuple or dict output).
Output: test/goldens/torch/<stem>.json, deterministic (sorted keys, fixed string hashing).

An entry's "provide" ({"F": "torch.nn.functional"}) supplies names a file uses without importing them,
so a seed can stay exactly as its author wrote it.

The generator also checks the corpus itself: correct entries must run, broken entries must raise,
and the error must come from the entry's "bugLine" (the construction line of the failing layer, or
the line of the failing statement for init errors and functional ops; with "blame": "call", the first line
of the file in the traceback, i.e. the call the user wrote that reached a failing check).
"""
import ast
import contextlib
import importlib
import io
import json
import os
import re
import sys
import traceback
import types
import warnings

# PyTorch formats some messages from Python sets ("padding_mode must be one of {...}"): fix string hashing so
# the goldens come out identical on every run.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})

import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "test", "corpus")
OUT = os.path.join(ROOT, "test", "goldens", "torch")

torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=UserWarning)


def is_builtin_leaf(module):
    return type(module).__module__.startswith("torch.nn.") and next(module.children(), None) is None


# Built-in layers made of other layers: not leaves (their sub-layers run, or a fused op does), but when PyTorch
# raises inside one, that layer is where the model fails.
COMPOSITES = {"MultiheadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder",
              "TransformerDecoder", "Transformer"}


def is_layer_subclass(module):
    """A user's subclass of a built-in leaf layer that keeps its forward (`class MyConv(nn.Conv2d)` with only an
    __init__): PyTorch fails in the built-in forward, so the layer, built where the subclass was called, is blamed."""
    cls = type(module)
    if cls.__module__.startswith("torch.nn.") or not isinstance(module, nn.Module) or next(module.children(), None) is not None:
        return False
    for base in cls.__mro__:
        if base.__module__.startswith("torch.nn."):
            return base is not nn.Module and "forward" in vars(base)
        if "forward" in vars(base):
            return False
    return False


def is_builtin_composite(module):
    return type(module).__module__.startswith("torch.nn.") and type(module).__name__ in COMPOSITES


class ConstructionLines:
    """Records, for every nn.Module built while a corpus file runs, the innermost line of that file on the stack."""

    def __init__(self, path):
        self.path = path
        self.lines = {}
        self.keep = []

    @contextlib.contextmanager
    def active(self):
        original = nn.Module.__init__
        recorder = self

        def init(module, *args, **kwargs):
            original(module, *args, **kwargs)
            frame = sys._getframe(1)
            # The module's own __init__ (a subclass's super().__init__(...) line) is not where it was built: the
            # call that made the instance is.
            while frame is not None and (frame.f_code.co_filename != recorder.path or frame.f_locals.get("self") is module):
                frame = frame.f_back
            if frame is not None and id(module) not in recorder.lines:
                recorder.lines[id(module)] = frame.f_lineno
                recorder.keep.append(module)

        nn.Module.__init__ = init
        try:
            yield
        finally:
            nn.Module.__init__ = original

    def line_of(self, module):
        return self.lines.get(id(module))


def innermost_file_line(exc, path):
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == path:
            line = frame.lineno
    return line


def outermost_file_line(exc, path):
    """The first line of the file in the traceback: the call the user wrote (for entries with "blame": "call")."""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == path:
            return frame.lineno
    return None


NUMBER_ARRAY = re.compile(r"\[\s+((?:-?\d+|null)(?:,\s+(?:-?\d+|null))*)\s+\]")


def to_json(value):
    """Sorted keys, two-space indent, shapes on one line ([1, 64, 56, 56]) so golden diffs stay readable."""
    text = json.dumps(value, indent=2, sort_keys=True)
    return NUMBER_ARRAY.sub(lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text) + "\n"


def shape_of(value):
    """A tensor's shape; for a tuple (an LSTM's (output, (h_n, c_n))) the shape of its first tensor."""
    if isinstance(value, torch.Tensor):
        return [int(d) for d in value.shape]
    if isinstance(value, (tuple, list)):
        for item in value:
            shape = shape_of(item)
            if shape is not None:
                return shape
    return None


def tree_of(value):
    """Every element of a tuple output: shapes, None, nested lists for nested tuples."""
    if isinstance(value, (tuple, list)):
        return [tree_of(item) for item in value]
    return shape_of(value)


def model_output(y):
    """A model returning several tensors (a VAE's reconstruction, mu, logvar; a namedtuple): its output is the first
    one; of a dict ({"out": ..., "aux": ...} of a segmentation model), the first in insertion order."""
    if isinstance(y, (tuple, list)):
        return next((t for t in y if isinstance(t, torch.Tensor)), y)
    if isinstance(y, dict):
        return next((t for t in y.values() if isinstance(t, torch.Tensor)), y)
    return y


def describe_error(phase, exc, layer):
    return {"phase": phase, "type": type(exc).__name__, "message": str(exc), "layer": layer}


def execute_file(path, stem, snapshots, provide):
    """Runs the file's top-level statements one at a time; returns (namespace, snapshots taken, error).

    snapshots maps a 1-based statement line to variable names whose value is copied right after that statement.
    provide maps global names the file uses without importing (seed 001 as the user wrote it) to module names."""
    source = open(path, encoding="utf-8").read()
    tree = ast.parse(source, filename=path)
    module = types.ModuleType("corpus_" + stem)
    module.__file__ = path
    sys.modules[module.__name__] = module
    namespace = module.__dict__
    for name, module_name in provide.items():
        namespace[name] = importlib.import_module(module_name)
    taken = {}
    # As `python file.py` with no arguments: argparse's parse_args() sees an empty command line and uses the defaults.
    argv = sys.argv
    sys.argv = [path]
    try:
        return run_statements(tree, path, namespace, snapshots, taken)
    finally:
        sys.argv = argv


def run_statements(tree, path, namespace, snapshots, taken):
    for statement in tree.body:
        code = compile(ast.Module(body=[statement], type_ignores=[]), path, "exec")
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, namespace)
        except Exception as exc:  # a module-level model that PyTorch refuses to build
            return namespace, taken, exc
        for name in snapshots.get(statement.lineno, ()):
            taken[(name, statement.lineno)] = namespace[name]
    return namespace, taken, None


def run_entry(entry, namespace, taken, file_error, lines, path):
    result = {"model": entry["model"], "input": entry["input"], "layers": [], "output": None, "error": None}
    if "modelLine" in entry:
        result["modelLine"] = entry["modelLine"]
    if "inputDtype" in entry:
        result["inputDtype"] = entry["inputDtype"]

    # A check in the file's own code that raises is blamed on the call that reached it when the entry says so.
    file_line = outermost_file_line if entry.get("blame") == "call" else innermost_file_line
    if file_error is not None:
        result["error"] = describe_error("init", file_error, None)
        return result, file_line(file_error, path), None
    try:
        with lines.active(), contextlib.redirect_stdout(io.StringIO()):
            if "construct" in entry:
                model = eval(entry["construct"], namespace)
            elif "modelLine" in entry:
                model = taken[(entry["model"], entry["modelLine"])]
            else:
                model = namespace[entry["model"]]
    except Exception as exc:
        result["error"] = describe_error("init", exc, None)
        return result, file_line(exc, path), None

    model.eval()
    result["params"] = sum(p.numel() for p in model.parameters())
    # Parameters of every block (a module with children): what the hover on a block call sums.
    result["blockParams"] = {
        name: sum(p.numel() for p in m.parameters())
        for name, m in model.named_modules()
        if name != "" and next(m.children(), None) is not None
    }
    names = {id(m): name for name, m in model.named_modules()}
    running = []
    layers = result["layers"]
    handles = []
    for module in model.modules():
        if not is_builtin_leaf(module):
            continue

        def pre(m, inputs):
            running.append(m)

        def post(m, inputs, output):
            running.pop()
            layer = {"name": names[id(m)], "type": type(m).__name__, "output": shape_of(output), "line": lines.line_of(m)}
            if isinstance(output, tuple):
                layer["outputs"] = tree_of(output)
            layers.append(layer)

        handles.append(module.register_forward_pre_hook(pre))
        handles.append(module.register_forward_hook(post))

    def enter(m, inputs):
        running.append(m)

    def leave(m, inputs, output):
        running.pop()  # a hook that returns a value would replace the output

    for module in model.modules():
        if is_builtin_composite(module) or is_layer_subclass(module):
            handles.append(module.register_forward_pre_hook(enter))
            handles.append(module.register_forward_hook(leave))

    torch.manual_seed(0)
    if entry.get("inputDtype") == "int64":
        x = torch.zeros(entry["input"], dtype=torch.long)
    else:
        x = torch.randn(entry["input"])
    failing = None
    try:
        with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
            y = model(x)
        y = model_output(y)
        result["output"] = shape_of(y)
        if result["output"] is None:
            raise SystemExit(f"{entry['file']}: {entry['model']} returned {type(y).__name__}, not a tensor")
    except Exception as exc:
        # The innermost running layer the file built (a TransformerEncoder's copies of its layer were not).
        failing = next((m for m in reversed(running) if lines.line_of(m) is not None), running[-1] if running else None)
        result["error"] = describe_error("forward", exc, names[id(failing)] if failing is not None else None)
        for h in handles:
            h.remove()
        if failing is not None:
            return result, lines.line_of(failing), exc
        return result, innermost_file_line(exc, path), exc
    for h in handles:
        h.remove()
    return result, None, None


def main(only):
    manifest = json.load(open(os.path.join(CORPUS, "manifest.json"), encoding="utf-8"))
    by_file = {}
    for entry in manifest:
        if entry["file"].startswith("torch/"):
            by_file.setdefault(entry["file"], []).append(entry)
    os.makedirs(OUT, exist_ok=True)
    problems = []
    written = 0
    for file, entries in by_file.items():
        stem = os.path.splitext(os.path.basename(file))[0]
        if only and stem not in only:
            continue
        path = os.path.join(CORPUS, file)
        snapshots = {}
        provide = {}
        for e in entries:
            provide.update(e.get("provide", {}))
            if "modelLine" in e:
                snapshots.setdefault(e["modelLine"], []).append(e["model"])
        lines = ConstructionLines(path)
        with lines.active():
            namespace, taken, file_error = execute_file(path, stem, snapshots, provide)
        models = []
        for entry in entries:
            result, error_line, exc = run_entry(entry, namespace, taken, file_error, lines, path)
            models.append(result)
            label = f"{file} {entry['model']}" + (f"@{entry['modelLine']}" if "modelLine" in entry else "")
            if "bugLine" in entry:
                if result["error"] is None:
                    problems.append(f"{label}: expected an error on line {entry['bugLine']}, PyTorch ran it")
                elif error_line != entry["bugLine"]:
                    problems.append(f"{label}: PyTorch raised for line {error_line}, manifest says bugLine {entry['bugLine']}: {result['error']['message']}")
            elif result["error"] is not None:
                problems.append(f"{label}: PyTorch raised {result['error']['type']}: {result['error']['message']}")
        sys.modules.pop("corpus_" + stem, None)
        golden = {"file": file, "models": models}
        with open(os.path.join(OUT, stem + ".json"), "w", encoding="utf-8") as f:
            f.write(to_json(golden))
        written += 1
    print(f"wrote {written} goldens to {os.path.relpath(OUT, ROOT)} (PyTorch {torch.__version__})")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main(set(sys.argv[1:]))
