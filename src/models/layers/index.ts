export * from "./context";
export * from "./conv3d";
export * from "./batchNorm3d";
export * from "./cbr";
export * from "./residualBlock";
export * from "./attention";
export * from "./heads";
export * from "./pooling";
