export * from "./sample";
export * from "./labels";
export * from "./cluster";
export * from "./importers";
export * from "./lidcSlices";
export * from "./sampleCache";
export * from "./cache";
export * from "./pipeline";
export * as synthetic from "./synthetic";
