import type { Command } from "commander";
import { initBackend, describeBackend } from "../../backend/select";
import { DEFAULT_BENCH_CASES, BenchCase, runBenchCase, createBenchHarness, profileKernels, describeBenchSettings, BENCH_SETTINGS_PREFIX } from "../../train/bench";
import { runVsPytorch } from "../../train/vsPytorch";

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got "${v}"`);
  return n;
}

function parseCase(spec: string): BenchCase {
  const at = spec.lastIndexOf("@");
  const batch = at > 0 ? Number(spec.slice(at + 1)) : 8;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--case "${spec}": batch after @ must be a positive integer`);
  return { config: at > 0 ? spec.slice(0, at) : spec, batch };
}

/**
 * `naslung bench [--json]`: training and inference throughput on 32^3 inputs with A-Softmax for
 * Model-1 at batch 8 and 32 and reference config 2 at batch 8, one JSON line
 * per case; the stock-kernel figure is ONE training step with the native kernels switched off.
 * `--vs-pytorch` runs this command and bench/pytorch_reference.py in child processes, interleaved,
 * and compares them (src/train/vsPytorch.ts).
 */
export function register(program: Command): void {
  program
    .command("bench")
    .description("training/inference throughput of Model-1 and config 2 on the active backend: Model-1 at batch 8 and 32, config 2 at batch 8")
    .option("--json", "print one JSON line per case")
    .option("--case <spec...>", "cases as CONFIG@BATCH (registered name or architecture), default: Model-1 @8, Model-1 @32, config 2 @8")
    .option("--steps <n>", "timed training steps per case (median; default 10, 20 with --vs-pytorch)")
    .option("--infer-steps <n>", "timed inference batches per case (median; default 20, 40 with --vs-pytorch)")
    .option("--no-stock", "skip the one-step stock-kernel comparison (~100 s per case at batch 8)")
    .option("--profile", "print per-kernel time of 3 training steps of each case instead")
    .option("--backend <name>", "backend to request (default: NASLUNG_BACKEND or auto)")
    .option("--vs-pytorch", "compare with the PyTorch reference network (bench/pytorch_reference.py, needs setup.sh --with-torch): both run interleaved in their own processes at their fastest settings")
    .option("--rounds <n>", "with --vs-pytorch: rounds of ours then PyTorch", "3")
    .action(async (o: { json?: boolean; case?: string[]; steps?: string; inferSteps?: string; stock: boolean; profile?: boolean; backend?: string; vsPytorch?: boolean; rounds: string }) => {
      const cases = o.case ? o.case.map(parseCase) : DEFAULT_BENCH_CASES;
      if (o.vsPytorch) {
        if (o.profile || o.backend) throw new Error("--vs-pytorch runs ours on the default backend and cannot be combined with --profile or --backend");
        runVsPytorch({
          rounds: positiveInt("--rounds", o.rounds),
          steps: positiveInt("--steps", o.steps ?? "20"),
          inferSteps: positiveInt("--infer-steps", o.inferSteps ?? "40"),
          cases,
        });
        return;
      }
      const steps = positiveInt("--steps", o.steps ?? "10");
      const inferSteps = positiveInt("--infer-steps", o.inferSteps ?? "20");
      // Read before initBackend: loading the addon sets its own default where the variable is unset.
      const inheritedWaitPolicy = process.env.OMP_WAIT_POLICY;
      const b = await initBackend({ backend: o.backend, quiet: !!o.json });
      console.error(`${BENCH_SETTINGS_PREFIX} ${describeBenchSettings(b, inheritedWaitPolicy)}`);
      for (const c of cases) {
        if (o.profile) {
          const h = createBenchHarness(c);
          h.trainStep();
          h.trainStep();
          const t0 = performance.now(), c0 = process.cpuUsage();
          const rows = profileKernels(() => {
            for (let i = 0; i < 3; i++) h.trainStep();
          });
          const stepCpu = process.cpuUsage(c0), stepMs = (performance.now() - t0) / 3;
          h.dispose();
          const total = rows.reduce((a, r) => a + r.ms, 0) / 3, cpu = rows.reduce((a, r) => a + r.cpuMs, 0) / 3;
          console.log(`# ${c.config} batch ${c.batch} (${describeBackend(b)}): per step in kernels ${total.toFixed(1)} ms wall, ${cpu.toFixed(1)} ms CPU`);
          console.log(`# whole step (kernels + tfjs engine + JS, profiler overhead included): ${stepMs.toFixed(1)} ms wall, ${((stepCpu.user + stepCpu.system) / 3000).toFixed(1)} ms CPU`);
          console.log(`${"kernel".padEnd(26)} ${"wall ms".padStart(9)} ${"CPU ms".padStart(9)} ${"calls".padStart(6)}`);
          for (const r of rows) console.log(`${r.kernel.padEnd(26)} ${(r.ms / 3).toFixed(2).padStart(9)} ${(r.cpuMs / 3).toFixed(2).padStart(9)} ${String(r.calls / 3).padStart(6)}`);
          continue;
        }
        const r = runBenchCase(c, { backend: b.name, trainSteps: steps, inferSteps, stock: o.stock });
        if (o.json) console.log(JSON.stringify(r));
        else
          console.log(
            `${r.config} batch ${r.batch} (${r.params} params): train ${r.trainSamplesPerSec} samples/s, infer ${r.inferSamplesPerSec} samples/s` +
              (r.stockTrainSamplesPerSec === null ? "" : `, stock kernels train ${r.stockTrainSamplesPerSec} samples/s (one step)`) +
              `, peak RSS ${r.peakRssMB} MB, tfjs tensors ${r.numTensorsAfterTrain} after training / ${r.numTensorsAfterInfer} after inference`,
          );
      }
    });
}
