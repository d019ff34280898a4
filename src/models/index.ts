export * from "./config";
export * from "./paramStore";
export * from "./convResNet";
export * from "./registry";
export * from "./complexity";
export * from "./layers";
