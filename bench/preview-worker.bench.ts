// The preview's worker bundle (the same bytes the webview starts) timed in real Chromium and in Node, in
// alternation: ResNet-18 at 224x224 as the core describes examples/resnet18.py, a first run, then stem edits
// (padding 3 <-> 2: every layer runs again) and head edits (num_classes 10 <-> 1). `--profile` also writes
// CPU profiles of the Chromium worker (.test-artifacts/preview-worker-*.cpuprofile; edits, and a new worker's first
// run), taken over CDP, with self time by function printed.
// `--baseline OTHER.js` also times another build of the worker bundle (e.g. main's out/bench/preview-worker.js) in
// the same page, in alternation.
// `--draw N`: the worker draws the pictures of the first N layers only, as the panel asks for the boxes on screen
// (default 6, a little more than the panel draws at ResNet-18's stem: 4 or 5 in the workbench e2e); `--draw all` draws every layer.
// `npm run build && node out/bench/preview-worker.bench.js [--rounds N] [--profile] [--baseline OTHER.js] [--draw N|all]`
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type CDPSession } from 'playwright-core';
import { nodeHost } from '../src/cli/node-host';
import { AnalyzedDocument, initCore, Program } from '../src/core/index';
import type { ModelGraph, ShapeJSON } from '../src/core/types';
import type { RunRequest, WorkerMessage } from '../src/shared/protocol';
import { nodeKeys } from '../src/engine/node-keys';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'out', 'bench', 'preview-worker.js');
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] ?? 3) || 3;
const profile = process.argv.includes('--profile');
const baseline = process.argv.includes('--baseline') ? process.argv[process.argv.indexOf('--baseline') + 1] : undefined;
const drawArg = process.argv.includes('--draw') ? process.argv[process.argv.indexOf('--draw') + 1] : '6';
const drawn = drawArg === 'all' ? Infinity : Number(drawArg);
if (profile && baseline !== undefined) throw new Error('--profile profiles the one worker under test: run it without --baseline');

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

/** `shown`: ms from the request to the last box on screen sent (its picture, or that it is unchanged), as the panel counts painted. */
interface RunFigures { ms: number; wall: number; shown: number; messages: number; bytes: number; progress: number }

