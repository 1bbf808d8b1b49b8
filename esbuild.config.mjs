// One build script for every bundle. `node esbuild.config.mjs [--production]`.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
// The preview's sample photos (webview/samples) are imported as bytes.
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', target: 'es2022', loader: { '.jpg': 'binary' } };

// The engine's WebAssembly kernels: generated text (src/engine/wasm/kernels-wat.mjs) assembled by wabt
// and inlined as base64, so the same engine bundle runs in Node and in a web worker without file access.
const engineKernelsPlugin = {
  name: 'engine-kernels',
  setup(build) {
    build.onResolve({ filter: /^conv-lens-engine-kernels$/ }, (args) => ({ path: args.path, namespace: 'engine-kernels' }));
    build.onLoad({ filter: /.*/, namespace: 'engine-kernels' }, async () => {
      const { default: wabtInit } = await import('wabt');
      const { kernelsWat, relaxedProbeWat } = await import('./src/engine/wasm/kernels-wat.mjs');
      const wabt = await wabtInit();
      const assemble = (text, relaxed) => {
        const mod = wabt.parseWat('kernels.wat', text, { simd: true, relaxed_simd: relaxed, bulk_memory: true });
        mod.validate();
        const bytes = mod.toBinary({}).buffer;
        mod.destroy();
        return Buffer.from(bytes).toString('base64');
      };
      return {
        loader: 'js',
        watchFiles: ['src/engine/wasm/kernels-wat.mjs'],
        // Decoded when the runtime asks, and only the build it uses: Uint8Array.from(atob(s), fn) on all three
        // took 58 ms of a new Chromium worker's start.
        contents: `const decode = (s) => {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(s);
  const text = atob(s);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
};
export const simdKernels = () => decode(${JSON.stringify(assemble(kernelsWat({ relaxed: false }), false))});
export const relaxedKernels = () => decode(${JSON.stringify(assemble(kernelsWat({ relaxed: true }), true))});
export const relaxedProbe = () => decode(${JSON.stringify(assemble(relaxedProbeWat, true))});
`,
      };
    });
  },
};
common.plugins = [engineKernelsPlugin];
// Node bundles are CommonJS: take web-tree-sitter's CommonJS build (its ESM build needs import.meta.url).
common.alias = { 'web-tree-sitter': './node_modules/web-tree-sitter/web-tree-sitter.cjs' };

// The parsers' WebAssembly ships next to the bundles; the core loads it through its host.
mkdirSync('out/wasm', { recursive: true });
for (const f of [
  'node_modules/web-tree-sitter/web-tree-sitter.wasm',
  'node_modules/tree-sitter-python/tree-sitter-python.wasm',
  'node_modules/tree-sitter-typescript/tree-sitter-typescript.wasm',
  'node_modules/tree-sitter-typescript/tree-sitter-tsx.wasm',
]) cpSync(f, join('out/wasm', f.split('/').pop()));

function testEntries(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
}

const cli = {
  ...common, platform: 'node', format: 'cjs',
  entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'out',
  banner: { js: '#!/usr/bin/env node' },
};
// `--cli`: the CLI bundle alone. npm's `prepare` runs it, so installing from git (as pre-commit does) builds `bin`.
if (process.argv.includes('--cli')) {
  await esbuild.build(cli);
  process.exit(0);
}

const builds = [
  esbuild.build(cli),
  esbuild.build({
    ...common, platform: 'node', format: 'cjs', sourcemap: true, minify: false,
    entryPoints: testEntries('test'), outdir: 'out/test', outbase: 'test',
  }),
];
// The real-Neovim test (`npm run test:neovim`): not part of `npm test`, as it needs Debian's neovim installed.
if (existsSync('test/neovim')) builds.push(esbuild.build({
  ...common, platform: 'node', format: 'cjs', sourcemap: true, minify: false,
  entryPoints: readdirSync('test/neovim').filter((f) => f.endsWith('.ts')).map((f) => join('test/neovim', f)), outdir: 'out/neovim',
}));
if (existsSync('bench/analysis.bench.ts')) builds.push(esbuild.build({
  ...common, platform: 'node', format: 'cjs', sourcemap: false,
  entryPoints: ['bench/analysis.bench.ts'], outdir: 'out/bench',
}));
if (existsSync('bench/preview-worker.bench.ts')) builds.push(esbuild.build({
  ...common, platform: 'node', format: 'cjs', sourcemap: false,
  entryPoints: ['bench/preview-worker.bench.ts'], outdir: 'out/bench', external: ['playwright-core'],
}));
if (existsSync('bench/webview-service-worker.bench.ts')) builds.push(esbuild.build({
  ...common, platform: 'node', format: 'cjs', sourcemap: false,
  entryPoints: ['bench/webview-service-worker.bench.ts'], outdir: 'out/bench', external: ['playwright-core'],
}));
if (existsSync('bench/engine.bench.ts')) builds.push(esbuild.build({
  ...common, platform: 'node', format: 'cjs', sourcemap: false,
  entryPoints: ['bench/engine.bench.ts'], outdir: 'out/bench',
  external: ['onnxruntime-web', '@tensorflow/*'],
}));
await Promise.all(builds);

