// The program's file access in both extension hosts: vscode.workspace.fs (so the web extension reads the
// workspace too), with open documents' unsaved text given to the program as overlays. Read-only.
import * as vscode from 'vscode';
import { findEnvironment, type FileHost, type PythonEnvironment } from '../core';

/** Program paths are URI paths; files keep the scheme and authority of the workspace they belong to. */
export function uriForPath(path: string, like: vscode.Uri | undefined): vscode.Uri {
  const base = like ?? vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('/');
  return base.with({ path, query: '', fragment: '' });
}

export function workspaceHost(like: () => vscode.Uri | undefined): FileHost {
  const decoder = new TextDecoder('utf-8');
  return {
    async readFile(path) {
      try {
        return decoder.decode(await vscode.workspace.fs.readFile(uriForPath(path, like())));
      } catch {
        return undefined;
      }
    },
    async stat(path) {
      try {
        const s = await vscode.workspace.fs.stat(uriForPath(path, like()));
        return s.type & vscode.FileType.Directory ? 'dir' : s.type & vscode.FileType.File ? 'file' : undefined;
      } catch {
        return undefined;
      }
    },
    async readDirectory(path) {
      try {
        return (await vscode.workspace.fs.readDirectory(uriForPath(path, like()))).map(([name]) => name);
      } catch {
        return [];
      }
    },
  };
}

/** What the extension host can tell about the machine: only the Node host has environment variables and system folders. */
export interface Platform {
  env: Record<string, string | undefined>;
  system: boolean;
}

interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath?(resource?: vscode.Uri): { path: string } | undefined };
}

/** The Python extension's selected interpreter, through its public API (nothing is run). */
async function selectedInterpreter(log: vscode.LogOutputChannel): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    return api?.environments?.getActiveEnvironmentPath?.(vscode.workspace.workspaceFolders?.[0]?.uri)?.path;
  } catch (error) {
    log.debug(`the Python extension did not say its interpreter: ${String(error)}`);
    return undefined;
  }
}

export async function findPythonEnvironment(host: FileHost, setting: string, platform: Platform, log: vscode.LogOutputChannel): Promise<PythonEnvironment | undefined> {
  return findEnvironment(host, {
    setting: setting || undefined,
    selectedInterpreter: await selectedInterpreter(log),
    workspaceRoots: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.path),
    virtualEnv: platform.env['VIRTUAL_ENV'],
    condaPrefix: platform.env['CONDA_PREFIX'],
    system: platform.system,
    home: platform.env['HOME'],
  });
}
