// esbuild's binary loader: a .jpg import is the file's bytes (esbuild.config.mjs, `loader`).
declare module '*.jpg' {
  const bytes: Uint8Array;
  export default bytes;
}
