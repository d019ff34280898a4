export * from "./types";
export * from "./vote";
export * from "./select";
export * from "./evaluate";
export * from "./members";
export * from "./runs";
export * from "./run";
export * from "./study";
