export * from "./volume";
export * from "./lidcXml";
export * from "./csv";
