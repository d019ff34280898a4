import type { Command } from "commander";
import * as path from "path";
import { executeNotebook, listNotebooks } from "../notebookRunner";

export function register(program: Command): void {
  program
    .command("notebooks")
    .description("execute every notebook headless through the tslab kernel and save outputs in place")
    .argument("[names...]", "notebook files or name prefixes (default: all)")
    .action(async (names: string[]) => {
      let nbs = listNotebooks();
      if (names.length) nbs = nbs.filter((n) => names.some((x) => path.basename(n).startsWith(path.basename(x))));
      let failed = 0;
      for (const nb of nbs) {
        process.stderr.write(`executing ${path.basename(nb)} ... `);
        const r = await executeNotebook(nb);
        process.stderr.write(r.ok ? `ok (${r.seconds.toFixed(1)} s)\n` : `FAILED (${r.seconds.toFixed(1)} s)\n${r.error}\n`);
        if (!r.ok) failed++;
      }
      if (failed) throw new Error(`${failed} notebook(s) failed`);
    });
}
