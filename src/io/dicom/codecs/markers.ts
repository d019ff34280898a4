import { CodecError } from "./frame";

/** Image size declared inside an encoded bit stream (JPEG SOFn / JPEG-LS SOF55 / JPEG 2000 SIZ). */
export interface StreamHeader {
  rows: number;
  columns: number;
  components: number;
  precision: number;
}

/**
 * Reads the frame header of a JPEG or JPEG-LS stream (ITU T.81 B.2.2, T.87 C.2.2) without decoding,
 * so a lying size can be refused before any decoder allocates its output.
 * @param sofMarkers the start-of-frame markers accepted (e.g. 0xffc3 for lossless, 0xfff7 for JPEG-LS).
 */
export function readJpegFrameHeader(b: Uint8Array, sofMarkers: number[]): StreamHeader {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) throw new CodecError("no JPEG start-of-image marker");
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) throw new CodecError(`expected a JPEG marker at byte ${p}`);
    const marker = (b[p] << 8) | b[p + 1];
    if (marker === 0xffff) {
      p += 1; // fill byte
      continue;
    }
    const len = (b[p + 2] << 8) | b[p + 3];
    if (len < 2 || p + 2 + len > b.length) throw new CodecError(`JPEG marker segment 0x${marker.toString(16)} overruns the stream`);
    if (sofMarkers.includes(marker)) {
      if (len < 8) throw new CodecError("JPEG frame header too short");
      return {
        precision: b[p + 4],
        rows: (b[p + 5] << 8) | b[p + 6],
        columns: (b[p + 7] << 8) | b[p + 8],
        components: b[p + 9],
      };
    }
    if (marker >= 0xffc0 && marker <= 0xffcf && marker !== 0xffc4 && marker !== 0xffc8 && marker !== 0xffcc) {
      throw new CodecError(`JPEG process with marker 0x${marker.toString(16)} does not match the transfer syntax`);
    }
    if (marker === 0xffda) break;
    p += 2 + len;
  }
  throw new CodecError("no JPEG frame header found");
}

/** Reads the SIZ segment of a JPEG 2000 codestream (ISO 15444-1 A.5.1), also inside a JP2 box. */
export function readJ2kHeader(b: Uint8Array): StreamHeader {
  let p = -1;
  for (let i = 0; i + 1 < Math.min(b.length, 4096); i++) {
    if (b[i] === 0xff && b[i + 1] === 0x4f && b[i + 2] === 0xff && b[i + 3] === 0x51) {
      p = i + 2;
      break;
    }
  }
  if (p < 0) throw new CodecError("no JPEG 2000 codestream (SOC+SIZ) found");
  if (p + 40 > b.length) throw new CodecError("JPEG 2000 SIZ segment truncated");
  const u32 = (o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
  const xsiz = u32(p + 6);
  const ysiz = u32(p + 10);
  const x0 = u32(p + 14);
  const y0 = u32(p + 18);
  const comps = (b[p + 38] << 8) | b[p + 39];
  if (p + 40 + 3 * comps > b.length || comps < 1) throw new CodecError("JPEG 2000 SIZ component list truncated");
  const ssiz = b[p + 40];
  return { columns: xsiz - x0, rows: ysiz - y0, components: comps, precision: (ssiz & 0x7f) + 1 };
}

/** Refuses a stream whose declared size disagrees with the DICOM header. */
export function checkStreamMatches(h: StreamHeader, rows: number, columns: number, samplesPerPixel: number, what: string): void {
  if (h.rows !== rows || h.columns !== columns) {
    throw new CodecError(`${what} stream is ${h.columns}x${h.rows} but the DICOM header says ${columns}x${rows}`);
  }
  if (h.components !== samplesPerPixel) {
    throw new CodecError(`${what} stream has ${h.components} component(s) but SamplesPerPixel is ${samplesPerPixel}`);
  }
  if (h.precision < 2 || h.precision > 16) throw new CodecError(`${what} stream precision ${h.precision} is not 2..16 bits`);
}
