import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Figure } from "../figure";
import type { FigureRecipe } from "../registry";
import { quickMode, repoRoot, retrainMode, runsRoot } from "../../util/provenance";
import { rankStudyFigure } from "../rankStudy";
import { readRankStudyResults } from "../../search/rankStudy";
import { frontGrowthFigure, spaceDepthFigure, searchFrontFigure, pruningFigure } from "../search";
import { loadSearchConfig, SearchConfig } from "../../search/config";
import type { SearchResult, SearchState } from "../../search/pop";
import { runConfiguredSearch } from "../../search/session";
import { createEvaluator } from "../../search/analyticEvaluator";
import { inProcessExecutor } from "../../search/executor";
import { hypervolumeRef, searchHistory } from "../../search/history";
import type { SearchRecord, SearchStrategy } from "../../search/log";
import type { SearchStep } from "../../search/history";
import { runSearch } from "../../search/pop";
import { DEFAULT_SPACE } from "../../search/space";

const ANALYTIC = { seed: 7, maxCandidates: 200, every: 20 };

/** POP and random search on the analytic landscape, with their pruning history (notebook 02). */
export interface AnalyticSearchStudy {
  logs: Record<SearchStrategy, SearchRecord[]>;
  steps: Record<SearchStrategy, SearchStep[]>;
  settings: typeof ANALYTIC;
}

let analytic: Promise<AnalyticSearchStudy> | null = null;

/**
 * POP and random search on the analytic landscape (no training: the search engine alone), 200
 * candidates each from seed 7; computed once per process, shared by notebook 02 and its figures.
 */
export function analyticSearchStudy(): Promise<AnalyticSearchStudy> {
  analytic ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-fig-search-"));
    try {
      const logs = {} as Record<SearchStrategy, SearchRecord[]>;
      for (const strategy of ["pop", "random"] as const) {
        const r = await runSearch({
          space: DEFAULT_SPACE,
          strategy,
          seed: ANALYTIC.seed,
          logFile: path.join(dir, `${strategy}.jsonl`),
          executor: inProcessExecutor(createEvaluator()),
          budget: { maxCandidates: ANALYTIC.maxCandidates, patience: 10_000 },
        });
        logs[strategy] = r.records;
      }
      const ref = hypervolumeRef([logs.pop, logs.random]);
      const steps = {
        pop: searchHistory(logs.pop, DEFAULT_SPACE, ref, { every: ANALYTIC.every }),
        random: searchHistory(logs.random, DEFAULT_SPACE, ref, { every: ANALYTIC.every }),
      };
      return { logs, steps, settings: ANALYTIC };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  })();
  return analytic;
}

/** The scaled-down search on the SYNTHETIC cohort of notebook 02, with its pruning history. */
export interface SyntheticSearchStudy {
  config: SearchConfig;
  configFile: string;
  pop: SearchResult;
  random: SearchResult;
  steps: Record<SearchStrategy, SearchStep[]>;
  seconds: number;
}

let synthetic: Promise<SyntheticSearchStudy> | null = null;

/**
 * Notebook 02's real search: `configs/search.json` (quick mode: `configs/search-quick.json` into a
 * fresh temporary folder) on the embedded SYNTHETIC cohort. Resumes from `runs/search/`, so a
 * figure run after the notebook trains nothing; computed once per process. `onRecord` (the
 * notebook's progress lines) is used by the first call only.
 */
export function syntheticSearchStudy(opts: { onRecord?: (r: SearchRecord, st: SearchState) => void } = {}): Promise<SyntheticSearchStudy> {
  synthetic ??= (async () => {
    const configFile = path.join(repoRoot, "configs", quickMode() ? "search-quick.json" : "search.json");
    const config = loadSearchConfig(configFile);
    if (quickMode()) config.outDir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-search-quick-"));
    else if (retrainMode()) config.outDir = path.join(runsRoot(), "search");
    const t0 = Date.now();
    const results = await runConfiguredSearch(config, { onRecord: opts.onRecord });
    const pop = results.pop as SearchResult;
    const random = results.random as SearchResult;
    const ref = hypervolumeRef([pop.records, random.records]);
    const steps = { pop: searchHistory(pop.records, config.space, ref), random: searchHistory(random.records, config.space, ref) };
    return { config, configFile: path.relative(repoRoot, configFile), pop, random, steps, seconds: (Date.now() - t0) / 1000 };
  })();
  return synthetic;
}

/** A figure of notebook 02's synthetic search (`syntheticSearchStudy`), drawn by `draw`. */
function syntheticRecipe(name: string, description: string, draw: (st: SyntheticSearchStudy) => Figure): FigureRecipe {
  return {
    name,
    trains: true,
    reuses: "runs/search/search-{pop,random}.jsonl",
    description,
    async build() {
      const st = await syntheticSearchStudy();
      return { figure: draw(st), config: { config: st.configFile, quick: quickMode(), space: st.config.space, budget: st.config.budget, evaluator: st.config.evaluator }, seed: st.config.seed };
    },
  };
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
      const { logs } = await analyticSearchStudy();
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
      const { steps } = await analyticSearchStudy();
      return {
        figure: pruningFigure(
          [
            { name: "pop", steps: steps.pop },
            { name: "random", steps: steps.random },
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
  syntheticRecipe(
    "02_search_synthetic_front_growth",
    "POP on the SYNTHETIC cohort (scaled-down search, configs/search.json): validation AUC vs batch-1 latency, the front after each quarter of the search",
    (st) => frontGrowthFigure(st.pop.records, { title: "POP on the SYNTHETIC cohort: the front growing" }),
  ),
  syntheticRecipe("02_search_synthetic_fronts", "POP vs random search on the SYNTHETIC cohort with the same budget: every trained candidate and both fronts", (st) =>
    searchFrontFigure([{ name: "pop", records: st.pop.records }, { name: "random", records: st.random.records }], "SYNTHETIC cohort: POP vs random search (same budget)"),
  ),
  syntheticRecipe("02_search_synthetic_pruning", "architectures pruned by POP and front hypervolume vs trained candidates, search on the SYNTHETIC cohort", (st) =>
    pruningFigure([{ name: "pop", steps: st.steps.pop }, { name: "random", steps: st.steps.random }], "SYNTHETIC cohort: pruned architectures and front hypervolume"),
  ),
];
