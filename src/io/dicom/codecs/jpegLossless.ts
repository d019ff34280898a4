import { CodecError, FrameSpec, RawFrame } from "./frame";
import { checkStreamMatches, readJpegFrameHeader } from "./markers";

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
}
interface LosslessModule {
  Decoder: new () => LosslessDecoder;
}

let lib: LosslessModule | undefined;

/**
 * JPEG Lossless, Process 14 (ITU T.81 Annex H), any selection value 1-7, through
 * `jpeg-lossless-decoder-js` (the decoder used by daikon and cornerstone). The frame header is
 * checked against the DICOM header first so a corrupt size never reaches the decoder's allocator.
 */
export function decodeJpegLossless(encoded: Uint8Array, spec: FrameSpec): RawFrame {
  const h = readJpegFrameHeader(encoded, [0xffc3, 0xffc7]);
  checkStreamMatches(h, spec.rows, spec.columns, spec.samplesPerPixel, "JPEG lossless");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  lib ??= require("jpeg-lossless-decoder-js") as LosslessModule;
  // The decoder indexes an ArrayBuffer from `offset`; hand it an exact copy so views never alias.
  const copy = new Uint8Array(encoded); // (Buffer#slice would alias the pool)
  let out: Uint8Array | Uint16Array;
  try {
    out = new lib.Decoder().decode(copy.buffer, 0, copy.byteLength, spec.bitsAllocated <= 8 ? 1 : 2);
  } catch (e) {
    throw new CodecError(`JPEG lossless decoder: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!out || out.length < spec.rows * spec.columns * spec.samplesPerPixel) {
    throw new CodecError("JPEG lossless decoder returned fewer samples than the frame holds");
  }
  return out;
}
