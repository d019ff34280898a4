/** DICOM reading: single files (`readDicom`) and series folders (`loadSeries`). */
export * from "./errors";
export * from "./transferSyntax";
export * from "./read";
export * from "./series";
export * from "./write";
