// Activation shared by the desktop (Node) and web entries; only loading the .wasm differs.
import * as vscode from 'vscode';
import { initCore } from '../core';
import { errorMessage } from './convert';
import { type ConvLensApi, Ctx } from './ctx';
import type { Platform } from './programHost';

export type WasmLoader = (file: string) => Promise<Uint8Array>;

/** `host` names the extension host in the log: "Node" (desktop, remote, code-server) or "web worker" (vscode.dev). */
export async function activateConvLens(context: vscode.ExtensionContext, loadWasm: WasmLoader, host: string, platform: Platform): Promise<ConvLensApi> {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Conv Lens', { log: true });
  context.subscriptions.push(log);
  let ctx: Ctx | undefined;
  try {
    await initCore(loadWasm);
    ctx = new Ctx(context, log, platform);
    context.subscriptions.push(ctx);
    ctx.start();
  } catch (error) {
    ctx?.dispose();
    const message = errorMessage(error);
    log.error(`activation failed: ${message}`);
    if (error instanceof Error && error.stack) log.error(error.stack);
    void vscode.window.showErrorMessage(`Conv Lens could not start: ${message}`, 'Show Log').then((choice) => {
      if (choice) log.show();
    });
    throw error;
  }
  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms (${host} extension host, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'} UI, ${vscode.env.appName} ${vscode.version})`);
  const store = ctx.store;
  return { activationMs, analysis: (document) => store.analysis(document) };
}
