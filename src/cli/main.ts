// `conv-lens`: the core for terminals and CI.
import { readFileSync, writeFileSync, readdirSync, statSync, realpathSync } from 'node:fs';
import { join, extname, resolve } from 'node:path';
import { homedir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { initCore, AnalyzedDocument, Program, findEnvironment, parseShapeSpec, parseIpynb, notebookProgram, analysisByCell, type Analysis, type Finding, type ModelReport, type Range } from '../core/index';
import { nodeHost } from './node-host';
import type { Dim } from '../core/dims';
import { formatMacs } from '../core/presentation/numbers';
import { runtimeError } from '../core/presentation/docs';
import { runCommand, type Analyze } from './run';
import { githubAnnotation } from './github';
import { displayPath } from './display-path';
import { startLsp } from './lsp';
import { sarifLog } from './sarif';

const VERSION = '0.1.0';
/** Where the bundle and its README are (out/cli.js and README.md). */
const DOCS_URL = (): string => pathToFileURL(join(__dirname, '..', 'README.md')).href;

const USAGE = `Usage:
  conv-lens run FILE [--model NAME] [--input SHAPE] [--weights F] [--out OUT.safetensors] [--time] ...   (conv-lens run --help)
  conv-lens check [--format text|json|sarif|github] [--input SHAPE | --input NAME=SHAPE]... [--construct NAME=EXPR]... [--python-path P] FILE|FOLDER...
  conv-lens lsp --stdio   (a language server for Neovim, Helix, Zed, JupyterLab, ...)

  Reads PyTorch (.py, Jupyter notebooks .ipynb) and TensorFlow.js / TypeScript (.ts, .js) model files and prints every layer's
  output shape, parameters and mult-adds, and the places where layers do not fit together.

  --input SHAPE        input shape for every model, e.g. 1,3,224,224
  --input NAME=SHAPE   input shape for the model NAME (a class or variable name)
  --construct NAME=EXPR  build model NAME with a Python expression, e.g. "ResNet=ResNet(BasicBlock, [2, 2, 2, 2])"
                       (only needed when the file never instantiates it; nothing is executed)
  --format json        one JSON object on stdout (format in the README); --json is the same
  --format sarif       SARIF 2.1.0 for code scanning
  --format github      GitHub Actions annotations (::error file=...,line=...::message)
  --python-path P      the Python environment whose installed packages (torchvision, timm) imports are read from:
                       a python executable, an environment folder or a site-packages folder (default: .venv, venv
                       or env in the current folder, $VIRTUAL_ENV, $CONDA_PREFIX, then the system's Python)

  The files, and the .py/.ipynb/.ts/.js files under the folders, are one program: imports between them and of
  installed packages are read (never run).

Exit status: 1 if any error was found, 0 otherwise, 2 on usage errors or unreadable files.`;

export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE + '\n');
    return command ? 0 : 2;
  }
  if (command === '--version') {
    io.stdout(`conv-lens ${VERSION}\n`);
    return 0;
  }
  if (command === 'run') {
    await initCore(async (file) => readFileSync(join(__dirname, 'wasm', file)));
    return runCommand(rest, { ...io, readFile: (p) => readFileSync(p), writeFile: (p, b) => writeFileSync(p, b) }, analyzeForRun);
  }
  if (command === 'lsp') return startLsp(rest, __dirname, VERSION, io.stderr);
  if (command !== 'check') {
    io.stderr(`conv-lens: unknown command '${command}'\n\n${USAGE}\n`);
    return 2;
  }
  const parsed = parseCheckArgs(rest);
  if (typeof parsed === 'string') {
    io.stderr(`conv-lens: ${parsed}\n\n${USAGE}\n`);
    return 2;
  }
  await initCore(async (file) => readFileSync(join(__dirname, 'wasm', file)));
  let status = 0;
  const results: Array<{ path: string; analysis: Analysis }> = [];
  const problems: string[] = [];
  const files: string[] = [];
  for (const arg of parsed.files) {
    const found = expandArgument(arg);
    if (typeof found === 'string') {
      problems.push(found);
      io.stderr(`conv-lens: ${found}\n`);
      status = 2;
    } else if (found.explicit && !languageOf(arg)) {
      problems.push(`${arg}: not a Python, TypeScript or JavaScript file`);
      io.stderr(`conv-lens: ${arg}: not a Python, TypeScript or JavaScript file\n`);
      status = 2;
    } else files.push(...found.files);
  }
  const { program, note } = await programFor(parsed.pythonPath);
  for (const path of files) {
    const lang = languageOf(path);
    if (!lang) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const reason = `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      problems.push(reason);
      io.stderr(`conv-lens: ${reason}\n`);
      status = 2;
      continue;
    }
    const analysis = await analyzeFile(program, path, lang, text, { inputs: parsed.inputs, construct: parsed.construct });
    if (note && analysis.notes.some((n) => n.startsWith('not found'))) analysis.notes.push(note);
    results.push({ path, analysis });
    if (status === 0 && analysis.findings.some((f) => f.severity === 'error')) status = 1;
  }
  program.dispose();
  switch (parsed.format) {
    case 'json':
      io.stdout(JSON.stringify({ files: results.map(({ path, analysis }) => fileJSON(path, analysis)) }) + '\n');
      break;
    case 'sarif': {
      const files = results.map(({ path, analysis }) => ({ path, findings: analysis.findings }));
      io.stdout(JSON.stringify(sarifLog(files, { docsUrl: DOCS_URL(), version: VERSION, cwd: process.cwd(), problems }), null, 2) + '\n');
      break;
    }
    case 'github':
      for (const { path, analysis } of results) for (const f of analysis.findings) io.stdout(githubAnnotation(path, f));
      break;
    case 'text':
      for (const { path, analysis } of results) io.stdout(formatPlain(path, analysis));
  }
  return status;
}

/** A file's analysis; a notebook's code cells are one program and its ranges are given per cell. */
async function analyzeFile(program: Program, path: string, lang: string, text: string, options: { inputs: Record<string, Dim[]>; construct: Record<string, string> }): Promise<Analysis> {
  if (!isNotebook(path)) {
    const doc = new AnalyzedDocument(lang, text);
    try {
      return await program.analyze(doc, absolute(path), options);
    } finally {
      doc.dispose();
    }
  }
  const read = parseIpynb(text);
  if ('error' in read) return { language: 'python', models: [], findings: [], sites: [], notes: [read.error] };
  const nb = notebookProgram(read.cells);
  const doc = new AnalyzedDocument('python', nb.text);
  try {
    return analysisByCell(nb, await program.analyze(doc, absolute(path), options));
  } finally {
    doc.dispose();
  }
}

function isNotebook(path: string): boolean {
  return extname(path).toLowerCase() === '.ipynb';
}

/** One program for the whole command: the working folder is the project, the environment gives the packages. */
async function programFor(pythonPath: string | undefined): Promise<{ program: Program; note: string | undefined }> {
  const cwd = absolute(process.cwd());
  const env = await findEnvironment(nodeHost, {
    setting: pythonPath === undefined ? undefined : absolute(pythonPath),
    workspaceRoots: [cwd],
    virtualEnv: process.env['VIRTUAL_ENV'],
    condaPrefix: process.env['CONDA_PREFIX'],
    system: true,
    home: homedir(),
  });
  const note = pythonPath !== undefined && !env
    ? `--python-path ${pythonPath}: no site-packages found there; installed packages are not read`
    : env ? undefined : 'no Python environment found: installed packages are not read (give one with --python-path)';
  return { program: new Program({ host: nodeHost, projectRoots: [cwd], sitePackages: env?.sitePackages ?? [] }), note };
}

function absolute(path: string): string {
  return resolve(path).replace(/\\/g, '/');
}

/** Folders that hold environments, caches and build output, not the project's model code. */
const SKIPPED_FOLDERS = new Set(['node_modules', '__pycache__', 'site-packages', 'dist-packages', '.venv', 'venv', 'env', '.git', 'out', 'build', 'dist']);

/** A file as given, or the model files under a folder (sorted, each real folder once: symlink loops end). */
function expandArgument(arg: string): { files: string[]; explicit: boolean } | string {
  let st;
  try {
    st = statSync(arg);
  } catch (e) {
    return `cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
  if (!st.isDirectory()) return { files: [arg], explicit: true };
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string): void => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      return;
    }
    if (seen.has(real) || seen.size > 10_000) return;
    seen.add(real);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.') || SKIPPED_FOLDERS.has(name)) continue;
      const p = join(dir, name);
      let s;
      try {
        s = statSync(p);
      } catch {
        continue;
      }
      if (s.isDirectory()) walk(p);
      else if (languageOf(p) && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(arg);
  return { files: out, explicit: false };
}

