/** Image I/O: DICOM files and series, MetaImage volumes, the shared Volume type, annotation files. */
export * from "./volume";
export * from "./lidcXml";
export * from "./csv";
export * from "./dicom";
export * from "./metaimage";
