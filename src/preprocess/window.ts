/**
 * HU windowing as DeepLung prepare.py's `lumTrans`: clip to [lo, hi] = [-1200, 600], map linearly
 * to 0..255. The reference then casts to uint8, i.e. floors; `quantize` (default true) does the
 * same, so values are the reference's integers.
 */
export const REFERENCE_WINDOW: [number, number] = [-1200, 600];

/** One HU value through the reference window (0..255). */
export function windowValue(hu: number, window: [number, number] = REFERENCE_WINDOW, quantize = true): number {
  const [lo, hi] = window;
  let v = (hu - lo) / (hi - lo);
  v = v < 0 ? 0 : v > 1 ? 1 : v;
  return quantize ? Math.floor(v * 255) : v * 255;
}

/** Windows a whole array (new array). */
export function windowHu(hu: ArrayLike<number>, window: [number, number] = REFERENCE_WINDOW, quantize = true): Float32Array {
  if (!(window[1] > window[0])) throw new Error(`windowHu: window [${window}] must have lo < hi`);
  const out = new Float32Array(hu.length);
  for (let i = 0; i < hu.length; i++) out[i] = windowValue(hu[i], window, quantize);
  return out;
}

/** Clips HU to [lo, hi] (the modern variant's first step). */
export function clipHu(hu: ArrayLike<number>, lo: number, hi: number): Float32Array {
  const out = new Float32Array(hu.length);
  for (let i = 0; i < hu.length; i++) out[i] = hu[i] < lo ? lo : hu[i] > hi ? hi : hu[i];
  return out;
}

/** Mean and standard deviation of a list of arrays (two-pass, float64 accumulation). */
export function meanStd(arrays: ArrayLike<number>[]): { mean: number; std: number } {
  let n = 0;
  let s = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) s += a[i];
    n += a.length;
  }
  if (n === 0) throw new Error("meanStd: no values");
  const mean = s / n;
  let q = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) q += (a[i] - mean) * (a[i] - mean);
  return { mean, std: Math.sqrt(q / n) };
}

/** z-score in place: (x - mean) / std. */
export function zScoreInPlace(a: Float32Array, mean: number, std: number): Float32Array {
  const inv = std > 0 ? 1 / std : 1;
  for (let i = 0; i < a.length; i++) a[i] = (a[i] - mean) * inv;
  return a;
}
