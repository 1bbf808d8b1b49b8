// Turns a module name into a file by Python's rules: the importing script's folder and the project's roots first,
// then the environment's site-packages. Resolution is synchronous over the file cache; a path not read yet makes
// the answer 'pending', and the program reads it before the next round.
import type { FileCache } from './file-cache';
import { dirname, joinPath } from './host';

export interface ResolvedModule {
  /** Dotted name, as the importing code wrote it (made absolute for relative imports when known). */
  name: string;
  /** The module's source: `x.py`, or a package's `__init__.py`; undefined for a namespace package. */
  file: string | undefined;
  /** A package's folder, where its submodules are. */
  dir: string | undefined;
}

export type Resolution =
  | { kind: 'module'; module: ResolvedModule }
  | { kind: 'pending' }
  /** Known to Conv Lens without reading it (torch), or holds no model code (numpy): not read. `name` is absolute. */
  | { kind: 'external'; name: string }
  | { kind: 'missing'; why: string };

/**
 * Packages Conv Lens models itself (torch, torchvision's datasets and transforms) or that hold no model code (numpy,
 * PIL, ...): never read from the environment, so their names stay what the interpreter knows them as. A dotted entry
 * covers that module and its submodules only (torchvision.models is still read).
 */
const NOT_READ = new Set([
  'torch', 'numpy', 'math', 'collections', 'functools', 'typing', 'typing_extensions', 'argparse', 'types', 'dataclasses',
  'os', 'sys', 'warnings', 'enum', 'copy', 'itertools', 'operator', 'abc', 'logging', 'json', 're', 'random', 'time',
  'einops', 'torchsummary', 'torchinfo', 'PIL', 'cv2', 'scipy', 'pandas', 'matplotlib', 'sklearn', 'tqdm', 'wandb',
  'tensorboard', 'tensorboardX', 'onnx', 'onnxruntime', 'IPython', 'requests', 'yaml', 'tensorflow', 'jax', 'keras',
  'pytorch_lightning', 'lightning', 'accelerate', 'transformers', 'safetensors', 'h5py', 'skimage', 'imageio', 'urllib',
  'pathlib', 'inspect', 'contextlib', 'weakref', 'pickle', 'io', 'glob', 'shutil', 'subprocess', 'threading',
  'multiprocessing', 'builtins', '__future__', 'torchvision.datasets', 'torchvision.transforms',
]);

/** Whether a dotted module name is, or is inside, one of the NOT_READ entries. */
export function isNotRead(name: string): boolean {
  const parts = name.split('.');
  for (let i = 1; i <= parts.length; i++) if (NOT_READ.has(parts.slice(0, i).join('.'))) return true;
  return false;
}

export class ImportResolver {
  constructor(
    private readonly cache: FileCache,
    /** Folders searched for absolute imports, in order (script folder, project roots, then site-packages). */
    private readonly roots: readonly string[],
  ) {}

  resolveAbsolute(name: string): Resolution {
    const parts = name.split('.');
    const top = parts[0] ?? '';
    if (isNotRead(name)) return { kind: 'external', name };
    let namespace: ResolvedModule | undefined;
    let first: ResolvedModule | undefined;
    for (const root of this.roots) {
      const r = this.lookIn(root, top, top);
      if (r === 'pending') return { kind: 'pending' };
      if (!r) continue;
      if (r.file === undefined) {
        namespace ??= r;
        continue;
      }
      first = r;
      break;
    }
    const start = first ?? namespace;
    if (!start) return { kind: 'missing', why: `no module named '${top}' in ${this.roots.length ? this.roots.join(', ') : 'any search path'}` };
    return this.descend(start, parts.slice(1));
  }

  /** `from ..ops import misc` in `fromFile`: level 2, name 'ops'. */
  resolveRelative(level: number, name: string, fromFile: string | undefined): Resolution {
    if (!fromFile) return { kind: 'missing', why: 'a relative import in a file that has no folder' };
    let dir = dirname(fromFile);
    for (let i = 1; i < level; i++) dir = dirname(dir);
    const base: ResolvedModule = { name: this.packageName(dir), file: undefined, dir };
    return name ? this.descend(base, name.split('.')) : { kind: 'module', module: this.packageAt(dir, base.name) ?? base };
  }

  /**
   * The dotted name of the package in `dir`, from the innermost search folder that holds it ('' when that is the
   * folder itself or none does): `from ..transforms import x` in torchvision/models/resnet.py is
   * torchvision.transforms, which Conv Lens models without reading it.
   */
  private packageName(dir: string): string {
    let best: string | undefined;
    for (const r of this.roots) {
      const root = r.endsWith('/') ? r.slice(0, -1) : r;
      if ((dir === root || dir.startsWith(`${root}/`)) && (best === undefined || root.length > best.length)) best = root;
    }
    if (best === undefined || best === dir) return '';
    const parts = dir.slice(best.length + 1).split('/');
    return parts.every((p) => /^[A-Za-z_]\w*$/.test(p)) ? parts.join('.') : '';
  }

  /** A submodule of a package (`pkg.sub`), when the package's folder has one. */
  submodule(parent: ResolvedModule, part: string): Resolution {
    return this.descend(parent, [part]);
  }

  private descend(start: ResolvedModule, rest: string[]): Resolution {
    let cur = start;
    for (let i = 0; i < rest.length; i++) {
      const part = rest[i] as string;
      if (cur.name && isNotRead(`${cur.name}.${part}`)) return { kind: 'external', name: [cur.name, ...rest.slice(i)].join('.') };
      if (!cur.dir) return { kind: 'missing', why: `${cur.name} is a module, not a package: it has no submodule ${part}` };
      const r = this.lookIn(cur.dir, part, cur.name ? `${cur.name}.${part}` : part);
      if (r === 'pending') return { kind: 'pending' };
      if (!r) return { kind: 'missing', why: `no module named '${cur.name ? `${cur.name}.` : ''}${part}'` };
      cur = r;
    }
    return { kind: 'module', module: cur };
  }

  private packageAt(dir: string, name: string): ResolvedModule | undefined {
    const init = joinPath(dir, '__init__.py');
    return this.cache.kind(init) === 'file' ? { name, file: init, dir } : undefined;
  }

  /** `name` in one folder: a package (folder with __init__.py), a module (name.py), or a namespace package. */
  private lookIn(dir: string, part: string, dotted: string): ResolvedModule | undefined | 'pending' {
    const pkg = joinPath(dir, part);
    const init = joinPath(pkg, '__init__.py');
    const mod = `${pkg}.py`;
    const kInit = this.cache.kind(init);
    const kMod = this.cache.kind(mod);
    const kPkg = this.cache.kind(pkg);
    if (kInit === undefined || kMod === undefined || kPkg === undefined) return 'pending';
    if (kInit === 'file') return { name: dotted, file: init, dir: pkg };
    if (kMod === 'file') return { name: dotted, file: mod, dir: undefined };
    if (kPkg === 'dir') return { name: dotted, file: undefined, dir: pkg };
    return undefined;
  }
}
