// The preview's worker bundle (the same bytes the webview starts) timed in real Chromium and in Node, in
// alternation: ResNet-18 at 224x224 as the core describes examples/resnet18.py, a first run, then stem edits
// (padding 3 <-> 2: every layer runs again) and head edits (num_classes 10 <-> 1). `--profile` also writes
// a CPU profile of the Chromium worker (.test-artifacts/preview-worker.cpuprofile), taken over CDP.
// `npm run build && node out/bench/preview-worker.bench.js [--rounds N] [--profile]`
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type CDPSession } from 'playwright-core';
import { nodeHost } from '../src/cli/node-host';
import { AnalyzedDocument, initCore, Program } from '../src/core/index';
import type { ModelGraph, ShapeJSON } from '../src/core/types';
import type { RunRequest, WorkerMessage } from '../src/shared/protocol';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'out', 'bench', 'preview-worker.js');
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] ?? 3) || 3;
const profile = process.argv.includes('--profile');

/** The example input the core analysed the model with (ResNet-18's file: a batch of 8). */
let analysedInput: ShapeJSON = [];

async function graphOf(text: string): Promise<ModelGraph> {
  const path = join(ROOT, 'examples', 'resnet18.py');
  const program = new Program({ host: nodeHost, projectRoots: [join(ROOT, 'examples')] });
  const { models } = await program.analyze(new AnalyzedDocument('python', text), path);
  program.dispose();
  const m = models.find((x) => x.instantiated) ?? models[0];
  if (!m) throw new Error('no model in examples/resnet18.py');
  analysedInput = m.input[0] ?? [];
  return m.graph;
}

interface RunFigures { ms: number; wall: number; messages: number; bytes: number; progress: number }

function request(runId: number, graph: ModelGraph): RunRequest {
  const data = new Float32Array(3 * 224 * 224);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001);
  return { type: 'run', runId, graph, input: { shape: [1, 3, 224, 224], data }, analysedInput, inputKey: 'resnet18', weights: { kind: 'seed', seed: 0 },
    scale: 'layer', maxChannels: 32, pages: {}, depths: {} };
}

