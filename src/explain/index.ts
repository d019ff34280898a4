export * from "./model";
export * from "./resize";
export * from "./slices";
export * from "./gradcam";
export * from "./maps";
export * from "./insideMask";
export * from "./report";
export * from "./study";
