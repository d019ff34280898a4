export * from "./volume";
export * from "./lidcXml";
