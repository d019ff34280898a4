import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { appendLineDurable, readJsonLines, writeJsonAtomic } from "../../src/util/atomic";

test("atomic JSON write replaces the file and leaves no temporary files", () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-atomic-"));
  const f = path.join(d, "a", "x.json");
  writeJsonAtomic(f, { v: 1 });
  writeJsonAtomic(f, { v: 2 });
  assert.deepEqual(JSON.parse(fs.readFileSync(f, "utf8")), { v: 2 });
  assert.deepEqual(fs.readdirSync(path.dirname(f)), ["x.json"]);
});

test("JSON lines: a torn last line is skipped, a corrupt middle line names file and line", () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-jsonl-"));
  const f = path.join(d, "log.jsonl");
  appendLineDurable(f, JSON.stringify({ i: 1 }));
  appendLineDurable(f, JSON.stringify({ i: 2 }));
  fs.appendFileSync(f, '{"i": 3, "tor');
  assert.deepEqual(readJsonLines(f), [{ i: 1 }, { i: 2 }]);
  fs.writeFileSync(f, '{"i":1}\nnot json\n{"i":3}\n');
  assert.throws(() => readJsonLines(f), /log\.jsonl:2: corrupt JSON line/);
});
