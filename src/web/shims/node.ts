/**
 * What the page's bundle gets for Node's `fs`, `path`, `crypto`, `os` and `child_process`: the
 * shared src modules import them for their file-reading entry points, which the page never calls
 * (it passes bytes instead). A call that slips through fails loudly, naming the function.
 */
function unavailable(name: string): never {
  throw new Error(`${name} is not available in the browser (the page works on dropped files' bytes)`);
}
const handler: ProxyHandler<Record<string, unknown>> = {
  get: (_t, key) => (key === "__esModule" ? false : key === "default" ? proxy : (..._args: unknown[]) => unavailable(`node:${String(key)}`)),
};
const proxy: Record<string, unknown> = new Proxy({}, handler);
export = proxy;
