import { buildEnsembleMembers, LoadedEnsemble, MemberWeights, parseEnsembleSpec, PretrainedEnsemble } from "../benchmark/pretrained";

/** Hex SHA-256 of bytes with WebCrypto (the page's stand-in for node:crypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Fetches one file of the served ensemble, naming it in errors. */
async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${r.statusText}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** A served ensemble's manifest and weights, fetched and hashed but not yet built on a backend. */
export interface FetchedEnsemble {
  spec: PretrainedEnsemble;
  file: string;
  baseUrl: string;
  weights: MemberWeights[];
}

/** Fetches a saved ensemble served at `baseUrl` (ensemble.json, checked, and its weights files). */
export async function fetchEnsemble(baseUrl: string): Promise<FetchedEnsemble> {
  const file = `${baseUrl}/ensemble.json`;
  const text = new TextDecoder().decode(await fetchBytes(file));
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const spec = parseEnsembleSpec(raw, file);
  const weights: MemberWeights[] = await Promise.all(
    spec.members.map(async (m) => {
      const url = `${baseUrl}/${m.file}`;
      const bytes = await fetchBytes(url);
      return { file: url, bytes, sha256: await sha256Hex(bytes) };
    }),
  );
  return { spec, file, baseUrl, weights };
}

/**
 * Builds a fetched ensemble on the current tfjs backend with the same checks as the command
 * line's `loadEnsemble`: every weights file's SHA-256, the manifest against the weights, the
 * weights against the architecture.
 */
export function buildFetchedEnsemble(f: FetchedEnsemble): LoadedEnsemble {
  return { spec: f.spec, dir: f.baseUrl, members: buildEnsembleMembers(f.spec, f.file, f.weights) };
}
