import type { SearchArch } from "./space";

/** Analytic cost features of an architecture, computed without building it. */
export interface ArchCost {
  /** Multiply-accumulates of all 3-D convolutions for one 32^3 sample (BN, pooling, CBAM MLPs excluded). */
  convMacs: number;
  /** Number of 3-D convolution ops in one forward pass. */
  convOps: number;
  /** Convolution weights plus BatchNorm scale/shift (CBAM MLPs and the head excluded). */
  convParams: number;
}

/**
 * Cost features of a ConvRes architecture as laid out in the reference (DESIGN.md "Network"):
 * stem CBR(1->s1,k3), CBR(s1->s2,k3), ResCBAM at 32^3; each stage a stride-2 CBR(C->C,k3), then
 * one residual block per width (CBR3(Cin->w), CBR3(w->w), CBR1x1(Cin->w)), then ResCBAM (one
 * 2->1 k3 spatial conv); resolutions 32 -> 16 -> 8 -> 4. These are features for the latency
 * predictor that ranks the 101,529 untrained configs; the model's own `flops()` is what is
 * recorded for trained candidates.
 */
export function archCost(a: SearchArch, inputSize = 32): ArchCost {
  let macs = 0;
  let ops = 0;
  let params = 0;
  const conv = (r: number, k: number, cin: number, cout: number) => {
    macs += r * r * r * k * k * k * cin * cout;
    params += k * k * k * cin * cout + 2 * cout;
    ops++;
  };
  let r = inputSize;
  conv(r, 3, 1, a.stem[0]);
  conv(r, 3, a.stem[0], a.stem[1]);
  conv(r, 3, 2, 1); // CBAM spatial gate
  let c = a.stem[1];
  for (const stage of a.stages) {
    r = Math.max(1, Math.floor(r / 2));
    conv(r, 3, c, c);
    for (const w of stage) {
      conv(r, 3, c, w);
      conv(r, 3, w, w);
      conv(r, 1, c, w);
      c = w;
    }
    conv(r, 3, 2, 1);
  }
  return { convMacs: macs, convOps: ops, convParams: params };
}
