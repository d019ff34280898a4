import assert from "node:assert/strict";

/** Test helpers that edit explicit-VR little-endian DICOM bytes in place of a DICOM writer. */

function tagBytes(group: number, element: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(group, 0);
  b.writeUInt16LE(element, 2);
  return b;
}

/** Offset of the element header (group, element) followed by `vr`; asserts it exists. */
export function findElement(b: Buffer, group: number, element: number, vr: string): number {
  const p = b.indexOf(Buffer.concat([tagBytes(group, element), Buffer.from(vr, "latin1")]));
  assert.ok(p >= 0, `(${group.toString(16)},${element.toString(16)}) ${vr} not found`);
  return p;
}

/** Sets a US (or SS, as raw 16 bits) value. */
export function setUS(src: Buffer, group: number, element: number, value: number, vr = "US"): Buffer {
  const b = Buffer.from(src);
  b.writeUInt16LE(value & 0xffff, findElement(b, group, element, vr) + 8);
  return b;
}

/** Inserts a short-form explicit VR element (string value, padded to even length) before another tag. */
export function insertBefore(src: Buffer, before: [number, number, string], group: number, element: number, vr: string, value: string): Buffer {
  const p = findElement(src, before[0], before[1], before[2]);
  const v = value.length % 2 ? value + " " : value;
  const head = Buffer.alloc(8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(element, 2);
  head.write(vr, 4, "latin1");
  head.writeUInt16LE(v.length, 6);
  return Buffer.concat([src.subarray(0, p), head, Buffer.from(v, "latin1"), src.subarray(p)]);
}

/** Offset of the first byte of native Pixel Data (7FE0,0010) OW. */
export function pixelDataOffset(b: Buffer): number {
  return findElement(b, 0x7fe0, 0x0010, "OW") + 12;
}
