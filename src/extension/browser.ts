// Web (browser extension host) entry: the .wasm files come through the workspace file system API.
import * as vscode from 'vscode';
import { activateConvLens } from './activate';
import type { ConvLensApi } from './ctx';

export function activate(context: vscode.ExtensionContext): Promise<ConvLensApi> {
  return activateConvLens(context, (file) => Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.joinPath(context.extensionUri, 'out', 'wasm', file))));
}

export function deactivate(): void {
  // Everything is owned by the context's subscriptions.
}
