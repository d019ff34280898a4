import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/**
 * The tfjs backends the page tries, in order. cpu comes before wasm because on these 3-D nets
 * tfjs-backend-wasm's Conv3D (a plain loop, not XNNPACK) scores no faster than the cpu backend
 * and starts about a second later (it compiles its module first): measured in headless Chromium
 * on 2 Zen 4 cores, first score 1.9 s (cpu) vs 2.8 s (wasm) after page load. wasm stays
 * available with `?backend=wasm`.
 */
export const PAGE_BACKENDS = ["webgl", "cpu", "wasm"] as const;
export type PageBackend = (typeof PAGE_BACKENDS)[number];

/** What backend selection found: the one in use and why the faster ones were passed over. */
export interface BackendChoice {
  name: PageBackend;
  skipped: Array<{ name: PageBackend; reason: string }>;
}

/** The WebGL 2 renderer's name (unmasked where the browser allows), or null without WebGL 2. */
function webglRenderer(): string | null {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (!gl) return null;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return name;
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
 * Picks the first backend, in the order of {@link PAGE_BACKENDS} (or only `forced`, the page's
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
      if (name === "webgl" && !forced) {
        const renderer = webglRenderer();
        if (!renderer) throw new Error("no WebGL 2 in this browser");
        if (/swiftshader|llvmpipe|software/i.test(renderer)) throw new Error(`software WebGL (${renderer}) is slower than the CPU backend`);
      }
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