const FORMATS = ['text', 'json', 'sarif', 'github'] as const;
type Format = (typeof FORMATS)[number];

interface CheckArgs {
  format: Format;
  pythonPath: string | undefined;
  inputs: Record<string, Dim[]>;
  construct: Record<string, string>;
  files: string[];
}

function parseCheckArgs(args: string[]): CheckArgs | string {
  const out: CheckArgs = { format: 'text', pythonPath: undefined, inputs: {}, construct: {}, files: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--json') out.format = 'json';
    else if (a === '--python-path' || a.startsWith('--python-path=')) {
      const value = a === '--python-path' ? args[++i] : a.slice('--python-path='.length);
      if (!value) return '--python-path needs a python executable or a site-packages folder';
      out.pythonPath = value;
    }
    else if (a === '--format' || a.startsWith('--format=')) {
      const value = a === '--format' ? args[++i] : a.slice('--format='.length);
      const format = FORMATS.find((f) => f === value);
      if (!format) return `--format needs one of ${FORMATS.join(', ')}${value === undefined ? '' : ` (got '${value}')`}`;
      out.format = format;
    }
    else if (a === '--input' || a.startsWith('--input=')) {
      const value = a === '--input' ? args[++i] : a.slice('--input='.length);
      if (value === undefined) return '--input needs a shape, e.g. --input 1,3,224,224';
      const eq = value.indexOf('=');
      const name = eq >= 0 ? value.slice(0, eq) : '*';
      const shape = parseShapeSpec(eq >= 0 ? value.slice(eq + 1) : value);
      if (!shape || (eq >= 0 && !/^[A-Za-z_][A-Za-z_0-9.]*$/.test(name))) return `invalid --input '${value}': write SHAPE like 1,3,224,224 or NAME=SHAPE`;
      out.inputs[name] = shape;
    } else if (a === '--construct' || a.startsWith('--construct=')) {
      const value = a === '--construct' ? args[++i] : a.slice('--construct='.length);
      const eq = value?.indexOf('=') ?? -1;
      if (value === undefined || eq <= 0) return `--construct needs NAME=EXPR, e.g. --construct "ResNet=ResNet(BasicBlock, [2, 2, 2, 2])"`;
      out.construct[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (a.startsWith('-') && a !== '-') return `unknown option '${a}'`;
    else out.files.push(a);
  }
  if (out.files.length === 0) return 'no files given';
  return out;
}

/** The core's models for `conv-lens run`: same model choice and input-shape rules as `check`. */
export async function analyzeForRun(path: string, text: string, inputs: Record<string, number[]>, construct: Record<string, string> = {}): ReturnType<Analyze> {
  const lang = languageOf(path);
  if (!lang) throw new Error(`${path}: not a Python, TypeScript or JavaScript file`);
  const { program } = await programFor(undefined);
  try {
    const analysis = await analyzeFile(program, path, lang, text, { inputs, construct });
    const errors = analysis.findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) throw new Error(errors.map((f) => formatFinding(path, f)).join(''));
    return { models: analysis.models.map((m) => ({ name: m.name, graph: m.graph, input: m.input, instantiated: m.instantiated, needsArguments: m.needsArguments === true, unknownBecause: m.outputUnknown?.reason })) };
  } finally {
    program.dispose();
  }
}

function languageOf(path: string): string | undefined {
  switch (extname(path).toLowerCase()) {
    case '.py':
    case '.pyw':
      return 'python';
    case '.ts':
    case '.mts':
    case '.cts':
      return 'typescript';
    case '.js':
    case '.mjs':
    case '.cjs':
      return 'javascript';
    case '.tsx':
      return 'typescriptreact';
    case '.jsx':
      return 'javascriptreact';
    case '.ipynb':
      return 'python';
    default:
      return undefined;
  }
}

function fileJSON(path: string, a: Analysis) {
  return {
    path,
    models: a.models.map((m) => ({
      name: m.name,
      ...cellOf(m.range),
      line: m.range.start.line + 1,
      input: m.input.length === 1 ? m.input[0] : m.input,
      inputSource: m.inputSource,
      ...(m.inputFrom !== undefined ? { inputFrom: m.inputFrom } : {}),
      output: m.output,
      params: m.totalParams,
      macs: m.totalMacs,
      accepts: m.accepts,
      instantiated: m.instantiated,
      ...(m.outputUnknown ? { outputUnknown: m.outputUnknown.reason } : {}),
      layers: m.layers.map((l) => ({ name: l.name, type: l.type, ...cellOf(l.range), line: l.range.start.line + 1, ...(l.range.file !== undefined ? { file: l.range.file } : {}), output: l.output, params: l.params, macs: l.macs, ...(l.composite ? { composite: true } : {}) })),
    })),
    diagnostics: a.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      ...cellOf(f.range),
      line: f.range.start.line + 1,
      column: f.range.start.character + 1,
      endLine: f.range.end.line + 1,
      endColumn: f.range.end.character + 1,
      message: f.message,
      ...(f.pytorchError !== undefined ? { pytorchError: f.pytorchError } : {}),
      ...(f.tfjsError !== undefined ? { tfjsError: f.tfjsError } : {}),
      ...(f.related.length ? { related: f.related.map((r) => ({ ...(r.range.file !== undefined ? { file: r.range.file } : {}), ...cellOf(r.range), line: r.range.start.line + 1, column: r.range.start.character + 1, message: r.message })) } : {}),
    })),
    notes: a.notes,
  };
}

