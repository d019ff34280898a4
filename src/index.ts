/**
 * naslung: NAS-Lung (Jiang et al., Pattern Recognition 2021) in TypeScript.
 * Each area of the method is a namespace; notebooks import this file from dist/.
 */
export * as backend from "./backend";
export * as plot from "./plot";
export * as util from "./util";
export * as io from "./io";
export * as data from "./data";
export * as losses from "./losses";
export * as models from "./models";
export * as search from "./search";
export * as augment from "./augment";
export * as metrics from "./metrics";
export * as train from "./train";
export * as preprocess from "./preprocess";
export * as benchmark from "./benchmark";
export * as ensemble from "./ensemble";
export * as explain from "./explain";
