#!/usr/bin/env node
// Runs the compiled tests (dist/test/**/*.test.js) with node's test runner. Quick by default;
// NASLUNG_SLOW=1 (npm run test:slow) also runs tests that opt in with `slow` in their name/options.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..", "dist", "test");
function walk(d) {
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith(".test.js") ? [path.join(d, e.name)] : [],
  );
}
const filters = process.argv.slice(2);
let files = fs.existsSync(root) ? walk(root).sort() : [];
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (!files.length) {
  console.error("no test files found under dist/test (did the build run?)");
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  env: { ...process.env, OMP_WAIT_POLICY: "passive" },
});
process.exit(r.status ?? 1);
