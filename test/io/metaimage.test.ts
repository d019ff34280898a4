import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { readMetaImage, readMetaImageHeader, writeMetaImage, MetaImageError, directionFromTransformMatrix } from "../../src/io/metaimage";
import { Volume, voxelToWorld } from "../../src/io/volume";
import { sharedDataDir } from "../../src/util/provenance";

const cropDir = path.join(sharedDataDir(), "deeplung-crop-sample");
const uid = "1.3.6.1.4.1.14519.5.2.1.6279.6001.100398138793540579077826395208";
const realMhd = path.join(cropDir, `${uid}.mhd`);

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "naslung-mhd-"));
}

/** Minimal NumPy v1/v2 .npy reader for the shared crop (little-endian f8/f4/i2/u1, C order). */
function readNpy(file: string): { shape: number[]; data: Float64Array } {
  const b = fs.readFileSync(file);
  assert.equal(b.toString("latin1", 1, 6), "NUMPY");
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString("latin1", start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1];
  assert.match(header, /'fortran_order':\s*False/);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)![1].split(",").filter((s) => s.trim()).map(Number);
  const n = shape.reduce((a, c) => a * c, 1);
  const dv = new DataView(b.buffer, b.byteOffset + start + hlen);
  const data = new Float64Array(n);
  const read: Record<string, [number, (o: number) => number]> = {
    "<f8": [8, (o) => dv.getFloat64(o, true)],
    "<f4": [4, (o) => dv.getFloat32(o, true)],
    "<i2": [2, (o) => dv.getInt16(o, true)],
    "|u1": [1, (o) => dv.getUint8(o)],
  };
  const [size, get] = read[descr];
  for (let i = 0; i < n; i++) data[i] = get(i * size);
  return { shape, data };
}

