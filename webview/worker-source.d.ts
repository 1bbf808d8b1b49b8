// The engine worker's bundle as text: esbuild.config.mjs builds webview/worker.ts first and inlines it,
// so the webview starts its worker from a blob: URL and loads no second script.
declare module 'conv-lens-preview-worker' {
  const source: string;
  export default source;
}
