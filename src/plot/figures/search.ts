import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { FigureRecipe } from "../registry";
import { repoRoot } from "../../util/provenance";
import { rankStudyFigure } from "../rankStudy";
import { readRankStudyResults } from "../../search/rankStudy";
import { spaceDepthFigure, searchFrontFigure, pruningFigure } from "../search";
import { createEvaluator } from "../../search/analyticEvaluator";
import { inProcessExecutor } from "../../search/executor";
import { hypervolumeRef, searchHistory } from "../../search/history";
import type { SearchRecord, SearchStrategy } from "../../search/log";
import { runSearch } from "../../search/pop";
import { DEFAULT_SPACE } from "../../search/space";

const ANALYTIC = { seed: 7, maxCandidates: 40 };

/** POP and random search on the analytic landscape (no training: the search engine alone). */
async function analyticSearches(): Promise<Record<SearchStrategy, SearchRecord[]>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-fig-search-"));
  try {
    const out = {} as Record<SearchStrategy, SearchRecord[]>;
    for (const strategy of ["pop", "random"] as const) {
      const r = await runSearch({
        space: DEFAULT_SPACE,
        strategy,
        seed: ANALYTIC.seed,
        logFile: path.join(dir, `${strategy}.jsonl`),
        executor: inProcessExecutor(createEvaluator()),
        budget: { maxCandidates: ANALYTIC.maxCandidates, patience: 1000 },
      });
      out[strategy] = r.records;
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Figures of the architecture search that regenerate in seconds (no network is trained). */
export const recipes: FigureRecipe[] = [
  {
    name: "02_search_space_depths",
    description: "configurations per depth of the NAS-Lung search space (101,529 in all)",
    async build() {
      return { figure: spaceDepthFigure(DEFAULT_SPACE), config: { space: DEFAULT_SPACE }, seed: null };
    },
  },
  {
    name: "02_search_analytic_fronts",
    description: "POP vs random search fronts on the analytic accuracy/latency landscape (search engine only, no training)",
    async build() {
      const logs = await analyticSearches();
      return {
        figure: searchFrontFigure(
          [
            { name: "pop", records: logs.pop },
            { name: "random", records: logs.random },
          ],
          "Analytic landscape (no training): POP vs random search",
          { verb: "scored" },
        ),
        config: { space: DEFAULT_SPACE, evaluator: "analytic", ...ANALYTIC },
        seed: ANALYTIC.seed,
      };
    },
  },
  {
    name: "02_search_analytic_pruning",
    description: "architectures pruned by POP and front hypervolume vs trained candidates, analytic landscape",
    async build() {
      const logs = await analyticSearches();
      const ref = hypervolumeRef([logs.pop, logs.random]);
      return {
        figure: pruningFigure(
          [
            { name: "pop", steps: searchHistory(logs.pop, DEFAULT_SPACE, ref) },
            { name: "random", steps: searchHistory(logs.random, DEFAULT_SPACE, ref) },
          ],
          "Analytic landscape (no training): what pruning buys",
        ),
        config: { space: DEFAULT_SPACE, evaluator: "analytic", ...ANALYTIC },
        seed: ANALYTIC.seed,
      };
    },
  },
  {
    name: "02_search_rank_lidc",
    inputs: ["data/results/search-rank-lidc.json"],
    description: "search score (three candidate budgets) vs fully trained CV AUC on the 697 real LIDC readings, Spearman rho with bootstrap CI (from the committed rank study)",
    async build() {
      const file = path.join(repoRoot, "data", "results", "search-rank-lidc.json");
      const r = readRankStudyResults(file);
      return { figure: rankStudyFigure(r), config: { results: path.relative(repoRoot, file), resultsCommit: r.gitCommit }, seed: r.config.seed };
    },
  },
];
