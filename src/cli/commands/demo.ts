import type { Command } from "commander";
import { initBackend, describeBackend } from "../../backend/select";

/**
 * The main job on the embedded synthetic cohort. Grows with each stage of the pipeline
 * (issue "ensembles and explanations" makes it the whole path from DICOM to attention maps).
 */
export function register(program: Command): void {
  program
    .command("demo")
    .description("run the main job on the embedded synthetic cohort")
    .action(async () => {
      const b = await initBackend({ quiet: true });
      console.log(describeBackend(b));
    });
}
