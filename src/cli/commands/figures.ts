import type { Command } from "commander";
import { figureRecipes } from "../../plot/registry";
import { figuresDir } from "../../plot/manifest";
import { checkFigures, runFigureRecipes } from "../../plot/figureRun";
import { closeRenderer } from "../../plot/export";
import { describeBackend, initBackend } from "../../backend/select";

/**
 * Ends the whole run on SIGINT / SIGTERM, and when the parent dies (e.g. `timeout … npm run
 * figures`: npm exits and would leave this process training on its own).
 */
function stopWithParent(): void {
  const stop = (code: number) => {
    void closeRenderer().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => stop(130));
  process.once("SIGTERM", () => stop(143));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop(143);
  }, 1000).unref();
}

export function register(program: Command): void {
  program
    .command("figures")
    .description("regenerate every figure into figures/ (PNG + SVG), figures/manifest.json and the gallery figures/README.md")
    .option("--only <names>", "comma-separated figure names")
    .option("--list", "list the figures (instant ones first; those that train networks are marked) and exit")
    .option("--quick", "small training budgets (as NASLUNG_QUICK=1), recorded in the manifest")
    .option("--retrain", "figures that train reuse no finished run under runs/ (they train into a fresh runs/retrain-… folder)")
    .option("--out <dir>", "output folder (default figures/)")
    .option("--check", "report committed figures that no longer match their recipe or inputs (rebuilds the instant ones); exit 1 if any")
    .action(async (opts: { only?: string; list?: boolean; quick?: boolean; retrain?: boolean; out?: string; check?: boolean }) => {
      const all = figureRecipes();
      const wanted = opts.only ? opts.only.split(",").map((s) => s.trim()).filter(Boolean) : null;
      const unknown = (wanted ?? []).filter((n) => !all.some((r) => r.name === n));
      if (unknown.length) throw new Error(`figures --only: no figure named ${unknown.join(", ")} (see naslung figures --list)`);
      const recipes = all.filter((r) => !wanted || wanted.includes(r.name));
      if (opts.list) {
        for (const r of recipes) console.log(`${r.name}\t${r.trains ? `trains${r.reuses ? ` (reuses finished ${r.reuses})` : ""}` : "instant"}\t${r.inputs?.length ? `from ${r.inputs.join(", ")}` : "from config and seed"}\t${r.description}`);
        return;
      }
      if (opts.quick) process.env.NASLUNG_QUICK = "1";
      if (opts.retrain) process.env.NASLUNG_RETRAIN = "1";
      stopWithParent();
      const backend = describeBackend(await initBackend({ quiet: true }));
      const dir = opts.out ?? figuresDir;
      try {
        if (opts.check) {
          const res = await checkFigures(recipes, { dir, backend });
          for (const r of res) console.log(`${r.status.padEnd(7)} ${r.name}: ${r.detail}`);
          const bad = res.filter((r) => r.status !== "ok");
          console.log(bad.length ? `${bad.length} of ${res.length} figures do not match; regenerate them with naslung figures --only ${bad.map((b) => b.name).join(",")}` : `all ${res.length} figures match their recipes and inputs`);
          if (bad.length) process.exitCode = 1;
          return;
        }
        await runFigureRecipes({ recipes, dir, backend, quick: Boolean(opts.quick), retrain: Boolean(opts.retrain) });
      } finally {
        await closeRenderer();
      }
      console.error(`manifest: ${dir}/manifest.json; gallery: ${dir}/README.md`);
    });
}
