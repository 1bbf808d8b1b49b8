// `npm start`: code-server with the freshly built extension loaded from this checkout (as an extension under
// development, so a window reload picks up a rebuild), on examples/. Prints the URL; Ctrl+C stops it.
// PORT (default 8080) and HOST (default 127.0.0.1) choose where it listens.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort, prepareUserData, startCodeServer } from './codeServer';

async function main(): Promise<void> {
  const folder = join(ROOT, 'examples');
  if (!existsSync(join(ROOT, 'out', 'extension.js'))) throw new Error('out/extension.js is missing: run npm run build first.');
  const state = join(ROOT, '.cache', 'start');
  const userData = join(state, 'user-data');
  if (!existsSync(join(userData, 'User', 'settings.json'))) prepareUserData(userData);
  mkdirSync(join(state, 'extensions'), { recursive: true });
  const host = process.env['HOST'] ?? '127.0.0.1';
  const wanted = Number(process.env['PORT'] ?? 8080);
  const port = await new Promise<number>((resolve) => {
    // Fall back to a free port when the usual one is taken (another engineer's server, say).
    import('node:net').then(({ createServer }) => {
      const probe = createServer();
      probe.once('error', () => void freePort().then(resolve));
      probe.listen(wanted, host, () => probe.close(() => resolve(wanted)));
    });
  });
  const server = await startCodeServer({
    userDataDir: userData, extensionsDir: join(state, 'extensions'), folder, logFile: join(state, 'code-server.log'), host, port,
  });
  const remote = `vscode-remote://${new URL(server.url).host}`;
  const payload = JSON.stringify([['extensionDevelopmentPath', `${remote}${ROOT}`]]);
  console.log(`Conv Lens (dev build from ${ROOT}) in code-server on ${folder}:\n\n  ${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}\n`);
  console.log(`Rebuild with \`npm run build\`, then run "Developer: Reload Window". Server log: ${join(state, 'code-server.log')}. Ctrl+C stops.`);
  const stop = (): void => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.process.once('exit', (code) => {
    console.error(`code-server exited (${code ?? 'signal'})`);
    process.exit(1);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
