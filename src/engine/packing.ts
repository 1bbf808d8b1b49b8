// Weight packing for the WebAssembly micro-kernels: done once per layer, cached by the runtime.

/** Rows of the GEMM micro-kernel's register block. */
export const MR = 4;

export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/**
 * Packs rows [row0, row0 + M) of a row-major [*, K] matrix into 4-row panels: panel i holds, for each k,
 * the 4 values of rows 4i..4i+3 (zeros past M), row m multiplied by scale[m] when given. Returns the
 * number of floats written.
 */
export function packGemmA(src: Float32Array, row0: number, M: number, K: number, dst: Float32Array, at: number, scale: Float32Array | null = null): number {
  const panels = Math.ceil(M / MR);
  for (let p = 0; p < panels; p++) {
    const base = at + p * K * MR;
    // Row by row: reads run along the source row; the writes stride by 4.
    for (let r = 0; r < MR; r++) {
      const m = p * MR + r;
      let o = base + r;
      if (m >= M) {
        for (let k = 0; k < K; k++, o += MR) dst[o] = 0;
        continue;
      }
      const s0 = (row0 + m) * K;
      if (scale === null) {
        for (let k = 0; k < K; k++, o += MR) dst[o] = src[s0 + k] as number;
      } else {
        const sc = scale[m] as number;
        for (let k = 0; k < K; k++, o += MR) dst[o] = (src[s0 + k] as number) * sc;
      }
    }
  }
  return panels * K * MR;
}

/**
 * The stride of B rows copied for the GEMM: one cache line (16 floats) longer when it is a multiple of 256 bytes,
 * where every row would fall in the same few cache sets and the kernel, which reads one column block of every row
 * per step, would evict its own rows (a 3x3 conv at 32x32: 35 us instead of 24.5; a Linear to 3072 outputs: 19
 * GFLOP/s instead of 36).
 */
export function spreadRows(floats: number): number {
  return floats % 64 === 0 ? floats + 16 : floats;
}

export function packedGemmAFloats(M: number, K: number): number {
  return roundUp(M, MR) * K;
}

/** Bias split into per-group runs padded to the panel height, zeros where there is no bias. */
export function packBias(bias: Float32Array | null, groups: number, Mg: number, dst: Float32Array, at: number): number {
  const padded = roundUp(Mg, MR);
  for (let g = 0; g < groups; g++) {
    for (let r = 0; r < padded; r++) {
      dst[at + g * padded + r] = bias !== null && r < Mg ? (bias[g * Mg + r] as number) : 0;
    }
  }
  return groups * padded;
}
