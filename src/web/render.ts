/**
 * Canvas drawing for the page: a grey cube slice with an explanation map blended over it. The
 * colour map is matplotlib's "inferno" sampled at 9 stops (perceptually uniform, readable on
 * grey), interpolated linearly.
 */
const INFERNO: Array<[number, number, number]> = [
  [0, 0, 4], [31, 12, 72], [85, 15, 109], [136, 34, 106], [186, 54, 85], [227, 89, 51], [249, 140, 10], [249, 201, 50], [252, 255, 164],
];

/** RGB of the inferno colour map at t in [0, 1]. */
export function inferno(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (INFERNO.length - 1);
  const i = Math.min(INFERNO.length - 2, Math.floor(u));
  const f = u - i;
  const a = INFERNO[i], b = INFERNO[i + 1];
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

/**
 * Draws a rows x cols slice (`grey` in [0, 1], row-major) with `overlay` (>= 0, scaled by
 * `overlayMax`) blended at `alpha`, upscaled to the canvas with nearest-neighbour pixels.
 */
export function drawSlice(canvas: HTMLCanvasElement, grey: number[][], overlay: number[][] | null, overlayMax: number, alpha = 0.5): void {
  const rows = grey.length, cols = grey[0].length;
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(cols, rows);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const g = Math.min(1, Math.max(0, grey[r][c])) * 255;
      let rgb: [number, number, number] = [g, g, g];
      if (overlay && overlayMax > 0) {
        const m = inferno(overlay[r][c] / overlayMax);
        rgb = [(1 - alpha) * g + alpha * m[0], (1 - alpha) * g + alpha * m[1], (1 - alpha) * g + alpha * m[2]];
      }
      const k = (r * cols + c) * 4;
      img.data[k] = rgb[0];
      img.data[k + 1] = rgb[1];
      img.data[k + 2] = rgb[2];
      img.data[k + 3] = 255;
    }
  const tmp = document.createElement("canvas");
  tmp.width = cols;
  tmp.height = rows;
  tmp.getContext("2d")!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

/** Lung-window grey [0, 1] of HU values (window [-1000, 400]), for the series viewer. */
export function lungWindowGrey(hu: number): number {
  return Math.min(1, Math.max(0, (hu + 1000) / 1400));
}
