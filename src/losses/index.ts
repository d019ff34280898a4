export * from "./aSoftmax";
