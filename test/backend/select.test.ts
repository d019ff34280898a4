import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import { requestedBackend } from "../../src/backend/select";

const selectJs = path.join(__dirname, "..", "..", "src", "backend", "select.js");

test("env NASLUNG_BACKEND overrides the config key, which overrides auto", () => {
  const saved = process.env.NASLUNG_BACKEND;
  try {
    delete process.env.NASLUNG_BACKEND;
    assert.equal(requestedBackend(undefined), "auto");
    assert.equal(requestedBackend("cpu-stock"), "cpu-stock");
    process.env.NASLUNG_BACKEND = "cpu";
    assert.equal(requestedBackend("cpu-stock"), "cpu");
    process.env.NASLUNG_BACKEND = "tpu";
    assert.throws(() => requestedBackend("cpu"), /NASLUNG_BACKEND: unknown backend "tpu"/);
    delete process.env.NASLUNG_BACKEND;
    assert.throws(() => requestedBackend("gpu"), /config key `backend`: unknown backend "gpu"/);
  } finally {
    if (saved === undefined) delete process.env.NASLUNG_BACKEND;
    else process.env.NASLUNG_BACKEND = saved;
  }
});

function runInit(env: NodeJS.ProcessEnv, arg = "{}"): { stderr: string; out: string; status: number | null } {
  const code = `require(${JSON.stringify(selectJs)}).initBackend(${arg}).then(b => console.log(JSON.stringify(b)))`;
  const r = spawnSync(process.execPath, ["-e", code], { env: { ...process.env, ...env }, encoding: "utf8" });
  return { stderr: r.stderr, out: r.stdout, status: r.status };
}

test("auto falls back to the CPU backend (the hoisted tfjs-node alias is not mistaken for the binding) and prints it once", () => {
  const r = runInit({ NASLUNG_BACKEND: "" });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.out.trim().split("\n").pop() as string);
  const hasTfNode = (() => {
    try {
      require("@tensorflow/tfjs-node");
      return require("@tensorflow/tfjs").findBackendFactory("tensorflow") != null;
    } catch {
      return false;
    }
  })();
  if (!hasTfNode) {
    assert.equal(info.name, "cpu");
    assert.equal(info.tfBackend, "cpu");
    assert.ok(info.skipped.some((s: string) => s.includes("@tensorflow/tfjs-node")));
  }
  assert.equal((r.stderr.match(/naslung: backend /g) ?? []).length, 1);
  assert.ok(!/Hi, looks like you are running/.test(r.out + r.stderr), "tfjs banner not silenced");
});

test("an explicitly requested backend that cannot load is a clear error", () => {
  const hasGpu = (() => {
    try {
      require.resolve("@tensorflow/tfjs-node-gpu");
      return true;
    } catch {
      return false;
    }
  })();
  if (hasGpu) return;
  const r = runInit({ NASLUNG_BACKEND: "tensorflow-gpu" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /backend "tensorflow-gpu" requested but @tensorflow\/tfjs-node-gpu is unavailable/);
});

test("cpu-stock disables native kernels", () => {
  const r = runInit({ NASLUNG_BACKEND: "cpu-stock" });
  const info = JSON.parse(r.out.trim().split("\n").pop() as string);
  assert.equal(info.name, "cpu-stock");
  assert.equal(info.native.ok, false);
});
