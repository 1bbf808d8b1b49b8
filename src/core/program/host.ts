// The one way the program reads files: Node's fs for the CLI, vscode.workspace.fs in the extension hosts,
// a Map in tests. The core never touches a file system itself. Paths are '/'-separated and absolute.

export type EntryKind = 'file' | 'dir';

export interface FileHost {
  /** The file's text (decoded as UTF-8), or undefined when it does not exist or cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** 'file', 'dir', or undefined when nothing is there (or it cannot be read). */
  stat(path: string): Promise<EntryKind | undefined>;
  /** Names in a folder ([] when it cannot be read). */
  readDirectory(path: string): Promise<string[]>;
}

/** A host over an in-memory map of files (tests, and the CLI's --construct snippets). */
export function memoryHost(files: Record<string, string>): FileHost {
  const dirs = new Set<string>();
  for (const p of Object.keys(files)) for (let d = dirname(p); d !== '/' && !dirs.has(d); d = dirname(d)) dirs.add(d);
  dirs.add('/');
  return {
    readFile: async (p) => files[p],
    stat: async (p) => (files[p] !== undefined ? 'file' : dirs.has(p) ? 'dir' : undefined),
    readDirectory: async (p) => {
      const prefix = p.endsWith('/') ? p : `${p}/`;
      const names = new Set<string>();
      for (const f of [...Object.keys(files), ...dirs]) if (f.startsWith(prefix) && f.length > prefix.length) names.add(f.slice(prefix.length).split('/')[0] ?? '');
      return [...names];
    },
  };
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, ...parts: string[]): string {
  let out = dir;
  for (const p of parts) out = out.endsWith('/') ? `${out}${p}` : `${out}/${p}`;
  return out;
}