test("the real LUNA16 header (subset5 scan of the DeepLung crop) parses to its SOURCE.md geometry", () => {
  const h = readMetaImageHeader(realMhd);
  assert.deepEqual(h.dimSize, [512, 512, 157]);
  assert.deepEqual(h.elementSpacing, [0.625, 0.625, 1.7999999523162842]);
  assert.deepEqual(h.offset, [-170.6875, -309.6875, 716.70000000000005]);
  assert.equal(h.elementType, "MET_SHORT");
  assert.equal(h.littleEndian, true);
  assert.equal(h.compressed, false);
  assert.deepEqual(h.transformMatrix, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal(h.dataFile, path.join(cropDir, `${uid}.raw`));
});

test("its .raw is not shipped: reading names the .mhd and the missing data file", () => {
  assert.throws(() => readMetaImage(realMhd), (e: unknown) => {
    assert.ok(e instanceof MetaImageError);
    assert.ok(e.message.startsWith(`${realMhd}: cannot read ElementDataFile`));
    assert.ok(e.message.includes(`${uid}.raw`));
    return true;
  });
});

test("the real 32^3 crop (.npy) written with the real scan's header geometry reads back identically", () => {
  const npy = readNpy(path.join(cropDir, `${uid}.npy`));
  assert.deepEqual(npy.shape, [32, 32, 32]);
  const h = readMetaImageHeader(realMhd);
  const v: Volume = {
    data: Float32Array.from(npy.data),
    shape: [32, 32, 32],
    spacing: [h.elementSpacing[2], h.elementSpacing[1], h.elementSpacing[0]],
    origin: h.offset,
    direction: directionFromTransformMatrix(h.transformMatrix),
  };
  const mean = v.data.reduce((a, c) => a + c, 0) / v.data.length;
  assert.ok(Math.abs(mean - 199.328) < 1e-3, `SOURCE.md mean 199.33, got ${mean}`);
  const dir = tmp();
  for (const opts of [{ elementType: "MET_UCHAR" as const }, { elementType: "MET_FLOAT" as const, compress: true }]) {
    const mhd = path.join(dir, `crop-${opts.elementType}.mhd`);
    const dataFile = writeMetaImage(mhd, v, opts);
    assert.ok(dataFile.endsWith(opts.compress ? ".zraw" : ".raw"));
    const back = readMetaImage(mhd);
    assert.deepEqual(back.shape, v.shape);
    assert.deepEqual(back.spacing, v.spacing);
    assert.deepEqual(back.origin, v.origin);
    assert.deepEqual(back.direction, v.direction);
    assert.deepEqual(back.data, v.data, "values 70..225 are whole numbers: exact in uchar and float");
  }
  fs.rmSync(dir, { recursive: true });
});

test("TransformMatrix lists axis directions (ITK): a rotated, flipped volume maps voxels to the right world points", () => {
  // x axis -> world -y, y axis -> world +x, z axis -> world -z.
  const dir = tmp();
  const mhd = path.join(dir, "rot.mhd");
  const shape: [number, number, number] = [2, 3, 4];
  const data = Float32Array.from({ length: 24 }, (_, i) => i * 1.5 - 7);
  fs.writeFileSync(path.join(dir, "rot.raw"), Buffer.from(new Int16Array(data.map((x) => Math.round(x))).buffer));
  fs.writeFileSync(
    mhd,
    ["ObjectType = Image", "NDims = 3", "BinaryData = True", "BinaryDataByteOrderMSB = False", "CompressedData = False",
      "TransformMatrix = 0 -1 0 1 0 0 0 0 -1", "Offset = 10 20 30", "ElementSpacing = 0.5 0.75 2", "DimSize = 4 3 2",
      "ElementType = MET_SHORT", "ElementDataFile = rot.raw"].join("\n") + "\n",
  );
  const v = readMetaImage(mhd);
  assert.deepEqual(v.shape, shape);
  assert.deepEqual(v.spacing, [2, 0.75, 0.5]);
  assert.deepEqual(voxelToWorld(v, [1, 0, 0]), [10, 19.5, 30]);
  assert.deepEqual(voxelToWorld(v, [0, 1, 0]), [10.75, 20, 30]);
  assert.deepEqual(voxelToWorld(v, [0, 0, 1]), [10, 20, 28]);
  // z-major, x fastest: voxel (x=3, y=2, z=1) is the last element.
  assert.equal(v.data[23], Math.round(23 * 1.5 - 7));
  // And the writer emits the same TransformMatrix back.
  writeMetaImage(path.join(dir, "again.mhd"), v, { elementType: "MET_SHORT" });
  assert.deepEqual(readMetaImageHeader(path.join(dir, "again.mhd")).transformMatrix, [0, -1, 0, 1, 0, 0, 0, 0, -1]);
  fs.rmSync(dir, { recursive: true });
});

test("element types, big-endian data, LOCAL data and HeaderSize = -1", () => {
  const dir = tmp();
  const head = (type: string, extra: string[], file: string) =>
    ["ObjectType = Image", "NDims = 3", "DimSize = 2 1 1", `ElementType = ${type}`, ...extra, `ElementDataFile = ${file}`].join("\n") + "\n";
  const cases: [string, Buffer, number[]][] = [
    ["MET_UCHAR", Buffer.from([7, 250]), [7, 250]],
    ["MET_CHAR", Buffer.from([0xff, 5]), [-1, 5]],
    ["MET_USHORT", Buffer.from([0x10, 0x27, 0xff, 0xff]), [10000, 65535]],
    ["MET_INT", Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0]), [-1, 1]],
    ["MET_DOUBLE", Buffer.from(new Float64Array([0.25, -3]).buffer), [0.25, -3]],
  ];
  for (const [type, raw, want] of cases) {
    fs.writeFileSync(path.join(dir, `${type}.raw`), raw);
    fs.writeFileSync(path.join(dir, `${type}.mhd`), head(type, [], `${type}.raw`));
    assert.deepEqual(Array.from(readMetaImage(path.join(dir, `${type}.mhd`)).data), want, type);
  }
  fs.writeFileSync(path.join(dir, "be.raw"), Buffer.from([0xfc, 0x00, 0x00, 0x40]));
  fs.writeFileSync(path.join(dir, "be.mhd"), head("MET_SHORT", ["BinaryDataByteOrderMSB = True"], "be.raw"));
  assert.deepEqual(Array.from(readMetaImage(path.join(dir, "be.mhd")).data), [-1024, 64]);
  fs.writeFileSync(path.join(dir, "local.mhd"), Buffer.concat([Buffer.from(head("MET_SHORT", [], "LOCAL")), Buffer.from(new Int16Array([-1000, 40]).buffer)]));
  assert.deepEqual(Array.from(readMetaImage(path.join(dir, "local.mhd")).data), [-1000, 40]);
  fs.writeFileSync(path.join(dir, "tail.raw"), Buffer.concat([Buffer.from("some preamble"), Buffer.from(new Int16Array([3, 4]).buffer)]));
  fs.writeFileSync(path.join(dir, "tail.mhd"), head("MET_SHORT", ["HeaderSize = -1"], "tail.raw"));
  assert.deepEqual(Array.from(readMetaImage(path.join(dir, "tail.mhd")).data), [3, 4]);
  fs.writeFileSync(path.join(dir, "z.zraw"), zlib.deflateSync(Buffer.from(new Int16Array([-5, 6]).buffer)));
  fs.writeFileSync(path.join(dir, "z.mhd"), head("MET_SHORT", ["CompressedData = True"], "z.zraw"));
  assert.deepEqual(Array.from(readMetaImage(path.join(dir, "z.mhd")).data), [-5, 6]);
  fs.rmSync(dir, { recursive: true });
});

