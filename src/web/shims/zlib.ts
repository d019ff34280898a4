import { inflateSync } from "fflate";

/**
 * `zlib.inflateRawSync` for the page's bundle (the Deflated Explicit VR Little Endian transfer
 * syntax), on fflate: the same raw-DEFLATE stream, decoded in the browser. `maxOutputLength` is
 * checked after inflating (fflate has no streaming cap here); the reader's bound still holds.
 */
export function inflateRawSync(data: Uint8Array, opts: { maxOutputLength?: number } = {}): Uint8Array {
  const out = inflateSync(data);
  if (opts.maxOutputLength !== undefined && out.length > opts.maxOutputLength) {
    const e = new Error(`inflated data exceeds ${opts.maxOutputLength} bytes`) as Error & { code: string };
    e.code = "ERR_BUFFER_TOO_LARGE";
    throw e;
  }
  return out;
}
