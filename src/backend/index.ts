export * from "./select";
export * from "./nativeKernels";
