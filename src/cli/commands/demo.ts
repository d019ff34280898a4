import type { Command } from "commander";
import * as path from "path";
import { initBackend } from "../../backend/select";
import { quickMode, repoRoot } from "../../util/provenance";
import { loadDemoConfig, quickDemoConfig, runDemo } from "../demoPipeline";

/** `naslung demo`: the whole pipeline on the embedded SYNTHETIC cohort (the README's first command). */
export function register(program: Command): void {
  program
    .command("demo")
    .description("run the whole NAS-Lung path on the embedded SYNTHETIC cohort: DICOM+XML -> crops -> search -> training -> ensemble -> attention figures")
    .option("--config <file>", "demo config", path.join(repoRoot, "configs", "demo.json"))
    .option("--quick", "tiny cohort and budgets (also NASLUNG_QUICK=1)")
    .action(async (opts: { config: string; quick?: boolean }) => {
      const t0 = Date.now();
      await initBackend();
      let c = loadDemoConfig(opts.config);
      if (opts.quick || quickMode()) c = quickDemoConfig(c);
      await runDemo(c);
      console.error(`demo finished in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
    });
}
