// Why a new preview panel takes about a second longer than its page needs: code-server's own webview service worker
// (its real service-worker.js and fake.html, read from the installed code-server), loaded by a host page that does
// what the workbench's webview host (pre/index.html) does before it loads a panel: register
// `service-worker.js?…&id=<webview id>` in its scope, wait until that worker controls the page and answers
// 'version', then load fake.html under it. Each new webview's script URL is new, so its worker replaces the one
// already registered in the scope, which controls the new host page as it loads. Timed in Debian's Chromium three
// ways, in alternation:
// - another webview still open in the scope: code-server serves every webview from one origin, so any other
//   extension's or panel's webview counts;
// - the webview before it closed first (no other page in the scope): a panel closed and opened again. Desktop VS
//   Code gives a panel an origin kept per view type and extension, so its panels share a scope in the same way;
// - a scope with no worker registered yet: the first webview an origin ever has;
// - a scope whose worker has the very script URL the new webview registers: what a host that kept one script URL per
//   scope (the webview id sent in a message instead) would give every webview after the first.
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
    // A webview: its host page in an iframe, as the workbench makes one; `alone`: every other one closed first.
    const open = (path: string, alone = false): Promise<Times> => page.evaluate(([src, closeOthers]) => new Promise<Times>((resolve) => {
      if (closeOthers) for (const other of document.querySelectorAll('iframe')) other.remove();
      const frame = document.createElement('iframe');
      addEventListener('message', function onTimes(e) {
        if (e.source !== frame.contentWindow) return;
        removeEventListener('message', onTimes);
        resolve(e.data as Times);
      });
      frame.src = src as string;
      document.body.appendChild(frame);
    }), [path, alone] as const);
    const withOther: Times[] = [], closed: Times[] = [], fresh: Times[] = [], kept: Times[] = [];
    // The shared scopes' first webviews have no worker before them to replace: not counted.
    await open(`/shared/index.html?id=first`);
    await open(`/kept/index.html?id=kept`);
    for (let i = 0; i < rounds; i++) {
      kept.push(await open(`/kept/index.html?id=kept`));
      withOther.push(await open(`/shared/index.html?id=open-${i}`));
      closed.push(await open(`/shared/index.html?id=closed-${i}`, true));
      fresh.push(await open(`/fresh-${i}/index.html?id=fresh-${i}`));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const line = (label: string, ts: Times[]): string =>
      `${label}: worker ready ${median(ts.map((t) => t.ready)).toFixed(0)} ms, fake.html loaded under it ${median(ts.map((t) => t.loaded)).toFixed(0)} ms (${ts.map((t) => t.loaded.toFixed(0)).join(', ')}) after the host page started`;
    console.log(`code-server ${pre}: its webview service worker, ${rounds} new webviews each way, in alternation (medians)`);
    console.log(line('a scope with another webview open', withOther));
    console.log(line('a scope whose last webview was closed', closed));
    console.log(line('a scope with no worker yet', fresh));
    console.log(line('a scope whose worker has the same script URL', kept));
  } finally {
    await browser.close();
    server.close();
  }
}

void main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
