import * as fs from "fs";
import * as path from "path";
import { loadCheckpoint } from "../../src/train/checkpoint";

/**
 * What a finished run folder says about its result, without wall times or where it lives:
 * metrics.json, each fold's result.json, and both checkpoints' state, weights and optimizer
 * slots (bytes, base64). Two runs that trained identically have equal outcomes.
 */
export function runOutcome(dir: string, folds: string[]): Record<string, unknown> {
  const strip = (v: unknown): unknown =>
    JSON.parse(JSON.stringify(v, (k, x) => (k === "seconds" || k === "wallSeconds" || k === "runDir" ? undefined : x)));
  const out: Record<string, unknown> = { metrics: strip(JSON.parse(fs.readFileSync(path.join(dir, "metrics.json"), "utf8"))) };
  for (const fold of folds) {
    out[`${fold}/result`] = strip(JSON.parse(fs.readFileSync(path.join(dir, fold, "result.json"), "utf8")));
    for (const ck of ["best.ckpt", "last.ckpt"]) {
      const c = loadCheckpoint(path.join(dir, fold, ck));
      out[`${fold}/${ck}`] = {
        state: strip(c.state),
        weights: Object.fromEntries(Object.entries(c.weights).map(([k, w]) => [k, Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).toString("base64")])),
        optimizer: c.optimizer.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("base64")),
      };
    }
  }
  return out;
}
