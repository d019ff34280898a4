import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { NoduleDataset } from "../data/sample";

let codeMemo: string | null = null;

/**
 * The version of the code that trains a candidate: a SHA-256 over every compiled module of the
 * library (`dist/src/**\/*.js`, paths and bytes), first 16 hex digits. Two machines agree on it
 * exactly when they run the same build, whatever git says (a dirty tree, a copied folder).
 */
export function codeVersion(): string {
  if (codeMemo) return codeMemo;
  const root = path.resolve(__dirname, "..");
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".js")) files.push(p);
    }
  };
  walk(root);
  const h = createHash("sha256");
  for (const f of files) h.update(path.relative(root, f)).update("\0").update(fs.readFileSync(f)).update("\0");
  codeMemo = h.digest("hex").slice(0, 16);
  return codeMemo;
}

/**
 * The identity of a dataset as a candidate sees it: a SHA-256 over every sample's id, label,
 * group, fold and crop voxels, in order (16 hex digits). Workers whose data differs from the
 * coordinator's (another cohort, another preprocessing) are refused by it.
 */
export function dataFingerprint(ds: NoduleDataset): string {
  const h = createHash("sha256");
  h.update(`${ds.name}\0${ds.samples.length}\0`);
  for (const s of ds.samples) {
    h.update(`${s.id}\0${s.label}\0${s.group ?? ""}\0${s.fold ?? ""}\0`);
    h.update(Buffer.from(s.crop.buffer, s.crop.byteOffset, s.crop.byteLength));
  }
  return h.digest("hex").slice(0, 16);
}
