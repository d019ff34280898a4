import { instantiateEmscriptenSync } from "./wasmModule";
import { CodecError, FrameSpec, RawFrame } from "./frame";
import { checkStreamMatches, readJpegFrameHeader } from "./markers";

interface CharlsDecoder {
  getEncodedBuffer(n: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  getInterleaveMode(): number;
  delete(): void;
}
interface CharlsModule {
  JpegLSDecoder: new () => CharlsDecoder;
}

let mod: CharlsModule | undefined;

/** The CharLS WebAssembly module from `@cornerstonejs/codec-charls`, started synchronously. */
export function charls(): CharlsModule {
  mod ??= instantiateEmscriptenSync<CharlsModule>("@cornerstonejs/codec-charls/decodewasmjs", "@cornerstonejs/codec-charls/decodewasm");
  return mod;
}

/** JPEG-LS lossless and near-lossless (ITU T.87) through CharLS compiled to WebAssembly. */
export function decodeJpegLs(encoded: Uint8Array, spec: FrameSpec): RawFrame {
  const h = readJpegFrameHeader(encoded, [0xfff7]);
  checkStreamMatches(h, spec.rows, spec.columns, spec.samplesPerPixel, "JPEG-LS");
  let dec: CharlsDecoder | undefined;
  try {
    dec = new (charls().JpegLSDecoder)();
    dec.getEncodedBuffer(encoded.length).set(encoded);
    dec.decode();
    const info = dec.getFrameInfo();
    const bytes = dec.getDecodedBuffer().slice(); // copy out of WASM memory before delete()
    if (info.componentCount > 1 && dec.getInterleaveMode() === 0) {
      throw new CodecError("planar (interleave mode 0) colour JPEG-LS is not supported");
    }
    return info.bitsPerSample <= 8 ? bytes : new Uint16Array(bytes.buffer, 0, bytes.byteLength >> 1);
  } catch (e) {
    if (e instanceof CodecError) throw e;
    mod = undefined; // an aborted Emscripten module cannot be reused
    throw new CodecError(`CharLS: ${describe(e)}`);
  } finally {
    try {
      dec?.delete();
    } catch {
      mod = undefined;
    }
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === "number" ? `error code ${e}` : String(e);
}
