export * from "./config";
export * from "./window";
export * from "./resample";
export * from "./lungMask";
export * from "./crop";
export * from "./prepare";
export * from "./clickReading";
