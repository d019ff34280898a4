/**
 * The page's stand-in for `src/io/dicom/codecs/wasmModule.ts`: the JPEG-LS and JPEG 2000 codecs
 * start synchronously from their .wasm files in Node, which browsers allow only for tiny modules.
 * Such series are decoded by the command line (`naslung predict --dicom`); the page says so.
 */
export function instantiateEmscriptenSync<T extends object>(jsSpecifier: string): T {
  const codec = jsSpecifier.includes("charls") ? "JPEG-LS" : jsSpecifier.includes("openjpeg") ? "JPEG 2000" : jsSpecifier;
  throw new Error(`${codec} compressed DICOM is not decoded in the browser page: score this series with \`naslung predict --dicom <folder> --voxel z,y,x\`, or convert it to an uncompressed, RLE or JPEG-lossless transfer syntax`);
}
