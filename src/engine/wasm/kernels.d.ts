// Assembled at build time by the engine-kernels plugin in esbuild.config.mjs.
declare module 'conv-lens-engine-kernels' {
  /** The module's bytes, decoded on each call (the runtime asks once). */
  export function simdKernels(): Uint8Array<ArrayBuffer>;
  export function relaxedKernels(): Uint8Array<ArrayBuffer>;
  export function relaxedProbe(): Uint8Array<ArrayBuffer>;
}
