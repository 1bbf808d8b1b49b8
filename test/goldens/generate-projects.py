#!/usr/bin/env python3
"""Goldens for the multi-file fixture projects in test/projects/ (manifest.json there).

Each entry's file runs in its own Python process, with the project's folder first on sys.path as when a user runs
`python FILE` there. Its top-level statements run one at a time until the model exists (a failing example call after
that is the bug the entry is about); then the model runs on torch.randn(input) with forward hooks on every built-in
leaf module, recording its qualified name, type, output shape, and where it was constructed: the innermost frame in a
project file (file relative to the project, line), and the line of the entry's own file that led to it (the line a
finding must be reported on). Errors are recorded with PyTorch's message.

Run: /usr/bin/python3 test/goldens/generate-projects.py   (PyTorch from Debian's python3-torch)
"""
import ast
import contextlib
import io
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROJECTS = os.path.join(ROOT, "test", "projects")
OUT = os.path.join(ROOT, "test", "goldens", "projects")


def run_one(entry):
    import torch
    import torch.nn as nn

    project = os.path.join(PROJECTS, entry["project"])
    path = os.path.join(project, entry["file"])
    sys.path.insert(0, project)
    os.chdir(project)
    built = {}
    keep = []
    original = nn.Module.__init__

    def init(module, *args, **kwargs):
        original(module, *args, **kwargs)
        frame = sys._getframe(1)
        where, main_line = None, None
        while frame is not None:
            name = frame.f_code.co_filename
            if where is None and name.startswith(project + os.sep):
                where = (os.path.relpath(name, project), frame.f_lineno)
            if main_line is None and name == path:
                main_line = frame.f_lineno
            frame = frame.f_back
        if id(module) not in built:
            built[id(module)] = (where, main_line)
            keep.append(module)

    nn.Module.__init__ = init
    namespace = {"__name__": "__main__", "__file__": path}
    tree = ast.parse(open(path, encoding="utf-8").read(), filename=path)
    try:
        for statement in tree.body:
            code = compile(ast.Module(body=[statement], type_ignores=[]), path, "exec")
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(code, namespace)
            except Exception:
                if entry["model"] in namespace:
                    break
                raise
    finally:
        nn.Module.__init__ = original
    model = namespace[entry["model"]]
    model.eval()
    names = {id(m): n for n, m in model.named_modules()}
    layers, running = [], []
    for module in model.modules():
        if type(module).__module__.startswith("torch.nn.") and next(module.children(), None) is None:
            def pre(m, inputs):
                running.append(m)

            def post(m, inputs, output):
                running.pop()
                where, _ = built.get(id(m), (None, None))
                layers.append({"name": names[id(m)], "type": type(m).__name__,
                               "output": [int(d) for d in output.shape] if isinstance(output, torch.Tensor) else None,
                               "file": where[0] if where else None, "line": where[1] if where else None})

            module.register_forward_pre_hook(pre)
            module.register_forward_hook(post)
    result = {"model": entry["model"], "input": entry["input"], "params": sum(p.numel() for p in model.parameters()),
              "layers": layers, "output": None, "error": None}
    torch.manual_seed(0)
    try:
        with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
            y = model(torch.randn(entry["input"]))
        result["output"] = [int(d) for d in y.shape]
    except Exception as exc:
        failing = running[-1] if running else None
        result["error"] = {"type": type(exc).__name__, "message": str(exc),
                           "layer": names.get(id(failing)) if failing is not None else None,
                           "line": built.get(id(failing), (None, None))[1] if failing is not None else None}
    return result


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        entry = json.loads(sys.argv[2])
        print(json.dumps(run_one(entry)))
        return
    manifest = json.load(open(os.path.join(PROJECTS, "manifest.json"), encoding="utf-8"))
    os.makedirs(OUT, exist_ok=True)
    problems = []
    for entry in manifest:
        out = subprocess.run([sys.executable, __file__, "--one", json.dumps(entry)], capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"})
        if out.returncode != 0:
            problems.append(f"{entry['project']}: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else 'failed'}")
            continue
        result = json.loads(out.stdout)
        if "bugLine" in entry:
            if result["error"] is None:
                problems.append(f"{entry['project']}: expected an error on line {entry['bugLine']}, PyTorch ran it")
            elif result["error"]["line"] != entry["bugLine"]:
                problems.append(f"{entry['project']}: PyTorch fails at line {result['error']['line']}, not {entry['bugLine']}")
        elif result["error"] is not None:
            problems.append(f"{entry['project']}: {result['error']['message']}")
        name = f"{entry['project']}__{os.path.splitext(entry['file'])[0]}.json"
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            f.write(json.dumps(result, indent=2, sort_keys=True) + "\n")
    if problems:
        sys.exit("\n".join(problems))


if __name__ == "__main__":
    main()
