import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/** The tfjs backends the page tries, fastest first. */
export const PAGE_BACKENDS = ["webgl", "wasm", "cpu"] as const;
export type PageBackend = (typeof PAGE_BACKENDS)[number];

/** What backend selection found: the one in use and why the faster ones were passed over. */
export interface BackendChoice {
  name: PageBackend;
  skipped: Array<{ name: PageBackend; reason: string }>;
}

/**
 * Backends that failed the check in this browser are remembered (localStorage, per tfjs version)
 * and not tried again on the next visit: a failed WebGL attempt (tfjs 4.22's WebGL programs for
 * some rank-5 ops do not compile) costs about two seconds of shader compilation.
 */
const failureKey = (name: string) => `naslung-backend-failed:${tf.version.tfjs}:${name}`;
function rememberedFailure(name: string): string | null {
  try {
    return localStorage.getItem(failureKey(name));
  } catch {
    return null;
  }
}
function rememberFailure(name: string, reason: string): void {
  try {
    localStorage.setItem(failureKey(name), reason);
  } catch {
    // Storage may be disabled (private windows); the page then retries the backend next time.
  }
}

/**
 * Picks the first backend, in the order webgl, wasm, cpu (or only `forced`, the page's
 * `?backend=` parameter), on which `check` succeeds: the page passes a function that builds the
 * ensemble and scores a blank cube, because a backend can start and still lack an
 * op these 5-D networks need (tfjs's WebGL padding of rank-5 tensors does not compile, for one).
 * Returns what `check` built, so the page keeps the ensemble of the backend that passed.
 * `wasmDir` is where the tfjs-backend-wasm .wasm files are served.
 */
export async function choosePageBackend<T>(wasmDir: string, forced: string | null | undefined, check: () => Promise<T>): Promise<BackendChoice & { value: T }> {
  setWasmPaths(wasmDir);
  if (forced && !PAGE_BACKENDS.includes(forced as PageBackend)) throw new Error(`?backend=${forced}: expected one of ${PAGE_BACKENDS.join(", ")}`);
  const order: PageBackend[] = forced ? [forced as PageBackend] : [...PAGE_BACKENDS];
  const skipped: BackendChoice["skipped"] = [];
  for (const name of order) {
    try {
      const failed = rememberedFailure(name);
      if (failed && !forced) throw new Error(`failed earlier in this browser: ${failed}`);
      if (!(await tf.setBackend(name))) throw new Error("did not initialise");
      await tf.ready();
      return { name, skipped, value: await check() };
    } catch (e) {
      const reason = ((e as Error).message || String(e)).split("\n")[0];
      if (!reason.startsWith("failed earlier")) rememberFailure(name, reason);
      skipped.push({ name, reason });
    }
  }
  throw new Error(`no tfjs backend works in this browser: ${skipped.map((s) => `${s.name} (${s.reason})`).join("; ")}`);
}
