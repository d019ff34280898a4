export * from "./figure";
export * from "./export";
export * from "./display";
export * from "./manifest";
export * from "./registry";
export * from "./training";
export * from "./search";
export * from "./architecture";
