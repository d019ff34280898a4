import { CodecError, FrameSpec, RawFrame } from "./frame";
import { checkStreamMatches, readJpegFrameHeader } from "./markers";

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
}
interface LosslessDecoderInternals extends LosslessDecoder {
  getPreviousX(compOffset?: number): number;
  getPreviousY(compOffset?: number): number;
}
interface LosslessModule {
  Decoder: new () => LosslessDecoderInternals;
}

let FixedDecoder: (new () => LosslessDecoder) | undefined;

/**
 * jpeg-lossless-decoder-js 2.1.2 with its selection-value-7 predictor corrected: it computes
 * (Ra + Rb) / 2 in floating point, where T.81 H.1.2.1 (and DCMTK, libjpeg) use the integer
 * (Ra + Rb) >> 1; the fraction turns into off-by-one pixels wherever the sum wraps below zero
 * (found on the real LIDC slice re-encoded by DCMTK `dcmcjpeg +el +sv 7`; the package's own MR
 * test image does not trigger it).
 */
function decoderClass(): new () => LosslessDecoder {
  if (!FixedDecoder) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const lib = require("jpeg-lossless-decoder-js") as LosslessModule;
    FixedDecoder = class extends lib.Decoder {
      select7(compOffset?: number): number {
        return (this.getPreviousX(compOffset) + this.getPreviousY(compOffset)) >> 1;
      }
    };
  }
  return FixedDecoder;
}

/**
 * The same decoder drops the very last pixel when the final Huffman code ends within 9 bits of the
 * EOI marker (its marker look-ahead fires before the value is returned; seen with selection value 5
 * on the LIDC slice). Zero bytes inserted before the final EOI keep the marker out of reach of the
 * last code; they are never decoded as pixels because decoding stops after the last pixel.
 */
function padBeforeEoi(b: Uint8Array): Uint8Array {
  let eoi = -1;
  for (let i = b.length - 2; i >= Math.max(0, b.length - 16); i--) {
    if (b[i] === 0xff && b[i + 1] === 0xd9) {
      eoi = i;
      break;
    }
  }
  const out = new Uint8Array(b.length + 4);
  if (eoi < 0) {
    out.set(b, 0); // no EOI (truncated stream): pad at the end
    return out;
  }
  out.set(b.subarray(0, eoi), 0);
  out.set(b.subarray(eoi), eoi + 4);
  return out;
}

/**
 * JPEG Lossless, Process 14 (ITU T.81 Annex H), any selection value 1-7, through
 * `jpeg-lossless-decoder-js` (the decoder used by daikon and cornerstone). The frame header is
 * checked against the DICOM header first so a corrupt size never reaches the decoder's allocator.
 */
export function decodeJpegLossless(encoded: Uint8Array, spec: FrameSpec): RawFrame {
  const h = readJpegFrameHeader(encoded, [0xffc3, 0xffc7]);
  checkStreamMatches(h, spec.rows, spec.columns, spec.samplesPerPixel, "JPEG lossless");
  // A fresh, exactly sized copy: the decoder indexes the whole ArrayBuffer.
  const copy = padBeforeEoi(encoded);
  let out: Uint8Array | Uint16Array;
  try {
    out = new (decoderClass())().decode(copy.buffer, 0, copy.byteLength, spec.bitsAllocated <= 8 ? 1 : 2);
  } catch (e) {
    throw new CodecError(`JPEG lossless decoder: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!out || out.length < spec.rows * spec.columns * spec.samplesPerPixel) {
    throw new CodecError("JPEG lossless decoder returned fewer samples than the frame holds");
  }
  return out;
}
