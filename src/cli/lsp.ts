// `conv-lens lsp --stdio`: the language server on this process's stdin/stdout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { initCore } from '../core/index';
import { startLanguageServer } from '../lsp/server';

export const LSP_USAGE = 'usage: conv-lens lsp --stdio   (the Language Server Protocol on stdin/stdout; see the README for editor set-up)';

/** `bundleDir` is where out/cli.js lives: the parsers' .wasm files are beside it, the README one level up. */
export async function startLsp(args: string[], bundleDir: string, version: string, stderr: (s: string) => void): Promise<number> {
  if (args.length !== 1 || args[0] !== '--stdio') {
    stderr(`${LSP_USAGE}\n`);
    return 2;
  }
  await initCore(async (file) => readFileSync(join(bundleDir, 'wasm', file)));
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  startLanguageServer(connection, { docsUrl: pathToFileURL(join(bundleDir, '..', 'README.md')).href, version });
  return 0;
}
