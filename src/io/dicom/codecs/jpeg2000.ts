import { instantiateEmscriptenSync } from "./wasmModule";
import { CodecError, FrameSpec, RawFrame } from "./frame";
import { checkStreamMatches, readJ2kHeader } from "./markers";

interface J2kDecoder {
  getEncodedBuffer(n: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
  delete(): void;
}
interface OpenJpegModule {
  J2KDecoder: new () => J2kDecoder;
}

let mod: OpenJpegModule | undefined;

/** The OpenJPEG WebAssembly module from `@cornerstonejs/codec-openjpeg`, started synchronously. */
export function openjpeg(): OpenJpegModule {
  mod ??= instantiateEmscriptenSync<OpenJpegModule>("@cornerstonejs/codec-openjpeg/decodewasmjs", "@cornerstonejs/codec-openjpeg/decodewasm");
  return mod;
}

/**
 * JPEG 2000 (ISO 15444-1), lossless and lossy, through OpenJPEG compiled to WebAssembly; OpenJPEG
 * 2.5 also reads the High-Throughput (Part 15) streams of the HTJ2K transfer syntaxes.
 */
export function decodeJpeg2000(encoded: Uint8Array, spec: FrameSpec): RawFrame {
  const h = readJ2kHeader(encoded);
  checkStreamMatches(h, spec.rows, spec.columns, spec.samplesPerPixel, "JPEG 2000");
  let dec: J2kDecoder | undefined;
  try {
    dec = new (openjpeg().J2KDecoder)();
    dec.getEncodedBuffer(encoded.length).set(encoded);
    dec.decode();
    const info = dec.getFrameInfo();
    const bytes = dec.getDecodedBuffer().slice();
    if (info.width !== spec.columns || info.height !== spec.rows) {
      throw new CodecError(`JPEG 2000 decoded ${info.width}x${info.height}, expected ${spec.columns}x${spec.rows}`);
    }
    return info.bitsPerSample <= 8 ? bytes : new Uint16Array(bytes.buffer, 0, bytes.byteLength >> 1);
  } catch (e) {
    if (e instanceof CodecError) throw e;
    mod = undefined; // an aborted Emscripten module cannot be reused
    throw new CodecError(`OpenJPEG: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    try {
      dec?.delete();
    } catch {
      mod = undefined;
    }
  }
}
