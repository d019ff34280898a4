/** What a pixel codec needs to know about one frame, from the DICOM header. */
export interface FrameSpec {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
}

/**
 * Decoded samples of one frame, interleaved by pixel (R,G,B,R,G,B... when samplesPerPixel > 1),
 * as raw unsigned codes of `bitsAllocated` bits (signedness and BitsStored are applied later by
 * the reader, the same way for every transfer syntax).
 */
export type RawFrame = Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Int8Array;

/** Thrown by codecs when the encoded bytes are malformed; the reader adds the file name. */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CodecError";
  }
}

/** Number of samples one decoded frame must have. */
export function frameSampleCount(spec: FrameSpec): number {
  return spec.rows * spec.columns * spec.samplesPerPixel;
}
