// Web (browser extension host) entry: the .wasm files come through the workspace file system API.
import * as vscode from 'vscode';
import { activateConvLens } from './activate';
import type { ConvLensApi } from './ctx';

export function activate(context: vscode.ExtensionContext): Promise<ConvLensApi> {
  const wasm = (file: string): Promise<Uint8Array> =>
    Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.joinPath(context.extensionUri, 'out', 'wasm', file)));
  return activateConvLens(context, wasm, 'web worker', { env: {}, system: false });
}

export function deactivate(): void {
  // Everything is owned by the context's subscriptions.
}
