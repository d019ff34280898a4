import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createEvaluator } from "../../src/search/analyticEvaluator";
import { inProcessExecutor } from "../../src/search/executor";
import { hypervolumeRef, searchHistory } from "../../src/search/history";
import { hypervolume } from "../../src/search/pareto";
import { runSearch, tradeoffPoint } from "../../src/search/pop";
import { chooseFromFront, recordRow } from "../../src/search/session";
import { DEFAULT_SPACE } from "../../src/search/space";
import { frontGrowthFigure, pruningFigure, searchFrontFigure, spaceDepthFigure } from "../../src/plot/search";

test("searchHistory replays the front, hypervolume and pruned counts; plots take it", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-hist-"));
  const run = (strategy: "pop" | "random") =>
    runSearch({ space: DEFAULT_SPACE, strategy, seed: 3, logFile: path.join(dir, `${strategy}.jsonl`), executor: inProcessExecutor(createEvaluator()), budget: { maxCandidates: 12, patience: 99 } });
  const pop = await run("pop");
  const rnd = await run("random");
  const ref = hypervolumeRef([pop.records, rnd.records]);
  const hp = searchHistory(pop.records, DEFAULT_SPACE, ref);
  const hr = searchHistory(rnd.records, DEFAULT_SPACE, ref);
  assert.equal(hp.length, 12);
  assert.deepEqual(hp[11].front, pop.front.map((r) => r.id));
  assert.ok(Math.abs(hp[11].hypervolume - hypervolume(pop.records.map(tradeoffPoint), ref)) < 1e-12);
  for (let i = 1; i < hp.length; i++) assert.ok(hp[i].hypervolume >= hp[i - 1].hypervolume - 1e-12, "hypervolume never decreases");
  assert.ok(hr.every((s) => s.pruned === 0 && s.remaining === 101529 - s.trained));
  assert.ok(hp.every((s) => s.remaining === 101529 - s.trained - s.pruned));
  assert.ok(hp[11].pruned > 0);
  const figs = [
    spaceDepthFigure(DEFAULT_SPACE),
    searchFrontFigure([{ name: "pop", records: pop.records }, { name: "random", records: rnd.records }]),
    frontGrowthFigure(pop.records),
    pruningFigure([{ name: "pop", steps: hp }, { name: "random", steps: hr }]),
  ];
  for (const f of figs) assert.ok(f.data.length > 0 && JSON.stringify(f).length > 100);
  const sizes = (figs[1].data[0].marker as { size: number[] }).size;
  const params = pop.records.map((r) => r.params);
  const big = params.indexOf(Math.max(...params));
  assert.equal(Math.max(...sizes), sizes[big], "marker size follows parameters");
  const chosen = chooseFromFront(pop.front, 3);
  assert.ok(chosen.length <= 3 && chosen[0] === pop.front[0] && chosen[chosen.length - 1] === pop.front[pop.front.length - 1]);
  assert.equal(recordRow(pop.records[0]).id, pop.records[0].id);
});
