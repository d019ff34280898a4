import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { archList } from "../models/config";
import { resolveConfig } from "../models/registry";
import { gitCommit, repoRoot } from "../util/provenance";
import { BENCH_SETTINGS_PREFIX, BenchCase, DEFAULT_BENCH_CASES, median } from "./bench";

export { median } from "./bench";

/**
 * `naslung bench --vs-pytorch`: ours and the PyTorch reference network (bench/pytorch_reference.py)
 * on the same cases, interleaved ABAB, each run in its own child process at its own best settings,
 * then medians, spread and ratios per case. The children's OMP_WAIT_POLICY is removed: passive
 * waiting slows PyTorch's OpenMP ~30% on these nets, and our addon picks its own policy when unset.
 */

/** Our CLI as compiled next to this file (dist/ or another outDir), independent of the cwd. */
export const OURS_MAIN = path.join(__dirname, "..", "cli", "main.js");
/** The PyTorch side, from the repository root. */
export const PYTORCH_REFERENCE = path.join(repoRoot, "bench", "pytorch_reference.py");
/** Debian's python3, where `setup.sh --with-torch` installs python3-torch. */
export const SYSTEM_PYTHON = "/usr/bin/python3";
/** What to do when torch cannot be imported. */
export const PYTORCH_MISSING = "PyTorch not installed: run bash scripts/setup.sh --with-torch";

/** The fields of one side's JSON line that the comparison uses. */
export interface CaseThroughput {
  config: string;
  batch: number;
  trainSamplesPerSec: number;
  inferSamplesPerSec: number;
}

/** One measure over the rounds: median, extremes and every run in round order. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** One side of a case: training and inference samples/s over the rounds. */
export interface SideSpread {
  train: Spread;
  infer: Spread;
}

/** The JSON line printed per case: the case, the rounds, both sides' spreads, the ratios and both settings lines. */
export interface VsPytorchCase {
  /** `<architecture list>@<batch>`. */
  case: string;
  rounds: number;
  ours: SideSpread;
  pytorch: SideSpread;
  /** Median ours / median PyTorch, 2 decimals. */
  ratio: { train: number; infer: number };
  settings: { ours: string; pytorch: string };
}

/** Median, min and max of the runs. */
export function spreadOf(runs: number[]): Spread {
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] };
}

/**
 * The key both sides agree on: the architecture in the reference's list notation (registered
 * names and `s4.4-...` ids resolved, spaces dropped) and the batch, e.g. `[4,4,[8,8,8],[16,16,16],[32,32]]@8`.
 */
export function caseKey(c: { config: string; batch: number }): string {
  return `${archList(resolveConfig(c.config))}@${c.batch}`;
}

/**
 * Per case (in the order of ours' first round), each side's spread over the rounds and the ratio
 * of the medians. `ours[r]` and `pytorch[r]` are round r's JSON lines; every round of each side
 * must hold every case.
 */
export function compareRounds(ours: CaseThroughput[][], pytorch: CaseThroughput[][], settings: { ours: string; pytorch: string }): VsPytorchCase[] {
  if (!ours.length || ours.length !== pytorch.length) throw new Error(`compareRounds: ${ours.length} rounds of ours vs ${pytorch.length} of PyTorch`);
  const pick = (side: CaseThroughput[][], name: string, key: string): SideSpread => {
    const runs = side.map((round, r) => {
      const hit = round.find((c) => caseKey(c) === key);
      if (!hit) throw new Error(`compareRounds: ${name} round ${r + 1} has no result for ${key}`);
      return hit;
    });
    return { train: spreadOf(runs.map((c) => c.trainSamplesPerSec)), infer: spreadOf(runs.map((c) => c.inferSamplesPerSec)) };
  };
  return ours[0].map(caseKey).map((key) => {
    const o = pick(ours, "ours", key);
    const t = pick(pytorch, "PyTorch", key);
    const ratio = (a: Spread, b: Spread) => Number((a.median / b.median).toFixed(2));
    return { case: key, rounds: ours.length, ours: o, pytorch: t, ratio: { train: ratio(o.train, t.train), infer: ratio(o.infer, t.infer) }, settings };
  });
}

function fmt(s: Spread): string {
  const d = (v: number) => v.toFixed(1);
  return `${d(s.median)} (${d(s.min)}-${d(s.max)})`;
}

/** Header of the table printed by `formatCaseRow`. */
export const TABLE_HEADER = "case | ours train / infer, median (min-max) | PyTorch train / infer, median (min-max) | ratio ours/PyTorch train / infer";

/** One table row: `case | ours | PyTorch | ratio`, samples/s with 1 decimal. */
export function formatCaseRow(c: VsPytorchCase): string {
  return `${c.case} | ${fmt(c.ours.train)} / ${fmt(c.ours.infer)} | ${fmt(c.pytorch.train)} / ${fmt(c.pytorch.infer)} | ${c.ratio.train}x / ${c.ratio.infer}x`;
}

