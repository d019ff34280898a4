import * as tf from "@tensorflow/tfjs";
import { installNativeKernels, NativeStatus } from "./nativeKernels";

/** Backends naslung knows how to activate, in auto-selection order. */
export type BackendName = "tensorflow-gpu" | "tensorflow" | "cpu" | "cpu-stock";
export type BackendRequest = BackendName | "auto";

export interface BackendInfo {
  /** What was asked for (env NASLUNG_BACKEND beats the config key, which beats "auto"). */
  requested: BackendRequest;
  /** naslung's name for what is active. */
  name: BackendName;
  /** tfjs's own backend name (`tensorflow` or `cpu`). */
  tfBackend: string;
  /** Whether our native 3-D kernels are registered on the CPU backend. */
  native: NativeStatus;
  /** Why earlier candidates were skipped. */
  skipped: string[];
}

const VALID: BackendRequest[] = ["auto", "tensorflow-gpu", "tensorflow", "cpu", "cpu-stock"];
let active: BackendInfo | null = null;

function tryRequire(mod: string): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require(mod);
    return null;
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}

/** Resolves the requested backend: env NASLUNG_BACKEND, else the config key, else "auto". */
export function requestedBackend(configKey?: string): BackendRequest {
  const raw = process.env.NASLUNG_BACKEND || configKey || "auto";
  if (!VALID.includes(raw as BackendRequest)) {
    const src = process.env.NASLUNG_BACKEND ? "environment variable NASLUNG_BACKEND" : "config key `backend`";
    throw new Error(`${src}: unknown backend "${raw}" (expected one of ${VALID.join(", ")})`);
  }
  return raw as BackendRequest;
}

/**
 * Picks and activates the tfjs backend once per process: tfjs-node-gpu if it loads, else
 * tfjs-node, else the CPU backend with naslung's native 3-D kernels (or stock kernels, with a
 * warning, if the addon is not built). Prints the active backend once unless `quiet`.
 * Everything else in naslung is backend-agnostic tfjs code.
 *
 * In a worker thread (`isMainThread` false: the search's piscina workers, whose evaluator calls
 * this) the native kernels get ONE OpenMP thread (`addonThreadsWanted`): the workers already
 * occupy the cores, one candidate each, and the addon's teams are sized per thread.
 */
export async function initBackend(opts: { backend?: string; quiet?: boolean } = {}): Promise<BackendInfo> {
  const requested = requestedBackend(opts.backend);
  if (active && (requested === "auto" || requested === active.name)) return active;
  const skipped: string[] = [];
  let name: BackendName | null = null;
  const order: BackendName[] =
    requested === "auto" ? ["tensorflow-gpu", "tensorflow", "cpu"] : [requested];
  for (const cand of order) {
    if (cand === "tensorflow-gpu" || cand === "tensorflow") {
      const mod = cand === "tensorflow-gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
      let err = tryRequire(mod);
      // danfojs-node's override aliases @tensorflow/tfjs-node to plain tfjs, and npm may hoist
      // that alias to the top level: a successful require proves nothing until the native
      // "tensorflow" backend is actually registered.
      if (err === null && !tf.findBackendFactory("tensorflow")) err = "not the native binding (an alias of @tensorflow/tfjs)";
      if (err === null && (await tf.setBackend("tensorflow"))) {
        name = cand;
        break;
      }
      skipped.push(`${mod}: ${err ?? "backend failed to initialise"}`);
      if (requested !== "auto") throw new Error(`backend "${requested}" requested but ${mod} is unavailable (${err})`);
    } else {
      name = cand;
      break;
    }
  }
  if (!name) name = "cpu";
  let native: NativeStatus = { ok: false, reason: "not applicable", kernels: [] };
  if (name === "cpu" || name === "cpu-stock") {
    await tf.setBackend("cpu");
    await tf.ready();
    // The CPU backend prints a long "install tfjs-node" banner on its first tensor write; we
    // report the backend ourselves, so mark it as already used.
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
    native = name === "cpu" ? installNativeKernels() : { ok: false, reason: "disabled (cpu-stock)", kernels: [] };
  }
  active = { requested, name, tfBackend: tf.getBackend(), native, skipped };
  if (!opts.quiet) console.error(describeBackend(active));
  if (name === "cpu" && !native.ok && !opts.quiet) {
    console.error(
      `naslung: warning: native CPU kernels unavailable (${native.reason}); 3-D convolutions use stock tfjs and training will be very slow. Run \`bash scripts/setup.sh\` to build them.`,
    );
  }
  return active;
}

/** One line describing the active backend. */
export function describeBackend(b: BackendInfo): string {
  const nat = b.name === "cpu" ? (b.native.ok ? ` + native kernels (${b.native.kernels.length})` : " (stock kernels)") : "";
  return `naslung: backend ${b.name} [tfjs ${b.tfBackend}]${nat}`;
}

/** The active backend, or null before `initBackend`. */
export function activeBackend(): BackendInfo | null {
  return active;
}
