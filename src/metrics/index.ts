export * from "./confusion";
export * from "./auc";
export * from "./binary";
export * from "./bootstrap";
export * from "./report";
export * from "./pairedAuc";
export * from "./platt";
export * from "./spearman";
