export * from "./shape";
export * from "./anatomy";
export * from "./render";
export * from "./readers";
export * from "./cohort";
export * from "./sizeOnly";
