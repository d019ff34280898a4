import * as fs from "fs";

/**
 * Instantiates an Emscripten-built codec (the @cornerstonejs/codec-* packages) synchronously from
 * the .wasm file shipped inside the npm package: no network, no `await`, so `readDicom` stays a
 * plain synchronous call. Emscripten lets the host supply `instantiateWasm`; Node (unlike browsers)
 * allows synchronous `new WebAssembly.Module` of any size, so the module object is ready as soon
 * as the factory returns.
 */
export function instantiateEmscriptenSync<T extends object>(jsSpecifier: string, wasmSpecifier: string): T {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const factory = require(jsSpecifier) as (m: object) => Promise<T>;
  const bytes = fs.readFileSync(require.resolve(wasmSpecifier));
  const wasmModule = new WebAssembly.Module(bytes);
  const moduleArg: Record<string, unknown> = {
    instantiateWasm(imports: WebAssembly.Imports, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) {
      const instance = new WebAssembly.Instance(wasmModule, imports);
      receive(instance, wasmModule);
      return instance.exports;
    },
    // Emscripten prints aborts itself; we turn them into thrown errors with a reason instead.
    print: () => undefined,
    printErr: () => undefined,
  };
  const ready = factory(moduleArg);
  // The promise settles later; swallow its rejection here (failures surface as calls that throw).
  ready.catch(() => undefined);
  if (!moduleArg.calledRun) throw new Error(`${jsSpecifier}: synchronous WebAssembly start-up did not complete`);
  return moduleArg as T;
}
