import type { SearchArch } from "./space";

/*
 * The partial order of Partial Order Pruning (Li et al., CVPR 2019, Sec. 3.2): a network that is
 * narrower or shallower than another is assumed to be both faster and no more accurate. In the
 * ConvRes space "narrower" compares widths block by block with the same stage lengths, and
 * "shallower" removes blocks inside stages (a per-stage sub-sequence); `precedes` allows both.
 */

function sameStem(a: SearchArch, b: SearchArch): boolean {
  return a.stem[0] === b.stem[0] && a.stem[1] === b.stem[1];
}

function stemNarrower(a: SearchArch, b: SearchArch): boolean {
  return a.stem[0] <= b.stem[0] && a.stem[1] <= b.stem[1];
}

/**
 * `a` is narrower than (or equal to) `b`: same stage lengths and every width of `a` <= the width
 * of the same block in `b` (stem included).
 */
export function isNarrower(a: SearchArch, b: SearchArch): boolean {
  if (!stemNarrower(a, b)) return false;
  for (let s = 0; s < 3; s++) {
    const x = a.stages[s];
    const y = b.stages[s];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] > y[i]) return false;
  }
  return true;
}

/**
 * `a` is shallower than (or equal to) `b`: same stem, and each stage of `a` is `b`'s stage with
 * some blocks removed (an order-preserving sub-sequence of equal widths).
 */
export function isShallower(a: SearchArch, b: SearchArch): boolean {
  if (!sameStem(a, b)) return false;
  for (let s = 0; s < 3; s++) if (!embeds(a.stages[s], b.stages[s], (u, v) => u === v)) return false;
  return true;
}

/**
 * `a` precedes `b` (a ≼ b): `a` is obtained from `b` by removing blocks and/or narrowing blocks,
 * i.e. each stage of `a` maps order-preservingly into the same stage of `b` onto blocks at least
 * as wide (stem no wider). Reflexive and transitive; the POP pruning relation.
 */
export function precedes(a: SearchArch, b: SearchArch): boolean {
  if (!stemNarrower(a, b)) return false;
  for (let s = 0; s < 3; s++) if (!embeds(a.stages[s], b.stages[s], (u, v) => u <= v)) return false;
  return true;
}

/**
 * Whether `x` embeds into `y` as a sub-sequence with `fits(x_i, y_j)` for matched pairs. Greedy
 * earliest matching is optimal here because `fits` is monotone in the second argument's position
 * only through the comparison (a standard exchange argument).
 */
function embeds(x: number[], y: number[], fits: (u: number, v: number) => boolean): boolean {
  if (x.length > y.length) return false;
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    while (j < y.length && !fits(x[i], y[j])) j++;
    if (j === y.length) return false;
    j++;
    if (y.length - j < x.length - i - 1) return false;
  }
  return true;
}
