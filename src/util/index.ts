export * from "./rng";
export * from "./seed";
export * from "./atomic";
export * from "./provenance";
