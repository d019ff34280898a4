import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";

const bin = path.join(__dirname, "..", "..", "..", "bin", "naslung.js");

test("naslung --help lists the subcommands", () => {
  const r = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  for (const c of ["figures", "notebooks"]) assert.match(r.stdout, new RegExp(`^\\s+${c}\\b`, "m"));
});

test("an unknown subcommand exits non-zero with a message", () => {
  const r = spawnSync(process.execPath, [bin, "frobnicate"], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test("every command module's file name is its command name (the fast path loads only that module)", () => {
  const fs = require("fs") as typeof import("fs");
  const { commandNameOf } = require("../../src/cli/main") as typeof import("../../src/cli/main");
  const dir = path.join(__dirname, "..", "..", "src", "cli", "commands");
  const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" }).stdout;
  for (const f of fs.readdirSync(dir).filter((x: string) => x.endsWith(".js"))) {
    assert.match(help, new RegExp(`^\\s+${commandNameOf(f)}\\b`, "m"), `${f} does not register "${commandNameOf(f)}"`);
  }
});