test("bad MetaImage input: clear errors naming the file and the field", () => {
  const dir = tmp();
  const mk = (name: string, lines: string[], raw?: Buffer) => {
    if (raw) fs.writeFileSync(path.join(dir, `${name}.raw`), raw);
    fs.writeFileSync(path.join(dir, `${name}.mhd`), lines.join("\n") + "\n");
    return path.join(dir, `${name}.mhd`);
  };
  const ok = ["ObjectType = Image", "NDims = 3", "DimSize = 2 2 2", "ElementType = MET_SHORT"];
  const cases: [string, RegExp][] = [
    [mk("short", [...ok, "ElementDataFile = short.raw"], Buffer.alloc(10)), /holds 10 data bytes, DimSize x MET_SHORT needs 16/],
    [mk("ndims", ["NDims = 2", "DimSize = 2 2", "ElementType = MET_SHORT", "ElementDataFile = x.raw"]), /NDims must be 3/],
    [mk("type", ["NDims = 3", "DimSize = 2 2 2", "ElementType = MET_BOGUS", "ElementDataFile = x.raw"]), /ElementType "MET_BOGUS"/],
    [mk("dims", ["NDims = 3", "DimSize = 2 -2 2", "ElementType = MET_SHORT", "ElementDataFile = x.raw"]), /DimSize "2 -2 2"/],
    [mk("huge", ["NDims = 3", "DimSize = 100000 100000 100000", "ElementType = MET_SHORT", "ElementDataFile = x.raw"]), /limit 2 GiB/],
    [mk("nodata", ok), /missing ElementDataFile/],
    [mk("bomb", [...ok, "CompressedData = True", "ElementDataFile = bomb.raw"], zlib.deflateSync(Buffer.alloc(1 << 20))), /inflate|needs 16/],
  ];
  for (const [file, why] of cases) {
    assert.throws(() => readMetaImage(file), (e: unknown) => {
      assert.ok(e instanceof MetaImageError, String(e));
      assert.ok(e.message.startsWith(`${file}: `), e.message);
      assert.match(e.message, why);
      return true;
    });
  }
  fs.rmSync(dir, { recursive: true });
});