function request(runId: number, graph: ModelGraph): RunRequest {
  const data = new Float32Array(3 * 224 * 224);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001);
  return { type: 'run', runId, graph, input: { shape: [1, 3, 224, 224], made: 'sin', data }, analysedInput, inputKey: 'resnet18', unbuilt: null, weights: { kind: 'seed', seed: 0 },
    scale: 'layer', maxChannels: 32, pages: {}, depths: {}, draw: nodeKeys(graph).slice(0, drawn) };
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
  // The pictures the panel holds, by layer (see the page's harness below).
  const held = new Map<string, ArrayBuffer>();
  return (req) => new Promise((resolve) => {
    const t0 = performance.now();
    let messages = 0, bytes = 0, progress = 0, shown = NaN;
    const awaiting = new Set(req.draw);
    sink = (m) => {
      messages++;
      if (m.type === 'progress') progress++;
      if (m.type === 'layer') {
        bytes += m.grid.rgba.byteLength;
        const replaced = held.get(m.key);
        held.set(m.key, m.grid.rgba.buffer as ArrayBuffer);
        if (replaced) listener?.({ data: { type: 'recycle', buffers: [replaced] } });
      }
      if ((m.type === 'layer' || m.type === 'layerSame') && awaiting.delete(m.key) && awaiting.size === 0) shown = performance.now() - t0;
      if (m.type === 'done') resolve({ ms: m.ms, wall: performance.now() - t0, shown, messages, bytes, progress });
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
  const start = (src: string, name: string): Promise<void> => page.evaluate(([text, as]) => {
    const w = new Worker(URL.createObjectURL(new Blob([text as string], { type: 'text/javascript' })));
    const held = new Map<string, ArrayBuffer>();
    const g = window as unknown as Record<string, (req: unknown) => Promise<unknown>>;
    g[as as string] = (req) => new Promise((resolve, reject) => {
      // The input as the panel posts it: a Float32Array whose buffer is transferred, not copied, and none at all when
      // the worker keeps the same one from an earlier run (RunRequest.input).
      const input = (req as { input: { made: string; data: Float32Array | null } }).input;
      const w2 = w as Worker & { held?: string };
      if (w2.held === input.made) input.data = null;
      else input.data = input.data instanceof Float32Array ? input.data : Float32Array.from(input.data as unknown as ArrayLike<number>);
      w2.held = input.made;
      const t0 = performance.now();
      let messages = 0, bytes = 0, progress = 0, shown = NaN;
      const awaiting = new Set((req as { draw: string[] }).draw);
      w.onmessage = (e: MessageEvent) => {
        const m = e.data as { type: string; key?: string; ms: number; message?: string; grid?: { rgba: Uint8ClampedArray } };
        messages++;
        if (m.type === 'progress') progress++;
        if (m.type === 'layer' && m.grid) {
          bytes += m.grid.rgba.byteLength;
          // As the panel does: the picture this one replaces is given back to be drawn into again.
          const replaced = held.get(m.key ?? '');
          held.set(m.key ?? '', m.grid.rgba.buffer as ArrayBuffer);
          if (replaced) w.postMessage({ type: 'recycle', buffers: [replaced] }, [replaced]);
        }
        if ((m.type === 'layer' || m.type === 'layerSame') && awaiting.delete(m.key ?? '') && awaiting.size === 0) shown = performance.now() - t0;
        if (m.type === 'done') resolve({ ms: m.ms, wall: performance.now() - t0, shown, messages, bytes, progress });
        if (m.type === 'error') reject(new Error(m.message));
      };
      w.postMessage(req, input.data === null ? [] : [input.data.buffer]);
    });
  }, [src, name]);
  await start(readFileSync(WORKER, 'utf8'), '__run');
  if (baseline !== undefined) await start(readFileSync(baseline, 'utf8'), '__baseline');
  const browserRun = (fn: string) => async (req: RunRequest): Promise<RunFigures> =>
    page.evaluate(([r, f]) => (window as unknown as Record<string, (req: unknown) => Promise<RunFigures>>)[f as string]?.(r) as Promise<RunFigures>, [req as unknown as Record<string, unknown>, fn] as const) as Promise<RunFigures>;
  const inBrowser = browserRun('__run');
  const inBaseline = browserRun('__baseline');
  const inNode = nodeWorker();

  type Where = 'chromium' | 'chromium, baseline' | 'node';
  const rows: Record<string, Partial<Record<Where, RunFigures[]>>> = {};
  const add = (name: string, where: Where, f: RunFigures): void => {
    ((rows[name] ??= {})[where] ??= []).push(f);
  };
  const contenders: Array<[Where, (req: RunRequest) => Promise<RunFigures>]> = [['chromium', inBrowser], ['node', inNode]];
  if (baseline !== undefined) contenders.splice(1, 0, ['chromium, baseline', inBaseline]);
  let id = 0;
  for (const [where, run] of contenders) add('first run', where, await run(request(++id, base)));
  for (let r = 0; r < rounds; r++) {
    for (const [where, run] of contenders) {
      add('stem edit', where, await run(request(++id, stem)));
      add('stem edit', where, await run(request(++id, base)));
      add('head edit', where, await run(request(++id, head)));
      add('head edit', where, await run(request(++id, base)));
    }
  }
  for (const [name, byWhere] of Object.entries(rows)) {
    const fmt = (xs: RunFigures[]): string => `boxes on screen sent ${median(xs.map((x) => x.shown)).toFixed(0)} ms, worker ${median(xs.map((x) => x.ms)).toFixed(0)} ms, round trip ${median(xs.map((x) => x.wall)).toFixed(0)} ms (of ${xs.map((x) => x.ms.toFixed(0)).join(', ')}), ${xs[0]?.messages} messages, ${((xs[0]?.bytes ?? 0) / 2 ** 20).toFixed(1)} MiB of pictures`;
    for (const [where, xs] of Object.entries(byWhere)) console.log(`${name.padEnd(10)} ${`${where}:`.padEnd(20)} ${fmt(xs)}`);
  }
  if (profile) {
    const cdp = await page.context().newCDPSession(page);
    const before = await workerTargets(cdp);
    const main = before[0] as string;
    const run = (graph: ModelGraph, fn = '__run') => (): Promise<unknown> =>
      page.evaluate(([r, f]) => (window as unknown as Record<string, (req: unknown) => Promise<unknown>>)[f as string]?.(r), [request(++id, graph) as unknown as Record<string, unknown>, fn] as const);
    await profileWorker(cdp, main, 'two stem edits and back', async () => {
      for (let r = 0; r < 2; r++) { await run(stem)(); await run(base)(); }
    });
    await profileWorker(cdp, main, 'two head edits and back', async () => {
      for (let r = 0; r < 2; r++) { await run(head)(); await run(base)(); }
    });
    // A fresh worker: the first run, as when the panel opens.
    await start(readFileSync(WORKER, 'utf8'), '__fresh');
    const fresh = (await workerTargets(cdp)).find((t) => !before.includes(t));
    if (fresh !== undefined) await profileWorker(cdp, fresh, 'first run of a new worker', async () => { await run(base, '__fresh')(); });
  }
  await browser.close();
}

type Profile = { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples: number[]; timeDeltas: number[] };

/** Ids of the page's worker targets. */
async function workerTargets(cdp: CDPSession): Promise<string[]> {
  const { targetInfos } = await cdp.send('Target.getTargets') as { targetInfos: Array<{ targetId: string; type: string }> };
  return targetInfos.filter((t) => t.type === 'worker').map((t) => t.targetId);
}

/** A CPU profile of one Chromium worker target over `body`, through a CDP session attached to it; self time printed by function. */
async function profileWorker(cdp: CDPSession, target: string, label: string, body: () => Promise<void>): Promise<void> {
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target, flatten: false }) as { sessionId: string };
  let seq = 0;
  const pending = new Map<number, (r: unknown) => void>();
  const listener = (e: { sessionId: string; message: string }): void => {
    const m = JSON.parse(e.message) as { id?: number; result?: unknown };
    if (e.sessionId === sessionId && m.id !== undefined) pending.get(m.id)?.(m.result);
  };
  cdp.on('Target.receivedMessageFromTarget', listener);
  const send = (method: string, params: Record<string, unknown> = {}): Promise<unknown> => new Promise((resolve) => {
    const mid = ++seq;
    pending.set(mid, resolve);
    void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: mid, method, params }) });
  });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 200 });
  await send('Profiler.start');
  await body();
  const { profile: p } = await send('Profiler.stop') as { profile: Profile };
  cdp.off('Target.receivedMessageFromTarget', listener);
  await cdp.send('Target.detachFromTarget', { sessionId });
  mkdirSync(join(ROOT, '.test-artifacts'), { recursive: true });
  writeFileSync(join(ROOT, '.test-artifacts', `preview-worker-${label.replace(/\W+/g, '-')}.cpuprofile`), JSON.stringify(p));
  const self = new Map<string, number>();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((s, i) => {
    const n = byId.get(s);
    const name = n ? `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}` : '?';
    self.set(name, (self.get(name) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self].filter(([k]) => !k.startsWith('(idle)')).reduce((a, [, b]) => a + b, 0);
  console.log(`worker profile, ${label}: ${total.toFixed(0)} ms busy; self time:`);
  for (const [name, ms] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, 14)) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${name}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