/** Options of `runVsPytorch`. */
export interface VsPytorchOptions {
  /** ABAB rounds (default 3; fewer than 3 gives no meaningful spread). */
  rounds?: number;
  /** Timed training steps per case and run (default 20). */
  steps?: number;
  /** Timed inference batches per case and run (default 40). */
  inferSteps?: number;
  cases?: BenchCase[];
  /** Where the report goes line by line (default console.log). */
  log?: (line: string) => void;
}

/** The environment of both children: ours, without OMP_WAIT_POLICY. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OMP_WAIT_POLICY;
  return env;
}

function jsonLines(stdout: string): CaseThroughput[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as CaseThroughput);
}

interface ChildRun {
  results: CaseThroughput[];
  /** The child's own description of its settings (its `settings:` stderr line). */
  settings: string;
}

/** Runs one side; its settings line is the first stderr line starting with `settingsPrefix`. */
function runChild(side: string, command: string, args: string[], settingsPrefix: string): ChildRun {
  const r = spawnSync(command, args, { cwd: repoRoot, env: childEnv(), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${side}: cannot run ${command}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${side} exited with ${r.status ?? r.signal}: ${(r.stderr || "").trim().split("\n").slice(-3).join(" | ")}`);
  const settings = (r.stderr.split("\n").find((l) => l.startsWith(settingsPrefix)) ?? "").slice(settingsPrefix.length).trim();
  return { results: jsonLines(r.stdout), settings };
}

/** The architecture list of a case, which both our CLI and the PyTorch script accept. */
function caseSpec(c: BenchCase): string {
  return `${archList(resolveConfig(c.config))}@${c.batch}`;
}

/** Throws PYTORCH_MISSING unless SYSTEM_PYTHON imports torch; returns torch's version. */
export function pytorchVersion(): string {
  const r = spawnSync(SYSTEM_PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", env: childEnv() });
  if (r.error || r.status !== 0) throw new Error(PYTORCH_MISSING);
  return r.stdout.trim();
}

/**
 * Runs the comparison: for each round, `naslung bench --json --no-stock` (our compiled CLI, its
 * own process), then `pytorch_reference.py` with threads = cores, printing each run's samples/s;
 * then the machine's load after, one table row per case and one JSON line per case. Returns the
 * per-case comparison.
 */
export function runVsPytorch(o: VsPytorchOptions = {}): VsPytorchCase[] {
  const log = o.log ?? ((l: string) => console.log(l));
  const rounds = o.rounds ?? 3;
  const steps = o.steps ?? 20;
  const inferSteps = o.inferSteps ?? 40;
  const cases = o.cases ?? DEFAULT_BENCH_CASES;
  for (const [name, v] of [["--rounds", rounds], ["--steps", steps], ["--infer-steps", inferSteps]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer (got ${v})`);
  }
  const torch = pytorchVersion();
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const specs = cases.map(caseSpec);
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");
  log(`machine: ${cores} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), load average ${load()} before; commit ${gitCommit()}; torch ${torch}`);
  if (rounds < 3) log(`note: ${rounds} round(s): the spread needs at least 3`);
  const oursArgs = [OURS_MAIN, "bench", "--json", "--no-stock", "--steps", String(steps), "--infer-steps", String(inferSteps), "--case", ...specs];
  const torchArgs = [PYTORCH_REFERENCE, "--steps", String(steps), "--infer-steps", String(inferSteps), "--threads", String(cores), "--case", ...specs];
  const runs = { ours: [] as CaseThroughput[][], pytorch: [] as CaseThroughput[][] };
  const settings = { ours: "", pytorch: "" };
  const show = (rs: CaseThroughput[]) => rs.map((c) => `${caseKey(c)} ${c.trainSamplesPerSec} / ${c.inferSamplesPerSec}`).join(", ");
  for (let r = 1; r <= rounds; r++) {
    const ours = runChild("ours", process.execPath, oursArgs, BENCH_SETTINGS_PREFIX);
    const pytorch = runChild("PyTorch", SYSTEM_PYTHON, torchArgs, "pytorch_reference: settings:");
    if (r === 1) {
      settings.ours = ours.settings || "unknown (the child printed no settings line)";
      settings.pytorch = pytorch.settings || "unknown (the child printed no settings line)";
      log(`ours: ${settings.ours}`);
      log(`PyTorch: ${settings.pytorch}`);
      log(`both: each run its own process, OMP_WAIT_POLICY removed from the environment, --steps ${steps} --infer-steps ${inferSteps}`);
    }
    runs.ours.push(ours.results);
    runs.pytorch.push(pytorch.results);
    log(`round ${r}: ours train / infer samples/s: ${show(ours.results)}`);
    log(`round ${r}: PyTorch train / infer samples/s: ${show(pytorch.results)}`);
  }
  log(`load average ${load()} after`);
  const table = compareRounds(runs.ours, runs.pytorch, settings);
  log(TABLE_HEADER);
  for (const c of table) log(formatCaseRow(c));
  for (const c of table) log(JSON.stringify(c));
  return table;
}
