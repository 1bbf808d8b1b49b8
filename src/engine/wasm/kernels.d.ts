// Assembled at build time by the engine-kernels plugin in esbuild.config.mjs.
declare module 'conv-lens-engine-kernels' {
  export const simdKernels: Uint8Array<ArrayBuffer>;
  export const relaxedKernels: Uint8Array<ArrayBuffer>;
  export const relaxedProbe: Uint8Array<ArrayBuffer>;
}
