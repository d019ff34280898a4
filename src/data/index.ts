export * from "./sample";
export * from "./labels";
export * from "./cluster";
export * from "./importers";