// The preview webview (browser, IIFE) with its engine worker inlined as text: the worker bundle is built
// first and handed to the webview bundle as the module 'conv-lens-preview-worker'. CSS and icon are copied.
const previewWorker = await esbuild.build({
  ...common, alias: {}, platform: 'browser', format: 'iife', write: false, sourcemap: production ? false : 'inline',
  entryPoints: ['webview/worker.ts'], outfile: 'out/webview/worker.js',
});
const workerSource = previewWorker.outputFiles[0].text;
// The same bytes for bench/preview-worker.bench.ts, which starts them in Chromium and in Node.
if (existsSync('bench/preview-worker.bench.ts')) {
  mkdirSync('out/bench', { recursive: true });
  writeFileSync('out/bench/preview-worker.js', workerSource);
}
const previewWorkerPlugin = {
  name: 'preview-worker',
  setup(build) {
    build.onResolve({ filter: /^conv-lens-preview-worker$/ }, (args) => ({ path: args.path, namespace: 'preview-worker' }));
    build.onLoad({ filter: /.*/, namespace: 'preview-worker' }, () => ({ loader: 'js', contents: `export default ${JSON.stringify(workerSource)};` }));
  },
};
mkdirSync('out/webview', { recursive: true });
for (const f of ['webview/preview.css', 'webview/conv-lens.svg']) cpSync(f, join('out/webview', f.split('/').pop()));
await esbuild.build({
  ...common, alias: {}, plugins: [previewWorkerPlugin], platform: 'browser', format: 'iife',
  entryPoints: { preview: 'webview/main.ts' }, outdir: 'out/webview',
});

// The VS Code extension: one bundle for the Node extension host, one for the browser (vscode.dev, web workers).
const extension = { ...common, format: 'cjs', external: ['vscode'], outdir: 'out' };
const extensionBuilds = [
  esbuild.build({
    ...extension, platform: 'node', entryPoints: { extension: 'src/extension/main.ts' },
  }),
  esbuild.build({
    ...extension, alias: {}, platform: 'browser', entryPoints: { 'extension.browser': 'src/extension/browser.ts' },
    // web-tree-sitter's ESM build reads import.meta.url only to locate its .wasm, which the host passes in as bytes.
    define: { 'import.meta.url': '"file:///conv-lens/"' },
  }),
];
// Editor tests: the mocha suite run inside VS Code, its runners, and the code-server e2e driver (not `node --test` files).
if (existsSync('test/integration')) extensionBuilds.push(esbuild.build({
  ...common, platform: 'node', format: 'cjs', sourcemap: true, minify: false, external: ['vscode', 'mocha', 'playwright-core', '@vscode/test-electron'],
  entryPoints: [
    'test/integration/runTest.ts', 'test/integration/runInCodeServer.ts', 'test/integration/suite/index.ts',
    ...readdirSync('test/integration/suite').filter((f) => f.endsWith('.itest.ts')).map((f) => join('test/integration/suite', f)),
  ],
  outdir: 'out/integration', outbase: 'test/integration',
}));
if (existsSync('test/e2e')) extensionBuilds.push(esbuild.build({
  ...common, platform: 'node', format: 'cjs', sourcemap: true, minify: false, external: ['playwright-core'],
  entryPoints: readdirSync('test/e2e').filter((f) => f.endsWith('.ts')).map((f) => join('test/e2e', f)),
  outdir: 'out/e2e',
}));
await Promise.all(extensionBuilds);
