import { Command } from "commander";
import * as fs from "fs";
import * as path from "path";

/** A subcommand module: each file in src/cli/commands exports `register`. */
export interface CommandModule {
  register(program: Command): void;
}

/**
 * Builds the `naslung` program. Subcommands are discovered from the compiled
 * `cli/commands/*.js` files so each issue adds its command in its own file.
 */
/** `dicomInfo.js` -> `dicom-info`: a command's file name is its name in camelCase. */
export function commandNameOf(file: string): string {
  return file.replace(/\.js$/, "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function buildProgram(argv: string[] = []): Command {
  const program = new Command();
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8"));
  program
    .name("naslung")
    .description("NAS-Lung in TypeScript: data, search, training, ensembles and explanations for lung-nodule CT")
    .version(pkg.version)
    .showHelpAfterError();
  const dir = path.join(__dirname, "commands");
  let files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".js")).sort() : [];
  // Loading every command pulls in tfjs, danfojs, codecs...: when the first argument names a
  // command, load only its module so `naslung dicom-info` starts fast. --help still lists all.
  const only = files.filter((f) => commandNameOf(f) === argv[2]);
  if (only.length === 1) files = only;
  for (const f of files) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(path.join(dir, f)) as Partial<CommandModule>;
    if (typeof mod.register === "function") mod.register(program);
  }
  return program;
}

/** CLI entry point; errors reach the launcher, which prints them on one line and exits 1. */
export async function main(argv: string[]): Promise<void> {
  await buildProgram(argv).parseAsync(argv);
}

if (require.main === module) {
  main(process.argv).catch((e) => {
    console.error(`naslung: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
