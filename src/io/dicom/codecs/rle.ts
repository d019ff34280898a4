import { CodecError, FrameSpec, RawFrame } from "./frame";

/**
 * DICOM RLE Lossless (PS3.5 Annex G) frame decoder. Hand-written because no maintained npm package
 * decodes the DICOM container: the byte codec itself is a PackBits variant (G.3.1) of a dozen lines,
 * the rest is the 64-byte segment header. Segment k holds byte plane k: for each sample, most
 * significant byte first; the result is assembled as interleaved samples of `bitsAllocated` bits.
 */
export function decodeRle(encoded: Uint8Array, spec: FrameSpec): RawFrame {
  const bytesPerSample = spec.bitsAllocated / 8;
  if (!Number.isInteger(bytesPerSample) || bytesPerSample < 1 || bytesPerSample > 4) {
    throw new CodecError(`RLE with BitsAllocated ${spec.bitsAllocated} is not supported`);
  }
  if (encoded.length < 64) throw new CodecError(`RLE frame of ${encoded.length} bytes is shorter than its 64-byte header`);
  const dv = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const nSeg = dv.getUint32(0, true);
  const expectedSeg = spec.samplesPerPixel * bytesPerSample;
  if (nSeg !== expectedSeg) {
    throw new CodecError(`RLE header has ${nSeg} segment(s), expected ${expectedSeg} for ${spec.samplesPerPixel} sample(s) of ${spec.bitsAllocated} bits`);
  }
  const pixels = spec.rows * spec.columns;
  const out = new Uint8Array(pixels * expectedSeg);
  for (let s = 0; s < nSeg; s++) {
    const start = dv.getUint32(4 + 4 * s, true);
    const end = s + 1 < nSeg ? dv.getUint32(8 + 4 * s, true) : encoded.length;
    if (start < 64 || start > end || end > encoded.length) {
      throw new CodecError(`RLE segment ${s + 1} offsets ${start}..${end} fall outside the ${encoded.length}-byte frame`);
    }
    const sample = Math.floor(s / bytesPerSample);
    // Segment order is MSB first; our output is little-endian within each sample.
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    unpackBitsInto(encoded, start, end, out, sample * bytesPerSample + byteInSample, expectedSeg, pixels, s + 1);
  }
  if (bytesPerSample === 1) return out;
  if (bytesPerSample === 2) return new Uint16Array(out.buffer);
  return new Uint32Array(out.buffer);
}

/** PackBits (G.3.1): n>=0 copies n+1 literal bytes, -127..-1 repeats the next byte 1-n times, -128 is a no-op. */
function unpackBitsInto(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  first: number,
  stride: number,
  count: number,
  segment: number,
): void {
  let p = start;
  let o = 0;
  while (o < count && p < end) {
    const n = (src[p++] << 24) >> 24;
    if (n >= 0) {
      const len = n + 1;
      if (p + len > end) throw new CodecError(`RLE segment ${segment}: literal run overruns the segment`);
      // Some encoders overshoot the frame by a few bytes at the end; the excess is dropped.
      const keep = Math.min(len, count - o);
      for (let i = 0; i < keep; i++) out[first + (o++) * stride] = src[p + i];
      p += len;
    } else if (n !== -128) {
      const len = 1 - n;
      if (p >= end) throw new CodecError(`RLE segment ${segment}: replicate run overruns the segment`);
      const v = src[p++];
      const keep = Math.min(len, count - o);
      for (let i = 0; i < keep; i++) out[first + (o++) * stride] = v;
    }
  }
  if (o < count) throw new CodecError(`RLE segment ${segment} decodes to ${o} of ${count} bytes`);
}
