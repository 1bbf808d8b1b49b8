// Viridis, computed rather than tabulated: the degree-6 polynomial fit to matplotlib's viridis
// (Matt Zucker's fit, max error well under one 8-bit step), perceptually uniform and readable in grey.
const C0 = [0.2777273272234177, 0.005407344544966578, 0.3340998053353061] as const;
const C1 = [0.1050930431085774, 1.404613529898575, 1.384590162594685] as const;
const C2 = [-0.3308618287255563, 0.214847559468213, 0.09509516302823659] as const;
const C3 = [-4.634230498983486, -5.799100973351585, -19.33244095627987] as const;
const C4 = [6.228269936347081, 14.17993336680509, 56.69055260068105] as const;
const C5 = [4.776384997670288, -13.74514537774601, -65.35303263337234] as const;
const C6 = [-5.435455855934631, 4.645852612178535, 26.3124352495832] as const;

function channel(i: 0 | 1 | 2, t: number): number {
  const v = C0[i] + t * (C1[i] + t * (C2[i] + t * (C3[i] + t * (C4[i] + t * (C5[i] + t * C6[i])))));
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

/** 256 RGB entries: index 0 is the low end (dark purple), 255 the high end (yellow). */
export function viridisTable(): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let k = 0; k < 256; k++) {
    const t = k / 255;
    table[k * 3] = channel(0, t);
    table[k * 3 + 1] = channel(1, t);
    table[k * 3 + 2] = channel(2, t);
  }
  return table;
}

export const VIRIDIS = viridisTable();

/**
 * Table index of a value scaled into [lo, hi] (rounded half up); a flat range maps to the middle, NaN to NaN.
 * A multiply by 255 / (hi - lo) and a truncation, not a division and Math.round per value: drawing every layer
 * of a ResNet after an edit spent most of its time there. featureMaps.ts's drawPlane inlines exactly this.
 */
export function colourIndex(value: number, lo: number, hi: number): number {
  if (!(hi > lo)) return 128;
  const f = (value - lo) * (255 / (hi - lo)) + 0.5;
  return f >= 1 ? (f < 256 ? Math.floor(f) : 255) : f === f ? 0 : NaN;
}
