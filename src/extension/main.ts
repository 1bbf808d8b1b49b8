// Desktop (Node extension host) entry: the parsers' .wasm files are read from the extension's out/wasm.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { activateConvLens } from './activate';
import type { ConvLensApi } from './ctx';

export function activate(context: vscode.ExtensionContext): Promise<ConvLensApi> {
  const wasmDir = path.join(context.extensionPath, 'out', 'wasm');
  return activateConvLens(context, async (file) => new Uint8Array(await readFile(path.join(wasmDir, file))), 'Node', { env: process.env, system: true });
}

export function deactivate(): void {
  // Everything is owned by the context's subscriptions.
}
