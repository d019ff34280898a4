/**
 * Node's `Buffer` for the page's bundle (esbuild `inject`): the DICOM reader and the checkpoint
 * codec use `Buffer` for latin1/utf8 text and little-endian reads; feross/buffer is the same API.
 */
export { Buffer } from "buffer";