/** A notebook's cell, 1-based counting every cell as Jupyter's "Cell 3 of 5" does. */
function cellOf(r: Range): { cell?: number } {
  return r.cell === undefined ? {} : { cell: r.cell + 1 };
}

function shapeText(s: ReadonlyArray<number | string> | null): string {
  return s ? `[${s.join(', ')}]` : '?';
}

const SOURCE_TEXT: Record<ModelReport['inputSource'], string> = {
  explicit: 'from --input',
  comment: 'from the shape comment',
  example: 'from the example call in the file',
  data: 'from the data pipeline',
  default: 'default',
  symbolic: 'symbolic: no input shape in the file',
};

function formatPlain(path: string, a: Analysis): string {
  let out = '';
  // A class nothing in the file builds is a block of the models the file builds, not a model beside them.
  const builds = a.models.some((m) => m.instantiated);
  for (const m of a.models) {
    if (builds && !m.instantiated) continue;
    out += `\n${path}:${cellText(m.range)}${m.range.start.line + 1}: ${m.name}  input ${m.input.map((s) => shapeText(s)).join(', ')} (${m.inputFrom !== undefined ? `from ${m.inputFrom}` : SOURCE_TEXT[m.inputSource]})\n`;
    const rows = m.layers.map((l) => [`${l.name || m.name} (${l.type})`, shapeText(l.output), l.params === null ? '?' : l.params.toLocaleString('en-US'), l.macs === null ? '?' : l.macs.toLocaleString('en-US')]);
    const header = ['Layer (type)', 'Output Shape', 'Param #', 'Mult-Adds'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (r: string[]) => r.map((c, i) => (i >= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd() + '\n';
    const rule = '-'.repeat(widths.reduce((s, w) => s + w + 3, -3)) + '\n';
    out += rule + line(header) + rule;
    for (const r of rows) out += line(r);
    out += rule;
    out += `Output: ${m.output || !m.outputUnknown ? shapeText(m.output) : `? (${m.outputUnknown.reason})`}   Total params: ${m.totalParams === null ? '?' : m.totalParams.toLocaleString('en-US')}   Mult-adds: ${m.totalMacs === null ? '?' : formatMacs(m.totalMacs)}\n`;
    for (const acc of m.accepts) out += `Accepts: ${acc}\n`;
  }
  if (a.findings.length) out += '\n';
  for (const f of a.findings) out += formatFinding(path, f);
  for (const n of a.notes) out += `${path}: note: ${n}\n`;
  return out;
}

function where(path: string, r: Range): string {
  return `${r.file === undefined ? path : displayPath(r.file)}:${cellText(r)}${r.start.line + 1}:${r.start.character + 1}`;
}

function cellText(r: Range): string {
  return r.cell === undefined ? '' : `cell ${r.cell + 1}:`;
}

function formatFinding(path: string, f: Finding): string {
  let s = `${where(path, f.range)}: ${f.severity} ${f.code}: ${f.message}\n`;
  const raised = runtimeError(f);
  if (raised) s += `    ${raised}\n`;
  for (const r of f.related) s += `    ${where(path, r.range)}: ${r.message}\n`;
  return s;
}

if (require.main === module) {
  main(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`conv-lens: internal error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
