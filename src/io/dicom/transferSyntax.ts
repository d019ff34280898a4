/** How pixel data of a transfer syntax is encoded. */
export type PixelEncoding = "native" | "jpeg-lossless" | "rle" | "jpeg-ls" | "jpeg2000" | "unsupported";

/** What this reader knows about a transfer syntax UID. */
export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  /** Byte order of the data set and of native pixel data. */
  littleEndian: boolean;
  explicitVR: boolean;
  deflated: boolean;
  encoding: PixelEncoding;
}

/** DICOM PS3.6 Annex A UIDs this reader decodes, plus well-known ones it names but refuses. */
const TABLE: TransferSyntaxInfo[] = [
  ts("1.2.840.10008.1.2", "Implicit VR Little Endian", true, false, false, "native"),
  ts("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, true, false, "native"),
  ts("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, true, true, "native"),
  ts("1.2.840.10008.1.2.2", "Explicit VR Big Endian (retired)", false, true, false, "native"),
  ts("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", true, true, false, "jpeg-lossless"),
  ts("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)", true, true, false, "jpeg-lossless"),
  ts("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", true, true, false, "jpeg-ls"),
  ts("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)", true, true, false, "jpeg-ls"),
  ts("1.2.840.10008.1.2.4.90", "JPEG 2000 (Lossless Only)", true, true, false, "jpeg2000"),
  ts("1.2.840.10008.1.2.4.91", "JPEG 2000", true, true, false, "jpeg2000"),
  ts("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 (Lossless Only)", true, true, false, "jpeg2000"),
  ts("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)", true, true, false, "jpeg2000"),
  ts("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000", true, true, false, "jpeg2000"),
  ts("1.2.840.10008.1.2.5", "RLE Lossless", true, true, false, "rle"),
  ts("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, true, false, "unsupported"),
  ts("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true, true, false, "unsupported"),
  ts("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", true, true, false, "unsupported"),
  ts("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile", true, true, false, "unsupported"),
];

function ts(
  uid: string,
  name: string,
  littleEndian: boolean,
  explicitVR: boolean,
  deflated: boolean,
  encoding: PixelEncoding,
): TransferSyntaxInfo {
  return { uid, name, littleEndian, explicitVR, deflated, encoding };
}

const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

/** Looks up a transfer syntax; undefined for UIDs this reader has never heard of. */
export function transferSyntaxInfo(uid: string): TransferSyntaxInfo | undefined {
  return BY_UID.get(uid.replace(/\0/g, "").trim());
}

/** Every transfer syntax whose pixel data this reader decodes. */
export function supportedTransferSyntaxes(): TransferSyntaxInfo[] {
  return TABLE.filter((t) => t.encoding !== "unsupported");
}
