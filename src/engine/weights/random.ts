// The engine's seeded uniforms (weight init, random inputs, test patterns). Pure: the preview's main thread
// uses them too, without the WebAssembly runtime.

export function hashString(s: string, seed: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return Math.imul(h ^ (h >>> 16), 0xc2b2ae35) >>> 0;
}

/** mulberry32: small, fast, good enough for weight init and test patterns; uniforms in [0, 1) from a 32-bit state. */
export function mulberry32(state: number): () => number {
  const bits = mulberry32Bits(state);
  return () => bits() / 4294967296;
}

/** mulberry32's draws as unsigned 32-bit integers. */
export function mulberry32Bits(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The uniforms of one named stream under a seed. */
export function rng(seed: number, stream = ''): () => number {
  return mulberry32(hashString(stream, seed >>> 0));
}

