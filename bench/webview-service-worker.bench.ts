// Why a new preview panel takes about a second longer in code-server than its page needs: code-server's own
// webview service worker (its real service-worker.js and fake.html, read from the installed code-server), loaded
// by a host page that does what code-server's webview host (pre/index.html) does before it loads a panel:
// register `service-worker.js?…&id=<webview id>`, wait until it controls the page and answers 'version', then load
// fake.html under it. Timed in Debian's Chromium two ways, in alternation:
// - shared scope: every webview under one path, as code-server serves them from its own origin. Each new webview
//   registers a new script URL in the scope, so its worker replaces the running one of the webview before.
// - own scope: each webview under a path of its own, as desktop VS Code (and vscode.dev) give every webview an
//   origin of its own.
// `npm run build && node out/bench/webview-service-worker.bench.js [--rounds N]`
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { codeServerEntry } from '../test/e2e/codeServer';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] ?? 6) || 6;
const pre = join(dirname(codeServerEntry()), '..', '..', 'lib', 'vscode', 'out', 'vs', 'workbench', 'contrib', 'webview', 'browser', 'pre');
const files: Record<string, { type: string; body: Buffer }> = {
  'service-worker.js': { type: 'text/javascript', body: readFileSync(join(pre, 'service-worker.js')) },
  'fake.html': { type: 'text/html', body: readFileSync(join(pre, 'fake.html')) },
};

// pre/index.html's `workerReady`, then its 'content' step (an iframe on fake.html); posts the times to the parent.
const host = `<!doctype html><meta charset="utf-8"><script>
const id = new URLSearchParams(location.search).get('id');
const t0 = performance.now();
const swPath = 'service-worker.js?v=4&vscode-resource-base-authority=vscode-resource.vscode-cdn.net&id=' + id + '&remoteAuthority=';
const ready = new Promise((resolve) => navigator.serviceWorker.register(swPath).then(() => {
  navigator.serviceWorker.addEventListener('message', (e) => { if (e.data.channel === 'version') resolve(); });
  const ask = () => navigator.serviceWorker.controller.postMessage({ channel: 'version' });
  if (navigator.serviceWorker.controller?.scriptURL.endsWith(swPath)) ask();
  else navigator.serviceWorker.addEventListener('controllerchange', ask, { once: true });
}));
ready.then(() => {
  const readyMs = performance.now() - t0;
  const frame = document.createElement('iframe');
  frame.onload = () => parent.postMessage({ ready: readyMs, loaded: performance.now() - t0 }, '*');
  frame.src = './fake.html?id=' + id;
  document.body.appendChild(frame);
});
</script>`;

interface Times { ready: number; loaded: number }

async function main(): Promise<void> {
  const server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.split('/').pop() ?? '';
    const file = name === 'index.html' ? { type: 'text/html', body: Buffer.from(host) } : files[name];
    if (!file) { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html>'); return; }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
    res.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium' });
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/workbench`);
    // A webview: its host page in an iframe, as the workbench makes one; the one before it stays open.
    const open = (path: string): Promise<Times> => page.evaluate((src) => new Promise<Times>((resolve) => {
      const frame = document.createElement('iframe');
      addEventListener('message', function onTimes(e) {
        if (e.source !== frame.contentWindow) return;
        removeEventListener('message', onTimes);
        resolve(e.data as Times);
      });
      frame.src = src;
      document.body.appendChild(frame);
    }), path);
    const shared: Times[] = [], own: Times[] = [];
    // The first webview of each kind has no worker before it to replace: not counted.
    await open(`/shared/index.html?id=first`);
    for (let i = 0; i < rounds; i++) {
      shared.push(await open(`/shared/index.html?id=${i}`));
      own.push(await open(`/own-${i}/index.html?id=${i}`));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const line = (label: string, ts: Times[]): string =>
      `${label}: worker ready ${median(ts.map((t) => t.ready)).toFixed(0)} ms, fake.html loaded under it ${median(ts.map((t) => t.loaded)).toFixed(0)} ms (${ts.map((t) => t.loaded.toFixed(0)).join(', ')}) after the host page started`;
    console.log(`code-server ${pre}: its webview service worker, ${rounds} new webviews each way, in alternation (medians)`);
    console.log(line('shared scope (code-server: one origin for every webview)', shared));
    console.log(line('own scope (desktop VS Code, vscode.dev: an origin per webview)', own));
  } finally {
    await browser.close();
    server.close();
  }
}

void main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
