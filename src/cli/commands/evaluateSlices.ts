import type { Command } from "commander";
import { initBackend } from "../../backend/select";
import { loadLidcSlices } from "../../data/lidcSlices";
import { binaryMetrics } from "../../metrics/binary";
import { disposeEnsemble, ensembleScores, loadEnsemble, memberProbabilities } from "../../benchmark/pretrained";

/**
 * `naslung evaluate-slices --model <ensemble dir|ensemble.json> --dir <folder>`: scores any
 * folder laid out like the shared LIDC readings (images/{benigno,maligno}/<exam>/<reading>/<k>.png)
 * with a saved ensemble and prints one JSON line of metrics at probability 0.5.
 */
export function register(program: Command): void {
  program
    .command("evaluate-slices")
    .description("score a folder of LIDC-style slice stacks (images/{benigno,maligno}/<exam>/<reading>/<k>.png) with a saved model")
    .requiredOption("--model <path>", "saved ensemble folder or its ensemble.json (e.g. data/pretrained/lidc-ensemble-16ep)")
    .requiredOption("--dir <folder>", "folder holding images/{benigno,maligno}/...")
    .option("--per-sample", "also print one JSON line per reading (id, label, probability)")
    .action(async (opts: { model: string; dir: string; perSample?: boolean }) => {
      await initBackend({ quiet: true });
      const ens = loadEnsemble(opts.model);
      try {
        const ds = loadLidcSlices(opts.dir, { radiomics: false, cacheDir: false });
        if (!ds.samples.length) throw new Error(`${opts.dir}: no readings found`);
        const scores = ensembleScores(ens.spec, memberProbabilities(ens, ds.samples));
        const labels = ds.samples.map((s) => s.label);
        const m = binaryMetrics(labels, scores, ens.spec.threshold);
        if (opts.perSample) {
          ds.samples.forEach((s, i) => console.log(JSON.stringify({ id: s.id, label: s.label, probability: scores[i] })));
        }
        const r = (v: number) => (Number.isFinite(v) ? Math.round(v * 10000) / 10000 : null);
        console.log(
          JSON.stringify({
            n: ds.samples.length,
            accuracy: r(m.accuracy),
            sensitivity: r(m.sensitivity),
            specificity: r(m.specificity),
            f1: r(m.f1),
            auc: r(m.auc),
          }),
        );
      } finally {
        disposeEnsemble(ens);
      }
    });
}