/** The worker bundle in a Node vm context, speaking the same messages. */
function nodeWorker(): (req: RunRequest) => Promise<RunFigures> {
  let listener: ((e: { data: unknown }) => void) | null = null;
  let sink: ((m: WorkerMessage) => void) | null = null;
  // The bundle's scope is globalThis: give it a worker's two functions and evaluate it in this realm.
  const scope = globalThis as unknown as Record<string, unknown>;
  scope['postMessage'] = (m: WorkerMessage): void => sink?.(m);
  scope['addEventListener'] = (_: string, l: (e: { data: unknown }) => void): void => { listener = l; };
  new Function(readFileSync(WORKER, 'utf8'))();
  return (req) => new Promise((resolve) => {
    const t0 = performance.now();
    let messages = 0, bytes = 0, progress = 0;
    sink = (m) => {
      messages++;
      if (m.type === 'progress') progress++;
      if (m.type === 'layer') bytes += m.grid.rgba.byteLength;
      if (m.type === 'done') resolve({ ms: m.ms, wall: performance.now() - t0, messages, bytes, progress });
      if (m.type === 'error') throw new Error(m.message);
    };
    listener?.({ data: req });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  await initCore(async (file) => readFileSync(join(ROOT, 'out', 'wasm', file)));
  const text = readFileSync(join(ROOT, 'examples', 'resnet18.py'), 'utf8');
  const base = await graphOf(text);
  const stem = await graphOf(text.replace('kernel_size=7, stride=2, padding=3', 'kernel_size=7, stride=2, padding=2'));
  const head = await graphOf(text.replace('num_classes=10)', 'num_classes=1)'));
  console.log(`ResNet-18 analysed at [${analysedInput.join(', ')}], run at [1, 3, 224, 224]: ${base.nodes.length} nodes; graph message ${(JSON.stringify(base).length / 1024).toFixed(0)} KiB as JSON`);

  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage();
  await page.goto('about:blank');
  await page.evaluate((src) => {
    const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
    const g = window as unknown as { __w: Worker; __run: (req: unknown) => Promise<unknown> };
    g.__w = w;
    g.__run = (req) => new Promise((resolve, reject) => {
      const t0 = performance.now();
      let messages = 0, bytes = 0, progress = 0;
      w.onmessage = (e: MessageEvent) => {
        const m = e.data as { type: string; ms: number; message?: string; grid?: { rgba: Uint8ClampedArray } };
        messages++;
        if (m.type === 'progress') progress++;
        if (m.type === 'layer' && m.grid) bytes += m.grid.rgba.byteLength;
        if (m.type === 'done') resolve({ ms: m.ms, wall: performance.now() - t0, messages, bytes, progress });
        if (m.type === 'error') reject(new Error(m.message));
      };
      w.postMessage(req);
    });
  }, readFileSync(WORKER, 'utf8'));
  let cdp: CDPSession | null = null;
  if (profile) {
    cdp = await browser.newBrowserCDPSession();
  }
  const inBrowser = async (req: RunRequest): Promise<RunFigures> =>
    page.evaluate((r) => (window as unknown as { __run: (req: unknown) => Promise<RunFigures> }).__run(r), req as unknown as Record<string, unknown>) as Promise<RunFigures>;
  const inNode = nodeWorker();

  const rows: Record<string, { chromium: RunFigures[]; node: RunFigures[] }> = {};
  const add = (name: string, where: 'chromium' | 'node', f: RunFigures): void => {
    (rows[name] ??= { chromium: [], node: [] })[where].push(f);
  };
  let id = 0;
  add('first run', 'chromium', await inBrowser(request(++id, base)));
  add('first run', 'node', await inNode(request(++id, base)));
  for (let r = 0; r < rounds; r++) {
    for (const [where, run] of [['chromium', inBrowser], ['node', inNode]] as const) {
      add('stem edit', where, await run(request(++id, stem)));
      add('stem edit', where, await run(request(++id, base)));
      add('head edit', where, await run(request(++id, head)));
      add('head edit', where, await run(request(++id, base)));
    }
  }
  for (const [name, { chromium: c, node: n }] of Object.entries(rows)) {
    const fmt = (xs: RunFigures[]): string => `worker ${median(xs.map((x) => x.ms)).toFixed(0)} ms, round trip ${median(xs.map((x) => x.wall)).toFixed(0)} ms, ${xs[0]?.messages} messages (${xs[0]?.progress} progress), ${((xs[0]?.bytes ?? 0) / 2 ** 20).toFixed(1)} MiB of pictures`;
    console.log(`${name.padEnd(10)} chromium: ${fmt(c)}\n${''.padEnd(10)} node:     ${fmt(n)}`);
  }
  if (cdp !== null) {
    await profileWorker(browser, page, 'stem', stem, base, id);
    await profileWorker(browser, page, 'head', head, base, id + 10);
  }
  await browser.close();
}

/** A CPU profile of the Chromium worker over a stem edit and back, through a flattened CDP session on its target. */
async function profileWorker(browser: import('playwright-core').Browser, page: import('playwright-core').Page, name: string, stem: ModelGraph, base: ModelGraph, id: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const { targetInfos } = await cdp.send('Target.getTargets') as { targetInfos: Array<{ targetId: string; type: string }> };
  const target = targetInfos.find((t) => t.type === 'worker');
  if (!target) throw new Error('no worker target');
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false }) as { sessionId: string };
  let seq = 0;
  const pending = new Map<number, (r: unknown) => void>();
  cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
    const m = JSON.parse(e.message) as { id?: number; result?: unknown };
    if (m.id !== undefined) pending.get(m.id)?.(m.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}): Promise<unknown> => new Promise((resolve) => {
    const mid = ++seq;
    pending.set(mid, resolve);
    void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: mid, method, params }) });
  });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 200 });
  await send('Profiler.start');
  for (let r = 0; r < 2; r++) {
    await page.evaluate((req) => (window as unknown as { __run: (req: unknown) => Promise<unknown> }).__run(req), request(++id, stem) as unknown as Record<string, unknown>);
    await page.evaluate((req) => (window as unknown as { __run: (req: unknown) => Promise<unknown> }).__run(req), request(++id, base) as unknown as Record<string, unknown>);
  }
  const { profile: p } = await send('Profiler.stop') as { profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }>; samples: number[]; timeDeltas: number[] } };
  mkdirSync(join(ROOT, '.test-artifacts'), { recursive: true });
  writeFileSync(join(ROOT, '.test-artifacts', `preview-worker-${name}.cpuprofile`), JSON.stringify(p));
  // Self time by function, top 25.
  const self = new Map<string, number>();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((s, i) => {
    const n = byId.get(s);
    const name = n ? `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}` : '?';
    self.set(name, (self.get(name) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`worker profile, ${name} edits, 4 runs, ${total.toFixed(0)} ms sampled; self time:`);
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${name}`);
  void browser;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
