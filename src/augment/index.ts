export * from "./cube";
export * from "./transform";
export * from "./randomCrop";
export * from "./flip";
export * from "./zeroOut";
export * from "./compose";
export * from "./batch";
export * from "./loader";
