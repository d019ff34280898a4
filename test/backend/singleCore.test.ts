import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";

test("danfojs-node and tfjs load exactly one @tensorflow/tfjs-core copy", () => {
  // Two copies would share one kernel registry and silently re-register kernels; the npm
  // overrides in package.json point danfojs-node's tfjs-node at tfjs 4.22.0 to prevent that.
  const code = `
    const tf = require("@tensorflow/tfjs");
    require("danfojs-node");
    const cores = Object.keys(require.cache).filter(k => /@tensorflow[\\\\/]tfjs-core[\\\\/]/.test(k))
      .map(k => k.split(/@tensorflow[\\\\/]tfjs-core/)[0]);
    console.log(JSON.stringify({ roots: [...new Set(cores)], version: tf.version_core }));`;
  const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8", cwd: __dirname });
  assert.equal(r.status, 0, r.stderr);
  const { roots, version } = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  assert.equal(roots.length, 1, `tfjs-core loaded from ${roots.join(", ")}`);
  assert.equal(version, "4.22.0");
});
