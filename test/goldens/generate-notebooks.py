#!/usr/bin/env python3
"""Goldens for the notebooks in test/notebooks/: what real PyTorch does when a kernel runs their code cells top to bottom.

Each notebook runs in its own Python process. Its code cells run in order in one namespace (markdown and raw cells are
not code), with IPython syntax skipped as Conv Lens skips it: a cell that starts with a cell magic is not run, except `%%time`
and `%%capture`, whose body runs (the magic's line blanked); a line that is a magic (`%matplotlib inline`, `x = %time f()`), a shell escape (`!pip install`, `files = !ls`) or
help (`model?`) is blanked (`pass` when indented). Every cell is compiled under the name `<cell N>` (N 1-based,
counting every cell as Jupyter's "Cell 3 of 5"), so frames give the cell and the line within it.

Recorded, per built-in leaf module built in a cell: its type, the cell and line it was constructed on, and the output
shapes of its calls (none when it failed or never ran); the torch.Size values expression statements gave (what a cell shows: `conv(x).unsqueeze(0).shape`); and the first error (as "Run All" stops there): PyTorch's message and the cell and line of the innermost frame
in a cell.

Run: /usr/bin/python3 test/goldens/generate-notebooks.py   (PyTorch from Debian's python3-torch)
"""
import ast
import contextlib
import io
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = os.path.join(ROOT, "test", "notebooks")
OUT = os.path.join(ROOT, "test", "goldens", "notebooks")

# The same line rules as src/core/notebook.ts blankIPython.
MAGIC_OR_SHELL = re.compile(r"^[%!]")
ASSIGNED = re.compile(r"^[A-Za-z_][\w.]*\s*=\s*[%!]")
HELP_AFTER = re.compile(r"^[A-Za-z_][\w.]*(\(\))?\?\??$")
HELP_BEFORE = re.compile(r"^\?\??[A-Za-z_]")


def blank(source):
    if re.match(r"^\s*%%", source) and not re.match(r"^(\s*\n)?%%(time|capture)(\s|$)", source):
        return None
    lines = []
    for line in source.split("\n"):
        m = re.match(r"^(\s*)(.*?)\s*$", line)
        indent, body = m.group(1), m.group(2)
        if MAGIC_OR_SHELL.match(body) or ASSIGNED.match(body) or HELP_AFTER.match(body) or HELP_BEFORE.match(body):
            lines.append(indent + "pass" if indent else "")
        else:
            lines.append(line)
    return "\n".join(lines)


def cell_of(filename):
    m = re.fullmatch(r"<cell (\d+)>", filename)
    return int(m.group(1)) if m else None


def innermost_cell_frame(frame):
    while frame is not None:
        cell = cell_of(frame.f_code.co_filename)
        if cell is not None:
            return cell, frame.f_lineno
        frame = frame.f_back
    return None, None


def run_one(path):
    import torch
    import torch.nn as nn

    notebook = json.load(open(path, encoding="utf-8"))
    modules = {}
    keep = []
    original = nn.Module.__init__

    def init(module, *args, **kwargs):
        original(module, *args, **kwargs)
        if id(module) not in modules:
            cell, line = innermost_cell_frame(sys._getframe(1))
            modules[id(module)] = {"type": type(module).__name__, "cell": cell, "line": line, "outputs": []}
            keep.append(module)

    def hook(module, inputs, output):
        entry = modules.get(id(module))
        if entry is None or not type(module).__module__.startswith("torch.nn.") or next(module.children(), None) is not None:
            return
        shape = [int(d) for d in output.shape] if isinstance(output, torch.Tensor) else None
        if shape not in entry["outputs"]:
            entry["outputs"].append(shape)

    nn.Module.__init__ = init
    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    # IPython's display() is a builtin of the kernel; its output does not matter here.
    namespace = {"__name__": "__main__", "display": lambda *args, **kwargs: None}
    shown = []
    error = None
    torch.manual_seed(0)
    try:
        for index, cell in enumerate(notebook["cells"]):
            if cell.get("cell_type") != "code" or error is not None:
                continue
            source = cell.get("source", "")
            source = source if isinstance(source, str) else "".join(s for s in source if isinstance(s, str))
            code = blank(source.replace("\r\n", "\n"))
            if code is None:
                continue
            name = f"<cell {index + 1}>"
            for statement in ast.parse(code, filename=name).body:
                compiled = compile(ast.Module(body=[statement], type_ignores=[]), name, "exec")
                try:
                    with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
                        if isinstance(statement, ast.Expr):
                            value = eval(compile(ast.Expression(body=statement.value), name, "eval"), namespace)
                            # The shape a cell shows (an expression statement: the last one is displayed).
                            if isinstance(value, torch.Size):
                                shown.append({"cell": index + 1, "line": statement.lineno, "shape": [int(d) for d in value]})
                        else:
                            exec(compiled, namespace)
                except Exception as exc:
                    tb, where = exc.__traceback__, (None, None)
                    while tb is not None:
                        cell_number = cell_of(tb.tb_frame.f_code.co_filename)
                        if cell_number is not None:
                            where = (cell_number, tb.tb_lineno)
                        tb = tb.tb_next
                    error = {"type": type(exc).__name__, "message": str(exc), "cell": where[0], "line": where[1]}
                    break
    finally:
        nn.Module.__init__ = original
        handle.remove()
    leaves = [m for module, m in zip(keep, modules.values())
              if type(module).__module__.startswith("torch.nn.") and next(module.children(), None) is None]
    return {"modules": leaves, "error": error, "shown": shown}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2])))
        return
    os.makedirs(OUT, exist_ok=True)
    problems = []
    for name in sorted(os.listdir(NOTEBOOKS)):
        if not name.endswith(".ipynb"):
            continue
        out = subprocess.run([sys.executable, __file__, "--one", os.path.join(NOTEBOOKS, name)], capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"})
        if out.returncode != 0:
            problems.append(f"{name}: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else 'failed'}")
            continue
        with open(os.path.join(OUT, name.replace(".ipynb", ".json")), "w", encoding="utf-8") as f:
            f.write(json.dumps(json.loads(out.stdout), indent=2, sort_keys=True) + "\n")
    if problems:
        sys.exit("\n".join(problems))


if __name__ == "__main__":
    main()
