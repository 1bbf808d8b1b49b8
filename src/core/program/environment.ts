// Where the user's installed packages are, read from the file system only (no interpreter is run). In order: the
// setting (a python executable, an environment folder or a site-packages folder), the Python extension's chosen
// interpreter, a .venv/venv/env folder in the workspace, $VIRTUAL_ENV, $CONDA_PREFIX, then the system's Python.
import { basename, dirname, joinPath, type FileHost } from './host';

export interface EnvironmentQuery {
  /** convLens.pythonPath / --python-path. */
  setting?: string | undefined;
  /** The Python extension's selected interpreter (an executable path). */
  selectedInterpreter?: string | undefined;
  workspaceRoots?: string[];
  virtualEnv?: string | undefined;
  condaPrefix?: string | undefined;
  /** Look in the system's Python folders too (not in a browser). */
  system?: boolean;
  home?: string | undefined;
}

export interface PythonEnvironment {
  sitePackages: string[];
  /** Where it was found, for the log: "the setting convLens.pythonPath", ".venv in the workspace", ... */
  source: string;
}

export async function findEnvironment(host: FileHost, q: EnvironmentQuery): Promise<PythonEnvironment | undefined> {
  const tries: Array<[string | undefined, string]> = [
    [q.setting, 'the Python path setting'],
    [q.selectedInterpreter, "the Python extension's selected interpreter"],
  ];
  for (const root of q.workspaceRoots ?? []) for (const name of ['.venv', 'venv', 'env']) tries.push([joinPath(root, name), `${name} in the workspace`]);
  tries.push([q.virtualEnv, '$VIRTUAL_ENV'], [q.condaPrefix, '$CONDA_PREFIX']);
  for (const [path, source] of tries) {
    if (!path) continue;
    const found = await sitePackagesOf(host, path);
    if (found.length) return { sitePackages: found, source: `${source} (${path})` };
  }
  if (q.system) {
    const found = await systemSitePackages(host, q.home);
    if (found.length) return { sitePackages: found, source: "the system's Python" };
  }
  return undefined;
}

/** A site-packages folder itself, an environment's folder, or its python executable. */
async function sitePackagesOf(host: FileHost, path: string): Promise<string[]> {
  const p = path.replace(/\/+$/, '');
  const kind = await host.stat(p);
  if (kind === undefined) return [];
  if (kind === 'dir' && /(site|dist)-packages$/.test(p)) return [p];
  // bin/python3 -> the environment's prefix.
  const prefix = kind === 'file' ? dirname(dirname(p)) : p;
  const found: string[] = [];
  for (const lib of ['lib', 'lib64']) {
    for (const name of (await host.readDirectory(joinPath(prefix, lib))).filter((n) => /^python3(\.\d+)?$/.test(n)).sort().reverse()) {
      for (const leaf of ['site-packages', 'dist-packages']) {
        const dir = joinPath(prefix, lib, name, leaf);
        if ((await host.stat(dir)) === 'dir' && !found.includes(dir)) found.push(dir);
      }
    }
  }
  const windows = joinPath(prefix, 'Lib', 'site-packages');
  if ((await host.stat(windows)) === 'dir') found.push(windows);
  // Debian's /usr/bin/python3 keeps its packages in /usr/lib/python3/dist-packages.
  if (kind === 'file' && basename(p).startsWith('python3') && (prefix === '/usr' || prefix === '/usr/local')) found.push(...(await systemSitePackages(host, undefined)).filter((d) => !found.includes(d)));
  return found;
}

async function systemSitePackages(host: FileHost, home: string | undefined): Promise<string[]> {
  const found: string[] = [];
  const add = async (dir: string): Promise<void> => {
    if (!found.includes(dir) && (await host.stat(dir)) === 'dir') found.push(dir);
  };
  if (home) for (const name of (await host.readDirectory(joinPath(home, '.local', 'lib'))).filter((n) => /^python3\.\d+$/.test(n))) await add(joinPath(home, '.local', 'lib', name, 'site-packages'));
  for (const prefix of ['/usr/local', '/usr']) {
    for (const name of (await host.readDirectory(joinPath(prefix, 'lib'))).filter((n) => /^python3(\.\d+)?$/.test(n)).sort().reverse()) {
      await add(joinPath(prefix, 'lib', name, 'dist-packages'));
      await add(joinPath(prefix, 'lib', name, 'site-packages'));
    }
  }
  return found;
}
