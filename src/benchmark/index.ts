export * from "./logistic";
export * from "./baselines";
export * from "./pretrained";
export * from "./lidcBenchmark";
export * from "./paperTable";
export * from "./realAttention";
export * from "./diagnostics";
export * from "./validity";
